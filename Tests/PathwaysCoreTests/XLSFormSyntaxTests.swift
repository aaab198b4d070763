import Foundation
@testable import PathwaysCore
import PathwaysTestSupport
import Testing

/// The older and looser XLSForm syntax real forms are written in, and the file layouts they come in.
@Suite struct XLSFormSyntaxTests {
    func form(_ survey: String, _ choices: String? = nil, settings: String? = nil) throws -> XLSForm {
        try XLSForm(survey: try XLSFormSheet.csv(survey, name: "survey"), choices: try choices.map { try XLSFormSheet.csv($0, name: "choices") },
                    settings: try settings.map { try XLSFormSheet.csv($0, name: "settings") })
    }

    func issues(_ survey: String, _ choices: String? = nil) -> [String] {
        do {
            _ = try form(survey, choices)
            return []
        } catch {
            return (error as? XLSFormErrors)?.issues.map(\.description) ?? ["\(error)"]
        }
    }

    @Test func legacyTypeNamesAreToday() {
        #expect(XLSFormSyntax.modernType("select one from yes_no") == "select_one yes_no")
        #expect(XLSFormSyntax.modernType("select all that apply from Browsers or specify other") == "select_multiple Browsers or_other")
        #expect(XLSFormSyntax.modernType("select one from file places.csv") == "select_one_from_file places.csv")
        #expect(XLSFormSyntax.modernType("add select one prompt using L") == "select_one L")
        #expect(XLSFormSyntax.modernType("gps") == "geopoint")
        #expect(XLSFormSyntax.modernType("phone number") == "phonenumber")
        #expect(XLSFormSyntax.modernType("get start time") == "start")
        #expect(XLSFormSyntax.modernType("begin looped group") == "begin_repeat")
        #expect(XLSFormSyntax.modernType("End Group") == "end_group")
        #expect(XLSFormSyntax.modernType("q int") == "integer")
        // Text it does not know comes back as written, for the reader to name.
        #expect(XLSFormSyntax.modernType("select one from a b") == "select one from a b")
        #expect(XLSFormSyntax.modernType("textX") == "textX")
    }

    @Test func anOldFormIsReadAndWrittenBackInTodaysSyntax() throws {
        let survey = """
            type,name,caption:English,caption:Français,relevance,constraint message:English,disabled
            select one from yn,likes,Do you like it?,Aimez-vous ?,,,
            ,,,,,a comment to the form's authors,
            note,,Thanks,Merci,${likes} = ‘yes’,,
            integer,age,Age,Âge,,Whole years,
            text,old,Old question,Vieille,,,yes
            """
        let choices = "list name,value,label:English,label:Français\nyn,yes,Yes,Oui\nyn,no,No,Non\n,,a note,\n"
        let form = try form(survey, choices)
        #expect(form.languages == ["English", "Français"])
        #expect(form.questions.map(\.name) == ["likes", "generated_note_name_4", "age"], "comment and disabled rows dropped, the note named")
        #expect(form.questions[0].type == .selectOne(list: "yn", orOther: false))
        #expect(form.questions[1].relevant == .binary(.equal, .reference("likes"), .string("yes")), "curly quotes straightened")
        #expect(form.questions[2].constraintMessage == ["English": "Whole years"])
        #expect(form.choiceLists["yn"]?.map(\.name) == ["yes", "no"])
        let written = form.csvFiles()
        #expect(written["survey.csv"]?.hasPrefix("type,name,label::English,label::Français,relevant,constraint_message::English,disabled") == true)
        #expect(written["survey.csv"]?.contains("select_one yn") == true)
        #expect(written["choices.csv"]?.hasPrefix("list_name,name,label::English") == true)
        let again = try XLSForm(csvFiles: written)
        #expect(again.questions.map(\.name) == form.questions.map(\.name), "what is written back reads as the same form")
        #expect(again.questions.map(\.type) == form.questions.map(\.type))
        #expect(again.questions.map(\.labels) == form.questions.map(\.labels))
        #expect(again.questions.map(\.relevant) == form.questions.map(\.relevant))
    }

