import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore

/// The `pathways` command: a thin shell over the libraries.
@main
struct Pathways: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pathways",
        abstract: "Alternative-credential pathways: programs, learners, studies and careers.",
        subcommands: [Serve.self, Migrate.self, Import.self, Demo.self, CreateAdmin.self, CreateToken.self, Withdraw.self, Send.self, Report.self, Export.self, Benchmark.self, BenchmarkReport.self, PanelCommand.self, ExportPanel.self, BackupCommand.self, RestoreCommand.self, IssueCredentials.self, VerifyCredential.self, RotateKeys.self, DegreeOutcomes.self, CourseCredentials.self, ImportJobs.self, Matches.self, BenchmarkMatching.self, Events.self, InviteEvent.self, CareerOutcomes.self, EmployerCommand.self])
}

/// Where credential signing keys are sealed, and who the issuer is.
struct CredentialOptions: ParsableArguments {
    @Option(help: "The file holding the key that seals credential signing keys (default: $PATHWAYS_CREDENTIAL_KEY_FILE, else the SQLite file's path + .key, else pathways-credential.key here); made on first use, mode 0600. Keep it out of database backups.")
    var credentialKeyFile: String?
    @Option(help: "The issuer's name in credentials.") var issuerName: String = ProcessInfo.processInfo.environment["PATHWAYS_ISSUER_NAME"] ?? "Pathways"

    func keyring(database location: String) throws -> CredentialKeyring {
        let env = ProcessInfo.processInfo.environment
        let sqlite = !(location.hasPrefix("postgres://") || location.hasPrefix("postgresql://"))
        let path = credentialKeyFile ?? env["PATHWAYS_CREDENTIAL_KEY_FILE"]
            ?? (sqlite ? (location.hasPrefix("sqlite:") ? String(location.dropFirst(7)) : location) + ".key" : "pathways-credential.key")
        return try CredentialKeyring.load(path: path)
    }
}

