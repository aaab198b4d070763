import Foundation
import PathwaysApp
import PathwaysCore
@testable import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

@Suite struct StudyTests {
    static let now = CalendarDay.date(year: 2026, month: 11, day: 2)!

    /// A small demo initiative and the demo study over it.
    static func demo(_ store: Store) async throws -> (DemoInitiative, DemoStudy.Result, StudyRepository.Study) {
        let demo = DemoInitiative(seed: 7, microBachelorsLearners: 60, universityLearners: 240)
        _ = try await DemoLoader.load(demo, into: store)
        let result = try await DemoStudy.load(into: store, now: now, seed: 11)
        let study = try await StudyRepository(store: store).study(key: DemoStudy.key)!
        return (demo, result, study)
    }

    /// The demo study's open wave 3 and the instrument version it was fielded with.
    static func demoWave3(_ store: Store) async throws -> (StudyRepository.Study, StudyRepository.Wave, StudyRepository.InstrumentVersion) {
        let (_, _, study) = try await demo(store)
        let studies = StudyRepository(store: store)
        let wave3 = try await studies.wave(study: study, number: 3)!
        return (study, wave3, try await studies.version(id: wave3.instrumentVersionID)!)
    }

    @Test(arguments: TestDatabase.allCases)
    func demoStudyFramesMatchTheRulesAndInvitationsFollowTheSchedule(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (demo, result, study) = try await Self.demo(store)
            let studies = StudyRepository(store: store)
            let fieldwork = FieldworkRepository(store: store)
            let waves = try await studies.waves(study: study)
            #expect(waves.map(\.number) == [1, 2, 3])
            #expect(result.waves[0].frame == demo.learners.filter { $0.email != nil }.count, "wave 1 frames every enrolled learner with an email")

            // The SQL frame of wave 3 agrees with the same rule evaluated in Swift over the same records.
            let wave3 = waves[2]
            var completedWaves: [UUID: [Int: Date]] = [:]
            for wave in waves.prefix(2) {
                for c in try await fieldwork.cases(wave: wave.id) where c.disposition == .complete || (c.disposition == nil && c.startedAt != nil && c.answeredShare >= study.partialShare) {
                    completedWaves[c.learnerID, default: [:]][wave.number] = c.submittedAt ?? c.startedAt
                }
            }
            let kinds = Dictionary(uniqueKeysWithValues: demo.programs.map { ($0.id, $0) })
            let optedOut = Set(try await store.sql.raw("SELECT DISTINCT learner_id FROM wave_cases WHERE opted_out_at IS NOT NULL").all()
                .map { try $0.decode(column: "learner_id", as: UUID.self) })
            let expected = demo.learners.filter { learner in
                guard learner.email != nil, !optedOut.contains(learner.id) else { return false }
                let candidate = FrameRule.Candidate(
                    enrollments: demo.enrollments.filter { $0.learnerID == learner.id }.map {
                        .init(programKey: kinds[$0.programID]!.key, kind: kinds[$0.programID]!.kind, enrolledAt: $0.enrolledAt, completedAt: $0.completedAt)
                    },
                    completedWaves: completedWaves[learner.id] ?? [:])
                return wave3.frameRule.includes(candidate, opens: wave3.opensAt)
            }
            #expect(result.waves[2].frame == expected.count)
            #expect(result.waves[2].frame > 0)
            let frameIDs = Set(try await fieldwork.cases(wave: wave3.id).map(\.learnerID))
            #expect(frameIDs == Set(expected.map(\.id)))

            // The clock: invitations when the wave opens, reminders on days 7 and 14, nothing twice.
            let outbox = OutboxRepository(store: store)
            let n = result.waves[2].frame
            let first = try await outbox.plan(now: Self.now)
            #expect(first.invitations == n && first.reminders == 0)
            #expect(try await outbox.plan(now: Self.now.addingTimeInterval(3600)).invitations == 0, "planning again writes nothing new")
            #expect(try await outbox.plan(now: CalendarDay.adding(days: 6, to: Self.now)).reminders == 0, "no reminder before day 7")
            #expect(try await outbox.plan(now: CalendarDay.adding(days: 7, to: Self.now)).reminders == n)
            #expect(try await outbox.plan(now: CalendarDay.adding(days: 14, to: Self.now)).reminders == n)
            let after = try await outbox.plan(now: CalendarDay.adding(days: 21, to: Self.now))
            #expect(after.invitations + after.reminders == 0 && after.finished == n, "two reminders and no more")
            #expect(try await outbox.counts().pending == 3 * n)
            let kindsWritten = try await store.sql.raw("""
                SELECT kind, COUNT(*) AS n FROM outbox WHERE case_id IN (SELECT id FROM wave_cases WHERE wave_id = \(bind: wave3.id)) GROUP BY kind ORDER BY kind
                """).all()
                .map { "\(try $0.decode(column: "kind", as: String.self))=\(try $0.decode(column: "n", as: Int.self))" }
            #expect(kindsWritten == ["invitation=\(n)", "reminder 1=\(n)", "reminder 2=\(n)"])
            // Each message got its own link; every one reaches the same case, and only hashes are stored.
            let claimed = try await outbox.claim(worker: "t", limit: 3 * n)
            let first3 = claimed.filter { $0.caseID == claimed[0].caseID }
            #expect(first3.count == 3)
            for m in first3 {
                let token = try #require(m.linkToken)
                #expect(try await fieldwork.case(token: token)?.id == m.caseID)
                #expect(m.renderedBody(baseURL: "https://x.test").contains("https://x.test/s/\(token)"))
            }
            let stored = try await store.sql.raw("SELECT COUNT(*) AS n FROM case_tokens WHERE token_hash = \(bind: first3[0].linkToken!)").first()!
            #expect(try stored.decode(column: "n", as: Int.self) == 0, "tokens are stored hashed")
        }
    }

    /// The demo's past waves were fielded by the planner, the sender and the survey pages, as a real wave is: one
    /// invitation per case on the day the wave opened, reminders on days 7 and 14 only to those who had not answered by
    /// then, bounces failed in the outbox and undeliverable, and every complete submitted while the wave was open.
    @Test(arguments: TestDatabase.allCases)
    func theDemosPastWavesWereFieldedThroughTheOutboxAndTheSurvey(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (_, result, study) = try await Self.demo(store)
            let studies = StudyRepository(store: store)
            let fieldwork = FieldworkRepository(store: store)
            for wave in try await studies.waves(study: study).prefix(2) {
                #expect(wave.state == .closed, "wave \(wave.number) was closed when its dates ended")
                let cases = Dictionary(uniqueKeysWithValues: try await fieldwork.cases(wave: wave.id).map { ($0.id, $0) })
                let messages = try await store.sql.raw("""
                    SELECT o.case_id, o.kind, o.status, o.created_at FROM outbox o JOIN wave_cases c ON c.id = o.case_id WHERE c.wave_id = \(bind: wave.id)
                    """).all().map { (try $0.decode(column: "case_id", as: Int64.self), try $0.decode(column: "kind", as: String.self),
                                   try $0.decode(column: "status", as: String.self), try $0.decode(column: "created_at", as: Date.self)) }
                let invitations = messages.filter { $0.1 == "invitation" }
                #expect(invitations.count == cases.count && Set(invitations.map(\.0)).count == cases.count, "one invitation per case")
                #expect(invitations.allSatisfy { abs($0.3.timeIntervalSince(wave.opensAt)) < 1 }, "invited the day the wave opened")
                var reminded = 0
                for (caseID, kind, _, at) in messages where kind.hasPrefix("reminder") {
                    reminded += 1
                    let c = try #require(cases[caseID])
                    #expect(c.submittedAt.map { $0 > at } ?? true, "a reminder goes only to someone who had not submitted")
                    #expect(c.disposition != .undeliverable)
                }
                #expect(reminded > 0 && reminded < 2 * cases.count)
                let bounced = messages.filter { $0.2 == "failed" }.map(\.0)
                #expect(!bounced.isEmpty && bounced.allSatisfy { cases[$0]?.disposition == .undeliverable })
                let completes = cases.values.filter { $0.disposition == .complete }
                #expect(completes.count == result.waves[wave.number - 1].completes && !completes.isEmpty)
                #expect(completes.allSatisfy { c in c.submittedAt.map { $0 >= wave.opensAt && $0 < wave.closesAt } ?? false })
                #expect(messages.allSatisfy { $0.2 == "sent" || $0.2 == "failed" }, "nothing of a past wave is left to send")
            }
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func theContactCapHoldsBackAReminder(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (_, result, _) = try await Self.demo(store)
            let outbox = OutboxRepository(store: store)
            try await outbox.setContactCap(.init(messages: 2, days: 30))
            let n = result.waves[2].frame
            #expect(try await outbox.plan(now: Self.now).invitations == n)
            #expect(try await outbox.plan(now: CalendarDay.adding(days: 7, to: Self.now)).reminders == n)
            let held = try await outbox.plan(now: CalendarDay.adding(days: 14, to: Self.now))
            #expect(held.reminders == 0 && held.heldByCap == n, "a third message in 30 days waits")
            // Once the invitation is 30 days old, the second reminder may go (the wave is open 60 days).
            let freed = try await outbox.plan(now: CalendarDay.adding(days: 30, to: Self.now).addingTimeInterval(60))
            #expect(freed.reminders == n)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func ratesFromStoredCasesMatchHandComputedValues(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (study, wave3, version) = try await Self.demoWave3(store)
            let fieldwork = FieldworkRepository(store: store)
            let cases = Array(try await fieldwork.cases(wave: wave3.id).prefix(10))
            try #require(cases.count == 10)
            try await store.sql.raw("DELETE FROM wave_cases WHERE wave_id = \(bind: wave3.id) AND id > \(bind: cases[9].id)").run()
            try await store.sql.raw("UPDATE wave_cases SET invited_at = \(bind: Self.now) WHERE wave_id = \(bind: wave3.id)").run()
            var fresh: [FieldworkRepository.Case] = []
            for c in cases { fresh.append(try await fieldwork.case(id: c.id)!) }
            // 3 complete, 1 partial, 1 break-off, 1 opt-out, 1 screened out, 1 bounce, 2 nothing back.
            for c in fresh[0..<3] {
                #expect(try await fieldwork.save(c, answers: ["gender": "female"], version: version, progress: .init(currentPage: nil, answeredShare: 1, disposition: .complete)))
            }
            #expect(try await fieldwork.save(fresh[3], answers: ["gender": "male"], version: version, progress: .init(currentPage: 2, answeredShare: 0.6)))
            try await fieldwork.markOpened(fresh[4])
            try await fieldwork.optOut(fresh[5])
            #expect(try await fieldwork.save(fresh[6], answers: [:], version: version, progress: .init(currentPage: 1, answeredShare: 0.1, disposition: .notEligible)))
            try await store.sql.raw("UPDATE wave_cases SET disposition = '3.30' WHERE id = \(bind: fresh[7].id)").run()

            let counts = try await fieldwork.dispositions(study: study, wave: wave3.id, byProgram: false)[""]!
            #expect(counts == [.complete: 3, .partial: 1, .breakOff: 1, .refusal: 1, .notEligible: 1, .undeliverable: 1, .nothingReturned: 2])
            var c = OutcomeRates.Counts()
            for (d, k) in counts { c.add(d, count: k) }
            let rates = OutcomeRates(c)
            // I=3, P=1, R=2, NC=0, O=0, U=3, NE=1; e = 6/7.
            #expect(abs(rates.e - 6.0 / 7) < 1e-9)
            #expect(abs(rates.rr1! - 3.0 / 9) < 1e-9)
            #expect(abs(rates.rr2! - 4.0 / 9) < 1e-9)
            #expect(abs(rates.rr3! - 3.0 / (6 + 18.0 / 7)) < 1e-9)
            #expect(abs(rates.rr5! - 0.5) < 1e-9)
            #expect(abs(rates.coop1! - 0.5) < 1e-9)
            #expect(abs(rates.ref1! - 2.0 / 9) < 1e-9)
            #expect(abs(rates.con1! - 6.0 / 9) < 1e-9)
            // By program, the cases add up to the same total.
            let byProgram = try await fieldwork.dispositions(study: study, wave: wave3.id, byProgram: true)
            #expect(byProgram.values.reduce(0) { $0 + $1.values.reduce(0, +) } == 10)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func concurrentSavesOfOneRevisionKeepExactlyOne(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (_, wave3, version) = try await Self.demoWave3(store)
            let fieldwork = FieldworkRepository(store: store)
            let c = try await fieldwork.cases(wave: wave3.id)[0]
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        try await fieldwork.save(c, answers: ["gender": i % 2 == 0 ? "female" : "male"], version: version,
                                                 progress: .init(currentPage: nil, answeredShare: 1, disposition: .complete))
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let stored = try await fieldwork.case(id: c.id)!
            #expect(stored.revision == c.revision + 1 && stored.disposition == .complete)
            #expect(try await fieldwork.answers(caseID: c.id, version: version).count == 1)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func questionsKeepTheirIdentityAcrossVersionsAndRenames(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let studies = StudyRepository(store: store)
            let study = try await studies.create(key: "s", title: "S")
            func form(_ rows: String) throws -> XLSForm {
                try XLSForm(csvFiles: ["survey.csv": "type,name,label\n" + rows, "choices.csv": "list_name,name,label\nyn,yes,Yes\nyn,no,No\n"])
            }
            let v1 = try await studies.addVersion(study: study, instrumentKey: "a", title: "A",
                                                  form: try form("select_one yn,employed,Employed?\ninteger,age,Age\ntext,old,Old question\n"))
            #expect(v1.number == 1)
            let same = try await studies.addVersion(study: study, instrumentKey: "a", title: "A",
                                                    form: try form("select_one yn,employed,Employed?\ninteger,age,Age\ntext,old,Old question\n"))
            #expect(same.id == v1.id, "an unchanged form is not a new version")
            let v2 = try await studies.addVersion(study: study, instrumentKey: "a", title: "A",
                                                  form: try form("select_one yn,is_employed,Employed?\ninteger,age,Age in years\n"),
                                                  renames: ["is_employed": "employed"])
            #expect(v2.number == 2)
            #expect(v2.items["is_employed"] == v1.items["employed"], "a renamed variable keeps its item")
            #expect(v2.items["age"] == v1.items["age"])
            #expect(v2.items["old"] == nil && v1.items["old"] != nil, "a deleted question stays in the old version")
            // Another instrument of the study asking `age` asks the same item: a panel variable.
            let b = try await studies.addVersion(study: study, instrumentKey: "b", title: "B", form: try form("integer,age,Age\n"))
            #expect(b.items["age"] == v1.items["age"])
            await #expect(throws: StoreError.self) {
                _ = try await studies.addVersion(study: study, instrumentKey: "a", title: "A", form: try form("integer,x,X\n"), renames: ["x": "nothing"])
            }
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func concurrentSendersClaimDisjointBatches(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (_, result, _) = try await Self.demo(store)
            let outbox = OutboxRepository(store: store)
            // Two planners at once write each invitation once.
            async let a = outbox.plan(now: Self.now)
            async let b = outbox.plan(now: Self.now)
            let (pa, pb) = try await (a, b)
            #expect(pa.invitations + pb.invitations == result.waves[2].frame)
            let total = try await outbox.counts().pending
            #expect(total == result.waves[2].frame)
            let sentBefore = try await outbox.counts().sent
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for w in 0..<4 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await outbox.claim(worker: "w\(w)", limit: 7, now: Self.now)
                            if batch.isEmpty { return mine }
                            for m in batch { try await outbox.markSent(m, worker: "w\(w)", now: Self.now) }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(claimed.count == total && Set(claimed).count == total, "every message claimed once")
            #expect(try await outbox.counts().sent == sentBefore + total)
            let leftTokens = try await store.sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE link_token IS NOT NULL").first()!.decode(column: "n", as: Int.self)
            #expect(leftTokens == 0, "a delivered message forgets its link")
        }
    }
}

