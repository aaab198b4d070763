import Foundation

/// What an account is for. Each role sees the least it needs.
public enum Role: String, Codable, Sendable, CaseIterable, CodedValue {
    /// Runs the installation: catalog, accounts, every program and learner.
    case admin
    /// Designs studies and analyses outcomes; sees learners without direct identifiers.
    case researcher
    /// Runs particular programs; sees learners enrolled in those programs only.
    case programStaff = "program_staff"
    /// An employer partner; sees the catalog, not learners (candidates come with their consent).
    case employer
    /// Sees their own record only.
    case learner

    public var label: String {
        switch self {
        case .admin: "Administrator"
        case .researcher: "Researcher"
        case .programStaff: "Program staff"
        case .employer: "Employer partner"
        case .learner: "Learner"
        }
    }
}

/// The signed-in account a request acts for, with the facts access decisions need.
public struct Principal: Sendable, Equatable {
    public var userID: UUID
    public var email: String
    public var role: Role
    /// For a learner account, the learner record it is.
    public var learnerID: UUID?
    /// For program staff, the programs they run.
    public var programScope: Set<UUID>

    public init(userID: UUID, email: String, role: Role, learnerID: UUID? = nil, programScope: Set<UUID> = []) {
        self.userID = userID
        self.email = email
        self.role = role
        self.learnerID = learnerID
        self.programScope = programScope
    }
}

/// Access rules, decided from the principal and the facts of the record, never from the route.
public enum AccessPolicy {
    /// Which learners a principal may list.
    public enum LearnerVisibility: Sendable, Equatable {
        case all
        /// Learners enrolled in any of these programs.
        case enrolledIn(Set<UUID>)
        case only(UUID)
        case none
    }

    public static func learnerVisibility(_ p: Principal) -> LearnerVisibility {
        switch p.role {
        case .admin, .researcher: .all
        case .programStaff: .enrolledIn(p.programScope)
        case .learner: p.learnerID.map { .only($0) } ?? .none
        case .employer: .none
        }
    }

    /// Whether `p` may see the learner with `learnerID`, who is enrolled in `programs`.
    public static func canView(learner learnerID: UUID, enrolledIn programs: Set<UUID>, by p: Principal) -> Bool {
        switch learnerVisibility(p) {
        case .all: true
        case .enrolledIn(let scope): !scope.isDisjoint(with: programs)
        case .only(let id): id == learnerID
        case .none: false
        }
    }

    /// Which of a learner's enrollments a principal may see, given that they may see the learner at all:
    /// program staff see only their own programs' part of a learner's record.
    public static func canViewEnrollment(in programID: UUID, by p: Principal) -> Bool {
        switch p.role {
        case .admin, .researcher, .learner: true
        case .programStaff: p.programScope.contains(programID)
        case .employer: false
        }
    }

    /// Names and emails are direct identifiers: researchers work with pseudonymous records.
    public static func canSeeIdentifiers(_ p: Principal) -> Bool {
        switch p.role {
        case .admin, .programStaff, .learner: true
        case .researcher, .employer: false
        }
    }

    /// Enrollment and completion figures for a program.
    public static func canViewProgramRoster(_ programID: UUID, by p: Principal) -> Bool {
        switch p.role {
        case .admin, .researcher: true
        case .programStaff: p.programScope.contains(programID)
        case .employer, .learner: false
        }
    }

    public static func canEditCatalog(_ p: Principal) -> Bool { p.role == .admin }

    public static func canImport(_ kind: ImportKind, by p: Principal) -> Bool {
        switch p.role {
        case .admin: true
        case .programStaff: kind.isLearnerData
        case .researcher, .employer, .learner: false
        }
    }

    public static func canManageAccounts(_ p: Principal) -> Bool { p.role == .admin }
    /// Inviting learners to create their accounts is account management.
    public static func canInviteLearners(_ p: Principal) -> Bool { canManageAccounts(p) }
    /// An administrator may disable or change the role of any account but their own (so no deployment loses its
    /// last administrator by a slip); nil when allowed, else why not.
    public static func accountChangeRefusal(target: UUID, by p: Principal) -> String? {
        guard canManageAccounts(p) else { return "your role (\(p.role.label)) may not manage accounts" }
        return target == p.userID ? "you cannot disable your own account or change its role; another administrator can" : nil
    }

    /// A learner withdraws themselves; an administrator records a withdrawal asked for another way (letter, email).
    public static func canWithdraw(learner: UUID, by p: Principal) -> Bool {
        p.role == .admin || (p.role == .learner && p.learnerID == learner)
    }

    /// A learner's credentials: the learner downloads and shares their own; an administrator sees any and revokes.
    public static func canSeeCredentials(of learner: UUID, by p: Principal) -> Bool {
        p.role == .admin || (p.role == .learner && p.learnerID == learner)
    }
    public static func canRevokeCredentials(_ p: Principal) -> Bool { p.role == .admin }