/// Options every command that touches the database shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "A SQLite file path or a postgres:// URL (default: $PATHWAYS_DATABASE_URL, else pathways.sqlite here).")
    var database: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["PATHWAYS_LOG_LEVEL"] ?? "info"

    @Option(name: .long, help: "Log format: text or json.")
    var logFormat: String = ProcessInfo.processInfo.environment["PATHWAYS_LOG_FORMAT"] ?? "text"

    var location: String { database ?? ProcessInfo.processInfo.environment["PATHWAYS_DATABASE_URL"] ?? "pathways.sqlite" }

    func logger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return RedactingLogHandler(handler)
        }
        var logger = Logger(label: "pathways")
        logger.logLevel = level
        return logger
    }

    /// Opens the database (migrating it unless told not to), runs `body`, and closes the database whether
    /// `body` succeeds or fails.
    func withStore<R>(_ logger: Logger, migrate: Bool = true, _ body: (Store) async throws -> R) async throws -> R {
        try await Store.open(location, logger: logger).closing { store in
            if migrate { try await Migrator.migrate(store) }
            return try await body(store)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server (creates and migrates the database first).")

    @OptionGroup var db: DatabaseOptions

    @Option(help: "Address to listen on.") var host: String = ProcessInfo.processInfo.environment["PATHWAYS_HOST"] ?? "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = Int(ProcessInfo.processInfo.environment["PATHWAYS_PORT"] ?? "") ?? 8080
    @Flag(help: "Fill an empty database with the demo initiative and print how to sign in.") var demo = false
    @Flag(help: "Send session cookies without the Secure flag (plain HTTP on a host other than localhost).") var insecureCookies = false
    @Flag(help: "Behind a proxy that sets X-Forwarded-For: take the client's address from it (for sign-in throttling per address).") var trustForwardedFor = false
    @OptionGroup var mail: MailOptions
    @OptionGroup var credentials: CredentialOptions
    @Option(help: "Seconds between rounds of writing due messages and delivering them; 0 leaves that to `pathways send`.") var fieldworkInterval: Int = 60
    @Option(help: "Seconds a sender's claim on a batch of messages holds; after a crash its messages go to the next round once this has passed.") var deliveryLease: Int = 300

    func run() async throws {
        let logger = db.logger()
        try await db.withStore(logger) { store in try await serve(store, logger: logger) }
    }

    func serve(_ store: Store, logger: Logger) async throws {
        var configuration = AppConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.secureCookies = !insecureCookies
        configuration.trustForwardedFor = trustForwardedFor
        configuration.publicURL = mail.publicURL ?? ProcessInfo.processInfo.environment["PATHWAYS_PUBLIC_URL"]
        configuration.issuerName = credentials.issuerName
        configuration.credentialKeyring = try credentials.keyring(database: db.location)
        if demo {
            if try await CatalogRepository(store: store).programs().isEmpty {
                let issuing = DemoSetup.Issuing(keyring: configuration.credentialKeyring, publicURL: configuration.resolvedPublicURL, issuerName: credentials.issuerName)
                say(try await DemoSetup.run(store: store, passwords: Passwords(cost: configuration.bcryptCost), issuing: issuing).text)
            } else {
                say("The database already holds a catalog; the demo is not loaded again (its accounts were printed when it was created).")
            }
        }
        let settings = try mail.settings(defaultURL: "http://\(host):\(port)", demo: demo)
        configuration.mailFolder = settings?.folder
        let delivery = settings.map { OutboxDelivery(outbox: OutboxRepository(store: store), settings: $0, lease: TimeInterval(max(1, deliveryLease)), logger: logger) }
        let fieldwork = FieldworkService(planner: OutboxRepository(store: store), delivery: delivery, interval: .seconds(max(1, fieldworkInterval)), logger: logger)
        let app = try await buildApplication(configuration: configuration, store: store, logger: logger, services: fieldworkInterval > 0 ? [fieldwork] : [])
        say("Pathways is serving \(store.dialect.rawValue) data at http://\(host):\(port)")
        if fieldworkInterval <= 0 {
            say("Messages are not written or sent by this server (--fieldwork-interval 0); run `pathways send`.")
        } else {
            say(settings.map { "Survey messages go to \($0.transportDescription)." } ?? "No mail transport is set (--mail or PATHWAYS_MAIL): due messages wait in the outbox.")
        }
        // runService stops gracefully on SIGTERM and SIGINT: in-flight requests finish, then the pool closes.
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema.")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let logger = db.logger()
        try await db.withStore(logger, migrate: false) { store in
            let applied = try await Migrator.migrate(store)
            let all = try await Migrator.appliedVersions(store)
            say(applied.isEmpty ? "Schema is up to date (version \(all.last ?? 0))." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import CSV files exported by a learning platform, each all or nothing.",
        discussion: "Kinds: \(ImportKind.allCases.map(\.rawValue).joined(separator: ", ")). Exits with status 1 when any file is rejected.")
    @OptionGroup var db: DatabaseOptions

    @Argument(help: "What the files hold.") var kind: String
    @Argument(help: "CSV files (UTF-8).") var files: [String]

    func run() async throws {
        guard let kind = ImportKind(rawValue: kind) else {
            throw ValidationError("unknown kind '\(kind)'; use one of \(ImportKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let logger = db.logger()
        let rejected = try await db.withStore(logger) { store in try await importFiles(kind, store) }
        if rejected > 0 { throw ExitCode(1) }
    }

    func importFiles(_ kind: ImportKind, _ store: Store) async throws -> Int {
        var rejected = 0
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the file") }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let report: ImportReport
            if let text = String(data: data, encoding: .utf8) {
                report = try await ImportRepository(store: store).run(kind: kind, fileName: name, text: text, by: .init(userID: nil, programScope: nil)) { job in
                    if job.status == .applying {
                        FileHandle.standardError.write(Data("\(name): \(job.appliedRows) of \(job.totalRows) rows written\n".utf8))
                    }
                }
            } else {
                report = ImportReport(file: name, kind: kind, rows: 0, errors: [ImportIssue(message: "the file is not UTF-8 text; export it as CSV UTF-8")])
            }
            say(report.text)
            if !report.applied { rejected += 1 }
        }
        return rejected
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fill an empty database with the demo initiative and one account per role.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Seed for the generator; the same seed gives the same data.") var seed: UInt64 = DemoInitiative.defaultSeed
    @OptionGroup var credentials: CredentialOptions
    @Option(help: "The address the server will be reached at, for the issuer's did:web and credential ids (default: $PATHWAYS_PUBLIC_URL, else http://127.0.0.1:8080).")
    var publicURL: String?

    func run() async throws {
        let logger = db.logger()
        let issuing = DemoSetup.Issuing(keyring: try credentials.keyring(database: db.location),
                                        publicURL: publicURL ?? ProcessInfo.processInfo.environment["PATHWAYS_PUBLIC_URL"] ?? "http://127.0.0.1:8080",
                                        issuerName: credentials.issuerName)
        let result = try await db.withStore(logger) { store in
            try await DemoSetup.run(store: store, passwords: Passwords(cost: AppConfiguration().bcryptCost), seed: seed, issuing: issuing)
        }
        say(result.text)
    }
}

struct CreateAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Create an administrator account. Prints a generated password once, or reads one from standard input.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The administrator's email.") var email: String
    @Flag(help: "Read the password from the first line of standard input instead of generating one.") var passwordStdin = false

    func run() async throws {
        var password: String? = nil
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
            password = line
        }
        let logger = db.logger()
        let created = try await db.withStore(logger) { store in
            try await AccountProvisioning(store: store, passwords: Passwords(cost: AppConfiguration().bcryptCost))
                .create(email: email, role: .admin, password: password)
        }
        say("Created administrator \(created.account.email).")
        if let generated = created.generatedPassword { say("Password (shown once): \(generated)") }
    }
}

struct CreateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-token",
        abstract: "Create an API token for an account (for scripts and scheduled jobs). Prints the token once; only its hash is kept.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The account's email.") var email: String
    @Option(help: "What the token is for, e.g. 'nightly import'.") var name: String
    @Option(help: "Days until the token expires.") var days = 365

    func run() async throws {
        guard (1...3650).contains(days) else { throw ValidationError("--days must be 1 to 3650") }
        let label = name.trimmingCharacters(in: .whitespaces)
        guard !label.isEmpty, label.count <= 100 else { throw ValidationError("--name: 1 to 100 characters") }
        let secret = try await db.withStore(db.logger()) { store in
            let accounts = AccountRepository(store: store)
            guard let account = try await accounts.account(email: email) else { throw ValidationError("no account with the email \(email)") }
            let (secret, _) = try await accounts.createToken(userID: account.id, name: label, expiresAt: Date().addingTimeInterval(Double(days) * 86_400))
            try await AuditRepository(store: store).record(userID: nil, action: "create_token", subject: "user:\(account.id)", detail: label + " (command line)")
            return secret
        }
        say("Token for \(email), '\(label)', valid \(days) days (shown once; send it as Authorization: Bearer):")
        print(secret)
    }
}

struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Withdraw a learner from research as each study's policy says (remove or de-identify their data); audited.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The learner's id in the platform.") var learner: String
    @Option(help: "How the learner asked (kept in the audit log).") var reason: String?
    @Option(name: .customLong("mail"), help: "The mail transport messages were sent through (default: $PATHWAYS_MAIL); for file:/folder, the copies sent to the learner are removed.")
    var mail: String?

    func run() async throws {
        let result = try await db.withStore(db.logger()) { store in
            guard let found = try await LearnerRepository(store: store).learner(key: learner) else {
                throw ValidationError("no learner with the id \(learner) (a learner who withdrew already has no id here)")
            }
            return try await PrivacyRepository(store: store).withdraw(learner: found.id, by: nil, via: "command line" + (reason.map { ": \($0.prefix(300))" } ?? ""))
        }
        say("Learner \(learner) withdrawn: \(result.summary).")
        if let address = mail ?? ProcessInfo.processInfo.environment["PATHWAYS_MAIL"], address.hasPrefix("file:") {
            let removed = FileMailTransport.remove(messageIDs: result.sentMessageIDs, from: URL(fileURLWithPath: String(address.dropFirst(5))))
            say("Removed \(removed) copies of messages sent to them from \(address.dropFirst(5)).")
        }
    }
}

