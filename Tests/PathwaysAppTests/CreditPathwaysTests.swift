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
            let request = try await credit.send(learner: first.learnerID, credential: pathway.credentialID, agreement: pathway.agreement.id)
            #expect(try await credit.pathways(learner: first.learnerID).first?.request?.status == .sent)
            _ = try await repo.setStatus(request: request.id, .accepted, creditsAwarded: pathway.agreement.credits)
            let answered = try #require(try await credit.pathways(learner: first.learnerID).first?.request)
            #expect(answered.status == .accepted && answered.creditsAwarded == pathway.agreement.credits)
            // A credential under an agreement that does not accept it cannot be sent.
            await #expect(throws: UseCaseError.invalid("that credential is not accepted under that agreement")) {
                try await credit.send(learner: first.learnerID, credential: pathway.credentialID, agreement: UUID())
            }

            // Degrees: one at the partner (name in another case), one elsewhere; each counted under the program.
            let atPartner = try await repo.recordDegree(learner: first.learnerID, institution: pathway.agreement.institution.uppercased(),
                                                        level: .bachelors, related: true, enrolledOn: Date(), source: "the learner")
            #expect(atPartner.atCreditPartner)
            let second = completers.first { $0.learnerID != first.learnerID && $0.programID == first.programID } ?? completers[1]
            let elsewhere = try await repo.recordDegree(learner: second.learnerID, institution: "Another University", level: .masters,
                                                        related: false, enrolledOn: Date(), source: "survey")
            #expect(!elsewhere.atCreditPartner)
            let outcomes = try await repo.degreeOutcomes()
            let program = demo.programs.first { $0.id == first.programID }!.title
            let row = try #require(outcomes.first { $0.program == program })
            #expect(row.atPartner >= 1)
            #expect(outcomes.map(\.atPartner).reduce(0, +) >= 1 && outcomes.map(\.elsewhere).reduce(0, +) >= 1)
            await #expect(throws: StoreError.invalid("institution: a name of 1 to 200 characters")) {
                try await repo.recordDegree(learner: first.learnerID, institution: "  ", level: .bachelors, related: true, enrolledOn: Date(), source: "x")
            }
        }
    }
}
