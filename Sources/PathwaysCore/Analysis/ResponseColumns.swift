import Foundation

/// A wave's answers column by column, each column dictionary-encoded: a respondent's answer is a code into the
/// column's distinct values (0 when there is no answer). Tables are then counts over codes, so a report over a
/// million respondents is a few passes over small integers, and every distinct value is parsed once.
public struct ResponseColumns: Sendable {
    public struct Column: Sendable {
        /// Per respondent: 0 for no answer, else k for `values[k - 1]`.
        public var codes: [UInt32]
        public var values: [String]

        public init(codes: [UInt32], values: [String]) {
            self.codes = codes
            self.values = values
        }

        public func value(at row: Int) -> String? {
            let code = codes[row]
            return code == 0 ? nil : values[Int(code) - 1]
        }
    }

    public let count: Int
    public private(set) var columns: [String: Column]

    public init(count: Int, columns: [String: Column]) {
        precondition(columns.values.allSatisfy { $0.codes.count == count }, "every column has one code per respondent")
        self.count = count
        self.columns = columns
    }

    /// From one answers dictionary per respondent (as stored); an empty answer is no answer.
    public init(rows: [[String: String]]) {
        var builders: [String: (index: [String: UInt32], values: [String], codes: [UInt32])] = [:]
        for (i, row) in rows.enumerated() {
            for (name, value) in row where !value.isEmpty {
                var b = builders[name] ?? ([:], [], [UInt32](repeating: 0, count: rows.count))
                if let code = b.index[value] {
                    b.codes[i] = code
                } else {
                    b.values.append(value)
                    b.index[value] = UInt32(b.values.count)
                    b.codes[i] = UInt32(b.values.count)
                }
                builders[name] = b
            }
        }
        self.init(count: rows.count, columns: builders.mapValues { Column(codes: $0.codes, values: $0.values) })
    }

    public subscript(name: String) -> Column? { columns[name] }

    /// One respondent's answers as a dictionary again.
    public func answers(of row: Int) -> [String: String] {
        var out: [String: String] = [:]
        for (name, column) in columns { if let v = column.value(at: row) { out[name] = v } }
        return out
    }

    /// Adds (or replaces) a column, e.g. a respondent's program kind to split tables by.
    public mutating func set(_ name: String, values: [String?]) {
        precondition(values.count == count)
        var index: [String: UInt32] = [:]
        var distinct: [String] = []
        let codes = values.map { v -> UInt32 in
            guard let v, !v.isEmpty else { return 0 }
            if let c = index[v] { return c }
            distinct.append(v)
            index[v] = UInt32(distinct.count)
            return UInt32(distinct.count)
        }
        columns[name] = Column(codes: codes, values: distinct)
    }
}

// MARK: reading a wide CSV

/// A wide respondent file that cannot be read.
public struct ResponseFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var row: Int
    public var message: String
    public var description: String { "\(file), row \(row): \(message)" }
}

