import Foundation
import PathwaysCore
import SQLKit

extension FieldworkRepository {
    // MARK: dispositions and rates

    /// The disposition a case has now, as `Disposition.current` decides it, in SQL over `wave_cases c`.
    static func effectiveDisposition(partialShare: Double) -> SQLQueryString {
        DispositionSQL.current(partialShare: partialShare)
    }

    public struct WaveProgress: Sendable, Equatable {
        public var frame = 0, invited = 0, reminded = 0, opened = 0, started = 0, submitted = 0, optedOut = 0
        /// Screened cases where the answer and the record disagreed.
        public var eligibilityConflicts = 0
        public init() {}
    }

    /// Per day (UTC) of a wave's fieldwork: links first opened, surveys started and submitted, and survey messages
    /// sent, invitations apart from reminders (`ResponseTimeline` draws them).
    public func dailyActivity(wave: UUID) async throws -> [ResponseTimeline.Day] {
        func day(_ column: String) -> SQLQueryString {
            store.dialect == .postgres ? "FLOOR(EXTRACT(EPOCH FROM \(unsafeRaw: column)) / 86400)" : "CAST(\(unsafeRaw: column) / 86400 AS INTEGER)"
        }
        var days: [Int: ResponseTimeline.Day] = [:]
        func add(_ rows: [any SQLRow], _ path: WritableKeyPath<ResponseTimeline.Day, Int>) throws {
            for row in rows {
                let d = Int(try row.decode(column: "d", as: Double.self))
                days[d, default: ResponseTimeline.Day(day: d)][keyPath: path] += try row.decode(column: "n", as: Int.self)
            }
        }
        for (column, path) in [("opened_at", \ResponseTimeline.Day.opened), ("started_at", \.started), ("submitted_at", \.submitted)] {
            try add(try await reader.raw("""
                SELECT \(day(column)) AS d, COUNT(*) AS n FROM wave_cases WHERE wave_id = \(bind: wave) AND \(unsafeRaw: column) IS NOT NULL GROUP BY 1
                """).all(), path)
        }
        for (kinds, path) in [("kind = 'invitation'", \ResponseTimeline.Day.invitations), ("kind LIKE 'reminder%'", \.reminders)] {
            try add(try await reader.raw("""
                SELECT \(day("sent_at")) AS d, COUNT(*) AS n FROM outbox
                WHERE case_id IN (SELECT id FROM wave_cases WHERE wave_id = \(bind: wave)) AND sent_at IS NOT NULL AND \(unsafeRaw: kinds) GROUP BY 1
                """).all(), path)
        }
        return days.values.sorted { $0.day < $1.day }
    }

    public func progress(wave: UUID) async throws -> WaveProgress {
        let row = try await db.raw("""
            SELECT COUNT(*) AS frame, COUNT(invited_at) AS invited, SUM(CASE WHEN reminders_sent > 0 THEN 1 ELSE 0 END) AS reminded,
                   COUNT(opened_at) AS opened, COUNT(started_at) AS started, COUNT(submitted_at) AS submitted, COUNT(opted_out_at) AS opted_out,
                   SUM(CASE WHEN eligibility_conflict THEN 1 ELSE 0 END) AS conflicts
            FROM wave_cases WHERE wave_id = \(bind: wave)
            """).first()!
        var p = WaveProgress()
        p.frame = try row.decode(column: "frame", as: Int.self)
        p.invited = try row.decode(column: "invited", as: Int.self)
        p.reminded = try row.decode(column: "reminded", as: Int?.self) ?? 0
        p.opened = try row.decode(column: "opened", as: Int.self)
        p.started = try row.decode(column: "started", as: Int.self)
        p.submitted = try row.decode(column: "submitted", as: Int.self)
        p.optedOut = try row.decode(column: "opted_out", as: Int.self)
        p.eligibilityConflicts = try row.decode(column: "conflicts", as: Int?.self) ?? 0
        return p
    }

    /// Cases by disposition for one wave, or for every wave of the study when `wave` is nil, grouped by program title
    /// when `byProgram` (the key is "" otherwise).
    public func dispositions(study: StudyRepository.Study, wave: UUID?, byProgram: Bool) async throws -> [String: [Disposition: Int]] {
        let waveFilter: SQLQueryString = wave.map { "c.wave_id = \(bind: $0)" } ?? "c.wave_id IN (SELECT id FROM waves WHERE study_id = \(bind: study.id))"
        let group: SQLQueryString = byProgram ? "COALESCE(p.title, '(no program)')" : "''"
        var result: [String: [Disposition: Int]] = [:]
        for row in try await reader.raw("""
            SELECT \(group) AS grp, \(Self.effectiveDisposition(partialShare: study.partialShare)) AS disposition, COUNT(*) AS n
            FROM wave_cases c LEFT JOIN programs p ON p.id = c.program_id
            WHERE \(waveFilter) GROUP BY 1, 2
            """).all() {
            guard let d = Disposition(rawValue: try row.decode(column: "disposition", as: String.self)) else { continue }
            result[try row.decode(column: "grp", as: String.self), default: [:]][d, default: 0] += try row.decode(column: "n", as: Int.self)
        }
        return result
    }

