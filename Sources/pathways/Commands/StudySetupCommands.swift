import ArgumentParser
import Foundation
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// A refusal from a use case, as a command reports it: each problem under the option that carries its field.
struct CommandRefusal: Error, CustomStringConvertible {
    var lines: [String]
    var description: String { lines.joined(separator: "\n") }

    static let options = ["message_subject": "--subject", "message_body": "--body-file", "file": "the workbook",
                          "employer_id": "--key", "programs": "--program", "accounts": "--account"]

    init(lines: [String]) { self.lines = lines }

    init(_ error: UseCaseError) {
        if case .rejected(let problems) = error {
            lines = problems.map { "\(Self.options[$0.field] ?? "--" + $0.field.replacingOccurrences(of: "_", with: "-")): \($0.message)" }
        } else {
            lines = [error.description]
        }
    }
}

/// Runs a use case, turning its refusal into the command's error message (exit code 1, nothing stored).
func useCase<R>(_ body: () async throws -> R) async throws -> R {
    do { return try await body() } catch let error as UseCaseError { throw CommandRefusal(error) }
}

func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw ValidationError("cannot read \(path) as UTF-8 text")
    }
    return text
}

struct StudyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study", abstract: "Create, edit and list studies, and upload their instruments.",
        discussion: """
            A study holds instruments (XLSForms in versions) and waves. Start with
              pathways study create --key my-study --title "My study"
              pathways study upload --study my-study --instrument baseline baseline.xlsx
            then create its waves with `pathways wave create`.
            """,
        subcommands: [Create.self, Edit.self, List.self, Upload.self, Download.self])

    struct Fields: ParsableArguments {
        @Option(help: "Whose word wins when a screening answer and the records disagree: record or self_report.") var eligibilitySource: String?
        @Option(help: "From which share of applicable questions answered (above 0, at most 1) an unfinished response is a partial interview.")
        var partialShare: String?
        @Option(help: "A description of the study.") var description: String?
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a study.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "A short key of lower-case letters, digits, - or _ (it appears in addresses).") var key: String
        @Option(help: "The study's title.") var title: String
        @OptionGroup var fields: Fields

        func run() async throws {
            try await db.withStore(db.logger()) { store in
                let study = try await useCase {
                    try await UseCases(store: store).studies.create(StudyInput(key: key, title: title, description: fields.description,
                                                                               eligibilitySource: fields.eligibilitySource, partialShare: fields.partialShare), by: nil)
                }
                say("Created study \(study.key): \(study.title)")
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a study's settings; options left out keep their value.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The study's key.") var study: String
        @Option(help: "A new key.") var key: String?
        @Option(help: "A new title.") var title: String?
        @OptionGroup var fields: Fields

        func run() async throws {
            try await db.withStore(db.logger()) { store in
                let studies = UseCases(store: store).studies
                let edited = try await useCase {
                    try await studies.edit(try await studies.study(key: study), StudyInput(key: key, title: title, description: fields.description,
                                                                                          eligibilitySource: fields.eligibilitySource, partialShare: fields.partialShare), by: nil)
                }
                say("Saved study \(edited.key): \(edited.title)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List studies with their waves and instruments.")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            try await db.withStore(db.logger()) { store in
                let studies = UseCases(store: store).studies
                for s in try await studies.all() {
                    say("\(s.key)\t\(s.title)")
                    for v in try await studies.versionList(s) { say("  instrument \(v.instrumentKey) v\(v.number)\t\(v.title)") }
                    for w in try await studies.waves(s) {
                        say("  wave \(w.number)\t\(WaveLifecycle.status(try await studies.facts(w), opensAt: w.opensAt, now: Date()))\t\(w.title)")
                    }
                }
            }
        }
    }

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store an XLSForm workbook as the next version of one of the study's instruments.",
            discussion: "The same workbook twice makes no new version. A renamed question keeps its data: --renames 'old_name -> new_name' (one per line).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The study's key.") var study: String
        @Option(help: "The instrument's key (letters, digits, _ or -), e.g. followup.") var instrument: String
        @Option(help: "The instrument's title (default: the form's).") var title: String?
        @Option(help: "Renamed questions, one 'old_name -> new_name' per line.") var renames: String?
        @Option(help: "What changed in this version.") var note: String?
        @Argument(help: "The .xlsx workbook.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            try await db.withStore(db.logger()) { store in
                let studies = UseCases(store: store).studies
                let stored = try await useCase {
                    try await studies.upload(study: try await studies.study(key: study), key: instrument, title: title, workbook: data,
                                             fileName: URL(fileURLWithPath: file).lastPathComponent, renames: renames, note: note, by: nil)
                }
                say(stored.unchanged ? "Unchanged: the form is \(stored.version.instrumentKey) v\(stored.version.number)"
                                     : "Stored \(stored.version.instrumentKey) v\(stored.version.number) (\(stored.version.id.uuidString.lowercased()))")
            }
        }
    }
}

