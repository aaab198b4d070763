import Foundation
import PathwaysCore
import SQLKit

/// Failed sign-ins per key (`account:<email>`, `address:<ip>`), decided by `LoginThrottle`.
public struct LoginThrottleRepository: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// The outcome of asking to try a password.
    public enum Admission: Sendable, Equatable {
        /// Go ahead: the attempt is counted until `succeeded` takes it back.
        case proceed
        /// Refused for this many seconds (at least one).
        case wait(seconds: Int)
    }

    /// Atomically checks every key and, when none is waiting, counts the attempt against each: two guesses in
    /// parallel see each other (SQLite's write lock; PostgreSQL row locks).
    public func admit(_ keys: [(key: String, rule: LoginThrottle.Rule)], now: Date = Date()) async throws -> Admission {
        let lock = store.dialect == .postgres ? " FOR UPDATE" : ""
        return try await store.transaction { db in
            var states: [String: LoginThrottle.State] = [:]
            var wait: TimeInterval = 0
            for (key, _) in keys {
                if let row = try await db.raw("SELECT failures, last_failure_at, blocked_until FROM login_throttle WHERE key = \(bind: key)\(unsafeRaw: lock)").first() {
                    let state = LoginThrottle.State(failures: try row.decode(column: "failures", as: Int.self),
                                                    lastFailureAt: try row.decode(column: "last_failure_at", as: Date.self),
                                                    blockedUntil: try row.decode(column: "blocked_until", as: Date?.self))
                    states[key] = state
                    wait = max(wait, LoginThrottle.wait(state, now: now) ?? 0)
                }
            }
            if wait > 0 { return .wait(seconds: Int(wait.rounded(.up))) }
            for (key, rule) in keys {
                try await Self.save(key, LoginThrottle.afterAttempt(states[key], rule: rule, now: now), on: db)
            }
            return .proceed
        }
    }

    /// The attempt succeeded: forget the account's failures, take the attempt back from the others.
    public func succeeded(_ keys: [(key: String, rule: LoginThrottle.Rule, forget: Bool)]) async throws {
        try await store.transaction { db in
            for (key, rule, forget) in keys {
                let row = try await db.raw("SELECT failures, last_failure_at, blocked_until FROM login_throttle WHERE key = \(bind: key)").first()
                let state = try row.map {
                    LoginThrottle.State(failures: try $0.decode(column: "failures", as: Int.self), lastFailureAt: try $0.decode(column: "last_failure_at", as: Date.self),
                                        blockedUntil: try $0.decode(column: "blocked_until", as: Date?.self))
                }
                if let next = LoginThrottle.afterSuccess(state, rule: rule, forget: forget) {
                    try await Self.save(key, next, on: db)
                } else {
                    try await db.raw("DELETE FROM login_throttle WHERE key = \(bind: key)").run()
                }
            }
        }
    }

    static func save(_ key: String, _ state: LoginThrottle.State, on db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO login_throttle (key, failures, last_failure_at, blocked_until)
            VALUES (\(bind: key), \(bind: state.failures), \(bind: state.lastFailureAt), \(bind: state.blockedUntil))
            ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until
            """).run()
    }
}
