import CZlib  // zlib, as ZIPFoundation links it on Linux
import Foundation

/// A W3C Bitstring Status List: one bit per issued credential (index 0 is the left-most bit of the first byte),
/// set when the credential is revoked, published GZIP-compressed as a multibase base64url `encodedList`.
public struct BitstringStatusList: Sendable, Equatable {
    /// The specification's minimum size (16 KiB of bits), so that a list does not reveal how few credentials exist.
    public static let minimumBits = 131_072
    /// The most a published list may expand to when read (a compressed list of zeros is tiny; a bomb is refused).
    public static let maximumBytes = 16 << 20

    public private(set) var bytes: [UInt8]
    public var count: Int { bytes.count * 8 }

    public init(bits: Int = BitstringStatusList.minimumBits) {
        bytes = [UInt8](repeating: 0, count: (max(bits, Self.minimumBits) + 7) / 8)
    }

    public subscript(index: Int) -> Bool {
        get { index >= 0 && index < count && bytes[index / 8] & (0x80 >> UInt8(index % 8)) != 0 }
        set {
            precondition(index >= 0 && index < count, "status list index \(index) outside 0..<\(count)")
            if newValue { bytes[index / 8] |= 0x80 >> UInt8(index % 8) } else { bytes[index / 8] &= ~(0x80 >> UInt8(index % 8)) }
        }
    }

    /// `u` + base64url (no padding) of the GZIP-compressed bits.
    public func encodedList() throws(JOSEError) -> String {
        "u" + Base64URL.encode(try Self.gzip(bytes))
    }

    public init(encodedList: String) throws(JOSEError) {
        guard encodedList.first == "u", let compressed = Base64URL.decode(encodedList.dropFirst()) else {
            throw JOSEError("the encodedList is not multibase base64url (it must begin with u)")
        }
        bytes = try Self.gunzip([UInt8](compressed))
        guard count >= Self.minimumBits else { throw JOSEError("the status list has \(count) bits, fewer than the minimum \(Self.minimumBits)") }
    }

    /// The unsigned `BitstringStatusListCredential` publishing this list at `url`.
    public func credential(url: String, issuer: OpenBadgeCredential.Issuer, validFrom: Date) throws(JOSEError) -> [String: Any] {
        [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer.id, "validFrom": OpenBadgeCredential.timestamp(validFrom),
            "credentialSubject": ["id": url + "#list", "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": try encodedList()],
        ]
    }

    static func gzip(_ input: [UInt8]) throws(JOSEError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw JOSEError("the compressor could not start") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var source = input
        let result: Int32 = source.withUnsafeMutableBufferPointer { s in
            output.withUnsafeMutableBufferPointer { t in
                stream.next_in = s.baseAddress
                stream.avail_in = UInt32(s.count)
                stream.next_out = t.baseAddress
                stream.avail_out = UInt32(t.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { throw JOSEError("the status list could not be compressed") }
        return Array(output[0..<Int(stream.total_out)])
    }

    static func gunzip(_ input: [UInt8]) throws(JOSEError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw JOSEError("the decompressor could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var source = input
        let outcome: Int32 = source.withUnsafeMutableBufferPointer { s in
            stream.next_in = s.baseAddress
            stream.avail_in = UInt32(s.count)
            while true {
                let result: Int32 = buffer.withUnsafeMutableBufferPointer { t in
                    stream.next_out = t.baseAddress
                    stream.avail_out = UInt32(t.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                if result == Z_STREAM_END { return Z_STREAM_END }
                if output.count > maximumBytes { return Z_MEM_ERROR }
                if result != Z_OK { return result }
            }
        }
        switch outcome {
        case Z_STREAM_END: return output
        case Z_MEM_ERROR: throw JOSEError("the status list expands to more than \(maximumBytes >> 20) MiB")
        default: throw JOSEError("the status list is not valid GZIP data")
        }
    }
}
