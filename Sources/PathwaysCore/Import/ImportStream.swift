import Foundation

/// Remembers each record's key across the chunks of one file, so the same record twice is found wherever it is.
public struct DuplicateTracker: Sendable {
    var first: [String: Int] = [:]

    public init() {}

    public mutating func check(_ batch: ImportBatch) -> [ImportIssue] {
        var issues: [ImportIssue] = []
        func check<R>(_ rows: [R], column: String, key: (R) -> String, row: (R) -> Int, what: String) {
            for r in rows {
                let k = key(r)
                if let earlier = first[k] {
                    issues.append(ImportIssue(row: row(r), column: column, value: k, message: "duplicate \(what): also on row \(earlier)"))
                } else {
                    first[k] = row(r)
                }
            }
        }
        switch batch {
        case .providers(let rows): check(rows, column: "provider_id", key: \.key, row: \.row, what: "provider_id")
        case .programs(let rows): check(rows, column: "program_id", key: \.key, row: \.row, what: "program_id")
        case .courses(let rows): check(rows, column: "course_id", key: \.key, row: \.row, what: "course_id")
        case .creditAgreements(let rows):
            check(rows, column: "institution", key: { "\($0.institution)|\($0.programKey)|\(CalendarDay.format($0.validFrom))" }, row: \.row,
                  what: "agreement of this institution for this program from this day")
        case .learners(let rows): check(rows, column: "learner_id", key: \.key, row: \.row, what: "learner_id")
        case .enrollments(let rows):
            check(rows, column: "learner_id", key: { ImportReferences.pair($0.learnerKey, $0.programKey) }, row: \.row, what: "enrollment of this learner in this program")
        case .completions(let rows):
            check(rows, column: "learner_id", key: { ImportReferences.pair($0.learnerKey, $0.programKey) + "|" + ($0.courseKey ?? "") }, row: \.row, what: "completion for this learner, program and course")
        }
        return issues
    }
}

/// An import file read a chunk of rows at a time, so a file of a million rows is checked and written in the memory a
/// chunk takes (with the file's bytes and, for duplicates, its keys). The header is checked first.
public struct ImportStream: Sendable {
    public let kind: ImportKind
    let today: Date
    var reader: CSVTableReader?
    var cells: CellReader
    /// Problems with the file as a whole (unreadable, header): when there are errors, no rows are read.
    public private(set) var headerErrors: [ImportIssue] = []
    public private(set) var headerWarnings: [ImportIssue] = []
    /// Records read so far (blank lines aside).
    public private(set) var rows = 0
    var finished = false

    /// The rows of one chunk with the problems found in them.
    public struct Chunk: Sendable {
        public var batch: ImportBatch
        public var errors: [ImportIssue]
        public var warnings: [ImportIssue]
        /// Records in the chunk, including those that could not be read.
        public var rows: Int
    }

    public init(kind: ImportKind, today: Date, bytes: [UInt8]) {
        self.kind = kind
        self.today = today
        cells = CellReader(index: [:], today: today)
        let table: CSVTableReader
        do {
            table = try CSVTableReader(bytes: bytes)
        } catch {
            headerErrors = [ImportIssue(row: error.line, message: error.message)]
            finished = true
            return
        }
        let known = Set(kind.columns.map(\.name))
        var seenHeader: Set<String> = []
        for name in table.header {
            if name.isEmpty {
                headerErrors.append(ImportIssue(row: 1, message: "a column has no name"))
            } else if !seenHeader.insert(name).inserted {
                headerErrors.append(ImportIssue(row: 1, column: name, message: "the column appears twice"))
            } else if !known.contains(name) {
                headerWarnings.append(ImportIssue(row: 1, column: name, message: "is not a \(kind.rawValue) column and is ignored"))
            }
        }
        for column in kind.columns where column.required && !table.header.contains(column.name) {
            headerErrors.append(ImportIssue(row: 1, column: column.name, message: "required column is missing (\(column.help))"))
        }
        var index: [String: Int] = [:]
        for (i, name) in table.header.enumerated() where index[name] == nil { index[name] = i }
        cells = CellReader(index: index, today: today)
        reader = table
        if !headerErrors.isEmpty {
            // The rows are counted for the report, not read.
            var counting = table
            while case .some(.some) = try? counting.next() { rows += 1 }
            finished = true
        }
    }

    /// Whether the file has no rows left (or could not be read further).
    public var atEnd: Bool { finished || (reader?.atEnd ?? true) }

    /// Where the next chunk starts, to resume a partly written import from.
    public var mark: (offset: Int, line: Int)? { reader?.mark }

    public mutating func resume(at mark: (offset: Int, line: Int), rowsBefore: Int) {
        reader?.resume(at: mark)
        rows = rowsBefore
    }

    /// Up to `max` rows as drafts, with the problems found in them; nil at the end. A file that stops being readable
    /// (a quote left open, a row with the wrong number of fields) ends with that error.
    public mutating func next(max: Int) -> Chunk? {
        guard !finished, var reader else { return nil }
        var records: [CSVTable.Record] = []
        records.reserveCapacity(Swift.min(max, 10_000))
        var errors: [ImportIssue] = []
        do {
            while records.count < max, let record = try reader.next() { records.append(record) }
        } catch {
            errors.append(ImportIssue(row: error.line, message: error.message))
            finished = true
        }
        self.reader = reader
        if records.isEmpty && errors.isEmpty {
            finished = true
            if rows == 0 {
                return Chunk(batch: ImportBatch.empty(kind), errors: [], warnings: [ImportIssue(message: "the file has a header but no rows")], rows: 0)
            }
            return nil
        }
        rows += records.count
        let batch: ImportBatch
        switch kind {
        case .providers: batch = .providers(records.compactMap { cells.provider($0) })
        case .programs: batch = .programs(records.compactMap { cells.program($0) })
        case .courses: batch = .courses(records.compactMap { cells.course($0) })
        case .creditAgreements: batch = .creditAgreements(records.compactMap { cells.creditAgreement($0) })
        case .learners: batch = .learners(records.compactMap { cells.learner($0) })
        case .enrollments: batch = .enrollments(records.compactMap { cells.enrollment($0) })
        case .completions: batch = .completions(records.compactMap { cells.completion($0) })
        }
        errors = cells.errors + errors
        let warnings = cells.warnings
        cells.errors = []
        cells.warnings = []
        return Chunk(batch: batch, errors: errors, warnings: warnings, rows: records.count)
    }
}
