import Foundation
@testable import PathwaysCore
import Testing

@Suite struct DemoInstrumentTests {
    let today = CalendarDay.date(year: 2023, month: 4, day: 1)!

    @Test(arguments: DemoInstruments.Wave.allCases)
    func everyInstrumentIsAValidXLSForm(_ wave: DemoInstruments.Wave) throws {
        let form = try DemoInstruments.form(wave)
        #expect(form.formID == "pathways_\(wave.rawValue)")
        #expect(form.questions.filter(\.type.isInput).count >= 8)
    }

    @Test func theFollowUpCarriesTheSeedsTables() throws {
        let form = try DemoInstruments.form(.followup)
        #expect(form.choiceLists["benefits"]?.count == 16, "Table 2 lists 16 benefits")
        #expect(form.choiceLists["ways"]?.count == 8, "Table 3 lists 8 ways")
        for name in ["gender", "birth_year", "hispanic", "race", "country", "english", "education", "student", "employment", "business_owner", "income", "knowledge", "sector"] {
            #expect(form.question(named: name) != nil, "Table 1 item \(name)")
        }
    }

    @Test func progressCountsThePagesScreeningMayOpen() throws {
        var run = SurveyRun(form: try DemoInstruments.form(.followup), today: today)
        #expect(run.shownPageIndices == [0, 1], "before screening only the intro and the screener apply")
        #expect(run.progressPages(at: 0) == Array(run.pages.indices), "but every page may yet be asked")
        #expect(run.submit(page: 1, values: ["completed_program": ["yes"], "completion_date": ["2021-05-01"]]).isEmpty)
        let after = run.progressPages(at: 3)
        #expect(after == run.shownPageIndices)
        #expect(!after.contains(2), "the exit note no longer counts once the respondent is eligible")
        #expect(after.count == run.pages.count - 1)
    }

    @Test func screeningSendsTheRecentlyCompletedAway() throws {
        let form = try DemoInstruments.form(.followup)
        let eligible = try #require(form.question(named: "eligible")?.calculation)
        func decide(_ answers: [String: String]) throws -> String {
            try eligible.evaluate(ExpressionContext(answers: answers, today: today)).asString
        }
        #expect(try decide(["completed_program": "yes", "completion_date": "2022-03-15"]) == "yes")
        #expect(try decide(["completed_program": "yes", "completion_date": "2022-06-01"]) == "no", "less than a year ago")
        #expect(try decide(["completed_program": "no"]) == "no")
        let exit = try #require(form.question(named: "not_eligible")?.relevant)
        #expect(try exit.isTrue(ExpressionContext(answers: ["completed_program": "no", "eligible": "no"], today: today)))
        let group = try #require(form.question(named: "about_you")?.relevant)
        #expect(try !group.isTrue(ExpressionContext(answers: ["eligible": "no"], today: today)))
    }

    @Test func waysAreAskedOnlyOfThoseWhoseWorkImproved() throws {
        let form = try DemoInstruments.form(.followup)
        let relevant = try #require(form.question(named: "ways")?.relevant)
        #expect(try relevant.isTrue(ExpressionContext(answers: ["benefits": "learned_new job_performance"], today: today)))
        #expect(try !relevant.isTrue(ExpressionContext(answers: ["benefits": "learned_new networked"], today: today)))
        let none = try #require(form.question(named: "employer_support")?.constraint)
        #expect(try !none.isTrue(ExpressionContext(answers: [:], current: "none course_fees", today: today)))
        #expect(try none.isTrue(ExpressionContext(answers: [:], current: "course_fees paid_time", today: today)))
    }
}
