import Foundation
import PathwaysCore
import SQLKit

/// Runs CSV imports in two passes over the file, a chunk of rows at a time. The check reads every row and every
/// reference and stores nothing but the rejection when anything is wrong. A file that passes becomes an import job
/// that writes it a chunk at a time, each chunk committed together with the job's progress: a large file never holds
/// the database's write lock for long, and a crash resumes the job where it stopped, so the whole file is written
/// exactly as it was checked. Every import, applied or rejected, is recorded with its report.
///
/// Re-importing rows that are already stored updates them in place (matched by the platform's ids), so
/// importing the same file twice leaves one copy. An empty cell never clears a stored value: a later export
/// that lacks a column loses nothing — unless `emptyClears`, which a form that shows every stored value sets (a
/// field a person emptied is cleared).
public struct ImportRepository: Sendable {
    let store: Store
    /// Rows read, checked and written together.
    public var chunkRows: Int
    /// An empty optional cell of a catalog record clears its stored value (and an empty skills cell its skills).
    public var emptyClears: Bool

    public init(store: Store, chunkRows: Int = 5_000, emptyClears: Bool = false) {
        self.store = store
        self.chunkRows = chunkRows
        self.emptyClears = emptyClears
    }

    /// Who is importing: their account, and for program staff the programs they may touch.
    public struct Importer: Sendable {
        public var userID: UUID?
        /// nil for an administrator (all programs).
        public var programScope: Set<UUID>?
        public init(userID: UUID?, programScope: Set<UUID>?) {
            self.userID = userID
            self.programScope = programScope
        }
    }

    /// At most this many errors and as many warnings are listed in a report; the count says how many more there were.
    public static let listedIssues = 1_000

    /// Checks and writes a file before returning (the command line, tests, small uploads).
    public func run(kind: ImportKind, fileName: String, text: String, by importer: Importer, today: Date = Date(),
                    progress: (@Sendable (Job) -> Void)? = nil) async throws -> ImportReport {
        let checked = try await check(kind: kind, fileName: fileName, text: text, by: importer, today: today, claim: true)
        guard let job = checked.job else { return checked.report }
        return try await runJob(job, progress: progress) ?? checked.report
    }

    /// The check: every row and reference, a chunk at a time, in the memory one chunk takes. A rejected file is
    /// recorded and nothing else is stored; a file that passes becomes a job (`claim`: leased to the caller, who runs
    /// it at once; otherwise left for `runJob` from anywhere).
    public func check(kind: ImportKind, fileName: String, text: String, by importer: Importer, today: Date = Date(),
                      claim: Bool, invitations: [String] = []) async throws -> (report: ImportReport, job: UUID?) {
        var stream = ImportStream(kind: kind, today: today, bytes: Array(text.utf8))
        var report = ImportReport(file: fileName, kind: kind, rows: 0, errors: stream.headerErrors, warnings: stream.headerWarnings)
        var more = (errors: 0, warnings: 0)
        func note(errors: [ImportIssue], warnings: [ImportIssue]) {
            let e = max(0, Self.listedIssues - report.errors.count), w = max(0, Self.listedIssues - report.warnings.count)
            report.errors += errors.prefix(e)
            report.warnings += warnings.prefix(w)
            more.errors += max(0, errors.count - e)
            more.warnings += max(0, warnings.count - w)
        }
        var scopeKeys: Set<String>? = nil
        if let scope = importer.programScope { scopeKeys = try await programKeys(ids: scope) }
        var duplicates = DuplicateTracker()
        while let chunk = stream.next(max: chunkRows) {
            var batch = chunk.batch
            var warnings = chunk.warnings
            (batch, warnings) = try await withoutWithdrawnLearners(batch, warnings: warnings)
            // References are checked on every row that could be read, even when others could not, so a single
            // report lists everything that needs fixing.
            let keys = try await lookUp(batch, scopeKeys: scopeKeys, on: store.sql)
            let errors = (chunk.errors + duplicates.check(batch) + ImportValidator.check(batch, against: keys.references, scope: scopeKeys))
                .sorted { ($0.row ?? 0, $0.column ?? "") < ($1.row ?? 0, $1.column ?? "") }
            note(errors: errors, warnings: warnings)
        }
        report.rows = stream.rows
        if more.errors > 0 { report.errors.append(ImportIssue(message: "and \(more.errors) more errors not listed here")) }
        if more.warnings > 0 { report.warnings.append(ImportIssue(message: "and \(more.warnings) more warnings not listed here")) }
        let digest = sha256Hex(text)
        if !report.errors.isEmpty {
            try await record(report, sha256: digest, userID: importer.userID, on: store.sql)
            return (report, nil)
        }
        let id = UUID()
        let now = Date()
        let scope = try importer.programScope.map { String(decoding: try JSONEncoder().encode($0.sorted { $0.uuidString < $1.uuidString }), as: UTF8.self) }
        let reportJSON = try Self.json(report), total = report.rows
        let invitationsJSON = invitations.isEmpty ? nil : String(decoding: try JSONEncoder().encode(invitations), as: UTF8.self)
        try await store.transaction { db in
            try await db.raw("""
                INSERT INTO import_jobs (id, kind, file_name, sha256, user_id, program_scope, checked_on, status, total_rows, applied_rows,
                                         next_offset, next_line, inserted, updated, report, lease_until, created_at, invitations)
                VALUES (\(bind: id), \(bind: kind.rawValue), \(bind: fileName), \(bind: digest), \(bind: importer.userID), \(bind: scope),
                        \(bind: today), \(bind: Job.Status.applying.rawValue), \(bind: total), \(bind: 0), \(bind: 0), \(bind: 1), \(bind: 0), \(bind: 0),
                        \(bind: reportJSON), \(bind: claim ? now.addingTimeInterval(Self.lease) : nil), \(bind: now), \(bind: invitationsJSON))
                """).run()
            try await db.raw("INSERT INTO import_job_files (job_id, content) VALUES (\(bind: id), \(bind: text))").run()
        }
        return (report, id)
    }

