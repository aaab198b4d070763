import Foundation
import PathwaysCore
import PathwaysStore

/// Where a learner's credentials count: every valid credit agreement for a program whose credential they hold, with
/// the request they sent to that partner, if any.
public struct CreditPathways: Sendable {
    let credits: CreditPathwayRepository
    let credentials: CredentialRepository
    let catalog: CatalogRepository

    public init(store: Store) {
        credits = CreditPathwayRepository(store: store)
        credentials = CredentialRepository(store: store, keyring: .ephemeral())
        catalog = CatalogRepository(store: store)
    }

    public typealias Pathway = CreditPathwayRepository.Pathway

    public func pathways(learner: UUID, on day: Date = Date()) async throws -> [Pathway] {
        let requests = try await credits.requests(learner: learner)
        var out: [Pathway] = []
        for c in try await credentials.credentials(learner: learner) where c.revokedAt == nil && c.courseID == nil {
            for a in try await catalog.agreements(programID: c.programID) where a.isValid(on: day) {
                out.append(Pathway(credentialID: c.id, programTitle: c.programTitle, agreement: a,
                                   request: requests.last { $0.agreementID == a.id && $0.credentialID == c.id }?.request))
            }
        }
        return out
    }


    /// The learner sends their record to the institution of an agreement under which that credential counts.
    public func send(learner: UUID, credential: UUID, agreement: UUID, now: Date = Date()) async throws -> CreditPathwayRepository.Request {
        guard let pathway = try await pathways(learner: learner, on: now).first(where: { $0.credentialID == credential && $0.agreement.id == agreement }) else {
            throw UseCaseError.invalid("that credential is not accepted under that agreement")
        }
        return try await credits.recordSent(learner: learner, credential: credential, agreement: pathway.agreement, now: now)
    }
}
