import Foundation
import PathwaysCore
import PathwaysStore

/// Bringing an earlier wave fielded in another tool: its responses from a CSV export become complete interviews of
/// the wave, with their dates, so frames, the panel and reports use them. The file is checked whole against the
/// wave's instrument version and the learners on record, and stored all or nothing; audited.
extension StudyAdministration {
    public struct ResponseImportReport: Sendable {
        public var file: String
        public var interviews: Int
        /// Interviews whose learner already had a case in the wave's frame.
        public var inFrame: Int
        public var problems: [ResponseFile.Problem]
        public var stored: Bool { problems.isEmpty }
        public var text: String {
            stored ? "\(file): \(interviews) complete interviews stored (\(inFrame) were cases of the frame, \(interviews - inFrame) added)."
                   : ([ "\(file): nothing was stored; \(problems.count) problem\(problems.count == 1 ? "" : "s"):"] + problems.map(\.description)).joined(separator: "\n")
        }
    }

    /// Reads, checks and stores `text` as wave responses. Refused whole, with every problem's row and column, when
    /// anything is wrong: an unknown learner, a withdrawn one, one who already has a complete interview in the wave,
    /// an answer the instrument would not have taken.
    public func importResponses(_ study: Study, _ wave: Wave, text: String, file: String, by user: UUID?, now: Date = Date()) async throws -> ResponseImportReport {
        guard let version = try await versions.version(wave.instrumentVersionID, studies) else { throw UseCaseError.notFound("The wave's instrument version is missing.") }
        let read = ResponseFile.read(text, file: file, form: version.form, defaultDate: min(wave.closesAt, now))
        var problems = read.problems
        let byEmail = read.identifier == .email
        let column = read.identifier.rawValue
        let known = try await LearnerRepository(store: store).identify(keys: read.rows.map(\.learner), byEmail: byEmail)
        var pairs: [(row: ResponseFile.Row, interview: FieldworkRepository.ImportedInterview)] = []
        for row in read.rows {
            guard let learner = known[byEmail ? row.learner.lowercased() : row.learner] else {
                problems.append(.init(file: file, line: row.line, column: column, message: "no learner has \(byEmail ? "the email" : "the id") \(row.learner); import the learners first"))
                continue
            }
            if learner.withdrawn {
                problems.append(.init(file: file, line: row.line, column: column, message: "\(row.learner) withdrew from research; their answers are not kept"))
                continue
            }
            let at = row.submittedAt ?? min(wave.closesAt, now)
            if at > now { problems.append(.init(file: file, line: row.line, column: "submitted_at", message: "is in the future")) }
            let share = SurveyRun(form: version.form, answers: row.answers, today: at).answeredShare
            pairs.append((row, .init(learnerID: learner.id, answers: row.answers, submittedAt: at, answeredShare: share)))
        }
        let interviews = pairs.map(\.interview)
        let done = try await fieldwork.submitted(wave: wave.id, learners: interviews.map(\.learnerID))
        for (row, interview) in pairs where done.contains(interview.learnerID) {
            problems.append(.init(file: file, line: row.line, column: column, message: "\(row.learner) already has a submitted interview in wave \(wave.number)"))
        }
        problems.sort { ($0.line, $0.column ?? "") < ($1.line, $1.column ?? "") }
        guard problems.isEmpty else { return ResponseImportReport(file: file, interviews: 0, inFrame: 0, problems: Array(problems.prefix(1_000))) }
        let framed = Set(try await fieldwork.cases(wave: wave.id).map(\.learnerID))
        try await fieldwork.importInterviews(interviews, study: study, wave: wave, version: version, source: "responses imported from \(file)", now: now)
        try await audit.record(userID: user, action: "import_responses", subject: "wave:\(wave.id)",
                               detail: "\(file): \(interviews.count) interviews, \(version.instrumentKey) v\(version.number)")
        return ResponseImportReport(file: file, interviews: interviews.count, inFrame: interviews.filter { framed.contains($0.learnerID) }.count, problems: [])
    }
}
