import Foundation
import ZIPFoundation

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
