import Foundation
import PathwaysCore
import SQLKit

extension FieldworkRepository {
    /// A response fielded in another tool, as a complete interview of this wave.
    public struct ImportedInterview: Sendable {
        public var learnerID: UUID
        public var answers: [String: String]
        public var submittedAt: Date
        public var answeredShare: Double
        public init(learnerID: UUID, answers: [String: String], submittedAt: Date, answeredShare: Double) {
            self.learnerID = learnerID
            self.answers = answers
            self.submittedAt = submittedAt
            self.answeredShare = answeredShare
        }
    }

    /// Learners of `learnerIDs` who already have a submitted case in the wave.
    public func submitted(wave: UUID, learners learnerIDs: [UUID]) async throws -> Set<UUID> {
        var found = Set<UUID>()
        for part in learnerIDs.chunked(500) {
            for row in try await db.raw("""
                SELECT learner_id FROM wave_cases WHERE wave_id = \(bind: wave) AND learner_id IN (\(binds: part)) AND submitted_at IS NOT NULL
                """).all() { found.insert(try row.decode(column: "learner_id", as: UUID.self)) }
        }
        return found
    }

    /// Stores every interview in one transaction, each as a complete case of the wave (its case made when the frame
    /// did not hold the learner), with its answers by item and the consent the other tool took, noted as imported.
    /// The wave's frame counts as computed from then on. Nothing is stored if any write fails.
    public func importInterviews(_ interviews: [ImportedInterview], study: StudyRepository.Study, wave: StudyRepository.Wave,
                                 version: StudyRepository.InstrumentVersion, source: String, now: Date = Date()) async throws {
        try await store.transaction { db in
            var consents: [PrivacyRepository.NewConsent] = []
            for interview in interviews {
                let at = interview.submittedAt
                var id = try await db.raw("SELECT id FROM wave_cases WHERE wave_id = \(bind: wave.id) AND learner_id = \(bind: interview.learnerID)").first()?
                    .decode(column: "id", as: Int64.self)
                if id == nil {
                    id = try await db.raw("""
                        INSERT INTO wave_cases (wave_id, learner_id, program_id, reminders_sent, answered_share, eligibility_conflict, revision, updated_at)
                        SELECT \(bind: wave.id), l.id,
                               \(unsafeRaw: Self.caseProgram),
                               0, 0, \(bind: false), 0, \(bind: now)
                        FROM learners l WHERE l.id = \(bind: interview.learnerID)
                        RETURNING id
                        """).first()?.decode(column: "id", as: Int64.self)
                }
                guard let caseID = id else { throw StoreError.notFound("learner \(interview.learnerID)") }
                try await db.raw("""
                    UPDATE wave_cases SET disposition = \(bind: Disposition.complete.rawValue), submitted_at = \(bind: at), started_at = COALESCE(started_at, \(bind: at)),
                           opened_at = COALESCE(opened_at, \(bind: at)), answered_share = \(bind: interview.answeredShare), revision = revision + 1, updated_at = \(bind: now)
                    WHERE id = \(bind: caseID) AND submitted_at IS NULL
                    """).run()
                try await Self.replaceAnswers(db, caseID: caseID, answers: interview.answers, version: version, now: now)
                consents.append(.init(learnerID: interview.learnerID, purpose: .study, studyID: study.id, text: ConsentText.study(title: study.title),
                                      givenAt: at, source: source))
            }
            try await PrivacyRepository.record(consents, on: db, now: now)
            try await db.raw("UPDATE waves SET frame_computed_at = COALESCE(frame_computed_at, \(bind: now)) WHERE id = \(bind: wave.id)").run()
        }
    }
}
