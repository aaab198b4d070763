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
}
