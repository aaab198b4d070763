import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The database Pathways keeps its data in: a SQLite file (the embedded default) or PostgreSQL (to scale to
/// several server instances). Everything above this type sees one `any SQLDatabase` and one query code path.
public final class Store: Sendable {
    public enum Dialect: String, Sendable {
        case sqlite
        case postgres
    }

    public let dialect: Dialect
    /// Pool-backed database for single statements; use `transaction` for several that belong together.
    public let sql: any SQLDatabase
    /// For long reads of committed data (a wave's report, exports): on SQLite its own read-only connection, so a
    /// report that reads every answer of a wave never holds up the one connection that saves answers (WAL lets a
    /// reader and the writer run at once); on PostgreSQL the same pool as `sql`.
    public let reader: any SQLDatabase
    public let logger: Logger
    private let shutdown: @Sendable () async throws -> Void

    /// SQLKit silently leaves out `ON CONFLICT` where a dialect lacks it, which would turn every import's
    /// upsert into a plain insert; refuse to start instead.
    static func checkCapabilities(_ dialect: any SQLDialect) throws {
        guard dialect.upsertSyntax == .standard else {
            throw StoreError.unavailable("the \(dialect.name) dialect lacks INSERT ... ON CONFLICT, which imports rely on")
        }
    }

    private init(dialect: Dialect, sql: any SQLDatabase, reader: (any SQLDatabase)? = nil, logger: Logger,
                 shutdown: @escaping @Sendable () async throws -> Void) {
        self.dialect = dialect
        self.sql = sql
        self.reader = reader ?? sql
        self.logger = logger
        self.shutdown = shutdown
    }

    /// Opens the database named by `location`: `postgres://user:password@host:port/database`, or a SQLite file
    /// path (optionally `sqlite:` prefixed).
    public static func open(_ location: String, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Store {
        switch DatabaseLocation(location) {
        case .postgres(let url): try await openPostgres(url: url, logger: logger, eventLoopGroup: eventLoopGroup)
        case .sqlite(let path): try await openSQLite(path: path, logger: logger, eventLoopGroup: eventLoopGroup)
        }
    }

    /// Read-only SQLite connections beside the writer.
    static let readerConnections = 4

    public static func openSQLite(path: String, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Store {
        try checkCapabilities(SQLiteDialect())
        let source = SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: true))
        // WAL lets readers run beside the single writer and survives a crash; it is a property of the file,
        // so setting it once on first open is enough.
        let setup = try await source.makeConnection(logger: logger, on: eventLoopGroup.any()).get()
        do {
            _ = try await setup.query("PRAGMA journal_mode=WAL").get()
        } catch {
            // A file that is not a database: close before saying so.
            try? await setup.close().get()
            throw error
        }
        try await setup.close().get()

        // Every writing connection syncs the WAL at each commit (synchronous=FULL), set here rather than left to the
        // library's build default, so an acknowledged write survives power loss.
        let writer = DurableSQLiteSource(base: source)

        // One connection for the whole process. SQLite has one writer at a time anyway, and sqlite-nio waits for
        // a lock by spinning on a thread of the shared blocking pool: with several connections, two waiting
        // writers can occupy every such thread while the lock holder needs one to finish. With one connection,
        // statements queue asynchronously in the pool instead, and nothing can deadlock.
        let pool = EventLoopGroupConnectionPool(
            source: writer, maxConnectionsPerEventLoop: 1, requestTimeout: .seconds(60), pruneInterval: nil,
            logger: logger, on: eventLoopGroup.next())
        let box = PoolBox(pool)
        // Connections that only read (query_only): readers never wait for SQLite's write lock, so the deadlock above
        // cannot arise, and each statement reads one committed snapshot beside the writer (WAL). Every SELECT outside
        // a transaction goes to them, so no read waits while the writer commits a chunk of an import or a page of
        // answers.
        let readerPool = EventLoopGroupConnectionPool(
            source: ReadOnlySQLiteSource(base: source), maxConnectionsPerEventLoop: readerConnections, requestTimeout: .seconds(60), pruneInterval: nil,
            logger: logger, on: eventLoopGroup.next())
        let readerBox = PoolBox(readerPool)
        let reader = PooledSQLDatabase(pool: readerBox, logger: logger, dialect: SQLiteDialect()) { conn in
            conn.sql(queryLogLevel: .trace)
        }
        var db = PooledSQLDatabase(pool: box, logger: logger, dialect: SQLiteDialect()) { conn in
            conn.sql(queryLogLevel: .trace)
        }
        db.reads = reader
        return Store(dialect: .sqlite, sql: db, reader: reader, logger: logger) {
            try await readerBox.pool.shutdownAsync()
            try await box.pool.shutdownAsync()
        }
    }

    /// `connectionsPerEventLoop`: the pool's size on each event loop (a server's default; tests, many at once, use fewer).
    public static func openPostgres(url: String, searchPath: [String]? = nil, logger: Logger, connectionsPerEventLoop: Int = 4,
                                    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Store {
        try checkCapabilities(PostgresDialect())
        var configuration = try SQLPostgresConfiguration(url: url)
        if let searchPath { configuration.searchPath = searchPath }
        let source = PostgresConnectionSource(sqlConfiguration: configuration)
        let pool = EventLoopGroupConnectionPool(
            source: source, maxConnectionsPerEventLoop: connectionsPerEventLoop, requestTimeout: .seconds(30), pruneInterval: .seconds(60),
            logger: logger, on: eventLoopGroup)
        let box = PoolBox(pool)
        let db = PooledSQLDatabase(pool: box, logger: logger, dialect: PostgresDialect()) { conn in
            conn.sql(queryLogLevel: .trace)
        }
        let store = Store(dialect: .postgres, sql: db, logger: logger) { try await box.pool.shutdownAsync() }
        do {
            // Fail at start-up, not on the first request, when the server cannot be reached.
            try await db.raw("SELECT 1").run()
        } catch {
            try? await box.pool.shutdownAsync()
            throw StoreError.unavailable("cannot connect to PostgreSQL: \(String(reflecting: error))")
        }
        return store
    }

    /// Runs `body` in one transaction on one connection: all of it is stored, or none of it.
    ///
    /// SQLite transactions start with BEGIN IMMEDIATE, taking the write lock at once, so two writers queue on
    /// the busy handler instead of failing when a read lock cannot be upgraded.
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await sql.withSession { db in
            try await db.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public func close() async throws {
        try await shutdown()
    }

    /// Runs `body`, then closes the store whether `body` returned or threw (a pool dropped unclosed is a bug
    /// AsyncKit traps on).
    public func closing<R>(after body: (Store) async throws -> R) async throws -> R {
        do {
            let result = try await body(self)
            try await close()
            return result
        } catch {
            try? await close()
            throw error
        }
    }

    /// Whether the database answers.
    public func ping() async -> Bool {
        (try? await sql.raw("SELECT 1 AS ok").first()) != nil
    }
}

/// SQLite connections that write: `PRAGMA synchronous = FULL` on each, so every commit is synced to disk before it is
/// acknowledged.
struct DurableSQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { conn in
            conn.query("PRAGMA synchronous = FULL").map { _ in conn }.flatMapError { error in
                conn.close().flatMapThrowing { throw error }
            }
        }
    }
}

/// SQLite connections that refuse to write (`PRAGMA query_only`), for `Store.reader`.
struct ReadOnlySQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { conn in
            conn.query("PRAGMA query_only = ON").map { _ in conn }.flatMapError { error in
                conn.close().flatMapThrowing { throw error }
            }
        }
    }
}

