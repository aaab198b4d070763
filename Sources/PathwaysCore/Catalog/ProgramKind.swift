/// The kind of an alternative-credential program, as learners and registries name them.
public enum ProgramKind: String, Codable, Sendable, CaseIterable, CodedValue {
    case microBachelors = "microbachelors"
    case microMasters = "micromasters"
    case specialization
    case professionalCertificate = "professional_certificate"
    case xSeries = "xseries"
    case masterTrack = "mastertrack"
    case nanodegree
    case certificateOfAdvancedStudy = "certificate_of_advanced_study"
    case other

    public var label: String {
        switch self {
        case .microBachelors: "MicroBachelors"
        case .microMasters: "MicroMasters"
        case .specialization: "Specialization"
        case .professionalCertificate: "Professional Certificate"
        case .xSeries: "XSeries"
        case .masterTrack: "MasterTrack"
        case .nanodegree: "Nanodegree"
        case .certificateOfAdvancedStudy: "Certificate of Advanced Study"
        case .other: "Other"
        }
    }
}

/// What sort of organisation offers programs.
public enum ProviderKind: String, Codable, Sendable, CaseIterable, CodedValue {
    case university
    case company
    case nonprofit
    case other

    public var label: String { rawValue.capitalized }
}

/// The vocabulary a skill identifier comes from.
public enum SkillScheme: String, Codable, Sendable, CaseIterable, CodedValue {
    /// European Skills, Competences, Qualifications and Occupations; `code` is the concept URI.
    case esco
    /// O*NET content model; `code` is the element id (e.g. `2.A.2.a`) or a SOC code.
    case onet
    /// A label with no external identifier yet.
    case local

    public var label: String {
        switch self {
        case .esco: "ESCO"
        case .onet: "O*NET"
        case .local: "local"
        }
    }
}
