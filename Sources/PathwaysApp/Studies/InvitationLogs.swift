import Foundation
import PathwaysCore
import PathwaysStore

/// A wave's invitation log: every case by its pseudonymous respondent id, its messages and their states, and what
/// comes next; filtered, searched, downloaded as CSV; a message resent or a case's messages cancelled, audited.
extension StudyAdministration {
    public struct LogRow: Sendable {
        public var respondentID: String
        public var caseID: Int64
        public var program: String
        public var disposition: String
        /// The AAPOR code of the disposition, nil while the case has none.
        public var dispositionCode: String?
        public var messages: [(kind: String, state: InvitationLog.MessageState, written: Date, sent: Date?, error: String?)]
        public var next: String
    }

    /// Message states and "next" words a log can be filtered by.
    public static let logFilters = ["scheduled", "held", "due", "finished", "cancelled"] + InvitationLog.MessageState.allCases.map(\.rawValue)

    public func invitationLog(_ study: Study, _ wave: Wave, filter: String? = nil, search: String? = nil, now: Date = Date()) async throws -> [LogRow] {
        let outbox = OutboxRepository(store: store)
        let cap = try await outbox.contactCap()
        let plan = ContactPlan(reminderDays: wave.reminderDays, capMessages: cap.messages, capDays: cap.days)
        let key = try await RespondentData(store: store).pseudonymKey()
        var cases = try await outbox.loggedCases(wave: wave.id)
        let search = search?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        var ids: [Int64: String] = [:]
        for c in cases { ids[c.caseID] = RespondentData.pseudonym(study: study.id, learner: c.learnerID, key: key) }
        if !search.isEmpty { cases = cases.filter { ids[$0.caseID]!.contains(search) || String($0.caseID) == search } }
        let history = try await outbox.history(learners: cases.map(\.learnerID), since: now.addingTimeInterval(-Double(cap.days) * 86_400))
        let messages = try await outbox.messages(cases: cases.map(\.caseID))
        var rows: [LogRow] = []
        for c in cases {
            let decision = plan.decide(.init(invitedAt: c.invitedAt, remindersSent: c.remindersSent, responded: c.submitted, optedOut: c.optedOut),
                                       history: history[c.learnerID] ?? [], opens: wave.opensAt, closes: wave.closesAt, now: now)
            let bounced = c.disposition == .undeliverable
            let row = LogRow(respondentID: ids[c.caseID]!, caseID: c.caseID, program: c.program ?? "(no program)", disposition: c.disposition?.label ?? "—", dispositionCode: c.disposition?.rawValue,
                             messages: (messages[c.caseID] ?? []).map { ($0.kind, InvitationLog.MessageState(status: $0.status, bounced: bounced), $0.createdAt, $0.sentAt, $0.lastError) },
                             next: c.hasEmail ? InvitationLog.next(decision, stopped: c.stopped, state: wave.state) : "no email address")
            if let filter, !filter.isEmpty {
                let states = Set(row.messages.map(\.state.rawValue))
                guard states.contains(filter) || row.next.contains(filter) else { continue }
            }
            rows.append(row)
        }
        return rows
    }

