import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore

struct Benchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a wave's frame and invitation schedule over a synthetic population, beside the same frame computed in Swift.",
        discussion: "Uses a fresh SQLite file in a temporary folder unless --database names an empty database.")
    @Option(help: "How many learners to generate.") var learners: Int = 1_000_000
    @Option(help: "An empty database (SQLite path or postgres:// URL); default: a temporary SQLite file.") var database: String?
    @Option(help: "Log level.") var logLevel: String = "warning"

    func run() async throws {
        var logger = Logger(label: "pathways")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-bench-\(UUID().uuidString)")
        let location: String
        if let database { location = database } else {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            location = dir.appendingPathComponent("bench.sqlite").path
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await Store.open(location, logger: logger)
        let report = try await store.closing { store in
            try await Migrator.migrate(store)
            // The wave opens today, so a server started over the database afterwards takes its surveys.
            return try await FrameBenchmark.run(store: store, learners: learners, opens: CalendarDay.parse(CalendarDay.format(Date()))!)
        }
        say("Pathways frame benchmark on \(store.dialect.rawValue)")
        say(report.text)
        if report.inMemoryCases != report.frameCases { throw ExitCode(1) }
    }
}

struct BenchmarkReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-report",
        abstract: "Time the full report over a synthetic wave (41 questions) beside DuckDB computing the same tables from the same CSV.",
        discussion: "Needs python3 with the duckdb package (pip install duckdb). Fails when the two disagree on any number.")
    @Option(help: "How many respondents to generate.") var respondents: Int = 1_000_000
    @Option(help: "The DuckDB peer script.") var peer: String = "scripts/report-duckdb.py"
    @Option(help: "Python to run the peer with.") var python: String = "python3"
    @Option(help: "Keep the generated CSV in this folder instead of a temporary one.") var keep: String?

    func run() throws {
        let folder = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("pathways-report-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
        let form = try ReportBenchmark.form()
        let file = folder.appendingPathComponent("respondents.csv")
        let spec = folder.appendingPathComponent("tables.json")
        var clock = Stopwatch()
        try ReportBenchmark.writeCSV(form: form, respondents: respondents, to: file)
        try ReportBenchmark.spec(form).write(to: spec)
        let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.doubleValue ?? 0
        say(String(format: "Generated %d respondents × %d columns (%.0f MB CSV) in %.1f s.", respondents, ReportBenchmark.columns(form).count, size / 1e6, clock.lap()))

        _ = clock.lap()
        let columns = try ResponseColumns.readCSV(contentsOf: file)
        let load = clock.lap()
        let tabulation = Tabulation(form: form, columns: columns, today: ReportBenchmark.today)
        let visibility = clock.lap()
        let report = PathwaysCore.Report(title: "Benchmark", tabulation: tabulation)
        let tables = clock.lap()
        let grouped = PathwaysCore.Report(title: "Benchmark by gender", tabulation: tabulation, by: "gender")
        let groupedTime = clock.lap()
        let ours = Peer.peakMemoryMB()

        let duck = try Peer.run("DuckDB peer", python: python, script: peer, [spec.path, file.path], needs: "duckdb")
        let duckLoad = Peer.number(duck, "load_seconds")
        let duckQuery = Peer.number(duck, "query_seconds")
        let duckMemory = Peer.number(duck, "peak_rss_mb")
        let problems = ReportBenchmark.compare(report, duckdb: duck)

        say("")
        func line(_ what: String, _ a: String, _ b: String) { Peer.row(what, a, b, widths: (40, 12, 16)) }
        line("Report over \(respondents) respondents", "Pathways", "DuckDB \(duck["version"] ?? "")")
        line("read the CSV", String(format: "%.2f s", load), String(format: "%.2f s", duckLoad))
        line("who was shown what (relevance)", String(format: "%.2f s", visibility), "in queries")
        line("every table (\(report.tables.count))", String(format: "%.2f s", tables), String(format: "%.2f s", duckQuery))
        line("full report (relevance + tables)", String(format: "%.2f s", visibility + tables), String(format: "%.2f s", duckQuery))
        line("total including the read", String(format: "%.2f s", load + visibility + tables), String(format: "%.2f s", duckLoad + duckQuery))
        line("every table split by gender", String(format: "%.2f s", groupedTime), "—")
        line("peak resident memory (process)", String(format: "%.0f MB", ours), String(format: "%.0f MB", duckMemory))
        say("")
        _ = grouped
        if problems.isEmpty {
            say("Agreement: all \(report.tables.count) tables match DuckDB (every count and base exact; means, medians and sds within 1e-9).")
        } else {
            say("DISAGREEMENT in \(problems.count) places:")
            for p in problems.prefix(20) { say("  " + p) }
            throw ExitCode(1)
        }
    }
}
