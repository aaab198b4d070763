import Foundation

/// Reads the sheets of a legacy .xls workbook (Excel 97–2003, BIFF8 in an OLE2 compound file) from bytes:
/// the compound file's sector tables → the `Workbook` stream → its records (sheet list, shared strings,
/// and the cell records LABELSST, LABEL, NUMBER, RK, MULRK, FORMULA/STRING and BOOLERR). Only cell values
/// are read, as `XLSXReader` does. Older BIFF versions and encrypted workbooks are refused with the way out
/// (save the file as .xlsx), never as "damaged".
///
/// Untrusted uploads are bounded: every sector chain is checked against the file's size and for loops, and
/// the number of cells has a limit.
public struct XLSReader: Sendable {
    public var maxCells = 500_000

    public init(maxCells: Int = 500_000) { self.maxCells = maxCells }

    public typealias Failure = XLSXReader.Failure

    static func failure(_ message: String, part: String = "workbook") -> Failure { Failure(part: part, message: message) }
    static let saveAsXLSX = "open it in a spreadsheet program and save it as .xlsx"

    public func sheets(_ data: Data) throws(Failure) -> [(name: String, rows: [(line: Int, cells: [String])])] {
        let bytes = [UInt8](data)
        let file = try CompoundFile(bytes)
        guard let stream = try file.stream(named: "Workbook") else {
            if try file.stream(named: "Book") != nil {
                throw Self.failure("is an Excel 5/95 workbook, older than this reader supports; \(Self.saveAsXLSX)")
            }
            throw Self.failure("is an OLE2 file without a Workbook stream, so not an .xls workbook; \(Self.saveAsXLSX)")
        }
        return try BIFF(stream, maxCells: maxCells).sheets()
    }
}

// MARK: - OLE2 compound file

private struct CompoundFile {
    let bytes: [UInt8]
    let sectorSize: Int
    let fat: [UInt32]
    let miniFAT: [UInt32]
    let miniStream: [UInt8]
    let miniCutoff: Int
    let entries: [(name: String, type: UInt8, start: UInt32, size: Int)]

    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let free: UInt32 = 0xFFFF_FFFF

    init(_ bytes: [UInt8]) throws(XLSReader.Failure) {
        self.bytes = bytes
        guard bytes.count >= 512 else { throw XLSReader.failure("is too short to be an .xls workbook") }
        let shift = Int(Self.u16(bytes, 0x1E))
        guard shift == 9 || shift == 12 else { throw XLSReader.failure("has an OLE2 header this reader does not know (sector shift \(shift))") }
        sectorSize = 1 << shift
        miniCutoff = Int(Self.u32(bytes, 0x38))
        let fatCount = Int(Self.u32(bytes, 0x2C))
        var difat: [UInt32] = (0..<109).map { Self.u32(bytes, 0x4C + 4 * $0) }
        var next = Self.u32(bytes, 0x44)
        var guardCount = 0
        while next != Self.endOfChain && next != Self.free {
            guardCount += 1
            let offset = (Int(next) + 1) * sectorSize
            guard guardCount < 10_000, offset + sectorSize <= bytes.count else { throw XLSReader.failure("has a broken sector table (DIFAT)") }
            let perSector = sectorSize / 4 - 1
            difat += (0..<perSector).map { Self.u32(bytes, offset + 4 * $0) }
            next = Self.u32(bytes, offset + 4 * perSector)
        }
        var fat: [UInt32] = []
        // No more table sectors than the file has sectors.
        for sector in difat.prefix(min(fatCount, bytes.count / sectorSize)) where sector != Self.free {
            let offset = (Int(sector) + 1) * sectorSize
            guard offset + sectorSize <= bytes.count else { throw XLSReader.failure("has a sector table (FAT) pointing past the end of the file") }
            fat += (0..<(sectorSize / 4)).map { Self.u32(bytes, offset + 4 * $0) }
        }
        self.fat = fat
        let directory = try Self.chain(bytes, fat: fat, start: Self.u32(bytes, 0x30), sectorSize: sectorSize)
        var entries: [(String, UInt8, UInt32, Int)] = []
        for offset in stride(from: 0, to: directory.count - 127, by: 128) {
            let length = Int(Self.u16(directory, offset + 0x40))
            guard length >= 2, length <= 64 else { continue }
            let units = (0..<(length / 2 - 1)).map { Self.u16(directory, offset + 2 * $0) }
            let name = String(decoding: units, as: UTF16.self)
            let size = shift == 9 ? Int(Self.u32(directory, offset + 0x78)) : Int(min(Self.u64(directory, offset + 0x78), UInt64(Int32.max)))
            entries.append((name, directory[offset + 0x42], Self.u32(directory, offset + 0x74), size))
        }
        self.entries = entries
        miniFAT = try Self.chain(bytes, fat: fat, start: Self.u32(bytes, 0x3C), sectorSize: sectorSize).chunkedU32()
        if let root = entries.first(where: { $0.1 == 5 }) {
            miniStream = Array(try Self.chain(bytes, fat: fat, start: root.2, sectorSize: sectorSize).prefix(root.3))
        } else {
            miniStream = []
        }
    }

