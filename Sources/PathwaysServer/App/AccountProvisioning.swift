import Foundation
import PathwaysCore
import PathwaysStore

/// Creates accounts the same way for the CLI, the API, the admin page and the demo.
public struct AccountProvisioning: Sendable {
    let accounts: AccountRepository
    let catalog: CatalogRepository
    let learners: LearnerRepository
    let passwords: Passwords

    public init(store: Store, passwords: Passwords) {
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
            throw AppError.badRequest("email: '\(email)' is not an email address")
        }
        if let password { try Passwords.check(password) }
        var learnerID: UUID? = nil
        if role == .learner {
            guard let learnerKey else { throw AppError.badRequest("learnerId: a learner account must name its learner record") }
            guard let learner = try await learners.learner(key: learnerKey) else { throw AppError.badRequest("learnerId: unknown learner '\(learnerKey)'") }
            learnerID = learner.id
        } else if learnerKey != nil {
            throw AppError.badRequest("learnerId: only learner accounts are linked to a learner record")
        }
        var scope: Set<UUID> = []
        if role == .programStaff {
            guard !programKeys.isEmpty else { throw AppError.badRequest("programs: program staff need at least one program") }
            for key in programKeys {
                guard let program = try await catalog.program(key: key) else { throw AppError.badRequest("programs: unknown program '\(key)'") }
                scope.insert(program.id)
            }
        } else if !programKeys.isEmpty {
            throw AppError.badRequest("programs: only program staff are scoped to programs")
        }
        let chosen = password ?? Passwords.generate()
        let account = try await accounts.create(email: email, displayName: displayName, passwordHash: try await passwords.hash(chosen),
                                                role: role, learnerID: learnerID, programScope: scope)
        return Created(account: account, generatedPassword: password == nil ? chosen : nil)
    }
}
