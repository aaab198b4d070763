import Foundation
import Logging
import SQLKit

/// Backups a running deployment can take and restore: SQLite by `VACUUM INTO` (a consistent copy taken while the
/// server runs), PostgreSQL by pg_dump's custom format and pg_restore.
public enum Backup {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Writes a backup of the open database to `file` (which must not exist yet).
    public static func write(_ store: Store, location: String, to file: String) async throws {
        guard !FileManager.default.fileExists(atPath: file) else { throw Failure(description: "\(file) exists already; backups never overwrite") }
        switch store.dialect {
        case .sqlite:
            try await store.sql.raw("VACUUM INTO \(bind: file)").run()
        case .postgres:
            let (url, password) = withoutPassword(location)
            try run("pg_dump", ["--format=custom", "--no-owner", "--file=\(file)", "--dbname=\(url)"], password: password)
        }
    }

    /// Restores `file` into the database at `location`, which must be empty (no Pathways tables) unless `replace`.
    /// SQLite: the backup is checked (`PRAGMA integrity_check`) and moved into place in one rename. PostgreSQL:
    /// pg_restore, in one transaction.
    public static func restore(from file: String, to location: String, replace: Bool, logger: Logger) async throws {
        guard FileManager.default.fileExists(atPath: file) else { throw Failure(description: "\(file) does not exist") }
        if case .postgres(let given) = DatabaseLocation(location) {
            let (url, password) = withoutPassword(given)
            var arguments = ["--no-owner", "--single-transaction", "--exit-on-error", "--dbname=\(url)"]
            if replace { arguments += ["--clean", "--if-exists"] }
            try run("pg_restore", arguments + [file], password: password)
            return
        }
        let location = DatabaseLocation(location).sqlitePath ?? location
        if FileManager.default.fileExists(atPath: location) && !replace {
            throw Failure(description: "\(location) exists; restore into a new path, or pass --replace with the server stopped")
        }
        let staging = location + ".restoring"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.copyItem(atPath: file, toPath: staging)
        // The copy is checked before it replaces anything.
        let verdict: String
        do {
            verdict = try await Store.openSQLite(path: staging, logger: logger).closing { store in
                let integrity = try await store.sql.raw("PRAGMA integrity_check").first().map { try $0.decode(column: "integrity_check", as: String.self) } ?? "?"
                _ = try await store.sql.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()
                return integrity
            }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw Failure(description: "\(file) is not a Pathways backup: \(error)")
        }
        guard verdict == "ok" else {
            try? FileManager.default.removeItem(atPath: staging)
            throw Failure(description: "\(file) failed SQLite's integrity check: \(verdict)")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: location + suffix) }
        guard rename(staging, location) == 0 else { throw Failure(description: "could not move the restored file into place: errno \(errno)") }
    }

    /// The URL without its password, and the password: pg_dump and pg_restore get it through `PGPASSWORD`, so it never
    /// appears in their command line (which any local user can read) or in an error that repeats it.
    static func withoutPassword(_ location: String) -> (String, String?) {
        guard var url = URLComponents(string: location), let password = url.password else { return (location, nil) }
        url.password = nil
        return (url.string ?? location, password.removingPercentEncoding ?? password)
    }

    static func run(_ tool: String, _ arguments: [String], password: String? = nil) throws {
        _ = try output(tool, arguments, password: password)
    }

    static func output(_ tool: String, _ arguments: [String], password: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        if let password {
            var environment = ProcessInfo.processInfo.environment
            environment["PGPASSWORD"] = password
            process.environment = environment
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw Failure(description: "\(tool) could not be started: \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(tool) failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
