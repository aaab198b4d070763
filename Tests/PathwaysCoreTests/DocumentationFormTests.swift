import Foundation
@testable import PathwaysCore
import PathwaysTestSupport
import Testing

/// Forms we did not write: the examples of the XLSForm documentation, saved as workbooks exactly as printed
/// there, imported, taken page by page, and exported back.
@Suite(.enabled(if: Corpus.available, "needs ../shared/corpus")) struct DocumentationFormTests {
    let today = CalendarDay.date(year: 2026, month: 11, day: 22)!

    /// The example as a real .xlsx workbook, read back the way an upload is read.
    static func workbook(_ name: String) throws -> Data {
        try XLSXWriter.workbook(try DocumentationForms.sheets(name).map { ($0.name, $0.grid) })
    }

    static func form(_ name: String) throws -> XLSForm { try XLSForm.xlsx(try workbook(name)) }

    @Test(arguments: ["pizza", "tip", "child", "languages", "required", "constraint", "risks"])
    func importsAndExportsBackToTheSameForm(_ name: String) throws {
        let form = try Self.form(name)
        #expect(!form.questions.isEmpty)
        let again = try XLSForm.xlsx(try form.xlsx())
        #expect(again == form, "the exported workbook reads back as the same form")
        let fromCSV = try XLSForm(csvFiles: form.csvFiles())
        #expect(fromCSV.questions == form.questions)
        #expect(fromCSV.choiceLists == form.choiceLists)
        // Every column of every sheet survives, in order.
        let sheets = try DocumentationForms.sheets(name)
        #expect(again.survey.header == sheets.first { $0.name == "survey" }?.header.map(XLSFormSheet.normalizedColumn))
    }

    @Test func pizzaSkipLogicAndSpecifyOther() throws {
        let form = try Self.form("pizza")
        #expect(form.questions.map(\.name) == ["likes_pizza", "favorite_topping", "favorite_cheese"])
        #expect(form.question(named: "favorite_topping")?.type == .selectMultiple(list: "pizza_toppings", orOther: true))
        var run = SurveyRun(form: form, today: today)
        #expect(run.pages.count == 1)
        let toppings = try #require(form.question(named: "favorite_topping"))
        #expect(run.choices(for: toppings).map(\.name) == ["cheese", "pepperoni", "sausage", "other"], "or_other adds Other")
        // All three are on one page, so the follow-ups are shown and decided on submit.
        #expect(run.displayedQuestions(on: run.pages[0]).map(\.name) == ["likes_pizza", "favorite_topping", "favorite_cheese"])

        // Someone who does not like pizza: their toppings and cheese are not kept.
        var no = run
        #expect(no.submit(page: 0, values: ["likes_pizza": ["no"], "favorite_topping": ["cheese"], "favorite_cheese": ["Gouda"]]).isEmpty)
        #expect(no.answers == ["likes_pizza": "no"])

        // "Other" needs saying what it is.
        let errors = run.submit(page: 0, values: ["likes_pizza": ["yes"], "favorite_topping": ["cheese", "other"]])
        #expect(errors["favorite_topping"] == "Please say what “other” is.")
        #expect(run.answers.isEmpty, "a refused page keeps nothing")
        #expect(run.submit(page: 0, values: ["likes_pizza": ["yes"], "favorite_topping": ["cheese", "other"],
                                             "favorite_topping_other": ["anchovies"], "favorite_cheese": ["Gouda"]]).isEmpty)
        #expect(run.answers == ["likes_pizza": "yes", "favorite_topping": "cheese other", "favorite_topping_other": "anchovies", "favorite_cheese": "Gouda"])

        // Without cheese among the toppings, the cheese question is skipped.
        var pepperoni = SurveyRun(form: form, today: today)
        #expect(pepperoni.submit(page: 0, values: ["likes_pizza": ["yes"], "favorite_topping": ["pepperoni"], "favorite_cheese": ["Brie"]]).isEmpty)
        #expect(pepperoni.answers["favorite_cheese"] == nil)
        #expect(pepperoni.submit(page: 0, values: ["likes_pizza": ["yes"], "favorite_topping": ["anchovy"]])["favorite_topping"] != nil,
                "a value that is not on the list is refused")
    }

    @Test func tipIsCalculatedFromThePrice() throws {
        var run = SurveyRun(form: try Self.form("tip"), today: today)
        #expect(run.displayedQuestions(on: run.pages[0]).map(\.name) == ["amount", "display"])
        #expect(run.submit(page: 0, values: ["amount": ["40"]]).isEmpty)
        #expect(run.answers["tip"] == "7.2")
        #expect(run.submit(page: 0, values: ["amount": ["forty"]])["amount"] == "Please enter a number.")
    }

    @Test func aGroupIsSkippedAsAWhole() throws {
        let form = try Self.form("child")
        var adult = SurveyRun(form: form, today: today)
        #expect(adult.pages.count == 2, "the loose question, then the child group")
        #expect(adult.submit(page: 0, values: ["age": ["34"]]).isEmpty)
        #expect(adult.shownPageIndices == [0])
        #expect(adult.nextPage(after: 0) == nil)

        var child = SurveyRun(form: form, today: today)
        #expect(child.submit(page: 0, values: ["age": ["4"]]).isEmpty)
        #expect(child.nextPage(after: 0) == 1)
        #expect(child.submit(page: 1, values: ["muac": ["13"], "mrdt": ["maybe"]])["mrdt"] == "Please choose one of the options.")
        #expect(child.submit(page: 1, values: ["muac": ["13"], "mrdt": ["no"]]).isEmpty)
        // Changing the age afterwards drops the group's answers, as ODK does.
        #expect(child.submit(page: 0, values: ["age": ["9"]]).isEmpty)
        #expect(child.answers == ["age": "9"])
    }

    @Test func languagesRequiredAndConstraintMessages() throws {
        let languages = try Self.form("languages")
        #expect(languages.languages == ["English (en)", "Español (es)"])
        #expect(languages.question(named: "age")?.labels["Español (es)"] == "¿Cuántos años tienes?")
        var run = SurveyRun(form: languages, today: today)
        #expect(run.submit(page: 0, values: ["age": ["151"]])["age"] == "This answer is not allowed.")
        #expect(run.submit(page: 0, values: ["age": ["150"]]).isEmpty)

        var required = SurveyRun(form: try Self.form("required"), today: today)
        #expect(required.submit(page: 0, values: [:])["respondent_age"] == "Sorry, this answer is required.")
        #expect(required.submit(page: 0, values: ["respondent_age": ["30"]]).isEmpty)

        var constraint = SurveyRun(form: try Self.form("constraint"), today: today)
        #expect(constraint.submit(page: 0, values: ["respondent_age": ["17"]])["respondent_age"] == "Respondent must be 18 or older to complete the survey.")
        #expect(constraint.submit(page: 0, values: [:]).isEmpty, "not required: may be left empty")
        #expect(constraint.submit(page: 0, values: ["respondent_age": ["18"]]).isEmpty)
    }

    @Test func countSelectedKeepsNoneAlone() throws {
        let form = try Self.form("risks")
        #expect(form.choiceLists["risks"]?.count == 7)
        var run = SurveyRun(form: form, today: today)
        #expect(run.submit(page: 0, values: ["risks_observed": ["pallor", "none"]])["risks_observed"] == "This answer is not allowed.")
        #expect(run.submit(page: 0, values: ["risks_observed": ["none"]]).isEmpty)
        #expect(run.submit(page: 0, values: ["risks_observed": ["pallor", "swelling"]]).isEmpty)
        #expect(run.answers["risks_observed"] == "pallor swelling")
    }

    @Test func theIncompleteCascadeExampleIsRefusedWithItsPlaces() throws {
        do {
            _ = try Self.form("cascade")
            Issue.record("the form has no choices and a dangling reference; it must not import")
        } catch let error as XLSFormErrors {
            let issues = error.issues.map(\.description)
            #expect(issues.contains("sheet survey, row 2, column type: choice list 'province' is not on the choices sheet"), "\(issues)")
            #expect(issues.contains("sheet survey, row 3, column type: choice list 'district' is not on the choices sheet"), "\(issues)")
            #expect(issues.contains("sheet survey, row 3, column choice_filter: ${province} does not name a question in this form"), "\(issues)")
            #expect(!issues.contains { $0.contains("hh_district") }, "the reference that exists is fine")
        }
    }
}
