import Foundation
import PathwaysCore
import PathwaysStore

/// Career outcomes from a study's answers: a follow-up survey's benefits question (promotion, raise, bonus, a new
/// job) becomes outcomes the per-program profiles count, once per case and kind, so running it again adds only
/// what is new. A researcher's or an administrator's step (the study page, `POST
/// /api/v1/studies/{study}/career-outcomes`, `pathways career-outcomes --from-survey`, the demo); audited.
public struct SurveyOutcomes: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// Records the outcomes `study`'s submitted answers report; returns how many were new.
    @discardableResult
    public func fromSurvey(study key: String, mapping: SurveyOutcomeMapping = .followUp, by p: Principal, now: Date = Date()) async throws -> Int {
        guard AccessPolicy.canRunStudies(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) does not run studies") }
        guard let study = try await StudyRepository(store: store).study(key: key) else { throw UseCaseError.notFound("There is no study '\(key)'.") }
        let added = try await CareerRepository(store: store).outcomesFromSurvey(study: study.id, mapping: mapping, now: now)
        try await AuditRepository(store: store).record(userID: p.userID, action: "outcomes_from_survey", subject: "study:\(study.id)",
                                                       detail: "\(added) outcomes from \(mapping.items.joined(separator: ", "))")
        return added
    }
}
