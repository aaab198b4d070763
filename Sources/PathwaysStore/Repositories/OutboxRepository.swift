import Foundation
import PathwaysCore
import SQLKit

/// Invitations and reminders: planned into an outbox on schedule, then claimed and delivered by any number of
/// senders without a message going out twice.
public struct OutboxRepository: Sendable {
    public let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    // MARK: contact cap

    /// No one gets more than `messages` messages in any `days` days, across every study.
    public struct ContactCap: Sendable, Equatable {
        public var messages: Int
        public var days: Int
        public init(messages: Int, days: Int) {
            self.messages = messages
            self.days = days
        }
        public static let standard = ContactCap(messages: 3, days: 30)
    }

    /// Which outbox rows use up a learner's contact cap: messages written and not failed or cancelled, other than
    /// those a person asked for or sent to themselves (`AccountLinkRules.uncappedMessageKinds`).
    static var countsTowardTheCap: SQLQueryString {
        "status NOT IN ('failed', 'cancelled') AND kind NOT IN (\(binds: AccountLinkRules.uncappedMessageKinds))"
    }

    public func contactCap() async throws -> ContactCap { try await Self.contactCap(on: db) }

    /// The deployment's contact cap, read on `db`.
    static func contactCap(on db: any SQLDatabase) async throws -> ContactCap {
        var cap = ContactCap.standard
        for row in try await db.raw("SELECT setting_key, value FROM settings WHERE setting_key IN ('contact_cap_messages', 'contact_cap_days')").all() {
            let value = Int(try row.decode(column: "value", as: String.self)) ?? 0
            if try row.decode(column: "setting_key", as: String.self) == "contact_cap_messages" { cap.messages = value } else { cap.days = value }
        }
        return cap
    }

    public func setContactCap(_ cap: ContactCap) async throws {
        guard cap.messages >= 1, cap.days >= 1 else { throw StoreError.invalid("the contact cap needs at least 1 message in at least 1 day") }
        try await store.transaction { db in
            for (key, value) in [("contact_cap_messages", cap.messages), ("contact_cap_days", cap.days)] {
                try await db.raw("DELETE FROM settings WHERE setting_key = \(bind: key)").run()
                try await db.raw("INSERT INTO settings (setting_key, value) VALUES (\(bind: key), \(bind: String(value)))").run()
            }
        }
    }

    // MARK: planning

    public struct PlanReport: Sendable, Equatable {
        public var invitations = 0
        public var reminders = 0
        /// Due now but held back by the contact cap.
        public var heldByCap = 0
        public var waiting = 0
        public var finished = 0
        public init() {}

        mutating func add(_ other: PlanReport) {
            invitations += other.invitations
            reminders += other.reminders
            heldByCap += other.heldByCap
            waiting += other.waiting
            finished += other.finished
        }
    }

