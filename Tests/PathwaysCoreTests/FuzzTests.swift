import Foundation
import Testing
@testable import PathwaysCore
import PathwaysTestSupport

/// Mutation fuzzing of every parser that reads what users upload or type: XLSForm expressions, CSV imports, wide
/// respondent files, XLSForm sheets and .xlsx workbooks. Valid seeds are mutated (bytes flipped, inserted, deleted,
/// duplicated, truncated, spliced with others); every input must be either accepted or refused with an error —
/// a trap or a hang fails the run. PATHWAYS_FUZZ_ITERATIONS sets the inputs per parser (default 2,000; longer runs
/// are reported in SECURITY.md) and PATHWAYS_FUZZ_SEED starts a different sequence of inputs (default 0).
@Suite struct FuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["PATHWAYS_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 2_000
    static let seed = ProcessInfo.processInfo.environment["PATHWAYS_FUZZ_SEED"].flatMap(UInt64.init) ?? 0

    static func mutate(_ seed: [UInt8], with others: [[UInt8]], rng: inout SeededRandom) -> [UInt8] {
        var bytes = seed
        let interesting: [[UInt8]] = [[0], [0xFF], [0xC3], [0xE2, 0x80], Array("\"".utf8), Array(",".utf8), Array("\r\n".utf8),
                                      Array("${".utf8), Array("(".utf8), Array(")".utf8), Array("'".utf8), Array("<".utf8), Array("]]>".utf8)]
        for _ in 0..<(1 + Int(rng.next() % 8)) {
            let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 7 {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
            case 1: bytes.insert(contentsOf: interesting[Int(rng.next() % UInt64(interesting.count))], at: position)
            case 2 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + 1 + Int(rng.next() % 16)))
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + Int(rng.next() % 64))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 4: bytes = Array(bytes.prefix(position))
            case 5 where !others.isEmpty:
                let other = others[Int(rng.next() % UInt64(others.count))]
                let cut = other.isEmpty ? 0 : Int(rng.next() % UInt64(other.count))
                bytes = Array(bytes.prefix(position)) + other[cut...]
            default: bytes.append(UInt8(truncatingIfNeeded: rng.next()))
            }
        }
        return bytes
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func expressionsParseOrAreRefused() throws {
        let form = try DemoInstruments.form(.followup)
        let seeds = form.survey.rows.flatMap { row in ["relevant", "constraint", "calculation"].compactMap { row[$0] } }.map { Array($0.utf8) }
        #expect(seeds.count > 10)
        var rng = SeededRandom(seed: 1 &+ Self.seed &* 1_000)
        var accepted = 0
        for i in 0..<Self.iterations {
            let input = Self.text(Self.mutate(seeds[i % seeds.count], with: seeds, rng: &rng))
            if let e = try? Expression.parse(input) {
                accepted += 1
                // What parses also evaluates without trapping.
                _ = try? e.evaluate(ExpressionContext(answers: ["completed_program": "yes", "benefits": "raise"], today: Date()))
            }
        }
        #expect(accepted > 0 && accepted < Self.iterations)
    }

    @Test func csvImportsParseOrAreRefused() throws {
        let seeds = [Fixtures.learners, Fixtures.enrollments, "a,b\n\"x\"\"y\",2\n", "id,name\r\n1,\"multi\nline\"\r\n"].map { Array($0.utf8) }
        var rng = SeededRandom(seed: 2 &+ Self.seed &* 1_000)
        for i in 0..<Self.iterations {
            let bytes = Self.mutate(seeds[i % seeds.count], with: seeds, rng: &rng)
            _ = try? CSVTable.parse(Self.text(bytes))
            _ = try? ResponseColumns.readCSV(bytes, file: "fuzz.csv")
        }
    }

    @Test func xlsformSheetsAndWorkbooksParseOrAreRefused() throws {
        let sheets = ["survey", "choices", "settings"].map { try? DemoInstruments.text(.followup, $0) }.compactMap { $0 }.map { Array($0.utf8) }
        let workbook = [UInt8](try DemoInstruments.form(.start).xlsx())
        var rng = SeededRandom(seed: 3 &+ Self.seed &* 1_000)
        for i in 0..<Self.iterations {
            let sheet = Self.mutate(sheets[i % sheets.count], with: sheets, rng: &rng)
            if let survey = try? XLSFormSheet.csv(Self.text(sheet), name: "survey") {
                _ = try? XLSForm(survey: survey, choices: nil, settings: nil)
            }
        }
        // Workbooks: damage mostly past the zip's local headers, where the XML is, and sometimes anywhere.
        for _ in 0..<max(200, Self.iterations / 10) {
            var bytes = workbook
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let position = Int(rng.next() % UInt64(bytes.count))
                bytes[position] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            _ = try? XLSForm.xlsx(Data(bytes))
        }
        // The single-file CSV layout: the same sheets stacked, each under a row naming it.
        let stacked = ["survey", "choices", "settings"].compactMap { name in
            (try? DemoInstruments.text(.followup, name)).map { name + "\n" + $0.split(separator: "\n").map { "," + $0 }.joined(separator: "\n") }
        }.joined(separator: "\n")
        for _ in 0..<max(200, Self.iterations / 10) {
            _ = try? XLSForm.read(Data(Self.mutate(Array(stacked.utf8), with: sheets, rng: &rng)))
        }
    }

    /// Legacy .xls workbooks (OLE2 sector tables, BIFF8 records, strings across CONTINUE records), damaged anywhere:
    /// each is read or refused, never a trap, a hang or an allocation the cell budget does not bound.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus"), .timeLimit(.minutes(5))) func xlsWorkbooksParseOrAreRefused() throws {
        let seeds = try ["kobotoolbox__kobocat__tutorial_arabic_labels.xls", "SEL-Columbia__formhub__household.xls", "hotosm__osm-fieldwork__health.xls"]
            .map { [UInt8](try Corpus.data("xlsform/" + $0)) }
        var rng = SeededRandom(seed: 11 &+ Self.seed &* 1_000)
        for i in 0..<max(300, Self.iterations / 4) {
            var bytes = seeds[i % seeds.count]
            for _ in 0..<(1 + Int(rng.next() % 6)) {
                let position = Int(rng.next() % UInt64(bytes.count))
                bytes[position] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 5 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            _ = try? XLSForm.read(Data(bytes))
        }
    }
    /// Found by the fuzzer: a zip whose directory points past the file's end trapped inside the in-memory zip
    /// reader; it is now an error naming the workbook.
    @Test func aZipPointingPastItsEndIsRefused() throws {
        var bytes = [UInt8](try DemoInstruments.form(.start).xlsx())
        // The end-of-central-directory record: signature 50 4b 05 06; the directory's offset is at +16.
        let signature: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
        var found: Int?
        for i in stride(from: bytes.count - 22, through: 0, by: -1) where Array(bytes[i..<(i + 4)]) == signature {
            found = i
            break
        }
        let eocd = try #require(found)
        for k in 0..<4 { bytes[eocd + 16 + k] = 0xF0 }
        #expect(throws: XLSFormErrors.self) { try XLSForm.xlsx(Data(bytes)) }
        var shifted = [UInt8](try DemoInstruments.form(.start).xlsx())
        for k in 0..<4 { shifted[eocd + 16 + k] = [0x00, 0x00, 0x01, 0x00][k] }
        #expect(throws: XLSFormErrors.self) { try XLSForm.xlsx(Data(shifted)) }
    }

    /// Found by the fuzzer: a deflated part whose stream does not end inside its compressed bytes (one flipped byte
    /// in a sheet) left the general-purpose zip reader waiting for more input forever. Parts are now inflated from
    /// their own bytes only, and such a part is an error naming it.
    @Test(.timeLimit(.minutes(1))) func aDeflateStreamThatNeverEndsIsRefused() throws {
        // A non-final stored deflate block holding "hello", then nothing: the stream never reaches its end.
        let unfinished: [UInt8] = [0x00, 0x05, 0x00, 0xFA, 0xFF] + Array("hello".utf8)
        let zip = Self.rawZip([("xl/workbook.xml", 8, unfinished, 5)])
        #expect {
            _ = try ZipReader(Data(zip)).read("xl/workbook.xml", limit: 1 << 20)
        } throws: { error in
            (error as? ZipReader.Failure)?.message == "is damaged (its compressed data ends before the part does)"
        }
        #expect(throws: XLSFormErrors.self) { try XLSForm.xlsx(Data(zip)) }
        // The same part, finished (final bit set), reads back; the CRC-32 is checked.
        var finished = unfinished
        finished[0] = 0x01
        let data = try ZipReader(Data(Self.rawZip([("a.txt", 8, finished, 5)]))).read("a.txt", limit: 1 << 20)
        #expect(data.map { String(decoding: $0, as: UTF8.self) } == "hello")
    }

    /// A zip written byte by byte: each part's stored bytes as given (method 0 stored, 8 deflated), with the CRC-32
    /// of "hello" (the only content these tests declare).
    static func rawZip(_ parts: [(path: String, method: UInt16, stored: [UInt8], size: UInt32)]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        let crc = 0x3610A686  // CRC-32 of "hello"
        var out: [UInt8] = [], directory: [UInt8] = []
        for part in parts {
            let name = Array(part.path.utf8), offset = out.count
            let common = le16(20) + le16(0) + le16(Int(part.method)) + le16(0) + le16(0) + le32(crc)
                + le32(part.stored.count) + le32(Int(part.size)) + le16(name.count) + le16(0)
            out += le32(0x0403_4B50) + common + name + part.stored
            directory += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name
        }
        let start = out.count
        out += directory
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(parts.count) + le16(parts.count) + le32(directory.count) + le32(start) + le16(0)
        return out
    }
}
