import Foundation
import PathwaysApp
import PathwaysCore
import PathwaysStore
import PathwaysTestSupport
import Testing

/// Where credentials count: a learner sends their record to a credit partner, the partner's answer is recorded, and
/// degree enrollments are counted at partners or elsewhere; on both databases.
@Suite struct CreditPathwaysTests {
    @Test(arguments: TestDatabase.allCases)
    func recordsGoToCreditPartnersAndDegreeEnrollmentsAreCountedAtPartnersOrElsewhere(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let demo = DemoInitiative(seed: 11, microBachelorsLearners: 60, universityLearners: 20)
            _ = try await DemoLoader.load(demo, into: store)
            let url = "https://pathways.example"
            try await CredentialRepository(store: store, keyring: .ephemeral()).issueForCompletions(
                issuer: CredentialRepository.issuer(publicURL: url, name: "Pathways"), publicURL: url)
            let repo = CreditPathwayRepository(store: store)
            let credit = CreditPathways(store: store)
            let withAgreement = Set(demo.agreements.map(\.programID))
            let completers = demo.enrollments.filter { $0.completedAt != nil && withAgreement.contains($0.programID) }
            #expect(completers.count >= 2, "the demo has completers of programs with credit agreements")
            let first = completers[0]
            let pathways = try await credit.pathways(learner: first.learnerID)
            let pathway = try #require(pathways.first)
            #expect(pathway.request == nil)
            let learner = Principal(userID: UUID(), email: "first@example.org", role: .learner, learnerID: first.learnerID)
            let admin = Principal(userID: UUID(), email: "admin@example.org", role: .admin)
            // Only the learner sends their record; only an administrator records the partner's answer.
            await #expect(throws: UseCaseError.forbidden("only the learner can send their record")) {
                try await credit.send(learner: first.learnerID, credential: pathway.credentialID, agreement: pathway.agreement.id, by: admin)
            }
            let request = try await credit.send(learner: first.learnerID, credential: pathway.credentialID, agreement: pathway.agreement.id, by: learner)
            #expect(try await credit.pathways(learner: first.learnerID).first?.request?.status == .sent)
            await #expect(throws: UseCaseError.forbidden("only an administrator records a credit partner's answer")) {
                try await credit.recordAnswer(request: request.id, status: "accepted", credits: "3", by: learner)
            }
            await #expect(throws: UseCaseError.invalid("credits: a number from 0 to 1000")) {
                try await credit.recordAnswer(request: request.id, status: "accepted", credits: "-1", by: admin)
            }
            #expect(try await credit.recordAnswer(request: request.id, status: "accepted", credits: "\(pathway.agreement.credits)", by: admin) == first.learnerID)
            let answered = try #require(try await credit.pathways(learner: first.learnerID).first?.request)
            #expect(answered.status == .accepted && answered.creditsAwarded == pathway.agreement.credits)
            // A credential under an agreement that does not accept it cannot be sent.
            await #expect(throws: UseCaseError.invalid("that credential is not accepted under that agreement")) {
                try await credit.send(learner: first.learnerID, credential: pathway.credentialID, agreement: UUID(), by: learner)
            }

            // Degrees: one at the partner (name in another case), one elsewhere; each counted under the program.
            let atPartner = try await credit.recordDegree(learner: first.learnerID, institution: pathway.agreement.institution.uppercased(),
                                                          level: "bachelors", related: true, enrolledOn: "2026-09-01", by: learner)
            #expect(atPartner.atCreditPartner && atPartner.source == "the learner")
            await #expect(throws: UseCaseError.forbidden("only the learner or an administrator records a degree enrollment")) {
                try await credit.recordDegree(learner: UUID(), institution: "x", level: "bachelors", related: true, enrolledOn: "2026-09-01", by: learner)
            }
            await #expect(throws: UseCaseError.invalid("level: associate, bachelors, masters, professional or doctoral")) {
                try await credit.recordDegree(learner: first.learnerID, institution: "x", level: "none", related: true, enrolledOn: "2026-09-01", by: admin)
            }
            let second = completers.first { $0.learnerID != first.learnerID && $0.programID == first.programID } ?? completers[1]
            let elsewhere = try await repo.recordDegree(learner: second.learnerID, institution: "Another University", level: .masters,
                                                        related: false, enrolledOn: Date(), source: "survey")
            #expect(!elsewhere.atCreditPartner)
            let outcomes = try await repo.degreeOutcomes()
            let program = demo.programs.first { $0.id == first.programID }!.title
            let row = try #require(outcomes.first { $0.program == program })
            #expect(row.atPartner >= 1)
            #expect(outcomes.map(\.atPartner).reduce(0, +) >= 1 && outcomes.map(\.elsewhere).reduce(0, +) >= 1)
            await #expect(throws: UseCaseError.invalid("institution: a name of 1 to 200 characters")) {
                try await credit.recordDegree(learner: first.learnerID, institution: "  ", level: "bachelors", related: true, enrolledOn: "2026-09-01", by: admin)
            }
        }
    }
}
