import Foundation

/// Runs one of the repository's Python checkers (`scripts/…`) on a JSON file of cases: independent implementations
/// the tests compare Pathways against. A missing Python package makes the checker fail, and so the test: never a skip.
public enum PythonCheck {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
        /// Lines the checker printed for cases that came out as expected.
        public var passedCases: Int { output.split(separator: "\n").filter { $0.hasPrefix("ok") }.count }
    }

    /// The repository's root, found from this file's place in it.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Writes `cases` as JSON to a temporary file and runs `python3 <script> <file>`.
    public static func run(_ script: String, cases: Any) throws -> Outcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: cases).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent(script).path, file.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: output)
    }
}
