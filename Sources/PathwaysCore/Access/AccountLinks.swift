import Foundation

/// What an emailed or shared link to Pathways is for. Only its hash is stored; each purpose has its lifetime, and
/// all but a test link work once.
public enum AccountLinkPurpose: String, Sendable, CaseIterable, Codable {
    /// A learner invited to create their account (by an administrator, or by an event invitation).
    case welcome
    /// Somebody who forgot their password sets a new one.
    case passwordReset = "password_reset"
    /// A researcher's test link to an instrument version: taken without signing in, creating no case.
    case trial

    public var lifetime: TimeInterval {
        switch self {
        case .welcome: 30 * 86_400
        case .passwordReset: 3_600
        case .trial: 14 * 86_400
        }
    }

    public var singleUse: Bool { self != .trial }

    /// The page the link opens, under the deployment's address.
    public func path(_ token: String) -> String {
        switch self {
        case .welcome: "/welcome/\(token)"
        case .passwordReset: "/reset/\(token)"
        case .trial: "/try/\(token)"
        }
    }
}

/// The decisions about account links, apart from any store.
public enum AccountLinkRules {
    /// Why a stored link cannot be used now, in the words its page shows; nil when it can.
    public static func refusal(_ purpose: AccountLinkPurpose, expiresAt: Date, usedAt: Date?, now: Date) -> String? {
        if usedAt != nil, purpose.singleUse { return "This link was already used. Links like it work once." }
        if now >= expiresAt { return "This link has expired. Ask for a new one." }
        return nil
    }

    /// At most this many password-reset messages for one account in an hour: a stranger typing somebody's address
    /// cannot flood their mailbox.
    public static let resetsPerHour = 3

    public static func mayIssueReset(recentResets: Int) -> Bool { recentResets < resetsPerHour }

    /// Which page a sent message's link opens: survey messages their case's survey, account messages their account
    /// link, a researcher's test message the instrument's test link.
    public static func linkPath(messageKind kind: String, token: String) -> String {
        switch kind {
        case "welcome", "event": AccountLinkPurpose.welcome.path(token)
        case "password_reset": AccountLinkPurpose.passwordReset.path(token)
        case "test": AccountLinkPurpose.trial.path(token)
        default: "/s/\(token)"
        }
    }

    /// Messages a person asked for (a password reset) or sent to themselves (a test): they never use up anyone's
    /// contact cap, which limits messages nobody asked for.
    public static let uncappedMessageKinds = ["password_reset", "test"]

    /// Message kinds written from a wave's template, whose bodies carry `{{survey_link}}` and `{{opt_out_link}}`.
    public static func isSurveyMessage(_ kind: String) -> Bool {
        kind == "invitation" || kind.hasPrefix("reminder") || kind == "test"
    }
}
