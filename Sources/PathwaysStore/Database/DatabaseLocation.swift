import Foundation

/// Where the data lives, read once from what a person typed: `postgres://user:password@host:port/database` (or
/// `postgresql://`), or a SQLite file path, optionally `sqlite:` prefixed.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
            return
        }
        var path = text
        if path.hasPrefix("sqlite:") { path.removeFirst("sqlite:".count) }
        if path.hasPrefix("//") { path.removeFirst(2) }
        self = .sqlite(path: path)
    }

    /// The SQLite file's path; nil for PostgreSQL.
    public var sqlitePath: String? {
        if case .sqlite(let path) = self { return path }
        return nil
    }
}