    /// Each learner's path across the study's waves, counted: wave number → disposition code ("" when not in that
    /// wave's frame), and how many learners took that path.
    public func panelPaths(study: StudyRepository.Study) async throws -> [(path: [Int: String], learners: Int)] {
        var byLearner: [UUID: [Int: String]] = [:]
        for row in try await reader.raw("""
            SELECT c.learner_id, w.number, \(Self.effectiveDisposition(partialShare: study.partialShare)) AS disposition
            FROM wave_cases c JOIN waves w ON w.id = c.wave_id WHERE w.study_id = \(bind: study.id)
            """).all() {
            byLearner[try row.decode(column: "learner_id", as: UUID.self), default: [:]][try row.decode(column: "number", as: Int.self)] =
                try row.decode(column: "disposition", as: String.self)
        }
        var counts: [[Int: String]: Int] = [:]
        for path in byLearner.values { counts[path, default: 0] += 1 }
        return counts.map { ($0.key, $0.value) }.sorted { $0.learners > $1.learners }
    }

    /// Every case of the study with its learner, wave, program and effective disposition, for attrition tables.
    public func panelCases(study: StudyRepository.Study) async throws -> [Panel.Case] {
        try await reader.raw("""
            SELECT c.learner_id, w.number, coalesce(p.title, '') AS program, \(Self.effectiveDisposition(partialShare: study.partialShare)) AS disposition
            FROM wave_cases c JOIN waves w ON w.id = c.wave_id LEFT JOIN programs p ON p.id = c.program_id
            WHERE w.study_id = \(bind: study.id)
            """).all().map { row in
            Panel.Case(learner: try row.decode(column: "learner_id", as: UUID.self), wave: try row.decode(column: "number", as: Int.self),
                       program: try row.decode(column: "program", as: String.self), disposition: try row.decode(column: "disposition", as: String.self))
        }
    }

    /// The answers of a wave's respondents — complete and partial interviews (AAPOR 1.1 and 1.2), screened-out cases
    /// excluded — by the names of `version`, one dictionary per respondent in case order.
    public func respondentAnswers(study: StudyRepository.Study, wave: UUID, version: StudyRepository.InstrumentVersion) async throws -> [[String: String]] {
        try await respondents(study: study, wave: wave, version: version).map(\.answers)
    }

    /// Names of the columns `respondentColumns` adds from each case's program, for splitting tables.
    public static let programColumns = ["program": "_program", "program_kind": "_program_kind", "provider": "_provider"]

    /// The respondents' answers as columns, with their program, program kind and provider attached
    /// (`programColumns`), for tables split by them.
    public func respondentColumns(study: StudyRepository.Study, wave: UUID, version: StudyRepository.InstrumentVersion) async throws -> ResponseColumns {
        let rows = try await respondents(study: study, wave: wave, version: version)
        var columns = ResponseColumns(rows: rows.map(\.answers))
        for (key, column) in Self.programColumns { columns.set(column, values: rows.map { $0.program[key] }) }
        return columns
    }

    /// The same respondents with the learner each case is about and their case's program (title, kind, provider).
    public func respondents(study: StudyRepository.Study, wave: UUID, version: StudyRepository.InstrumentVersion) async throws
        -> [(learnerID: UUID, answers: [String: String], program: [String: String], language: String?, disposition: String)] {
        let nameByItem = Dictionary(version.items.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        var byCase: [Int64: [String: String]] = [:]
        var order: [(Int64, UUID, [String: String], String?, String)] = []
        for row in try await reader.raw("""
            SELECT c.id, c.learner_id, c.language, \(Self.effectiveDisposition(partialShare: study.partialShare)) AS disposition, p.title AS program, p.kind AS program_kind, v.name AS provider FROM wave_cases c
            LEFT JOIN programs p ON p.id = c.program_id LEFT JOIN providers v ON v.id = p.provider_id
            WHERE c.wave_id = \(bind: wave) AND \(Self.effectiveDisposition(partialShare: study.partialShare)) IN (\(binds: Disposition.responses.map(\.rawValue)))
            ORDER BY c.id
            """).all() {
            let id = try row.decode(column: "id", as: Int64.self)
            var program: [String: String] = [:]
            for key in Self.programColumns.keys { program[key] = try row.decode(column: key, as: String?.self) }
            order.append((id, try row.decode(column: "learner_id", as: UUID.self), program, try row.decode(column: "language", as: String?.self),
                          try row.decode(column: "disposition", as: String.self)))
            byCase[id] = [:]
        }
        for row in try await reader.raw("""
            SELECT v.case_id, v.item_id, v.value FROM response_values v JOIN wave_cases c ON c.id = v.case_id WHERE c.wave_id = \(bind: wave)
            """).all() {
            let id = try row.decode(column: "case_id", as: Int64.self)
            guard byCase[id] != nil, let name = nameByItem[try row.decode(column: "item_id", as: UUID.self)] else { continue }
            byCase[id]?[name] = try row.decode(column: "value", as: String.self)
        }
        for row in try await reader.raw("""
            SELECT v.case_id, v.item_id, v.instance, v.value FROM repeat_values v JOIN wave_cases c ON c.id = v.case_id WHERE c.wave_id = \(bind: wave)
            """).all() {
            let id = try row.decode(column: "case_id", as: Int64.self)
            guard byCase[id] != nil, let name = nameByItem[try row.decode(column: "item_id", as: UUID.self)] else { continue }
            byCase[id]?[RepeatKey.key(name, try row.decode(column: "instance", as: Int.self))] = try row.decode(column: "value", as: String.self)
        }
        return order.map { (learnerID: $0.1, answers: byCase[$0.0] ?? [:], program: $0.2, language: $0.3, disposition: $0.4) }
    }
}