/// An `SQLDatabase` that takes a pooled connection for each statement, or holds one for a session.
/// AsyncKit's pool guards its state with a lock and is used from many threads by design, but predates
/// Sendable annotations; this box states that once instead of weakening checks for the whole module.
final class PoolBox<Source: ConnectionPoolSource>: @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<Source>
    init(_ pool: EventLoopGroupConnectionPool<Source>) { self.pool = pool }
}

struct PooledSQLDatabase<Source: ConnectionPoolSource>: SQLDatabase where Source.Connection: Sendable {
    let box: PoolBox<Source>
    var pool: EventLoopGroupConnectionPool<Source> { box.pool }
    let logger: Logger
    let dialect: any SQLDialect
    let makeSQL: @Sendable (Source.Connection) -> any SQLDatabase
    /// Where single SELECT statements go instead (SQLite's read-only connections); nil to run everything here.
    var reads: (any SQLDatabase)?

    init(pool: PoolBox<Source>, logger: Logger, dialect: any SQLDialect, makeSQL: @escaping @Sendable (Source.Connection) -> any SQLDatabase) {
        self.box = pool
        self.logger = logger
        self.dialect = dialect
        self.makeSQL = makeSQL
    }

    var eventLoop: any EventLoop { pool.eventLoopGroup.any() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        if let reads, Self.isRead(query, self) { return reads.execute(sql: query, onRow) }
        let makeSQL = self.makeSQL
        return pool.withConnection(logger: logger) { conn in
            makeSQL(conn).execute(sql: query, onRow)
        }
    }

    /// Whether a statement only reads: it begins with SELECT (a transaction's statements never come here).
    static func isRead(_ query: any SQLExpression, _ db: any SQLDatabase) -> Bool {
        var serializer = SQLSerializer(database: db)
        query.serialize(to: &serializer)
        let head = serializer.sql.drop { $0.isWhitespace }.prefix(6)
        return head.caseInsensitiveCompare("SELECT") == .orderedSame
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let conn = try await pool.requestConnection(logger: logger).get()
        defer { pool.releaseConnection(conn, logger: logger) }
        return try await closure(makeSQL(conn))
    }
}
