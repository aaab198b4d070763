import Foundation
@testable import PathwaysCore
import Testing

/// The frame rule in words: what researchers type reads back to the rule, the rule prints as the same words, and a
/// rule that cannot be read says where and what was expected.
@Suite struct FrameRuleTextTests {
    @Test(arguments: [
        ("answered wave 1", FrameRule.answeredWave(wave: 1, monthsBefore: nil)),
        ("answered wave 2 at least 6 months before this wave opens", .answeredWave(wave: 2, monthsBefore: 6)),
        ("completed a program at least 12 months before this wave opens", .completedProgram(kinds: nil, monthsBefore: 12)),
        ("completed a program before this wave opens", .completedProgram(kinds: nil, monthsBefore: 0)),
        ("completed a MicroMasters or Specialization at least 1 month before this wave opens", .completedProgram(kinds: [.microMasters, .specialization], monthsBefore: 1)),
        ("completed a Professional Certificate before this wave opens", .completedProgram(kinds: [.professionalCertificate], monthsBefore: 0)),
        ("enrolled in a program", .enrolled(kinds: nil)),
        ("enrolled in a MicroBachelors", .enrolled(kinds: [.microBachelors])),
        ("enrolled in program mb-statistics-fundamentals or \"cs 50\"", .inPrograms(["mb-statistics-fundamentals", "cs 50"])),
        ("country is US or IN", .country(["US", "IN"])),
        ("has no bachelor's degree", .noBachelorsDegree),
        ("everyone", .all([])),
        ("not (answered wave 1 or has no bachelor's degree)", .not(.any([.answeredWave(wave: 1, monthsBefore: nil), .noBachelorsDegree]))),
        ("(answered wave 1 or answered wave 2) and completed a program at least 12 months before this wave opens",
         .all([.any([.answeredWave(wave: 1, monthsBefore: nil), .answeredWave(wave: 2, monthsBefore: nil)]), .completedProgram(kinds: nil, monthsBefore: 12)])),
    ])
    func theWordsAreTheRule(_ text: String, _ rule: FrameRule) throws {
        #expect(try FrameRule(text: text) == rule)
        #expect(rule.text == text)
        #expect(try FrameRule(text: rule.text) == rule)
    }

    @Test func wordsAreNotCaseSensitiveAndAndBindsTighterThanOr() throws {
        let rule = try FrameRule(text: "Answered Wave 1 OR answered wave 2 AND country in br, ar")
        #expect(rule == .any([.answeredWave(wave: 1, monthsBefore: nil), .all([.answeredWave(wave: 2, monthsBefore: nil), .country(["BR", "AR"])])]))
        #expect(rule.text == "answered wave 1 or (answered wave 2 and country is BR or AR)")
        #expect(try FrameRule(text: "no bachelors degree") == .noBachelorsDegree)
        #expect(try FrameRule(text: "enrolled") == .enrolled(kinds: nil))
    }

    @Test(arguments: [
        ("", "character 1: write a rule, e.g. answered wave 1, or everyone"),
        ("answered wave", "character 14: the rule ends where a wave number after 'answered wave' was expected"),
        ("answered wave one", "character 15: expected a wave number after 'answered wave', found 'one'"),
        ("completed a degree", "character 13: expected 'a program' or a program kind (MicroBachelors, MicroMasters, Specialization, Professional Certificate, XSeries, MasterTrack, Nanodegree, Certificate of Advanced Study, Other), found 'degree'"),
        ("answered wave 1 at least 6 weeks before this wave opens", "character 28: expected 'months' after 'at least 6', found 'weeks'"),
        ("(answered wave 1 or answered wave 2", "character 36: the rule ends where a ')' to close the '(' was expected"),
        ("answered wave 1 answered wave 2", "character 17: 'answered' does not continue the rule; join conditions with and / or"),
        ("lives in US", "character 1: 'lives' is not a condition; start with answered, completed, enrolled, country, has no bachelor's degree or everyone"),
        ("country is USA", "character 12: expected a two-letter country code (US, IN, BR …), found 'USA'"),
        ("enrolled in program \"open", "character 21: the quoted name is not closed with \""),
    ])
    func aRuleThatCannotBeReadSaysWhereAndWhat(_ text: String, _ message: String) {
        #expect(throws: FrameRule.ParseError.self) { try FrameRule(text: text) }
        do { _ = try FrameRule(text: text) } catch { #expect(error.description == message) }
    }

    @Test func countryIsCheckedOnTheProfile() throws {
        let rule = try FrameRule(text: "country is US")
        #expect(rule.includes(.init(enrollments: [], country: "us"), opens: Date()))
        #expect(!rule.includes(.init(enrollments: [], country: "IN"), opens: Date()))
        #expect(!rule.includes(.init(enrollments: []), opens: Date()))
    }

    @Test func aRuleKnowsTheWavesItReads() throws {
        #expect(try FrameRule(text: "(answered wave 1 or answered wave 3) and not answered wave 2").wavesRead == [1, 2, 3])
    }
}

@Suite struct MessageTemplateTests {
    @Test func unknownMergeFieldsAreNamed() {
        let t = MessageTemplate(subject: "Hello {{firstname}}", body: "{{survey_link}} {{ program }} {{wave}} {{bogus}}")
        #expect(MessageTemplate.unknownFields(in: t.subject) == ["firstname"])
        #expect(MessageTemplate.unknownFields(in: t.body) == ["bogus"])
        #expect(t.problems.map(\.field) == ["subject", "body"])
        #expect(t.problems[0].message.hasPrefix("{{firstname}} is not a merge field; use {{first_name}}"))
    }

