import Foundation
import PathwaysCore
import PathwaysStore

/// Creates accounts the same way for the CLI, the API, the admin page and the demo.
public struct AccountProvisioning: Sendable {
    let accounts: AccountRepository
    let catalog: CatalogRepository
    let learners: LearnerRepository
    let passwords: any PasswordHashing

    public init(store: Store, passwords: any PasswordHashing) {
        accounts = AccountRepository(store: store)
        catalog = CatalogRepository(store: store)
        learners = LearnerRepository(store: store)
        self.passwords = passwords
    }

    public struct Created: Sendable {
        public var account: AccountRepository.Account
        /// The password, when Pathways generated it; shown once and never stored.
        public var generatedPassword: String?
    }

    /// - Parameters:
    ///   - learnerKey: for a learner account, the learner's platform id.
    ///   - programKeys: for program staff, the platform ids of their programs.
    public func create(email: String, role: Role, displayName: String? = nil, password: String? = nil,
                       learnerKey: String? = nil, programKeys: [String] = []) async throws -> Created {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.count <= 320, email.split(separator: "@").count == 2, email.contains(".") else {
            throw UseCaseError.invalid("email: '\(email)' is not an email address")
        }
        if let password { try PasswordRules.check(password) }
        var learnerID: UUID? = nil
        if role == .learner {
            guard let learnerKey else { throw UseCaseError.invalid("learnerId: a learner account must name its learner record") }
            guard let learner = try await learners.learner(key: learnerKey) else { throw UseCaseError.invalid("learnerId: unknown learner '\(learnerKey)'") }
            learnerID = learner.id
        } else if learnerKey != nil {
            throw UseCaseError.invalid("learnerId: only learner accounts are linked to a learner record")
        }
        var scope: Set<UUID> = []
        if role == .programStaff {
            guard !programKeys.isEmpty else { throw UseCaseError.invalid("programs: program staff need at least one program") }
            for key in programKeys {
                guard let program = try await catalog.program(key: key) else { throw UseCaseError.invalid("programs: unknown program '\(key)'") }
                scope.insert(program.id)
            }
        } else if !programKeys.isEmpty {
            throw UseCaseError.invalid("programs: only program staff are scoped to programs")
        }
        let chosen = password ?? PasswordRules.generate()
        let account = try await accounts.create(email: email, displayName: displayName, passwordHash: try await passwords.hash(chosen),
                                                role: role, learnerID: learnerID, programScope: scope)
        return Created(account: account, generatedPassword: password == nil ? chosen : nil)
    }
}

/// Password hashing as the doors provide it (bcrypt on a thread pool in the server), so use cases need no web framework.
public protocol PasswordHashing: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async throws -> Bool
}

/// What a password may be, and the ones Pathways makes.
public enum PasswordRules {
    /// A password a person may choose: 12 to 200 characters.
    public static func check(_ password: String) throws(UseCaseError) {
        guard password.count >= 12 else { throw .invalid("the password must be at least 12 characters") }
        guard password.count <= 200 else { throw .invalid("the password must be at most 200 characters") }
    }

    /// A random password for generated accounts: 24 URL-safe characters.
    public static func generate() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }
}
