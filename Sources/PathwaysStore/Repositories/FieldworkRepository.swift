import Foundation
import PathwaysCore
import SQLKit

/// A wave in the field: its frame of cases, the links that reach them, their answers and dispositions.
public struct FieldworkRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }
    /// Long reads of committed data (reports, panel tables, weighting).
    var reader: any SQLDatabase { store.reader }

    public init(store: Store) { self.store = store }

    public typealias Case = WaveCase
    public typealias Progress = SurveyProgress

    // MARK: frame

    /// The program a new case is tied to, for rates by program: the learner's latest completed program, else their
    /// latest enrollment. Over `learners l`.
    static let caseProgram = """
        (SELECT e.program_id FROM enrollments e WHERE e.learner_id = l.id
         ORDER BY CASE WHEN e.completed_at IS NULL THEN 1 ELSE 0 END, e.completed_at DESC, e.enrolled_at DESC LIMIT 1)
        """

    public struct FrameCounts: Sendable, Equatable {
        public var cases: Int
        /// Matched the rule but have no email address on record, so cannot be invited (not in the frame).
        public var withoutEmail: Int
        public var byProgram: [(program: String, cases: Int)]

        public static func == (a: Self, b: Self) -> Bool {
            a.cases == b.cases && a.withoutEmail == b.withoutEmail && a.byProgram.map(\.program) == b.byProgram.map(\.program)
                && a.byProgram.map(\.cases) == b.byProgram.map(\.cases)
        }
    }

    /// Computes and stores the wave's frame: every learner with an email address the rule selects, minus anyone who
    /// opted out of the study. Each case is tied to the learner's latest completed program (else latest enrollment),
    /// for rates by program. Recomputing replaces the frame until the first invitation is written; after that the
    /// frame is fixed.
    @discardableResult
    public func computeFrame(study: StudyRepository.Study, wave: StudyRepository.Wave, now: Date = Date()) async throws -> FrameCounts {
        let condition = FrameSQL.condition(wave.frameRule, study: study, opens: wave.opensAt)
        try await store.transaction { db in
            let invited = try await db.raw("""
                SELECT COUNT(*) AS n FROM wave_cases WHERE wave_id = \(bind: wave.id) AND (invited_at IS NOT NULL OR opened_at IS NOT NULL)
                """).first()!.decode(column: "n", as: Int.self)
            guard invited == 0 else { throw StoreError.conflict("wave \(wave.number) has sent invitations; its frame is fixed") }
            try await db.raw("DELETE FROM wave_cases WHERE wave_id = \(bind: wave.id)").run()
            try await db.raw("""
                INSERT INTO wave_cases (wave_id, learner_id, program_id, reminders_sent, answered_share, eligibility_conflict, revision, updated_at)
                SELECT \(bind: wave.id), l.id,
                       \(unsafeRaw: Self.caseProgram),
                       0, 0, \(bind: false), 0, \(bind: now)
                FROM learners l
                WHERE l.email IS NOT NULL AND l.withdrawn_at IS NULL AND l.research_withdrawn_at IS NULL AND \(condition)
                  AND NOT EXISTS (SELECT 1 FROM study_opt_outs so WHERE so.learner_id = l.id AND so.study_id = \(bind: study.id))
                  AND NOT EXISTS (SELECT 1 FROM wave_cases oc JOIN waves ow ON ow.id = oc.wave_id
                                  WHERE oc.learner_id = l.id AND ow.study_id = \(bind: study.id) AND oc.opted_out_at IS NOT NULL)
                """).run()
            try await db.raw("UPDATE waves SET frame_computed_at = \(bind: now) WHERE id = \(bind: wave.id)").run()
        }
        return try await frameCounts(study: study, wave: wave)
    }

    public func frameCounts(study: StudyRepository.Study, wave: StudyRepository.Wave) async throws -> FrameCounts {
        let cases = try await db.raw("SELECT COUNT(*) AS n FROM wave_cases WHERE wave_id = \(bind: wave.id)").first()!.decode(column: "n", as: Int.self)
        let condition = FrameSQL.condition(wave.frameRule, study: study, opens: wave.opensAt)
        let withoutEmail = try await db.raw("SELECT COUNT(*) AS n FROM learners l WHERE l.email IS NULL AND l.research_withdrawn_at IS NULL AND \(condition)").first()!
            .decode(column: "n", as: Int.self)
        let byProgram = try await db.raw("""
            SELECT COALESCE(p.title, '(no program)') AS title, COUNT(*) AS n FROM wave_cases c LEFT JOIN programs p ON p.id = c.program_id
            WHERE c.wave_id = \(bind: wave.id) GROUP BY p.title ORDER BY p.title
            """).all().map { (program: try $0.decode(column: "title", as: String.self), cases: try $0.decode(column: "n", as: Int.self)) }
        return FrameCounts(cases: cases, withoutEmail: withoutEmail, byProgram: byProgram)
    }

    /// A few of the frame's cases in case order, for a preview: who they are (for merge fields), their program.
    public struct FrameExample: Sendable, Equatable {
        public var caseID: Int64
        public var learnerID: UUID
        public var name: String?
        public var program: String?
        public var country: String?
    }

    public func frameExamples(wave: UUID, limit: Int = 5) async throws -> [FrameExample] {
        try await db.raw("""
            SELECT c.id, c.learner_id, l.name, l.country, p.title AS program FROM wave_cases c JOIN learners l ON l.id = c.learner_id
            LEFT JOIN programs p ON p.id = c.program_id WHERE c.wave_id = \(bind: wave) ORDER BY c.id LIMIT \(literal: max(1, min(limit, 100)))
            """).all().map {
            FrameExample(caseID: try $0.decode(column: "id", as: Int64.self), learnerID: try $0.decode(column: "learner_id", as: UUID.self),
                         name: try $0.decode(column: "name", as: String?.self), program: try $0.decode(column: "program", as: String?.self),
                         country: try $0.decode(column: "country", as: String?.self))
        }
    }

    /// Cases of the wave that have been invited or opened their link: once there is one, the frame is fixed.
    public func invitedCount(wave: UUID) async throws -> Int {
        try await db.raw("""
            SELECT COUNT(*) AS n FROM wave_cases WHERE wave_id = \(bind: wave) AND (invited_at IS NOT NULL OR opened_at IS NOT NULL)
            """).first()!.decode(column: "n", as: Int.self)
    }

    // MARK: cases

    /// Every case of a wave, in frame order.
    public func cases(wave: UUID) async throws -> [Case] {
        try await db.raw("SELECT * FROM wave_cases WHERE wave_id = \(bind: wave) ORDER BY id").all().map(Self.case)
    }

    public func `case`(id: Int64) async throws -> Case? {
        try await db.raw("SELECT * FROM wave_cases WHERE id = \(bind: id)").first().map(Self.case)
    }

    public func `case`(wave: UUID, learner: UUID) async throws -> Case? {
        try await db.raw("SELECT * FROM wave_cases WHERE wave_id = \(bind: wave) AND learner_id = \(bind: learner)").first().map(Self.case)
    }

    /// The case a survey link reaches; nil for a token never issued (or altered by a single character).
    public func `case`(token: String) async throws -> Case? {
        guard !token.isEmpty, token.count <= 128 else { return nil }
        let hash = AccountRepository.hash(token)
        return try await db.raw("""
            SELECT c.* FROM case_tokens t JOIN wave_cases c ON c.id = t.case_id WHERE t.token_hash = \(bind: hash)
            """).first().map(Self.case)
    }

    /// Issues a new link token for a case; only its hash is stored.
    static func issueToken(caseID: Int64, on db: any SQLDatabase, now: Date) async throws -> String {
        let token = AccountRepository.newSecret()
        try await db.raw("""
            INSERT INTO case_tokens (token_hash, case_id, issued_at) VALUES (\(bind: AccountRepository.hash(token)), \(bind: caseID), \(bind: now))
            """).run()
        return token
    }

    /// Issues a link outside the invitation schedule (a test, or staff re-sending by hand).
    public func issueToken(caseID: Int64, now: Date = Date()) async throws -> String {
        try await Self.issueToken(caseID: caseID, on: db, now: now)
    }

    public func markOpened(_ c: Case, now: Date = Date()) async throws {
        guard c.openedAt == nil else { return }
        try await db.raw("UPDATE wave_cases SET opened_at = \(bind: now) WHERE id = \(bind: c.id) AND opened_at IS NULL").run()
    }

    /// Stored answers of a case, by the names of `version`.
    public func answers(caseID: Int64, version: StudyRepository.InstrumentVersion) async throws -> [String: String] {
        let nameByItem = Dictionary(version.items.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        var result: [String: String] = [:]
        for row in try await db.raw("SELECT item_id, value FROM response_values WHERE case_id = \(bind: caseID)").all() {
            if let name = nameByItem[try row.decode(column: "item_id", as: UUID.self)] {
                result[name] = try row.decode(column: "value", as: String.self)
            }
        }
        for row in try await db.raw("SELECT item_id, instance, value FROM repeat_values WHERE case_id = \(bind: caseID)").all() {
            if let name = nameByItem[try row.decode(column: "item_id", as: UUID.self)] {
                result[RepeatKey.key(name, try row.decode(column: "instance", as: Int.self))] = try row.decode(column: "value", as: String.self)
            }
        }
        return result
    }

    /// Stores the files given with a save and removes those no answer names any more (replaced, removed, or dropped
    /// with a question that stopped applying), in the save's transaction.
    static func keepFiles(_ db: any SQLDatabase, caseID: Int64, files: [SurveyUpload], answers: [String: String],
                          version: StudyRepository.InstrumentVersion, now: Date) async throws {
        let fileQuestions = Set(version.form.questions.filter { $0.type.uploadKind != nil }.map(\.name))
        guard !fileQuestions.isEmpty else { return }
        let named = Set(answers.compactMap { key, value in fileQuestions.contains(RepeatKey.parse(key)?.name ?? key) ? value : nil })
        for file in files where named.contains(file.storedName) {
            try await db.raw("DELETE FROM response_files WHERE case_id = \(bind: caseID) AND file_name = \(bind: file.storedName)").run()
            try await db.raw("""
                INSERT INTO response_files (case_id, file_name, answer_key, content_type, size, data, updated_at)
                VALUES (\(bind: caseID), \(bind: file.storedName), \(bind: file.key), \(bind: String(file.contentType.prefix(200))),
                        \(bind: file.bytes.count), \(bind: file.bytes.base64EncodedString()), \(bind: now))
                """).run()
        }
        for row in try await db.raw("SELECT file_name FROM response_files WHERE case_id = \(bind: caseID)").all() {
            let name = try row.decode(column: "file_name", as: String.self)
            if !named.contains(name) {
                try await db.raw("DELETE FROM response_files WHERE case_id = \(bind: caseID) AND file_name = \(bind: name)").run()
            }
        }
    }

    /// The files respondents of a wave gave, by learner: what a wave's export writes beside the answers.
    public func files(wave: UUID) async throws -> [(learnerID: UUID, fileName: String, data: Data)] {
        try await db.raw("""
            SELECT c.learner_id, f.file_name, f.data FROM response_files f JOIN wave_cases c ON c.id = f.case_id
            WHERE c.wave_id = \(bind: wave) ORDER BY c.id, f.file_name
            """).all().map { row in
            (try row.decode(column: "learner_id", as: UUID.self), try row.decode(column: "file_name", as: String.self),
             Data(base64Encoded: try row.decode(column: "data", as: String.self)) ?? Data())
        }
    }

    /// Replaces a case's stored answers: those asked once in `response_values`, a repeat's (`name[2]`) by instance in
    /// `repeat_values`. Keys the version does not name are not stored.
    static func replaceAnswers(_ db: any SQLDatabase, caseID: Int64, answers: [String: String], version: StudyRepository.InstrumentVersion, now: Date) async throws {
        try await db.raw("DELETE FROM response_values WHERE case_id = \(bind: caseID)").run()
        try await db.raw("DELETE FROM repeat_values WHERE case_id = \(bind: caseID)").run()
        var once: [[any Encodable & Sendable]] = []
        var repeated: [[any Encodable & Sendable]] = []
        for (key, value) in answers.sorted(by: { $0.key < $1.key }) {
            if let item = version.items[key] {
                once.append([caseID, item, value, now])
            } else if let (name, index) = RepeatKey.parse(key), let item = version.items[name] {
                repeated.append([caseID, item, index, value, now])
            }
        }
        try await BulkWrite.insert(db, into: "response_values", columns: ["case_id", "item_id", "value", "updated_at"], rows: once)
        try await BulkWrite.insert(db, into: "repeat_values", columns: ["case_id", "item_id", "instance", "value", "updated_at"], rows: repeated)
    }

    /// What a save records besides the answers.
    /// Stores the full answer set of an open case, if nobody saved since `c.revision` was read. Returns false when
    /// the case changed in between (another tab, a double submit) or is no longer open; nothing is written then.
    public func save(_ c: Case, answers: [String: String], version: StudyRepository.InstrumentVersion, progress: Progress,
                     files: [SurveyUpload] = [], now: Date = Date()) async throws -> Bool {
        try await store.transaction { db in
            let finished = progress.disposition == .complete || progress.disposition == .notEligible
            var sets: SQLQueryString = "revision = revision + 1, updated_at = \(bind: now), started_at = COALESCE(started_at, \(bind: now)), opened_at = COALESCE(opened_at, \(bind: now))"
            sets = sets + ", current_page = \(bind: progress.currentPage), answered_share = \(bind: progress.answeredShare)"
            if let d = progress.disposition { sets = sets + ", disposition = \(bind: d.rawValue)" }
            if let language = progress.language { sets = sets + ", language = \(bind: language)" }
            if finished { sets = sets + ", submitted_at = \(bind: now)" }
            if let e = progress.screening {
                sets = sets + ", record_eligible = \(bind: e.record), reported_eligible = \(bind: e.reported), eligibility_conflict = \(bind: e.conflict)"
            }
            let updated = try await db.raw("""
                UPDATE wave_cases SET \(sets)
                WHERE id = \(bind: c.id) AND revision = \(bind: c.revision) AND submitted_at IS NULL AND opted_out_at IS NULL
                  AND (disposition IS NULL OR disposition IN (\(binds: Disposition.answerable.map(\.rawValue))))
                RETURNING id
                """).all()
            guard !updated.isEmpty else { return false }
            try await Self.replaceAnswers(db, caseID: c.id, answers: answers, version: version, now: now)
            try await Self.keepFiles(db, caseID: c.id, files: files, answers: answers, version: version, now: now)
            if c.startedAt == nil {
                // The first page saved is the respondent's agreement to the words the first page showed.
                let study = try await db.raw("SELECT s.id, s.title FROM waves w JOIN studies s ON s.id = w.study_id WHERE w.id = \(bind: c.waveID)").first()!
                try await PrivacyRepository.record([.init(learnerID: c.learnerID, purpose: .study, studyID: try study.decode(column: "id", as: UUID.self),
                                                          text: ConsentText.study(title: try study.decode(column: "title", as: String.self)),
                                                          givenAt: now, source: "survey, wave case \(c.id)")], on: db, now: now)
            }
            return true
        }
    }

    /// The learner leaves the study: recorded once for the study (so no future wave frames them), and their unsubmitted
    /// cases in waves still open become refusals (AAPOR 2.11). Closed waves are left exactly as they were: their
    /// dispositions, answers and rates are what their reports were made from. Works from any of the study's links,
    /// an old one of a closed wave included.
    public func optOut(_ c: Case, now: Date = Date()) async throws {
        try await store.transaction { db in
            guard let study = try await db.raw("SELECT study_id FROM waves WHERE id = \(bind: c.waveID)").first()?.decode(column: "study_id", as: UUID.self) else { return }
            try await db.raw("""
                INSERT INTO study_opt_outs (study_id, learner_id, opted_out_at) VALUES (\(bind: study), \(bind: c.learnerID), \(bind: now))
                ON CONFLICT (study_id, learner_id) DO NOTHING
                """).run()
            try await db.raw("""
                UPDATE wave_cases SET opted_out_at = COALESCE(opted_out_at, \(bind: now)), revision = revision + 1, updated_at = \(bind: now),
                       disposition = \(bind: Disposition.refusal.rawValue)
                WHERE learner_id = \(bind: c.learnerID) AND submitted_at IS NULL
                  AND wave_id IN (SELECT id FROM waves WHERE study_id = \(bind: study) AND closes_at > \(bind: now))
                """).run()
        }
    }

    /// Records that every case of the wave was invited at `at` with `reminders` reminders, the last at `lastMessageAt`
    /// (a wave fielded before Pathways, or the demo's simulated past waves).
    public func recordInvited(wave: UUID, at: Date, reminders: Int, lastMessageAt: Date) async throws {
        try await db.raw("""
            UPDATE wave_cases SET invited_at = \(bind: at), reminders_sent = \(bind: reminders), last_message_at = \(bind: lastMessageAt)
            WHERE wave_id = \(bind: wave)
            """).run()
    }

    /// The case's invitation could not be delivered (AAPOR 3.30).
    public func markUndeliverable(caseID: Int64) async throws {
        try await db.raw("UPDATE wave_cases SET disposition = \(bind: Disposition.undeliverable.rawValue) WHERE id = \(bind: caseID)").run()
    }

    // MARK: rows

    static func `case`(_ row: any SQLRow) throws -> Case {
        Case(id: try row.decode(column: "id", as: Int64.self), waveID: try row.decode(column: "wave_id", as: UUID.self),
             learnerID: try row.decode(column: "learner_id", as: UUID.self), programID: try row.decode(column: "program_id", as: UUID?.self),
             disposition: try row.decode(column: "disposition", as: String?.self).flatMap(Disposition.init(rawValue:)),
             invitedAt: try row.decode(column: "invited_at", as: Date?.self), remindersSent: try row.decode(column: "reminders_sent", as: Int.self),
             lastMessageAt: try row.decode(column: "last_message_at", as: Date?.self), openedAt: try row.decode(column: "opened_at", as: Date?.self),
             startedAt: try row.decode(column: "started_at", as: Date?.self), submittedAt: try row.decode(column: "submitted_at", as: Date?.self),
             optedOutAt: try row.decode(column: "opted_out_at", as: Date?.self), answeredShare: try row.decode(column: "answered_share", as: Double.self),
             currentPage: try row.decode(column: "current_page", as: Int?.self), recordEligible: try row.decode(column: "record_eligible", as: Bool?.self),
             reportedEligible: try row.decode(column: "reported_eligible", as: Bool?.self),
             eligibilityConflict: try row.decode(column: "eligibility_conflict", as: Bool.self), revision: try row.decode(column: "revision", as: Int.self),
             language: try row.decode(column: "language", as: String?.self))
    }
}

