import Foundation
@testable import PathwaysCore
import Testing

/// Same-page follow-ups' conditions as a browser checks them: what is translated, what is decided at once from
/// earlier pages, and what is left to the server (the question then stays shown).
@Suite struct PageConditionTests {
    static let form: XLSForm = {
        let survey = """
            type,name,label,relevant
            begin group,p1,Before,
            select_one yes_no,employed,Are you employed?,
            end group,,,
            begin group,p2,Work,
            select_one yes_no,owner,Do you own a business?,
            text,business,What is the business?,${owner} = 'yes'
            select_multiple benefits,benefits,Benefits,
            select_multiple ways,ways,In which ways?,"selected(${benefits}, 'performance') and ${employed} = 'yes'"
            text,why_not,Why not?,"not(selected(${benefits}, 'performance')) or ${employed} = 'no'"
            integer,age,Age,
            text,retired,Since when?,65 <= ${age}
            integer,years,Years,
            text,weird,Something,${years} + 1 > 3
            text,later,Only if employed,${employed} = 'yes'
            end group,,,
            """
        return try! XLSForm(survey: try! XLSFormSheet.csv(survey, name: "survey"), choices: try! XLSFormSheet.csv("""
            list_name,name,label
            yes_no,yes,Yes
            yes_no,no,No
            benefits,performance,Performance
            benefits,raise,Raise
            ways,quality,Quality
            """, name: "choices"), settings: nil)
    }()

    func condition(_ name: String, employed: String) throws -> ClientCondition? {
        var run = SurveyRun(form: Self.form, today: CalendarDay.date(year: 2026, month: 6, day: 1)!)
        _ = run.submit(page: 0, values: ["employed": [employed]])
        let page = run.pages[1]
        let q = try #require(page.questions.first { $0.name == name })
        return run.clientCondition(for: q, on: page)
    }

    @Test func aSamePageConditionIsTranslatedAndEarlierAnswersAreDecidedNow() throws {
        #expect(try condition("business", employed: "yes") == .compare("owner", .equal, "yes", numeric: false))
        #expect(try condition("business", employed: "yes")?.json == #"["=","owner","yes"]"#)
        // ${employed} is on the page before: decided here.
        #expect(try condition("ways", employed: "yes") == .all([.selected("benefits", "performance"), .constant(true)]))
        #expect(try condition("ways", employed: "no")?.json == #"["all",["selected","benefits","performance"],false]"#)
        #expect(try condition("why_not", employed: "yes") == .any([.not(.selected("benefits", "performance")), .constant(false)]))
        // A literal on the left is turned round; a number stays a number.
        #expect(try condition("retired", employed: "yes")?.json == #"[">=","age",65]"#)
    }

    @Test func whatOnlyTheServerCanDecideGetsNoCondition() throws {
        #expect(try condition("weird", employed: "yes") == nil, "arithmetic on an answer is left to the server")
        #expect(try condition("later", employed: "yes") == nil, "a condition on earlier pages only is decided before the page is shown")
        #expect(try condition("owner", employed: "yes") == nil, "no condition at all")
    }

    @Test func textIsQuotedAsJSON() {
        #expect(ClientCondition.compare("q", .notEqual, "say \"no\"\n", numeric: false).json == #"["!=","q","say \"no\"\n"]"#)
    }
}

/// Cascading selects on one page: the question whose answer filters another's choices is known, so the page can
/// offer to show the choices for it, and once its answer is taken the dependent list holds only what matches.
@Suite struct CascadingChoiceTests {
    static let form: XLSForm = {
        try! XLSForm(survey: try! XLSFormSheet.csv("""
            type,name,label,choice_filter,calculation
            begin group,place,Where,,
            select_one countries,country,Country,,
            calculate,country_code,,,${country}
            select_one regions,region,Region,country=${country},
            select_one cities,city,City,region=${region} and country=${country_code},
            end group,,,,
            begin group,later,Later,,
            select_one regions,home_region,Home region,country=${country},
            end group,,,,
            """, name: "survey"), choices: try! XLSFormSheet.csv("""
            list_name,name,label,country,region
            countries,us,United States,,
            countries,ca,Canada,,
            regions,ny,New York,us,
            regions,on,Ontario,ca,
            regions,qc,Quebec,ca,
            cities,toronto,Toronto,ca,on
            cities,montreal,Montreal,ca,qc
            """, name: "choices"), settings: nil)
    }()

    @Test func theQuestionsThatFilterChoicesOnTheSamePageAreKnown() {
        let run = SurveyRun(form: Self.form, today: CalendarDay.date(year: 2026, month: 6, day: 1)!)
        #expect(run.choiceParents(on: run.pages[0]) == ["country", "region"], "a calculation read by a filter stands for the question it is computed from")
        #expect(run.choiceParents(on: run.pages[1]).isEmpty, "a filter over an earlier page's answer is decided when the page is shown")
    }

    @Test func onceTheParentIsTakenTheListHoldsOnlyWhatMatches() {
        var run = SurveyRun(form: Self.form, today: CalendarDay.date(year: 2026, month: 6, day: 1)!)
        let region = Self.form.questions.first { $0.name == "region" }!, city = Self.form.questions.first { $0.name == "city" }!
        #expect(run.choices(for: region).isEmpty)
        run.submitUnchecked(page: 0, values: ["country": ["ca"]])
        #expect(run.choices(for: region).map(\.name) == ["on", "qc"])
        run.submitUnchecked(page: 0, values: ["country": ["ca"], "region": ["qc"]])
        #expect(run.choices(for: city).map(\.name) == ["montreal"])
        // A region of another country is refused when the page is submitted: the server stays the authority.
        let errors = run.submit(page: 0, values: ["country": ["us"], "region": ["qc"]])
        #expect(errors["region"] != nil, "\(errors)")
    }
}
