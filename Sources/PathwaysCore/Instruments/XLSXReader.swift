import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the sheets of an .xlsx workbook (Office Open XML) from bytes: workbook → relationships →
/// shared strings → worksheets. Only cell text is read; styles, formulas and dates-as-numbers are left as
/// the workbook stores their values, which is what XLSForm cells hold.
///
/// Untrusted uploads are bounded: the archive, each part and the number of cells have limits, so a zip
/// bomb or a sheet of a million empty rows is refused with a clear error instead of exhausting memory.
public struct XLSXReader: Sendable {
    public var maxArchiveBytes = 20 << 20
    public var maxPartBytes = 50 << 20
    public var maxCells = 500_000

    public init() {}

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var part: String
        public var message: String
        public var description: String { "\(part): \(message)" }
    }

    /// Sheet name → rows of cells; each row carries its 1-based spreadsheet row number, and cells are
    /// placed by their column letter (gaps are empty strings).
    public func sheets(_ data: Data) throws(Failure) -> [(name: String, rows: [(line: Int, cells: [String])])] {
        guard data.count <= maxArchiveBytes else {
            throw Failure(part: "workbook", message: "the file is larger than \(maxArchiveBytes >> 20) MiB")
        }
        let archive: ZipReader
        do {
            archive = try ZipReader(data)
        } catch {
            throw Failure(part: "workbook", message: "not an .xlsx workbook (\(error))")
        }
        let workbook = try part(archive, "xl/workbook.xml", required: true)!
        let relations = try part(archive, "xl/_rels/workbook.xml.rels", required: true)!
        let sheetList = try elements(workbook, "xl/workbook.xml", named: "sheet")
        let targets = Dictionary(try elements(relations, "xl/_rels/workbook.xml.rels", named: "Relationship").compactMap { a -> (String, String)? in
            guard let id = a["Id"], let target = a["Target"] else { return nil }
            return (id, target)
        }, uniquingKeysWith: { first, _ in first })
        let shared = try sharedStrings(try part(archive, "xl/sharedStrings.xml", required: false))
        let dates = try dateStyles(try part(archive, "xl/styles.xml", required: false))
        let from1904 = try elements(workbook, "xl/workbook.xml", named: "workbookPr").first?["date1904"].map { $0 == "1" || $0 == "true" } ?? false

        var result: [(String, [(Int, [String])])] = []
        var cellBudget = maxCells
        for sheet in sheetList {
            guard let name = sheet["name"], let rid = sheet["r:id"] ?? sheet.first(where: { $0.key.hasSuffix(":id") })?.value,
                  let target = targets[rid] else { continue }
            let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            guard let xml = try part(archive, path, required: false) else {
                throw Failure(part: path, message: "sheet '\(name)' is listed in the workbook but missing from the file")
            }
            result.append((name, try cells(xml, part: path, shared: shared, dates: DateCells(styles: dates, from1904: from1904), budget: &cellBudget)))
        }
        return result
    }

    private func part(_ archive: ZipReader, _ path: String, required: Bool) throws(Failure) -> Data? {
        do {
            guard let data = try archive.read(path, limit: maxPartBytes) else {
                if required { throw Failure(part: path, message: "is missing; the file is not an .xlsx workbook") }
                return nil
            }
            return data
        } catch let failure as Failure {
            throw failure
        } catch let failure as ZipReader.Failure {
            throw Failure(part: failure.part ?? path, message: failure.message)
        } catch {
            throw Failure(part: path, message: "cannot be unpacked (\(error))")
        }
    }

    private func elements(_ xml: Data, _ part: String, named: String) throws(Failure) -> [[String: String]] {
        let collector = ElementCollector(named: named)
        try parse(xml, part: part, delegate: collector)
        return collector.found
    }

    private func sharedStrings(_ xml: Data?) throws(Failure) -> [String] {
        guard let xml else { return [] }
        let collector = SharedStringCollector()
        try parse(xml, part: "xl/sharedStrings.xml", delegate: collector)
        return collector.strings
    }

    /// The cell styles (indexes into `cellXfs`) whose number format shows a date or time.
    private func dateStyles(_ xml: Data?) throws(Failure) -> Set<Int> {
        guard let xml else { return [] }
        let collector = StyleCollector()
        try parse(xml, part: "xl/styles.xml", delegate: collector)
        return DateCells.dateStyles(cellFormats: collector.cellFormats, formats: collector.formats)
    }

    private func cells(_ xml: Data, part: String, shared: [String], dates: DateCells, budget: inout Int) throws(Failure) -> [(Int, [String])] {
        let collector = CellCollector(shared: shared, budget: budget)
        collector.dates = dates
        try parse(xml, part: part, delegate: collector)
        if let problem = collector.problem { throw Failure(part: part, message: problem) }
        budget = collector.budget
        return collector.rows.map { ($0.line, $0.cells) }
    }

    private func parse(_ xml: Data, part: String, delegate: CheckedXMLDelegate) throws(Failure) {
        let parser = XMLParser(data: xml)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let finished = parser.parse()
        if let cells = delegate as? CellCollector, let problem = cells.problem { throw Failure(part: part, message: problem) }
        // FoundationXML on Linux can return true from parse() after an error, and does not report a
        // document that ends with elements still open; check both ourselves.
        if !finished || delegate.errorLine != nil || parser.parserError != nil || delegate.depth != 0 || !delegate.sawRoot {
            let line = delegate.errorLine ?? parser.lineNumber
            throw Failure(part: part, message: "is not well-formed XML (line \(line)): " + (delegate.depth > 0 ? "the document ends with elements still open" : "a tag is mismatched or the text is not XML"))
        }
    }

    /// "B12" → column index 1.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var sawLetter = false
        for ch in reference.uppercased() {
            guard let ascii = ch.asciiValue, ch.isLetter else { break }
            index = index * 26 + Int(ascii - 64)
            sawLetter = true
            if index > 16_384 { return nil }
        }
        return sawLetter ? index - 1 : nil
    }
}

