import Foundation
import PathwaysCore
import SQLKit

/// Synthetic rows for benchmarks, written by the database itself so that setting up a million learners does not
/// dominate the run: one provider and program, `learners` learners with one enrollment each (40% completed), and wave
/// 1's cases (30% complete).
public enum SyntheticPopulation {
    public static func write(store: Store, learners: Int, wave1: Wave, opens: Date) async throws {
        let providerID = UUID(), programID = UUID()
        let base = CalendarDay.adding(months: -48, to: opens).timeIntervalSince1970
        try await store.sql.raw("""
            INSERT INTO providers (id, external_id, name, kind, created_at, updated_at)
            VALUES (\(bind: providerID), 'bench', 'Bench', 'university', \(bind: opens), \(bind: opens))
            """).run()
        try await store.sql.raw("""
            INSERT INTO programs (id, external_id, provider_id, title, kind, created_at, updated_at)
            VALUES (\(bind: programID), 'bench', \(bind: providerID), 'Bench', 'microbachelors', \(bind: opens), \(bind: opens))
            """).run()
        let chunk = 100_000
        for start in stride(from: 0, to: learners, by: chunk) {
            let end = min(learners, start + chunk)
            try await store.transaction { db in
                switch store.dialect {
                case .sqlite:
                    try await db.raw("""
                        WITH RECURSIVE n(i) AS (SELECT \(literal: start) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < \(literal: end))
                        INSERT INTO learners (id, external_id, name, email, created_at, updated_at)
                        SELECT printf('00000000-0000-4000-8000-%012X', i), 'B' || i, 'Learner ' || i, 'l' || i || '@bench.test', \(bind: opens), \(bind: opens) FROM n
                        """).run()
                    try await db.raw("""
                        WITH RECURSIVE n(i) AS (SELECT \(literal: start) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < \(literal: end))
                        INSERT INTO enrollments (id, learner_id, program_id, enrolled_at, status, completed_at, created_at, updated_at)
                        SELECT printf('00000000-0000-4000-9000-%012X', i), printf('00000000-0000-4000-8000-%012X', i), \(bind: programID),
                               \(literal: base) + (i % 700) * 86400.0, 'active',
                               CASE WHEN i % 5 < 2 THEN \(literal: base) + (i % 700) * 86400.0 + 200 * 86400.0 ELSE NULL END, \(bind: opens), \(bind: opens) FROM n
                        """).run()
                    try await db.raw("""
                        INSERT INTO wave_cases (wave_id, learner_id, program_id, disposition, invited_at, reminders_sent, submitted_at, answered_share,
                                                eligibility_conflict, revision, updated_at)
                        SELECT \(bind: wave1.id), id, \(bind: programID), CASE WHEN CAST(substr(external_id, 2) AS INTEGER) % 10 < 3 THEN \(bind: Disposition.complete.rawValue) ELSE NULL END,
                               \(bind: wave1.opensAt), 0,
                               CASE WHEN CAST(substr(external_id, 2) AS INTEGER) % 10 < 3 THEN \(bind: wave1.opensAt) ELSE NULL END, 0, 0, 0, \(bind: opens)
                        FROM learners WHERE CAST(substr(external_id, 2) AS INTEGER) >= \(literal: start) AND CAST(substr(external_id, 2) AS INTEGER) < \(literal: end)
                        """).run()
                case .postgres:
                    try await db.raw("""
                        INSERT INTO learners (id, external_id, name, email, created_at, updated_at)
                        SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'B' || i, 'Learner ' || i, 'l' || i || '@bench.test', \(bind: opens), \(bind: opens)
                        FROM generate_series(\(literal: start), \(literal: end - 1)) AS i
                        """).run()
                    try await db.raw("""
                        INSERT INTO enrollments (id, learner_id, program_id, enrolled_at, status, completed_at, created_at, updated_at)
                        SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid, ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                               \(bind: programID), to_timestamp(\(literal: base) + (i % 700) * 86400.0), 'active',
                               CASE WHEN i % 5 < 2 THEN to_timestamp(\(literal: base) + (i % 700) * 86400.0 + 200 * 86400.0) END, \(bind: opens), \(bind: opens)
                        FROM generate_series(\(literal: start), \(literal: end - 1)) AS i
                        """).run()
                    try await db.raw("""
                        INSERT INTO wave_cases (wave_id, learner_id, program_id, disposition, invited_at, reminders_sent, submitted_at, answered_share,
                                                eligibility_conflict, revision, updated_at)
                        SELECT \(bind: wave1.id), ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, \(bind: programID),
                               CASE WHEN i % 10 < 3 THEN \(bind: Disposition.complete.rawValue) END, \(bind: wave1.opensAt), 0, CASE WHEN i % 10 < 3 THEN \(bind: wave1.opensAt) END, 0, false, 0, \(bind: opens)
                        FROM generate_series(\(literal: start), \(literal: end - 1)) AS i
                        """).run()
                }
            }
        }
        if store.dialect == .postgres { try await store.sql.raw("ANALYZE").run() }
    }

    /// What the in-memory peer reads: every learner's enrollments (completion by the record of truth) and who
    /// completed wave 1, when.
    public static func frameRows(store: Store, wave1: UUID) async throws -> (enrollments: [UUID: [FrameRule.Candidate.Enrollment]], answered: [UUID: Date]) {
        var enrollments: [UUID: [FrameRule.Candidate.Enrollment]] = [:]
        for row in try await store.sql.raw("""
            SELECT fe.learner_id, fe.enrolled_at, \(unsafeRaw: FrameSQL.completionDate) AS completed_at
            FROM enrollments fe LEFT JOIN credentials cr ON cr.learner_id = fe.learner_id AND cr.program_id = fe.program_id AND cr.course_id IS NULL
            """).all() {
            enrollments[try row.decode(column: "learner_id", as: UUID.self), default: []].append(
                .init(programKey: "bench", kind: .microBachelors, enrolledAt: try row.decode(column: "enrolled_at", as: Date.self),
                      completedAt: try row.decode(column: "completed_at", as: Date?.self)))
        }
        var answered: [UUID: Date] = [:]
        for row in try await store.sql.raw("SELECT learner_id, submitted_at FROM wave_cases WHERE wave_id = \(bind: wave1) AND disposition = \(bind: Disposition.complete.rawValue)").all() {
            answered[try row.decode(column: "learner_id", as: UUID.self)] = try row.decode(column: "submitted_at", as: Date.self)
        }
        return (enrollments, answered)
    }

    /// How many learners the store holds.
    public static func learnerCount(store: Store) async throws -> Int {
        try await store.sql.raw("SELECT COUNT(*) AS n FROM learners").first()!.decode(column: "n", as: Int.self)
    }
}
