/// The CSV files Pathways imports, in the order a new initiative loads them.
public enum ImportKind: String, Codable, Sendable, CaseIterable {
    case providers
    case programs
    case courses
    case creditAgreements = "credit_agreements"
    case learners
    case enrollments
    case completions

    /// One column of an import file.
    public struct Column: Sendable {
        public var name: String
        public var required: Bool
        public var help: String

        public init(name: String, required: Bool, help: String) {
            self.name = name
            self.required = required
            self.help = help
        }
    }

    public var columns: [Column] {
        func req(_ n: String, _ h: String) -> Column { Column(name: n, required: true, help: h) }
        func opt(_ n: String, _ h: String) -> Column { Column(name: n, required: false, help: h) }
        switch self {
        case .providers:
            return [
                req("provider_id", "the provider's id in the platform; unique"),
                req("name", "display name"),
                req("kind", ProviderKind.codeList),
                opt("country", "ISO 3166-1 alpha-2 code, e.g. US"),
                opt("website", "https URL"),
            ]
        case .programs:
            return [
                req("program_id", "the program's id in the platform; unique"),
                req("provider_id", "a provider already imported"),
                req("title", "display title"),
                req("kind", ProgramKind.codeList),
                opt("summary", "one paragraph"),
                opt("duration_months", "typical duration, whole months"),
                opt("cost_usd", "typical cost in US dollars"),
                opt("credit_value", "recommended credit, e.g. 15"),
                opt("credit_unit", "e.g. US semester credits"),
                opt("skills", "skills separated by ';', each 'Label' or 'Label=esco:URI' or 'Label=onet:ID'"),
            ]
        case .courses:
            return [
                req("course_id", "the course's id in the platform; unique"),
                req("program_id", "a program already imported"),
                req("title", "display title"),
                opt("position", "order within the program, 1-based"),
                opt("credit_value", "credit for this course"),
                opt("effort_hours", "typical hours of effort"),
            ]
        case .creditAgreements:
            return [
                req("program_id", "a program already imported"),
                req("institution", "the institution that accepts the program's credit"),
                req("credits", "credits it grants, more than 0 and at most 500"),
                opt("degree", "the degree the credit counts toward, e.g. Bachelor of Science in Business"),
                req("valid_from", "first day the agreement is in force, YYYY-MM-DD"),
                opt("valid_to", "last day it is in force, YYYY-MM-DD; blank while it has no end"),
            ]
        case .learners:
            return [
                req("learner_id", "the learner's id in the platform; unique"),
                opt("name", "full name"),
                opt("email", "email address"),
                opt("consent_profile", "yes when the learner consented to profile data; profile columns are kept only then"),
                opt("consented_on", "date of that consent, YYYY-MM-DD"),
                opt("gender", Gender.codeList),
                opt("birth_year", "four digits"),
                opt("hispanic", YesNoUndisclosed.codeList),
                opt("race", "one or more of \(Race.codeList), separated by ';'"),
                opt("country", "ISO 3166-1 alpha-2 code"),
                opt("english_proficiency", EnglishProficiency.codeList),
                opt("highest_education", EducationLevel.codeList),
                opt("student_status", StudentStatus.codeList),
                opt("employment_status", EmploymentStatus.codeList),
                opt("sector", "free text, e.g. healthcare"),
                opt("business_owner", "yes or no"),
                opt("income_band", IncomeBand.codeList),
                opt("invite_account", "yes to email the learner a link to create their Pathways account once the file is written; needs an email, and an administrator's import"),
            ]
        case .enrollments:
            return [
                req("learner_id", "a learner already imported"),
                req("program_id", "a program already imported"),
                req("enrolled_on", "YYYY-MM-DD"),
                opt("status", EnrollmentStatus.codeList),
            ]
        case .completions:
            return [
                req("learner_id", "a learner enrolled in the program"),
                req("program_id", "the program"),
                opt("course_id", "blank for completion of the whole program"),
                opt("completed_on", "YYYY-MM-DD; required for a program completion"),
                opt("progress_percent", "0-100, for a course not yet completed"),
                opt("grade", "0-100"),
            ]
        }
    }

    /// Kinds whose rows are about learners; program staff may import these for their own programs.
    public var isLearnerData: Bool {
        switch self {
        case .learners, .enrollments, .completions: true
        case .providers, .programs, .courses, .creditAgreements: false
        }
    }
}

extension ImportKind {
    /// A number as an import cell writes it: a whole number without a decimal point, nothing for none.
    public static func cell(_ d: Double?) -> String {
        d.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) } ?? ""
    }
}
