import Foundation
import PathwaysApp
import PathwaysCore
import PathwaysStore
import PathwaysTestSupport
import Testing

/// Matching a learner's programs to the open postings, with reasons: the use case over the store, on both databases.
@Suite struct CareerMatchingTests {
    /// A demo learner in the full-stack program: matches ranked with explanations, the no-degree and remote filters.
    @Test(arguments: TestDatabase.allCases)
    func aFullStackLearnersMatchesAreRankedAndExplained(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let demo = DemoInitiative(seed: 3, microBachelorsLearners: 60, universityLearners: 10)
            _ = try await DemoLoader.load(demo, into: store)
            let now = ISODate.parse("2026-11-15")!
            let repo = CareerRepository(store: store)
            let matching = CareerMatching(store: store)
            let board = DemoJobBoard.postings(count: 600, seed: 9, now: now)
            _ = try await repo.store(board.map { ($0, "demo board") }, now: now)
            let fullStack = try #require(demo.programs.first { $0.key == "mb-full-stack-development" })
            let enrollment = try #require(demo.enrollments.first { $0.programID == fullStack.id })
            let matches = try await matching.matches(learner: enrollment.learnerID, k: 10, on: now)
            #expect(matches.count == 10)
            #expect(zip(matches, matches.dropFirst()).allSatisfy { $0.match.score >= $1.match.score }, "ranked best first")
            let tech = ["Developer", "Engineer", "QA", "Cloud", "DevOps", "IT Support", "Web"]
            let techTop = matches.prefix(5).filter { m in tech.contains { m.posting.posting.title.contains($0) } }
            #expect(techTop.count >= 4, "a full-stack learner's best matches are technical roles: \(matches.map(\.posting.posting.title))")
            for m in matches {
                #expect(!m.match.matchedSkills.isEmpty, "every match says which of the learner's skills it uses")
                #expect(Set(m.match.matchedSkills).isDisjoint(with: m.match.missingSkills))
                #expect(!m.match.degree.reason.isEmpty)
                #expect(m.match.degree == DegreeClassifier.classify(m.posting.posting), "the explanation's degree requirement is the posting's")
            }
            #expect(matches.contains { $0.match.matchedSkills.contains("JavaScript") || $0.match.matchedSkills.contains("Programming") })

            let noDegree = try await matching.matches(learner: enrollment.learnerID, k: 10, filters: MatchFilters(noDegreeRequired: true), on: now)
            #expect(!noDegree.isEmpty)
            #expect(noDegree.allSatisfy { $0.match.degree.requirement == .noDegree })
            #expect(noDegree.allSatisfy { $0.match.notes.contains("No degree required.") })
            // The filter removes, it does not reorder: the no-degree postings among the unfiltered ranking keep their order.
            let all = try await matching.matches(learner: enrollment.learnerID, k: 600, on: now)
            #expect(Array(all.filter { $0.match.degree.requirement == .noDegree }.prefix(noDegree.count).map(\.posting.posting.id)) == noDegree.map(\.posting.posting.id))
            let remote = try await matching.matches(learner: enrollment.learnerID, k: 10, filters: MatchFilters(remoteOnly: true, employmentTypes: ["FULL_TIME"]), on: now)
            #expect(!remote.isEmpty && remote.allSatisfy { $0.posting.posting.remote && $0.posting.posting.employmentTypes.contains("FULL_TIME") })

            // A posting added after matching is matched at once (the cached index notices the change).
            let perfect = JobPosting(externalID: "NEW-1", title: "Full Stack Developer", description: "JavaScript, Python, Git, databases and the cloud.",
                                     hiringOrganization: "Contoso Cloud", skills: ["JavaScript", "Python", "Git", "Databases", "Cloud computing", "Programming"].map { PostingSkill(name: $0) },
                                     datePosted: now)
            _ = try await repo.store([(perfect, "test")], now: now.addingTimeInterval(1))
            #expect(try await matching.matches(learner: enrollment.learnerID, k: 3, on: now).contains { $0.posting.posting.id == perfect.id })

            // A stated goal lifts the postings that fit it, and says so.
            let before = try #require(all.firstIndex { $0.posting.posting.title.contains("QA Tester") })
            try await repo.setGoals(learner: enrollment.learnerID, goals: ["QA Tester"], region: nil, now: now)
            let withGoal = try await matching.matches(learner: enrollment.learnerID, k: 601, on: now).filter { $0.posting.posting.id != perfect.id }
            let after = try #require(withGoal.firstIndex { $0.posting.posting.title.contains("QA Tester") })
            #expect(after < before, "the first QA Tester posting moves up from \(before + 1) to \(after + 1)")
            #expect(withGoal[after].match.notes.contains("Fits your goal \"qa tester\"."))
        }
    }
}
