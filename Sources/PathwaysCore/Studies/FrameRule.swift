import Foundation

/// A rule that picks a wave's sampling frame from stored data, relative to the day the wave opens, e.g.
/// "answered wave 1 or wave 2, and completed a program at least 12 months before this wave opens".
/// Stored as JSON with the wave; read and written in plain words (`init(text:)`, `text`; see FrameRuleText.swift).
public indirect enum FrameRule: Codable, Sendable, Equatable {
    case all([FrameRule])
    case any([FrameRule])
    case not(FrameRule)
    /// Completed wave `wave` of the study, at least `monthsBefore` months before this wave opens (nil: ever).
    case answeredWave(wave: Int, monthsBefore: Int?)
    /// Completed a program (of one of `kinds`, or any kind) at least `monthsBefore` months before the wave opens.
    case completedProgram(kinds: [ProgramKind]?, monthsBefore: Int)
    /// Enrolled in a program of one of `kinds` (or any) on or before the day the wave opens.
    case enrolled(kinds: [ProgramKind]?)
    /// Enrolled in one of these programs (platform ids).
    case inPrograms([String])
    /// Profile says the highest education is below a bachelor's degree.
    case noBachelorsDegree
    /// The profile's country is one of these ISO 3166-1 alpha-2 codes.
    case country([String])

    /// What a rule can see about one learner.
    public struct Candidate: Sendable {
        public struct Enrollment: Sendable {
            public var programKey: String
            public var kind: ProgramKind
            public var enrolledAt: Date
            public var completedAt: Date?
            public init(programKey: String, kind: ProgramKind, enrolledAt: Date, completedAt: Date?) {
                self.programKey = programKey
                self.kind = kind
                self.enrolledAt = enrolledAt
                self.completedAt = completedAt
            }
        }

        public var enrollments: [Enrollment]
        /// Wave number → when the learner completed that wave.
        public var completedWaves: [Int: Date]
        public var highestEducation: EducationLevel?
        public var country: String?

        public init(enrollments: [Enrollment], completedWaves: [Int: Date] = [:], highestEducation: EducationLevel? = nil, country: String? = nil) {
            self.enrollments = enrollments
            self.completedWaves = completedWaves
            self.highestEducation = highestEducation
            self.country = country
        }
    }

    /// Whether `candidate` belongs in the frame of a wave opening on `opens`.
    public func includes(_ candidate: Candidate, opens: Date) -> Bool {
        switch self {
        case .all(let rules): return rules.allSatisfy { $0.includes(candidate, opens: opens) }
        case .any(let rules): return rules.contains { $0.includes(candidate, opens: opens) }
        case .not(let rule): return !rule.includes(candidate, opens: opens)
        case .answeredWave(let wave, let months):
            guard let at = candidate.completedWaves[wave] else { return false }
            return months.map { at <= CalendarDay.adding(months: -$0, to: opens) } ?? (at <= opens)
        case .completedProgram(let kinds, let months):
            let cutoff = CalendarDay.adding(months: -months, to: opens)
            return candidate.enrollments.contains { e in
                (kinds?.contains(e.kind) ?? true) && (e.completedAt.map { $0 <= cutoff } ?? false)
            }
        case .enrolled(let kinds):
            return candidate.enrollments.contains { (kinds?.contains($0.kind) ?? true) && $0.enrolledAt <= opens }
        case .inPrograms(let keys):
            return candidate.enrollments.contains { keys.contains($0.programKey) }
        case .noBachelorsDegree:
            return candidate.highestEducation.map { !$0.hasBachelorOrHigher } ?? false
        case .country(let codes):
            return candidate.country.map { codes.contains($0.uppercased()) } ?? false
        }
    }

    /// The rule in plain words: the same words `init(text:)` reads.
    public var description: String { text }
}
