import Foundation
@testable import PathwaysCore
import Testing

@Suite struct XLSFormTests {
    static let survey = """
        type,name,label::English (en),label::Español (es),hint::English (en),required,relevant,constraint,constraint_message::English (en),appearance,calculation
        begin group,screening,Screening,Selección,,,,,,field-list,
        select_one yes_no,completed,Did you complete the program?,¿Completó el programa?,,yes,,,,,
        date,completed_on,When did you complete it?,¿Cuándo?,Month and year are enough,yes,${completed} = 'yes',. <= today(),The date cannot be in the future,,
        end group,,,,,,,,,,
        select_multiple benefits or_other,benefits,Which benefits did you get?,¿Qué beneficios?,,yes,${completed} = 'yes',count-selected(.) >= 1,,,
        select_multiple ways,ways,How did your job performance improve?,¿Cómo mejoró?,,,"selected(${benefits}, 'job_performance')",,,,
        integer,age,How old are you?,¿Edad?,,,,. >= 16 and . <= 100,Between 16 and 100,,
        calculate,n_ways,,,,,,,,,count-selected(${ways})
        text,comments,Anything else?,¿Algo más?,,,,string-length(.) <= 2000,,multiline,
        note,thanks,"Thank you, ${age}!",¡Gracias!,,,,,,,
        """
    static let choices = """
        list_name,name,label::English (en),label::Español (es)
        yes_no,yes,Yes,Sí
        yes_no,no,No,No
        benefits,learned_new,Learned something new,Aprendí algo nuevo
        benefits,job_performance,Improved my performance in my current job,Mejoré mi desempeño
        ways,knowledge,My knowledge of relevant topics improved,Conocimiento
        ways,quality,Quality of the work I do,Calidad
        """
    static let settings = "form_title,form_id,version,default_language\nOne-year follow-up,followup_1y,2023030101,English (en)\n"

    func form() throws -> XLSForm {
        try XLSForm(survey: try XLSFormSheet.csv(Self.survey, name: "survey"), choices: try XLSFormSheet.csv(Self.choices, name: "choices"),
                    settings: try XLSFormSheet.csv(Self.settings, name: "settings"))
    }

    @Test func readsTypesLanguagesGroupsAndLogic() throws {
        let f = try form()
        #expect(f.title == "One-year follow-up" && f.formID == "followup_1y" && f.version == "2023030101")
        #expect(f.languages == ["English (en)", "Español (es)"])
        let completedOn = try #require(f.question(named: "completed_on"))
        #expect(completedOn.type == .date)
        #expect(completedOn.groups == ["screening"])
        #expect(completedOn.hints["English (en)"] == "Month and year are enough")
        #expect(completedOn.required == .call("true", []))
        #expect(completedOn.constraintMessage["English (en)"] == "The date cannot be in the future")
        #expect(f.question(named: "benefits")?.type == .selectMultiple(list: "benefits", orOther: true))
        #expect(f.question(named: "ways")?.relevant?.references == ["benefits"])
        #expect(f.question(named: "n_ways")?.calculation == .call("count-selected", [.reference("ways")]))
        #expect(f.question(named: "comments")?.appearance == "multiline")
        #expect(f.choiceLists["ways"]?.map(\.name) == ["knowledge", "quality"])
        #expect(f.choiceLists["yes_no"]?.first?.labels["Español (es)"] == "Sí")
        #expect(f.questions.filter { $0.type == .endGroup }.map(\.name) == ["screening"])
    }

    @Test func skipLogicEvaluatesAgainstAnswers() throws {
        let f = try form()
        let today = CalendarDay.date(year: 2023, month: 4, day: 1)!
        let ways = try #require(f.question(named: "ways")?.relevant)
        #expect(try ways.isTrue(ExpressionContext(answers: ["benefits": "learned_new job_performance"], today: today)))
        #expect(try !ways.isTrue(ExpressionContext(answers: ["benefits": "learned_new"], today: today)))
        let constraint = try #require(f.question(named: "age")?.constraint)
        #expect(try constraint.isTrue(ExpressionContext(answers: [:], current: "43", today: today)))
        #expect(try !constraint.isTrue(ExpressionContext(answers: [:], current: "12", today: today)))
    }

    @Test func exportGivesBackAnEquivalentForm() throws {
        let f = try form()
        let files = f.csvFiles()
        let again = try XLSForm(survey: try XLSFormSheet.csv(files["survey.csv"]!, name: "survey"),
                                choices: try XLSFormSheet.csv(files["choices.csv"]!, name: "choices"),
                                settings: try XLSFormSheet.csv(files["settings.csv"]!, name: "settings"))
        #expect(again.questions == f.questions)
        #expect(again.choiceLists == f.choiceLists)
        #expect(again.survey.header == f.survey.header)
        #expect(files["survey.csv"]!.contains("\"selected(${benefits}, 'job_performance')\""), "commas are quoted")
    }

    @Test func aBrokenFormGetsEveryErrorWithSheetRowColumnAndPosition() throws {
        let survey = """
            type,name,label,relevant,constraint
            select_one yesno,completed,Completed?,,
            integer,age,Age,,. >= 16 and
            text,age,Age again,,
            text,why,Why?,${complted} = 'yes',
            begin group,g1,Group,,
            select_multiple benefits,2bad,Benefits,,
            osm,where,Where?,,
            """
        let choices = "list_name,name,label\nbenefits,a,A\nbenefits,a,A again\n"
        let surveySheet = try XLSFormSheet.csv(survey, name: "survey")
        let choicesSheet = try XLSFormSheet.csv(choices, name: "choices")
        let errors: XLSFormErrors
        do {
            _ = try XLSForm(survey: surveySheet, choices: choicesSheet)
            Issue.record("the form should be rejected")
            return
        } catch {
            errors = error
        }
        let found = errors.issues.map { "\($0.sheet):\($0.row ?? 0):\($0.column ?? ""):\($0.position.map(String.init) ?? "")" }
        #expect(found.contains("choices:3:name:"), "duplicate choice")
        #expect(found.contains("survey:2:type:"), "unknown list yesno")
        #expect(found.contains("survey:3:constraint:12"), "expression ends early, at character 12 (just past its 11 characters)")
        #expect(found.contains("survey:4:name:"), "duplicate name")
        #expect(found.contains("survey:5:relevant:"), "reference to a missing question")
        #expect(found.contains("survey:6:type:"), "group never closed")
        #expect(found.contains("survey:7:name:"), "invalid name")
        #expect(found.contains("survey:8:type:"), "unsupported type")
        #expect(errors.issues.contains { $0.description == "sheet survey, row 5, column relevant: ${complted} does not name a question in this form" })
        #expect(errors.issues.contains { $0.description == "sheet survey, row 3, column constraint, character 12: the expression ends where a value was expected" })
    }
}
