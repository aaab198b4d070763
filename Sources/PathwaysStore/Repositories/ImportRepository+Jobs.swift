import Foundation
import PathwaysCore
import SQLKit

extension ImportRepository {
    /// How long a runner's claim on a job holds without progress; after a crash the job is taken up again once it
    /// has passed.
    static let lease: TimeInterval = 120

    /// A checked file being written, or written.
    public struct Job: Sendable, Equatable {
        public enum Status: String, Sendable {
            case applying, applied, failed
        }

        public var id: UUID
        public var kind: ImportKind
        public var fileName: String
        /// Who imported it.
        public var userID: UUID?
        public var status: Status
        public var totalRows: Int
        public var appliedRows: Int
        public var inserted: Int
        public var updated: Int
        public var failure: String?
        public var createdAt: Date
        public var finishedAt: Date?
        /// The check's report, with the counts of what was written once it is applied.
        public var report: ImportReport
    }

    static let jobColumns = "id, kind, file_name, user_id, status, total_rows, applied_rows, inserted, updated, failure, created_at, finished_at, report"

    static func job(_ row: any SQLRow) throws -> Job {
        let kind = ImportKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .learners
        var report = try JSONDecoder().decode(ImportReport.self, from: Data(try row.decode(column: "report", as: String.self).utf8))
        let status = Job.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .failed
        report.inserted = try row.decode(column: "inserted", as: Int.self)
        report.updated = try row.decode(column: "updated", as: Int.self)
        report.applied = status == .applied
        return Job(id: try row.decode(column: "id", as: UUID.self), kind: kind, fileName: try row.decode(column: "file_name", as: String.self),
                   userID: try row.decode(column: "user_id", as: UUID?.self), status: status, totalRows: try row.decode(column: "total_rows", as: Int.self),
                   appliedRows: try row.decode(column: "applied_rows", as: Int.self), inserted: report.inserted, updated: report.updated,
                   failure: try row.decode(column: "failure", as: String?.self), createdAt: try row.decode(column: "created_at", as: Date.self),
                   finishedAt: try row.decode(column: "finished_at", as: Date?.self), report: report)
    }

    public func job(id: UUID) async throws -> Job? {
        try await store.sql.raw("SELECT \(unsafeRaw: Self.jobColumns) FROM import_jobs WHERE id = \(bind: id)").first().map(Self.job)
    }

    /// Jobs still being written, oldest first, and the most recently finished.
    public func jobs(limit: Int = 20) async throws -> [Job] {
        try await store.sql.raw("""
            SELECT \(unsafeRaw: Self.jobColumns) FROM import_jobs ORDER BY CASE WHEN status = 'applying' THEN 0 ELSE 1 END, created_at DESC LIMIT \(literal: limit)
            """).all().map(Self.job)
    }

    /// The account invitations a written learners import still owes: its job, who imported it, the file and the
    /// platform ids it asked to invite. Kept until a sender takes them (`takeInvitations(job:)`), so a stop between
    /// writing the rows and sending the invitations loses none.
    public struct OwedInvitations: Sendable, Equatable {
        public var job: UUID
        public var userID: UUID?
        public var fileName: String
        public var keys: [String]
    }

