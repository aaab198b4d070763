import Crypto
import Foundation
import PathwaysCore
import SQLKit

/// Consent records and withdrawals: what each learner agreed to, in which words and when, and the removal or
/// de-identification of their data when they withdraw, as each study's policy says.
public struct PrivacyRepository: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    // MARK: consent

    public struct Consent: Sendable, Equatable {
        public var purpose: ConsentPurpose
        public var studyTitle: String?
        public var text: String
        public var givenAt: Date
        public var source: String
        public var withdrawnAt: Date?
    }

    public struct NewConsent: Sendable {
        public var learnerID: UUID
        public var purpose: ConsentPurpose
        public var studyID: UUID?
        public var text: String
        public var givenAt: Date
        public var source: String

        public init(learnerID: UUID, purpose: ConsentPurpose, studyID: UUID? = nil, text: String, givenAt: Date, source: String) {
            self.learnerID = learnerID
            self.purpose = purpose
            self.studyID = studyID
            self.text = text
            self.givenAt = givenAt
            self.source = source
        }
    }

    /// Records consents inside the caller's transaction, each text stored once by its SHA-256.
    static func record(_ consents: [NewConsent], on db: any SQLDatabase, now: Date = Date()) async throws {
        guard !consents.isEmpty else { return }
        var texts: [String: String] = [:]
        for c in consents { texts[sha256Hex(c.text)] = c.text }
        for (sha, body) in texts {
            try await db.raw("""
                INSERT INTO consent_texts (sha256, body, first_used_at) VALUES (\(bind: sha), \(bind: body), \(bind: now))
                ON CONFLICT (sha256) DO NOTHING
                """).run()
        }
        try await BulkWrite.insert(db, into: "consents", columns: ["learner_id", "purpose", "study_id", "text_sha256", "given_at", "source", "recorded_at"],
                                   rows: consents.map { [$0.learnerID, $0.purpose.rawValue, $0.studyID, sha256Hex($0.text), $0.givenAt, $0.source, now] })
    }

    /// The learner's consents, newest first, with the words agreed to.
    public func consents(learner: UUID) async throws -> [Consent] {
        try await store.sql.raw("""
            SELECT c.purpose, s.title, t.body, c.given_at, c.source, c.withdrawn_at
            FROM consents c JOIN consent_texts t ON t.sha256 = c.text_sha256 LEFT JOIN studies s ON s.id = c.study_id
            WHERE c.learner_id = \(bind: learner) ORDER BY c.given_at DESC, c.id DESC
            """).all().map { row in
            Consent(purpose: ConsentPurpose(rawValue: try row.decode(column: "purpose", as: String.self)) ?? .study,
                    studyTitle: try row.decode(column: "title", as: String?.self), text: try row.decode(column: "body", as: String.self),
                    givenAt: try row.decode(column: "given_at", as: Date.self), source: try row.decode(column: "source", as: String.self),
                    withdrawnAt: try row.decode(column: "withdrawn_at", as: Date?.self))
        }
    }

    // MARK: withdrawal policy

    public func policy(study: UUID) async throws -> WithdrawalPolicy {
        let row = try await store.sql.raw("SELECT withdrawal_policy FROM studies WHERE id = \(bind: study)").first()
        guard let row else { throw StoreError.notFound("no such study") }
        return WithdrawalPolicy(rawValue: try row.decode(column: "withdrawal_policy", as: String.self)) ?? .deidentify
    }

    public func setPolicy(study: UUID, _ policy: WithdrawalPolicy) async throws {
        try await store.sql.raw("UPDATE studies SET withdrawal_policy = \(bind: policy.rawValue) WHERE id = \(bind: study)").run()
    }

    // MARK: withdrawal

    public struct Withdrawal: Sendable, Equatable {
        public struct Study: Sendable, Equatable {
            public var title: String
            public var policy: WithdrawalPolicy
            /// Wave cases removed (delete) or closed to further contact (de-identify).
            public var cases: Int
            /// Answers removed: all of them (delete) or the open-text ones (de-identify).
            public var answersRemoved: Int
        }
        public var studies: [Study]
        public var messagesCancelled: Int
        public var accountsClosed: Int
        /// Message-IDs of what was sent to the learner, so copies a file transport wrote can be removed.
        public var sentMessageIDs: [String] = []
        /// From research only: identity, account, credentials and career support stay.
        public var researchOnly = false

        /// One line for the audit log and the withdrawal record.
        public var summary: String {
            let parts = studies.map { "\($0.title): \($0.policy.rawValue), \($0.cases) case(s), \($0.answersRemoved) answer(s) removed" }
            return (parts.isEmpty ? ["no study cases"] : parts).joined(separator: "; ")
                + "; \(messagesCancelled) unsent message(s) cancelled"
                + (researchOnly ? "; account, credentials and career support kept" : "; \(accountsClosed) account(s) closed; identity and profile removed")
        }
    }

    /// Withdraws the learner from research only, in one transaction: each study applies its policy as in
    /// `withdraw`, and cases a study keeps move to a record with no identity (a de-identified respondent, as after a
    /// full withdrawal), so nothing in a study points back to the learner; unsent survey messages are cancelled;
    /// study consents are marked withdrawn; no later wave's frame includes them. Their name, email, account,
    /// credentials and career support stay theirs.
    public func withdrawFromResearch(learner: UUID, by userID: UUID?, via: String, now: Date = Date()) async throws -> Withdrawal {
        try await store.transaction { db in
            guard let row = try await db.raw("SELECT withdrawn_at, research_withdrawn_at FROM learners WHERE id = \(bind: learner)").first() else {
                throw StoreError.notFound("no such learner")
            }
            if let at = try row.decode(column: "withdrawn_at", as: Date?.self) ?? row.decode(column: "research_withdrawn_at", as: Date?.self) {
                throw StoreError.conflict("this learner withdrew from research on \(CalendarDay.format(at))")
            }
            let studies = try await Self.applyStudyPolicies(db, learner: learner, now: now)
            let unsent: SQLQueryString = "learner_id = \(bind: learner) AND case_id IS NOT NULL AND status IN ('pending', 'sending')"
            let cancelled = try await Self.count(db, "SELECT COUNT(*) AS n FROM outbox WHERE \(unsent)")
            try await db.raw("DELETE FROM outbox WHERE \(unsent)").run()
            if try await Self.count(db, "SELECT COUNT(*) AS n FROM wave_cases WHERE learner_id = \(bind: learner)") > 0 {
                let respondent = UUID()
                let placeholder = "withdrawn-" + AccountRepository.newSecret().prefix(12).lowercased()
                try await db.raw("""
                    INSERT INTO learners (id, external_id, withdrawn_at, research_withdrawn_at, created_at, updated_at)
                    VALUES (\(bind: respondent), \(bind: placeholder), \(bind: now), \(bind: now), \(bind: now), \(bind: now))
                    """).run()
                try await db.raw("UPDATE wave_cases SET learner_id = \(bind: respondent) WHERE learner_id = \(bind: learner)").run()
                try await db.raw("""
                    UPDATE outbox SET learner_id = \(bind: respondent), to_address = '', body = '', link_token = NULL
                    WHERE case_id IS NOT NULL AND learner_id = \(bind: learner)
                    """).run()
            }
            try await db.raw("UPDATE learners SET research_withdrawn_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: learner)").run()
            try await db.raw("UPDATE consents SET withdrawn_at = \(bind: now) WHERE learner_id = \(bind: learner) AND purpose = 'study' AND withdrawn_at IS NULL").run()
            let result = Withdrawal(studies: studies, messagesCancelled: cancelled, accountsClosed: 0, researchOnly: true)
            try await db.raw("""
                INSERT INTO audit_log (id, at, user_id, action, subject, detail)
                VALUES (\(bind: UUID()), \(bind: now), \(bind: userID), 'withdraw_from_research', \(bind: "learner:\(learner)"), \(bind: via + "; " + result.summary))
                """).run()
            return result
        }
    }

    /// Withdraws the learner from research, in one transaction: each study they are in applies its policy to their
    /// cases (de-identify: closed answers stay under the pseudonym, open text and its coding go, no more contact;
    /// delete: every case, answer and code goes); unsent messages are cancelled and sent ones lose address, link
    /// and body; name, email, profile and the platform id are removed (the platform id is kept only as an HMAC so a
    /// later import skips the learner); consents are marked withdrawn; a learner account is closed.
    public func withdraw(learner: UUID, by userID: UUID?, via: String, now: Date = Date()) async throws -> Withdrawal {
        let key = try await RespondentData.pseudonymKey(on: store.sql)
        return try await store.transaction { db in
            guard let row = try await db.raw("SELECT external_id, withdrawn_at FROM learners WHERE id = \(bind: learner)").first() else {
                throw StoreError.notFound("no such learner")
            }
            if let at = try row.decode(column: "withdrawn_at", as: Date?.self) {
                throw StoreError.conflict("this learner withdrew on \(CalendarDay.format(at)); there is nothing left to remove")
            }
            let externalID = try row.decode(column: "external_id", as: String.self)
            let sentIDs = try await db.raw("SELECT message_id FROM outbox WHERE learner_id = \(bind: learner) AND message_id IS NOT NULL").all()
                .map { try $0.decode(column: "message_id", as: String.self) }

            let studies = try await Self.applyStudyPolicies(db, learner: learner, now: now)

            // Shared credentials stop being shared: the public page and file are the learner's to offer, and the
            // learner can no longer stop them.
            try await db.raw("UPDATE credentials SET share_sha256 = NULL, shared_at = NULL WHERE learner_id = \(bind: learner)").run()

            // Career support: stated goals, replies to events, invitations and applications go; recorded career outcomes
            // stay with the de-identified learner, as degree enrollments do.
            for table in ["career_goals", "career_event_rsvps", "career_event_invitations", "job_applications"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE learner_id = \(bind: learner)").run()
            }

            let cancelled = try await Self.count(db, "SELECT COUNT(*) AS n FROM outbox WHERE learner_id = \(bind: learner) AND status IN ('pending', 'sending')")
            try await db.raw("DELETE FROM outbox WHERE learner_id = \(bind: learner) AND status IN ('pending', 'sending')").run()
            try await db.raw("UPDATE outbox SET to_address = '', body = '', link_token = NULL WHERE learner_id = \(bind: learner)").run()

            let placeholder = "withdrawn-" + AccountRepository.newSecret().prefix(12).lowercased()
            try await db.raw("""
                UPDATE learners SET external_id = \(bind: placeholder), name = NULL, email = NULL, profile_consent_at = NULL,
                       gender = NULL, birth_year = NULL, hispanic = NULL, races = NULL, country = NULL, english_proficiency = NULL,
                       highest_education = NULL, student_status = NULL, employment_status = NULL, sector = NULL, business_owner = NULL,
                       income_band = NULL, withdrawn_at = \(bind: now), research_withdrawn_at = COALESCE(research_withdrawn_at, \(bind: now)),
                       updated_at = \(bind: now)
                WHERE id = \(bind: learner)
                """).run()
            try await db.raw("UPDATE consents SET withdrawn_at = \(bind: now) WHERE learner_id = \(bind: learner) AND withdrawn_at IS NULL").run()

            let accounts = try await db.raw("SELECT id FROM users WHERE learner_id = \(bind: learner)").all().map { try $0.decode(column: "id", as: UUID.self) }
            // Links to create the account or set its password stop working.
            try await db.raw("DELETE FROM account_links WHERE learner_id = \(bind: learner)").run()
            for account in accounts {
                try await db.raw("DELETE FROM account_links WHERE user_id = \(bind: account)").run()
                try await db.raw("DELETE FROM sessions WHERE user_id = \(bind: account)").run()
                try await db.raw("DELETE FROM api_tokens WHERE user_id = \(bind: account)").run()
                try await db.raw("""
                    UPDATE users SET disabled = \(bind: true), display_name = NULL, email = \(bind: "\(placeholder)-\(account.uuidString.prefix(8).lowercased())@withdrawn.invalid")
                    WHERE id = \(bind: account)
                    """).run()
            }

            let result = Withdrawal(studies: studies, messagesCancelled: cancelled, accountsClosed: accounts.count, sentMessageIDs: sentIDs)
            try await db.raw("""
                INSERT INTO withdrawals (id, learner_id, key_hmac, requested_at, recorded_by, via, summary)
                VALUES (\(bind: UUID()), \(bind: learner), \(bind: Self.keyHMAC(externalID, key: key)), \(bind: now), \(bind: userID), \(bind: via), \(bind: result.summary))
                """).run()
            try await db.raw("""
                INSERT INTO audit_log (id, at, user_id, action, subject, detail)
                VALUES (\(bind: UUID()), \(bind: now), \(bind: userID), 'withdraw', \(bind: "learner:\(learner)"), \(bind: via + "; " + result.summary))
                """).run()
            return result
        }
    }

    /// Of these platform ids, the ones whose learner has withdrawn, with the day they did: an import skips them.
    /// Each study the learner is in applies its policy to their cases (de-identify: closed answers stay, open text
    /// and its coding go, an unsubmitted case of an open wave becomes a refusal; delete: every case, answer and code
    /// goes); survey links stop working.
    static func applyStudyPolicies(_ db: any SQLDatabase, learner: UUID, now: Date) async throws -> [Withdrawal.Study] {
        var byStudy: [UUID: (title: String, policy: WithdrawalPolicy, cases: [Int64])] = [:]
        for r in try await db.raw("""
            SELECT c.id, s.id AS study_id, s.title, s.withdrawal_policy FROM wave_cases c
            JOIN waves w ON w.id = c.wave_id JOIN studies s ON s.id = w.study_id WHERE c.learner_id = \(bind: learner)
            """).all() {
            let study = try r.decode(column: "study_id", as: UUID.self)
            let title = try r.decode(column: "title", as: String.self)
            let policy = WithdrawalPolicy(rawValue: try r.decode(column: "withdrawal_policy", as: String.self)) ?? .deidentify
            var entry = byStudy[study] ?? (title, policy, [])
            entry.cases.append(try r.decode(column: "id", as: Int64.self))
            byStudy[study] = entry
        }
        var studies: [Withdrawal.Study] = []
        for (_, entry) in byStudy.sorted(by: { $0.value.title < $1.value.title }) {
            var removed = 0
            for chunk in entry.cases.chunked() {
                try await db.raw("DELETE FROM text_codes WHERE case_id IN (\(binds: chunk))").run()
                try await db.raw("DELETE FROM case_tokens WHERE case_id IN (\(binds: chunk))").run()
                switch entry.policy {
                case .delete:
                    removed += try await Self.count(db, "SELECT COUNT(*) AS n FROM response_values WHERE case_id IN (\(binds: chunk))")
                    removed += try await Self.count(db, "SELECT COUNT(*) AS n FROM repeat_values WHERE case_id IN (\(binds: chunk))")
                    try await db.raw("DELETE FROM response_values WHERE case_id IN (\(binds: chunk))").run()
                    try await db.raw("DELETE FROM repeat_values WHERE case_id IN (\(binds: chunk))").run()
                    removed += try await Self.count(db, "SELECT COUNT(*) AS n FROM response_files WHERE case_id IN (\(binds: chunk))")
                    try await db.raw("DELETE FROM response_files WHERE case_id IN (\(binds: chunk))").run()
                    try await db.raw("DELETE FROM outbox WHERE case_id IN (\(binds: chunk))").run()
                    try await db.raw("DELETE FROM wave_cases WHERE id IN (\(binds: chunk))").run()
                case .deidentify:
                    let openText: SQLQueryString = """
                        case_id IN (\(binds: chunk)) AND item_id IN (SELECT item_id FROM version_items WHERE item_type = 'text')
                        """
                    removed += try await Self.count(db, "SELECT COUNT(*) AS n FROM response_values WHERE \(openText)")
                    removed += try await Self.count(db, "SELECT COUNT(*) AS n FROM repeat_values WHERE \(openText)")
                    try await db.raw("DELETE FROM response_values WHERE \(openText)").run()
                    try await db.raw("DELETE FROM repeat_values WHERE \(openText)").run()
                    // A photo or a recording identifies as open text does: it goes, with the answers that name it.
                    let files: SQLQueryString = """
                        case_id IN (\(binds: chunk)) AND item_id IN (SELECT item_id FROM version_items WHERE item_type = 'file')
                        """
                    removed += try await Self.count(db, "SELECT COUNT(*) AS n FROM response_files WHERE case_id IN (\(binds: chunk))")
                    try await db.raw("DELETE FROM response_files WHERE case_id IN (\(binds: chunk))").run()
                    try await db.raw("DELETE FROM response_values WHERE \(files)").run()
                    try await db.raw("DELETE FROM repeat_values WHERE \(files)").run()
                    // Open waves: an unsubmitted case becomes a refusal. Closed waves keep the dispositions their reports
                    // were made from.
                    try await db.raw("""
                        UPDATE wave_cases SET opted_out_at = COALESCE(opted_out_at, \(bind: now)), revision = revision + 1, updated_at = \(bind: now),
                               disposition = \(bind: Disposition.refusal.rawValue)
                        WHERE id IN (\(binds: chunk)) AND submitted_at IS NULL
                          AND wave_id IN (SELECT id FROM waves WHERE closes_at > \(bind: now))
                        """).run()
                }
            }
            studies.append(.init(title: entry.title, policy: entry.policy, cases: entry.cases.count, answersRemoved: removed))
        }
        return studies
    }

    public func withdrawn(keys: Set<String>) async throws -> [String: Date] { try await Self.withdrawn(keys: keys, on: store.sql) }

    static func withdrawn(keys: Set<String>, on db: any SQLDatabase) async throws -> [String: Date] {
        guard !keys.isEmpty else { return [:] }
        let any = try await db.raw("SELECT COUNT(*) AS n FROM withdrawals").first()!.decode(column: "n", as: Int.self)
        guard any > 0 else { return [:] }
        let key = try await RespondentData.pseudonymKey(on: db)
        var byHMAC: [String: String] = [:]
        for k in keys { byHMAC[Self.keyHMAC(k, key: key)] = k }
        var result: [String: Date] = [:]
        for chunk in Array(byHMAC.keys).chunked() {
            for row in try await db.raw("SELECT key_hmac, requested_at FROM withdrawals WHERE key_hmac IN (\(binds: chunk))").all() {
                if let k = byHMAC[try row.decode(column: "key_hmac", as: String.self)] {
                    result[k] = try row.decode(column: "requested_at", as: Date.self)
                }
            }
        }
        return result
    }

    /// A platform id as the withdrawal record keeps it: recognisable when the same id is imported again, not
    /// readable back into the id without this database's key.
    static func keyHMAC(_ externalID: String, key: SymmetricKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(("withdrawn\u{1F}" + externalID).utf8), using: key))
    }

    static func count(_ db: any SQLDatabase, _ sql: SQLQueryString) async throws -> Int {
        try await db.raw(sql).first()!.decode(column: "n", as: Int.self)
    }
}