/// An opt-out keeps the learner out of open and future waves and never rewrites a closed wave.
@Suite struct OptOutTests {
    @Test(arguments: TestDatabase.allCases)
    func anOptOutLeavesClosedWavesAsTheyWere(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (_, _, study) = try await StudyTests.demo(store)
            let studies = StudyRepository(store: store), fieldwork = FieldworkRepository(store: store)
            let waves = try await studies.waves(study: study)
            let wave1 = waves[0], wave3 = waves[2]
            let now = StudyTests.now
            #expect(wave1.closesAt < now && wave3.closesAt > now, "wave 1 is closed, wave 3 open")
            func snapshot() async throws -> [String] {
                try await fieldwork.cases(wave: wave1.id).map { "\($0.id)|\($0.disposition?.rawValue ?? "-")|\($0.optedOutAt.map { "\($0.timeIntervalSince1970)" } ?? "-")|\($0.revision)" }
            }
            let before = try await snapshot()
            let rates = try await fieldwork.dispositions(study: study, wave: wave1.id, byProgram: false)
            let partials = try await fieldwork.cases(wave: wave1.id).filter { $0.disposition == nil && $0.startedAt != nil && $0.submittedAt == nil && $0.answeredShare >= study.partialShare }
            let open = Set(try await fieldwork.cases(wave: wave3.id).map(\.learnerID))
            // A partial of wave 1 who is in wave 3 opts out from wave 3's link; another wave-1 case's learner in wave 3
            // opts out from wave 1's old link.
            let stopped = try await fieldwork.cases(wave: wave1.id).filter { $0.startedAt != nil && $0.submittedAt == nil }.map { String(format: "%.2f %@", $0.answeredShare, $0.disposition?.rawValue ?? "-") }
            let partial = try #require(partials.first { open.contains($0.learnerID) }, "the demo has a wave-1 partial in wave 3's frame (\(partials.count) partials, \(open.count) in wave 3, \(stopped))")
            let unanswered = try #require(try await fieldwork.cases(wave: wave1.id).first {
                $0.learnerID != partial.learnerID && open.contains($0.learnerID)
            })
            let both = [partial, unanswered]
            let viaOpen = try #require(try await fieldwork.case(wave: wave3.id, learner: both[0].learnerID))
            try await fieldwork.optOut(viaOpen, now: now)
            try await fieldwork.optOut(both[1], now: now)

            #expect(try await snapshot() == before, "wave 1's cases are untouched")
            #expect(try await fieldwork.dispositions(study: study, wave: wave1.id, byProgram: false) == rates, "and so are its dispositions")
            for learner in [both[0].learnerID, both[1].learnerID] {
                let c = try #require(try await fieldwork.case(wave: wave3.id, learner: learner))
                #expect(c.disposition == .refusal && c.optedOutAt != nil, "the open wave's case is a refusal")
            }
            // A later wave with a rule every learner meets leaves both out.
            let wave4 = try await studies.addWave(study: study, .init(
                number: 4, title: "Later", instrumentVersionID: wave3.instrumentVersionID, opensAt: now.addingTimeInterval(86_400),
                closesAt: now.addingTimeInterval(30 * 86_400), frameRule: .enrolled(kinds: nil), reminderDays: [], screenItem: nil, eligibilityMonths: nil,
                messageSubject: "S", messageBody: "{{survey_link}}"))
            _ = try await fieldwork.computeFrame(study: study, wave: wave4, now: now)
            let framed = Set(try await fieldwork.cases(wave: wave4.id).map(\.learnerID))
            #expect(!framed.isEmpty && !framed.contains(both[0].learnerID) && !framed.contains(both[1].learnerID))
        }
    }
}