    /// The log as CSV, one line per message (a case without messages on one line of its own).
    public func invitationLogCSV(_ study: Study, _ wave: Wave, now: Date = Date()) async throws -> String {
        var lines: [String] = ["respondent_id,program,disposition,message,state,written_at,sent_at,error,next"]
        let iso = ISO8601DateFormatter()
        for row in try await invitationLog(study, wave, now: now) {
            let base = [row.respondentID, row.program, row.disposition]
            if row.messages.isEmpty { lines.append((base + ["", "", "", "", "", row.next]).map { CSVTable.field(CSVTable.inert($0)) }.joined(separator: ",")) }
            for m in row.messages {
                lines.append((base + [m.kind, m.state.rawValue, iso.string(from: m.written), m.sent.map(iso.string(from:)) ?? "", m.error ?? "", row.next])
                    .map { CSVTable.field(CSVTable.inert($0)) }.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One respondent's answers, page by page, by their pseudonymous respondent id (a researcher never sees who it is),
    /// with the case's disposition and dates. Every view is audited.
    public struct CaseAnswers: Sendable {
        public var respondentID: String
        public var program: String
        public var disposition: String
        public var openedAt: Date?, startedAt: Date?, submittedAt: Date?
        public var answeredShare: Double
        public var pages: [SurveyRun.SheetPage]
    }

    public func caseAnswers(_ study: Study, _ wave: Wave, respondent: String, by user: UUID?) async throws -> CaseAnswers {
        let logged = try await logCase(study, wave, respondent: respondent)
        let fieldwork = FieldworkRepository(store: store)
        guard let c = try await fieldwork.case(id: logged.caseID) else {
            throw UseCaseError.notFound("Wave \(wave.number) has no case \(respondent).")
        }
        let version = try await version(wave.instrumentVersionID, of: study)
        let run = SurveyRun(form: version.form, answers: try await fieldwork.answers(caseID: c.id, version: version), today: c.submittedAt ?? Date())
        try await audit.record(userID: user, action: "view_case_answers", subject: "wave:\(wave.id)", detail: respondent)
        return CaseAnswers(respondentID: respondent, program: logged.program ?? "(no program)", disposition: logged.disposition?.label ?? c.disposition?.label ?? "—",
                           openedAt: c.openedAt, startedAt: c.startedAt, submittedAt: c.submittedAt, answeredShare: c.answeredShare,
                           pages: run.answerSheet(language: version.form.defaultLanguage))
    }

    func logCase(_ study: Study, _ wave: Wave, respondent: String) async throws -> OutboxRepository.LoggedCase {
        let key = try await RespondentData(store: store).pseudonymKey()
        guard let c = try await OutboxRepository(store: store).loggedCases(wave: wave.id)
            .first(where: { RespondentData.pseudonym(study: study.id, learner: $0.learnerID, key: key) == respondent }) else {
            throw UseCaseError.notFound("Wave \(wave.number) has no case \(respondent).")
        }
        return c
    }

    /// Cancels one case's messages: what is written is not sent, and the schedule writes it nothing more.
    public func cancelMessages(_ study: Study, _ wave: Wave, respondent: String, by user: UUID?, now: Date = Date()) async throws {
        let c = try await logCase(study, wave, respondent: respondent)
        try await OutboxRepository(store: store).stopMessages(caseID: c.caseID, now: now)
        try await audit.record(userID: user, action: "cancel_messages", subject: "wave:\(wave.id)", detail: respondent)
    }

    /// Writes one case its invitation again now, with a fresh link, within the contact cap.
    public func resend(_ study: Study, _ wave: Wave, respondent: String, by user: UUID?, now: Date = Date()) async throws {
        let c = try await logCase(study, wave, respondent: respondent)
        let outbox = OutboxRepository(store: store)
        let cap = try await outbox.contactCap()
        let plan = ContactPlan(reminderDays: wave.reminderDays, capMessages: cap.messages, capDays: cap.days)
        let history = try await outbox.history(learners: [c.learnerID], since: now.addingTimeInterval(-Double(cap.days) * 86_400))[c.learnerID] ?? []
        let sent = !(try await outbox.messages(cases: [c.caseID])[c.caseID] ?? []).isEmpty
        if let why = InvitationLog.resendRefusal(hasMessage: sent, responded: c.submitted, optedOut: c.optedOut, waveState: wave.state,
                                                 closed: now >= wave.closesAt, capFreesAt: plan.capFreesAt(history: history, now: now)) {
            throw UseCaseError.conflict("The message cannot be sent again: \(why).")
        }
        guard c.hasEmail else { throw UseCaseError.conflict("The message cannot be sent again: the learner has no email address.") }
        try await outbox.resend(caseID: c.caseID, wave: wave, studyTitle: study.title, now: now)
        try await audit.record(userID: user, action: "resend_invitation", subject: "wave:\(wave.id)", detail: respondent)
    }
}
