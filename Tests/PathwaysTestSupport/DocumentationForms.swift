import Foundation

/// Example forms published in the XLSForm documentation, kept in the corpus (`xlsform/xlsform-org-examples.md`) exactly
/// as the documentation prints them (markdown tables), and turned here into the sheets of a workbook.
///
/// The documentation prints a sheet in one of two layouts:
/// - its rows, then a rule of `=` signs and a row holding the sheet's name in the first cell;
/// - a row holding the sheet's name (possibly bold) in the first cell, then its rows indented by one cell.
/// Two tables of the same sheet in one example (a second choice list) are joined, header by header.
public enum DocumentationForms {
    public struct Sheet: Equatable, Sendable {
        public var name: String
        public var header: [String]
        public var rows: [[String]]

        /// Header then rows, each row as wide as the header: what a spreadsheet holds.
        public var grid: [[String]] { [header] + rows.map { row in header.indices.map { $0 < row.count ? row[$0] : "" } } }
    }

    /// The examples by name (`## form: NAME`), each as its sheets in the order they first appear.
    public static func all() throws -> [String: [Sheet]] {
        parse(try String(contentsOf: try Corpus.url("xlsform/xlsform-org-examples.md"), encoding: .utf8))
    }

    public static func sheets(_ name: String) throws -> [Sheet] {
        guard let sheets = try all()[name] else { throw CocoaError(.fileNoSuchFile) }
        return sheets
    }

    static func parse(_ text: String) -> [String: [Sheet]] {
        var forms: [String: [Sheet]] = [:]
        var current: String?
        var table: [[String]] = []

        func add(_ sheet: Sheet, to form: String) {
            var sheets = forms[form, default: []]
            if let i = sheets.firstIndex(where: { $0.name == sheet.name }) {
                var merged = sheets[i]
                for column in sheet.header where !merged.header.contains(column) { merged.header.append(column) }
                for row in sheet.rows {
                    var cells: [String: String] = [:]
                    for (c, column) in sheet.header.enumerated() where c < row.count { cells[column] = row[c] }
                    merged.rows.append(merged.header.map { cells[$0] ?? "" })
                }
                sheets[i] = merged
            } else {
                sheets.append(sheet)
            }
            forms[form] = sheets
        }

        func flush() {
            defer { table = [] }
            guard let form = current, !table.isEmpty else { return }
            let isRule: ([String]) -> Bool = { row in row.allSatisfy { $0.isEmpty || $0.allSatisfy { $0 == "=" } } && row.contains { !$0.isEmpty } }
            if let rule = table.firstIndex(where: isRule), rule + 1 < table.count {
                // Rows, a rule, then the sheet's name.
                let rows = Array(table[..<rule])
                guard let header = rows.first else { return }
                add(Sheet(name: table[rule + 1][0], header: header, rows: Array(rows.dropFirst())), to: form)
                return
            }
            // The sheet's name in the first cell, its rows indented one cell.
            var name: String?
            var rows: [[String]] = []
            func close() {
                if let name, let header = rows.first { add(Sheet(name: name, header: header, rows: Array(rows.dropFirst())), to: form) }
                rows = []
            }
            for row in table {
                let first = row.first ?? ""
                if !first.isEmpty {
                    close()
                    name = first.replacingOccurrences(of: "*", with: "")
                } else {
                    var cells = Array(row.dropFirst())
                    while cells.last == "" { cells.removeLast() }
                    rows.append(cells)
                }
            }
            close()
        }

        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("## form:") {
                flush()
                current = trimmed.dropFirst("## form:".count).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard trimmed.hasPrefix("|") else { flush(); continue }
            var cells = trimmed.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            cells.removeFirst()
            if cells.last == "" { cells.removeLast() }
            // The line under a markdown header row.
            if cells.allSatisfy({ $0.isEmpty || $0.allSatisfy { $0 == "-" || $0 == ":" } }) && cells.contains(where: { !$0.isEmpty }) { continue }
            table.append(cells)
        }
        flush()
        return forms
    }
}
