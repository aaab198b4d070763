import Foundation
@testable import PathwaysCore
import Testing
import ZIPFoundation

@Suite struct XLSXTests {
    static func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    /// Builds a zip in memory with the given parts.
    static func zip(_ parts: [String: String]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts.sorted(by: { $0.key < $1.key }) {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try #require(archive.data)
    }

    static let workbookParts: [String: String] = [
        "xl/workbook.xml": #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        "xl/_rels/workbook.xml.rels": #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    ]

    @Test func readsAWorkbookWrittenByAnotherTool() throws {
        let form = try XLSForm.xlsx(try Self.fixture("followup-openpyxl.xlsx"))
        #expect(form.title == "One-year follow-up")
        #expect(form.version == "2023030101", "a number cell reads as its digits")
        #expect(form.languages == ["English (en)"])
        #expect(form.questions.map(\.name) == ["completed", "completed_on", "benefits_group", "benefits", "ways", "benefits_group", "age", "n_ways"])
        let ways = try #require(form.question(named: "ways"))
        #expect(ways.groups == ["benefits_group"])
        #expect(ways.hints["English (en)"] == "Select all that apply")
        #expect(ways.relevant == .call("selected", [.reference("benefits"), .string("job_performance")]))
        #expect(form.question(named: "age")?.row == 9, "rows keep their spreadsheet numbers across the blank row 8")
        #expect(form.choiceLists["benefits"]?.count == 2)
        // Exported as CSV, it reads back as the same form.
        let files = form.csvFiles()
        let again = try XLSForm(survey: try XLSFormSheet.csv(files["survey.csv"]!, name: "survey"),
                                choices: try XLSFormSheet.csv(files["choices.csv"]!, name: "choices"),
                                settings: try XLSFormSheet.csv(files["settings.csv"]!, name: "settings"))
        #expect(again.questions.map(\.name) == form.questions.map(\.name))
        #expect(again.questions.map(\.relevant) == form.questions.map(\.relevant))
    }

    @Test func inlineStringsSparseCellsAndBooleans() throws {
        var parts = Self.workbookParts
        parts["xl/worksheets/sheet1.xml"] = #"""
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
            <row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c><c r="D1" t="inlineStr"><is><t>label</t></is></c></row>
            <row r="3"><c r="A3" t="inlineStr"><is><t>integer</t></is></c><c r="B3" t="inlineStr"><is><t>age</t></is></c><c r="D3" t="inlineStr"><is><t>Age?</t></is></c><c r="E3" t="b"><v>1</v></c></row>
            </sheetData></worksheet>
            """#
        let sheets = try XLSXReader().sheets(try Self.zip(parts))
        #expect(sheets.count == 1 && sheets[0].name == "survey")
        #expect(sheets[0].rows.map(\.line) == [1, 3])
        #expect(sheets[0].rows[1].cells == ["integer", "age", "", "Age?", "TRUE"])
        let form = try XLSForm.xlsx(try Self.zip(parts))
        #expect(form.question(named: "age")?.row == 3)
    }

    @Test func brokenFilesGetClearErrors() throws {
        func failure(_ data: Data, reader: XLSXReader = XLSXReader()) -> XLSXReader.Failure? {
            do { _ = try reader.sheets(data); return nil } catch { return error }
        }
        #expect(failure(Data("not a zip".utf8))?.message == "not an .xlsx workbook (the file is too short to be a zip archive)")
        #expect(failure(try Self.zip(["hello.txt": "hi"])) == XLSXReader.Failure(part: "xl/workbook.xml", message: "is missing; the file is not an .xlsx workbook"))
        var broken = Self.workbookParts
        broken["xl/worksheets/sheet1.xml"] = "<worksheet><sheetData><row><c><v>1</v></row></sheetData>"
        let xmlFailure = try #require(failure(try Self.zip(broken)))
        #expect(xmlFailure.part == "xl/worksheets/sheet1.xml")
        #expect(xmlFailure.message.hasPrefix("is not well-formed XML"))
        var unclosed = Self.workbookParts
        unclosed["xl/worksheets/sheet1.xml"] = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
        #expect(failure(try Self.zip(unclosed))?.message == "is not well-formed XML (line 1): the document ends with elements still open")
        let missing = Self.workbookParts
        #expect(failure(try Self.zip(missing))?.message == "sheet 'survey' is listed in the workbook but missing from the file")
        let noSurvey = try Self.zip(["xl/workbook.xml": "<workbook/>", "xl/_rels/workbook.xml.rels": "<Relationships/>"])
        do {
            _ = try XLSForm.xlsx(noSurvey)
            Issue.record("a workbook without a survey sheet is refused")
        } catch {
            #expect(error.issues.first?.message.hasPrefix("the workbook has no sheet named survey") == true)
        }
    }

    @Test func limitsStopBombsAndHugeSheets() throws {
        // 10 MB of one repeated character compresses to a few KB: a small zip that expands past the limit.
        var parts = Self.workbookParts
        parts["xl/worksheets/sheet1.xml"] = String(repeating: " ", count: 10_000_000)
        var small = XLSXReader()
        small.maxPartBytes = 1 << 20
        let data = try Self.zip(parts)
        #expect(data.count < 100_000)
        do {
            _ = try small.sheets(data)
            Issue.record("the bomb should be refused")
        } catch {
            #expect(error == XLSXReader.Failure(part: "xl/worksheets/sheet1.xml", message: "expands to more than 1 MiB"))
        }
        var rows = ""
        for i in 1...200 { rows += "<row r=\"\(i)\"><c r=\"A\(i)\"><v>\(i)</v></c><c r=\"B\(i)\"><v>\(i)</v></c></row>" }
        parts["xl/worksheets/sheet1.xml"] = "<worksheet><sheetData>\(rows)</sheetData></worksheet>"
        var few = XLSXReader()
        few.maxCells = 100
        let many = try Self.zip(parts)
        do {
            _ = try few.sheets(many)
            Issue.record("too many cells should be refused")
        } catch {
            #expect(error.message == "has more than 100 cells (split the form, or delete formatted empty cells)")
        }
        // Thirty cells, each alone at the far right of its row: the empty cells before them count too.
        var far = ""
        for i in 1...30 { far += "<row r=\"\(i)\"><c r=\"XFD\(i)\" t=\"inlineStr\"><is><t>x</t></is></c></row>" }
        parts["xl/worksheets/sheet1.xml"] = "<worksheet><sheetData>\(far)</sheetData></worksheet>"
        var budget = XLSXReader()
        budget.maxCells = 100_000
        do {
            _ = try budget.sheets(try Self.zip(parts))
            Issue.record("thirty far-right cells hold 491,520 padded ones and should be refused")
        } catch {
            #expect((error as? XLSXReader.Failure)?.message.hasPrefix("has more than 100000 cells, counting the empty ones before far-right cells") == true)
        }
    }

    @Test func columnLetters() {
        #expect(XLSXReader.columnIndex("A1") == 0)
        #expect(XLSXReader.columnIndex("Z9") == 25)
        #expect(XLSXReader.columnIndex("AA10") == 26)
        #expect(XLSXReader.columnIndex("XFD1") == 16_383)
        #expect(XLSXReader.columnIndex("12") == nil)
    }
}

@Suite struct XLSXWriterTests {
    @Test(arguments: DemoInstruments.Wave.allCases)
    func exportedWorkbooksReadBackAsTheSameForm(_ wave: DemoInstruments.Wave) throws {
        let form = try DemoInstruments.form(wave)
        let again = try XLSForm.xlsx(try form.xlsx())
        #expect(again.questions == form.questions)
        #expect(again.choiceLists.mapValues { $0.map(\.name) } == form.choiceLists.mapValues { $0.map(\.name) })
        #expect(again.title == form.title && again.version == form.version)
        #expect(again.survey.header == form.survey.header)
    }

    @Test func textIsEscapedAndColumnsAreNamed() throws {
        #expect(XLSXWriter.columnName(0) == "A" && XLSXWriter.columnName(25) == "Z" && XLSXWriter.columnName(26) == "AA" && XLSXWriter.columnName(16_383) == "XFD")
        #expect(XLSXWriter.escape("a < b & \"c\"\u{01}") == "a &lt; b &amp; &quot;c&quot;")
        let data = try XLSXWriter.workbook([("survey", [["type", "name", "label"], ["note", "n", "Tom & Jerry's <story>\n  indented"]])])
        let sheets = try XLSXReader().sheets(data)
        #expect(sheets[0].rows[1].cells[2] == "Tom & Jerry's <story>\n  indented")
    }
}
