import Foundation

/// Profile data a study needs about a learner. Every field is optional, and the profile is held only
/// while the learner's consent to profile data is on record (see `Learner.profileConsentAt`).
///
/// Race and Hispanic ethnicity are asked separately, as the U.S. federal standard and the source study do.
public struct LearnerProfile: Codable, Sendable, Equatable {
    public var gender: Gender?
    public var birthYear: Int?
    public var hispanic: YesNoUndisclosed?
    public var races: [Race]
    /// ISO 3166-1 alpha-2.
    public var country: String?
    public var englishProficiency: EnglishProficiency?
    public var highestEducation: EducationLevel?
    public var studentStatus: StudentStatus?
    public var employmentStatus: EmploymentStatus?
    public var sector: String?
    public var businessOwner: Bool?
    public var incomeBand: IncomeBand?

    public init(
        gender: Gender? = nil, birthYear: Int? = nil, hispanic: YesNoUndisclosed? = nil, races: [Race] = [],
        country: String? = nil, englishProficiency: EnglishProficiency? = nil, highestEducation: EducationLevel? = nil,
        studentStatus: StudentStatus? = nil, employmentStatus: EmploymentStatus? = nil, sector: String? = nil,
        businessOwner: Bool? = nil, incomeBand: IncomeBand? = nil
    ) {
        self.gender = gender
        self.birthYear = birthYear
        self.hispanic = hispanic
        self.races = races
        self.country = country
        self.englishProficiency = englishProficiency
        self.highestEducation = highestEducation
        self.studentStatus = studentStatus
        self.employmentStatus = employmentStatus
        self.sector = sector
        self.businessOwner = businessOwner
        self.incomeBand = incomeBand
    }

    public static let empty = LearnerProfile()

    /// True when every field is empty.
    public var isEmpty: Bool { self == .empty }

    /// Fills the fields `other` leaves empty with this profile's values: an import that omits a value keeps
    /// what is stored.
    public func overlaid(by other: LearnerProfile) -> LearnerProfile {
        LearnerProfile(
            gender: other.gender ?? gender, birthYear: other.birthYear ?? birthYear, hispanic: other.hispanic ?? hispanic,
            races: other.races.isEmpty ? races : other.races, country: other.country ?? country,
            englishProficiency: other.englishProficiency ?? englishProficiency,
            highestEducation: other.highestEducation ?? highestEducation,
            studentStatus: other.studentStatus ?? studentStatus, employmentStatus: other.employmentStatus ?? employmentStatus,
            sector: other.sector ?? sector, businessOwner: other.businessOwner ?? businessOwner,
            incomeBand: other.incomeBand ?? incomeBand
        )
    }
}

public enum Gender: String, Codable, Sendable, CaseIterable, CodedValue {
    case female, male
    case nonBinary = "non_binary"
    case selfDescribed = "self_described"
    case preferNotToSay = "prefer_not_to_say"

    public var label: String {
        switch self {
        case .female: "Female"
        case .male: "Male"
        case .nonBinary: "Non-binary"
        case .selfDescribed: "Self-described"
        case .preferNotToSay: "Prefer not to say"
        }
    }
}

public enum YesNoUndisclosed: String, Codable, Sendable, CaseIterable, CodedValue {
    case yes, no
    case preferNotToSay = "prefer_not_to_say"

    public var label: String {
        switch self {
        case .yes: "Yes"
        case .no: "No"
        case .preferNotToSay: "Prefer not to say"
        }
    }
}

public enum Race: String, Codable, Sendable, CaseIterable, CodedValue {
    case americanIndianOrAlaskaNative = "american_indian_alaska_native"
    case asian
    case blackOrAfricanAmerican = "black_african_american"
    case middleEasternOrNorthAfrican = "middle_eastern_north_african"
    case nativeHawaiianOrPacificIslander = "native_hawaiian_pacific_islander"
    case white
    case other
    case preferNotToSay = "prefer_not_to_say"

    public var label: String {
        switch self {
        case .americanIndianOrAlaskaNative: "American Indian or Alaska Native"
        case .asian: "Asian"
        case .blackOrAfricanAmerican: "Black or African American"
        case .middleEasternOrNorthAfrican: "Middle Eastern or North African"
        case .nativeHawaiianOrPacificIslander: "Native Hawaiian or Pacific Islander"
        case .white: "White"
        case .other: "Other"
        case .preferNotToSay: "Prefer not to say"
        }
    }
}

public enum EnglishProficiency: String, Codable, Sendable, CaseIterable, CodedValue {
    case native
    case fluent
    case veryGood = "very_good"
    case good
    case fair
    case poor

    public var label: String {
        switch self {
        case .native: "Native"
        case .fluent: "Fluent"
        case .veryGood: "Very good"
        case .good: "Good"
        case .fair: "Fair"
        case .poor: "Poor"
        }
    }
}

/// Highest completed education. Everything below `.bachelor` is "no bachelor's degree", the population
/// the MicroBachelors initiative serves.
public enum EducationLevel: String, Codable, Sendable, CaseIterable, CodedValue, Comparable {
    case lessThanSecondary = "less_than_secondary"
    case secondary
    case someCollege = "some_college"
    case associate
    case bachelor
    case master
    case professional
    case doctorate

    public var label: String {
        switch self {
        case .lessThanSecondary: "Less than secondary school"
        case .secondary: "Secondary school / high school"
        case .someCollege: "Some college, no degree"
        case .associate: "Associate's degree"
        case .bachelor: "Bachelor's degree"
        case .master: "Master's degree"
        case .professional: "Professional degree"
        case .doctorate: "Doctorate"
        }
    }

    public var hasBachelorOrHigher: Bool { self >= .bachelor }
    public var hasGraduateDegree: Bool { self >= .master }

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

public enum StudentStatus: String, Codable, Sendable, CaseIterable, CodedValue {
    case notStudent = "not_student"
    case partTime = "part_time"
    case fullTime = "full_time"

    public var label: String {
        switch self {
        case .notStudent: "Not a student"
        case .partTime: "Part-time student"
        case .fullTime: "Full-time student"
        }
    }
}

public enum EmploymentStatus: String, Codable, Sendable, CaseIterable, CodedValue {
    case fullTime = "full_time"
    case partTime = "part_time"
    case selfEmployed = "self_employed"
    case unemployedLooking = "unemployed_looking"
    case unemployedNotLooking = "unemployed_not_looking"
    case retired
    case other

    public var label: String {
        switch self {
        case .fullTime: "Employed full-time"
        case .partTime: "Employed part-time"
        case .selfEmployed: "Self-employed"
        case .unemployedLooking: "Unemployed and looking for a job"
        case .unemployedNotLooking: "Unemployed, not looking"
        case .retired: "Retired"
        case .other: "Other"
        }
    }
}

/// Annual income bands in US dollars.
public enum IncomeBand: String, Codable, Sendable, CaseIterable, CodedValue {
    case under25k = "under_25k"
    case from25kTo50k = "25k_50k"
    case from50kTo75k = "50k_75k"
    case from75kTo100k = "75k_100k"
    case from100kTo150k = "100k_150k"
    case over150k = "over_150k"
    case preferNotToSay = "prefer_not_to_say"

    public var label: String {
        switch self {
        case .under25k: "Under $25,000"
        case .from25kTo50k: "$25,000–$49,999"
        case .from50kTo75k: "$50,000–$74,999"
        case .from75kTo100k: "$75,000–$99,999"
        case .from100kTo150k: "$100,000–$149,999"
        case .over150k: "$150,000 or more"
        case .preferNotToSay: "Prefer not to say"
        }
    }
}