/// Where survey messages go; shared by `serve` and `send`.
struct MailOptions: ParsableArguments {
    @Option(name: .customLong("mail"), help: "Mail transport: file:/folder or smtp://[user:password@]host[:port][?tls=none|opportunistic|required] (default: $PATHWAYS_MAIL; the demo writes files to ./pathways-mail).")
    var address: String?
    @Option(name: .customLong("mail-from"), help: "Sender address (default: $PATHWAYS_MAIL_FROM, else surveys@pathways.localhost).")
    var from: String?
    @Option(help: "The address respondents reach this server at, for survey links (default: $PATHWAYS_PUBLIC_URL, else this server's address).")
    var publicURL: String?

    func settings(defaultURL: String, demo: Bool = false) throws -> MailSettings? {
        let env = ProcessInfo.processInfo.environment
        guard let address = address ?? env["PATHWAYS_MAIL"] ?? (demo ? "file:" + FileManager.default.currentDirectoryPath + "/pathways-mail" : nil) else { return nil }
        let (transport, description) = try MailSettings.transport(from: address)
        return MailSettings(transport: transport, transportDescription: description,
                            from: from ?? env["PATHWAYS_MAIL_FROM"] ?? "surveys@pathways.localhost",
                            publicURL: publicURL ?? env["PATHWAYS_PUBLIC_URL"] ?? defaultURL)
    }
}

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every invitation and reminder that is due to the outbox, then deliver the outbox (for cron; safe beside running servers).")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var mail: MailOptions
    @Flag(help: "Only write due messages to the outbox; deliver nothing.") var planOnly = false

    func run() async throws {
        let logger = db.logger()
        try await db.withStore(logger) { store in
            let outbox = OutboxRepository(store: store)
            let plan = try await outbox.plan()
            say("Planned \(plan.invitations) invitations and \(plan.reminders) reminders; \(plan.heldByCap) held back by the contact cap.")
            guard !planOnly else { return }
            guard let settings = try mail.settings(defaultURL: "http://127.0.0.1:8080") else {
                throw ValidationError("no mail transport: pass --mail or set PATHWAYS_MAIL")
            }
            let result = try await OutboxDelivery(outbox: outbox, settings: settings, logger: logger).run()
            say("Delivered \(result.sent) messages to \(settings.transportDescription); \(result.failed) failed, \(result.retrying) will be retried.")
        }
    }
}