    func stream(named wanted: String) throws(XLSReader.Failure) -> [UInt8]? {
        guard let entry = entries.first(where: { $0.type == 2 && $0.name.caseInsensitiveCompare(wanted) == .orderedSame }) else { return nil }
        if entry.size < miniCutoff {
            let data = try Self.chain(miniStream, fat: miniFAT, start: entry.start, sectorSize: 64, headerSectors: 0)
            guard data.count >= entry.size else { throw XLSReader.failure("has a \(wanted) stream shorter than its directory says") }
            return Array(data.prefix(entry.size))
        }
        let data = try Self.chain(bytes, fat: fat, start: entry.start, sectorSize: sectorSize)
        guard data.count >= entry.size else { throw XLSReader.failure("has a \(wanted) stream shorter than its directory says") }
        return Array(data.prefix(entry.size))
    }

    /// The bytes of a sector chain. `headerSectors` is 1 for the file itself (its header occupies sector -1).
    static func chain(_ bytes: [UInt8], fat: [UInt32], start: UInt32, sectorSize: Int, headerSectors: Int = 1) throws(XLSReader.Failure) -> [UInt8] {
        var out: [UInt8] = []
        var sector = start
        var seen = [Bool](repeating: false, count: fat.count)
        while sector != endOfChain && sector != free {
            let offset = (Int(sector) + headerSectors) * sectorSize
            guard Int(sector) < fat.count, !seen[Int(sector)], offset + sectorSize <= bytes.count || (offset < bytes.count && headerSectors == 0) else {
                throw XLSReader.failure("has a broken sector chain; the file may be truncated")
            }
            seen[Int(sector)] = true
            out += bytes[offset..<min(offset + sectorSize, bytes.count)]
            sector = fat[Int(sector)]
        }
        return out
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { i + 1 < b.count ? UInt16(b[i]) | UInt16(b[i + 1]) << 8 : 0 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}

private extension Array where Element == UInt8 {
    func chunkedU32() -> [UInt32] { stride(from: 0, to: count - 3, by: 4).map { CompoundFile.u32(self, $0) } }
}

// MARK: - BIFF8 records

private struct BIFF {
    let stream: [UInt8]
    let maxCells: Int

    init(_ stream: [UInt8], maxCells: Int) {
        self.stream = stream
        self.maxCells = maxCells
    }

    struct Record {
        var type: UInt16
        var offset: Int
        var data: ArraySlice<UInt8>
    }

    func records() -> [Record] {
        var out: [Record] = []
        var i = 0
        while i + 4 <= stream.count {
            let type = CompoundFile.u16(stream, i)
            let length = Int(CompoundFile.u16(stream, i + 2))
            let end = min(i + 4 + length, stream.count)
            out.append(Record(type: type, offset: i, data: stream[(i + 4)..<end]))
            i = end
        }
        return out
    }

    func sheets() throws(XLSReader.Failure) -> [(name: String, rows: [(line: Int, cells: [String])])] {
        let all = records()
        guard let bof = all.first, bof.type == 0x0809, bof.data.count >= 4 else {
            throw XLSReader.failure("does not start with a BIFF8 workbook record; \(XLSReader.saveAsXLSX)")
        }
        guard CompoundFile.u16(Array(bof.data), 0) == 0x0600 else {
            throw XLSReader.failure("is an Excel workbook older than Excel 97 (BIFF5 or earlier); \(XLSReader.saveAsXLSX)")
        }
        var sheetNames: [Int: String] = [:]
        var order: [String] = []
        var shared: [String] = []
        // Number formats (FORMAT), each cell format's number format (XF, in order) and the date system (DATEMODE):
        // what tells a date cell from a number.
        var formats: [Int: String] = [:]
        var xfFormats: [Int] = []
        var from1904 = false
        var index = 1
        // Workbook globals, up to their EOF.
        while index < all.count, all[index].type != 0x000A {
            let record = all[index]
            let d = Array(record.data)
            switch record.type {
            case 0x002F: throw XLSReader.failure("is protected with a password; remove the password and \(XLSReader.saveAsXLSX)")
            case 0x0085 where d.count >= 8:
                var cursor = StringCursor(segments: [Array(d[6...])])
                let name = cursor.shortString()
                if d[5] == 0 { sheetNames[Int(CompoundFile.u32(d, 0))] = name; order.append(name) }
            case 0x041E where d.count >= 5:
                var cursor = StringCursor(segments: [Array(d[2...])])
                formats[Int(CompoundFile.u16(d, 0))] = cursor.string()
            case 0x00E0 where d.count >= 4:
                xfFormats.append(Int(CompoundFile.u16(d, 2)))
            case 0x0022 where d.count >= 2:
                from1904 = CompoundFile.u16(d, 0) == 1
            case 0x00FC:
                var segments = [Array(d.dropFirst(8))]
                var next = index + 1
                while next < all.count, all[next].type == 0x003C {
                    segments.append(Array(all[next].data))
                    next += 1
                }
                var cursor = StringCursor(segments: segments)
                let unique = Int(CompoundFile.u32(d, 4))
                for _ in 0..<min(unique, 1 << 22) {
                    guard let s = cursor.richString() else { break }
                    shared.append(s)
                }
                index = next - 1
            default: break
            }
            index += 1
        }
        let dates = DateCells(styles: DateCells.dateStyles(cellFormats: xfFormats, formats: formats), from1904: from1904, wholeSeconds: true)
        // A number as the cell shows it: a date cell as pyxform reads it ("2008-12-10 00:00:00"), any other unformatted.
        func number(_ value: Double, xf: Int) -> String {
            if dates.styles.contains(xf), let text = dates.text(serial: value) { return text }
            return NumberRange.text(value)
        }
        var result: [String: [Int: [Int: String]]] = [:]
        var cells = 0
        var current: String?
        var depth = 0
        var pendingString: (row: Int, column: Int)?
        func put(_ row: Int, _ column: Int, _ value: String) throws(XLSReader.Failure) {
            // BIFF8 has 256 columns and 65,536 rows; anything else is damage.
            guard let current, !value.isEmpty, column < 256, row < 65_536 else { return }
            cells += 1
            guard cells <= maxCells else {
                throw XLSReader.failure("has more than \(maxCells) cells (split the form, or delete formatted empty cells)", part: current)
            }
            result[current, default: [:]][row, default: [:]][column] = value
        }
        for record in all[min(index + 1, all.count)...] {
            let d = Array(record.data)
            switch record.type {
            case 0x0809:
                depth += 1
                if depth == 1 { current = sheetNames[record.offset] }
            case 0x000A:
                depth -= 1
                if depth == 0 { current = nil }
            case _ where depth != 1 || current == nil: continue
            case 0x00FD where d.count >= 10:
                let i = Int(CompoundFile.u32(d, 6))
                try put(Int(CompoundFile.u16(d, 0)), Int(CompoundFile.u16(d, 2)), i < shared.count ? shared[i] : "")
            case 0x0204 where d.count >= 8:
                var cursor = StringCursor(segments: [Array(d[6...])])
                try put(Int(CompoundFile.u16(d, 0)), Int(CompoundFile.u16(d, 2)), cursor.string())
            case 0x0203 where d.count >= 14:
                try put(Int(CompoundFile.u16(d, 0)), Int(CompoundFile.u16(d, 2)), number(Double(bitPattern: CompoundFile.u64(d, 6)), xf: Int(CompoundFile.u16(d, 4))))
            case 0x027E where d.count >= 10:
                try put(Int(CompoundFile.u16(d, 0)), Int(CompoundFile.u16(d, 2)), number(Self.rk(CompoundFile.u32(d, 6)), xf: Int(CompoundFile.u16(d, 4))))
            case 0x00BD where d.count >= 6:
                let row = Int(CompoundFile.u16(d, 0))
                var column = Int(CompoundFile.u16(d, 2))
                var i = 4
                while i + 6 <= d.count - 2 {
                    try put(row, column, number(Self.rk(CompoundFile.u32(d, i + 2)), xf: Int(CompoundFile.u16(d, i))))
                    column += 1
                    i += 6
                }
            case 0x0205 where d.count >= 8:
                if d[7] == 0 { try put(Int(CompoundFile.u16(d, 0)), Int(CompoundFile.u16(d, 2)), d[6] == 0 ? "FALSE" : "TRUE") }
            case 0x0006 where d.count >= 14:
                let row = Int(CompoundFile.u16(d, 0)), column = Int(CompoundFile.u16(d, 2))
                if d[12] == 0xFF && d[13] == 0xFF {
                    switch d[6] {
                    case 0: pendingString = (row, column)
                    case 1: try put(row, column, d[8] == 0 ? "FALSE" : "TRUE")
                    default: break
                    }
                } else {
                    try put(row, column, number(Double(bitPattern: CompoundFile.u64(d, 6)), xf: Int(CompoundFile.u16(d, 4))))
                }
            case 0x0207:
                if let (row, column) = pendingString {
                    var cursor = StringCursor(segments: [d])
                    try put(row, column, cursor.string())
                    pendingString = nil
                }
            default: break
            }
        }
        // Rows are padded to their last cell; the padding counts against the same budget.
        let padded = result.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + ($1.keys.max() ?? 0) + 1 } }
        guard padded <= maxCells else {
            throw XLSReader.failure("has more than \(maxCells) cells, counting the empty ones before far-right cells")
        }
        return order.map { name in
            let rows = result[name] ?? [:]
            return (name, rows.keys.sorted().map { r in
                let row = rows[r]!
                let width = (row.keys.max() ?? -1) + 1
                return (r + 1, (0..<width).map { row[$0] ?? "" })
            })
        }
    }

