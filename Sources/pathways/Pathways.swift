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
        subcommands: [Serve.self, Migrate.self, Import.self, Demo.self, CreateAdmin.self, CreateToken.self, Withdraw.self, Send.self, Report.self, Export.self, Benchmark.self, BenchmarkReport.self, PanelCommand.self, ExportPanel.self, BackupCommand.self, RestoreCommand.self, IssueCredentials.self, VerifyCredential.self, RotateKeys.self, DegreeOutcomes.self, CourseCredentials.self, ImportJobs.self, Matches.self, BenchmarkMatching.self, Events.self, InviteEvent.self, CareerOutcomes.self, EmployerCommand.self, InviteLearners.self, FormCommand.self, StudyCommand.self, WaveCommand.self, ImportResponses.self, EventCommand.self])
}

/// Writes a line to standard output at once, unbuffered, so sign-in details appear even when piped.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
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

/// Where credential signing keys are sealed, and who the issuer is.
struct CredentialOptions: ParsableArguments {
    @Option(help: "The file holding the key that seals credential signing keys (default: $PATHWAYS_CREDENTIAL_KEY_FILE, else the SQLite file's path + .key, else pathways-credential.key here); made on first use, mode 0600. Keep it out of database backups.")
    var credentialKeyFile: String?
    @Option(help: "The issuer's name in credentials.") var issuerName: String = ProcessInfo.processInfo.environment["PATHWAYS_ISSUER_NAME"] ?? "Pathways"

    func keyring(database location: String) throws -> CredentialKeyring {
        let env = ProcessInfo.processInfo.environment
        let path = credentialKeyFile ?? env["PATHWAYS_CREDENTIAL_KEY_FILE"]
            ?? DatabaseLocation(location).sqlitePath.map { $0 + ".key" } ?? "pathways-credential.key"
        return try CredentialKeyring.load(path: path)
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
