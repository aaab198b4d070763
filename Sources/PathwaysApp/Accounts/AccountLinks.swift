import Foundation
import PathwaysCore
import PathwaysStore

/// Reaching an account by an emailed link: a learner invited to create theirs (by an administrator, or by an
/// event invitation), and anyone who forgot their password. Messages go through the outbox; links are stored
/// hashed, expire, and work once. Every step is audited.
public struct AccountLinks: Sendable {
    let store: Store
    let passwords: any PasswordHashing

    public init(store: Store, passwords: any PasswordHashing) {
        self.store = store
        self.passwords = passwords
    }

    var links: AccountLinkRepository { AccountLinkRepository(store: store) }
    var accounts: AccountRepository { AccountRepository(store: store) }
    var audit: AuditRepository { AuditRepository(store: store) }

    // MARK: password reset

    /// Writes a reset link to the account's address if there is such an account (and it is not disabled, and has
    /// not had three in the last hour). Says nothing either way, so the answer reveals no account.
    public func requestPasswordReset(email: String, now: Date = Date()) async throws {
        let address = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard address.count <= 320, let account = try await accounts.account(email: address), !account.disabled else {
            try await audit.record(userID: nil, action: "password_reset_unknown", subject: "user:\(address.prefix(320))")
            return
        }
        guard AccountLinkRules.mayIssueReset(recentResets: try await links.resetsIssued(userID: account.id, since: now.addingTimeInterval(-3_600))) else {
            try await audit.record(userID: account.id, action: "password_reset_held", subject: "user:\(account.id)", detail: "\(AccountLinkRules.resetsPerHour) already this hour")
            return
        }
        try await links.send(.init(kind: "password_reset", learnerID: account.learnerID, to: account.email, subject: "Set a new Pathways password", body: """
            Somebody (we hope you) asked to set a new password for the Pathways account \(account.email).

            Choose it here; the link works once, for one hour:
            {{link}}

            If it was not you, do nothing: your password stays as it is.
            """), with: .passwordReset, userID: account.id, now: now)
        try await audit.record(userID: account.id, action: "password_reset_requested", subject: "user:\(account.id)")
    }

    /// Why the link cannot be used (its page says so before asking for anything); nil when it can.
    public func refusal(_ token: String, purpose: AccountLinkPurpose, now: Date = Date()) async throws -> String? {
        do {
            _ = try await links.usable(token, purpose: purpose, now: now)
            return nil
        } catch UseCaseError.notFound(let why) {
            return why
        }
    }

    /// Sets the new password; the link is spent and every session of the account ends.
    public func resetPassword(token: String, new: String, repeated: String, now: Date = Date()) async throws -> AccountRepository.Account {
        try checkNewPassword(new, repeated)
        guard let link = try await links.spend(token, purpose: .passwordReset, now: now), let userID = link.userID,
              let account = try await accounts.account(id: userID), !account.disabled
        else { throw UseCaseError.notFound(try await refusal(token, purpose: .passwordReset, now: now) ?? "This account cannot be reached by this link.") }
        try await accounts.setPassword(userID: userID, passwordHash: try await passwords.hash(new))
        try await audit.record(userID: userID, action: "password_reset", subject: "user:\(userID)")
        return account
    }

    func checkNewPassword(_ new: String, _ repeated: String) throws {
        var problems: [FieldProblem] = []
        do { try PasswordRules.check(new) } catch { problems.append(.init("password", error.description)) }
        if new != repeated { problems.append(.init("repeat", "the two passwords differ")) }
        guard problems.isEmpty else { throw UseCaseError.rejected(problems) }
    }

    // MARK: learner invitations

    public typealias InvitationReport = LearnerWelcomes.Report

    /// Invites one learner (`learnerKey`) or every learner of a program (`programKey`), or with neither every
    /// learner with an email and no account, to create their account.
    public func inviteLearners(learnerKey: String? = nil, learnerID: UUID? = nil, programKey: String? = nil, by p: Principal, now: Date = Date()) async throws -> InvitationReport {
        try await LearnerWelcomes(store: store).invite(learnerKey: learnerKey, learnerID: learnerID, programKey: programKey, by: p, now: now)
    }

    /// Whom a welcome link is for, for its page: the learner's name and address (the link's owner holds it).
    public func welcome(_ token: String, now: Date = Date()) async throws -> (name: String?, email: String) {
        let link = try await links.usable(token, purpose: .welcome, now: now)
        guard let id = link.learnerID,
              let learner = try await LearnerRepository(store: store).learner(id: id), let email = learner.email
        else { throw UseCaseError.notFound("This link names nobody who can have an account.") }
        return (learner.name, email)
    }

    /// Creates the learner's account from a welcome link; returns it and the page the link came for (an event).
    public func createAccount(token: String, password: String, repeated: String, now: Date = Date()) async throws -> (account: AccountRepository.Account, next: String?) {
        try checkNewPassword(password, repeated)
        let (name, email) = try await welcome(token, now: now)
        if try await accounts.account(email: email) != nil {
            throw UseCaseError.conflict("An account with the address \(email) exists already; sign in, or set a new password from the sign-in page.")
        }
        guard let link = try await links.spend(token, purpose: .welcome, now: now), let learnerID = link.learnerID else {
            throw UseCaseError.notFound(try await refusal(token, purpose: .welcome, now: now) ?? "This link cannot be used.")
        }
        let account = try await accounts.create(email: email, displayName: name, passwordHash: try await passwords.hash(password), role: .learner, learnerID: learnerID)
        try await audit.record(userID: account.id, action: "create_account_from_invitation", subject: "user:\(account.id)")
        let next = link.subject.flatMap { $0.hasPrefix("event:") ? "/careers/events/" + $0.dropFirst("event:".count) : nil }
        return (account, next)
    }
}

