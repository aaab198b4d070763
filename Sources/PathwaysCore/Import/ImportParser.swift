import Foundation

/// Reads an import file into typed rows, collecting every problem rather than stopping at the first, so
/// one report lists all that needs fixing.
public struct ImportParser: Sendable {
    public var kind: ImportKind
    /// The day the import runs: dates after it are rejected, and it dates consent given without a date.
    public var today: Date

    public init(kind: ImportKind, today: Date) {
        self.kind = kind
        self.today = today
    }

    public struct Result: Sendable {
        public var batch: ImportBatch
        public var errors: [ImportIssue]
        public var warnings: [ImportIssue]
        public var rows: Int
    }

    public func parse(_ text: String) -> Result {
        var stream = ImportStream(kind: kind, today: today, bytes: Array(text.utf8))
        var drafts: [ImportBatch] = []
        var errors = stream.headerErrors, warnings = stream.headerWarnings
        var duplicates = DuplicateTracker()
        while let chunk = stream.next(max: 10_000) {
            drafts.append(chunk.batch)
            errors += chunk.errors
            warnings += chunk.warnings
            errors += duplicates.check(chunk.batch)
        }
        return Result(batch: ImportBatch.joined(drafts, kind: kind), errors: errors, warnings: warnings, rows: stream.rows)
    }

    /// The learners a learners file asks to invite to create their account (its `invite_account` says yes), as
    /// read by the import itself; nil when the file has no such column, so a file without it is not read twice.
    public static func invitations(in text: String, today: Date) -> (rows: Int, invited: [LearnerDraft])? {
        guard let reader = try? CSVTableReader(bytes: Array(text.utf8)), reader.header.contains("invite_account") else { return nil }
        let result = ImportParser(kind: .learners, today: today).parse(text)
        guard case .learners(let drafts) = result.batch else { return (result.rows, []) }
        return (result.rows, drafts.filter(\.invite))
    }

    /// The same record twice in one file is an error: which row should win is the importer's call.
    static func duplicates(in batch: ImportBatch) -> [ImportIssue] {
        var tracker = DuplicateTracker()
        return tracker.check(batch)
    }
}
