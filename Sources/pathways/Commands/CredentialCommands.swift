import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore

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
            try await CredentialIssuing(store: store, keyring: keyring, publicURL: url, issuerName: credentials.issuerName).issueForCompletions()
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
            let p: Program
            do {
                p = try await CatalogAdministration(store: store).setCourseCredentials(program: program, setting == "on", by: .commandLine)
            } catch UseCaseError.notFound(let message) {
                throw ValidationError(message)
            }
            say("\(p.title): \(setting == "on" ? "each course earns its own credential" : "only the program earns a credential").")
        }
    }
}
