import Foundation
import PathwaysCore
import SQLKit

/// Computes a wave's frame and its invitation schedule over a synthetic population of any size, timing each step,
/// beside the same frame worked out in Swift from the same rows (the rule evaluated learner by learner in memory),
/// which also checks that both agree.
public enum FrameBenchmark {
    public struct Report: Sendable {
        public var learners: Int
        public var generateSeconds: Double
        public var frameSeconds: Double
        public var frameCases: Int
        public var scheduleSeconds: Double
        public var invitations: Int
        public var dryRunSeconds: Double
        public var inMemorySeconds: Double
        public var inMemoryCases: Int

        public var text: String {
            func f(_ s: Double) -> String { String(format: "%8.2f s", s) }
            func rate(_ n: Int, _ s: Double) -> String { s > 0 ? String(format: "%10.0f/s", Double(n) / s) : "" }
            return """
                \(learners) learners, \(frameCases) in the frame (generated in \(String(format: "%.1f", generateSeconds)) s)
                step                                             time        throughput
                frame: INSERT … SELECT with the rule in SQL  \(f(frameSeconds))  \(rate(learners, frameSeconds)) learners
                frame: rule in Swift over rows loaded (peer) \(f(inMemorySeconds))  \(rate(learners, inMemorySeconds)) learners   (\(inMemoryCases == frameCases ? "same \(inMemoryCases) cases" : "DIFFERENT: \(inMemoryCases) cases"))
                schedule, decide only (dry run)              \(f(dryRunSeconds))  \(rate(frameCases, dryRunSeconds)) cases
                schedule, write invitations + link hashes    \(f(scheduleSeconds))  \(rate(invitations, scheduleSeconds)) messages
                """
        }
    }

    /// Fills an empty store with `learners` synthetic learners (one enrollment each, 40% completed, 30% of them
    /// answered wave 1), then times the frame and the schedule of a wave "answered wave 1 and completed at least
    /// 12 months before this wave opens".
    public static func run(store: Store, learners: Int, opens: Date = CalendarDay.date(year: 2026, month: 11, day: 1)!) async throws -> Report {
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let count = try await store.sql.raw("SELECT COUNT(*) AS n FROM learners").first()!.decode(column: "n", as: Int.self)
        guard count == 0 else { throw StoreError.conflict("the benchmark needs an empty database; this one has \(count) learners") }

        let studies = StudyRepository(store: store)
        let study = try await studies.create(key: "bench", title: "Benchmark")
        // The demo's follow-up with its record-checked screening, so a server over this database fields a real wave.
        let version = try await studies.addVersion(study: study, instrumentKey: "followup", title: "Follow-up", form: try DemoInstruments.form(.followup))
        let wave1 = try await studies.addWave(study: study, .init(
            number: 1, title: "Wave 1", instrumentVersionID: version.id, opensAt: CalendarDay.adding(months: -30, to: opens),
            closesAt: CalendarDay.adding(months: -28, to: opens), frameRule: .enrolled(kinds: nil), reminderDays: [], messageSubject: "s", messageBody: "b"))
        let wave = try await studies.addWave(study: study, .init(
            number: 2, title: "Wave 2", instrumentVersionID: version.id, opensAt: opens, closesAt: CalendarDay.adding(days: 60, to: opens),
            frameRule: .all([.answeredWave(wave: 1, monthsBefore: nil), .completedProgram(kinds: nil, monthsBefore: 12)]),
            reminderDays: [7, 14], screenItem: "eligible", eligibilityMonths: 12, messageSubject: "Survey", messageBody: "Hello {{first_name}}"))

        // Synthetic rows, generated in the database so the setup does not dominate the run.
        let genStart = clock.now
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
        let generated = seconds(clock.now - genStart)

        let fieldwork = FieldworkRepository(store: store)
        var frame = FieldworkRepository.FrameCounts(cases: 0, withoutEmail: 0, byProgram: [])
        let frameTime = try await clock.measure { frame = try await fieldwork.computeFrame(study: study, wave: wave, now: opens) }

        // The peer: every learner's rows loaded and the same rule applied in Swift.
        var inMemory = 0
        let memoryTime = try await clock.measure {
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
            for row in try await store.sql.raw("SELECT learner_id, submitted_at FROM wave_cases WHERE wave_id = \(bind: wave1.id) AND disposition = \(bind: Disposition.complete.rawValue)").all() {
                answered[try row.decode(column: "learner_id", as: UUID.self)] = try row.decode(column: "submitted_at", as: Date.self)
            }
            for (learner, list) in enrollments {
                let candidate = FrameRule.Candidate(enrollments: list, completedWaves: answered[learner].map { [1: $0] } ?? [:])
                if wave.frameRule.includes(candidate, opens: wave.opensAt) { inMemory += 1 }
            }
        }

        let outbox = OutboxRepository(store: store)
        let dryTime = try await clock.measure { _ = try await outbox.plan(now: opens.addingTimeInterval(60), dryRun: true) }
        var plan = OutboxRepository.PlanReport()
        let scheduleTime = try await clock.measure { plan = try await outbox.plan(now: opens.addingTimeInterval(60)) }

        return Report(learners: learners, generateSeconds: generated, frameSeconds: seconds(frameTime), frameCases: frame.cases,
                      scheduleSeconds: seconds(scheduleTime), invitations: plan.invitations, dryRunSeconds: seconds(dryTime),
                      inMemorySeconds: seconds(memoryTime), inMemoryCases: inMemory)
    }
}
