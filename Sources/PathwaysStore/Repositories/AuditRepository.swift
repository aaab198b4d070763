import Foundation
import SQLKit

/// An append-only log of who looked at or exported personal data, and of security events.
public struct AuditRepository: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    public struct Entry: Sendable, Equatable {
        public var at: Date
        public var userID: UUID?
        public var action: String
        public var subject: String
        public var detail: String?
    }

    public func record(userID: UUID?, action: String, subject: String, detail: String? = nil) async throws {
        try await store.sql.raw("""
            INSERT INTO audit_log (id, at, user_id, action, subject, detail)
            VALUES (\(bind: UUID()), \(bind: Date()), \(bind: userID), \(bind: action), \(bind: subject), \(bind: detail))
            """).run()
    }

    public func recent(limit: Int = 100, subject: String? = nil) async throws -> [Entry] {
        let filter: SQLQueryString = subject.map { " WHERE subject = \(bind: $0)" } ?? ""
        return try await store.sql.raw("SELECT * FROM audit_log\(filter) ORDER BY at DESC LIMIT \(literal: limit)").all().map { row in
            Entry(at: try row.decode(column: "at", as: Date.self), userID: try row.decode(column: "user_id", as: UUID?.self),
                  action: try row.decode(column: "action", as: String.self), subject: try row.decode(column: "subject", as: String.self),
                  detail: try row.decode(column: "detail", as: String?.self))
        }
    }
}