extension ResponseColumns {
    /// Reads a wide CSV (header row, then one row per respondent; RFC 4180 quoting; LF or CRLF), keeping the
    /// columns in `keep` (all when nil). Parsed in parallel over chunks of rows; every field is hashed straight
    /// from the bytes, so a value that repeats a million times becomes one string.
    public static func readCSV(_ bytes: [UInt8], file: String = "input", keep: Set<String>? = nil) throws(ResponseFileError) -> ResponseColumns {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in try read(buffer, file: file, keep: keep) }
        } catch let e as ResponseFileError {
            throw e
        } catch {
            throw ResponseFileError(file: file, row: 0, message: "\(error)")
        }
    }

    /// Reads a wide CSV file, mapped into memory rather than copied.
    public static func readCSV(contentsOf url: URL, keep: Set<String>? = nil) throws -> ResponseColumns {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { raw in
            try read(raw.bindMemory(to: UInt8.self), file: url.lastPathComponent, keep: keep)
        }
    }

    private static func read(_ buffer: UnsafeBufferPointer<UInt8>, file: String, keep: Set<String>?) throws -> ResponseColumns {
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw ResponseFileError(file: file, row: 1, message: "the file is empty") }
        // Header.
        var headerParser = CSVBytes(base: base, start: 0, end: buffer.count)
        var header: [String] = []
        var scratch: [UInt8] = []
        while true {
            let (start, length, quoted, last) = try headerParser.field(scratch: &scratch, file: file, row: 1)
            let text = quoted ? String(decoding: scratch, as: UTF8.self)
                              : String(decoding: UnsafeBufferPointer(start: base + start, count: length), as: UTF8.self)
            header.append(text.trimmingCharacters(in: .whitespaces))
            if last { break }
        }
        if let first = header.first, first.hasPrefix("\u{FEFF}") { header[0] = String(first.dropFirst()) }
        var seen: Set<String> = []
        for (i, name) in header.enumerated() where !seen.insert(name).inserted {
            throw ResponseFileError(file: file, row: 1, message: "column \(i + 1) repeats the header \"\(name)\"")
        }
        let wanted = header.map { keep?.contains($0) ?? true }
        let bodyStart = headerParser.position

        // Chunk boundaries at row starts outside quotes.
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, (buffer.count - bodyStart) / (1 << 20) + 1))
        var cuts = [bodyStart]
        var inQuotes = false
        var p = bodyStart
        for k in 1..<chunks {
            let target = bodyStart + (buffer.count - bodyStart) * k / chunks
            while p < buffer.count && (p < target || inQuotes || (p > 0 && base[p - 1] != 10)) {
                if base[p] == 34 { inQuotes.toggle() }
                p += 1
            }
            cuts.append(p)
        }
        cuts.append(buffer.count)

        struct Part: @unchecked Sendable {
            var columns: [[UInt32]] = []
            var interners: [ByteInterner] = []
            var rows = 0
            var error: ResponseFileError?
        }
        let storage = UnsafeMutableBufferPointer<Part>.allocate(capacity: chunks)
        storage.initialize(repeating: Part())
        defer { storage.deinitialize(); storage.deallocate() }
        let parts = UncheckedBuffer(storage).buffer
        let shared = UncheckedBuffer(storage)
        let bounds = cuts
        let width = header.count
        let address = UInt(bitPattern: base)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let base = UnsafePointer<UInt8>(bitPattern: address)!
            var part = Part(columns: Array(repeating: [], count: width), interners: (0..<width).map { _ in ByteInterner() })
            var parser = CSVBytes(base: base, start: bounds[k], end: bounds[k + 1])
            var scratch: [UInt8] = []
            var row = 0
            do {
                while parser.position < parser.end {
                    // A blank line ends nothing and holds no respondent.
                    if base[parser.position] == 10 || (base[parser.position] == 13 && parser.position + 1 < parser.end && base[parser.position + 1] == 10) {
                        parser.position += base[parser.position] == 10 ? 1 : 2
                        continue
                    }
                    var column = 0
                    while true {
                        let (start, length, quoted, last) = try parser.field(scratch: &scratch, file: file, row: row + 2)
                        if column < width {
                            if wanted[column] {
                                let code = quoted
                                    ? scratch.withUnsafeBufferPointer { part.interners[column].intern($0.baseAddress, $0.count) }
                                    : part.interners[column].intern(base + start, length)
                                part.columns[column].append(code)
                            }
                        }
                        column += 1
                        if last { break }
                    }
                    if column != width {
                        throw ResponseFileError(file: file, row: row + 2, message: "has \(column) fields but the header has \(width)")
                    }
                    row += 1
                }
            } catch let e as ResponseFileError {
                part.error = e
            } catch {
                part.error = ResponseFileError(file: file, row: row + 2, message: "\(error)")
            }
            part.rows = row
            shared.buffer[k] = part
        }
        // Rows are numbered per chunk while parsing; an error reports its row in the whole file.
        var before = 0
        for k in 0..<chunks {
            if var e = parts[k].error {
                e.row += before
                throw e
            }
            before += parts[k].rows
        }

        // Merge: the first chunk's dictionaries are the column's; later chunks' codes are mapped into them.
        var columns: [String: Column] = [:]
        for (c, name) in header.enumerated() where wanted[c] {
            var global = parts[0].interners[c]
            var codes = parts[0].columns[c]
            codes.reserveCapacity(before)
            for k in 1..<chunks {
                let local = parts[k].interners[c]
                let map: [UInt32] = [0] + (0..<local.count).map { k in local.withValue(UInt32(k + 1)) { global.intern($0, $1) } }
                codes.append(contentsOf: parts[k].columns[c].map { map[Int($0)] })
            }
            columns[name] = Column(codes: codes, values: global.strings())
        }
        return ResponseColumns(count: before, columns: columns)
    }
}

