import Foundation
@testable import PathwaysCore
import Testing

@Suite struct FrameRuleTests {
    let opens = CalendarDay.date(year: 2023, month: 3, day: 1)!
    func day(_ y: Int, _ m: Int, _ d: Int) -> Date { CalendarDay.date(year: y, month: m, day: d)! }

    /// The seed's follow-up frame: answered wave 1 or 2, and completed at least 12 months before the wave opens.
    var followUp: FrameRule {
        .all([.any([.answeredWave(wave: 1, monthsBefore: nil), .answeredWave(wave: 2, monthsBefore: nil)]),
              .completedProgram(kinds: [.microMasters, .specialization], monthsBefore: 12)])
    }

    @Test func theSeedsFollowUpFrame() {
        let completedLongAgo = FrameRule.Candidate(
            enrollments: [.init(programKey: "mm", kind: .microMasters, enrolledAt: day(2020, 1, 1), completedAt: day(2022, 2, 28))],
            completedWaves: [2: day(2022, 3, 1)])
        let completedRecently = FrameRule.Candidate(
            enrollments: [.init(programKey: "mm", kind: .microMasters, enrolledAt: day(2021, 1, 1), completedAt: day(2022, 3, 2))],
            completedWaves: [2: day(2022, 3, 5)])
        let neverAnswered = FrameRule.Candidate(
            enrollments: [.init(programKey: "mm", kind: .microMasters, enrolledAt: day(2019, 1, 1), completedAt: day(2020, 1, 1))])
        #expect(followUp.includes(completedLongAgo, opens: opens))
        #expect(!followUp.includes(completedRecently, opens: opens), "11 months and 27 days is not a year")
        #expect(!followUp.includes(neverAnswered, opens: opens))
        #expect(followUp.description == "(answered wave 1 or answered wave 2) and completed a MicroMasters or Specialization at least 12 months before this wave opens")
    }

    @Test func answeredWaveAtLeastEighteenMonthsAgo() {
        let rule = FrameRule.answeredWave(wave: 1, monthsBefore: 18)
        #expect(rule.includes(.init(enrollments: [], completedWaves: [1: day(2021, 9, 1)]), opens: opens))
        #expect(!rule.includes(.init(enrollments: [], completedWaves: [1: day(2021, 9, 2)]), opens: opens))
    }

    @Test func rulesRoundTripAsJSON() throws {
        let rule = FrameRule.all([followUp, .not(.noBachelorsDegree), .inPrograms(["mb-statistics-fundamentals"])])
        let data = try JSONEncoder().encode(rule)
        #expect(try JSONDecoder().decode(FrameRule.self, from: data) == rule)
    }
}

@Suite struct ContactPlanTests {
    let plan = ContactPlan(reminderDays: [7, 14], capMessages: 3, capDays: 30)
    let opens = CalendarDay.date(year: 2023, month: 3, day: 1)!
    var closes: Date { CalendarDay.adding(days: 60, to: opens) }
    func at(_ days: Int) -> Date { CalendarDay.adding(days: days, to: opens) }

    @Test func invitationThenTwoRemindersThenDone() {
        #expect(plan.decide(.init(), history: [], opens: opens, closes: closes, now: at(-1)) == .wait(until: opens, .invitation))
        #expect(plan.decide(.init(), history: [], opens: opens, closes: closes, now: at(0)) == .send(.invitation))
        let invited = ContactPlan.CaseState(invitedAt: at(0))
        #expect(plan.decide(invited, history: [at(0)], opens: opens, closes: closes, now: at(3)) == .wait(until: at(7), .reminder(1)))
        #expect(plan.decide(invited, history: [at(0)], opens: opens, closes: closes, now: at(7)) == .send(.reminder(1)))
        let once = ContactPlan.CaseState(invitedAt: at(0), remindersSent: 1)
        #expect(plan.decide(once, history: [at(0), at(7)], opens: opens, closes: closes, now: at(14)) == .send(.reminder(2)))
        let twice = ContactPlan.CaseState(invitedAt: at(0), remindersSent: 2)
        #expect(plan.decide(twice, history: [at(0), at(7), at(14)], opens: opens, closes: closes, now: at(30)) == .finished(.remindersExhausted))
    }

    @Test func responseAndOptOutStopEverything() {
        #expect(plan.decide(.init(invitedAt: at(0), responded: true), history: [], opens: opens, closes: closes, now: at(7)) == .finished(.responded))
        #expect(plan.decide(.init(invitedAt: at(0), optedOut: true), history: [], opens: opens, closes: closes, now: at(7)) == .finished(.optedOut))
    }

    @Test func aCapHoldsBackAReminder() {
        // Two messages from another study in the last 30 days, plus our invitation: the reminder waits until
        // the oldest of those three is 30 days old.
        let history = [at(-20), at(-10), at(0)]
        let invited = ContactPlan.CaseState(invitedAt: at(0))
        #expect(plan.decide(invited, history: history, opens: opens, closes: closes, now: at(7)) == .heldByCap(until: at(10), .reminder(1)))
        #expect(plan.decide(invited, history: history, opens: opens, closes: closes, now: at(10)) == .send(.reminder(1)))
        #expect(plan.capFreesAt(history: history, now: at(9)) == at(10))
    }

    @Test func nothingIsSentOnceTheWaveCloses() {
        #expect(plan.decide(.init(), history: [], opens: opens, closes: closes, now: closes) == .finished(.waveClosed))
        let late = ContactPlan(reminderDays: [90], capMessages: 3, capDays: 30)
        #expect(late.decide(.init(invitedAt: at(0)), history: [at(0)], opens: opens, closes: closes, now: at(10)) == .finished(.remindersExhausted))
    }
}
