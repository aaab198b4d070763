import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore
import ServiceLifecycle

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
        let fieldwork = FieldworkService(planner: Fieldwork(store: store), delivery: delivery, interval: .seconds(max(1, fieldworkInterval)), logger: logger)
        let app = try await buildApplication(configuration: configuration, store: store, logger: logger, services: fieldworkInterval > 0 ? [fieldwork] : [])
        say("Pathways is serving \(store.dialect.rawValue) data at http://\(host):\(port)")
        if fieldworkInterval <= 0 {
            say("Messages are not written or sent by this server (--fieldwork-interval 0); run `pathways send`.")
        } else {
            say(settings.map { "Survey messages go to \($0.transportDescription)." } ?? "No mail transport is set (--mail or PATHWAYS_MAIL): due messages wait in the outbox.")
        }
        // SIGTERM or SIGINT stops the server gracefully: in-flight requests finish, the background rounds end, then
        // the pool closes; whatever still runs after 10 seconds is cancelled.
        var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(10)
        try await ServiceGroup(configuration: group).run()
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
            let plan = try await Fieldwork(store: store).plan()
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