/// RFC 4180 fields straight from bytes.
struct CSVBytes {
    let base: UnsafePointer<UInt8>
    var position: Int
    let end: Int

    init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.position = start
        self.end = end
    }

    /// The next field: where its bytes are (or, when quoted, its unescaped bytes in `scratch`), and whether it
    /// ended its row.
    mutating func field(scratch: inout [UInt8], file: String, row: Int) throws(ResponseFileError) -> (start: Int, length: Int, quoted: Bool, last: Bool) {
        if position < end && base[position] == 34 {
            scratch.removeAll(keepingCapacity: true)
            position += 1
            while true {
                guard position < end else { throw ResponseFileError(file: file, row: row, message: "a quoted field is not closed") }
                let b = base[position]
                if b == 34 {
                    if position + 1 < end && base[position + 1] == 34 {
                        scratch.append(34)
                        position += 2
                        continue
                    }
                    position += 1
                    break
                }
                scratch.append(b)
                position += 1
            }
            return (0, scratch.count, true, try afterField(file: file, row: row))
        }
        let start = position
        while position < end {
            let b = base[position]
            if b == 44 || b == 10 || b == 13 { break }
            if b == 34 { throw ResponseFileError(file: file, row: row, message: "a quote inside an unquoted field") }
            position += 1
        }
        let length = position - start
        return (start, length, false, try afterField(file: file, row: row))
    }

    /// Consumes the separator after a field; true when it was a line end (or the end of the input).
    private mutating func afterField(file: String, row: Int) throws(ResponseFileError) -> Bool {
        guard position < end else { return true }
        switch base[position] {
        case 44: position += 1; return false
        case 10: position += 1; return true
        case 13:
            position += 1
            if position < end && base[position] == 10 { position += 1 }
            return true
        default: throw ResponseFileError(file: file, row: row, message: "text after a closing quote")
        }
    }
}

/// Distinct byte strings numbered 1, 2, ... in order of first appearance (0 for an empty field), found by
/// open addressing on a 64-bit hash of the bytes.
struct ByteInterner {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots = [UInt32](repeating: 0, count: 64)

    var count: Int { hashes.count }

    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    mutating func intern(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UInt32 {
        guard n > 0, let p else { return 0 }
        let h = Self.hash(p, n)
        var mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let code = slots[i]
            if code == 0 { break }
            let k = Int(code) - 1
            if hashes[k] == h && offsets[k + 1] - offsets[k] == n
                && arena.withUnsafeBufferPointer({ memcmp($0.baseAddress! + offsets[k], p, n) == 0 }) {
                return code
            }
            i = (i + 1) & mask
        }
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        offsets.append(arena.count)
        hashes.append(h)
        let code = UInt32(hashes.count)
        slots[i] = code
        if hashes.count * 2 > slots.count {
            slots = [UInt32](repeating: 0, count: slots.count * 2)
            mask = slots.count - 1
            for (k, h) in hashes.enumerated() {
                var j = Int(truncatingIfNeeded: h) & mask
                while slots[j] != 0 { j = (j + 1) & mask }
                slots[j] = UInt32(k + 1)
            }
        }
        return code
    }

    func withValue<R>(_ code: UInt32, _ body: (UnsafePointer<UInt8>?, Int) -> R) -> R {
        let k = Int(code) - 1
        return arena.withUnsafeBufferPointer { body($0.baseAddress.map { $0 + offsets[k] }, offsets[k + 1] - offsets[k]) }
    }

    func strings() -> [String] {
        arena.withUnsafeBufferPointer { a in
            (0..<hashes.count).map { k in String(decoding: UnsafeBufferPointer(rebasing: a[offsets[k]..<offsets[k + 1]]), as: UTF8.self) }
        }
    }
}