extension AccountLinkRepository {
    /// The link a secret names when it can be used now; otherwise not found, with why in the words its page shows.
    func usable(_ token: String, purpose: AccountLinkPurpose, now: Date) async throws -> Link {
        guard let link = try await link(token, purpose: purpose) else { throw UseCaseError.notFound("This link is not one Pathways made, or it was mistyped.") }
        if let why = AccountLinkRules.refusal(purpose, expiresAt: link.expiresAt, usedAt: link.usedAt, now: now) { throw UseCaseError.notFound(why) }
        return link
    }
}

/// Emailed links for learners to create their account: one learner, a program's, everyone without an account, or
/// the learners an import asks to invite. Only those with an email, no account and no open invitation get one.
/// Administrators only; audited.
public struct LearnerWelcomes: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    var links: AccountLinkRepository { AccountLinkRepository(store: store) }

    public struct Report: Sendable, Equatable {
        public var invited = 0
        /// Learners with no email address, an account already, or an open invitation.
        public var skipped = 0
    }

    func mayInvite(_ p: Principal) throws {
        guard AccessPolicy.canInviteLearners(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) may not invite learners to create accounts") }
    }

    public func invite(learnerKey: String? = nil, learnerID: UUID? = nil, programKey: String? = nil, by p: Principal, now: Date = Date()) async throws -> Report {
        try mayInvite(p)
        var programID: UUID? = nil
        if let programKey, !programKey.isEmpty {
            guard let program = try await CatalogRepository(store: store).program(key: programKey) else { throw UseCaseError.rejected([.init("program", "no program with id '\(programKey)'")]) }
            programID = program.id
        }
        var wanted = try await links.learnersToWelcome(programID: programID, now: now)
        let one: Learner?? = if let learnerID { try await LearnerRepository(store: store).learner(id: learnerID) }
            else if let learnerKey, !learnerKey.isEmpty { try await LearnerRepository(store: store).learner(key: learnerKey) } else { nil }
        if let one {
            guard let learner = one else { throw UseCaseError.notFound("There is no such learner.") }
            if !wanted.contains(learner.id) {
                throw UseCaseError.conflict(learner.email == nil ? "This learner has no email address to send an invitation to."
                                            : "This learner has an account already, or an invitation still open.")
            }
            wanted = [learner.id]
        }
        let report = try await send(wanted, now: now)
        try await AuditRepository(store: store).record(
            userID: p.userID, action: "invite_learners",
            subject: (learnerID?.uuidString.lowercased() ?? learnerKey).map { "learner:\($0)" } ?? programKey.map { "program:\($0)" } ?? "learners",
            detail: "\(report.invited) invited")
        return report
    }

    /// Invites the learners an import names (by platform id), those of them who still need an invitation; the
    /// rest are counted as skipped.
    public func invite(keys: [String], fromImport file: String, by p: Principal, now: Date = Date()) async throws -> Report {
        try mayInvite(p)
        return try await inviteImported(keys: keys, fromImport: file, by: p.userID, now: now)
    }

    /// The invitations of an import whose importer was allowed to ask for them (checked before its rows were
    /// written), sent when its job is written, or when a stopped job is resumed.
    func inviteImported(keys: [String], fromImport file: String, by user: UUID?, now: Date = Date()) async throws -> Report {
        let ids = try await LearnerRepository(store: store).identify(keys: keys, byEmail: false)
        let found = keys.compactMap { ids[$0]?.id }
        let open = try await links.learnersToWelcome(among: found, now: now)
        var seen: Set<UUID> = []
        let wanted = found.filter { open.contains($0) && seen.insert($0).inserted }
        var report = try await send(wanted, now: now)
        report.skipped += keys.count - wanted.count
        try await AuditRepository(store: store).record(userID: user, action: "invite_learners", subject: "import:learners",
                                                       detail: "\(file): \(report.invited) invited, \(report.skipped) skipped")
        return report
    }

    func send(_ wanted: [UUID], now: Date) async throws -> Report {
        let learners = LearnerRepository(store: store)
        var report = Report()
        var messages: [AccountLinkRepository.Message] = [], ids: [UUID?] = []
        for id in wanted {
            guard let learner = try await learners.learner(id: id), let email = learner.email else { report.skipped += 1; continue }
            messages.append(.init(kind: "welcome", learnerID: id, to: email, subject: "Your Pathways account", body: """
                Hello \(learner.name ?? "there"),

                Pathways keeps your programs, credentials and career support in one place. Create your account here;
                the link works once, for 30 days:
                {{link}}
                """))
            ids.append(id)
        }
        try await links.sendAll(messages, with: .welcome, userIDs: ids.map { _ in nil }, learnerIDs: ids, now: now)
        report.invited = messages.count
        return report
    }
}
