/// One sheet of an XLSForm workbook as rows of named cells, whatever the file it came from (.xlsx or CSV).
public struct XLSFormSheet: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// The 1-based row in the sheet, as a spreadsheet numbers it (the header is row 1).
        public var line: Int
        public var cells: [String: String]

        public init(line: Int, cells: [String: String]) {
            self.line = line
            self.cells = cells
        }

        public subscript(_ column: String) -> String? {
            let v = cells[column]?.trimmingCharacters(in: .whitespacesAndNewlines)
            return v?.isEmpty == false ? v : nil
        }
    }

    public var name: String
    /// Column names in file order, as written (XLSForm column names are case-sensitive only in their
    /// language suffix, so they are kept as given).
    public var header: [String]
    public var rows: [Row]

    public init(name: String, header: [String], rows: [Row]) {
        self.name = name
        self.header = header
        self.rows = rows
    }

    /// Column names are case-insensitive except for a language suffix: `Label::English (en)` is
    /// `label::English (en)`.
    public static func normalizedColumn(_ column: String) -> String {
        // pyxform reads a space in a column name as an underscore: `constraint message` is `constraint_message`.
        // A column of the standard is matched in any case; any other (a choice_filter's `A_region`) is kept as written.
        func base(_ s: Substring) -> String {
            let standard = s.lowercased().trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "_")
            return standardColumns.contains(standard) ? standard : s.trimmingCharacters(in: .whitespaces)
        }
        guard let range = column.range(of: "::") else {
            // The older one-colon spelling of a language column, `label:English`.
            if let colon = column.firstIndex(of: ":"), translatable.contains(base(column[..<colon])) {
                return base(column[..<colon]) + "::" + column[column.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return base(column[...])
        }
        return base(column[..<range.lowerBound]) + "::" + column[range.upperBound...].trimmingCharacters(in: .whitespaces)
    }

    /// Column names of the XLSForm standard and their older aliases, on any sheet.
    static let standardColumns: Set<String> = [
        "type", "name", "label", "hint", "guidance_hint", "required", "required_message", "relevant", "constraint", "constraint_message",
        "calculation", "choice_filter", "default", "appearance", "read_only", "repeat_count", "parameters", "trigger", "list_name",
        "image", "big-image", "audio", "video", "media", "disabled", "note", "body", "autoplay", "rows",
        "form_title", "form_id", "version", "default_language", "allow_choice_duplicates", "instance_name", "public_key",
        "submission_url", "style", "namespaces", "clean_text_values", "id_string", "title",
        "caption", "relevance", "constraining_message", "calculate", "requiredmsg", "count", "jr:count", "readonly", "command",
        "tag", "value",
    ]

    /// Columns that take a language suffix.
    static let translatable: Set<String> = ["label", "hint", "guidance_hint", "constraint_message", "required_message", "image", "big-image", "audio", "video", "caption"]

    /// A sheet from CSV text; rows that are entirely empty are dropped, as spreadsheets leave them.
    public static func csv(_ text: String, name: String) throws(XLSFormIssue) -> XLSFormSheet {
        let table: CSVTable
        do {
            table = try CSVTable.parse(text, keepHeaderCase: true)
        } catch {
            throw XLSFormIssue(sheet: name, row: error.line, message: error.message)
        }
        return XLSFormSheet(name: name, xlsxRows: [(1, table.header)] + table.records.map { ($0.line, $0.fields) })
    }

    /// The sheet as CSV, columns in `header` order.
    public func csv() -> String {
        CSVTable(header: header, records: rows.map { row in .init(line: row.line, fields: header.map { row.cells[$0] ?? "" }) }).rendered()
    }
}

/// A problem in an XLSForm, located by sheet, row, column and, inside an expression, character position.
public struct XLSFormIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public var sheet: String
    public var row: Int?
    public var column: String?
    public var position: Int?
    public var message: String

    public init(sheet: String, row: Int? = nil, column: String? = nil, position: Int? = nil, message: String) {
        self.sheet = sheet
        self.row = row
        self.column = column
        self.position = position
        self.message = message
    }

    public var description: String {
        var place = ["sheet \(sheet)"]
        if let row { place.append("row \(row)") }
        if let column { place.append("column \(column)") }
        if let position { place.append("character \(position)") }
        return place.joined(separator: ", ") + ": " + message
    }
}

/// Every problem found in a form, so one report lists all that needs fixing.
public struct XLSFormErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [XLSFormIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
