import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a wave's descriptive tables (every choice and number question, with bases and intervals).")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var target: WaveOptions
    @Option(help: "md, html, csv or json.") var format: String = "md"
    @Option(help: "Interval for proportions: wilson or clopper-pearson.") var interval: String = "wilson"
    @Option(help: "Split every table by program, program_kind, provider or a question's name.") var by: String?
    @Option(help: "Hide counts below this (and what would reveal them); 0 prints every count, for tables checked by hand.") var minCell: Int = 10
    @Option(help: "Weight by raking to the wave's frame on these characteristics, comma-separated: program, program_kind, provider, gender, country, highest_education.")
    var rake: String?
    @Option(help: "Trim the raked weights at this many times their mean (e.g. 3.5), spreading what is cut over the others; needs --rake.")
    var trim: Double?

    func run() async throws {
        guard let output = WaveReporting.Format(rawValue: format) else { throw ValidationError("--format is md, html, csv or json") }
        guard let method = ProportionInterval(rawValue: interval) else { throw ValidationError("--interval is wilson or clopper-pearson") }
        let logger = db.logger()
        try await db.withStore(logger) { store in
            let studies = StudyRepository(store: store)
            let (s, w) = try await target.resolve(studies)
            guard let version = try await studies.version(id: w.instrumentVersionID) else { throw ValidationError("the wave's instrument version is missing") }
            var options = WaveReporting.Options(interval: method, by: by, minCell: minCell,
                                                rake: rake.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [])
            options.trim = trim
            let report: PathwaysCore.Report
            do {
                report = try await WaveReporting(store: store).report(study: s, wave: w, version: version, options: options)
            } catch let error as UseCaseError {
                throw ValidationError("--\(error.description)")
            }
            let text = try output.render(report)
            FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a wave's de-identified respondent-level data (wide and long CSV), its data dictionary and R and Stata import scripts; audited.",
        discussion: "Respondents are the wave's complete and partial interviews, each under a pseudonymous id that is stable within the study. No names or emails; open text only with --include-text.")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var target: WaveOptions
    @Option(help: "Folder to write respondents.csv, respondents-long.csv, dictionary.csv, import.R and import.do into.") var out: String
    @Flag(help: "Include open-text answers and respondents' files (they may name or show people or employers).") var includeText = false
    @Option(help: "Add each respondent's weight raked to the frame on these characteristics (comma-separated, as for report --rake), the frame's values of them, frame-margins.csv and weights.R, which rakes again in R.")
    var rake: String?
    @Option(help: "Trim the raked weights at this many times their mean; needs --rake.") var trim: Double?

    func run() async throws {
        let logger = db.logger()
        try await db.withStore(logger) { store in
            let (s, w) = try await target.resolve(StudyRepository(store: store))
            let margins = rake.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
            let export: RespondentExports.Export
            do {
                export = try await RespondentExports(store: store).exportWide(study: s, wave: w, includeText: includeText, rake: margins, trim: trim, by: nil)
            } catch let error as UseCaseError {
                throw ValidationError("--\(error.description)")
            }
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in export.files { try Data(file.text.utf8).write(to: folder.appendingPathComponent(file.name), options: .atomic) }
            for file in export.media {
                let path = folder.appendingPathComponent(file.name)
                try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
                try file.data.write(to: path, options: .atomic)
            }
            say("Wrote \(export.respondents) respondents to \(folder.path): \(export.files.map(\.name).joined(separator: ", ")).")
        }
    }
}

struct PanelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panel",
        abstract: "Print a study's attrition by wave and program and, with --item, how an answer changed between two waves.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The study's key.") var study: String
    @Option(help: "A select_one question asked in both waves, e.g. employment.") var item: String?
    @Option(help: "The earlier wave's number.") var from: Int = 1
    @Option(help: "The later wave's number.") var to: Int?
    @Option(help: "md or json.") var format: String = "md"

    func run() async throws {
        guard ["md", "json"].contains(format) else { throw ValidationError("--format is md or json") }
        let logger = db.logger()
        try await db.withStore(logger) { store in
            guard let s = try await StudyRepository(store: store).study(key: study) else { throw ValidationError("no study \(study)") }
            let fieldwork = FieldworkRepository(store: store)
            let attrition = Panel.attrition(try await fieldwork.panelCases(study: s))
            var change: Panel.Change?
            if let item {
                guard let to else { throw ValidationError("--item needs --to, the later wave's number") }
                do {
                    change = try await PanelAnalysis(store: store).change(study: s, item: item, from: from, to: to)
                } catch UseCaseError.invalid(let message) {
                    throw ValidationError(message)
                }
            }
            if format == "json" {
                struct Output: Encodable { var attrition: [Panel.AttritionRow]; var change: Panel.Change? }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                say(String(decoding: try encoder.encode(Output(attrition: attrition, change: change)), as: UTF8.self))
            } else {
                say("# \(s.title): attrition and change\n\n## Attrition\n\n" + Panel.markdown(attrition))
                if let change { say("## Change in \(change.item), wave \(change.fromWave) to wave \(change.toWave)\n\n" + change.markdown()) }
            }
        }
    }
}

struct ExportPanel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-panel",
        abstract: "Write a study's waves side by side (one row per learner, wN_ columns per wave) with its data dictionary; audited.",
        discussion: "Learners are under the same pseudonymous ids as in each wave's export. No names or emails; open text only with --include-text.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The study's key.") var study: String
    @Option(help: "Folder to write panel.csv and panel-dictionary.csv into.") var out: String
    @Flag(help: "Include open-text answers (they may name people or employers).") var includeText = false

    func run() async throws {
        let logger = db.logger()
        try await db.withStore(logger) { store in
            guard let s = try await StudyRepository(store: store).study(key: study) else { throw ValidationError("no study \(study)") }
            let export = try await RespondentExports(store: store).exportPanel(study: s, includeText: includeText, by: nil)
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(export.csv.utf8).write(to: folder.appendingPathComponent("panel.csv"), options: .atomic)
            try Data(export.dictionary.utf8).write(to: folder.appendingPathComponent("panel-dictionary.csv"), options: .atomic)
            say("Wrote \(export.respondents) learners to \(folder.appendingPathComponent("panel.csv").path) with its dictionary.")
        }
    }
}
