import Foundation

/// Rows of an import file, read and checked cell by cell, naming other records by their platform ids.
public struct ProviderDraft: Sendable, Equatable {
    public var row: Int
    public var key: String
    public var name: String
    public var kind: ProviderKind
    public var country: String?
    public var website: String?
}

public struct ProgramDraft: Sendable, Equatable {
    public var row: Int
    public var key: String
    public var providerKey: String
    public var title: String
    public var kind: ProgramKind
    public var summary: String?
    public var durationMonths: Int?
    public var costUSD: Double?
    public var creditValue: Double?
    public var creditUnit: String?
    public var skills: [SkillRef]
}

public struct CourseDraft: Sendable, Equatable {
    public var row: Int
    public var key: String
    public var programKey: String
    public var title: String
    public var position: Int?
    public var creditValue: Double?
    public var effortHours: Int?
}

public struct CreditAgreementDraft: Sendable, Equatable {
    public var row: Int
    public var programKey: String
    public var institution: String
    public var credits: Double
    public var degree: String?
    public var validFrom: Date
    public var validTo: Date?
}

public struct LearnerDraft: Sendable, Equatable {
    public var row: Int
    public var key: String
    public var name: String?
    public var email: String?
    /// Set when the file records consent to profile data; the profile is empty otherwise.
    public var profileConsentAt: Date?
    public var profile: LearnerProfile
    /// The file asks for an emailed link to create the learner's account once it is written (`invite_account`).
    public var invite: Bool = false
}

public struct EnrollmentDraft: Sendable, Equatable {
    public var row: Int
    public var learnerKey: String
    public var programKey: String
    public var enrolledAt: Date
    public var status: EnrollmentStatus?
}

public struct CompletionDraft: Sendable, Equatable {
    public var row: Int
    public var learnerKey: String
    public var programKey: String
    /// nil for the completion of the whole program.
    public var courseKey: String?
    public var completedAt: Date?
    public var progressPercent: Double?
    public var grade: Double?
}

/// The rows of one import file, of one kind.
public enum ImportBatch: Sendable, Equatable {
    case providers([ProviderDraft])
    case programs([ProgramDraft])
    case courses([CourseDraft])
    case creditAgreements([CreditAgreementDraft])
    case learners([LearnerDraft])
    case enrollments([EnrollmentDraft])
    case completions([CompletionDraft])

    public var count: Int {
        switch self {
        case .providers(let r): r.count
        case .programs(let r): r.count
        case .courses(let r): r.count
        case .creditAgreements(let r): r.count
        case .learners(let r): r.count
        case .enrollments(let r): r.count
        case .completions(let r): r.count
        }
    }

    public static func empty(_ kind: ImportKind) -> ImportBatch {
        switch kind {
        case .providers: .providers([])
        case .programs: .programs([])
        case .courses: .courses([])
        case .creditAgreements: .creditAgreements([])
        case .learners: .learners([])
        case .enrollments: .enrollments([])
        case .completions: .completions([])
        }
    }

    /// The rows of several batches of `kind`, in order.
    public static func joined(_ batches: [ImportBatch], kind: ImportKind) -> ImportBatch {
        var providers: [ProviderDraft] = [], programs: [ProgramDraft] = [], courses: [CourseDraft] = [], agreements: [CreditAgreementDraft] = []
        var learners: [LearnerDraft] = [], enrollments: [EnrollmentDraft] = [], completions: [CompletionDraft] = []
        for batch in batches {
            switch batch {
            case .providers(let r): providers += r
            case .programs(let r): programs += r
            case .courses(let r): courses += r
            case .creditAgreements(let r): agreements += r
            case .learners(let r): learners += r
            case .enrollments(let r): enrollments += r
            case .completions(let r): completions += r
            }
        }
        switch kind {
        case .providers: return .providers(providers)
        case .programs: return .programs(programs)
        case .courses: return .courses(courses)
        case .creditAgreements: return .creditAgreements(agreements)
        case .learners: return .learners(learners)
        case .enrollments: return .enrollments(enrollments)
        case .completions: return .completions(completions)
        }
    }

    /// The batch without the rows about these learners (by platform id), and the rows left out with their learner.
    public func removingLearners(_ keys: Set<String>) -> (batch: ImportBatch, removed: [(row: Int, key: String)]) {
        guard !keys.isEmpty else { return (self, []) }
        func split<D>(_ rows: [D], _ key: (D) -> String, _ row: (D) -> Int) -> ([D], [(Int, String)]) {
            (rows.filter { !keys.contains(key($0)) }, rows.filter { keys.contains(key($0)) }.map { (row($0), key($0)) })
        }
        switch self {
        case .learners(let rows):
            let (kept, removed) = split(rows, \.key, \.row)
            return (.learners(kept), removed.map { (row: $0.0, key: $0.1) })
        case .enrollments(let rows):
            let (kept, removed) = split(rows, \.learnerKey, \.row)
            return (.enrollments(kept), removed.map { (row: $0.0, key: $0.1) })
        case .completions(let rows):
            let (kept, removed) = split(rows, \.learnerKey, \.row)
            return (.completions(kept), removed.map { (row: $0.0, key: $0.1) })
        case .providers, .programs, .courses, .creditAgreements:
            return (self, [])
        }
    }

    /// The platform ids of other records this batch refers to (or, for learners, updates), which the store
    /// looks up before the references are checked.
    public var referencedKeys: ReferencedKeys {
        var keys = ReferencedKeys()
        switch self {
        case .providers: break
        case .programs(let rows): keys.providers = Set(rows.map(\.providerKey))
        case .courses(let rows): keys.programs = Set(rows.map(\.programKey))
        case .creditAgreements(let rows): keys.programs = Set(rows.map(\.programKey))
        case .learners(let rows): keys.learners = Set(rows.map(\.key))
        case .enrollments(let rows):
            keys.learners = Set(rows.map(\.learnerKey))
            keys.programs = Set(rows.map(\.programKey))
        case .completions(let rows):
            keys.learners = Set(rows.map(\.learnerKey))
            keys.programs = Set(rows.map(\.programKey))
            keys.courses = Set(rows.compactMap(\.courseKey))
        }
        return keys
    }
}

/// Platform ids an import refers to.
public struct ReferencedKeys: Sendable, Equatable {
    public var providers: Set<String> = []
    public var programs: Set<String> = []
    public var courses: Set<String> = []
    public var learners: Set<String> = []
    public init() {}
}

/// What the store knows about the records an import refers to.
public struct ImportReferences: Sendable {
    public var providers: Set<String> = []
    public var programs: Set<String> = []
    /// Course id → the program id it belongs to.
    public var courseProgram: [String: String] = [:]
    public var learners: Set<String> = []
    /// "learner id|program id" → enrollment date, for stored enrollments.
    public var enrollments: [String: Date] = [:]
    /// Stored learners who are enrolled in at least one program inside the importer's scope.
    public var learnersInScope: Set<String> = []

    public init() {}

    public static func pair(_ learner: String, _ program: String) -> String { learner + "|" + program }
}
