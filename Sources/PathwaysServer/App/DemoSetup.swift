import Foundation
import PathwaysCore
import PathwaysStore

/// Fills an empty database with the demo initiative and one account per role, with random passwords.
public enum DemoSetup {
    public struct Result: Sendable {
        public var counts: DemoLoader.Counts
        public var accounts: [(role: Role, email: String, password: String, note: String)]
        public var study: DemoStudy.Result
        public var credentialsIssued: Int

        /// What to print, once: how to sign in as each role.
        public var text: String {
            var lines = [
                "Demo initiative loaded: \(counts.providers) providers, \(counts.programs) programs, \(counts.courses) courses, "
                    + "\(counts.learners) learners, \(counts.enrollments) enrollments, \(counts.completions) program completions.",
                study.text,
                "\(credentialsIssued) Open Badges 3.0 credentials issued for completed programs and MicroBachelors courses (verify one at /verify).",
                "Sign in with these accounts (the passwords are shown only now):",
            ]
            for a in accounts {
                lines.append("  \(a.role.label.padding(toLength: 16, withPad: " ", startingAt: 0)) \(a.email)  \(a.password)  \(a.note)")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Where the demo's completers get their credentials: the key file's keyring and the server's public URL.
    public struct Issuing: Sendable {
        public var keyring: CredentialKeyring
        public var publicURL: String
        public var issuerName: String
        public init(keyring: CredentialKeyring, publicURL: String, issuerName: String = "Pathways") {
            self.keyring = keyring
            self.publicURL = publicURL
            self.issuerName = issuerName
        }
    }

    public static func run(store: Store, passwords: Passwords, seed: UInt64 = DemoInitiative.defaultSeed, issuing: Issuing? = nil) async throws -> Result {
        let demo = DemoInitiative(seed: seed)
        let counts = try await DemoLoader.load(demo, into: store)
        let provisioning = AccountProvisioning(store: store, passwords: passwords)
        // The learner account belongs to a MicroBachelors completer, so its record shows credit and transfer.
        let mbPrograms = Set(demo.programs.filter { $0.kind == .microBachelors }.map(\.id))
        let completer = demo.enrollments.first { mbPrograms.contains($0.programID) && $0.completedAt != nil }
        let learnerKey = demo.learners.first { $0.id == completer?.learnerID }?.key ?? demo.learners[0].key
        let staffPrograms = ["mb-statistics-fundamentals", "mb-math-statistics-fundamentals"]
        let plan: [(Role, String, String?, [String], String)] = [
            (.admin, "admin@pathways.example", nil, [], "everything"),
            (.researcher, "researcher@pathways.example", nil, [], "all learners, without names or emails"),
            (.programStaff, "staff@pathways.example", nil, staffPrograms, "the two LSE MicroBachelors programs"),
            (.employer, "employer@pathways.example", nil, [], "the catalog"),
            (.learner, "learner@pathways.example", learnerKey, [], "learner \(learnerKey)'s own record"),
        ]
        var accounts: [(Role, String, String, String)] = []
        for (role, email, learner, programs, note) in plan {
            let created = try await provisioning.create(email: email, role: role, learnerKey: learner, programKeys: programs)
            accounts.append((role, email, created.generatedPassword ?? "", note))
        }
        let study = try await DemoStudy.load(into: store, seed: seed)
        var issued = 0
        if let issuing {
            // MicroBachelors courses each carry a certificate of their own; the other programs credential the whole.
            try await store.sql.raw("UPDATE programs SET course_credentials = \(bind: true) WHERE kind = \(bind: ProgramKind.microBachelors.rawValue)").run()
            issued = try await CredentialRepository(store: store, keyring: issuing.keyring).issueForCompletions(
                issuer: CredentialRepository.issuer(publicURL: issuing.publicURL, name: issuing.issuerName), publicURL: issuing.publicURL)
        }
        return Result(counts: counts, accounts: accounts, study: study, credentialsIssued: issued)
    }
}
