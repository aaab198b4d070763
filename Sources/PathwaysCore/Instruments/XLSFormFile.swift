import Foundation

/// The file layouts an XLSForm comes in, told apart by their bytes rather than their name (a renamed
/// download keeps its content): an .xlsx/.xlsm workbook (a zip archive), a legacy .xls workbook (an OLE2
/// compound file), or the single-file CSV layout in which the sheets are stacked, each starting on a row
/// whose first cell names it (`survey`, `choices`, `settings`) and holding its rows one column to the right.
public enum XLSFormFile: Sendable, Equatable {
    case xlsx, xls, csv

    public static func kind(of data: Data) -> XLSFormFile {
        if data.starts(with: [0x50, 0x4B]) { return .xlsx }
        if data.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .xls }
        return .csv
    }
}

extension XLSForm {
    /// Reads a form from an uploaded file of any layout `XLSFormFile` knows.
    public static func read(_ data: Data, reader: XLSXReader = XLSXReader()) throws(XLSFormErrors) -> XLSForm {
        switch XLSFormFile.kind(of: data) {
        case .xlsx:
            return try xlsx(data, reader: reader)
        case .xls:
            let sheets: [(name: String, rows: [(line: Int, cells: [String])])]
            do {
                sheets = try XLSReader(maxCells: reader.maxCells).sheets(data)
            } catch {
                throw XLSFormErrors(issues: [XLSFormIssue(sheet: error.part, message: error.message)])
            }
            return try workbook(sheets)
        case .csv:
            guard data.count <= reader.maxArchiveBytes else {
                throw XLSFormErrors(issues: [XLSFormIssue(sheet: "file", message: "the file is larger than \(reader.maxArchiveBytes >> 20) MiB")])
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw XLSFormErrors(issues: [XLSFormIssue(sheet: "file", message: "is neither an .xlsx or .xls workbook nor UTF-8 CSV text")])
            }
            return try stackedCSV(text, maxCells: reader.maxCells)
        }
    }

    /// The single-file CSV layout pyxform reads: a row whose first cell is non-empty starts the sheet it names;
    /// the next row with content is that sheet's header, in the columns after the first.
    public static func stackedCSV(_ text: String, maxCells: Int = 500_000) throws(XLSFormErrors) -> XLSForm {
        var reader = CSVRecordReader(bytes: Array(text.utf8))
        reader.lenientQuotes = true
        var sheets: [(name: String, rows: [(line: Int, cells: [String])])] = []
        var cells = 0
        while true {
            let next: CSVTable.Record?
            do { next = try reader.next() } catch {
                throw XLSFormErrors(issues: [XLSFormIssue(sheet: "file", row: error.line, message: error.message)])
            }
            guard let record = next else { break }
            do {
                cells += record.fields.count
                guard cells <= maxCells else {
                    throw XLSFormErrors(issues: [XLSFormIssue(sheet: "file", row: record.line, message: "has more than \(maxCells) cells")])
                }
                let first = record.fields.first?.trimmingCharacters(in: .whitespaces) ?? ""
                if !first.isEmpty { sheets.append((first, [])) }
                let content = Array(record.fields.dropFirst())
                guard content.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }), !sheets.isEmpty else {
                    if sheets.isEmpty, !record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                        throw XLSFormErrors(issues: [XLSFormIssue(sheet: "file", row: record.line, column: "A",
                                                                  message: "a CSV XLSForm starts with a row naming its first sheet (survey) in the first column")])
                    }
                    continue
                }
                sheets[sheets.count - 1].rows.append((record.line, content))
            }
        }
        return try workbook(sheets)
    }

    /// A form from a workbook's sheets. Sheet names are matched case-insensitively; a workbook of one sheet is
    /// its survey whatever the sheet is called, as pyxform reads it.
    static func workbook(_ sheets: [(name: String, rows: [(line: Int, cells: [String])])]) throws(XLSFormErrors) -> XLSForm {
        func sheet(_ wanted: String) -> XLSFormSheet? {
            sheets.first { $0.name.trimmingCharacters(in: .whitespaces).lowercased() == wanted }.map { XLSFormSheet(name: $0.name, xlsxRows: $0.rows) }
        }
        var survey = sheet("survey")
        if survey == nil, sheets.count == 1 { survey = XLSFormSheet(name: sheets[0].name, xlsxRows: sheets[0].rows) }
        guard let survey else {
            throw XLSFormErrors(issues: [XLSFormIssue(sheet: "survey", message: "the workbook has no sheet named survey (it has: \(sheets.map(\.name).joined(separator: ", ")))")])
        }
        return try XLSForm(survey: survey, choices: sheet("choices"), settings: sheet("settings"))
    }
}

extension XLSFormSheet {
    /// 0 → "A", 26 → "AA", as a spreadsheet names columns.
    public static func columnLetter(_ index: Int) -> String {
        var n = index + 1
        var letters = ""
        while n > 0 {
            let r = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + r))) + letters
            n = (n - 1) / 26
        }
        return letters
    }
}