/// The wave a command works on.
struct WaveOptions: ParsableArguments {
    @Option(help: "The study's key.") var study: String
    @Option(help: "The wave's number.") var wave: Int

    func resolve(_ studies: StudyRepository) async throws -> (StudyRepository.Study, StudyRepository.Wave) {
        guard let s = try await studies.study(key: study) else { throw ValidationError("no study \(study)") }
        guard let w = try await studies.wave(study: s, number: wave) else { throw ValidationError("study \(study) has no wave \(wave)") }
        return (s, w)
    }
}

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

    func run() async throws {
        guard ["md", "html", "csv", "json"].contains(format) else { throw ValidationError("--format is md, html, csv or json") }
        guard let method = ProportionInterval(rawValue: interval) else { throw ValidationError("--interval is wilson or clopper-pearson") }
        let logger = db.logger()
        try await db.withStore(logger) { store in
            let studies = StudyRepository(store: store)
            let (s, w) = try await target.resolve(studies)
            guard let version = try await studies.version(id: w.instrumentVersionID) else { throw ValidationError("the wave's instrument version is missing") }
            let group = by.map { FieldworkRepository.programColumns[$0] ?? $0 }
            if let by, let group, group == by, version.form.question(named: by) == nil {
                throw ValidationError("--by \(by): not program, program_kind, provider or a question of this wave's form")
            }
            let report: PathwaysCore.Report
            do {
                report = try await FieldworkRepository(store: store).report(
                    study: s, wave: w, version: version, method: method, by: by,
                    rake: rake.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [],
                    suppression: minCell > 1 ? Suppression(threshold: minCell) : nil)
            } catch StoreError.invalid(let message) {
                throw ValidationError("--rake: \(message)")
            }
            switch format {
            case "csv": FileHandle.standardOutput.write(Data(report.csv().utf8))
            case "html": FileHandle.standardOutput.write(Data(report.htmlDocument().utf8))
            case "json": say(try report.json())
            default: FileHandle.standardOutput.write(Data(report.markdown().utf8))
            }
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
    @Flag(help: "Include open-text answers (they may name people or employers).") var includeText = false

    func run() async throws {
        let logger = db.logger()
        try await db.withStore(logger) { store in
            let (s, w) = try await target.resolve(StudyRepository(store: store))
            let export = try await RespondentData(store: store).exportWide(study: s, wave: w, includeText: includeText, by: nil, audit: AuditRepository(store: store))
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in export.files { try Data(file.text.utf8).write(to: folder.appendingPathComponent(file.name), options: .atomic) }
            say("Wrote \(export.respondents) respondents to \(folder.path): \(export.files.map(\.name).joined(separator: ", ")).")
        }
    }
}

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

/// Writes a line to standard output at once, unbuffered, so sign-in details appear even when piped.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
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
                    change = try await fieldwork.change(study: s, item: item, from: from, to: to)
                } catch StoreError.invalid(let message) {
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
            let export = try await RespondentData(store: store).exportPanel(study: s, includeText: includeText, by: nil, audit: AuditRepository(store: store))
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(export.csv.utf8).write(to: folder.appendingPathComponent("panel.csv"), options: .atomic)
            try Data(export.dictionary.utf8).write(to: folder.appendingPathComponent("panel-dictionary.csv"), options: .atomic)
            say("Wrote \(export.respondents) learners to \(folder.appendingPathComponent("panel.csv").path) with its dictionary.")
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent backup of the database while it is in use: SQLite by VACUUM INTO, PostgreSQL by pg_dump (custom format).")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The backup file to write (must not exist).") var out: String

    func run() async throws {
        let logger = db.logger()
        try await db.withStore(logger, migrate: false) { store in
            do {
                try await Backup.write(store, location: db.location, to: out)
            } catch let e as Backup.Failure {
                throw ValidationError(e.description)
            }
            try await AuditRepository(store: store).record(userID: nil, action: "backup", subject: "database", detail: out)
        }
        say("Backed up to \(out).")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup made by `pathways backup` into a new SQLite path or an empty PostgreSQL database (--replace to overwrite, server stopped).")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The backup file.") var from: String
    @Flag(help: "Overwrite an existing database (stop the server first).") var replace = false

    func run() async throws {
        let logger = db.logger()
        do {
            try await Backup.restore(from: from, to: db.location, replace: replace, logger: logger)
        } catch let e as Backup.Failure {
            throw ValidationError(e.description)
        }
        let versions = try await db.withStore(logger, migrate: false) { try await Migrator.appliedVersions($0) }
        say("Restored \(from) into \(db.location) (schema version \(versions.last ?? 0)).")
    }
}

