import Foundation

/// A person who takes programs. Name and email are direct identifiers, shown only to those who run the
/// learner's programs; the profile is held only under consent.
public struct Learner: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The learner's id in the learning platform's exports; unique.
    public var key: String
    public var name: String?
    public var email: String?
    /// When the learner consented to profile data being held; nil means no consent and an empty profile.
    public var profileConsentAt: Date?
    public var profile: LearnerProfile
    /// When the learner withdrew from research: identity and profile are gone, and no import brings them back.
    public var withdrawnAt: Date? = nil
    /// When the learner withdrew from research only: they keep their account, credentials and career support, and
    /// no later wave includes them.
    public var researchWithdrawnAt: Date? = nil

    public init(id: UUID = UUID(), key: String, name: String? = nil, email: String? = nil, profileConsentAt: Date? = nil, profile: LearnerProfile = .empty) {
        self.id = id
        self.key = key
        self.name = name
        self.email = email
        self.profileConsentAt = profileConsentAt
        self.profile = profile
    }
}

public enum EnrollmentStatus: String, Codable, Sendable, CaseIterable, CodedValue {
    case active
    case completed
    case withdrawn

    public var label: String { rawValue.capitalized }
}

/// A learner's enrollment in a program; `completedAt` is the program completion date.
public struct Enrollment: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var learnerID: UUID
    public var programID: UUID
    public var enrolledAt: Date
    public var status: EnrollmentStatus
    public var completedAt: Date?

    public init(id: UUID = UUID(), learnerID: UUID, programID: UUID, enrolledAt: Date, status: EnrollmentStatus = .active, completedAt: Date? = nil) {
        self.id = id
        self.learnerID = learnerID
        self.programID = programID
        self.enrolledAt = enrolledAt
        self.status = status
        self.completedAt = completedAt
    }
}

/// A learner's progress in one course: percent of the course done, grade, and completion date once passed.
public struct CourseProgress: Codable, Sendable, Equatable {
    public var learnerID: UUID
    public var courseID: UUID
    public var progressPercent: Double
    public var grade: Double?
    public var completedAt: Date?

    public init(learnerID: UUID, courseID: UUID, progressPercent: Double, grade: Double? = nil, completedAt: Date? = nil) {
        self.learnerID = learnerID
        self.courseID = courseID
        self.progressPercent = progressPercent
        self.grade = grade
        self.completedAt = completedAt
    }
}
