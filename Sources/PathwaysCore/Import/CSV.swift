import Foundation

/// RFC 4180 CSV as learning platforms export it: optional UTF-8 byte-order mark, comma separated,
/// double-quoted fields that may hold commas, quotes (doubled) and line breaks, CRLF or LF line ends.
public struct CSVTable: Sendable, Equatable {
    public struct Record: Sendable, Equatable {
        /// The 1-based line on which the record starts, as a spreadsheet numbers rows (the header is row 1).
        public var line: Int
        public var fields: [String]
    }

    public var header: [String]
    public var records: [Record]

    /// Parses `text`. Blank lines are skipped; a record whose field count differs from the header's is an error.
    /// Header names are trimmed and, unless `keepHeaderCase`, lowercased.
    public static func parse(_ text: String, keepHeaderCase: Bool = false) throws(CSVError) -> CSVTable {
        var reader = try CSVTableReader(bytes: Array(text.utf8), keepHeaderCase: keepHeaderCase)
        var records: [Record] = []
        while let record = try reader.next() { records.append(record) }
        return CSVTable(header: reader.header, records: records)
    }
}

/// Reads RFC 4180 records one at a time from UTF-8 bytes, so a large file is read in the memory one record takes
/// (the bytes themselves aside). Line and quote rules as `CSVTable.parse` states them.
public struct CSVRecordReader: Sendable {
    let bytes: [UInt8]
    var position: Int
    /// The line the next record starts on.
    public private(set) var line = 1
    /// Reads a double quote inside an unquoted field as a character, as spreadsheet programs and Python's csv
    /// module write and read it (`wq:ForeignKey("app.Type")`), instead of refusing the line.
    public var lenientQuotes = false

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Whether only line breaks are left.
    public var atEnd: Bool { bytes[position...].allSatisfy { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") } }

    /// Where the reader stands: the byte offset and line of the next record, to resume from later.
    public var mark: (offset: Int, line: Int) { (position, line) }

    public init(bytes: [UInt8], resumingAt mark: (offset: Int, line: Int)) {
        self.bytes = bytes
        position = mark.offset
        line = mark.line
    }

    /// The next record with the line it starts on, skipping blank lines; nil at the end.
    public mutating func next() throws(CSVError) -> CSVTable.Record? {
        while position < bytes.count {
            if let record = try readRecord() { return record }
        }
        return nil
    }

    private static func string(_ slice: ArraySlice<UInt8>) -> String {
        slice.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// One physical record, or nil for a blank line.
    private mutating func readRecord() throws(CSVError) -> CSVTable.Record? {
        let recordLine = line
        var fields: [String] = []
        var quotedField: [UInt8] = []
        var fieldStart = position
        var inQuotes = false
        var fieldWasQuoted = false
        var afterClosingQuote = false
        let count = bytes.count

        func finishField() -> String {
            fieldWasQuoted ? Self.string(quotedField[...]) : Self.string(bytes[fieldStart..<position])
        }
        while position < count {
            let c = bytes[position]
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if position + 1 < count && bytes[position + 1] == UInt8(ascii: "\"") {
                        quotedField.append(c)
                        position += 2
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                        position += 1
                    }
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    quotedField.append(c)
                    position += 1
                }
                continue
            }
            switch c {
            case UInt8(ascii: ","):
                fields.append(finishField())
                position += 1
                fieldStart = position
                quotedField.removeAll(keepingCapacity: true)
                fieldWasQuoted = false
                afterClosingQuote = false
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                let field = finishField()
                position += 1
                if c == UInt8(ascii: "\r"), position < count, bytes[position] == UInt8(ascii: "\n") { position += 1 }
                line += 1
                return Self.record(fields + [field], line: recordLine, wasQuoted: fieldWasQuoted)
            case UInt8(ascii: "\""):
                guard position == fieldStart, !afterClosingQuote, !fieldWasQuoted else {
                    if lenientQuotes && !fieldWasQuoted {
                        position += 1
                        continue
                    }
                    throw CSVError(line: line, message: "a double quote inside an unquoted field (quote the whole field and double the inner quotes)")
                }
                inQuotes = true
                fieldWasQuoted = true
                position += 1
            default:
                if afterClosingQuote {
                    throw CSVError(line: line, message: "text after a closing quote; expected a comma or the end of the line")
                }
                position += 1
            }
        }
        if inQuotes {
            throw CSVError(line: recordLine, message: "a quoted field is not closed before the end of the file")
        }
        let field = finishField()
        if field.isEmpty && fields.isEmpty && !fieldWasQuoted { return nil }
        return Self.record(fields + [field], line: recordLine, wasQuoted: fieldWasQuoted)
    }

    /// A line with a single empty unquoted field is a blank line, not a record.
    private static func record(_ fields: [String], line: Int, wasQuoted: Bool) -> CSVTable.Record? {
        if fields.count == 1 && fields[0].isEmpty && !wasQuoted { return nil }
        return CSVTable.Record(line: line, fields: fields)
    }
}

/// A CSV table read a record at a time: the header first, then records whose field count must match it.
public struct CSVTableReader: Sendable {
    var records: CSVRecordReader
    public let header: [String]

    public init(bytes: [UInt8], keepHeaderCase: Bool = false) throws(CSVError) {
        records = CSVRecordReader(bytes: bytes)
        guard let first = try records.next() else { throw CSVError(line: 1, message: "the file is empty; expected a header row") }
        header = first.fields.map { keepHeaderCase ? $0.trimmingCharacters(in: .whitespaces) : $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    public var atEnd: Bool { records.atEnd }

    /// Where the next record starts, to resume from (`resume(at:)`).
    public var mark: (offset: Int, line: Int) { records.mark }

    public mutating func resume(at mark: (offset: Int, line: Int)) {
        records = CSVRecordReader(bytes: records.bytes, resumingAt: mark)
    }

    public mutating func next() throws(CSVError) -> CSVTable.Record? {
        guard let record = try records.next() else { return nil }
        guard record.fields.count == header.count else {
            throw CSVError(line: record.line, message: "has \(record.fields.count) fields but the header has \(header.count)")
        }
        return record
    }
}

/// A CSV file that cannot be read as a table at all.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "row \(line): \(message)" }
}

extension CSVTable {
    /// RFC 4180 text: fields quoted when they hold a comma, quote or line break; CRLF line ends.
    public func rendered() -> String {
        ([header] + records.map(\.fields)).map { $0.map(Self.field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// Free text for a file people open in spreadsheets: a value that begins with =, +, -, @, a tab or a carriage
    /// return gets a leading apostrophe, so it is shown as text rather than run as a formula (CSV injection).
    public static func inert(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return s }
        return "'" + s
    }

    /// One field as RFC 4180 writes it: quoted (with quotes doubled) when it holds a comma, quote or line break.
    public static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