/// A frame rule as an SQL condition over `learners l`, so a frame of any size is one INSERT … SELECT in the database.
/// Month arithmetic happens here, in Swift, and the cut-off dates are bound, so both dialects run the same SQL.
enum FrameSQL {
    /// When a program was completed, by the record of truth: the issued credential's completion date where there
    /// is one (none at all when it was revoked), else the enrollment's. Over `enrollments fe` left-joined to
    /// `credentials cr` on learner and program (program credentials only).
    static let completionDate = "(CASE WHEN cr.id IS NULL THEN fe.completed_at WHEN cr.revoked_at IS NULL THEN cr.completed_at END)"

    static func condition(_ rule: FrameRule, study: StudyRepository.Study, opens: Date) -> SQLQueryString {
        func join(_ rules: [FrameRule], _ op: String, empty: String) -> SQLQueryString {
            guard !rules.isEmpty else { return SQLQueryString(empty) }
            var s: SQLQueryString = "("
            for (i, r) in rules.enumerated() { s = s + (i == 0 ? "" : SQLQueryString(" " + op + " ")) + condition(r, study: study, opens: opens) }
            return s + ")"
        }
        func kinds(_ k: [ProgramKind]?) -> SQLQueryString {
            guard let k, !k.isEmpty else { return "" }
            return " AND p.kind IN (\(binds: k.map(\.rawValue)))"
        }
        switch rule {
        case .all(let rules): return join(rules, "AND", empty: "1 = 1")
        case .any(let rules): return join(rules, "OR", empty: "1 = 0")
        case .not(let r): return "NOT (" + condition(r, study: study, opens: opens) + ")"
        case .answeredWave(let number, let months):
            let cutoff = months.map { CalendarDay.adding(months: -$0, to: opens) } ?? opens
            return """
                EXISTS (SELECT 1 FROM wave_cases fc JOIN waves fw ON fw.id = fc.wave_id
                        WHERE fc.learner_id = l.id AND fw.study_id = \(bind: study.id) AND fw.number = \(bind: number)
                          AND (fc.disposition = \(bind: Disposition.complete.rawValue) OR (fc.disposition IS NULL AND fc.answered_share >= \(bind: study.partialShare)))
                          AND COALESCE(fc.submitted_at, fc.updated_at) <= \(bind: cutoff))
                """
        case .completedProgram(let k, let months):
            let cutoff = CalendarDay.adding(months: -months, to: opens)
            return """
                EXISTS (SELECT 1 FROM enrollments fe JOIN programs p ON p.id = fe.program_id
                        LEFT JOIN credentials cr ON cr.learner_id = fe.learner_id AND cr.program_id = fe.program_id AND cr.course_id IS NULL
                        WHERE fe.learner_id = l.id AND \(unsafeRaw: completionDate) <= \(bind: cutoff)\(kinds(k)))
                """
        case .enrolled(let k):
            return """
                EXISTS (SELECT 1 FROM enrollments fe JOIN programs p ON p.id = fe.program_id
                        WHERE fe.learner_id = l.id AND fe.enrolled_at <= \(bind: opens)\(kinds(k)))
                """
        case .inPrograms(let keys):
            guard !keys.isEmpty else { return "1 = 0" }
            return """
                EXISTS (SELECT 1 FROM enrollments fe JOIN programs p ON p.id = fe.program_id
                        WHERE fe.learner_id = l.id AND p.external_id IN (\(binds: keys)))
                """
        case .noBachelorsDegree:
            let below = EducationLevel.allCases.filter { !$0.hasBachelorOrHigher }.map(\.rawValue)
            return "l.highest_education IN (\(binds: below))"
        case .country(let codes):
            guard !codes.isEmpty else { return "1 = 0" }
            return "UPPER(l.country) IN (\(binds: codes.map { $0.uppercased() }))"
        }
    }
}


