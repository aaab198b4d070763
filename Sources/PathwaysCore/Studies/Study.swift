import Foundation

// A longitudinal study and what it is made of: instruments in versions, waves over a frame of cases.

/// Which source decides eligibility when a learner's answer and the stored records disagree.
public enum EligibilitySource: String, Sendable, Codable {
    case record, selfReport = "self_report"
}

/// A study: who it follows is its waves' business; here, its settings.
public struct Study: Sendable, Equatable {
    public var settings: StudySettings {
        StudySettings(key: key, title: title, description: description, eligibilitySource: eligibilitySource, partialShare: partialShare)
    }

    public var id: UUID
    public var key: String
    public var title: String
    public var description: String?
    public var eligibilitySource: EligibilitySource
    /// Share of applicable questions answered from which an unfinished response counts as a partial (AAPOR 1.2)
    /// rather than a break-off.
    public var partialShare: Double

    public init(id: UUID, key: String, title: String, description: String? = nil, eligibilitySource: EligibilitySource, partialShare: Double) {
        self.id = id
        self.key = key
        self.title = title
        self.description = description
        self.eligibilitySource = eligibilitySource
        self.partialShare = partialShare
    }
}

/// One version of a study's instrument: an XLSForm whose questions are tied to the study's items.
public struct InstrumentVersion: Sendable {
    public var id: UUID
    public var instrumentID: UUID
    public var instrumentKey: String
    public var number: Int
    public var form: XLSForm
    public var sha256: String
    /// Item identity of each stored name in this version.
    public var items: [String: UUID]
    public var createdAt: Date

    public init(id: UUID, instrumentID: UUID, instrumentKey: String, number: Int, form: XLSForm, sha256: String, items: [String: UUID],
                createdAt: Date) {
        self.id = id
        self.instrumentID = instrumentID
        self.instrumentKey = instrumentKey
        self.number = number
        self.form = form
        self.sha256 = sha256
        self.items = items
        self.createdAt = createdAt
    }
}

/// A wave: when it runs, whom it frames, what it sends, how it screens.
public struct Wave: Sendable, Equatable {
    public var id: UUID
    public var studyID: UUID
    public var number: Int
    public var title: String
    public var instrumentVersionID: UUID
    public var opensAt: Date
    public var closesAt: Date
    public var frameRule: FrameRule
    public var reminderDays: [Int]
    /// The form value that says whether the respondent is eligible ("yes"/"no"), checked against records.
    public var screenItem: String?
    /// Records say eligible when a program was completed at least this many months before the answer.
    public var eligibilityMonths: Int?
    public var messageSubject: String
    public var messageBody: String
    public var frameComputedAt: Date?
    public var eligibilityOverride: Double?
    public var state: WaveState

    public init(id: UUID, studyID: UUID, number: Int, title: String, instrumentVersionID: UUID, opensAt: Date, closesAt: Date,
                frameRule: FrameRule, reminderDays: [Int], screenItem: String? = nil, eligibilityMonths: Int? = nil, messageSubject: String,
                messageBody: String, frameComputedAt: Date? = nil, eligibilityOverride: Double? = nil, state: WaveState = .draft) {
        self.id = id
        self.studyID = studyID
        self.number = number
        self.title = title
        self.instrumentVersionID = instrumentVersionID
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.frameRule = frameRule
        self.reminderDays = reminderDays
        self.screenItem = screenItem
        self.eligibilityMonths = eligibilityMonths
        self.messageSubject = messageSubject
        self.messageBody = messageBody
        self.frameComputedAt = frameComputedAt
        self.eligibilityOverride = eligibilityOverride
        self.state = state
    }

    /// What a person set on this wave.
    public var settings: WaveSettings {
        WaveSettings(number: number, title: title, instrumentVersionID: instrumentVersionID, opensAt: opensAt, closesAt: closesAt, frameRule: frameRule,
                     reminderDays: reminderDays, screenItem: screenItem, eligibilityMonths: eligibilityMonths, messageSubject: messageSubject,
                     messageBody: messageBody)
    }

    public var message: MessageTemplate { MessageTemplate(subject: messageSubject, body: messageBody) }
}