    /// Writes every message due at `now` in every wave in the field (launched, open, not closed) to the outbox,
    /// each with a fresh link token. With `dryRun`, decides the same way and counts, writing nothing.
    /// Planners on several instances take turns (an advisory lock on PostgreSQL, the write lock on SQLite).
    @discardableResult
    public func plan(now: Date = Date(), dryRun: Bool = false, chunk: Int = 1_000) async throws -> PlanReport {
        let cap = try await contactCap()
        var report = PlanReport()
        let waves = try await db.raw("""
            SELECT w.*, s.title AS study_title FROM waves w JOIN studies s ON s.id = w.study_id
            WHERE w.state = \(bind: WaveState.launched.rawValue) AND w.frame_computed_at IS NOT NULL AND w.opens_at <= \(bind: now) AND w.closes_at > \(bind: now) ORDER BY w.opens_at, w.number
            """).all()
        for row in waves {
            let wave = try StudyRepository.wave(row)
            let studyTitle = try row.decode(column: "study_title", as: String.self)
            let contactPlan = ContactPlan(reminderDays: wave.reminderDays, capMessages: cap.messages, capDays: cap.days)
            var after: Int64 = 0
            while true {
                let from = after
                let (last, part): (Int64?, PlanReport) = try await store.transaction { db in
                    var report = PlanReport()
                    if store.dialect == .postgres, !dryRun { try await db.raw("SELECT pg_advisory_xact_lock(\(literal: 7_415_002))").run() }
                    let cases = try await db.raw("""
                        SELECT c.id, c.learner_id, c.invited_at, c.reminders_sent, l.name, l.email, p.title AS program_title
                        FROM wave_cases c JOIN learners l ON l.id = c.learner_id LEFT JOIN programs p ON p.id = c.program_id
                        WHERE c.wave_id = \(bind: wave.id) AND c.id > \(bind: from) AND c.submitted_at IS NULL AND c.opted_out_at IS NULL
                          AND c.disposition IS NULL AND c.messages_stopped_at IS NULL
                        ORDER BY c.id LIMIT \(literal: chunk)
                        """).all()
                    guard let lastRow = cases.last else { return (nil, report) }
                    let learnerIDs = try cases.map { try $0.decode(column: "learner_id", as: UUID.self) }
                    let windowStart = now.addingTimeInterval(-Double(cap.days) * 86_400)
                    var history: [UUID: [Date]] = [:]
                    for row in try await db.raw("""
                        SELECT learner_id, created_at FROM outbox
                        WHERE learner_id IN (\(binds: learnerIDs)) AND created_at > \(bind: windowStart) AND \(Self.countsTowardTheCap)
                        """).all() {
                        history[try row.decode(column: "learner_id", as: UUID.self), default: []].append(try row.decode(column: "created_at", as: Date.self))
                    }
                    var tokens: [[any Encodable & Sendable]] = []
                    var messages: [[any Encodable & Sendable]] = []
                    var invited: [Int64] = [], reminded: [Int64] = []
                    for c in cases {
                        let id = try c.decode(column: "id", as: Int64.self)
                        let learner = try c.decode(column: "learner_id", as: UUID.self)
                        let state = ContactPlan.CaseState(invitedAt: try c.decode(column: "invited_at", as: Date?.self),
                                                          remindersSent: try c.decode(column: "reminders_sent", as: Int.self))
                        switch contactPlan.decide(state, history: history[learner] ?? [], opens: wave.opensAt, closes: wave.closesAt, now: now) {
                        case .send(let message):
                            if case .invitation = message { report.invitations += 1; invited.append(id) } else { report.reminders += 1; reminded.append(id) }
                            guard !dryRun, let email = try c.decode(column: "email", as: String?.self) else { continue }
                            let token = AccountRepository.newSecret()
                            tokens.append([AccountRepository.hash(token), id, now])
                            let values = MessageTemplate.Values(name: try c.decode(column: "name", as: String?.self),
                                                                program: try c.decode(column: "program_title", as: String?.self), study: studyTitle, wave: wave.title)
                            let reminder: Int? = { if case .reminder(let n) = message { n } else { nil } }()
                            let text = wave.message.message(values, reminder: reminder)
                            messages.append([id, learner, email, reminder.map { "reminder \($0)" } ?? "invitation", text.subject, text.body, token, "pending", 0, now])
                        case .wait: report.waiting += 1
                        case .heldByCap: report.heldByCap += 1
                        case .finished: report.finished += 1
                        }
                    }
                    if !dryRun {
                        try await BulkWrite.insert(db, into: "case_tokens", columns: ["token_hash", "case_id", "issued_at"], rows: tokens)
                        try await BulkWrite.insert(db, into: "outbox", columns: ["case_id", "learner_id", "to_address", "kind", "subject", "body", "link_token", "status", "attempts", "created_at"], rows: messages)
                        for ids in invited.chunked(500) {
                            try await db.raw("UPDATE wave_cases SET invited_at = \(bind: now), last_message_at = \(bind: now) WHERE id IN (\(binds: ids))").run()
                        }
                        for ids in reminded.chunked(500) {
                            try await db.raw("UPDATE wave_cases SET reminders_sent = reminders_sent + 1, last_message_at = \(bind: now) WHERE id IN (\(binds: ids))").run()
                        }
                    }
                    return (try lastRow.decode(column: "id", as: Int64.self), report)
                }
                report.add(part)
                guard let last else { break }
                after = last
            }
        }
        return report
    }

    // MARK: delivery

    /// A message claimed for delivery. The link token is only held until the message is sent.
    public struct Claimed: Sendable, Equatable {
        public var id: Int64
        public var caseID: Int64?
        /// "invitation", "reminder N", "event", "welcome", "password_reset" or "test".
        public var kind: String
        public var to: String
        public var subject: String
        public var body: String
        public var linkToken: String?
        public var attempts: Int

        /// The same on every attempt to send this message and unique across databases (two deployments, or a demo
        /// reset, reuse outbox ids), so a retry after a crash is recognisable as the same message.
        public var messageID: String {
            let key = AccountRepository.hash("message-id\u{1F}" + (linkToken ?? "\(id)\u{1F}\(to)\u{1F}\(subject)\u{1F}\(body)"))
            return "outbox-\(id)-\(key.prefix(16))@pathways"
        }

