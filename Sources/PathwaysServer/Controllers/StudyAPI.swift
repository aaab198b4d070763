import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Studies, instruments and waves under `/api/v1/studies`: what a researcher does in the study pages, as JSON.
/// Every handler reads the body, calls one use case of `StudyAdministration` and writes its answer; a refusal is
/// 422 with each problem's field (`error.problems`), a lifecycle step that cannot be taken now is 409.
struct StudyAPI {
    let dependencies: Dependencies

    struct StudyOut: Codable, Sendable {
        var id: UUID
        var key: String
        var title: String
        var description: String?
        var eligibilitySource: String
        var partialShare: Double

        init(_ s: Study) {
            id = s.id; key = s.key; title = s.title; description = s.description; eligibilitySource = s.eligibilitySource.rawValue; partialShare = s.partialShare
        }
    }

    struct StudyIn: Codable, Sendable {
        var key: String?
        var title: String?
        var description: String?
        var eligibilitySource: String?
        var partialShare: Double?

        var input: StudyInput {
            StudyInput(key: key, title: title, description: description, eligibilitySource: eligibilitySource, partialShare: partialShare.map { String($0) })
        }
    }

    struct VersionOut: Codable, Sendable {
        var id: UUID
        var instrument: String
        var title: String
        var number: Int
        var createdAt: Date
        var questions: Int?
        var unchanged: Bool?
    }

    struct WaveOut: Codable, Sendable {
        var number: Int
        var title: String
        var state: String
        var status: String
        var instrumentVersionId: UUID
        var opensAt: Date
        var closesAt: Date
        var frame: String
        var frameComputedAt: Date?
        var reminderDays: [Int]
        var screenItem: String?
        var eligibilityMonths: Int?
        var messageSubject: String
        var messageBody: String
        var actions: [String]
    }

    struct WaveIn: Codable, Sendable {
        var number: Int?
        var title: String?
        /// A version id, or "key" / "key v2".
        var instrument: String?
        var opens: String?
        var closes: String?
        var frame: String?
        var reminderDays: [Int]?
        var screenItem: String?
        var eligibilityMonths: Int?
        var messageSubject: String?
        var messageBody: String?

        var input: WaveInput {
            WaveInput(number: number.map(String.init), title: title, instrument: instrument, opens: opens, closes: closes, frame: frame,
                      reminders: reminderDays.map { $0.map(String.init).joined(separator: ",") }, screenItem: screenItem,
                      eligibilityMonths: eligibilityMonths.map(String.init), messageSubject: messageSubject, messageBody: messageBody)
        }
    }

    struct FrameOut: Codable, Sendable {
        struct ProgramCount: Codable, Sendable { var program: String; var cases: Int }
        struct Example: Codable, Sendable { var respondentId: String; var program: String; var country: String }
        struct Message: Codable, Sendable { var subject: String; var body: String; var respondentId: String? }
        var rule: String
        var computedAt: Date?
        var cases: Int
        var withoutEmail: Int
        var byProgram: [ProgramCount]
        var examples: [Example]
        var message: Message
    }

    struct ResponseImportOut: Codable, Sendable {
        struct Problem: Codable, Sendable { var row: Int; var column: String?; var message: String }
        var file: String
        var stored: Bool
        var interviews: Int
        var inFrame: Int
        var problems: [Problem]
    }

    struct InvitationOut: Codable, Sendable {
        struct Message: Codable, Sendable { var kind: String; var state: String; var writtenAt: Date; var sentAt: Date?; var error: String? }
        var respondentId: String
        var program: String
        var disposition: String
        var messages: [Message]
        var next: String
    }

    struct RatesOut: Codable, Sendable {
        var dispositions: [String: Int]
        var rates: [String: Double?]
        var e: Double?
    }

