import Foundation
import ZIPFoundation
import CZlib  // zlib, as ZIPFoundation links it on Linux

/// A zip archive built in memory from named parts (deflated), as workbooks and export bundles are.
public enum ZipFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String { "the zip archive could not be written" }
    }

    public static func make(_ parts: [(path: String, bytes: Data)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, bytes) in parts {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw Failure() }
        return data
    }
}

/// Reads the parts of an untrusted zip archive held in memory (an uploaded workbook). Every offset and size is
/// checked against the bytes before it is used; a deflated part must end inside its own compressed bytes, inflate
/// to no more than a limit, and match its declared size and CRC-32. A general-purpose reader trusts the archive
/// more than an upload deserves: fuzzing found one that read past the end of a damaged archive and another that
/// waited forever for a deflate stream that never ended.
public struct ZipReader: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The part the failure is about, or nil when the archive as a whole cannot be read.
        public var part: String?
        public var message: String
        init(part: String? = nil, message: String) {
            self.part = part
            self.message = message
        }
        public var description: String { part.map { "\($0) \(message)" } ?? message }
    }

    public struct Entry: Sendable {
        public var path: String
        var method: UInt16
        var flags: UInt16
        var crc32: UInt32
        var compressedSize: Int
        public var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    private let bytes: [UInt8]
    public let entries: [String: Entry]

    public init(_ data: Data) throws(Failure) {
        let bytes = [UInt8](data)
        self.bytes = bytes
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        // The end-of-central-directory record sits in the last 22 bytes plus at most a 65,535-byte comment.
        guard bytes.count >= 22 else { throw Failure(message: "the file is too short to be a zip archive") }
        var end: Int?
        for at in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        where bytes[at] == 0x50 && bytes[at + 1] == 0x4B && bytes[at + 2] == 0x05 && bytes[at + 3] == 0x06 {
            end = at
            break
        }
        guard let end else { throw Failure(message: "no zip directory was found (the file is not a zip archive or is cut short)") }
        let count = u16(end + 10), directorySize = u32(end + 12), directoryStart = u32(end + 16)
        guard count != 0xFFFF, directorySize != 0xFFFF_FFFF, directoryStart != 0xFFFF_FFFF else {
            throw Failure(message: "the archive uses ZIP64 records, which a workbook of this size never needs")
        }
        guard directoryStart + directorySize <= end else { throw Failure(message: "the zip directory points past the end of the file") }
        var entries: [String: Entry] = [:]
        var at = directoryStart
        for index in 0..<count {
            guard at + 46 <= directoryStart + directorySize, u32(at) == 0x0201_4B50 else {
                throw Failure(message: "zip directory entry \(index + 1) of \(count) is damaged")
            }
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            let next = at + 46 + nameLength + extraLength + commentLength
            guard next <= directoryStart + directorySize else { throw Failure(message: "zip directory entry \(index + 1) runs past the directory") }
            let path = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            let entry = Entry(path: path, method: UInt16(u16(at + 10)), flags: UInt16(u16(at + 8)), crc32: UInt32(u32(at + 16)),
                              compressedSize: u32(at + 20), uncompressedSize: u32(at + 24), localHeaderOffset: u32(at + 42))
            if entries[path] == nil { entries[path] = entry }
            at = next
        }
        self.entries = entries
    }

    /// The bytes of one part, or nil when the archive has no such part.
    public func read(_ path: String, limit: Int) throws(Failure) -> Data? {
        guard let entry = entries[path] else { return nil }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        guard entry.flags & 1 == 0 else { throw Failure(part: path, message: "is encrypted") }
        guard entry.uncompressedSize <= limit else { throw Failure(part: path, message: "expands to more than \(limit >> 20) MiB") }
        let header = entry.localHeaderOffset
        guard header + 30 <= bytes.count, bytes[header] == 0x50, bytes[header + 1] == 0x4B, bytes[header + 2] == 0x03, bytes[header + 3] == 0x04 else {
            throw Failure(part: path, message: "has a missing or damaged local header")
        }
        let start = header + 30 + u16(header + 26) + u16(header + 28)
        guard start + entry.compressedSize <= bytes.count else { throw Failure(part: path, message: "has data running past the end of the file") }
        let stored = bytes[start..<(start + entry.compressedSize)]
        let output: [UInt8]
        switch entry.method {
        case 0: output = Array(stored)
        case 8: output = try Self.inflate(stored, expected: entry.uncompressedSize, limit: limit, path: path)
        default: throw Failure(part: path, message: "uses compression method \(entry.method); only stored and deflated parts are read")
        }
        guard output.count == entry.uncompressedSize else {
            throw Failure(part: path, message: "unpacks to \(output.count) bytes but the archive says \(entry.uncompressedSize)")
        }
        let checksum = output.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        guard checksum == entry.crc32 else { throw Failure(part: path, message: "is damaged (its CRC-32 does not match)") }
        return Data(output)
    }

    private static func inflate(_ input: ArraySlice<UInt8>, expected: Int, limit: Int, path: String) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(part: path, message: "cannot be unpacked (the decompressor could not start)")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(min(expected, limit))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var input = Array(input)
        let outcome: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while true {
                let result: Int32 = buffer.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                if result == Z_STREAM_END { return Z_STREAM_END }
                if output.count > limit { return Z_MEM_ERROR }
                // Without new input or room, inflate reports Z_BUF_ERROR: the stream ends early.
                if result != Z_OK { return result }
            }
        }
        switch outcome {
        case Z_STREAM_END: return output
        case Z_MEM_ERROR: throw Failure(part: path, message: "expands to more than \(limit >> 20) MiB")
        case Z_BUF_ERROR: throw Failure(part: path, message: "is damaged (its compressed data ends before the part does)")
        default: throw Failure(part: path, message: "is damaged (its compressed data cannot be inflated)")
        }
    }
}
