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
        var rows: [Record] = []
        var field = ""
        var fields: [String] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var afterClosingQuote = false

        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }

        func endRecord() {
            fields.append(field)
            field = ""
            // A line with a single empty unquoted field is a blank line, not a record.
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                rows.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            fieldWasQuoted = false
            afterClosingQuote = false
        }

        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                        pending = next
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field)
                field = ""
                fieldWasQuoted = false
                afterClosingQuote = false
            case "\r":
                let next = iterator.next()
                if next != "\n" { pending = next }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                guard field.isEmpty, !afterClosingQuote else {
                    throw CSVError(line: line, message: "a double quote inside an unquoted field (quote the whole field and double the inner quotes)")
                }
                inQuotes = true
                fieldWasQuoted = true
            default:
                if afterClosingQuote {
                    throw CSVError(line: line, message: "text after a closing quote; expected a comma or the end of the line")
                }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw CSVError(line: recordLine, message: "a quoted field is not closed before the end of the file")
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }

        guard let first = rows.first else { throw CSVError(line: 1, message: "the file is empty; expected a header row") }
        let header = first.fields.map { keepHeaderCase ? $0.trimmingCharacters(in: .whitespaces) : $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let records = Array(rows.dropFirst())
        for record in records where record.fields.count != header.count {
            throw CSVError(line: record.line, message: "has \(record.fields.count) fields but the header has \(header.count)")
        }
        return CSVTable(header: header, records: records)
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
