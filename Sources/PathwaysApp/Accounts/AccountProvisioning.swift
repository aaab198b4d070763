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

/// What is done to accounts after they exist: a person changes their own password; an administrator disables,
/// re-enables or changes the role of another account. Each change is audited and ends the account's sessions.
public struct AccountAdministration: Sendable {
    let store: Store
    let passwords: any PasswordHashing

    public init(store: Store, passwords: any PasswordHashing) {
        self.store = store
        self.passwords = passwords
    }

    var accounts: AccountRepository { AccountRepository(store: store) }

    /// Changes the signed-in person's password after checking the current one; every session ends.
    public func changePassword(userID: UUID, current: String, new: String, repeated: String) async throws {
        guard let account = try await accounts.account(id: userID) else { throw UseCaseError.notFound("There is no such account.") }
        var problems: [FieldProblem] = []
        if !(try await passwords.verify(current, hash: account.passwordHash)) { problems.append(.init("current", "this is not your current password")) }
        do { try PasswordRules.check(new) } catch { problems.append(.init("new", error.description)) }
        if new != repeated { problems.append(.init("repeat", "the two new passwords differ")) }
        if new == current, problems.isEmpty { problems.append(.init("new", "choose a password other than the current one")) }
        guard problems.isEmpty else { throw UseCaseError.rejected(problems) }
        try await accounts.setPassword(userID: userID, passwordHash: try await passwords.hash(new))
        try await AuditRepository(store: store).record(userID: userID, action: "change_password", subject: "user:\(userID)")
    }

    public func setDisabled(_ target: UUID, _ disabled: Bool, by actor: Principal) async throws {
        if let why = AccessPolicy.accountChangeRefusal(target: target, by: actor) { throw UseCaseError.forbidden(why) }
        guard try await accounts.account(id: target) != nil else { throw UseCaseError.notFound("There is no such account.") }
        try await accounts.setDisabled(userID: target, disabled)
        try await AuditRepository(store: store).record(userID: actor.userID, action: disabled ? "disable_account" : "enable_account", subject: "user:\(target)")
    }

    /// A new role; a learner account names its learner record, program staff their programs (platform ids).
    public func setRole(_ target: UUID, role: Role, learnerKey: String?, programKeys: [String], by actor: Principal) async throws {
        if let why = AccessPolicy.accountChangeRefusal(target: target, by: actor) { throw UseCaseError.forbidden(why) }
        guard try await accounts.account(id: target) != nil else { throw UseCaseError.notFound("There is no such account.") }
        var learnerID: UUID?
        var scope: Set<UUID> = []
        var problems: [FieldProblem] = []
        if role == .learner {
            if let key = learnerKey, !key.isEmpty, let learner = try await LearnerRepository(store: store).learner(key: key) { learnerID = learner.id } else {
                problems.append(.init("learnerId", "a learner account names its learner record (a known learner id)"))
            }
        }
        if role == .programStaff {
            for key in programKeys {
                if let program = try await CatalogRepository(store: store).program(key: key) { scope.insert(program.id) } else {
                    problems.append(.init("programs", "unknown program '\(key)'"))
                }
            }
            if programKeys.isEmpty { problems.append(.init("programs", "program staff need at least one program")) }
        }
        guard problems.isEmpty else { throw UseCaseError.rejected(problems) }
        try await accounts.setRole(userID: target, role: role, learnerID: learnerID, programScope: scope)
        try await AuditRepository(store: store).record(userID: actor.userID, action: "change_role", subject: "user:\(target)", detail: role.rawValue)
    }
}
