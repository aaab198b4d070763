import Foundation
import PathwaysCore
import PathwaysStore

/// JSON shapes of the API, documented in `Static/openapi.json`. Ids are the platform's (`programId` etc.);
/// `id` is Pathways' own UUID. Calendar dates are `YYYY-MM-DD`.
enum API {
    struct ProviderOut: Codable, Sendable {
        var id: UUID
        var providerId: String
        var name: String
        var kind: String
        var country: String?
        var website: String?

        init(_ p: Provider) {
            id = p.id; providerId = p.key; name = p.name; kind = p.kind.rawValue; country = p.country; website = p.website
        }
    }

    struct ProviderIn: Codable, Sendable {
        var providerId: String
        var name: String
        var kind: String
        var country: String?
        var website: String?
    }

    struct SkillOut: Codable, Sendable {
        var label: String
        var scheme: String
        var code: String?
    }

    struct ProgramOut: Codable, Sendable {
        var id: UUID
        var programId: String
        var providerId: String
        var title: String
        var kind: String
        var summary: String?
        var typicalDurationMonths: Int?
        var typicalCostUsd: Double?
        var creditValue: Double?
        var creditUnit: String?
        var skills: [SkillOut]
        /// Present for those who may see enrollment figures.
        var enrolled: Int?
        var completed: Int?

        init(_ p: Program, providerKey: String, figures: CatalogRepository.ProgramFigures?) {
            id = p.id; programId = p.key; providerId = providerKey; title = p.title; kind = p.kind.rawValue; summary = p.summary
            typicalDurationMonths = p.typicalDurationMonths; typicalCostUsd = p.typicalCostUSD; creditValue = p.creditValue
            creditUnit = p.creditUnit; skills = p.skills.map { SkillOut(label: $0.label, scheme: $0.scheme.rawValue, code: $0.code) }
            enrolled = figures?.enrolled; completed = figures?.completed
        }
    }

    struct ProgramIn: Codable, Sendable {
        var programId: String
        var providerId: String
        var title: String
        var kind: String
        var summary: String?
        var typicalDurationMonths: Int?
        var typicalCostUsd: Double?
        var creditValue: Double?
        var creditUnit: String?
    }

    struct CourseOut: Codable, Sendable {
        var id: UUID
        var courseId: String
        var title: String
        var position: Int
        var creditValue: Double?
        var effortHours: Int?

        init(_ c: Course) {
            id = c.id; courseId = c.key; title = c.title; position = c.position; creditValue = c.creditValue; effortHours = c.effortHours
        }
    }

    struct AgreementOut: Codable, Sendable {
        var id: UUID
        var institution: String
        var credits: Double
        var degree: String?
        var validFrom: String
        var validTo: String?

        init(_ a: CreditAgreement) {
            id = a.id; institution = a.institution; credits = a.credits; degree = a.degree
            validFrom = CalendarDay.format(a.validFrom); validTo = a.validTo.map(CalendarDay.format)
        }
    }

    struct AgreementIn: Codable, Sendable {
        var institution: String
        var credits: Double
        var degree: String?
        var validFrom: String
        var validTo: String?
    }

    struct EnrollmentOut: Codable, Sendable {
        var programId: String
        var enrolledOn: String
        var status: String
        var completedOn: String?
    }

    struct ProgressOut: Codable, Sendable {
        var courseId: String
        var progressPercent: Double
        var grade: Double?
        var completedOn: String?
    }

    struct LearnerOut: Codable, Sendable {
        var id: UUID
        var learnerId: String
        /// Direct identifiers; omitted for roles that work with pseudonymous records.
        var name: String?
        var email: String?
        var profileConsentOn: String?
        var profile: LearnerProfile?
        var enrollments: [EnrollmentOut]
        var courseProgress: [ProgressOut]?
    }

    struct LearnerPage: Codable, Sendable {
        var total: Int
        var limit: Int
        var offset: Int
        var items: [LearnerOut]
    }

    struct MeOut: Codable, Sendable {
        var userId: UUID
        var email: String
        var role: String
        var learnerId: UUID?
        var programScope: [String]
    }

    struct AccountIn: Codable, Sendable {
        var email: String
        var role: String
        var displayName: String?
        var password: String?
        /// For a learner account: the learner's platform id.
        var learnerId: String?
        /// For program staff: the platform ids of their programs.
        var programs: [String]?
    }

    struct AccountOut: Codable, Sendable {
        var id: UUID
        var email: String
        var role: String
        /// Present only when Pathways generated the password; shown this once.
        var generatedPassword: String?
    }

    struct ImportOut: Codable, Sendable {
        var id: UUID
        var at: Date
        var sha256: String
        var report: ImportReport
    }

    /// A checked file being written in the background: poll its URL until `status` is applied (or failed).
    struct ImportJobOut: Codable, Sendable {
        var id: UUID
        var status: String
        var file: String
        var kind: String
        var totalRows: Int
        var appliedRows: Int
        var failure: String?
        var report: ImportReport

        init(_ job: ImportRepository.Job) {
            id = job.id
            status = job.status.rawValue
            file = job.fileName
            kind = job.kind.rawValue
            totalRows = job.totalRows
            appliedRows = job.appliedRows
            failure = job.failure
            report = job.report
        }
    }
}