extension StudyCommand {
    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write one of a study's instrument versions as an XLSForm workbook.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The study's key.") var study: String
        @Option(help: "The instrument: its key (latest version) or 'key v2'.") var instrument: String
        @Option(help: "The .xlsx file to write.") var out: String

        func run() async throws {
            try await db.withStore(db.logger()) { store in
                let studies = UseCases(store: store).studies
                let version = try await useCase { try await studies.version(named: instrument, of: try await studies.study(key: study)) }
                try version.form.xlsx().write(to: URL(fileURLWithPath: out), options: .atomic)
                say("Wrote \(version.instrumentKey) v\(version.number) to \(out)")
            }
        }
    }
}

struct WaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wave", abstract: "Create and edit a study's waves, compute and preview their frames, launch, pause and close them.",
        discussion: """
            A wave is a draft until launched: create it, check its frame and message, then launch.
              pathways wave create --study my-study --number 1 --title Baseline --instrument baseline \\
                --opens 2027-01-10 --closes 2027-03-10 --frame "enrolled in a program" \\
                --subject "A 10-minute survey" --body-file invitation.txt
              pathways wave frame --study my-study --wave 1
              pathways wave launch --study my-study --wave 1
            The frame is written in words, e.g. "(answered wave 1 or answered wave 2) and completed a program at least \
            12 months before this wave opens"; see `pathways wave create --help`.
            """,
        subcommands: [Create.self, Edit.self, Frame.self, Launch.self, Pause.self, Close.self])

    struct Fields: ParsableArguments {
        @Option(help: "The wave's title.") var title: String?
        @Option(help: "The instrument: its key (latest version), 'key v2', or a version id.") var instrument: String?
        @Option(help: "The day it opens (YYYY-MM-DD, start of day UTC) or an ISO 8601 time.") var opens: String?
        @Option(help: "The day it closes.") var closes: String?
        @Option(help: """
            Which learners it asks, in words: conditions 'answered wave N [at least M months before this wave opens]', \
            'completed a program|a MicroMasters … [at least M months before this wave opens]', 'enrolled in a program|a KIND|program KEY', \
            'country is US or IN', "has no bachelor's degree", 'everyone', joined with and, or, not and parentheses.
            """) var frame: String?
        @Option(help: "Reminder days after the invitation, comma-separated (empty for none; default 7,14).") var reminders: String?
        @Option(help: "The screening question's name (empty for none).") var screenItem: String?
        @Option(help: "Eligible from this many months after completing a program, checked against the records.") var eligibilityMonths: String?
        @Option(help: "The invitation's subject; merge fields {{first_name}}, {{name}}, {{program}}, {{study}}, {{wave}}.") var subject: String?
        @Option(help: "A UTF-8 text file with the invitation's body; {{survey_link}} and {{opt_out_link}} are added at the end when missing.")
        var bodyFile: String?

        func input(number: Int?) throws -> WaveInput {
            WaveInput(number: number.map(String.init), title: title, instrument: instrument, opens: opens, closes: closes, frame: frame,
                      reminders: reminders, screenItem: screenItem, eligibilityMonths: eligibilityMonths, messageSubject: subject,
                      messageBody: try bodyFile.map(readText))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a wave (a draft: it sends nothing until launched).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The study's key.") var study: String
        @Option(help: "The wave's number.") var number: Int
        @OptionGroup var fields: Fields

        func run() async throws {
            var input = try fields.input(number: number)
            input.reminders = input.reminders ?? "7, 14"
            try await db.withStore(db.logger()) { store in
                let studies = UseCases(store: store).studies
                let wave = try await useCase { try await studies.createWave(try await studies.study(key: study), input, by: nil) }
                say("Created wave \(wave.number) of \(study) (draft): learners who \(wave.frameRule.text)")
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a wave until its first invitation; options left out keep their value.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var target: WaveOptions
        @Option(help: "A new number.") var number: Int?
        @OptionGroup var fields: Fields

        func run() async throws {
            let input = try fields.input(number: number)
            try await db.withStore(db.logger()) { store in
                let studies = UseCases(store: store).studies
                let wave = try await useCase {
                    let s = try await studies.study(key: target.study)
                    return try await studies.editWave(s, try await studies.wave(s, number: target.wave), input, by: nil)
                }
                say("Saved wave \(wave.number): learners who \(wave.frameRule.text)")
            }
        }
    }

    struct Frame: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compute (or recompute, until the first invitation) a wave's frame and print its preview and message.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var target: WaveOptions

        func run() async throws {
            try await db.withStore(db.logger()) { store in
                let studies = UseCases(store: store).studies
                try await useCase {
                    let s = try await studies.study(key: target.study)
                    let preview = try await studies.computeFrame(s, try await studies.wave(s, number: target.wave), by: nil)
                    say("Frame: \(preview.counts.cases) cases; \(preview.counts.withoutEmail) more match but have no email address")
                    for p in preview.counts.byProgram { say("  \(p.program)\t\(p.cases)") }
                    for e in preview.examples { say("  e.g. \(e.pseudonym)\t\(e.program)\t\(e.country)") }
                    let message = try await studies.previewMessage(s, try await studies.wave(s, number: target.wave), showName: false)
                    say("\nSubject: \(message.subject)\n\n\(message.body)")
                }
            }
        }
    }

    struct Launch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Launch a wave (or resume a paused one): its invitations go out from the next planning pass.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var target: WaveOptions
        func run() async throws { try await WaveCommand.move(.launch, db: db, target: target) }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a launched wave: nothing more is sent; links keep working.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var target: WaveOptions
        func run() async throws { try await WaveCommand.move(.pause, db: db, target: target) }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a wave now: no more messages, and its links say the survey is closed.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var target: WaveOptions
        func run() async throws { try await WaveCommand.move(.close, db: db, target: target) }
    }

    static func move(_ action: WaveLifecycle.Action, db: DatabaseOptions, target: WaveOptions) async throws {
        try await db.withStore(db.logger()) { store in
            let studies = UseCases(store: store).studies
            let wave = try await useCase {
                let s = try await studies.study(key: target.study)
                let w = try await studies.wave(s, number: target.wave)
                switch action {
                case .launch: return try await studies.launch(s, w, by: nil)
                case .pause: return try await studies.pause(s, w, by: nil)
                default: return try await studies.close(s, w, by: nil)
                }
            }
            say("Wave \(wave.number) of \(target.study): \(wave.state.label)")
        }
    }
}