    /// The audit log and each study's withdrawal policy are the administrator's.
    public static func canReadAuditLog(_ p: Principal) -> Bool { p.role == .admin }
    public static func canSetWithdrawalPolicy(_ p: Principal) -> Bool { p.role == .admin }
    /// The contact cap holds for every study and event of the deployment.
    public static func canSetContactCap(_ p: Principal) -> Bool { p.role == .admin }

    // MARK: lists and self-service

    /// The learner list: everyone who sees learners, except a learner (who has a record, not a list).
    public static func canListLearners(_ p: Principal) -> Bool { learnerVisibility(p) != .none && p.role != .learner }

    /// Whether `p` is the learner `learner` themselves (self-service: withdrawing, sharing, sending a record).
    public static func isSelf(_ learner: UUID, _ p: Principal) -> Bool { p.role == .learner && p.learnerID == learner }

    /// A learner's credential is shared and their record sent to a credit partner by the learner alone.
    public static func canShareCredential(of learner: UUID, by p: Principal) -> Bool { isSelf(learner, p) }
    public static func canSendRecord(of learner: UUID, by p: Principal) -> Bool { isSelf(learner, p) }
    /// A degree enrollment is recorded by the learner or an administrator.
    public static func canRecordDegree(of learner: UUID, by p: Principal) -> Bool { p.role == .admin || isSelf(learner, p) }

    /// The first page after signing in.
    public static func landingPage(for role: Role) -> String { role == .learner ? "/me" : "/programs" }

    /// A learner list filtered to a program: its roster's viewers may; a learner, who sees only themselves, may too.
    public static func canFilterLearners(byProgram programID: UUID, _ p: Principal) -> Bool {
        canViewProgramRoster(programID, by: p) || p.role == .learner
    }

    /// Imports by program staff reach only their programs; nil means every program (an administrator).
    public static func importScope(_ p: Principal) -> Set<UUID>? { p.role == .admin ? nil : p.programScope }

    /// An import job is followed by whoever imported it, and by administrators.
    public static func canFollowImport(by owner: UUID?, _ p: Principal) -> Bool { p.role == .admin || (owner != nil && owner == p.userID) }

    // MARK: studies

    /// Studies, waves, reports, exports and coding: researchers' work, and administrators'.
    public static func canRunStudies(_ p: Principal) -> Bool { p.role == .admin || p.role == .researcher }

    // MARK: careers

    /// A learner's own career portal: matches, goals, applications, outcomes, replies to events.
    public static func hasCareerPortal(_ p: Principal) -> Bool { p.role == .learner && p.learnerID != nil }
    /// Events: administrators see every one; a learner sees those whose audience they are in (checked by the caller).
    public static func mayOpenEvents(_ p: Principal) -> Bool { p.role == .admin || p.role == .learner }
    public static func seesEveryEvent(_ p: Principal) -> Bool { p.role == .admin }
    /// Administrators organise any event; employer accounts their own employer partner's (`EventOwnership`).
    public static func canOrganiseEvents(_ p: Principal) -> Bool { p.role == .admin || p.role == .employer }
    /// Job postings are read, written and their candidates seen by administrators and employer partners (an employer
    /// partner only its own, as `PostingOwnership` and the caller's employer decide).
    public static func canManagePostings(_ p: Principal) -> Bool { p.role == .admin || p.role == .employer }
    /// A posting's own page (the whole posting and its apply link): learners with a career portal, who are matched to
    /// postings, and those who manage postings. Postings are published job ads; who applied to one is not on it.
    public static func mayReadPostings(_ p: Principal) -> Bool { hasCareerPortal(p) || canManagePostings(p) }
    /// Every employer's postings and candidates: administrators.
    public static func seesEveryPosting(_ p: Principal) -> Bool { p.role == .admin }
    /// Whether `p` acts for an employer partner (and so only for its own postings).
    public static func actsForEmployer(_ p: Principal) -> Bool { p.role == .employer }

    /// What the navigation offers `p`.
    public struct Navigation: Sendable, Equatable {
        public var isAdmin: Bool
        public var isLearner: Bool
        public var seesLearners: Bool
        public var canImport: Bool
        public var runsStudies: Bool
        public var managesPostings: Bool
        public var organisesEvents: Bool = false
        /// A learner's jobs, events and career outcomes (`/careers`).
        public var hasCareerPortal: Bool = false
    }

    public static func navigation(_ p: Principal) -> Navigation {
        Navigation(isAdmin: p.role == .admin, isLearner: p.role == .learner, seesLearners: learnerVisibility(p) != .none,
                   canImport: canImport(.learners, by: p), runsStudies: canRunStudies(p), managesPostings: canManagePostings(p),
                   organisesEvents: canOrganiseEvents(p), hasCareerPortal: hasCareerPortal(p))
    }
}
