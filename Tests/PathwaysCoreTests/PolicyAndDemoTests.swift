import Foundation
@testable import PathwaysCore
import Testing

@Suite struct AccessPolicyTests {
    let p1 = UUID(), p2 = UUID(), learnerA = UUID(), learnerB = UUID()

    func principal(_ role: Role, scope: Set<UUID> = [], learner: UUID? = nil) -> Principal {
        Principal(userID: UUID(), email: "x@example.org", role: role, learnerID: learner, programScope: scope)
    }

    /// The navigation leads each role to what it may use, and only there: a learner to careers, an employer to its
    /// postings and events, a researcher to neither.
    @Test func navigationLeadsEachRoleToItsPages() {
        let learner = AccessPolicy.navigation(principal(.learner, learner: learnerA))
        #expect(learner.hasCareerPortal && !learner.managesPostings && !learner.organisesEvents)
        let employer = AccessPolicy.navigation(principal(.employer))
        #expect(employer.managesPostings && employer.organisesEvents && !employer.hasCareerPortal)
        let researcher = AccessPolicy.navigation(principal(.researcher))
        #expect(!researcher.hasCareerPortal && !researcher.managesPostings && !researcher.organisesEvents && researcher.runsStudies)
        #expect(!AccessPolicy.navigation(principal(.learner)).hasCareerPortal, "a learner account tied to no record has no portal")
    }

    @Test func learnersSeeOnlyThemselves() {
        let me = principal(.learner, learner: learnerA)
        #expect(AccessPolicy.canView(learner: learnerA, enrolledIn: [p1], by: me))
        #expect(!AccessPolicy.canView(learner: learnerB, enrolledIn: [p1], by: me))
    }

    @Test func staffSeeOnlyTheirPrograms() {
        let staff = principal(.programStaff, scope: [p1])
        #expect(AccessPolicy.canView(learner: learnerA, enrolledIn: [p1, p2], by: staff))
        #expect(!AccessPolicy.canView(learner: learnerB, enrolledIn: [p2], by: staff))
        #expect(AccessPolicy.canViewEnrollment(in: p1, by: staff) && !AccessPolicy.canViewEnrollment(in: p2, by: staff))
        #expect(AccessPolicy.canViewProgramRoster(p1, by: staff) && !AccessPolicy.canViewProgramRoster(p2, by: staff))
        #expect(AccessPolicy.canImport(.enrollments, by: staff) && !AccessPolicy.canImport(.programs, by: staff))
    }

    @Test func researchersSeeEveryoneWithoutIdentifiers() {
        let r = principal(.researcher)
        #expect(AccessPolicy.canView(learner: learnerB, enrolledIn: [], by: r))
        #expect(!AccessPolicy.canSeeIdentifiers(r))
        #expect(!AccessPolicy.canImport(.learners, by: r))
    }

    @Test func employersSeeNoLearners() {
        let e = principal(.employer)
        #expect(AccessPolicy.learnerVisibility(e) == .none)
        #expect(!AccessPolicy.canView(learner: learnerA, enrolledIn: [p1], by: e))
    }
}

@Suite struct AccountChangePolicyTests {
    @Test func anAdministratorChangesOtherAccountsButNeverTheirOwn() {
        let admin = Principal(userID: UUID(), email: "a@example.org", role: .admin, learnerID: nil, programScope: [])
        let researcher = Principal(userID: UUID(), email: "r@example.org", role: .researcher, learnerID: nil, programScope: [])
        #expect(AccessPolicy.accountChangeRefusal(target: researcher.userID, by: admin) == nil)
        #expect(AccessPolicy.accountChangeRefusal(target: admin.userID, by: admin) == "you cannot disable your own account or change its role; another administrator can")
        #expect(AccessPolicy.accountChangeRefusal(target: admin.userID, by: researcher) == "your role (Researcher) may not manage accounts")
    }
}

@Suite struct DemoTests {
    @Test func sameSeedSameData() {
        let a = DemoInitiative(seed: 42, microBachelorsLearners: 50, universityLearners: 80)
        let b = DemoInitiative(seed: 42, microBachelorsLearners: 50, universityLearners: 80)
        #expect(a.learners == b.learners)
        #expect(a.enrollments == b.enrollments)
        #expect(a.progress == b.progress)
        let c = DemoInitiative(seed: 43, microBachelorsLearners: 50, universityLearners: 80)
        #expect(a.learners != c.learners)
    }