    @Test func duplicateColumnsAndChoicesAreRefusedUnlessAllowed() throws {
        let twice = issues("type,name,label,label\ntext,a,A,B\n")
        #expect(twice == ["sheet survey, row 1, column D: column 'label' appears twice (also column C); each column must be named once"])
        let choices = "list_name,name,label\nl,a,A\nl,a,A again\n"
        #expect(issues("type,name,label\nselect_one l,q,Q\n", choices).first?.contains("set allow_choice_duplicates to yes") == true)
        let allowed = try form("type,name,label\nselect_one l,q,Q\n", choices, settings: "allow_choice_duplicates\nyes\n")
        #expect(allowed.choiceLists["l"]?.count == 2)
    }

    @Test func unsupportedFeaturesAreNamedWithoutKnockOnErrors() {
        let found = issues("""
            type,name,label,calculation,relevant
            rank fruit,order,Put them in order,,
            text,caption,Say why,,${order} != ''
            begin repeat,kids,Children,,
            text,kid,Name,,
            end repeat,,,,
            calculate,p,,"pulldata('f', 'c', 'k', ${kid})",
            calculate,q,,duration(),
            begin group,g1,G,,
            text,kid2,K,,
            end group,,,,
            begin group,g2,G,,
            text,kid2,K,,
            end group,,,,
            """)
        #expect(found.contains("sheet survey, row 2, column type: type 'rank' is valid XLSForm but not supported by Pathways web surveys yet"))
        #expect(!found.contains { $0.contains("${order}") }, "the row that reads a refused row is not reported too: \(found)")
        #expect(!found.contains { $0.contains("row 4,") }, "a repeat is asked once per instance now: \(found)")
        #expect(found.contains("sheet survey, row 7, column calculation, character 1: function pulldata() is valid XLSForm but not supported yet"))
        #expect(found.contains { $0.hasPrefix("sheet survey, row 8, column calculation") && $0.contains("unknown function duration() (not one of ODK's XPath functions)") })
        #expect(!found.contains { $0.contains("kid2") }, "the same name in two groups is two questions: \(found)")
    }

