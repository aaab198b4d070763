import Foundation
@testable import PathwaysCore
import Testing

/// The decisions behind saving a survey page, without a database: dispositions, screening, next page, completion.
@Suite struct SurveySubmissionTests {
    static let today = CalendarDay.date(year: 2026, month: 6, day: 1)!
    static let form: XLSForm = {
        let survey = """
            type,name,label,required,relevant
            begin group,p1,Screening,,
            select_one yes_no,eligible,Did you complete the program a year ago or more?,yes,
            end group,,,,
            begin group,p2,Work,,
            integer,age,How old are you?,yes,
            end group,,,,
            begin group,p3,Later,,
            text,comments,Anything else?,,
            end group,,,,
            """
        return try! XLSForm(survey: try! XLSFormSheet.csv(survey, name: "survey"),
                            choices: try! XLSFormSheet.csv("list_name,name,label\nyes_no,yes,Yes\nyes_no,no,No\n", name: "choices"), settings: nil)
    }()

    static func study(_ source: EligibilitySource) -> Study {
        Study(id: UUID(), key: "s", title: "S", eligibilitySource: source, partialShare: 0.5)
    }
    static let wave = Wave(id: UUID(), studyID: UUID(), number: 1, title: "W", instrumentVersionID: UUID(), opensAt: today, closesAt: today,
                           frameRule: .enrolled(kinds: nil), reminderDays: [], screenItem: "eligible", eligibilityMonths: 12,
                           messageSubject: "", messageBody: "")
    static let fresh = WaveCase(id: 1, waveID: wave.id, learnerID: UUID(), invitedAt: today)

    @Test func savingToFinishLaterKeepsOnlyValuesThatPassTheirChecks() throws {
        let form = try XLSForm(survey: try XLSFormSheet.csv("""
            type,name,label,required,constraint
            begin group,p1,About you,,
            integer,birth_year,Year of birth,yes,. >= 1920 and . <= 2010
            text,country,Country,yes,
            select_one yes_no,student,Student?,yes,
            end group,,,,
            """, name: "survey"), choices: try XLSFormSheet.csv("list_name,name,label\nyes_no,yes,Yes\nyes_no,no,No\n", name: "choices"), settings: nil)
        var run = SurveyRun(form: form, today: Self.today)
        let dropped = run.keepForLater(page: 0, values: ["birth_year": ["1800"], "country": [" DE "], "student": ["maybe"]])
        #expect(Set(dropped.keys) == ["birth_year", "student"], "a value out of range or off the choice list is not kept")
        #expect(run.answers == ["country": "DE"], "a required question left empty is not asked for")
        #expect(abs(run.answeredShare - 1.0 / 3) < 1e-12)
        let progress = SurveySubmission.later(run, page: 0)
        #expect(progress.currentPage == 0 && progress.disposition == nil && progress.screening == nil)
        // Submitting the page still asks for everything.
        #expect(Set(run.submit(page: 0, values: ["country": ["DE"]]).keys) == ["birth_year", "student"])
    }

    @Test func theCurrentDispositionFollowsWhatHappened() {
        func current(_ stored: Disposition? = nil, started: Bool = false, opened: Bool = false, invited: Bool = false, share: Double = 0) -> Disposition {
            .current(stored: stored, started: started, opened: opened, invited: invited, answeredShare: share, partialShare: 0.5)
        }
        #expect(current(.complete, started: true, share: 1) == .complete, "a stored disposition is final")
        #expect(current(.refusal) == .refusal)
        #expect(current(started: true, share: 0.5) == .partial)
        #expect(current(started: true, share: 0.49) == .breakOff)
        #expect(current(opened: true, invited: true) == .breakOff)
        #expect(current(invited: true) == .nothingReturned)
        #expect(current() == .notInvited)
        #expect(Disposition.responses.map(\.rawValue) == ["1.1", "1.2"])
        #expect(Disposition.partial.isResponse && !Disposition.breakOff.isResponse)
    }

    @Test func theStudyDecidesWhoseWordWinsAndADisagreementIsKept() {
        let s = Screening(record: false, reported: true)
        #expect(s.conflict)
        #expect(!s.eligible(by: .record) && s.eligible(by: .selfReport))
        #expect(!Screening(record: true, reported: true).conflict)
        let completed = CalendarDay.date(year: 2025, month: 6, day: 1)!
        #expect(Screening.recordSaysEligible(completions: [completed], months: 12, now: Self.today))
        #expect(!Screening.recordSaysEligible(completions: [completed], months: 13, now: Self.today))
        #expect(!Screening.recordSaysEligible(completions: [], months: nil, now: Self.today))
    }

