import Foundation
import PathwaysCore
import PathwaysStore

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
        let count = try await SyntheticPopulation.learnerCount(store: store)
        guard count == 0 else { throw UseCaseError.conflict("the benchmark needs an empty database; this one has \(count) learners") }

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
            reminderDays: [7, 14], screenItem: "eligible", eligibilityMonths: 12, messageSubject: "Survey", messageBody: "Hello {{first_name}}"),
            state: .launched)

        // Synthetic rows, generated in the database so the setup does not dominate the run.
        let genStart = clock.now
        try await SyntheticPopulation.write(store: store, learners: learners, wave1: wave1, opens: opens)
        let generated = seconds(clock.now - genStart)

        let fieldwork = FieldworkRepository(store: store)
        var frame: FieldworkRepository.FrameCounts?
        let frameTime = try await clock.measure { frame = try await fieldwork.computeFrame(study: study, wave: wave, now: opens) }

        // The peer: every learner's rows loaded and the same rule applied in Swift.
        var inMemory = 0
        let memoryTime = try await clock.measure {
            let (enrollments, answered) = try await SyntheticPopulation.frameRows(store: store, wave1: wave1.id)
            for (learner, list) in enrollments {
                let candidate = FrameRule.Candidate(enrollments: list, completedWaves: answered[learner].map { [1: $0] } ?? [:])
                if wave.frameRule.includes(candidate, opens: wave.opensAt) { inMemory += 1 }
            }
        }

        let outbox = OutboxRepository(store: store)
        let dryTime = try await clock.measure { _ = try await outbox.plan(now: opens.addingTimeInterval(60), dryRun: true) }
        var plan = OutboxRepository.PlanReport()
        let scheduleTime = try await clock.measure { plan = try await outbox.plan(now: opens.addingTimeInterval(60)) }

        return Report(learners: learners, generateSeconds: generated, frameSeconds: seconds(frameTime), frameCases: frame?.cases ?? 0,
                      scheduleSeconds: seconds(scheduleTime), invitations: plan.invitations, dryRunSeconds: seconds(dryTime),
                      inMemorySeconds: seconds(memoryTime), inMemoryCases: inMemory)
    }
}