/// Tracks what the platform parser may not: element balance and the first error.
class CheckedXMLDelegate: NSObject, XMLParserDelegate {
    var depth = 0
    var sawRoot = false
    var errorLine: Int?

    func started(_ name: String, _ attributes: [String: String], _ parser: XMLParser) {}
    func ended(_ name: String) {}
    func text(_ string: String) {}

    final func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        depth += 1
        sawRoot = true
        started(name, attributes, parser)
    }

    final func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        ended(name)
    }

    final func parser(_ parser: XMLParser, foundCharacters string: String) { text(string) }

    final func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if errorLine == nil { errorLine = parser.lineNumber }
    }
}

private final class ElementCollector: CheckedXMLDelegate {
    let named: String
    var found: [[String: String]] = []
    init(named: String) { self.named = named }
    override func started(_ name: String, _ attributes: [String: String], _ parser: XMLParser) {
        if name == named || name.hasSuffix(":" + named) { found.append(attributes) }
    }
}

private final class SharedStringCollector: CheckedXMLDelegate {
    var strings: [String] = []
    var current = ""
    var inText = false
    var inPhonetic = false
    override func started(_ name: String, _ attributes: [String: String], _ parser: XMLParser) {
        switch name {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }
    override func text(_ string: String) { if inText { current += string } }
    override func ended(_ name: String) {
        switch name {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

/// Excel keeps dates as day counts styled to look like dates; a form's cell means the date it shows. Written as
/// pyxform reads it (Python's `str` of a datetime, to the millisecond): `2008-12-10 00:00:00`, `14:00:22.336000`.
struct DateCells: Sendable {
    var styles: Set<Int> = []
    var from1904 = false
    /// A legacy `.xls` date is read to the second, as xlrd (pyxform's reader of them) rounds it; an `.xlsx` one to the
    /// millisecond, as openpyxl reads it.
    var wholeSeconds = false

    static let builtInDateFormats: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// Of the cell formats (each naming a number format, in order), those that show a date or time: a built-in date
    /// format, or a custom format whose code is a date's. The same in `.xlsx` (cellXfs) and `.xls` (XF records).
    static func dateStyles(cellFormats: [Int], formats: [Int: String]) -> Set<Int> {
        Set(cellFormats.indices.filter { i in builtInDateFormats.contains(cellFormats[i]) || formats[cellFormats[i]].map(isDateFormat) == true })
    }

    /// A format code shows a date or time when it has d, m, y, h or s outside quotes, brackets and escapes.
    static func isDateFormat(_ code: String) -> Bool {
        var inQuote = false, inBracket = false, escaped = false
        for ch in code.lowercased() {
            if escaped { escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "\"": inQuote.toggle()
            case "[" where !inQuote: inBracket = true
            case "]" where !inQuote: inBracket = false
            case "d", "m", "y", "h", "s": if !inQuote && !inBracket { return true }
            default: break
            }
        }
        return false
    }

    func text(serial: Double) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var milliseconds = wholeSeconds ? Int64((serial * 86_400).rounded()) * 1_000 : Int64((serial * 86_400_000).rounded())
        let days = milliseconds / 86_400_000
        milliseconds -= days * 86_400_000
        let clock = String(format: "%02lld:%02lld:%02lld", milliseconds / 3_600_000, milliseconds / 60_000 % 60, milliseconds / 1_000 % 60)
            + (milliseconds % 1_000 == 0 ? "" : String(format: ".%06lld", milliseconds % 1_000 * 1_000))
        if days == 0 && !from1904 { return clock }
        // Day 0 is 1899-12-30 in the 1900 system (Excel's phantom 1900-02-29 included), 1904-01-01 in the 1904 one.
        let epoch: Int64 = from1904 ? 24_107 : 25_569
        let date = Date(timeIntervalSince1970: Double(days - epoch) * 86_400)
        return CalendarDay.format(date) + " " + clock
    }
}

private final class StyleCollector: CheckedXMLDelegate {
    var formats: [Int: String] = [:]
    var cellFormats: [Int] = []
    var inCellFormats = false
    override func started(_ name: String, _ attributes: [String: String], _ parser: XMLParser) {
        switch name {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap(Int.init), let code = attributes["formatCode"] { formats[id] = code }
        case "cellXfs": inCellFormats = true
        case "xf" where inCellFormats: cellFormats.append(attributes["numFmtId"].flatMap(Int.init) ?? 0)
        default: break
        }
    }
    override func ended(_ name: String) { if name == "cellXfs" { inCellFormats = false } }
}

private final class CellCollector: CheckedXMLDelegate {
    var dates = DateCells()
    var style = 0
    let shared: [String]
    var budget: Int
    let limit: Int
    var rows: [(line: Int, cells: [String])] = []
    var problem: String?
    var rowLine = 0
    var cells: [String] = []
    var column = 0
    var type = ""
    var cellText = ""
    var capturing = false
    var nextColumn = 0

    init(shared: [String], budget: Int) {
        self.shared = shared
        self.budget = budget
        self.limit = budget
    }

    override func started(_ name: String, _ attributes: [String: String], _ parser: XMLParser) {
        switch name {
        case "row":
            rowLine = Int(attributes["r"] ?? "") ?? (rows.last.map { $0.line + 1 } ?? 1)
            cells = []
            nextColumn = 0
        case "c":
            column = attributes["r"].flatMap(XLSXReader.columnIndex) ?? nextColumn
            type = attributes["t"] ?? "n"
            style = attributes["s"].flatMap(Int.init) ?? 0
            cellText = ""
            budget -= 1
            if budget < 0 {
                if problem == nil { problem = "has more than \(limit) cells (split the form, or delete formatted empty cells)" }
                parser.abortParsing()
            }
        case "v", "t": capturing = true
        default: break
        }
    }

    override func text(_ string: String) { if capturing { cellText += string } }

    override func ended(_ name: String) {
        switch name {
        case "v", "t": capturing = false
        case "c":
            var value = cellText
            switch type {
            case "s": value = Int(cellText).flatMap { $0 < shared.count ? shared[$0] : nil } ?? ""
            case "b": value = cellText == "1" ? "TRUE" : "FALSE"
            case "n":
                // A number shows as a spreadsheet shows it unformatted (1, not 1.0), or as the date its style shows.
                if let number = Double(cellText) {
                    if dates.styles.contains(style), let date = dates.text(serial: number) {
                        value = date
                    } else if number.rounded() == number, abs(number) < 1e15 {
                        value = String(Int64(number))
                    }
                }
            default: break
            }
            if column >= cells.count {
                // The gap before a far-right cell is held too, so it counts against the same budget.
                budget -= column - cells.count
                if budget < 0 {
                    problem = "has more than \(limit) cells, counting the empty ones before far-right cells (delete formatted empty cells)"
                    return
                }
                cells += Array(repeating: "", count: column - cells.count + 1)
            }
            cells[column] = value
            nextColumn = column + 1
        case "row":
            if cells.contains(where: { !$0.isEmpty }) { rows.append((rowLine, cells)) }
        default: break
        }
    }
}

extension XLSFormSheet {
    /// A sheet from rows of cells, as an .xlsx worksheet or a CSV file gives them (the first row is the
    /// header). Rows with no text at all are dropped, as spreadsheets leave them.
    public init(name: String, xlsxRows: [(line: Int, cells: [String])]) {
        let header = (xlsxRows.first?.cells ?? []).map { XLSFormSheet.normalizedColumn($0.trimmingCharacters(in: .whitespaces)) }
        let rows = xlsxRows.dropFirst().compactMap { row -> Row? in
            var cells: [String: String] = [:]
            for (i, column) in header.enumerated() where !column.isEmpty && i < row.cells.count && !row.cells[i].isEmpty { cells[column] = row.cells[i] }
            return cells.isEmpty ? nil : Row(line: row.line, cells: cells)
        }
        self.init(name: name, header: header, rows: Array(rows))
    }
}

extension XLSForm {
    /// Reads an XLSForm workbook (.xlsx). Sheet names are matched case-insensitively: survey, choices, settings.
    public static func xlsx(_ data: Data, reader: XLSXReader = XLSXReader()) throws(XLSFormErrors) -> XLSForm {
        let sheets: [(name: String, rows: [(line: Int, cells: [String])])]
        do {
            sheets = try reader.sheets(data)
        } catch {
            throw XLSFormErrors(issues: [XLSFormIssue(sheet: error.part, message: error.message)])
        }
        return try workbook(sheets)
    }
}