    func register(on routes: RouteTable) {
        let d = dependencies
        let admin = d.app.studies
        let base = "/api/v1/studies"
        let who = "admin, researcher"

        @Sendable func study(_ context: AppContext) async throws -> Study { try await admin.study(key: context.parameters.get("study") ?? "") }
        @Sendable func wave(_ s: Study, _ context: AppContext) async throws -> Wave {
            guard let n = Int(context.parameters.get("number") ?? "") else { throw UseCaseError.notFound("A wave is named by its number.") }
            return try await admin.wave(s, number: n)
        }
        @Sendable func waveOut(_ w: Wave) async throws -> WaveOut {
            let facts = try await admin.facts(w)
            return WaveOut(number: w.number, title: w.title, state: w.state.rawValue, status: WaveLifecycle.status(facts, opensAt: w.opensAt, now: Date()),
                           instrumentVersionId: w.instrumentVersionID, opensAt: w.opensAt, closesAt: w.closesAt, frame: w.frameRule.text,
                           frameComputedAt: w.frameComputedAt, reminderDays: w.reminderDays, screenItem: w.screenItem, eligibilityMonths: w.eligibilityMonths,
                           messageSubject: w.messageSubject, messageBody: w.messageBody, actions: WaveLifecycle.available(facts, now: Date()).map(\.rawValue))
        }

        routes.get(base, access: who) { _, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            return try APIController.json(try await admin.all().map(StudyOut.init))
        }
        routes.post(base, access: who, body: .json) { request, context in
            let p = try context.require("create studies", AccessPolicy.canRunStudies)
            let input = try await APIController.decode(StudyIn.self, from: request)
            let created = try await admin.create(input.input, by: p.userID)
            return try APIController.json(StudyOut(created), status: .created)
        }
        routes.get("\(base)/{study}", access: who) { _, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            return try APIController.json(StudyOut(try await study(context)))
        }
        routes.patch("\(base)/{study}", access: who) { request, context in
            let p = try context.require("edit studies", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let input = try await APIController.decode(StudyIn.self, from: request)
            return try APIController.json(StudyOut(try await admin.edit(s, input.input, by: p.userID)))
        }

        routes.get("\(base)/{study}/instruments", access: who) { _, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            let s = try await study(context)
            return try APIController.json(try await admin.versionList(s).map {
                VersionOut(id: $0.id, instrument: $0.instrumentKey, title: $0.title, number: $0.number, createdAt: $0.createdAt)
            })
        }
        // A workbook as multipart/form-data: file, instrument, and optionally title, renames (old -> new per line), note.
        routes.post("\(base)/{study}/instruments", access: who, body: .upload) { request, context in
            let p = try context.require("upload instruments", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let upload = try await Forms.upload(request, context: context, fileField: "file")
            let stored = try await admin.upload(study: s, key: upload.fields["instrument"] ?? "", title: upload.fields["title"],
                                                workbook: upload.file.map { Data(buffer: $0) }, fileName: upload.fileName,
                                                renames: upload.fields["renames"], note: upload.fields["note"], by: p.userID)
            let v = stored.version
            return try APIController.json(VersionOut(id: v.id, instrument: v.instrumentKey, title: v.form.title ?? v.instrumentKey, number: v.number,
                                                     createdAt: v.createdAt, questions: v.form.questions.count, unchanged: stored.unchanged),
                                          status: stored.unchanged ? .ok : .created)
        }

        routes.get("\(base)/{study}/waves", access: who) { _, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            var out: [WaveOut] = []
            for w in try await admin.waves(try await study(context)) { out.append(try await waveOut(w)) }
            return try APIController.json(out)
        }
        routes.post("\(base)/{study}/waves", access: who, body: .json) { request, context in
            let p = try context.require("create waves", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let input = try await APIController.decode(WaveIn.self, from: request)
            return try APIController.json(try await waveOut(try await admin.createWave(s, input.input, by: p.userID)), status: .created)
        }
        routes.get("\(base)/{study}/waves/{number}", access: who) { _, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            let s = try await study(context)
            return try APIController.json(try await waveOut(try await wave(s, context)))
        }
        routes.patch("\(base)/{study}/waves/{number}", access: who) { request, context in
            let p = try context.require("edit waves", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let w = try await wave(s, context)
            let input = try await APIController.decode(WaveIn.self, from: request)
            return try APIController.json(try await waveOut(try await admin.editWave(s, w, input.input, by: p.userID)))
        }
        // Computes the frame (again, until the first invitation) and answers with its preview and the message.
        routes.post("\(base)/{study}/waves/{number}/frame", access: who, body: .json) { _, context in
            let p = try context.require("compute frames", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let w = try await wave(s, context)
            let preview = try await admin.computeFrame(s, w, by: p.userID)
            let message = try await admin.previewMessage(s, try await admin.wave(s, number: w.number), showName: AccessPolicy.canSeeIdentifiers(p))
            return try APIController.json(FrameOut(
                rule: w.frameRule.text, computedAt: preview.computedAt, cases: preview.counts.cases, withoutEmail: preview.counts.withoutEmail,
                byProgram: preview.counts.byProgram.map { .init(program: $0.program, cases: $0.cases) },
                examples: preview.examples.map { .init(respondentId: $0.pseudonym, program: $0.program, country: $0.country) },
                message: .init(subject: message.subject, body: message.body, respondentId: message.pseudonym)))
        }
        // The wave's invitation as a real case of its frame would get it, sent to the caller's own address; its link a test link.
        routes.post("\(base)/{study}/waves/{number}/test-message", access: who, body: .json) { _, context in
            let p = try context.require("send test messages", AccessPolicy.canRunStudies)
            let s = try await study(context)
            try await admin.sendTestMessage(s, try await wave(s, context), to: p)
            struct Out: Codable { var to: String }
            return try APIController.json(Out(to: p.email), status: .accepted)
        }
        // A test link to an instrument version: taken without signing in, no case, no rate; shown once.
        routes.post("\(base)/{study}/instruments/{version}/test-link", access: who, body: .json) { _, context in
            let p = try context.require("make test links", AccessPolicy.canRunStudies)
            let s = try await study(context)
            guard let id = UUID(uuidString: context.parameters.get("version") ?? "") else { throw UseCaseError.notFound("There is no such instrument version in this study.") }
            let path = try await admin.testLink(s, version: id, by: p)
            struct Out: Codable { var url: String; var expiresAt: Date }
            return try APIController.json(Out(url: d.publicURL + path, expiresAt: Date().addingTimeInterval(AccountLinkPurpose.trial.lifetime)), status: .created)
        }
        for action in [WaveLifecycle.Action.launch, .pause, .close] {
            routes.post("\(base)/{study}/waves/{number}/\(action.rawValue)", access: who, body: .json) { _, context in
                let p = try context.require("\(action.rawValue) waves", AccessPolicy.canRunStudies)
                let s = try await study(context)
                let w = try await wave(s, context)
                let moved: Wave = switch action {
                case .launch: try await admin.launch(s, w, by: p.userID)
                case .pause: try await admin.pause(s, w, by: p.userID)
                default: try await admin.close(s, w, by: p.userID)
                }
                return try APIController.json(try await waveOut(moved))
            }
        }
        // The study's follow-up answers as career outcomes per program; only new ones are added.
        routes.post("\(base)/{study}/career-outcomes", access: who, body: .json) { _, context in
            let p = try context.require("record career outcomes", AccessPolicy.canRunStudies)
            let s = try await study(context)
            struct Out: Codable { var added: Int }
            return try APIController.json(Out(added: try await d.app.outcomes.fromSurvey(study: s.key, by: p)))
        }
        // A CSV export of the wave's responses from another tool (text/csv; ?file= names it in the report): 200 when
        // stored, 422 with every problem's row and column when not (nothing stored then).
        routes.post("\(base)/{study}/waves/{number}/responses", access: who, body: .upload) { request, context in
            let p = try context.require("import responses", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let w = try await wave(s, context)
            let body = try await APIController.collectUpload(request, context: context)
            let file = request.uri.queryParameters.get("file") ?? "responses.csv"
            let report = try await admin.importResponses(s, w, text: String(buffer: body), file: file, by: p.userID)
            return try APIController.json(ResponseImportOut(file: file, stored: report.stored, interviews: report.interviews, inFrame: report.inFrame,
                                                            problems: report.problems.map { .init(row: $0.line, column: $0.column, message: $0.message) }),
                                          status: report.stored ? .ok : .unprocessableContent)
        }
        // The invitation log (filter with ?state=, search with ?q=), and resend or cancel for one case.
        routes.get("\(base)/{study}/waves/{number}/invitations", access: who) { request, context in
            _ = try context.require("see invitation logs", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let w = try await wave(s, context)
            let filter = request.uri.queryParameters.get("state").flatMap { $0.isEmpty ? nil : $0 }
            if let filter, !StudyAdministration.logFilters.contains(filter) {
                throw UseCaseError.invalid("state: one of \(StudyAdministration.logFilters.joined(separator: ", "))")
            }
            let rows = try await admin.invitationLog(s, w, filter: filter, search: request.uri.queryParameters.get("q"))
            return try APIController.json(rows.map { r in
                InvitationOut(respondentId: r.respondentID, program: r.program, disposition: r.disposition,
                              messages: r.messages.map { .init(kind: $0.kind, state: $0.state.rawValue, writtenAt: $0.written, sentAt: $0.sent, error: $0.error) },
                              next: r.next)
            })
        }
        for action in ["resend", "cancel"] {
            routes.post("\(base)/{study}/waves/{number}/invitations/{respondent}/\(action)", access: who, body: .json) { _, context in
                let p = try context.require("resend or cancel messages", AccessPolicy.canRunStudies)
                let s = try await study(context)
                let w = try await wave(s, context)
                let respondent = context.parameters.get("respondent") ?? ""
                if action == "resend" { try await admin.resend(s, w, respondent: respondent, by: p.userID) } else {
                    try await admin.cancelMessages(s, w, respondent: respondent, by: p.userID)
                }
                let row = try await admin.invitationLog(s, w, search: respondent).first
                return try APIController.json(InvitationOut(respondentId: respondent, program: row?.program ?? "", disposition: row?.disposition ?? "",
                                                            messages: (row?.messages ?? []).map { .init(kind: $0.kind, state: $0.state.rawValue, writtenAt: $0.written, sentAt: $0.sent, error: $0.error) },
                                                            next: row?.next ?? ""))
            }
        }
        // The wave's cases by respondent id (a pseudonym), with their programs and dispositions: no names, no addresses.
        routes.get("\(base)/{study}/waves/{number}/cases", access: who) { _, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let w = try await wave(s, context)
            struct CaseOut: Codable { var respondentId: String; var program: String; var disposition: String?; var dispositionLabel: String }
            return try APIController.json(try await admin.invitationLog(s, w).map {
                CaseOut(respondentId: $0.respondentID, program: $0.program, disposition: $0.dispositionCode, dispositionLabel: $0.disposition)
            })
        }
        // The wave's report as JSON, the same tables as its page (?by= a grouping, ?min_cell= the smallest cell shown).
        routes.get("\(base)/{study}/waves/{number}/report", access: who) { request, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let w = try await wave(s, context)
            guard let version = try await d.versionCache.version(w.instrumentVersionID, d.studies) else { throw UseCaseError.notFound("The wave's instrument version is missing.") }
            let query = request.uri.queryParameters
            guard let minCell = Int(query.get("min_cell") ?? "10"), (0...1000).contains(minCell) else { throw UseCaseError.invalid("min_cell: a whole number from 0 to 1000") }
            let by = query.get("by").flatMap { $0.isEmpty ? nil : $0 }
            let report = try await d.app.reporting.report(study: s, wave: w, version: version, options: .init(by: by, minCell: minCell, rake: []))
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: try WaveReporting.Format.json.render(report))))
        }
        routes.get("\(base)/{study}/waves/{number}/rates", access: who) { _, context in
            _ = try context.require("see studies", AccessPolicy.canRunStudies)
            let s = try await study(context)
            let w = try await wave(s, context)
            let counts = try await d.fieldwork.dispositions(study: s, wave: w.id, byProgram: false)[""] ?? [:]
            let rates = OutcomeRates(OutcomeRates.Counts(counts), eOverride: w.eligibilityOverride)
            return try APIController.json(RatesOut(dispositions: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                                                   rates: Dictionary(uniqueKeysWithValues: rates.all.map { ($0.name, $0.value) }), e: rates.e))
        }
    }
}