    /// An RK number: a 30-bit integer or the high 30 bits of a double, optionally divided by 100.
    static func rk(_ value: UInt32) -> Double {
        let number: Double = value & 0x02 != 0 ? Double(Int32(bitPattern: value) >> 2) : Double(bitPattern: UInt64(value & 0xFFFF_FFFC) << 32)
        return value & 0x01 != 0 ? number / 100 : number
    }
}

/// Reads BIFF8 strings that may run across CONTINUE records: each continuation of a string's characters
/// starts with a fresh option byte saying whether the characters are one or two bytes wide.
private struct StringCursor {
    var segments: [[UInt8]]
    var segment = 0
    var offset = 0

    var atEnd: Bool { segment >= segments.count || (segment == segments.count - 1 && offset >= segments[segment].count) }

    mutating func byte() -> UInt8? {
        while segment < segments.count, offset >= segments[segment].count {
            segment += 1
            offset = 0
        }
        guard segment < segments.count else { return nil }
        defer { offset += 1 }
        return segments[segment][offset]
    }

    mutating func u16() -> UInt16? {
        guard let a = byte(), let b = byte() else { return nil }
        return UInt16(a) | UInt16(b) << 8
    }

    mutating func u32() -> UInt32? {
        guard let a = u16(), let b = u16() else { return nil }
        return UInt32(a) | UInt32(b) << 16
    }