    @Test func aCaseGetsItsValuesAndTheLinksAreAddedWhenMissing() {
        let t = MessageTemplate(subject: "{{program}}: a survey", body: "Dear {{first_name}}, about {{study}} ({{wave}}).")
        let m = t.message(.init(name: "Ana María Pérez", program: nil, study: "Outcomes", wave: "Wave 3"), reminder: 1)
        #expect(m.subject == "Reminder: your program: a survey")
        #expect(m.body.hasPrefix("Dear Ana, about Outcomes (Wave 3).\n\n{{survey_link}}\n\nTo stop receiving messages about this study: {{opt_out_link}}"))
        #expect(MessageTemplate.withLinks(m.body, surveyLink: "https://x/s/abc").contains("https://x/s/abc/opt-out"))
        #expect(MessageTemplate(subject: "", body: " ").problems.count == 2)
        #expect(MessageTemplate(subject: "{{survey_link}}", body: "b").problems.map(\.message) == ["links go in the body, not the subject"])
    }
}

@Suite struct WaveLifecycleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    func facts(_ state: WaveState, frame: Bool = true, invited: Int = 0, closesIn days: Double = 30) -> WaveLifecycle.Facts {
        .init(state: state, frameComputed: frame, invited: invited, closesAt: now.addingTimeInterval(days * 86_400))
    }

    @Test func aDraftIsEditedFramedAndLaunchedOnlyOnceItsFrameIsComputed() {
        #expect(WaveLifecycle.available(facts(.draft, frame: false), now: now) == [.edit, .computeFrame])
        #expect(WaveLifecycle.refusal(.launch, facts(.draft, frame: false), now: now) == "compute and check the frame first")
        #expect(WaveLifecycle.available(facts(.draft), now: now) == [.edit, .computeFrame, .launch])
        #expect(WaveLifecycle.refusal(.close, facts(.draft), now: now) != nil)
    }

    @Test func theFirstInvitationFixesWhatWasSentAndToWhom() {
        #expect(WaveLifecycle.available(facts(.launched, invited: 1), now: now) == [.pause, .close])
        #expect(WaveLifecycle.refusal(.edit, facts(.paused, invited: 3), now: now) == "the wave has sent invitations; what it sent and to whom is fixed")
        #expect(WaveLifecycle.available(facts(.paused, invited: 3), now: now) == [.launch, .close])
        // Launched but nothing sent yet (opens next week): still editable.
        #expect(WaveLifecycle.available(facts(.launched), now: now) == [.edit, .computeFrame, .pause, .close])
    }

    @Test func aClosedWaveDoesNothingMore() {
        #expect(WaveLifecycle.available(facts(.closed), now: now).isEmpty)
        #expect(WaveLifecycle.available(facts(.launched, closesIn: -1), now: now) == [.close])
        #expect(WaveLifecycle.status(facts(.launched, closesIn: -1), opensAt: now, now: now) == "Closed")
        #expect(WaveLifecycle.next(.close, from: .paused) == .closed && WaveLifecycle.next(.launch, from: .paused) == .launched)
    }
}

