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
