import Foundation
import Logging
@testable import PathwaysStore
import PathwaysCore
import PathwaysTestSupport
import SQLKit
import Testing

@Suite struct BackupTests {
    static func counts(_ store: Store) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for table in ["providers", "programs", "courses", "learners", "enrollments", "course_progress", "audit_log", "imports", "schema_migrations"] {
            out[table] = try await store.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first().map { try $0.decode(column: "n", as: Int.self) } ?? -1
        }
        return out
    }

    /// A backup taken from a live SQLite database restores to the same rows, and a damaged or missing file is
    /// refused without touching anything.
    @Test func aSQLiteBackupRestoresToTheSameData() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = Logger(label: "test")
        let source = folder.appendingPathComponent("live.sqlite").path
        let backup = folder.appendingPathComponent("backup.sqlite").path
        let restored = folder.appendingPathComponent("restored.sqlite").path
        let before = try await Store.openSQLite(path: source, logger: logger).closing { store in
            try await Migrator.migrate(store)
            for (kind, text) in [(ImportKind.providers, Fixtures.providers), (.programs, Fixtures.programs), (.courses, Fixtures.courses),
                                 (.learners, Fixtures.learners), (.enrollments, Fixtures.enrollments), (.completions, Fixtures.completions)] {
                _ = try await ImportRepository(store: store).run(kind: kind, fileName: "\(kind).csv", text: text, by: .init(userID: nil, programScope: nil))
            }
            try await Backup.write(store, location: source, to: backup)
            await #expect(throws: Backup.Failure.self) { try await Backup.write(store, location: source, to: backup) }
            return try await Self.counts(store)
        }
        #expect(before["learners"] == 3 && before["imports"] == 6)
        try await Backup.restore(from: backup, to: restored, replace: false, logger: logger)
        let after = try await Store.openSQLite(path: restored, logger: logger).closing { try await Self.counts($0) }
        #expect(after == before)
        await #expect(throws: Backup.Failure.self) { try await Backup.restore(from: backup, to: restored, replace: false, logger: logger) }

        let damaged = folder.appendingPathComponent("damaged.sqlite").path
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: damaged))
        await #expect(throws: Backup.Failure.self) { try await Backup.restore(from: damaged, to: restored, replace: true, logger: logger) }
        let still = try await Store.openSQLite(path: restored, logger: logger).closing { try await Self.counts($0) }
        #expect(still == before, "a refused restore leaves the database as it was")
    }
}