@Suite struct WaveSettingsTests {
    let opens = CalendarDay.date(year: 2027, month: 1, day: 10)!
    var form: XLSForm {
        get throws {
            try XLSForm(csvFiles: ["survey.csv": "type,name,label\nselect_one yn,eligible,Did you finish?\ntext,comments,Comments\n",
                                   "choices.csv": "list_name,name,label\nyn,yes,Yes\nyn,no,No\n"])
        }
    }

    func settings(_ change: (inout WaveSettings) -> Void = { _ in }) -> WaveSettings {
        var s = WaveSettings(number: 3, title: "A year on", instrumentVersionID: UUID(), opensAt: opens, closesAt: CalendarDay.adding(days: 60, to: opens),
                             frameRule: .answeredWave(wave: 1, monthsBefore: nil), reminderDays: [7, 14], screenItem: "eligible", eligibilityMonths: 12,
                             messageSubject: "A survey", messageBody: "Dear {{first_name}}")
        change(&s)
        return s
    }

    @Test func aGoodWaveHasNoProblems() throws {
        #expect(settings().problems(form: try form, otherWaves: [1, 2]).isEmpty)
    }

    @Test func everyProblemNamesItsField() throws {
        let bad = settings {
            $0.number = 2; $0.title = " "; $0.closesAt = $0.opensAt; $0.reminderDays = [14, 7]; $0.frameRule = .answeredWave(wave: 4, monthsBefore: nil)
            $0.screenItem = "finished"; $0.messageBody = "{{link}}"
        }
        let fields = bad.problems(form: try form, otherWaves: [1, 2]).map(\.field)
        #expect(fields == ["number", "title", "closes", "reminders", "frame", "screen_item", "message_body"])
        #expect(settings { $0.reminderDays = [7, 60] }.problems(form: try form, otherWaves: []).map(\.description)
                == ["reminders: day 60 is after the wave closes (it runs 60 days)"])
        #expect(settings { $0.screenItem = nil }.problems(form: try form, otherWaves: []).map(\.field) == ["screen_item"])
        #expect(settings().problems(form: nil, otherWaves: []).map(\.field) == ["instrument"])
    }

    @Test func aStudysKeyAndShareAreChecked() {
        #expect(StudySettings(key: "outcomes-2027", title: "Outcomes").problems(takenKeys: []).isEmpty)
        let bad = StudySettings(key: "Outcomes 2027", title: "", partialShare: 0).problems(takenKeys: [])
        #expect(bad.map(\.field) == ["key", "title", "partial_share"])
        #expect(StudySettings(key: "new", title: "x").problems(takenKeys: []).map(\.field) == ["key"])
        #expect(StudySettings(key: "a", title: "x").problems(takenKeys: ["a"]).map(\.message) == ["another study already has the key a"])
    }
}

@Suite struct InstrumentChangesTests {
    func form(_ survey: String, _ choices: String) throws -> XLSForm {
        try XLSForm(csvFiles: ["survey.csv": "type,name,label\n" + survey, "choices.csv": "list_name,name,label\n" + choices])
    }

    @Test func renamesAreRenamesAndChoiceListsAreCompared() throws {
        let v1 = try form("select_one yn,finished,Finished?\ntext,cheese,Favourite cheese\ninteger,age,Age\n", "yn,yes,Yes\nyn,no,No\n")
        let v2 = try form("select_one yn,finished,Did you finish?\ntext,cheese_kind,Favourite cheese\ntext,age,Age\ndate,when,When\n",
                          "yn,yes,Yes\nyn,not_yet,Not yet\n")
        let finished = UUID(), cheese = UUID(), age = UUID()
        let changes = InstrumentChanges.between(v1, items: ["finished": finished, "cheese": cheese, "age": age],
                                                and: v2, items: ["finished": finished, "cheese_kind": cheese, "age": age, "when": UUID()])
        #expect(changes.lines == ["added when", "renamed cheese → cheese_kind", "age: type integer → text",
                                  "finished: choices added not_yet; removed no", "reworded finished"])
        let same = ["finished": finished, "cheese": cheese, "age": age]
        #expect(InstrumentChanges.between(v1, items: same, and: v1, items: same).isEmpty)
    }

    @Test func aQuestionLeftOutIsRemoved() throws {
        let v1 = try form("text,a,A\ntext,b,B\n", "")
        let v2 = try form("text,a,A\n", "")
        let a = UUID()
        #expect(InstrumentChanges.between(v1, items: ["a": a, "b": UUID()], and: v2, items: ["a": a]).lines == ["removed b"])
    }
}

