import Crypto
import Foundation

/// SHA-256 of UTF-8 text as lowercase hex: file digests, and the only form in which tokens are stored.
func sha256Hex(_ text: String) -> String {
    hex(SHA256.hash(data: Data(text.utf8)))
}

/// Lowercase hex of bytes, without a formatter per byte (this runs for every survey link checked or issued).
func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