    @Test(arguments: [EligibilitySource.record, .selfReport])
    func theScreeningPageAsksTheRecordsOnceAndScreensOut(_ source: EligibilitySource) {
        var run = SurveyRun(form: Self.form, answers: [:], today: Self.today)
        #expect(run.submit(page: 0, values: ["eligible": ["yes"]]).isEmpty)
        #expect(SurveySubmission.screeningToDecide(run, page: 0, wave: Self.wave, case: Self.fresh) == "eligible")
        // The records say no: screened out when the study trusts records, on to page 2 when it trusts the answer.
        let progress = SurveySubmission.progress(&run, page: 0, wave: Self.wave, study: Self.study(source), case: Self.fresh, recordEligible: false, language: "")
        #expect(progress.screening == Screening(record: false, reported: true))
        if source == .record {
            #expect(progress.disposition == .notEligible && progress.currentPage == 0)
            #expect(run.answers["eligible"] == "no", "the decision is pinned into the answers")
        } else {
            #expect(progress.disposition == nil && progress.currentPage == 1)
            #expect(run.answers["eligible"] == "yes")
        }
        // A case already screened is not asked again, and keeps its decision.
        var screened = Self.fresh
        screened.recordEligible = false
        screened.reportedEligible = true
        #expect(SurveySubmission.screeningToDecide(run, page: 0, wave: Self.wave, case: screened) == nil)
        let prepared = SurveySubmission.prepared(SurveyRun(form: Self.form, answers: ["eligible": "yes"], today: Self.today),
                                                 wave: Self.wave, study: Self.study(source), case: screened)
        #expect(prepared.answers["eligible"] == (source == .record ? "no" : "yes"))
    }

    @Test func theLastPageCompletesOnlyWhenNothingIsLeftToAnswer() {
        var screened = Self.fresh
        screened.recordEligible = true
        screened.reportedEligible = true
        // Page 2's required age is missing: the last page sends the respondent back there instead of completing.
        var run = SurveyRun(form: Self.form, answers: ["eligible": "yes"], today: Self.today)
        #expect(run.submit(page: 2, values: ["comments": ["fine"]]).isEmpty)
        var progress = SurveySubmission.progress(&run, page: 2, wave: Self.wave, study: Self.study(.record), case: screened, recordEligible: nil, language: "")
        #expect(progress.disposition == nil && progress.currentPage == 1)
        #expect(run.submit(page: 1, values: ["age": ["34"]]).isEmpty)
        progress = SurveySubmission.progress(&run, page: 1, wave: Self.wave, study: Self.study(.record), case: screened, recordEligible: nil, language: "")
        #expect(progress.currentPage == 2 && progress.disposition == nil)
        progress = SurveySubmission.progress(&run, page: 2, wave: Self.wave, study: Self.study(.record), case: screened, recordEligible: nil, language: "")
        #expect(progress.disposition == .complete && progress.answeredShare == 1)
        #expect(SurveySubmission.back(run, from: 2).currentPage == 1)
    }
}

@Suite struct AnswerSheetTests {
    /// A researcher reads a respondent's answers page by page: labels, choices in words, and which questions did
    /// not apply.
    @Test func answersAreShownPageByPageInWords() throws {
        let form = try XLSForm(csvFiles: [
            "survey.csv": """
                type,name,label,relevant
                begin_group,work,Your work,
                select_one yn,employed,Are you employed?,
                text,employer,Who employs you?,${employed} = 'yes'
                select_multiple tools,tools,Which tools do you use?,
                end_group,,,
                integer,age,Your age,
                """,
            "choices.csv": "list_name,name,label\nyn,yes,Yes\nyn,no,No\ntools,sql,SQL\ntools,r,R\n",
        ])
        let sheet = SurveyRun(form: form, answers: ["employed": "no", "tools": "sql r"], today: Date()).answerSheet(language: nil)
        #expect(sheet.map(\.title) == ["Your work", "Page 2"])
        #expect(sheet[0].answers.map(\.answer) == ["No", nil, "SQL; R"])
        #expect(sheet[0].answers[1].asked == false, "the employer question did not apply to someone not employed")
        #expect(sheet[1].answers == [SurveyRun.SheetAnswer(name: "age", label: "Your age", answer: nil, asked: true)])
    }
}