@Suite struct EventInputTests {
    let now = CalendarDay.date(year: 2027, month: 1, day: 1)!

    @Test func localTimesAreReadInTheirTimeZone() throws {
        let (read, problems) = EventInput(kind: "interview_day", title: "Interviews", starts: "2027-03-15T09:00", ends: "2027-03-15T12:30",
                                          timeZone: "America/New_York", location: "Online", capacity: "40", programs: "stats, mm-data").read(
            kinds: ["workshop", "interview_day"], now: now)
        #expect(problems.isEmpty)
        let r = try #require(read)
        #expect(ISO8601DateFormatter().string(from: r.startsAt) == "2027-03-15T13:00:00Z", "daylight saving time began on 14 March")
        #expect(r.programs == ["stats", "mm-data"] && r.capacity == 40)
        #expect(EventInput.local(r.startsAt, in: TimeZone(identifier: "America/New_York")!) == "2027-03-15T09:00")
    }

    @Test func everyProblemNamesItsField() {
        let (_, problems) = EventInput(kind: "party", title: "", starts: "2026-12-01T10:00", ends: "soon", timeZone: "UTC", location: "", capacity: "0")
            .read(kinds: ["workshop", "interview_day"], now: now)
        #expect(problems.map(\.field) == ["kind", "title", "ends", "starts", "location", "capacity", "programs"])
    }

    @Test func anEmployerOrganisesOnlyItsOwnEvents() {
        let mine = UUID(), theirs = UUID()
        #expect(EventOwnership.refusal(eventEmployer: mine, actorEmployer: mine, isAdmin: false) == nil)
        #expect(EventOwnership.refusal(eventEmployer: theirs, actorEmployer: mine, isAdmin: false) == "this event is another organiser's")
        #expect(EventOwnership.refusal(eventEmployer: nil, actorEmployer: mine, isAdmin: false) != nil)
        #expect(EventOwnership.refusal(eventEmployer: theirs, actorEmployer: nil, isAdmin: true) == nil)
    }
}

@Suite struct FieldworkChartTests {
    /// Quiet days are drawn as zeros between the first and last active day; invitation days are solid marks and
    /// reminder days dashed; the label totals what is drawn.
    @Test func theResponseCurveFillsQuietDaysAndMarksInvitationsAndReminders() throws {
        let start = 20_400
        let days = [ResponseTimeline.Day(day: start, opened: 40, started: 30, submitted: 20, invitations: 100),
                    ResponseTimeline.Day(day: start + 1, opened: 10, started: 8, submitted: 6),
                    ResponseTimeline.Day(day: start + 7, opened: 12, started: 10, submitted: 9, reminders: 60)]
        let filled = ResponseTimeline.filled(days)
        #expect(filled.count == 8 && filled[3] == ResponseTimeline.Day(day: start + 3))
        let svg = try #require(ResponseTimeline.svg(days))
        #expect(svg.contains("62 opened, 48 started, 35 submitted"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3)
        #expect(svg.contains("100 invitations sent") && svg.contains("60 reminders sent"))
        #expect(svg.components(separatedBy: "stroke-dasharray=\"3 3\"><title>").count - 1 == 1, "one reminder day, dashed")
        #expect(ResponseTimeline.svg([]) == nil)
        #expect(ResponseTimeline.niceCeiling(40) == 50 && ResponseTimeline.niceCeiling(101) == 200 && ResponseTimeline.niceCeiling(1) == 1)
    }

    @Test func countBarsAreScaledToTheLargestAndLabelled() throws {
        let svg = try #require(CountBars.svg([CountBars.Group(label: "Wave 1", bars: [("In the frame", 200), ("Complete", 50)])], description: "Funnel"))
        #expect(svg.contains("width=\"320.0\" height=\"16.0\"") && svg.contains("width=\"80.0\" height=\"16.0\""))
        #expect(svg.contains("200 in the frame</text>") && svg.contains("aria-label=\"Funnel\""))
        #expect(CountBars.svg([], description: "none") == nil)
    }
}
