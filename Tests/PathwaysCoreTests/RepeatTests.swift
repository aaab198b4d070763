import Foundation
@testable import PathwaysCore
import Testing

/// Repeats: a group asked once per instance (each household member), added by the respondent or counted by
/// `repeat_count`, with expressions that read their own instance, aggregate over all of them, and the export's
/// one row per instance.
@Suite struct RepeatTests {
    let today = Date(timeIntervalSince1970: 1_780_000_000)

    func form(_ survey: String, _ choices: String? = nil) throws -> XLSForm {
        try XLSForm(survey: try XLSFormSheet.csv(survey, name: "survey"), choices: try choices.map { try XLSFormSheet.csv($0, name: "choices") })
    }

    var household: XLSForm {
        get throws {
            try form("""
                type,name,label,required,relevant,calculation,constraint
                text,household,Household name,yes,,,
                begin_repeat,members,Household member,,,,
                text,mname,Name,yes,,,
                integer,mage,Age,yes,,,. >= 0 and . < 130
                select_one yes_no,student,Is ${mname} a student?,,${mage} < 25,,
                calculate,adult,,,,"if(${mage} >= 18, 'yes', 'no')",
                calculate,pos,,,,position(..),
                end_repeat,,,,,,
                calculate,n_members,,,,count(${members}),
                calculate,total_age,,,,sum(${mage}),
                calculate,first_name,,,,"indexed-repeat(${mname}, ${members}, 1)",
                calculate,names,,,,"join(', ', ${mname})",
                """, "list_name,name,label\nyes_no,yes,Yes\nyes_no,no,No\n")
        }
    }

    @Test func keysNameTheInstance() {
        #expect(RepeatKey.key("mname", 2) == "mname[2]")
        #expect(RepeatKey.parse("mname[2]")! == ("mname", 2))
        #expect(RepeatKey.parse("mname") == nil)
        #expect(RepeatKey.parse("mname[0]") == nil)
        #expect(RepeatKey.parse("[2]") == nil)
        #expect(RepeatKey.parse("a[b]") == nil)
    }

    @Test func aRepeatIsOnePageAskedPerInstance() throws {
        let form = try household
        #expect(form.repeatOf["mname"] == "members" && form.repeatOf["members"] == "members" && form.repeatOf["household"] == nil)
        var run = SurveyRun(form: form, today: today)
        #expect(run.pages.count == 2)
        let page = run.pages[1]
        #expect(run.instanceCount("members") == 1, "a repeat starts with one instance, as ODK starts it")
        #expect(run.displayedSlots(on: page).map(\.key) == ["mname[1]", "mage[1]", "student[1]"])
        #expect(run.submit(page: 0, values: ["household": ["The Okafors"]]).isEmpty)
        #expect(run.answers["n_members"] == "1", "count() sees the one instance a repeat starts with")

        // Each instance is checked on its own: a missing name in the second is named by its key.
        run.addInstance("members")
        #expect(run.instanceCount("members") == 2)
        #expect(run.displayedSlots(on: page).map(\.key) == ["mname[1]", "mage[1]", "student[1]", "mname[2]", "mage[2]", "student[2]"])
        let refused = run.submit(page: 1, values: ["mname[1]": ["Ada"], "mage[1]": ["41"], "mage[2]": ["200"]])
        #expect(refused == ["mname[2]": "This question needs an answer.", "mage[2]": "This answer is not allowed."])
        #expect(run.answers["mname[1]"] == nil, "a refused page keeps nothing")

        // Relevance reads the instance's own answers: the 41-year-old is not asked, the 12-year-old is.
        let errors = run.submit(page: 1, values: ["mname[1]": ["Ada"], "mage[1]": ["41"], "student[1]": ["yes"],
                                                  "mname[2]": ["Ben"], "mage[2]": ["12"], "student[2]": ["yes"]])
        #expect(errors.isEmpty)
        #expect(run.answers["student[1]"] == nil, "a value where the question did not apply is dropped")
        #expect(run.answers["student[2]"] == "yes")
        #expect(run.answers["adult[1]"] == "yes" && run.answers["adult[2]"] == "no")
        #expect(run.answers["pos[1]"] == "1" && run.answers["pos[2]"] == "2")
        #expect(run.answers["n_members"] == "2" && run.answers["total_age"] == "53")
        #expect(run.answers["first_name"] == "Ada" && run.answers["names"] == "Ada, Ben")
        #expect(run.remainingErrors().isEmpty && run.answeredShare == 1)

        // Removing the first moves the second up; what was computed follows.
        run.removeInstance("members", 1)
        #expect(run.instanceCount("members") == 1)
        #expect(run.answers["mname[1]"] == "Ben" && run.answers["student[1]"] == "yes" && run.answers["mname[2]"] == nil)
        #expect(run.answers["n_members"] == "1" && run.answers["total_age"] == "12" && run.answers["adult[1]"] == "no")

        // The page's buttons say the same.
        #expect(run.applyInstanceAction("add:members") && run.instanceCount("members") == 2)
        #expect(run.applyInstanceAction("remove:members:2") && run.instanceCount("members") == 1)
        #expect(!run.applyInstanceAction("next") && !run.applyInstanceAction("remove:members:x"))
        #expect(SurveyRun.redrawsPage("add:members") && SurveyRun.redrawsPage("remove:members:1") && !SurveyRun.redrawsPage("next"))
    }

