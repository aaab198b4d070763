import Foundation
import PathwaysCore
import SQLKit

/// Writes a generated initiative into an empty database, in one transaction, keeping its ids: the tests' fixture.
/// The demo itself loads through the import, as a person's files do (`DemoInitiative.importFiles`, `DemoSetup`); a
/// test holds the two to the same stored figures.
public enum DemoLoader {
    public struct Counts: Sendable, Equatable {
        public var providers, programs, courses, learners, enrollments, completions: Int
    }

    /// Loads `demo`; refuses when the catalog already has programs, so real data is never mixed with it.
    public static func load(_ demo: DemoInitiative, into store: Store) async throws -> Counts {
        let existing = try await store.sql.raw("SELECT COUNT(*) AS n FROM programs").first()!.decode(column: "n", as: Int.self)
        guard existing == 0 else { throw StoreError.conflict("the database already has \(existing) programs; the demo loads only into an empty one") }
        let now = Date()
        try await store.transaction { db in
            try await BulkWrite.insert(
                db, into: "providers", columns: ["id", "external_id", "name", "kind", "country", "website", "created_at", "updated_at"],
                rows: demo.providers.map { [$0.id, $0.key, $0.name, $0.kind.rawValue, $0.country, $0.website, now, now] })
            try await CatalogRepository.upsertPrograms(db, demo.programs, ifExists: .fail)
            try await BulkWrite.insert(
                db, into: "courses", columns: ["id", "external_id", "program_id", "title", "position", "credit_value", "effort_hours", "created_at", "updated_at"],
                rows: demo.courses.map { [$0.id, $0.key, $0.programID, $0.title, $0.position, $0.creditValue, $0.effortHours, now, now] })
            try await CatalogRepository.insertAgreements(db, demo.agreements)
            try await LearnerRepository.upsert(demo.learners, on: db, now: now)
            try await PrivacyRepository.record(demo.learners.compactMap { l in
                l.profileConsentAt.map { .init(learnerID: l.id, purpose: .profile, text: ConsentText.profile, givenAt: $0, source: "demo initiative") }
            }, on: db, now: now)
            try await BulkWrite.insert(
                db, into: "enrollments", columns: ["id", "learner_id", "program_id", "enrolled_at", "status", "completed_at", "created_at", "updated_at"],
                rows: demo.enrollments.map { [$0.id, $0.learnerID, $0.programID, $0.enrolledAt, $0.status.rawValue, $0.completedAt, now, now] })
            try await BulkWrite.insert(
                db, into: "course_progress", columns: ["learner_id", "course_id", "progress_percent", "grade", "completed_at", "updated_at"],
                rows: demo.progress.map { [$0.learnerID, $0.courseID, $0.progressPercent, $0.grade, $0.completedAt, now] })
        }
        return Counts(providers: demo.providers.count, programs: demo.programs.count, courses: demo.courses.count, learners: demo.learners.count,
                      enrollments: demo.enrollments.count, completions: demo.enrollments.filter { $0.completedAt != nil }.count)
    }
}
