import PostgresKit
import SQLiteKit

/// Failures the layers above turn into user-facing answers.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique index refused a write: the thing already exists (HTTP 409).
    case conflict(String)
    case notFound(String)
    case unavailable(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .conflict(let m): "conflict: \(m)"
        case .notFound(let m): "not found: \(m)"
        case .unavailable(let m): "database unavailable: \(m)"
        case .invalid(let m): "invalid: \(m)"
        }
    }

    /// Whether `error` is a unique-index violation, in either dialect.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let e = error as? PSQLError, e.serverInfo?[.sqlState] == "23505" { return true }
        if let e = error as? SQLiteError, e.reason == .constraintUniqueFailed || e.reason == .constraintPrimaryKeyFailed { return true }
        return false
    }

    /// Runs `body`, turning a unique-index violation into `.conflict(message)`.
    public static func mappingConflict<R>(_ message: String, _ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch where isUniqueViolation(error) {
            throw StoreError.conflict(message)
        }
    }
}
