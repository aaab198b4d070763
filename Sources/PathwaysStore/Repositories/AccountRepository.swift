import Crypto
import Foundation
import PathwaysCore
import SQLKit

/// Accounts, sessions and API tokens. Session and API tokens are random secrets handed to the client once;
/// only their SHA-256 is stored, so a copy of the database does not let anyone sign in.
public struct AccountRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    public struct Account: Sendable, Equatable {
        public var id: UUID
        public var email: String
        public var displayName: String?
        public var passwordHash: String
        public var role: Role
        public var learnerID: UUID?
        public var disabled: Bool
        public var createdAt: Date
    }

    public func create(email: String, displayName: String?, passwordHash: String, role: Role, learnerID: UUID? = nil, programScope: Set<UUID> = []) async throws -> Account {
        let account = Account(id: UUID(), email: email.lowercased(), displayName: displayName, passwordHash: passwordHash, role: role,
                              learnerID: learnerID, disabled: false, createdAt: Date())
        try await store.transaction { db in
            try await StoreError.mappingConflict("an account with email \(account.email) already exists") {
                try await db.raw("""
                    INSERT INTO users (id, email, display_name, password_hash, role, learner_id, disabled, created_at)
                    VALUES (\(bind: account.id), \(bind: account.email), \(bind: displayName), \(bind: passwordHash), \(bind: role.rawValue),
                            \(bind: learnerID), \(bind: false), \(bind: account.createdAt))
                    """).run()
            }
            for program in programScope {
                try await db.raw("INSERT INTO user_program_scopes (user_id, program_id) VALUES (\(bind: account.id), \(bind: program))").run()
            }
        }
        return account
    }

    public func account(email: String) async throws -> Account? {
        try await db.raw("SELECT * FROM users WHERE email = \(bind: email.lowercased())").first().map(Self.account)
    }

    public func account(id: UUID) async throws -> Account? {
        try await db.raw("SELECT * FROM users WHERE id = \(bind: id)").first().map(Self.account)
    }

    public func accounts() async throws -> [Account] {
        try await db.raw("SELECT * FROM users ORDER BY role, email").all().map(Self.account)
    }

    public func setPassword(userID: UUID, passwordHash: String) async throws {
        try await db.raw("UPDATE users SET password_hash = \(bind: passwordHash) WHERE id = \(bind: userID)").run()
        // A new password ends every session and token issued under the old one.
        try await db.raw("DELETE FROM sessions WHERE user_id = \(bind: userID)").run()
    }

    /// A disabled account signs in with nothing: its sessions end, and its API tokens are refused while it stays disabled.
    public func setDisabled(userID: UUID, _ disabled: Bool) async throws {
        try await store.transaction { db in
            try await db.raw("UPDATE users SET disabled = \(bind: disabled) WHERE id = \(bind: userID)").run()
            if disabled { try await db.raw("DELETE FROM sessions WHERE user_id = \(bind: userID)").run() }
        }
    }

    /// A new role, with the learner record or programs it needs; the account's sessions end, so its next request
    /// is made in the new role.
    public func setRole(userID: UUID, role: Role, learnerID: UUID?, programScope: Set<UUID>) async throws {
        try await store.transaction { db in
            try await db.raw("UPDATE users SET role = \(bind: role.rawValue), learner_id = \(bind: learnerID) WHERE id = \(bind: userID)").run()
            try await db.raw("DELETE FROM user_program_scopes WHERE user_id = \(bind: userID)").run()
            for program in programScope {
                try await db.raw("INSERT INTO user_program_scopes (user_id, program_id) VALUES (\(bind: userID), \(bind: program))").run()
            }
            try await db.raw("DELETE FROM sessions WHERE user_id = \(bind: userID)").run()
        }
    }

    public func programScope(userID: UUID) async throws -> Set<UUID> {
        Set(try await db.raw("SELECT program_id FROM user_program_scopes WHERE user_id = \(bind: userID)").all()
            .map { try $0.decode(column: "program_id", as: UUID.self) })
    }

    public func principal(for account: Account) async throws -> Principal {
        Principal(userID: account.id, email: account.email, role: account.role, learnerID: account.learnerID,
                  programScope: account.role == .programStaff ? try await programScope(userID: account.id) : [])
    }

    static func account(_ row: any SQLRow) throws -> Account {
        Account(
            id: try row.decode(column: "id", as: UUID.self), email: try row.decode(column: "email", as: String.self),
            displayName: try row.decode(column: "display_name", as: String?.self), passwordHash: try row.decode(column: "password_hash", as: String.self),
            role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .learner,
            learnerID: try row.decode(column: "learner_id", as: UUID?.self), disabled: try row.decode(column: "disabled", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    // MARK: secrets

    /// 32 random bytes, URL-safe base64 without padding: 256 bits, not guessable.
    public static func newSecret(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 { withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) } }
        let urlSafe = Data(bytes).base64EncodedString().utf8.compactMap { c -> UInt8? in
            switch c {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: c
            }
        }
        return prefix + String(decoding: urlSafe, as: UTF8.self)
    }

    public static func hash(_ secret: String) -> String {
        sha256Hex(secret)
    }

    // MARK: sessions

    public struct Session: Sendable, Equatable {
        public var userID: UUID
        public var csrfToken: String
        public var expiresAt: Date
    }

    /// Starts a session and returns its token (for the cookie) and the session.
    public func startSession(userID: UUID, lifetime: TimeInterval = 8 * 3600) async throws -> (token: String, session: Session) {
        let token = Self.newSecret()
        let session = Session(userID: userID, csrfToken: Self.newSecret(), expiresAt: Date().addingTimeInterval(lifetime))
        try await db.raw("""
            INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
            VALUES (\(bind: Self.hash(token)), \(bind: userID), \(bind: session.csrfToken), \(bind: Date()), \(bind: session.expiresAt))
            """).run()
        return (token, session)
    }

    public func session(token: String, now: Date = Date()) async throws -> Session? {
        guard let row = try await db.raw("""
            SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = \(bind: Self.hash(token)) AND expires_at > \(bind: now)
            """).first() else { return nil }
        return Session(userID: try row.decode(column: "user_id", as: UUID.self), csrfToken: try row.decode(column: "csrf_token", as: String.self),
                       expiresAt: try row.decode(column: "expires_at", as: Date.self))
    }

    public func endSession(token: String) async throws {
        try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: Self.hash(token))").run()
    }

    public func deleteExpiredSessions(now: Date = Date()) async throws {
        try await db.raw("DELETE FROM sessions WHERE expires_at <= \(bind: now)").run()
    }

    // MARK: API tokens

    public struct APIToken: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var createdAt: Date
        public var expiresAt: Date?
        public var lastUsedAt: Date?
    }

    /// Creates an API token and returns the secret, which is shown once and never stored.
    public func createToken(userID: UUID, name: String, expiresAt: Date? = nil) async throws -> (secret: String, token: APIToken) {
        let secret = Self.newSecret(prefix: "pw_")
        let token = APIToken(id: UUID(), name: name, createdAt: Date(), expiresAt: expiresAt, lastUsedAt: nil)
        try await db.raw("""
            INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at)
            VALUES (\(bind: token.id), \(bind: userID), \(bind: name), \(bind: Self.hash(secret)), \(bind: token.createdAt), \(bind: expiresAt))
            """).run()
        return (secret, token)
    }

    /// The account an API token belongs to, if the token is valid now.
    public func account(apiToken secret: String, now: Date = Date()) async throws -> Account? {
        guard let row = try await db.raw("""
            SELECT t.id AS token_id, t.expires_at, t.last_used_at, u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = \(bind: Self.hash(secret))
            """).first() else { return nil }
        if let expires = try row.decode(column: "expires_at", as: Date?.self), expires <= now { return nil }
        // Record use at most once a minute, so API traffic does not turn every read into a write.
        let lastUsed = try row.decode(column: "last_used_at", as: Date?.self)
        if lastUsed.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await db.raw("UPDATE api_tokens SET last_used_at = \(bind: now) WHERE id = \(bind: try row.decode(column: "token_id", as: UUID.self))").run()
        }
        return try Self.account(row)
    }

    public func tokens(userID: UUID) async throws -> [APIToken] {
        try await db.raw("SELECT * FROM api_tokens WHERE user_id = \(bind: userID) ORDER BY created_at DESC").all().map { row in
            APIToken(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                     createdAt: try row.decode(column: "created_at", as: Date.self), expiresAt: try row.decode(column: "expires_at", as: Date?.self),
                     lastUsedAt: try row.decode(column: "last_used_at", as: Date?.self))
        }
    }

    public func revokeToken(id: UUID, userID: UUID) async throws {
        try await db.raw("DELETE FROM api_tokens WHERE id = \(bind: id) AND user_id = \(bind: userID)").run()
    }
}
