/// Final dispositions of a case, after AAPOR's Standard Definitions for internet surveys of specifically
/// named persons. The raw value is AAPOR's code.
public enum Disposition: String, Codable, Sendable, CaseIterable {
    case complete = "1.1"
    case partial = "1.2"
    case refusal = "2.11"
    /// Started the questionnaire and stopped before the partial threshold.
    case breakOff = "2.12"
    /// Invited, known to exist, never reached (e.g. mailbox full, out of office for the whole field period).
    case nonContact = "2.20"
    case other = "2.30"
    /// In the frame, but no invitation went out (held by the contact cap until the wave closed): eligibility unknown.
    case notInvited = "3.11"
    /// Invitation sent and nothing ever returned: eligibility unknown.
    case nothingReturned = "3.19"
    /// Invitation undeliverable (bounce): eligibility unknown.
    case undeliverable = "3.30"
    /// Screened out: not in the target population (e.g. completed the program less than a year ago).
    case notEligible = "4.10"

    /// The term of the outcome-rate formulas the disposition counts in.
    public enum Category: String, Sendable, CaseIterable {
        case interview = "I", partial = "P", refusal = "R", nonContact = "NC", other = "O", unknown = "U", notEligible = "NE"
    }

    public var category: Category {
        switch self {
        case .complete: .interview
        case .partial: .partial
        case .refusal, .breakOff: .refusal
        case .nonContact: .nonContact
        case .other: .other
        case .notInvited, .nothingReturned, .undeliverable: .unknown
        case .notEligible: .notEligible
        }
    }

    public var label: String {
        switch self {
        case .complete: "Complete"
        case .partial: "Partial"
        case .refusal: "Refusal"
        case .breakOff: "Break-off"
        case .nonContact: "Non-contact"
        case .other: "Other non-response"
        case .notInvited: "No invitation sent (unknown eligibility)"
        case .nothingReturned: "Nothing returned (unknown eligibility)"
        case .undeliverable: "Undeliverable invitation (unknown eligibility)"
        case .notEligible: "Not eligible"
        }
    }
}

extension Disposition {
    /// The dispositions that are interviews (AAPOR I and P): a response, for frames ("answered wave N"), panels and
    /// reports.
    public static let responses: [Disposition] = [.complete, .partial]

    public var isResponse: Bool { Self.responses.contains(self) }

    /// Stored dispositions a case can still be answered from: nothing returned yet, or an invitation that bounced (the
    /// person may still follow a link from another message).
    public static let answerable: [Disposition] = [.nothingReturned, .undeliverable]

    /// The disposition a case has now. Final ones are stored; the rest follow from what happened: enough answered is a
    /// partial (1.2), opened or started but less is a break-off (2.12), invited with nothing back is 3.19, and never
    /// invited is 3.11. The store's SQL for a case's disposition is built from this same order (`DispositionSQL`).
    public static func current(stored: Disposition?, started: Bool, opened: Bool, invited: Bool, answeredShare: Double, partialShare: Double) -> Disposition {
        if let stored { return stored }
        if started && answeredShare >= partialShare { return .partial }
        if started || opened { return .breakOff }
        if invited { return .nothingReturned }
        return .notInvited
    }
}