extension FieldworkRepository {
    /// What the frame knows about every case, for raking and for comparing respondents with the frame.
    public static let frameCharacteristics = ["program", "program_kind", "provider", "gender", "country", "highest_education"]

    /// Every case of the wave in case order, whether it is a respondent (complete or partial interview), and its
    /// frame characteristics ("(unknown)" where the record has none).
    public func frameMembers(study: StudyRepository.Study, wave: UUID) async throws -> [(responded: Bool, traits: [String: String])] {
        try await frameCases(study: study, wave: wave).map { ($0.responded, $0.traits) }
    }

    /// The frame as `frameMembers`, with each case's learner.
    public func frameCases(study: StudyRepository.Study, wave: UUID) async throws -> [(learnerID: UUID, responded: Bool, traits: [String: String])] {
        try await reader.raw("""
            SELECT c.learner_id, \(Self.effectiveDisposition(partialShare: study.partialShare)) AS disposition, p.title AS program, p.kind AS program_kind,
                   v.name AS provider, l.gender, l.country, l.highest_education
            FROM wave_cases c JOIN learners l ON l.id = c.learner_id
            LEFT JOIN programs p ON p.id = c.program_id LEFT JOIN providers v ON v.id = p.provider_id
            WHERE c.wave_id = \(bind: wave) ORDER BY c.id
            """).all().map { row in
            var traits: [String: String] = [:]
            for key in Self.frameCharacteristics {
                let value = try row.decode(column: key, as: String?.self) ?? ""
                traits[key] = value.isEmpty ? "(unknown)" : value
            }
            let disposition = try row.decode(column: "disposition", as: String.self)
            return (try row.decode(column: "learner_id", as: UUID.self), Disposition(rawValue: disposition)?.isResponse == true, traits)
        }
    }

    /// Respondents' weights raked to the frame's counts on `margins` (`FrameWeighting.weigh` over `frameMembers`).
    public func weighting(study: StudyRepository.Study, wave: UUID, margins: [String], trim: Double? = nil) async throws
        -> (weighting: Tabulation.Weighting, comparison: [NonresponseBias.Row]) {
        let frame = try await frameMembers(study: study, wave: wave).map { FrameWeighting.Member(responded: $0.responded, traits: $0.traits) }
        do {
            return try FrameWeighting.weigh(frame: frame, margins: margins, characteristics: Self.frameCharacteristics, trim: trim)
        } catch {
            throw StoreError.invalid(error.description)
        }
    }
}

