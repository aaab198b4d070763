import ArgumentParser
import Foundation

/// What the benchmark commands share: a lap timer, this process's peak memory, running a Python peer that prints one
/// JSON object, and the side-by-side rows they print.
struct Stopwatch {
    private var last = ContinuousClock.now

    /// Seconds since the previous lap (or since the stopwatch was made).
    mutating func lap() -> Double {
        let now = ContinuousClock.now
        defer { last = now }
        let d = now - last
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

enum Peer {
    /// This process's peak resident memory in MB.
    static func peakMemoryMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Runs `python script arguments…` and reads the one JSON object it prints; fails naming the peer and the
    /// package it `needs` when it cannot.
    static func run(_ name: String, python: String, script: String, _ arguments: [String], needs: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result = try JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw ValidationError("the \(name) (\(python) \(script)) failed with status \(process.terminationStatus); is \(needs) installed (pip install \(needs))?")
        }
        return result
    }

    /// A number the peer reported, NaN when it did not.
    static func number(_ result: [String: Any], _ key: String) -> Double { (result[key] as? NSNumber)?.doubleValue ?? .nan }

    /// One row of a side-by-side table: what, ours, the peer's.
    static func row(_ what: String, _ ours: String, _ theirs: String, widths: (Int, Int, Int)) {
        say(what.padding(toLength: widths.0, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(1, widths.1 - ours.count)) + ours
            + String(repeating: " ", count: max(1, widths.2 - theirs.count)) + theirs)
    }
}
