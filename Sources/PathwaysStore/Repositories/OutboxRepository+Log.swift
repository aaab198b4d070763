import Foundation
import PathwaysCore
import SQLKit

/// The rows behind a wave's invitation log, and the two things a researcher does to one case from it.
extension OutboxRepository {
    public struct LoggedCase: Sendable {
        public var caseID: Int64
        public var learnerID: UUID
        public var program: String?
        public var disposition: Disposition?
        public var invitedAt: Date?
        public var remindersSent: Int
        public var submitted: Bool
        public var optedOut: Bool
        public var stopped: Bool
        public var hasEmail: Bool
    }

    public struct LoggedMessage: Sendable {
        public var caseID: Int64
        public var kind: String
        public var status: String
        public var createdAt: Date
        public var sentAt: Date?
        public var lastError: String?
    }

    public func loggedCases(wave: UUID) async throws -> [LoggedCase] {
        try await store.reader.raw("""
            SELECT c.id, c.learner_id, p.title AS program, c.disposition, c.invited_at, c.reminders_sent, c.submitted_at, c.opted_out_at,
                   c.messages_stopped_at, l.email
            FROM wave_cases c JOIN learners l ON l.id = c.learner_id LEFT JOIN programs p ON p.id = c.program_id
            WHERE c.wave_id = \(bind: wave) ORDER BY c.id
            """).all().map {
            LoggedCase(caseID: try $0.decode(column: "id", as: Int64.self), learnerID: try $0.decode(column: "learner_id", as: UUID.self),
                       program: try $0.decode(column: "program", as: String?.self),
                       disposition: try $0.decode(column: "disposition", as: String?.self).flatMap(Disposition.init(rawValue:)),
                       invitedAt: try $0.decode(column: "invited_at", as: Date?.self), remindersSent: try $0.decode(column: "reminders_sent", as: Int.self),
                       submitted: try $0.decode(column: "submitted_at", as: Date?.self) != nil, optedOut: try $0.decode(column: "opted_out_at", as: Date?.self) != nil,
                       stopped: try $0.decode(column: "messages_stopped_at", as: Date?.self) != nil, hasEmail: try $0.decode(column: "email", as: String?.self) != nil)
        }
    }

    /// Every message of these cases, oldest first.
    public func messages(cases: [Int64]) async throws -> [Int64: [LoggedMessage]] {
        var result: [Int64: [LoggedMessage]] = [:]
        for part in cases.chunked(500) {
            for row in try await store.reader.raw("""
                SELECT case_id, kind, status, created_at, sent_at, last_error FROM outbox WHERE case_id IN (\(binds: part)) ORDER BY id
                """).all() {
                let m = LoggedMessage(caseID: try row.decode(column: "case_id", as: Int64.self), kind: try row.decode(column: "kind", as: String.self),
                                      status: try row.decode(column: "status", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self),
                                      sentAt: try row.decode(column: "sent_at", as: Date?.self), lastError: try row.decode(column: "last_error", as: String?.self))
                result[m.caseID, default: []].append(m)
            }
        }
        return result
    }

    /// When each learner was written to since `since`, across every study and event (what the contact cap counts).
    public func history(learners: [UUID], since: Date) async throws -> [UUID: [Date]] {
        var result: [UUID: [Date]] = [:]
        for part in learners.chunked(500) {
            for row in try await store.reader.raw("""
                SELECT learner_id, created_at FROM outbox WHERE learner_id IN (\(binds: part)) AND created_at > \(bind: since) AND status NOT IN ('failed', 'cancelled')
                """).all() {
                result[try row.decode(column: "learner_id", as: UUID.self), default: []].append(try row.decode(column: "created_at", as: Date.self))
            }
        }
        return result
    }

    /// No more messages for the case: those written are not sent, and the schedule writes none.
    public func stopMessages(caseID: Int64, now: Date = Date()) async throws {
        try await store.transaction { db in
            try await db.raw("UPDATE wave_cases SET messages_stopped_at = \(bind: now) WHERE id = \(bind: caseID)").run()
            try await db.raw("UPDATE outbox SET status = 'cancelled', link_token = NULL WHERE case_id = \(bind: caseID) AND status = 'pending'").run()
        }
    }

    /// Writes the case its invitation again now, with a fresh link, and lets the schedule write to it again.
    public func resend(caseID: Int64, wave: StudyRepository.Wave, studyTitle: String, now: Date = Date()) async throws {
        try await store.transaction { db in
            guard let c = try await db.raw("""
                SELECT c.learner_id, l.name, l.email, p.title AS program_title FROM wave_cases c JOIN learners l ON l.id = c.learner_id
                LEFT JOIN programs p ON p.id = c.program_id WHERE c.id = \(bind: caseID)
                """).first(), let email = try c.decode(column: "email", as: String?.self) else { throw StoreError.notFound("the case's address") }
            let token = AccountRepository.newSecret()
            try await db.raw("INSERT INTO case_tokens (token_hash, case_id, issued_at) VALUES (\(bind: AccountRepository.hash(token)), \(bind: caseID), \(bind: now))").run()
            let text = wave.message.message(.init(name: try c.decode(column: "name", as: String?.self), program: try c.decode(column: "program_title", as: String?.self),
                                                  study: studyTitle, wave: wave.title))
            try await db.raw("""
                INSERT INTO outbox (case_id, learner_id, to_address, kind, subject, body, link_token, status, attempts, created_at)
                VALUES (\(bind: caseID), \(bind: try c.decode(column: "learner_id", as: UUID.self)), \(bind: email), 'resent invitation', \(bind: text.subject),
                        \(bind: text.body), \(bind: token), 'pending', 0, \(bind: now))
                """).run()
            try await db.raw("""
                UPDATE wave_cases SET messages_stopped_at = NULL, last_message_at = \(bind: now), invited_at = COALESCE(invited_at, \(bind: now)),
                       disposition = CASE WHEN disposition = \(bind: Disposition.undeliverable.rawValue) THEN NULL ELSE disposition END
                WHERE id = \(bind: caseID)
                """).run()
        }
    }
}
