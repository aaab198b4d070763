import Foundation
import PathwaysCore
import SQLKit

/// Links that reach an account (or a test of an instrument) by a secret in the address: only the secret's hash is
/// stored, and a single-use link is spent in the same statement that finds it, so two clicks cannot both use it.
public struct AccountLinkRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    public struct Link: Sendable, Equatable {
        public var purpose: AccountLinkPurpose
        public var userID: UUID?
        public var learnerID: UUID?
        /// What the link is about beyond its person: "event:<id>" for a welcome from an event, "version:<id>" for a test link.
        public var subject: String?
        public var expiresAt: Date
        public var usedAt: Date?
    }

    /// A new link; returns its secret, which is never stored.
    public func create(_ purpose: AccountLinkPurpose, userID: UUID? = nil, learnerID: UUID? = nil, subject: String? = nil, now: Date = Date()) async throws -> String {
        try await Self.create(purpose, userID: userID, learnerID: learnerID, subject: subject, now: now, on: db)
    }

    static func create(_ purpose: AccountLinkPurpose, userID: UUID?, learnerID: UUID?, subject: String?, now: Date, on db: any SQLDatabase) async throws -> String {
        let token = AccountRepository.newSecret()
        try await db.raw("""
            INSERT INTO account_links (token_hash, purpose, user_id, learner_id, subject, expires_at, created_at)
            VALUES (\(bind: AccountRepository.hash(token)), \(bind: purpose.rawValue), \(bind: userID), \(bind: learnerID), \(bind: subject),
                    \(bind: now.addingTimeInterval(purpose.lifetime)), \(bind: now))
            """).run()
        return token
    }

    /// The link a secret names, used or not, for its page to say what it is or why it no longer works.
    public func link(_ token: String, purpose: AccountLinkPurpose) async throws -> Link? {
        try await db.raw("""
            SELECT purpose, user_id, learner_id, subject, expires_at, used_at FROM account_links
            WHERE token_hash = \(bind: AccountRepository.hash(token)) AND purpose = \(bind: purpose.rawValue)
            """).first().map(Self.link)
    }

    /// Spends a single-use link: returns it only when it was unused and unexpired, and marks it used.
    public func spend(_ token: String, purpose: AccountLinkPurpose, now: Date = Date(), on db: (any SQLDatabase)? = nil) async throws -> Link? {
        try await (db ?? self.db).raw("""
            UPDATE account_links SET used_at = \(bind: now)
            WHERE token_hash = \(bind: AccountRepository.hash(token)) AND purpose = \(bind: purpose.rawValue)
              AND used_at IS NULL AND expires_at > \(bind: now)
            RETURNING purpose, user_id, learner_id, subject, expires_at, used_at
            """).first().map(Self.link)
    }

    /// Password-reset links made for an account since `since`.
    public func resetsIssued(userID: UUID, since: Date) async throws -> Int {
        try await db.raw("""
            SELECT COUNT(*) AS n FROM account_links WHERE user_id = \(bind: userID) AND purpose = \(bind: AccountLinkPurpose.passwordReset.rawValue)
              AND created_at > \(bind: since)
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Learners with an email and no account, optionally only those enrolled in `programID`, and no welcome link
    /// still open: the ones an invitation to create an account reaches.
    public func learnersToWelcome(programID: UUID?, now: Date = Date()) async throws -> [UUID] {
        let program: SQLQueryString = programID.map { " AND EXISTS (SELECT 1 FROM enrollments e WHERE e.learner_id = l.id AND e.program_id = \(bind: $0))" } ?? ""
        return try await db.raw("""
            SELECT l.id FROM learners l
            WHERE l.email IS NOT NULL AND l.withdrawn_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM users u WHERE u.learner_id = l.id)
              AND NOT EXISTS (SELECT 1 FROM account_links a WHERE a.learner_id = l.id AND a.purpose = 'welcome' AND a.used_at IS NULL AND a.expires_at > \(bind: now))\(program)
            ORDER BY l.id
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// Of `ids`, those who still need an invitation (as `learnersToWelcome`), asked a few hundred at a time, so an
    /// import naming many learners never loads every learner without an account.
    public func learnersToWelcome(among ids: [UUID], now: Date = Date()) async throws -> Set<UUID> {
        var open: Set<UUID> = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            for row in try await db.raw("""
                SELECT l.id FROM learners l
                WHERE l.id IN (\(binds: chunk)) AND l.email IS NOT NULL AND l.withdrawn_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.learner_id = l.id)
                  AND NOT EXISTS (SELECT 1 FROM account_links a WHERE a.learner_id = l.id AND a.purpose = 'welcome' AND a.used_at IS NULL AND a.expires_at > \(bind: now))
                """).all() {
                open.insert(try row.decode(column: "id", as: UUID.self))
            }
        }
        return open
    }

    /// A message to the outbox and the new link it carries, written together, so no link exists that was never sent.
    public struct Message: Sendable {
        public var kind: String
        public var learnerID: UUID?
        public var to: String
        public var subject: String
        public var body: String
        public init(kind: String, learnerID: UUID?, to: String, subject: String, body: String) {
            self.kind = kind
            self.learnerID = learnerID
            self.to = to
            self.subject = subject
            self.body = body
        }
    }

    public func send(_ message: Message, with purpose: AccountLinkPurpose, userID: UUID? = nil, learnerID: UUID? = nil, subject: String? = nil,
                     now: Date = Date()) async throws {
        try await sendAll([message], with: purpose, userIDs: [userID], learnerIDs: [learnerID], subject: subject, now: now)
    }

    /// Many messages, each with its own new link (`userIDs` and `learnerIDs` side by side with `messages`), a
    /// transaction per 500, so inviting a whole program is a few commits rather than one per learner.
    public func sendAll(_ messages: [Message], with purpose: AccountLinkPurpose, userIDs: [UUID?], learnerIDs: [UUID?], subject: String? = nil,
                        now: Date = Date()) async throws {
        let all = Array(zip(messages, zip(userIDs, learnerIDs)))
        for chunk in all.chunked(500) {
            try await store.transaction { db in
                for (message, (userID, learnerID)) in chunk {
                    let token = try await Self.create(purpose, userID: userID, learnerID: learnerID, subject: subject, now: now, on: db)
                    try await Self.enqueue(kind: message.kind, learnerID: message.learnerID, to: message.to, subject: message.subject, body: message.body,
                                           token: token, now: now, on: db)
                }
            }
        }
    }

    /// Writes a message that carries a link to the outbox (sent by the outbox's senders like every other message);
    /// `{{link}}` in the body becomes the link's address when it is sent.
    @discardableResult
    static func enqueue(kind: String, learnerID: UUID?, to address: String, subject: String, body: String, token: String?, now: Date, on db: any SQLDatabase) async throws -> Int64? {
        try await db.raw("""
            INSERT INTO outbox (learner_id, to_address, kind, subject, body, link_token, status, attempts, created_at)
            VALUES (\(bind: learnerID), \(bind: address), \(bind: kind), \(bind: subject), \(bind: body), \(bind: token), 'pending', 0, \(bind: now))
            RETURNING id
            """).first()?.decode(column: "id", as: Int64.self)
    }

    static func link(_ row: any SQLRow) throws -> Link {
        Link(purpose: AccountLinkPurpose(rawValue: try row.decode(column: "purpose", as: String.self)) ?? .welcome,
             userID: try row.decode(column: "user_id", as: UUID?.self), learnerID: try row.decode(column: "learner_id", as: UUID?.self),
             subject: try row.decode(column: "subject", as: String?.self), expiresAt: try row.decode(column: "expires_at", as: Date.self),
             usedAt: try row.decode(column: "used_at", as: Date?.self))
    }
}