    /// Most respondents fill the one instance a repeat starts with and never press "Add another": what is computed
    /// over the repeat counts that instance.
    @Test func theFirstInstanceCountsWithoutAnAdd() throws {
        var run = SurveyRun(form: try household, today: today)
        #expect(run.submit(page: 1, values: ["mname[1]": ["Ada"], "mage[1]": ["41"]]).isEmpty)
        #expect(run.answers["members"] == nil, "nothing was added or removed")
        #expect(run.answers["n_members"] == "1" && run.answers["total_age"] == "41" && run.answers["names"] == "Ada")
    }

    @Test func theRespondentCannotAddWithoutLimit() throws {
        var run = SurveyRun(form: try household, today: today)
        for _ in 0..<200 { run.addInstance("members") }
        #expect(run.instanceCount("members") == SurveyRun.maxInstances)
        #expect(!run.canAddInstance("members"))
        // A forged count in stored answers is held to the limit as well.
        let forged = SurveyRun(form: try household, answers: ["members": "100000"], today: today)
        #expect(forged.instanceCount("members") == SurveyRun.maxInstances)
        #expect(forged.slots(try household.question(named: "mname")!).count == SurveyRun.maxInstances)
    }

    @Test func aRepeatCountSetsTheInstances() throws {
        let form = try form("""
            type,name,label,repeat_count
            integer,kids,How many children?,
            begin_repeat,child,Child,${kids}
            text,cname,Child's name,
            end_repeat,,,
            """)
        var run = SurveyRun(form: form, today: today)
        #expect(run.instanceCount("child") == 0 && !run.canAddInstance("child"))
        #expect(run.submit(page: 0, values: ["kids": ["3"]]).isEmpty)
        #expect(run.instanceCount("child") == 3)
        #expect(run.submit(page: 1, values: ["cname[1]": ["A"], "cname[2]": ["B"], "cname[3]": ["C"]]).isEmpty)
        #expect(run.answers["cname[3]"] == "C")
        // Fewer children: the instances past the count are gone.
        #expect(run.submit(page: 0, values: ["kids": ["1"]]).isEmpty)
        #expect(run.instanceCount("child") == 1 && run.answers["cname[1]"] == "A" && run.answers["cname[2]"] == nil && run.answers["cname[3]"] == nil)
        #expect(run.submit(page: 0, values: ["kids": ["100000"]]).isEmpty)
        #expect(run.instanceCount("child") == SurveyRun.maxInstances)
        // A count read from the same page redraws it (the same round trip as cascading choices).
        let onePage = try self.form("""
            type,name,label,repeat_count
            begin_group,g,Family,
            integer,kids,How many children?,
            begin_repeat,child,Child,${kids}
            text,cname,Child's name,
            end_repeat,,,
            end_group,,,
            """)
        let single = SurveyRun(form: onePage, today: today)
        #expect(single.choiceParents(on: single.pages[0]) == ["kids"])
        // jr:count is the same column.
        let legacy = try self.form("type,name,label,jr:count\ninteger,n,N,\nbegin repeat,r,R,${n}\ntext,t,T,\nend repeat,,,\n")
        #expect(legacy.question(named: "r")?.repeatCount == .reference("n"))
    }

    @Test func aRepeatInsideARepeatIsRefusedByName() {
        #expect(throws: XLSFormErrors.self) {
            try form("type,name,label\nbegin_repeat,a,A\nbegin_repeat,b,B\ntext,t,T\nend_repeat,,\nend_repeat,,\n")
        }
        do {
            _ = try form("type,name,label\nbegin_repeat,a,A\nbegin_repeat,b,B\ntext,t,T\nend_repeat,,\nend_repeat,,\n")
        } catch {
            #expect((error as? XLSFormErrors)?.issues.map(\.description) == ["sheet survey, row 3, column type: a repeat inside a repeat (begin_repeat 'b' within 'a') is valid XLSForm but not supported yet"])
        }
    }

    @Test func theExportWritesOneRowPerInstance() throws {
        let form = try household
        var run = SurveyRun(form: form, today: today)
        run.addInstance("members")
        _ = run.submit(page: 0, values: ["household": ["H"]])
        _ = run.submit(page: 1, values: ["mname[1]": ["Ada"], "mage[1]": ["41"], "mname[2]": ["=Ben"], "mage[2]": ["12"], "student[2]": ["no"]])
        let respondents = [RespondentExport.Respondent(id: "r1", answers: run.answers),
                           RespondentExport.Respondent(id: "r2", answers: ["household": "Alone", "mname[1]": "Cy", "mage[1]": "70"])]
        let wide = RespondentExport.wide(form, respondents: respondents, includeText: true, today: today).split(separator: "\n").map(String.init)
        #expect(wide[0] == "respondent_id,household,members,n_members,total_age,first_name,names")
        #expect(wide[1] == "r1,H,2,2,53,Ada,\"Ada, =Ben\"")
        #expect(wide[2].hasPrefix("r2,Alone,1,"), "a repeat never added to keeps its one instance: \(wide[2])")
        let files = RespondentExport.repeatFiles(form, respondents: respondents, includeText: true)
        #expect(files.map(\.name) == ["repeat-members.csv"])
        #expect(files[0].text == """
            respondent_id,_index,mname,mage,student,adult,pos
            r1,1,Ada,41,,yes,1
            r1,2,'=Ben,12,no,no,2
            r2,1,Cy,70,,,

            """)
        // Without open text, the names stay out of the repeat's file as they do out of the wide one.
        #expect(RespondentExport.repeatFiles(form, respondents: respondents).first?.text.hasPrefix("respondent_id,_index,mage,student,adult,pos\n") == true)
    }
}