struct IssueCredentials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue-credentials",
        abstract: "Issue an Open Badges 3.0 credential for every completed program that has none yet (the server does this after imports).")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var credentials: CredentialOptions
    @Option(help: "The address the server is reached at (default: $PATHWAYS_PUBLIC_URL, else http://127.0.0.1:8080).") var publicURL: String?

    func run() async throws {
        let logger = db.logger()
        let keyring = try credentials.keyring(database: db.location)
        let url = publicURL ?? ProcessInfo.processInfo.environment["PATHWAYS_PUBLIC_URL"] ?? "http://127.0.0.1:8080"
        let issued = try await db.withStore(logger) { store in
            try await CredentialRepository(store: store, keyring: keyring).issueForCompletions(
                issuer: CredentialRepository.issuer(publicURL: url, name: credentials.issuerName), publicURL: url)
        }
        say("Issued \(issued) credential(s).")
    }
}

struct VerifyCredential: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify",
        abstract: "Check an Open Badges 3.0 credential (a .jwt file): signature, claims, dates and revocation, against this deployment's keys or a did:key.",
        discussion: "Exits 0 when every check passes, 1 otherwise, and prints each check in words.")
    @Argument(help: "The credential file (VC-JWT); - reads standard input.") var file: String
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let logger = db.logger()
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("\(file): cannot be read") }
            text = String(decoding: data, as: UTF8.self)
        }
        let result = try await db.withStore(logger) { store in
            try await CredentialRepository(store: store, keyring: .ephemeral()).verifier().verify(text)
        }
        for check in result.checks { say("\(check.passed ? "ok    " : "FAILED") \(check.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(check.detail)") }
        say(result.verified ? "Verified." : "Not verified: \(result.failure?.detail ?? "")")
        if !result.verified { throw ExitCode(1) }
    }
}

