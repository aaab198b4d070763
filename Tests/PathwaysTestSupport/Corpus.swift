import Foundation

/// Real inputs nobody on this project wrote (XLSForms, job pages, the Open Badges schema), read from `../shared/corpus`
/// beside the checkout, as CI has it, or from `PATHWAYS_CORPUS`. They are test data, not part of the repository. A
/// clone on its own has no corpus: the tests that need it are not run, and `scripts/test` says so in one loud line.
public enum Corpus {
    public static let variable = "PATHWAYS_CORPUS"

    /// The corpus folder, when it is there.
    public static var folder: URL? {
        let candidates = [ProcessInfo.processInfo.environment[variable].map { URL(fileURLWithPath: $0) },
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent("shared/corpus")].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("SOURCES.md").path) }
    }

    public static var available: Bool { folder != nil }

    public struct Missing: Error, CustomStringConvertible {
        public var file: String
        public var description: String { "\(file): the corpus (../shared/corpus beside the checkout, or $\(Corpus.variable)) is not here" }
    }

    /// A file of the corpus, e.g. `jobpostings/google-remote.json`.
    public static func url(_ relative: String) throws -> URL {
        guard let url = folder?.appendingPathComponent(relative), FileManager.default.fileExists(atPath: url.path) else { throw Missing(file: relative) }
        return url
    }

    public static func data(_ relative: String) throws -> Data { try Data(contentsOf: try url(relative)) }
}
