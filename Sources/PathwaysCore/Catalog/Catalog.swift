import Foundation

/// A university, company or other organisation that offers programs.
public struct Provider: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The provider's identifier in the learning platform's exports; unique.
    public var key: String
    public var name: String
    public var kind: ProviderKind
    /// ISO 3166-1 alpha-2 country code.
    public var country: String?
    public var website: String?

    public init(id: UUID = UUID(), key: String, name: String, kind: ProviderKind, country: String? = nil, website: String? = nil) {
        self.id = id
        self.key = key
        self.name = name
        self.kind = kind
        self.country = country
        self.website = website
    }
}

/// A skill a program teaches, identified in ESCO or O*NET where known.
public struct SkillRef: Codable, Sendable, Hashable {
    public var label: String
    public var scheme: SkillScheme
    /// ESCO concept URI or O*NET element id; nil for `.local`.
    public var code: String?

    public init(label: String, scheme: SkillScheme = .local, code: String? = nil) {
        self.label = label
        self.scheme = scheme
        self.code = code
    }
}

/// A credential program: a series of courses with a kind, a typical duration and cost, and a credit value.
public struct Program: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var providerID: UUID
    public var title: String
    public var kind: ProgramKind
    public var summary: String?
    public var typicalDurationMonths: Int?
    public var typicalCostUSD: Double?
    /// Credit the program is recommended for, in `creditUnit`.
    public var creditValue: Double?
    /// e.g. "US semester credits" or "ECTS".
    public var creditUnit: String?
    public var skills: [SkillRef]

    public init(
        id: UUID = UUID(), key: String, providerID: UUID, title: String, kind: ProgramKind, summary: String? = nil,
        typicalDurationMonths: Int? = nil, typicalCostUSD: Double? = nil, creditValue: Double? = nil,
        creditUnit: String? = nil, skills: [SkillRef] = []
    ) {
        self.id = id
        self.key = key
        self.providerID = providerID
        self.title = title
        self.kind = kind
        self.summary = summary
        self.typicalDurationMonths = typicalDurationMonths
        self.typicalCostUSD = typicalCostUSD
        self.creditValue = creditValue
        self.creditUnit = creditUnit
        self.skills = skills
    }
}

/// One course within a program, in the program's suggested order.
public struct Course: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var programID: UUID
    public var title: String
    public var position: Int
    public var creditValue: Double?
    public var effortHours: Int?

    public init(id: UUID = UUID(), key: String, programID: UUID, title: String, position: Int, creditValue: Double? = nil, effortHours: Int? = nil) {
        self.id = id
        self.key = key
        self.programID = programID
        self.title = title
        self.position = position
        self.creditValue = creditValue
        self.effortHours = effortHours
    }
}

/// "Institution X accepts program Y for N credits", valid over a date range.
public struct CreditAgreement: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var institution: String
    public var programID: UUID
    public var credits: Double
    /// The degree the credit counts toward, e.g. "Bachelor of Science in Business".
    public var degree: String?
    public var validFrom: Date
    public var validTo: Date?

    public init(id: UUID = UUID(), institution: String, programID: UUID, credits: Double, degree: String? = nil, validFrom: Date, validTo: Date? = nil) {
        self.id = id
        self.institution = institution
        self.programID = programID
        self.credits = credits
        self.degree = degree
        self.validFrom = validFrom
        self.validTo = validTo
    }

    /// Whether the agreement is in force on `day`.
    public func isValid(on day: Date) -> Bool {
        day >= validFrom && (validTo.map { day <= $0 } ?? true)
    }
}

extension SkillRef {
    /// The skill as an import's `skills` column writes it: `Label`, or `Label=scheme:code`.
    public var importText: String {
        guard scheme != .local, let code else { return label }
        return "\(label)=\(scheme.rawValue):\(code)"
    }
}
