import ArgumentParser
import Foundation
import PathwaysCore

struct FormCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "form", abstract: "Check XLSForm files before uploading them.",
        subcommands: [Check.self])
}

extension FormCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read XLSForm files (.xlsx, .xlsm, .xls or the single-file CSV layout) as an upload would, and report each one's problems.",
            discussion: """
            Nothing is stored. Each file is accepted (with its number of questions) or refused with every problem \
            located by sheet, row and column. With --export, each accepted form is written back as an .xlsx \
            workbook in today's XLSForm syntax, as `pathways study download` would write it. Exits 1 when any file \
            is refused.
            """)
        @Argument(help: "The XLSForm files.") var files: [String]
        @Option(help: "A folder to write each accepted form to, as <name>.xlsx.") var export: String?
        @Flag(help: "One JSON object per file (file, accepted, questions, issues) instead of text.") var json = false

        func run() async throws {
            var refused = 0
            for path in files {
                let url = URL(fileURLWithPath: path)
                var report: [String: Any] = ["file": url.lastPathComponent]
                do {
                    let form = try XLSForm.read(try Data(contentsOf: url))
                    report["accepted"] = true
                    report["questions"] = form.questions.filter(\.type.isInput).count
                    if let export {
                        let out = URL(fileURLWithPath: export).appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".xlsx")
                        try form.xlsx().write(to: out, options: .atomic)
                        report["exported"] = out.path
                    }
                } catch let errors as XLSFormErrors {
                    refused += 1
                    report["accepted"] = false
                    report["issues"] = errors.issues.map(\.description)
                }
                if json {
                    say(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
                } else if report["accepted"] as? Bool == true {
                    say("\(path): accepted, \(report["questions"] ?? 0) questions")
                } else {
                    say("\(path): refused")
                    for issue in report["issues"] as? [String] ?? [] { say("  \(issue)") }
                }
            }
            if refused > 0 { throw ExitCode(1) }
        }
    }
}
