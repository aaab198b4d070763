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

    /// A page of the log, newest first, filtered by action and by subject (exact, or a prefix ending in ':'), with
    /// the email of the account that acted and the total matching.
    public func page(action: String?, subject: String?, limit: Int, offset: Int) async throws -> (entries: [(Entry, String?)], total: Int) {
        var conditions: [SQLQueryString] = []
        if let action, !action.isEmpty { conditions.append("a.action = \(bind: action)") }
        if let subject, !subject.isEmpty {
            conditions.append(subject.hasSuffix(":") ? "a.subject LIKE \(bind: subject.replacingOccurrences(of: "%", with: "") + "%")" : "a.subject = \(bind: subject)")
        }
        var whereClause: SQLQueryString = ""
        if !conditions.isEmpty {
            whereClause = " WHERE " + conditions[0]
            for c in conditions.dropFirst() { whereClause = whereClause + " AND " + c }
        }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM audit_log a\(whereClause)").first()!.decode(column: "n", as: Int.self)
        let rows = try await store.sql.raw("""
            SELECT a.*, u.email FROM audit_log a LEFT JOIN users u ON u.id = a.user_id\(whereClause)
            ORDER BY a.at DESC, a.id LIMIT \(literal: limit) OFFSET \(literal: offset)
            """).all()
        return (try rows.map { row in
            (Entry(at: try row.decode(column: "at", as: Date.self), userID: try row.decode(column: "user_id", as: UUID?.self),
                   action: try row.decode(column: "action", as: String.self), subject: try row.decode(column: "subject", as: String.self),
                   detail: try row.decode(column: "detail", as: String?.self)), try row.decode(column: "email", as: String?.self))
        }, total)
    }

    /// The actions the log holds, for the filter.
    public func actions() async throws -> [String] {
        try await store.sql.raw("SELECT DISTINCT action FROM audit_log ORDER BY action").all().map { try $0.decode(column: "action", as: String.self) }
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