    /// ODK names a question by its path, so one name may be used in two groups: each is known as `group/name` (as
    /// Kobo's exports name them), asked, stored and exported apart; a `${name}` that could mean either is refused.
    @Test func theSameNameInTwoGroupsIsTwoQuestions() throws {
        let survey = """
            type,name,label,relevant
            begin_group,mother,Mother,
            integer,age,Age,
            end_group,,,
            begin_group,father,Father,
            integer,age,Age,
            text,job,Job,/data/father/age > 0
            end_group,,,
            """
        let f = try form(survey)
        #expect(f.questions.filter { $0.type == .integer }.map(\.name) == ["mother/age", "father/age"])
        var run = SurveyRun(form: f, today: Date())
        #expect(run.submit(page: 0, values: ["mother/age": ["61"]]).isEmpty && run.answers["mother/age"] == "61")
        #expect(run.submit(page: 1, values: ["father/age": ["63"]]).isEmpty && run.answers["father/age"] == "63")
        #expect(RespondentExport.columns(f, includeText: false).map(\.name) == ["respondent_id", "mother/age", "father/age"])
        #expect(issues(survey.replacingOccurrences(of: "/data/father/age", with: "${age}"))
            == ["sheet survey, row 7, column relevant: ${age} could mean any of father/age, mother/age; a reference to the same name in two groups is valid XLSForm but not supported yet (rename one)"])
        #expect(issues("type,name,label\nbegin_group,g,G\ntext,a,A\ntext,a,A again\nend_group,,\n")
            == ["sheet survey, row 4, column name: 'a' is already used on row 3 in the same group; names must be unique within a group"])
    }

    @Test func pathsMeanTheQuestionTheyName() throws {
        let form = try form("type,name,label,relevant\ninteger,age,Age,\ntext,why,Why?,../age > 17 and /data/age < current()/../age + 1\n")
        #expect(form.questions[1].relevant?.references == ["age"])
        #expect(issues("type,name,label,relevant\ntext,a,A,instance('x')/root/item[name = 'a']\n")
            == ["sheet survey, row 2, column relevant, character 1: lookups with instance('…') are valid XLSForm but not supported yet"])
    }

    @Test func moreOfODKsFunctionsEvaluate() throws {
        func value(_ text: String, current: String? = nil) throws -> String {
            try Expression.parse(text).evaluate(ExpressionContext(answers: [:], current: current, today: Date(timeIntervalSince1970: 0))).asString
        }
        #expect(try value("substr('pathways', 0, 4)") == "path")
        #expect(try value("substring('pathways', 2, 3)") == "ath")
        #expect(try value("substring-before('a-b', '-')") == "a")
        #expect(try value("substring-after('a-b', '-')") == "b")
        #expect(try value("translate('abc', 'ab', 'A')") == "Ac")
        #expect(try value("normalize-space('  a   b ')") == "a b")
        #expect(try value("floor(2.7) + ceiling(2.1) + abs(-1)") == "6")
        #expect(try value("round(atan2(1, 1) * 4, 6)") == "3.141593")
        #expect(try value("pow(2, 10)") == "1024")
        #expect(try value("max(1, 5, 3) - min(4, 2)") == "3")
        #expect(try value("once('first')", current: "kept") == "kept")
        #expect(try value("once('first')") == "first")
        #expect(try value("format-date-time(date('2026-03-01'), '%Y/%m/%d %H:%M')") == "2026/03/01 00:00")
    }

    @Test func timeDateTimeAndGeopointAreAskedAndChecked() throws {
        let form = try form("type,name,label\ntime,t,When?\ndateTime,dt,Exactly when?\ngeopoint,where,Where?\nbarcode,code,Code\nhidden,h,\n")
        #expect(form.questions.map(\.type) == [.time, .dateTime, .geopoint, .text, .metadata("hidden")])
        var run = SurveyRun(form: form, today: Date())
        let refused = run.submit(page: 0, values: ["t": ["25:00"], "dt": ["2026-03-01"], "where": ["91 10"], "code": ["X1"]])
        #expect(Set(refused.keys) == ["t", "dt", "where"])
        #expect(run.submit(page: 0, values: ["t": ["09:30"], "dt": ["2026-03-01 09:30"], "where": ["40.7128, -74.0060"], "code": ["X1"]]).isEmpty)
        #expect(run.answers == ["t": "09:30", "dt": "2026-03-01T09:30", "where": "40.7128 -74.0060", "code": "X1"])
    }

    @Test func theSingleFileCSVLayoutIsRead() throws {
        let text = "survey,,,\n,type,name,label\n,select_one yn,ok,\"Is it \"\"ok\"\"?\"\n,text,why,wq:Note(\"x\")\nchoices,,,\n,list_name,name,label\n,yn,yes,Yes\n,yn,no,No\nsettings,,,\n,form_title,,\n,Stacked,,\n"
        let form = try XLSForm.read(Data(text.utf8))
        #expect(form.questions.map(\.name) == ["ok", "why"])
        #expect(form.questions[0].labels[""] == "Is it \"ok\"?")
        #expect(form.questions[1].labels[""] == "wq:Note(\"x\")", "a quote inside an unquoted field is a character, as spreadsheets write it")
        #expect(form.title == "Stacked")
        #expect(throws: XLSFormErrors.self) { try XLSForm.read(Data(",type,name\n,text,a\n".utf8)) }
    }

    @Test func excelDatesAreTheDatesTheyShow() {
        let dates = DateCells(styles: [1], from1904: false)
        #expect(dates.text(serial: 39_792) == "2008-12-10 00:00:00")
        #expect(dates.text(serial: 46_097.583_591_847_5) == "2026-03-16 14:00:22.336000")
        #expect(dates.text(serial: 0.5) == "12:00:00")
        #expect(DateCells(styles: [], from1904: true).text(serial: 0) == "1904-01-01 00:00:00")
        #expect(DateCells.isDateFormat("yyyy-mm-dd"))
        #expect(DateCells.isDateFormat("[$-409]h:mm AM/PM"))
        #expect(!DateCells.isDateFormat("0.00"))
        #expect(!DateCells.isDateFormat("\"days\" 0"))
    }

    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func aLegacyXLSWorkbookIsRead() throws {
        let sheets = try XLSReader().sheets(try Corpus.data("xlsform/kobotoolbox__kobocat__tutorial_arabic_labels.xls"))
        #expect(sheets.map(\.name) == ["survey", "choices"])
        #expect(sheets[0].rows.first?.cells == ["type", "name", "label:English", "label:Arabic"])
        #expect(sheets[0].rows.dropFirst().first?.cells.last?.hasPrefix("1. ما هو اسمك") == true, "UTF-16 shared strings")
        #expect(sheets[1].rows.dropFirst().first?.cells.prefix(2) == ["yes_no", "0"], "numbers in an .xls cell read as a spreadsheet shows them")
        // The form itself asks for a photo: a file question, in both languages.
        let form = try XLSForm.read(try Corpus.data("xlsform/kobotoolbox__kobocat__tutorial_arabic_labels.xls"))
        #expect(form.questions.contains { $0.type == .upload("image") }, "\(form.questions.map(\.type))")
        #expect(form.languages == ["English", "Arabic"])
        let old = Result { try XLSForm.read(try Corpus.data("xlsform/SEL-Columbia__formhub__test_data_types.xls")) }
        guard case .failure(let error as XLSFormErrors) = old else { Issue.record("an Excel 5/95 workbook should be refused"); return }
        #expect(error.description.contains("save it as .xlsx"))
    }

    /// An .xls date cell (its cell format's number format is a date's) reads as a date, as pyxform reads it, and a
    /// number in a cell formatted as a number stays a number.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func anXLSDateCellIsADate() throws {
        let sheets = try XLSReader().sheets(try Corpus.data("xlsform/hotosm__fmtm__entities_registration.xls"))
        let settings = try #require(sheets.first { $0.name == "settings" })
        let version = try #require(settings.rows.dropFirst().first?.cells.dropFirst().first)
        #expect(version == "2024-07-23 21:21:51", "the version cell holds 23 July 2024, 21:21:51 (to the second, as xlrd reads it for pyxform), not the serial 45496.89: \(version)")
        #expect(!sheets.flatMap(\.rows).flatMap(\.cells).contains("45496.89017395833"))
    }

    @Test func aDatesDefaultIsTheDayTheFieldTakes() throws {
        let form = try XLSForm(survey: try XLSFormSheet.csv("""
            type,name,label,default
            date,started,Started,2024-01-15 00:00:00
            time,at,At,1899-12-30 14:30:00
            dateTime,when,When,2024-01-15 14:30:00
            text,note,Note,2024-01-15 00:00:00
            """, name: "survey"), choices: nil, settings: nil)
        #expect(form.questions.map(\.defaultAnswer) == ["2024-01-15", "14:30:00", "2024-01-15T14:30:00", "2024-01-15 00:00:00"])
    }

    /// A `range` is asked as a number between its bounds: whole when every step is, checked on the server, and the
    /// sheet keeps its type and parameters for the way back to pyxform.
    @Test func aRangeIsANumberBetweenItsBounds() throws {
        let form = try XLSForm(survey: try XLSFormSheet.csv("""
            type,name,label,parameters
            range,score,How satisfied?,start=0 end=10 step=1
            range,share,Which share?,"start=0, end=1, step=0.25"
            range,plain,Default bounds,
            """, name: "survey"), choices: nil, settings: nil)
        let q = Dictionary(uniqueKeysWithValues: form.questions.map { ($0.name, $0) })
        #expect(q["score"]?.type == .integer && q["score"]?.range == NumberRange(start: 0, end: 10, step: 1))
        #expect(q["share"]?.type == .decimal && q["share"]?.range?.words == "from 0 to 1 in steps of 0.25")
        #expect(q["plain"]?.range == NumberRange(), "pyxform's defaults: 1 to 10 in steps of 1")
        #expect(form.survey.rows.first?["type"] == "range", "the sheet keeps the type as written")
        var run = SurveyRun(form: form, today: CalendarDay.date(year: 2026, month: 6, day: 1)!)
        let refused = run.submit(page: 0, values: ["score": ["11"], "share": ["0.3"], "plain": ["0"]])
        #expect(refused["score"] == "Please enter a number from 0 to 10." && refused["share"] == "Please enter a number from 0 to 1 in steps of 0.25."
                && refused["plain"] == "Please enter a number from 1 to 10.", "\(refused)")
        #expect(run.submit(page: 0, values: ["score": ["10"], "share": ["0.75"], "plain": ["1"]]).isEmpty)
        // Bounds that are no numbers, or a step of nothing, are named in the parameters column.
        let bad = Result { try XLSForm(survey: try XLSFormSheet.csv("type,name,label,parameters\nrange,r,R,start=low\nrange,s,S,step=0", name: "survey"), choices: nil, settings: nil) }
        guard case .failure(let errors as XLSFormErrors) = bad else { Issue.record("bad parameters are refused"); return }
        #expect(errors.issues.map(\.column) == ["parameters", "parameters"])
        #expect(errors.issues.map(\.message) == ["range start 'low' is not a number", "a range's step must be more than 0"])
    }
}