        /// The body with its links filled in from `baseURL`.
        public func renderedBody(baseURL: String) -> String {
            let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            let link = linkToken.map { base + AccountLinkRules.linkPath(messageKind: kind, token: $0) } ?? base
            guard AccountLinkRules.isSurveyMessage(kind) else { return body.replacingOccurrences(of: "{{link}}", with: link) }
            return MessageTemplate.withLinks(body, surveyLink: link, optOutLink: kind == "test" ? "(the respondent's own opt-out link)" : nil)
        }
    }

    /// Claims up to `limit` messages for `worker` for `lease` seconds: pending ones, and ones whose claim ran out
    /// (a sender that died mid-batch). On PostgreSQL rows another sender holds are skipped (FOR UPDATE SKIP LOCKED),
    /// so concurrent senders get disjoint batches; on SQLite the write lock does the same. A paused or closed wave's
    /// messages wait (and are never sent once it is closed).
    public func claim(worker: String, limit: Int = 50, lease: TimeInterval = 300, now: Date = Date()) async throws -> [Claimed] {
        let skipLocked: SQLQueryString = store.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await store.transaction { db in
            try await db.raw("""
                UPDATE outbox SET status = 'sending', claimed_by = \(bind: worker), claimed_until = \(bind: now.addingTimeInterval(lease)),
                       attempts = attempts + 1
                WHERE id IN (SELECT o.id FROM outbox o
                             WHERE (o.status = 'pending' OR (o.status = 'sending' AND o.claimed_until < \(bind: now)))
                               AND (o.case_id IS NULL OR EXISTS (SELECT 1 FROM wave_cases hc JOIN waves hw ON hw.id = hc.wave_id
                                                                 WHERE hc.id = o.case_id AND hw.state = \(bind: WaveState.launched.rawValue)))
                             ORDER BY o.id LIMIT \(literal: limit)\(skipLocked))
                RETURNING id, case_id, kind, to_address, subject, body, link_token, attempts
                """).all().map {
                Claimed(id: try $0.decode(column: "id", as: Int64.self), caseID: try $0.decode(column: "case_id", as: Int64?.self),
                        kind: try $0.decode(column: "kind", as: String.self),
                        to: try $0.decode(column: "to_address", as: String.self), subject: try $0.decode(column: "subject", as: String.self),
                        body: try $0.decode(column: "body", as: String.self), linkToken: try $0.decode(column: "link_token", as: String?.self),
                        attempts: try $0.decode(column: "attempts", as: Int.self))
            }.sorted { $0.id < $1.id }
        }
    }

    /// Records delivery and forgets the link token.
    public func markSent(_ message: Claimed, worker: String, now: Date = Date()) async throws {
        try await db.raw("""
            UPDATE outbox SET status = 'sent', sent_at = \(bind: now), link_token = NULL, claimed_until = NULL, message_id = \(bind: message.messageID)
            WHERE id = \(bind: message.id) AND claimed_by = \(bind: worker)
            """).run()
    }

    /// Records a failed attempt. A permanent failure (the server refused the address), or the fifth transient one,
    /// ends the message and marks its case undeliverable unless the person has answered anyway.
    public func markFailed(_ message: Claimed, worker: String, error: String, permanent: Bool, now: Date = Date(), maxAttempts: Int = 5) async throws {
        let final = permanent || message.attempts >= maxAttempts
        try await store.transaction { db in
            try await db.raw("""
                UPDATE outbox SET status = \(bind: final ? "failed" : "pending"), last_error = \(bind: String(error.prefix(500))), claimed_until = NULL,
                       link_token = \(unsafeRaw: final ? "NULL" : "link_token")
                WHERE id = \(bind: message.id) AND claimed_by = \(bind: worker)
                """).run()
            if final, let caseID = message.caseID {
                try await db.raw("""
                    UPDATE wave_cases SET disposition = \(bind: Disposition.undeliverable.rawValue), updated_at = \(bind: now)
                    WHERE id = \(bind: caseID) AND disposition IS NULL AND started_at IS NULL AND submitted_at IS NULL
                    """).run()
            }
        }
    }

    public struct Counts: Sendable, Equatable {
        public var pending = 0, sending = 0, sent = 0, failed = 0
        public init() {}
    }

    /// Messages by status, for one wave or all.
    public func counts(wave: UUID? = nil) async throws -> Counts {
        let filter: SQLQueryString = wave.map { " WHERE case_id IN (SELECT id FROM wave_cases WHERE wave_id = \(bind: $0))" } ?? ""
        var counts = Counts()
        for row in try await db.raw("SELECT status, COUNT(*) AS n FROM outbox\(filter) GROUP BY status").all() {
            let n = try row.decode(column: "n", as: Int.self)
            switch try row.decode(column: "status", as: String.self) {
            case "pending": counts.pending = n
            case "sending": counts.sending = n
            case "sent": counts.sent = n
            default: counts.failed = n
            }
        }
        return counts
    }
}