    mutating func skip(_ n: Int) {
        var left = n
        while left > 0, segment < segments.count {
            let available = segments[segment].count - offset
            if left < available { offset += left; return }
            left -= available
            segment += 1
            offset = 0
        }
    }

    mutating func characters(_ count: Int, wide startWide: Bool) -> String {
        var wide = startWide
        var units: [UInt16] = []
        units.reserveCapacity(count)
        while units.count < count {
            if segment < segments.count, offset >= segments[segment].count, segment + 1 < segments.count {
                segment += 1
                offset = 0
                guard let flags = byte() else { break }
                wide = flags & 0x01 != 0
            }
            if wide {
                guard let u = u16() else { break }
                units.append(u)
            } else {
                guard let b = byte() else { break }
                units.append(UInt16(b))
            }
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// ShortXLUnicodeString: an 8-bit count, options, characters.
    mutating func shortString() -> String {
        guard let count = byte(), let flags = byte() else { return "" }
        return characters(Int(count), wide: flags & 0x01 != 0)
    }

    /// XLUnicodeString: a 16-bit count, options, characters.
    mutating func string() -> String {
        guard let count = u16(), let flags = byte() else { return "" }
        return characters(Int(count), wide: flags & 0x01 != 0)
    }

    /// XLUnicodeRichExtendedString, as the shared-string table holds them.
    mutating func richString() -> String? {
        guard !atEnd, let count = u16(), let flags = byte() else { return nil }
        let runs = flags & 0x08 != 0 ? Int(u16() ?? 0) : 0
        let extended = flags & 0x04 != 0 ? Int(u32() ?? 0) : 0
        let text = characters(Int(count), wide: flags & 0x01 != 0)
        skip(4 * runs + extended)
        return text
    }
}