struct ImportResponses: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-responses",
        abstract: "Store a wave's responses fielded in another tool, from its CSV export, as complete interviews of the wave.",
        discussion: """
            One row per respondent: a learner_id (the platform's id) or email column, optionally submitted_at \
            (YYYY-MM-DD or an ISO 8601 time), and one column per question by its name in the wave's instrument; a \
            select_multiple as space-separated choice names, or one 0/1 column per choice named question/choice. Every \
            answer is checked against the instrument (type, choices, constraint, required, relevance); a file with any \
            problem stores nothing and every problem is listed with its row and column.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var target: WaveOptions
    @Argument(help: "The CSV file.") var file: String

    func run() async throws {
        let text = try readText(file)
        try await db.withStore(db.logger()) { store in
            let studies = UseCases(store: store).studies
            let report = try await useCase {
                let s = try await studies.study(key: target.study)
                return try await studies.importResponses(s, try await studies.wave(s, number: target.wave), text: text,
                                                         file: URL(fileURLWithPath: file).lastPathComponent, by: nil)
            }
            guard report.stored else { throw CommandRefusal(lines: [report.text]) }
            say(report.text)
        }
    }
}

struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Create a workshop or interview day as an organiser's account would (an administrator, or an employer account for its own employer).",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an event; invite its audience afterwards with `pathways invite-event ID`.",
            discussion: "pathways event create --as employer@contoso.example --kind interview_day --title 'Junior developer interviews' --starts 2027-03-15T09:00 --ends 2027-03-15T12:00 --time-zone America/New_York --location 'Online' --capacity 40 --programs mb-full-stack-development")
        @OptionGroup var db: DatabaseOptions
        @Option(name: .customLong("as"), help: "The organiser's account email: an administrator, or an employer account tied to its employer partner.") var account: String
        @Option(help: "workshop or interview_day.") var kind: String = "workshop"
        @Option(help: "The event's title.") var title: String
        @Option(help: "What it is.") var description: String = ""
        @Option(help: "Local start, YYYY-MM-DDTHH:MM, in --time-zone.") var starts: String
        @Option(help: "Local end.") var ends: String
        @Option(help: "An IANA time zone, e.g. America/New_York.") var timeZone: String = "UTC"
        @Option(help: "A place, or the online link.") var location: String
        @Option(help: "Places.") var capacity: Int
        @Option(help: "Program platform ids, comma-separated.") var programs: String?
        @Option(help: "Skill ids, comma-separated.") var skills: String?
        @Option(help: "Region or country codes, comma-separated.") var regions: String?

        func run() async throws {
            try await db.withStore(db.logger()) { store in
                let accounts = AccountRepository(store: store)
                guard let found = try await accounts.account(email: account), !found.disabled else { throw ValidationError("--as: no active account \(account)") }
                let principal = try await accounts.principal(for: found)
                let event = try await useCase {
                    try await UseCases(store: store).events.create(EventInput(kind: kind, title: title, description: description, starts: starts, ends: ends,
                                                                              timeZone: timeZone, location: location, capacity: String(capacity),
                                                                              programs: programs, skills: skills, regions: regions), by: principal)
                }
                say("Created \(event.kind.label.lowercased()) \(event.id.uuidString.lowercased()): \(event.title), \(EventInput.local(event.startsAt, in: TimeZone(identifier: event.timeZone) ?? .gmt)) \(event.timeZone)")
            }
        }
    }
}
