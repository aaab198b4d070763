import Foundation
import PathwaysCore
import PathwaysStore

/// Importing a CSV export (learners, enrollments, completions, the catalog…): the Imports page, `POST
/// /api/v1/imports/{kind}`, `pathways import` and the demo all come here. The file is checked whole within the
/// importer's program scope; a refused file writes nothing; an accepted one is written at once when it fits one chunk,
/// else by a job whose progress the Imports page and the API show. Both are audited, and completions an import
/// records earn their credentials once it is written.
public struct DataImports: Sendable {
    let store: Store
    public let repository: ImportRepository
    let audit: AuditRepository
    /// Issues credentials after an import of enrollments or completions; nil where another step issues them.
    let issuing: CredentialIssuing?

    public init(store: Store, chunkRows: Int = 5_000, issuing: CredentialIssuing?) {
        self.store = store
        repository = ImportRepository(store: store, chunkRows: chunkRows)
        audit = AuditRepository(store: store)
        self.issuing = issuing
    }

    public enum Outcome: Sendable {
        /// Refused, or written at once.
        case finished(ImportReport)
        /// Checked and being written in the background.
        case started(ImportRepository.Job)
    }

    /// Imports one file for `principal`. With `inBackground`, a file longer than one chunk is written by a background
    /// job and `.started` comes back at once; without it (a command, the demo) the call returns when all is written.
    public func importFile<Bytes: Sequence & Sendable>(kind: ImportKind, name: String, bytes: Bytes, by principal: Principal,
                                                      inBackground: Bool = true, today: Date = Date(),
                                                      progress: (@Sendable (ImportRepository.Job) -> Void)? = nil) async throws -> Outcome
    where Bytes.Element == UInt8 {
        guard AccessPolicy.canImport(kind, by: principal) else {
            throw UseCaseError.forbidden("your role (\(principal.role.label)) may not import \(kind.rawValue)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .finished(ImportReport(file: name, kind: kind, rows: 0, errors: [ImportIssue(message: "the file is not UTF-8 text; export it as CSV UTF-8")]))
        }
        // Invitations the file asks for are an administrator's to send: refused whole, before anything is written.
        let invitations = kind == .learners ? ImportParser.invitations(in: text, today: today) : nil
        if let invitations, let first = invitations.invited.first, !AccessPolicy.canInviteLearners(principal) {
            let refusal = ImportIssue(row: first.row, column: "invite_account", value: "yes",
                                      message: "only an administrator's import invites learners to create their account; leave the column empty")
            try await audit.record(userID: principal.userID, action: "import_rejected", subject: "import:\(kind.rawValue)", detail: "\(name): invite_account")
            return .finished(ImportReport(file: name, kind: kind, rows: invitations.rows, errors: [refusal]))
        }
        let invite = invitations?.invited.map(\.key) ?? []
        let importer = ImportRepository.Importer(userID: principal.accountID, programScope: AccessPolicy.importScope(principal))
        // The invitations are kept with the job until they are sent, so a stop while it is written loses none.
        let (report, job) = try await repository.check(kind: kind, fileName: name, text: text, by: importer, today: today, claim: true, invitations: invite)
        guard let job else {
            try await audit.record(userID: principal.userID, action: "import_rejected", subject: "import:\(kind.rawValue)",
                                   detail: "\(name): \(report.rows) rows, \(report.errors.count) errors")
            return .finished(report)
        }
        try await audit.record(userID: principal.userID, action: "import", subject: "import:\(kind.rawValue)", detail: "\(name): \(report.rows) rows, job \(job)")
        if !inBackground || report.rows <= repository.chunkRows {
            var final = try await repository.runJob(job, progress: progress) ?? report
            try await afterImport(kind)
            if final.applied, !invite.isEmpty {
                let sent = try await sendInvitations(job: job, keys: invite, file: name, by: principal.userID)
                (final.invited, final.notInvited) = (sent.invited, sent.skipped)
            }
            return .finished(final)
        }
        let runner = self
        Task {
            do {
                let final = try await runner.repository.runJob(job, progress: progress)
                try await runner.afterImport(kind)
                if final?.applied == true, !invite.isEmpty {
                    _ = try await runner.sendInvitations(job: job, keys: invite, file: name, by: principal.userID)
                }
            } catch {
                runner.store.logger.error("import job stopped", metadata: ["job": "\(job)", "error": "\(error)"])
            }
        }
        guard let started = try await repository.job(id: job) else { throw UseCaseError.notFound("the import job is gone") }
        return .started(started)
    }

    /// Resumes the jobs whose writer stopped (their claim ran out), one after another; returns how many.
    @discardableResult
    public func resumeStalled() async throws -> Int {
        var resumed = 0
        while let id = try await repository.claimStalledJob() {
            store.logger.info("import job resumed", metadata: ["job": "\(id)"])
            if let report = try await repository.runJob(id) { try await afterImport(report.kind) }
            resumed += 1
        }
        // A written learners file whose invitations were not sent yet (the stop came between the two) sends them now.
        for owed in try await repository.owedInvitations() {
            store.logger.info("import invitations resumed", metadata: ["job": "\(owed.job)"])
            _ = try await sendInvitations(job: owed.job, keys: owed.keys, file: owed.fileName, by: owed.userID)
        }
        return resumed
    }

    /// The account invitations a written learners file asked for (its importer was allowed to ask: checked before
    /// the rows were written), sent by whichever runner takes them first; the job then owes none.
    func sendInvitations(job: UUID, keys: [String], file: String, by user: UUID?) async throws -> LearnerWelcomes.Report {
        guard let taken = try await repository.takeInvitations(job: job) else { return LearnerWelcomes.Report(invited: 0, skipped: keys.count) }
        return try await LearnerWelcomes(store: store).inviteImported(keys: taken, fromImport: file, by: user)
    }

    /// What follows a written import: completions recorded by it earn their credentials at once.
    func afterImport(_ kind: ImportKind) async throws {
        if kind == .enrollments || kind == .completions { try await issuing?.issueForCompletions() }
    }
}