    @Test func theInitiativeMatchesTheSourceDocuments() {
        let demo = DemoInitiative()
        let mb = demo.programs.filter { $0.kind == .microBachelors }
        #expect(Set(mb.map(\.title)) == ["Statistics Fundamentals", "Mathematics and Statistics Fundamentals", "Marketing Essentials",
                                          "Business and Professional Communication for Success", "Full Stack Application Development"])
        let mbProviders = Set(mb.map(\.providerID))
        #expect(Set(demo.providers.filter { mbProviders.contains($0.id) }.map(\.key)) == ["lse", "doane", "ibm"])
        #expect(demo.programs.filter { $0.kind == .microMasters }.count == 2)
        #expect(demo.programs.filter { $0.kind == .specialization }.count == 3)
        // About 1,000 MicroBachelors learners, none with a bachelor's degree among those who gave a profile.
        let mbLearners = Set(demo.enrollments.filter { e in mb.contains { $0.id == e.programID } }.map(\.learnerID))
        #expect((950...1_050).contains(mbLearners.count))
        let profiles = demo.learners.filter { mbLearners.contains($0.id) && $0.profileConsentAt != nil }
        #expect(profiles.allSatisfy { $0.profile.highestEducation?.hasBachelorOrHigher == false })
        #expect(demo.learners.count > 6_000)
        // Completions are spread over several years and never precede enrollment.
        let years = Set(demo.enrollments.compactMap(\.completedAt).map(CalendarDay.year))
        #expect(years.count >= 5)
        #expect(demo.enrollments.allSatisfy { $0.completedAt.map { $0 >= $0 } ?? true })
        #expect(demo.enrollments.allSatisfy { e in e.completedAt.map { $0 >= e.enrolledAt } ?? true })
        #expect(demo.learners.filter { $0.profileConsentAt == nil }.allSatisfy { $0.profile.isEmpty })
    }

    @Test func calendarDaysRejectImpossibleDates() {
        #expect(CalendarDay.parse("2024-02-29") != nil)
        #expect(CalendarDay.parse("2023-02-29") == nil)
        #expect(CalendarDay.parse("2023-13-01") == nil)
        #expect(CalendarDay.parse("2023-1-01") == nil)
        #expect(CalendarDay.parse("2023-05-01T12:30:00Z").map(CalendarDay.format) == "2023-05-01")
    }
}

@Suite struct LoginThrottleTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func fiveFreeFailuresThenDoublingDelaysUpToTheCap() {
        var state: LoginThrottle.State?
        var delays: [TimeInterval?] = []
        for i in 0..<16 {
            let now = Self.t0.addingTimeInterval(Double(i) * 1_000)
            #expect(LoginThrottle.wait(state, now: now) == nil, "each attempt here comes after the wait")
            state = LoginThrottle.afterAttempt(state, rule: LoginThrottle.perAccount, now: now)
            delays.append(state!.blockedUntil.map { $0.timeIntervalSince(now) })
        }
        #expect(delays == [nil, nil, nil, nil, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900])
        #expect(LoginThrottle.wait(state, now: state!.lastFailureAt.addingTimeInterval(899)) == 1)
    }

    @Test func oldFailuresAreForgottenAndSuccessTakesTheAttemptBack() {
        let rule = LoginThrottle.perAddress
        var state = LoginThrottle.State(failures: 19, lastFailureAt: Self.t0, blockedUntil: nil)
        // The 20th attempt is counted when made (parallel guesses see it) and blocks for a second …
        let made = LoginThrottle.afterAttempt(state, rule: rule, now: Self.t0.addingTimeInterval(10))
        #expect(made.failures == 20 && made.blockedUntil == Self.t0.addingTimeInterval(11))
        // … unless it succeeds: then the count goes back and the block with it.
        let back = LoginThrottle.afterSuccess(made, rule: rule, forget: false)
        #expect(back?.failures == 19 && back?.blockedUntil == nil)
        #expect(LoginThrottle.afterSuccess(made, rule: LoginThrottle.perAccount, forget: true) == nil)
        // A day later the count starts again.
        state = LoginThrottle.afterAttempt(made, rule: rule, now: Self.t0.addingTimeInterval(10 + 86_400))
        #expect(state.failures == 1 && state.blockedUntil == nil)
    }
}
