import Foundation
@testable import PathwaysCore
import Testing

@Suite struct AccountLinkRulesTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aLinkWorksOnceUntilItExpiresExceptATestLink() {
        #expect(AccountLinkRules.refusal(.welcome, expiresAt: now.addingTimeInterval(60), usedAt: nil, now: now) == nil)
        #expect(AccountLinkRules.refusal(.passwordReset, expiresAt: now.addingTimeInterval(60), usedAt: now, now: now)?.contains("already used") == true)
        #expect(AccountLinkRules.refusal(.passwordReset, expiresAt: now, usedAt: nil, now: now)?.contains("expired") == true)
        #expect(AccountLinkRules.refusal(.trial, expiresAt: now.addingTimeInterval(60), usedAt: now, now: now) == nil, "a test link is taken many times")
        #expect(AccountLinkPurpose.passwordReset.lifetime == 3_600 && AccountLinkPurpose.welcome.lifetime == 30 * 86_400)
    }

    @Test func eachMessageKindOpensItsOwnPage() {
        #expect(AccountLinkRules.linkPath(messageKind: "invitation", token: "t") == "/s/t")
        #expect(AccountLinkRules.linkPath(messageKind: "reminder 2", token: "t") == "/s/t")
        #expect(AccountLinkRules.linkPath(messageKind: "event", token: "t") == "/welcome/t")
        #expect(AccountLinkRules.linkPath(messageKind: "welcome", token: "t") == "/welcome/t")
        #expect(AccountLinkRules.linkPath(messageKind: "password_reset", token: "t") == "/reset/t")
        #expect(AccountLinkRules.linkPath(messageKind: "test", token: "t") == "/try/t")
        #expect(AccountLinkRules.isSurveyMessage("reminder 1") && AccountLinkRules.isSurveyMessage("test") && !AccountLinkRules.isSurveyMessage("welcome"))
    }

    @Test func resetsAreLimitedPerHour() {
        #expect(AccountLinkRules.mayIssueReset(recentResets: 2) && !AccountLinkRules.mayIssueReset(recentResets: 3))
    }
}