    public func owedInvitations() async throws -> [OwedInvitations] {
        try await store.sql.raw("""
            SELECT id, user_id, file_name, invitations FROM import_jobs WHERE status = 'applied' AND invitations IS NOT NULL ORDER BY created_at
            """).all().map { row in
            OwedInvitations(job: try row.decode(column: "id", as: UUID.self), userID: try row.decode(column: "user_id", as: UUID?.self),
                            fileName: try row.decode(column: "file_name", as: String.self),
                            keys: try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "invitations", as: String.self).utf8)))
        }
    }

    /// Takes a job's owed invitations for one sender: the first to ask gets them and the job owes none, so two
    /// servers resuming at once never send an invitation twice.
    public func takeInvitations(job: UUID) async throws -> [String]? {
        // Read, then cleared only if still as read (RETURNING gives the row after the change, so the read comes first):
        // whoever clears it holds the invitations.
        guard let text = try await store.sql.raw("SELECT invitations FROM import_jobs WHERE id = \(bind: job)").first()?
            .decode(column: "invitations", as: String?.self) else { return nil }
        let cleared = try await store.sql.raw("""
            UPDATE import_jobs SET invitations = NULL WHERE id = \(bind: job) AND invitations = \(bind: text) RETURNING id
            """).all()
        guard !cleared.isEmpty else { return nil }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// Takes up a job nobody is writing (its runner's lease ran out: a crash, or a stop), for this runner.
    public func claimStalledJob(now: Date = Date()) async throws -> UUID? {
        let skipLocked = store.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await store.transaction { db in
            guard let id = try await db.raw("""
                SELECT id FROM import_jobs WHERE status = 'applying' AND (lease_until IS NULL OR lease_until < \(bind: now))
                ORDER BY created_at LIMIT 1\(unsafeRaw: skipLocked)
                """).first()?.decode(column: "id", as: UUID.self) else { return nil }
            try await db.raw("UPDATE import_jobs SET lease_until = \(bind: now.addingTimeInterval(Self.lease)) WHERE id = \(bind: id)").run()
            return id
        }
    }

    /// Writes a claimed job from where it stands to the end, a chunk per transaction, each committing the rows with the
    /// job's progress (and renewing the claim); the last also records the import and deletes the file's text. Returns
    /// the final report, or nil when the job is not being written (finished already, or gone).
    @discardableResult
    /// `maxChunks` stops after that many chunks, leaving the job to be resumed (a stop, in tests).
    public func runJob(_ id: UUID, maxChunks: Int? = nil, progress: (@Sendable (Job) -> Void)? = nil) async throws -> ImportReport? {
        guard let row = try await store.sql.raw("""
            SELECT j.kind, j.file_name, j.sha256, f.content, j.user_id, j.program_scope, j.checked_on, j.status, j.applied_rows, j.next_offset, j.next_line,
                   j.inserted, j.updated, j.report
            FROM import_jobs j JOIN import_job_files f ON f.job_id = j.id WHERE j.id = \(bind: id)
            """).first(), try row.decode(column: "status", as: String.self) == Job.Status.applying.rawValue,
              let kind = ImportKind(rawValue: try row.decode(column: "kind", as: String.self))
        else { return nil }
        let fileName = try row.decode(column: "file_name", as: String.self), digest = try row.decode(column: "sha256", as: String.self)
        let userID = try row.decode(column: "user_id", as: UUID?.self)
        let scope = try row.decode(column: "program_scope", as: String?.self).map { Set(try JSONDecoder().decode([UUID].self, from: Data($0.utf8))) }
        var report = try JSONDecoder().decode(ImportReport.self, from: Data(try row.decode(column: "report", as: String.self).utf8))
        report.inserted = try row.decode(column: "inserted", as: Int.self)
        report.updated = try row.decode(column: "updated", as: Int.self)
        var applied = try row.decode(column: "applied_rows", as: Int.self)
        var stream = ImportStream(kind: kind, today: try row.decode(column: "checked_on", as: Date.self),
                                  bytes: Array(try row.decode(column: "content", as: String.self).utf8))
        let offset = try row.decode(column: "next_offset", as: Int.self)
        if offset > 0 { stream.resume(at: (offset, try row.decode(column: "next_line", as: Int.self)), rowsBefore: applied) }
        let scopeKeys: Set<String>? = if let scope { try await programKeys(ids: scope) } else { nil }

        var chunks = 0
        do {
            while true {
                if let maxChunks, chunks >= maxChunks { return nil }
                chunks += 1
                let chunk = stream.next(max: chunkRows)
                if let chunk, !chunk.errors.isEmpty {
                    // The file was checked; a row that fails now means what it refers to changed since.
                    throw ImportJobFailure(description: chunk.errors.prefix(3).map(\.description).joined(separator: "; "))
                }
                var batch: ImportBatch?
                if let chunk { batch = try await withoutWithdrawnLearners(chunk.batch, warnings: []).0 }
                let written = batch
                let rows = chunk?.rows ?? 0
                let mark = stream.mark ?? (0, 1)
                let last = chunk == nil || stream.atEnd
                let counted = report
                let appliedBefore = applied
                let outcome = try await store.transaction { db -> (Int, Int) in
                    var counts = (0, 0)
                    if let batch = written {
                        let keys = try await lookUp(batch, scopeKeys: scopeKeys, on: db)
                        let problems = ImportValidator.check(batch, against: keys.references, scope: scopeKeys)
                        if !problems.isEmpty { throw ImportJobFailure(description: problems.prefix(3).map(\.description).joined(separator: "; ")) }
                        counts = try await apply(batch, keys: keys, fileName: fileName, on: db)
                    }
                    let now = Date()
                    try await db.raw("""
                        UPDATE import_jobs SET applied_rows = \(bind: appliedBefore + rows), next_offset = \(bind: mark.offset), next_line = \(bind: mark.line),
                          inserted = inserted + \(bind: counts.0), updated = updated + \(bind: counts.1), lease_until = \(bind: now.addingTimeInterval(Self.lease))
                        WHERE id = \(bind: id)
                        """).run()
                    if last {
                        var final = counted
                        final.inserted += counts.0
                        final.updated += counts.1
                        final.applied = true
                        try await record(final, sha256: digest, userID: userID, on: db)
                        try await db.raw("""
                            UPDATE import_jobs SET status = 'applied', lease_until = NULL, finished_at = \(bind: now) WHERE id = \(bind: id)
                            """).run()
                        try await db.raw("DELETE FROM import_job_files WHERE job_id = \(bind: id)").run()
                    }
                    return counts
                }
                applied += rows
                report.inserted += outcome.0
                report.updated += outcome.1
                if let progress, let job = try await job(id: id) { progress(job) }
                if last { break }
            }
        } catch let failure as ImportJobFailure {
            try await store.sql.raw("""
                UPDATE import_jobs SET status = 'failed', failure = \(bind: failure.description), lease_until = NULL, finished_at = \(bind: Date()) WHERE id = \(bind: id)
                """).run()
            try await store.sql.raw("DELETE FROM import_job_files WHERE job_id = \(bind: id)").run()
            store.logger.error("import job failed", metadata: ["job": "\(id)", "file": "\(fileName)"])
            throw StoreError.invalid("\(fileName): the import stopped after \(applied) of \(report.rows) rows: \(failure.description)")
        }
        report.applied = true
        store.logger.info("import applied", metadata: [
            "kind": "\(kind.rawValue)", "file": "\(fileName)", "rows": "\(report.rows)", "inserted": "\(report.inserted)", "updated": "\(report.updated)",
        ])
        return report
    }
}

/// A checked file whose rows no longer pass when written (what they refer to changed since the check).
struct ImportJobFailure: Error, CustomStringConvertible {
    var description: String
}