struct RotateKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rotate-keys",
        abstract: "Retire the credential signing keys and make new ones; retired keys stay published, so what they signed still verifies.")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var credentials: CredentialOptions

    func run() async throws {
        let logger = db.logger()
        let keyring = try credentials.keyring(database: db.location)
        let keys = try await db.withStore(logger) { store in
            let keys = try await CredentialRepository(store: store, keyring: keyring).rotateKeys()
            try await AuditRepository(store: store).record(userID: nil, action: "rotate_credential_keys", subject: "credential_keys",
                                                           detail: keys.map(\.id).joined(separator: ", "))
            return keys
        }
        for key in keys { say("New \(key.algorithm.rawValue) key \(key.id)") }
    }
}

struct DegreeOutcomes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "degree-outcomes",
        abstract: "Per program, completers who went on to a degree: at an institution accepting the program's credit, and elsewhere.")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let logger = db.logger()
        let rows = try await db.withStore(logger) { store in try await CreditPathwayRepository(store: store).degreeOutcomes() }
        say("| program | at a credit partner | elsewhere |")
        say("| --- | --- | --- |")
        for r in rows { say("| \(r.program) | \(r.atPartner) | \(r.elsewhere) |") }
        if rows.isEmpty { say("| (no degree enrollments recorded) | | |") }
    }
}

struct CourseCredentials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "course-credentials",
        abstract: "Make each course of a program earn its own credential (on), or only the program as a whole (off).",
        discussion: "Credentials already issued stay; with on, completed courses get theirs at the next issuing (after an import, or pathways issue-credentials).")
    @Option(help: "The program's id (program_id in the catalog).") var program: String
    @Argument(help: "on or off.") var setting: String
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        guard ["on", "off"].contains(setting) else { throw ValidationError("say on or off, not '\(setting)'") }
        let logger = db.logger()
        try await db.withStore(logger) { store in
            guard let p = try await CatalogRepository(store: store).program(key: program) else {
                throw ValidationError("there is no program with id '\(program)'")
            }
            try await CredentialRepository(store: store, keyring: .ephemeral()).setCourseCredentials(programID: p.id, setting == "on")
            try await AuditRepository(store: store).record(userID: nil, action: "course_credentials", subject: "program:\(program)", detail: setting)
            say("\(p.title): \(setting == "on" ? "each course earns its own credential" : "only the program earns a credential").")
        }
    }
}
