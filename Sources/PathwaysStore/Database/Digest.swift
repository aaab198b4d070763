import Crypto
import Foundation

/// SHA-256 of UTF-8 text as lowercase hex: file digests, and the only form in which tokens are stored.
func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
}
