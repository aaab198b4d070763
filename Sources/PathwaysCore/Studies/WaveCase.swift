import Foundation

/// One person in one wave.
public struct WaveCase: Sendable, Equatable {
    public var id: Int64
    public var waveID: UUID
    public var learnerID: UUID
    public var programID: UUID?
    /// Set once final: complete, refusal (opt-out), undeliverable, not eligible.
    public var disposition: Disposition?
    public var invitedAt: Date?
    public var remindersSent: Int
    public var lastMessageAt: Date?
    public var openedAt: Date?
    public var startedAt: Date?
    public var submittedAt: Date?
    public var optedOutAt: Date?
    public var answeredShare: Double
    public var currentPage: Int?
    public var recordEligible: Bool?
    public var reportedEligible: Bool?
    public var eligibilityConflict: Bool
    /// Bumped by every write; a write naming an older revision loses (two tabs, a double click).
    public var revision: Int
    /// The language of the form the respondent chose (one of the form's `languages`); nil for the form's default.
    public var language: String?

    public init(id: Int64, waveID: UUID, learnerID: UUID, programID: UUID? = nil, disposition: Disposition? = nil, invitedAt: Date? = nil,
                remindersSent: Int = 0, lastMessageAt: Date? = nil, openedAt: Date? = nil, startedAt: Date? = nil, submittedAt: Date? = nil,
                optedOutAt: Date? = nil, answeredShare: Double = 0, currentPage: Int? = nil, recordEligible: Bool? = nil,
                reportedEligible: Bool? = nil, eligibilityConflict: Bool = false, revision: Int = 0, language: String? = nil) {
        self.id = id
        self.waveID = waveID
        self.learnerID = learnerID
        self.programID = programID
        self.disposition = disposition
        self.invitedAt = invitedAt
        self.remindersSent = remindersSent
        self.lastMessageAt = lastMessageAt
        self.openedAt = openedAt
        self.startedAt = startedAt
        self.submittedAt = submittedAt
        self.optedOutAt = optedOutAt
        self.answeredShare = answeredShare
        self.currentPage = currentPage
        self.recordEligible = recordEligible
        self.reportedEligible = reportedEligible
        self.eligibilityConflict = eligibilityConflict
        self.revision = revision
        self.language = language
    }

    /// Whether the person can still answer.
    public var isOpen: Bool { submittedAt == nil && optedOutAt == nil && (disposition == nil || disposition?.category == .unknown) }

    /// The screening already decided for this case, if it was.
    public var screening: Screening? {
        guard let recordEligible, let reportedEligible else { return nil }
        return Screening(record: recordEligible, reported: reportedEligible)
    }

    /// The disposition the case has now (`Disposition.current`).
    public func currentDisposition(partialShare: Double) -> Disposition {
        .current(stored: disposition, started: startedAt != nil, opened: openedAt != nil, invited: invitedAt != nil,
                 answeredShare: answeredShare, partialShare: partialShare)
    }
}

/// Eligibility as the records say and as the respondent said. Which decides is the study's setting; a disagreement is
/// kept and counted either way (the second seed's eligibility screening, verified against completion records).
public struct Screening: Sendable, Equatable {
    public var record: Bool
    public var reported: Bool

    public init(record: Bool, reported: Bool) {
        self.record = record
        self.reported = reported
    }

    public var conflict: Bool { record != reported }

    /// Whether the respondent goes on, by the side the study trusts.
    public func eligible(by source: EligibilitySource) -> Bool {
        source == .record ? record : reported
    }

    /// Whether records show a program completed at least `months` months before `now` (any completion when nil).
    public static func recordSaysEligible(completions: [Date], months: Int?, now: Date) -> Bool {
        let cutoff = CalendarDay.adding(months: -(months ?? 0), to: now)
        return completions.contains { $0 <= cutoff }
    }
}

/// What saving a page of a survey writes besides the answers.
public struct SurveyProgress: Sendable, Equatable {
    public var currentPage: Int?
    public var answeredShare: Double
    /// Set when the last page is submitted (`.complete`) or the respondent is screened out (`.notEligible`).
    public var disposition: Disposition?
    /// Set by the page that decides the screening.
    public var screening: Screening?
    /// Set when the respondent chooses the form's language.
    public var language: String?

    public init(currentPage: Int?, answeredShare: Double, disposition: Disposition? = nil, screening: Screening? = nil, language: String? = nil) {
        self.currentPage = currentPage
        self.answeredShare = answeredShare
        self.disposition = disposition
        self.screening = screening
        self.language = language
    }
}
