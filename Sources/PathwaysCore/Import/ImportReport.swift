/// One problem found in an import file, located as precisely as the problem allows.
public struct ImportIssue: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based row in the file (the header is row 1); nil for a problem with the whole file.
    public var row: Int?
    public var column: String?
    public var value: String?
    public var message: String

    public init(row: Int? = nil, column: String? = nil, value: String? = nil, message: String) {
        self.row = row
        self.column = column
        self.value = value
        self.message = message
    }

    public var description: String {
        var place: [String] = []
        if let row { place.append("row \(row)") }
        if let column { place.append("column \(column)") }
        let at = place.isEmpty ? "" : place.joined(separator: ", ") + ": "
        let shown = value.map { "'\($0.count > 60 ? String($0.prefix(60)) + "…" : $0)' " } ?? ""
        return at + shown + message
    }
}

/// What an import did, or why it did nothing.
///
/// Imports are all-or-nothing per file: a file with any error changes nothing, so a fixed file can simply
/// be imported again; warnings do not stop an import.
public struct ImportReport: Codable, Sendable, Equatable {
    public var file: String
    public var kind: ImportKind
    public var rows: Int
    public var errors: [ImportIssue]
    public var warnings: [ImportIssue]
    public var applied: Bool
    public var inserted: Int
    public var updated: Int
    /// Learners the file's `invite_account` column had invited to create their account, and those it skipped
    /// (an account already, or an invitation still open); nil when the file asked for none.
    public var invited: Int?
    public var notInvited: Int?

    public init(file: String, kind: ImportKind, rows: Int, errors: [ImportIssue] = [], warnings: [ImportIssue] = [], applied: Bool = false, inserted: Int = 0, updated: Int = 0) {
        self.file = file
        self.kind = kind
        self.rows = rows
        self.errors = errors
        self.warnings = warnings
        self.applied = applied
        self.inserted = inserted
        self.updated = updated
    }

    /// A plain-text report: one line per problem, each naming file, row and column.
    public var text: String {
        var lines: [String] = []
        if applied {
            lines.append("\(file): imported \(rows) \(kind.rawValue) rows (\(inserted) new, \(updated) updated)")
            if let invited {
                lines.append("\(file): invited \(invited) learner\(invited == 1 ? "" : "s") to create their account"
                             + ((notInvited ?? 0) > 0 ? "; \(notInvited!) already had an account or an open invitation" : ""))
            }
        } else {
            lines.append("\(file): not imported, \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing was changed")
        }
        lines += errors.map { "\(file): error: \($0)" }
        lines += warnings.map { "\(file): warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}