    // MARK: history

    public struct Record: Sendable {
        public var id: UUID
        public var report: ImportReport
        public var sha256: String
        public var at: Date
    }

    public func history(limit: Int = 50) async throws -> [Record] {
        try await store.sql.raw("SELECT id, report, sha256, created_at FROM imports ORDER BY created_at DESC LIMIT \(literal: limit)").all().map { row in
            Record(id: try row.decode(column: "id", as: UUID.self),
                   report: try JSONDecoder().decode(ImportReport.self, from: Data(try row.decode(column: "report", as: String.self).utf8)),
                   sha256: try row.decode(column: "sha256", as: String.self), at: try row.decode(column: "created_at", as: Date.self))
        }
    }

    func record(_ report: ImportReport, sha256: String, userID: UUID?, on db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO imports (id, kind, file_name, sha256, row_count, applied, inserted, updated, error_count, warning_count, report, user_id, created_at)
            VALUES (\(bind: UUID()), \(bind: report.kind.rawValue), \(bind: report.file), \(bind: sha256), \(bind: report.rows), \(bind: report.applied),
                    \(bind: report.inserted), \(bind: report.updated), \(bind: report.errors.count), \(bind: report.warnings.count), \(bind: try Self.json(report)),
                    \(bind: userID), \(bind: Date()))
            """).run()
    }

    static func json(_ report: ImportReport) throws -> String { String(decoding: try JSONEncoder().encode(report), as: UTF8.self) }

    /// The batch without rows about learners who withdrew (they stay withdrawn), each named in a warning.
    func withoutWithdrawnLearners(_ batch: ImportBatch, warnings: [ImportIssue]) async throws -> (ImportBatch, [ImportIssue]) {
        let withdrawn = try await PrivacyRepository.withdrawn(keys: batch.referencedKeys.learners, on: store.sql)
        guard !withdrawn.isEmpty else { return (batch, warnings) }
        let (kept, removed) = batch.removingLearners(Set(withdrawn.keys))
        return (kept, warnings + removed.map {
            ImportIssue(row: $0.row, column: "learner_id", value: $0.key,
                        message: "this learner withdrew from research on \(CalendarDay.format(withdrawn[$0.key]!)); the row was not imported")
        })
    }

    func programKeys(ids: Set<UUID>) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return Set(try await store.sql.raw("SELECT external_id FROM programs WHERE id IN (\(binds: Array(ids)))").all()
            .map { try $0.decode(column: "external_id", as: String.self) })
    }
}
