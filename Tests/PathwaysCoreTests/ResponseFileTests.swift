import Foundation
@testable import PathwaysCore
import Testing

/// Responses exported from another tool, read against the demo's start-of-program form: required questions,
/// a select_multiple, a question shown only for some answers, a constraint and a pattern.
@Suite struct ResponseFileTests {
    let form: XLSForm
    let day = CalendarDay.date(year: 2024, month: 6, day: 1)!
    init() throws { form = try DemoInstruments.form(.start) }

    @Test func aREDCapStyleFileWithSpaceSeparatedChoicesIsRead() {
        let csv = """
            learner_id,submitted_at,motivations,motivation_other,employment,sector,education,birth_year,country,record_id
            A1,2024-05-01 13:45:00,career_change learn,,full_time,Retail,bachelor,1990,US,1
            B2,2024-05-02,other,To meet people,retired,,secondary,,,2
            """
        let result = ResponseFile.read(csv, file: "wave1.csv", form: form, defaultDate: day)
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.identifier == .learnerID && result.rows.map(\.learner) == ["A1", "B2"])
        #expect(result.rows[0].answers["motivations"] == "career_change learn" && result.rows[0].answers["sector"] == "Retail")
        #expect(result.rows[0].submittedAt == ISO8601DateFormatter().date(from: "2024-05-01T13:45:00Z"))
        #expect(result.rows[1].answers["motivation_other"] == "To meet people" && result.rows[1].submittedAt == CalendarDay.parse("2024-05-02"))
    }

    @Test func aKoboStyleFileWithOneColumnPerChoiceIsRead() {
        let csv = """
            start,end,email,motivations/career_change,motivations/learn,motivations/other,employment,education,_submission_time,_uuid
            2024-05-01,2024-05-01,Ana@Example.org,1,0,0,unemployed_looking,some_college,2024-05-01T10:00:00.000Z,u-1
            """
        let result = ResponseFile.read(csv, file: "kobo.csv", form: form, defaultDate: day)
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.identifier == .email && result.rows.first?.answers["motivations"] == "career_change")
        #expect(result.rows.first?.submittedAt != nil)
    }

    @Test func everyProblemNamesFileRowAndColumn() {
        let csv = """
            learner_id,submitted_at,motivations,employment,sector,education,birth_year,country,favourite_colour
            A1,2024-05-01,learn,retired,Retail,bachelor,1800,USA,blue
            B2,someday,learn,farmer,,,,,
            A1,2024-05-03,learn,full_time,,bachelor,,,
            ,2024-05-03,learn,full_time,,bachelor,,,
            """
        let problems = ResponseFile.read(csv, file: "wave1.csv", form: form, defaultDate: day).problems.map(\.description)
        #expect(problems == [
            "wave1.csv, row 1, column favourite_colour: is not a question of the instrument; name a column by its question's name (or question/choice for one choice of a select_multiple)",
            "wave1.csv, row 2, column sector: answered, but the question is not shown to this respondent (its condition on ${employment} does not hold)",
            "wave1.csv, row 2, column birth_year: '1800': Please enter a four-digit year between 1920 and 2010.",
            "wave1.csv, row 2, column country: 'USA': Please use the two-letter country code.",
            "wave1.csv, row 3, column submitted_at: 'someday' is not a date (YYYY-MM-DD) or an ISO 8601 time",
            "wave1.csv, row 3, column employment: 'farmer': not among the choices (full_time, part_time, self_employed, unemployed_looking, unemployed_not_looking, retired)",
            "wave1.csv, row 3, column education: empty, but the question is required for this respondent",
            "wave1.csv, row 4, column learner_id: A1 answered already on row 2",
            "wave1.csv, row 5, column learner_id: empty: say who answered",
        ])
    }

    @Test func aFileWithoutAnIdentifierOrWithAnUnknownChoiceColumnIsRefused() {
        #expect(ResponseFile.read("motivations,employment\nlearn,retired\n", file: "f.csv", form: form, defaultDate: day).problems.map(\.description)
                == ["f.csv, row 1: no column says who answered: add learner_id (the platform's learner id) or email"])
        let both = ResponseFile.read("learner_id,motivations,motivations/learn,motivations/money,employment,education\nA1,learn,1,0,retired,secondary\n",
                                     file: "f.csv", form: form, defaultDate: day).problems.map(\.description)
        #expect(both == ["f.csv, row 1, column motivations/money: money is not a choice of motivations (career_change, advance, degree_credit, no_degree_barrier, automation, learn, flexibility, other)",
                         "f.csv, row 2, column motivations/learn: motivations is given both as one column and as choice columns"])
    }
}
