import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore

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
        abstract: "Withdraw a learner from research as each study's policy says (remove or de-identify their data); with --close-account, also close their account and remove their personal data. Audited.",
        discussion: "Withdrawing from research keeps the learner's account, credentials and career support; no later wave includes them. --close-account also removes name, email, profile and platform id, stops shared credential links, removes career goals, event replies and applications, and closes the account.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The learner's id in the platform.") var learner: String
    @Flag(help: "Also close the learner's account and remove their personal data.") var closeAccount = false
    @Option(help: "How the learner asked (kept in the audit log).") var reason: String?
    @Option(name: .customLong("mail"), help: "The mail transport messages were sent through (default: $PATHWAYS_MAIL); for file:/folder, the copies sent to the learner are removed.")
    var mail: String?

    func run() async throws {
        let result = try await db.withStore(db.logger()) { store in
            guard let found = try await LearnerRepository(store: store).learner(key: learner) else {
                throw ValidationError("no learner with the id \(learner) (a learner who closed their account already has no id here)")
            }
            return try await Withdrawals(store: store).withdraw(closeAccount ? .everything : .research, learner: found.id, confirm: learner,
                                                                reason: reason, channel: "on the command line", by: .commandLine)
        }
        say("Learner \(learner) withdrawn: \(result.summary).")
        if let address = mail ?? ProcessInfo.processInfo.environment["PATHWAYS_MAIL"], address.hasPrefix("file:") {
            let removed = FileMailTransport.remove(messageIDs: result.sentMessageIDs, from: URL(fileURLWithPath: String(address.dropFirst(5))))
            say("Removed \(removed) copies of messages sent to them from \(address.dropFirst(5)).")
        }
    }
}

struct InviteLearners: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite-learners",
        abstract: "Invite learners to create their accounts: each gets a link by email (through the outbox; pathways send delivers it) that works once, for 30 days.",
        discussion: """
            With no option, every learner with an email address and no account (and no invitation still open) is invited.
              pathways invite-learners --program mb-data-analytics
              pathways invite-learners --learner L-10041
            """)
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Only the learners of this program (platform id).") var program: String?
    @Option(help: "Only this learner (platform id).") var learner: String?

    func run() async throws {
        let logger = db.logger()
        let report = try await db.withStore(logger) { store in
            try await useCase {
                try await AccountLinks(store: store, passwords: Passwords(cost: AppConfiguration().bcryptCost))
                    .inviteLearners(learnerKey: learner, programKey: program, by: .commandLine)
            }
        }
        say("\(report.invited) learner\(report.invited == 1 ? "" : "s") invited to create an account; the messages are in the outbox.")
    }
}
