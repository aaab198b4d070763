import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore

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
            let outcome = try await DataImports(store: store, issuing: nil).importFile(kind: kind, name: name, bytes: data, by: .commandLine, inBackground: false) { job in
                if job.status == .applying {
                    FileHandle.standardError.write(Data("\(name): \(job.appliedRows) of \(job.totalRows) rows written\n".utf8))
                }
            }
            guard case .finished(let report) = outcome else { continue }
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
