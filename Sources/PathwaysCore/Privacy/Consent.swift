import Foundation

/// What a consent record is for.
public enum ConsentPurpose: String, Sendable, CaseIterable {
    /// Holding the learner's profile (gender, birth year, race and ethnicity, education, employment, income).
    case profile
    /// Taking part in a study: answers kept with the learner's record between waves.
    case study

    public var label: String {
        switch self {
        case .profile: "Profile data"
        case .study: "Study participation"
        }
    }
}

/// The words a learner agreed to. Each consent record keeps the exact text shown (by its SHA-256, the text itself
/// stored once), so a later change of wording never changes what an earlier consent meant.
public enum ConsentText {
    /// Recorded when a learner import says the learner consented to profile data (`consent_profile` = yes).
    public static let profile = """
        I agree that my learning provider may share my profile (gender, year of birth, ethnicity and race, country, \
        English proficiency, education, student and employment status, sector, business ownership and income band) \
        with Pathways to study what alternative credentials do for learners' careers. It is reported only in \
        de-identified form, and I can withdraw at any time.
        """

    /// Shown on the first page of a study's survey and recorded when the respondent saves that page.
    public static func study(title: String) -> String {
        """
        By answering, you agree to take part in the study "\(title)". Your answers are kept with your learner record \
        so that later waves can follow your career, are reported only in de-identified form, and you can stop, opt \
        out, or withdraw from the study at any time.
        """
    }
}

/// What happens to a learner's study data when they withdraw, as the study's protocol says.
public enum WithdrawalPolicy: String, Sendable, CaseIterable {
    /// Answers to closed questions stay, under the study's pseudonym, for the analyses they are already part of;
    /// free-text answers (text questions, which can name a person or employer), their coding, links and messages are
    /// removed, and no further contact is made.
    case deidentify
    /// Everything the study holds about the learner is removed: cases, answers, coding, links and messages.
    case delete

    public var label: String {
        switch self {
        case .deidentify: "De-identify: keep closed answers under the pseudonym, remove free-text answers and contact"
        case .delete: "Delete: remove every case and answer of the learner"
        }
    }
}
