import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
@testable import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing
import ZIPFoundation

/// A wave of the follow-up instrument over the test world's three learners, with a link for each.
struct FieldedWave {
    var study: StudyRepository.Study
    var wave: StudyRepository.Wave
    var version: StudyRepository.InstrumentVersion
    var tokens: [String: String]
    var caseIDs: [String: Int64]

    /// `form` defaults to the demo's follow-up, whose `eligible` item screens; another form fields without screening.
    static func make(_ w: TestWorld, source: StudyRepository.EligibilitySource = .record, form: XLSForm? = nil) async throws -> FieldedWave {
        let studies = StudyRepository(store: w.store)
        let fieldwork = FieldworkRepository(store: w.store)
        let study = try await studies.create(key: "outcomes", title: "Outcomes", eligibilitySource: source)
        let version = try await studies.addVersion(study: study, instrumentKey: "followup", title: "Follow-up", form: try form ?? DemoInstruments.form(.followup))
        let wave = try await studies.addWave(study: study, .init(
            number: 1, title: "A year on", instrumentVersionID: version.id, opensAt: Date().addingTimeInterval(-3600),
            closesAt: Date().addingTimeInterval(30 * 86_400), frameRule: .enrolled(kinds: nil), reminderDays: [7, 14],
            screenItem: form == nil ? "eligible" : nil, eligibilityMonths: form == nil ? 12 : nil, messageSubject: "Survey", messageBody: "Hello {{first_name}}: {{survey_link}}"), state: .launched)
        let counts = try await fieldwork.computeFrame(study: study, wave: wave)
        #expect(counts.cases == 3)
        var tokens: [String: String] = [:], ids: [String: Int64] = [:]
        for (key, learner) in w.learnerIDs {
            let c = try #require(try await fieldwork.case(wave: wave.id, learner: learner))
            tokens[key] = try await fieldwork.issueToken(caseID: c.id)
            ids[key] = c.id
        }
        return FieldedWave(study: study, wave: wave, version: version, tokens: tokens, caseIDs: ids)
    }
}

/// What a respondent who completed a year and a half ago answers.
let eligibleAnswers: [String: [String]] = [
    "completed_program": ["yes"], "completion_date": ["2024-02-01"], "gender": ["female"], "birth_year": ["1990"], "hispanic": ["no"],
    "race": ["white", "asian"], "country": ["US"], "english": ["fluent"], "education": ["some_college"], "student": ["not_student"],
    "employment": ["full_time"], "business_owner": ["no"], "sector": ["Retail"], "income": ["52000"], "knowledge": ["advanced"],
    "benefits": ["job_performance", "raise"], "ways": ["efficiency", "quality"], "enrolled_degree": ["no"], "other_credentials": ["no"],
    "comments": ["It helped & I got a raise."],
]

enum Survey {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func encode(_ values: [String: [String]]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return values.sorted { $0.key < $1.key }.flatMap { key, list in
            list.map { "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
        }.joined(separator: "&")
    }

    /// Posts the page the link is on with `answers` (the server takes only that page's fields).
    static func post(_ client: any TestClientProtocol, token: String, answers: [String: [String]], action: String = "next",
                     page: String? = nil, revision: String? = nil) async throws -> TestResponse {
        let html = try await client.execute(uri: "/s/\(token)", method: .get).text
        var values = answers
        values["page"] = [page ?? field("page", in: html) ?? "?"]
        values["revision"] = [revision ?? field("revision", in: html) ?? "?"]
        values["action"] = [action]
        return try await client.execute(uri: "/s/\(token)", method: .post, headers: form, body: ByteBuffer(string: encode(values)))
    }

    /// Answers page after page until the survey says it is done; returns how many pages were posted.
    static func complete(_ client: any TestClientProtocol, token: String, answers: [String: [String]]) async throws -> Int {
        for pages in 1...30 {
            let r = try await post(client, token: token, answers: answers)
            #expect(r.status == .seeOther, "page \(pages): \(r.text.prefix(600))")
            let after = try await client.execute(uri: "/s/\(token)", method: .get).text
            if after.contains("survey-message") { return pages }
        }
        Issue.record("the survey never ended")
        return 0
    }
}

@Suite struct SurveyTests {
    @Test(arguments: TestDatabase.allCases) func aLinkThatWasNeverIssuedOrWasAlteredIsAPlain404(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let real = f.tokens["A1"]!
            let ok = try await client.execute(uri: "/s/\(real)", method: .get)
            #expect(ok.status == .ok)
            var tampered = Array(real)
            tampered[5] = tampered[5] == "a" ? "b" : "a"
            for token in [String(tampered), "nothing", String(repeating: "x", count: 300), real + "x"] {
                let r = try await client.execute(uri: "/s/\(token)", method: .get)
                #expect(r.status == .notFound)
                #expect(!r.text.contains("Ana") && !r.text.contains("ana@example.org") && !r.text.contains("Outcomes"), "nothing about the study or person leaks")
                let p = try await client.execute(uri: "/s/\(token)", method: .post, headers: Survey.form, body: ByteBuffer(string: "page=0&revision=0&action=next"))
                #expect(p.status == .notFound)
            }
        }
    }

    /// The XLSForm documentation's pizza example, fielded as it is published: rendered as a web page, its skip
    /// logic and "specify other" enforced by the server, and its answers stored.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus"), arguments: TestDatabase.allCases) func aFormFromTheXLSFormDocumentationIsTakenOnTheWeb(_ db: TestDatabase) async throws {
        let sheets = try DocumentationForms.sheets("pizza")
        let form = try XLSForm.xlsx(try XLSXWriter.workbook(sheets.map { ($0.name, $0.grid) }))
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w, form: form)
            let fieldwork = FieldworkRepository(store: w.store)
            let token = f.tokens["A1"]!
            let html = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(html.contains("Do you like pizza?") && html.contains("Favorite toppings") && html.contains("What is your favorite type of cheese?"))
            #expect(html.contains(#"type="radio" name="likes_pizza" value="yes""#) || html.contains(#"name="likes_pizza" value="yes""#))
            #expect(html.contains(#"value="pepperoni""#) && html.contains(#"name="favorite_topping_other""#), "choices and the or_other box")

            let refused = try await Survey.post(client, token: token, answers: ["likes_pizza": ["yes"], "favorite_topping": ["other"]])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("Please say what “other” is."))

            let ok = try await Survey.post(client, token: token, answers: ["likes_pizza": ["yes"], "favorite_topping": ["sausage", "other"],
                                                                           "favorite_topping_other": ["olives"], "favorite_cheese": ["Brie"]])
            #expect(ok.status == .seeOther)
            let c = try #require(try await fieldwork.case(id: f.caseIDs["A1"]!))
            #expect(c.disposition == .complete)
            let stored = try await fieldwork.answers(caseID: c.id, version: f.version)
            #expect(stored == ["likes_pizza": "yes", "favorite_topping": "sausage other", "favorite_topping_other": "olives"],
                    "no cheese among the toppings, so the cheese answer is not kept")

            let other = f.tokens["B2"]!
            #expect(try await Survey.post(client, token: other, answers: ["likes_pizza": ["no"], "favorite_topping": ["cheese"]]).status == .seeOther)
            #expect(try await fieldwork.answers(caseID: f.caseIDs["B2"]!, version: f.version) == ["likes_pizza": "no"])
        }
    }

    /// A researcher uploads a new version of a fielded instrument with a renamed question: the answers given under
    /// the old name read under the new one, the same workbook twice makes no version, and a broken one is refused
    /// with its sheet, row and column.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus"), arguments: TestDatabase.allCases) func aNewInstrumentVersionIsUploadedWithARename(_ db: TestDatabase) async throws {
        var sheets = try DocumentationForms.sheets("pizza")
        let form = try XLSForm.xlsx(try XLSXWriter.workbook(sheets.map { ($0.name, $0.grid) }))
        let survey = try #require(sheets.firstIndex { $0.name == "survey" })
        let cheese = try #require(sheets[survey].rows.firstIndex { $0[1] == "favorite_cheese" })
        sheets[survey].rows[cheese][1] = "cheese_kind"
        let renamed = try XLSXWriter.workbook(sheets.map { ($0.name, $0.grid) })
        let broken = try XLSXWriter.workbook(try DocumentationForms.sheets("cascade").map { ($0.name, $0.grid) })
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w, form: form)
            _ = try await Survey.post(client, token: f.tokens["A1"]!, answers: ["likes_pizza": ["yes"], "favorite_topping": ["cheese"], "favorite_cheese": ["Gouda"]])
            let session = try await WebTests.signIn(w, "researcher", client: client)
            let cookie: HTTPFields = [.cookie: "pw_session=\(session)"]
            let page = try await client.execute(uri: "/studies/outcomes", method: .get, headers: cookie)
            #expect(page.text.contains("New instrument version"))
            let csrf = try #require(WebTests.csrf(in: page.text))

            func upload(_ workbook: Data, renames: String = "", csrf token: String? = nil) async throws -> TestResponse {
                var body = ByteBuffer()
                for (name, value) in [("_csrf", token ?? csrf), ("instrument", "followup"), ("renames", renames), ("note", "clearer name")] {
                    body.writeString("--XyZ\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
                }
                body.writeString("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pizza.xlsx\"\r\n")
                body.writeString("Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n")
                body.writeBytes(workbook)
                body.writeString("\r\n--XyZ--\r\n")
                var headers = cookie
                headers[.contentType] = "multipart/form-data; boundary=XyZ"
                return try await client.execute(uri: "/studies/outcomes/instruments", method: .post, headers: headers, body: body)
            }

            let refused = try await upload(broken)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("pizza.xlsx: sheet survey, row 3, column choice_filter: ${province} does not name a question in this form"))
            let badRename = try await upload(renamed, renames: "favorite_cheese = cheese_kind")
            #expect(badRename.status == .unprocessableContent && badRename.text.contains("Renames, line 1: write old_name -&gt; new_name."))
            #expect(try await upload(renamed, renames: "favorite_cheese -> cheese_kind", csrf: "forged").status == .forbidden)
            #expect(try await StudyRepository(store: w.store).versions(study: f.study).count == 1, "nothing refused was stored")

            let stored = try await upload(renamed, renames: "favorite_cheese -> cheese_kind")
            #expect(stored.status == .seeOther)
            let location = try #require(stored.headers[.location])
            let studyPage = try await client.execute(uri: location, method: .get, headers: cookie).text
            #expect(studyPage.contains("Stored followup version 2."))
            #expect(studyPage.contains("<li>renamed favorite_cheese → cheese_kind</li>"), "the version list says what changed")
            let versions = try await StudyRepository(store: w.store).versions(study: f.study)
            let v2ID = try #require(versions.first { $0.number == 2 }?.id)
            let v2 = try #require(try await StudyRepository(store: w.store).version(id: v2ID))
            let answers = try await FieldworkRepository(store: w.store).answers(caseID: f.caseIDs["A1"]!, version: v2)
            #expect(answers["cheese_kind"] == "Gouda", "the answer follows its question to the new name")
            #expect(answers["favorite_cheese"] == nil)

            let again = try await upload(renamed)
            let notice = try await client.execute(uri: try #require(again.headers[.location]), method: .get, headers: cookie)
            #expect(notice.text.contains("The form is the same as followup version 2; no new version was made."))
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func respondentLevelExportsArePseudonymousAndAudited(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            _ = try await Survey.complete(client, token: f.tokens["A1"]!, answers: eligibleAnswers)
            let data = RespondentExports(store: w.store)
            let audit = AuditRepository(store: w.store)
            let first = try await data.exportWide(study: f.study, wave: f.wave, includeText: false, by: nil)
            let again = try await data.exportWide(study: f.study, wave: f.wave, includeText: true, by: nil)
            #expect(first.respondents == 1)
            let id = try #require(first.csv.split(separator: "\n").dropFirst().first?.split(separator: ",").first.map(String.init))
            #expect(id.hasPrefix("p") && id.count == 25)
            #expect(again.csv.contains(id + ","), "the same pseudonym in every export of the study")
            #expect(!first.csv.contains(w.learnerIDs["A1"]!.uuidString) && !first.csv.contains("ana@example.org") && !first.csv.contains("Ana"))
            #expect(!first.csv.contains("I got a raise") && again.csv.contains("I got a raise"), "open text only when asked for")
            #expect(first.csv.split(separator: "\n")[0].contains("race__asian"))
            let entries = try await audit.recent(limit: 10).filter { $0.action == "export_respondents" }
            #expect(entries.count == 2)
            #expect(RespondentData.pseudonym(study: UUID(), learner: w.learnerIDs["A1"]!, key: .init(size: .bits256)) != id, "another study, another id")
        }
    }

    @Test(arguments: TestDatabase.allCases) func anEligibleRespondentCompletesAndTheAnswersAreStoredByItem(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let token = f.tokens["A1"]!
            let pages = try await Survey.complete(client, token: token, answers: eligibleAnswers)
            #expect(pages >= 6)
            let done = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(done.contains("Your answers are saved"))
            let fieldwork = FieldworkRepository(store: w.store)
            let c = try #require(try await fieldwork.case(id: f.caseIDs["A1"]!))
            #expect(c.disposition == .complete && c.submittedAt != nil)
            #expect(c.recordEligible == true && c.reportedEligible == true && !c.eligibilityConflict)
            let stored = try await fieldwork.answers(caseID: c.id, version: f.version)
            #expect(stored["race"] == "white asian")
            #expect(stored["ways"] == "efficiency quality", "shown because job performance was chosen")
            #expect(stored["ways_count"] == "2")
            #expect(stored["comments"] == "It helped & I got a raise.")
            #expect(stored["degree_level"] == nil, "not asked: no degree program")
            // Posting again after completion changes nothing.
            let again = try await client.execute(uri: "/s/\(token)", method: .post, headers: Survey.form,
                                                 body: ByteBuffer(string: "page=0&revision=\(c.revision)&action=next"))
            #expect(again.status == .seeOther)
            #expect(try await fieldwork.case(id: c.id)?.revision == c.revision)
        }
    }

    @Test(arguments: TestDatabase.allCases) func theRecordScreensOutWhoeverCompletedLessThanAYearAgo(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            // B2 never completed; they say they did, two years ago. The record wins, the disagreement is counted.
            let token = f.tokens["B2"]!
            let pages = try await Survey.complete(client, token: token, answers: eligibleAnswers)
            #expect(pages == 2, "intro, then the screener ends it")
            let page = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(page.contains("nothing more to answer"))
            let c = try #require(try await FieldworkRepository(store: w.store).case(id: f.caseIDs["B2"]!))
            #expect(c.disposition == .notEligible)
            #expect(c.recordEligible == false && c.reportedEligible == true && c.eligibilityConflict)
            let stored = try await FieldworkRepository(store: w.store).answers(caseID: c.id, version: f.version)
            #expect(stored["completed_program"] == "yes", "the screener's answers are kept for the audit")
            let progress = try await FieldworkRepository(store: w.store).progress(wave: f.wave.id)
            #expect(progress.eligibilityConflicts == 1)
        }
    }

    @Test(arguments: TestDatabase.allCases) func whenTheRecordSaysEligibleTheRespondentContinuesDespiteTheirAnswer(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            // A1 completed in February 2024 by the record, but answers that it was last month: the form alone would
            // end here. The record wins, and that holds on every later page, not just the screener.
            var answers = eligibleAnswers
            answers["completion_date"] = [CalendarDay.format(CalendarDay.adding(days: -30, to: Date()))]
            let token = f.tokens["A1"]!
            let pages = try await Survey.complete(client, token: token, answers: answers)
            #expect(pages >= 6)
            let fieldwork = FieldworkRepository(store: w.store)
            let c = try #require(try await fieldwork.case(id: f.caseIDs["A1"]!))
            #expect(c.disposition == .complete)
            #expect(c.recordEligible == true && c.reportedEligible == false && c.eligibilityConflict)
            let stored = try await fieldwork.answers(caseID: c.id, version: f.version)
            #expect(stored["eligible"] == "yes" && stored["employment"] == "full_time" && stored["ways"] == "efficiency quality")
        }
    }

    @Test(arguments: TestDatabase.allCases) func aRefusedPageShowsTheMessagesAndKeepsWhatWasTyped(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let token = f.tokens["A1"]!
            _ = try await Survey.post(client, token: token, answers: [:])  // intro
            _ = try await Survey.post(client, token: token, answers: eligibleAnswers)  // screener
            var bad = eligibleAnswers
            bad["birth_year"] = ["1800"]
            bad["country"] = ["United States"]
            let r = try await Survey.post(client, token: token, answers: bad)
            #expect(r.status == .unprocessableContent)
            #expect(r.text.contains("Please enter a four-digit year between 1920 and 2010."))
            #expect(r.text.contains("Please use the two-letter country code."))
            #expect(r.text.contains("value=\"1800\""), "what was typed is shown back")
            let c = try #require(try await FieldworkRepository(store: w.store).case(id: f.caseIDs["A1"]!))
            let stored = try await FieldworkRepository(store: w.store).answers(caseID: c.id, version: f.version)
            #expect(stored["birth_year"] == nil && stored["country"] == nil, "nothing refused is stored")
            #expect(stored["gender"] == "female" && stored["race"] == "white asian", "the page's answers that pass are kept, should the respondent leave now")
            // The refused page carries the revision it wrote, so correcting it goes through; leaving and coming back
            // shows the same page with what was kept.
            let html = r.text
            #expect(Survey.field("revision", in: html) == String(c.revision))
            let reopened = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(reopened.range(of: #"value="female"[^>]*checked"#, options: .regularExpression) != nil && reopened.contains("birth_year"), "\(reopened.prefix(2000))")
            var fixed = bad
            fixed["birth_year"] = ["1990"]
            fixed["country"] = ["US"]
            let corrected = try await client.execute(uri: "/s/\(token)", method: .post, headers: Survey.form, body: ByteBuffer(string: Survey.encode(fixed.merging([
                "page": [Survey.field("page", in: html) ?? "?"], "revision": [Survey.field("revision", in: html) ?? "?"], "action": ["next"]]) { a, _ in a })))
            #expect(corrected.status == .seeOther, "\(corrected.text.prefix(300))")
            // A required question left empty.
            let screener = try await Survey.post(client, token: f.tokens["C3"]!, answers: [:])
            #expect(screener.status == .seeOther)
            let empty = try await Survey.post(client, token: f.tokens["C3"]!, answers: [:])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("Please answer so we can show you the right questions."))
        }
    }

    @Test(arguments: TestDatabase.allCases) func aPartialResponseResumesWhereItStoppedFromTheSameLink(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let token = f.tokens["A1"]!
            _ = try await Survey.post(client, token: token, answers: [:])
            _ = try await Survey.post(client, token: token, answers: eligibleAnswers)
            _ = try await Survey.post(client, token: token, answers: eligibleAnswers)  // about you
            // Later, from the same link: the page after the last one answered, with progress.
            let resumed = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(resumed.contains("<h1>Your work</h1>"))
            #expect(resumed.contains("Page 4 of"))
            // Back shows the earlier answers.
            let back = try await Survey.post(client, token: token, answers: [:], action: "back")
            #expect(back.status == .seeOther)
            let previous = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(previous.contains("<h1>About you</h1>") && previous.contains("value=\"1990\""))
            let c = try #require(try await FieldworkRepository(store: w.store).case(id: f.caseIDs["A1"]!))
            #expect(c.disposition == nil && c.startedAt != nil && c.answeredShare > 0 && c.answeredShare < 1)
            let rest = try await Survey.complete(client, token: token, answers: eligibleAnswers)
            #expect(rest >= 3)
            #expect(try await FieldworkRepository(store: w.store).case(id: c.id)?.disposition == .complete)
        }
    }

    /// A form in two languages is taken in the one the respondent picks: what the page holds is kept, the case keeps
    /// the choice for the next visit, and the export says which language each respondent answered in.
    @Test(arguments: TestDatabase.allCases) func aRespondentTakesTheFormInTheLanguageTheyPick(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let form = try XLSForm(survey: try XLSFormSheet.csv("""
                type,name,label::English (en),label::Français (fr)
                select_one yes_no,employed,Are you employed?,Avez-vous un emploi ?
                text,employer,Who employs you?,Qui vous emploie ?
                """, name: "survey"), choices: try XLSFormSheet.csv("""
                list_name,name,label::English (en),label::Français (fr)
                yes_no,yes,Yes,Oui
                yes_no,no,No,Non
                """, name: "choices"), settings: try XLSFormSheet.csv("form_title,default_language\nWork,English (en)", name: "settings"))
            let f = try await FieldedWave.make(w, form: form)
            let token = f.tokens["A1"]!
            let first = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(first.contains("Are you employed?") && first.contains("value=\"language:Français (fr)\""), "the default language, and the other offered")
            let switched = try await Survey.post(client, token: token, answers: ["employed": ["yes"], "employer": ["Contoso"]], action: "language:Français (fr)")
            #expect(switched.status == .seeOther)
            let french = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(french.contains("Avez-vous un emploi ?") && french.contains(">Oui<") && !french.contains("Are you employed?"))
            #expect(french.contains("value=\"Contoso\""), "what was typed is kept")
            let fieldwork = FieldworkRepository(store: w.store)
            #expect(try await fieldwork.case(id: f.caseIDs["A1"]!)?.language == "Français (fr)", "the case keeps the choice")
            let bogus = try await Survey.post(client, token: token, answers: [:], action: "language:Klingon")
            #expect(bogus.status == .badRequest && bogus.text.contains("this form has no language Klingon"))
            #expect(try await Survey.complete(client, token: token, answers: ["employed": ["yes"], "employer": ["Contoso"]]) >= 1)
            // Another respondent keeps the default.
            _ = try await Survey.complete(client, token: try #require(f.tokens.first { $0.key != "A1" }).value, answers: ["employed": ["no"]])
            let export = try await RespondentExports(store: w.store).exportWide(study: f.study, wave: f.wave, includeText: false, by: nil)
            let rows = export.csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let column = try #require(rows.first?.firstIndex(of: RespondentExport.languageColumn))
            #expect(Set(rows.dropFirst().map { $0[column] }) == ["Français (fr)", "English (en)"], "\(export.csv)")
            #expect(export.dictionary.contains("Language the survey was taken in"))
        }
    }

    /// A repeat from a real link: the respondent adds and removes instances (each a round trip that keeps the page),
    /// each instance is checked and stored on its own, a forged action or field changes nothing, and the export has one
    /// row per instance.
    @Test(arguments: TestDatabase.allCases) func aRepeatIsAnsweredPerInstanceStoredAndExported(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let form = try XLSForm(survey: try XLSFormSheet.csv("""
                type,name,label,required,relevant
                begin_repeat,job,Job you held,,
                text,title,Job title,yes,
                integer,months,Months in it,yes,
                text,why_left,Why did you leave?,,${months} < 6
                end_repeat,,,,
                integer,other_count,How many other jobs did you apply for?,,
                """, name: "survey"), choices: nil)
            let f = try await FieldedWave.make(w, form: form)
            let token = f.tokens["A1"]!
            let first = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(first.contains("name=\"title[1]\"") && !first.contains("name=\"title[2]\"") && first.contains("value=\"add:job\""))
            #expect(first.contains("<h2>Job you held 1</h2>"))
            // Add another: what was typed is kept, and the page has a second job.
            let added = try await Survey.post(client, token: token, answers: ["title[1]": ["Analyst"], "months[1]": ["30"]], action: "add:job")
            #expect(added.status == .seeOther)
            let two = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(two.contains("name=\"title[2]\"") && two.contains("value=\"Analyst\"") && two.contains("value=\"remove:job:2\""))
            // Forged: an instance that does not exist, a repeat that does not, a count posted as a field.
            for action in ["remove:job:9", "add:nothing", "remove:job:-1"] {
                #expect(try await Survey.post(client, token: token, answers: [:], action: action).status == .seeOther)
            }
            _ = try await Survey.post(client, token: token, answers: ["job": ["40"], "title[7]": ["Ghost"]], action: "refresh:title")
            let fieldwork = FieldworkRepository(store: w.store)
            let version = try #require(try await StudyRepository(store: w.store).version(id: f.wave.instrumentVersionID))
            var stored = try await fieldwork.answers(caseID: f.caseIDs["A1"]!, version: version)
            #expect(stored["job"] == "2" && stored["title[7]"] == nil, "\(stored)")
            // Each instance is checked on its own.
            let refused = try await Survey.post(client, token: token, answers: ["title[1]": ["Analyst"], "months[1]": ["30"], "months[2]": ["3"]])
            #expect(refused.status == .unprocessableContent && refused.text.contains("id=\"q-title-2-error\""))
            _ = try await Survey.post(client, token: token, answers: ["title[1]": ["Analyst"], "months[1]": ["30"], "why_left[1]": ["moved"],
                                                                      "title[2]": ["Tutor"], "months[2]": ["3"], "why_left[2]": ["=HYPERLINK(1)"]])
            stored = try await fieldwork.answers(caseID: f.caseIDs["A1"]!, version: version)
            #expect(stored["title[2]"] == "Tutor" && stored["why_left[2]"] == "=HYPERLINK(1)" && stored["why_left[1]"] == nil,
                    "a value where the instance's condition failed is dropped: \(stored)")
            #expect(try await Survey.complete(client, token: token, answers: ["other_count": ["0"]]) >= 1)
            #expect(try await fieldwork.case(id: f.caseIDs["A1"]!)?.disposition == .complete)
            let export = try await RespondentExports(store: w.store).exportWide(study: f.study, wave: f.wave, includeText: true, by: nil)
            let file = try #require(export.files.first { $0.name == "repeat-job.csv" })
            let rows = file.text.split(separator: "\n").map(String.init)
            #expect(rows.count == 3 && rows[0] == "respondent_id,_index,title,months,why_left", "\(file.text)")
            #expect(rows[1].hasSuffix(",1,Analyst,30,") && rows[2].hasSuffix(",2,Tutor,3,'=HYPERLINK(1)"), "\(file.text)")
            #expect(export.csv.split(separator: "\n")[0] == "respondent_id,_disposition,job,other_count" && export.csv.contains(",1.1,2,0"), "\(export.csv)")
        }
    }

    static func filePage(token: String, html: String, fields: [(String, String)], file: (name: String, type: String, bytes: Data)?) -> (HTTPFields, ByteBuffer) {
        var body = ByteBuffer()
        let all = fields + [("page", Survey.field("page", in: html) ?? "?"), ("revision", Survey.field("revision", in: html) ?? "?")]
        for (field, value) in all { body.writeString("--FiLe\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n") }
        if let file {
            body.writeString("--FiLe\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\(file.name)\"\r\nContent-Type: \(file.type)\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--FiLe--\r\n")
        return ([.contentType: "multipart/form-data; boundary=FiLe"], body)
    }

    /// A file question from a real link: the page is a multipart form, the file is checked, kept beside the answers
    /// and shown as given; a field cannot claim a file, a file over the limit is refused with 413, the export carries
    /// the file only with open text, and withdrawing removes it.
    @Test(arguments: TestDatabase.allCases) func aFileIsGivenStoredExportedAndRemovedOnWithdrawal(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let form = try XLSForm(survey: try XLSFormSheet.csv("""
                type,name,label,required
                image,photo,A photo of your certificate,yes
                text,comment,Anything to add?,
                """, name: "survey"), choices: nil)
            let f = try await FieldedWave.make(w, form: form)
            let token = f.tokens["A1"]!
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data((0..<2_000).map { UInt8($0 % 251) })
            var html = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(html.contains("enctype=\"multipart/form-data\"") && html.contains("type=\"file\"") && html.contains("accept=\"image/*\""))
            // A field that names a file, without one: the question is still unanswered.
            var (headers, body) = Self.filePage(token: token, html: html, fields: [("action", "next"), ("photo", "../../x.png"), ("comment", "hi")], file: nil)
            var r = try await client.execute(uri: "/s/\(token)", method: .post, headers: headers, body: body)
            #expect(r.status == .unprocessableContent && r.text.contains("This question needs an answer."))
            // Not an image.
            html = try await client.execute(uri: "/s/\(token)", method: .get).text
            (headers, body) = Self.filePage(token: token, html: html, fields: [("action", "next")], file: ("cv.pdf", "application/pdf", Data("%PDF-1.4".utf8)))
            r = try await client.execute(uri: "/s/\(token)", method: .post, headers: headers, body: body)
            #expect(r.status == .unprocessableContent && r.text.contains("Please choose an image"))
            // Over the limit: 413, nothing stored.
            html = try await client.execute(uri: "/s/\(token)", method: .get).text
            (headers, body) = Self.filePage(token: token, html: html, fields: [("action", "next")], file: ("big.png", "image/png", Data(count: SurveyUpload.maxBytes + (2 << 20))))
            r = try await client.execute(uri: "/s/\(token)", method: .post, headers: headers, body: body)
            #expect(r.status == .contentTooLarge, "\(r.status)")
            // A photo, saved for later: kept, and shown as given when the link is opened again.
            html = try await client.execute(uri: "/s/\(token)", method: .get).text
            (headers, body) = Self.filePage(token: token, html: html, fields: [("action", "later"), ("comment", "the front page")], file: ("IMG_1.PNG", "image/png", png))
            r = try await client.execute(uri: "/s/\(token)", method: .post, headers: headers, body: body)
            #expect(r.status == .ok && r.text.contains("Saved for later"))
            let name = SurveyUpload(key: "photo", originalName: "IMG_1.PNG", contentType: "image/png", bytes: png).storedName
            html = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(html.contains("Given: \(name).") && html.contains("name=\"photo__remove\""))
            // Sent on without choosing again: the photo stays, and the survey completes.
            (headers, body) = Self.filePage(token: token, html: html, fields: [("action", "next"), ("comment", "the front page")], file: nil)
            r = try await client.execute(uri: "/s/\(token)", method: .post, headers: headers, body: body)
            #expect(r.status == .seeOther)
            let fieldwork = FieldworkRepository(store: w.store)
            #expect(try await fieldwork.case(id: f.caseIDs["A1"]!)?.disposition == .complete)
            let stored = try await fieldwork.files(wave: f.wave.id)
            #expect(stored.count == 1 && stored[0].fileName == name && stored[0].data == png)
            let exports = RespondentExports(store: w.store)
            let withText = try await exports.exportWide(study: f.study, wave: f.wave, includeText: true, by: nil)
            #expect(withText.media.count == 1 && withText.media[0].name.hasPrefix("media/") && withText.media[0].name.hasSuffix("/\(name)")
                    && withText.media[0].data == png)
            #expect(withText.csv.contains(name) && withText.dictionary.contains("file (image)"))
            let withoutText = try await exports.exportWide(study: f.study, wave: f.wave, includeText: false, by: nil)
            #expect(withoutText.media.isEmpty && !withoutText.csv.contains(name), "a photo goes out only with open text")
            // Withdrawing from research (de-identify): the file and the answer that names it go.
            let learner = try #require(try await fieldwork.case(id: f.caseIDs["A1"]!)?.learnerID)
            _ = try await PrivacyRepository(store: w.store).withdrawFromResearch(learner: learner, by: nil, via: "test")
            #expect(try await fieldwork.files(wave: f.wave.id).isEmpty)
            let version = try #require(try await StudyRepository(store: w.store).version(id: f.wave.instrumentVersionID))
            #expect(try await fieldwork.answers(caseID: f.caseIDs["A1"]!, version: version)["photo"] == nil)
        }
    }

    @Test(arguments: TestDatabase.allCases) func saveAndFinishLaterKeepsWhatPassesAndTheLinkReopensThePage(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let token = f.tokens["A1"]!
            let fieldwork = FieldworkRepository(store: w.store)
            _ = try await Survey.post(client, token: token, answers: [:])  // intro
            _ = try await Survey.post(client, token: token, answers: eligibleAnswers)  // screener
            let page = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(page.contains("<h1>About you</h1>") && page.contains("value=\"later\""), "every page offers to save and finish later")
            // Half a page, one value out of range: the required gaps are not asked for, the bad value is not kept.
            let r = try await Survey.post(client, token: token, answers: ["gender": ["female"], "birth_year": ["1800"]], action: "later")
            #expect(r.status == .ok)
            #expect(r.text.contains("Saved for later") && r.text.contains("One answer did not pass its check"))
            let c = try #require(try await fieldwork.case(id: f.caseIDs["A1"]!))
            #expect(c.disposition == nil && c.submittedAt == nil && c.startedAt != nil, "no disposition is decided")
            let stored = try await fieldwork.answers(caseID: c.id, version: f.version)
            #expect(stored["gender"] == "female" && stored["birth_year"] == nil && stored["completed_program"] == "yes")
            // The same link brings the respondent back to that page with what was kept, and the survey goes on.
            let back = try await client.execute(uri: "/s/\(token)", method: .get).text
            #expect(back.contains("<h1>About you</h1>"))
            #expect(back.range(of: #"value="female"[^>]*checked"#, options: .regularExpression) != nil, "the kept answer is shown")
            _ = try await Survey.complete(client, token: token, answers: eligibleAnswers)
            #expect(try await fieldwork.case(id: c.id)?.disposition == .complete)
        }
    }

    @Test(arguments: TestDatabase.allCases) func doubleAndConcurrentSubmitsNeverDuplicateOrRegress(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let token = f.tokens["A1"]!
            let html = try await client.execute(uri: "/s/\(token)", method: .get).text
            let page = try #require(Survey.field("page", in: html)), revision = try #require(Survey.field("revision", in: html))
            // The same page posted twice (a double click): the second sees it was already taken.
            let first = try await Survey.post(client, token: token, answers: [:], page: page, revision: revision)
            let second = try await Survey.post(client, token: token, answers: [:], page: page, revision: revision)
            #expect(first.headers[.location] == "/s/\(token)")
            #expect(second.headers[.location] == "/s/\(token)?notice=updated")
            let notice = try await client.execute(uri: "/s/\(token)?notice=updated", method: .get).text
            #expect(notice.contains("changed in another window"))
            // Two tabs submit the screener at once: exactly one write lands.
            let now = try await client.execute(uri: "/s/\(token)", method: .get).text
            let p2 = try #require(Survey.field("page", in: now)), r2 = try #require(Survey.field("revision", in: now))
            let statuses = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await Survey.post(client, token: token, answers: eligibleAnswers, page: p2, revision: r2).headers[.location] }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == "/s/\(token)" }.count == 1)
            let c = try #require(try await FieldworkRepository(store: w.store).case(id: f.caseIDs["A1"]!))
            #expect(c.revision == Int(r2)! + 1)
        }
    }

    @Test(arguments: TestDatabase.allCases) func optingOutStopsEveryFurtherMessage(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let outbox = OutboxRepository(store: w.store)
            #expect(try await outbox.plan().invitations == 3)
            let token = f.tokens["B2"]!
            let page = try await client.execute(uri: "/s/\(token)/opt-out", method: .get)
            #expect(page.text.contains("Stop messages about Outcomes?"))
            let r = try await client.execute(uri: "/s/\(token)/opt-out", method: .post)
            #expect(r.status == .seeOther)
            #expect(try await client.execute(uri: "/s/\(token)/opt-out", method: .get).text.contains("You have opted out"))
            #expect(try await client.execute(uri: "/s/\(token)", method: .get).text.contains("You have opted out"))
            let c = try #require(try await FieldworkRepository(store: w.store).case(id: f.caseIDs["B2"]!))
            #expect(c.disposition == .refusal && c.optedOutAt != nil)
            let later = try await outbox.plan(now: Date().addingTimeInterval(8 * 86_400))
            #expect(later.reminders == 2, "reminders for the two who did not opt out, none for B2")
            let toB2 = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE case_id = \(bind: c.id)").first()!.decode(column: "n", as: Int.self)
            #expect(toB2 == 1)
        }
    }

    @Test(arguments: TestDatabase.allCases) func theWavePageShowsTheFrameAndTheRatesToResearchersOnly(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            _ = try await Survey.complete(client, token: f.tokens["A1"]!, answers: eligibleAnswers)
            let page = try await client.execute(uri: "/studies/outcomes/waves/1", method: .get, headers: w.auth("researcher"))
            #expect(page.status == .ok)
            #expect(page.text.contains("Learners who: <code>enrolled in a program</code>."))
            // The message as a real case of the frame gets it; a researcher sees no name, only the case's respondent id.
            #expect(page.text.contains("as the case <code>p") && page.text.contains("Hello [name:p"))
            #expect(page.text.contains("<strong>3</strong> cases"))
            #expect(page.text.contains("RR1"))
            // The response curve: today's open, start and submission of the one respondent, drawn.
            #expect(page.text.contains(#"class="report-chart timeline""#) && page.text.contains("1 opened, 1 started, 1 submitted"))
            let staff = try await client.execute(uri: "/studies/outcomes/waves/1", method: .get, headers: w.auth("staff"))
            #expect(staff.status == .forbidden)
            // The respondent's answers, page by page, from the invitation log's link; pseudonymous and audited.
            let log = try await client.execute(uri: "/studies/outcomes/waves/1/invitations", method: .get, headers: w.auth("researcher"))
            let links = Set(log.text.matches(of: /\/studies\/outcomes\/waves\/1\/cases\/p[0-9a-zA-Z_-]+/).map { String($0.output) })
            #expect(links.count == 3, "every case of the log links to its answers")
            var pages: [TestResponse] = []
            for link in links { pages.append(try await client.execute(uri: link, method: .get, headers: w.auth("researcher"))) }
            #expect(pages.allSatisfy { $0.status == .ok })
            let answers = try #require(pages.first { $0.text.contains("<dt>Disposition</dt><dd>Complete</dd>") }, "the respondent who completed")
            let link = try #require(links.first)
            #expect(!answers.text.contains("Ana") && !answers.text.contains("ana@example.org"), "no name or email beside the answers")
            #expect(answers.text.contains("<dd>Yes</dd>") || answers.text.contains("<dd>No</dd>"), "choices are shown by their labels")
            #expect(try await client.execute(uri: link, method: .get, headers: w.auth("staff")).status == .forbidden)
            let viewed = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'view_case_answers'").first()!.decode(column: "n", as: Int.self)
            #expect(viewed == links.count)
            let panel = try await client.execute(uri: "/studies/outcomes/panel", method: .get, headers: w.auth("admin"))
            #expect(panel.status == .ok && panel.text.contains("Complete"))
            #expect(panel.text.contains(#"aria-label="Funnel: for each wave"#) && panel.text.contains("1 complete</text>"), "the funnel is drawn beside its table")
            let xlsx = try await client.execute(uri: "/studies/outcomes/instruments/\(f.version.id.uuidString)/xlsform.xlsx", method: .get, headers: w.auth("researcher"))
            #expect(xlsx.status == .ok)
            let form = try XLSForm.xlsx(Data(buffer: xlsx.body))
            #expect(form.questions.map(\.name) == f.version.form.questions.map(\.name))
        }
    }

    @Test(arguments: TestDatabase.allCases) func theReportPageDrawsEveryTableHidesSmallCountsAndDownloads(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            _ = try await Survey.complete(client, token: f.tokens["A1"]!, answers: eligibleAnswers)
            let uri = "/studies/outcomes/waves/1/report"
            let page = try await client.execute(uri: uri, method: .get, headers: w.auth("researcher"))
            #expect(page.status == .ok)
            #expect(page.text.contains("<svg class=\"report-chart\""))
            #expect(page.text.contains("1 respondents"))
            #expect(page.text.contains("‡ hidden (n = 1)"), "one respondent's answers are all below the threshold")
            #expect(!page.text.contains("100% · 1 of 1"))
            let open = try await client.execute(uri: uri + "?min_cell=0&by=program_kind", method: .get, headers: w.auth("researcher"))
            #expect(open.text.contains("100% · 1 of 1") && open.text.contains("<option value=\"program_kind\" selected>"))
            let csv = try await client.execute(uri: uri + "?format=csv&min_cell=0", method: .get, headers: w.auth("admin"))
            #expect(csv.status == .ok && csv.headers[.contentDisposition]?.contains("outcomes-wave1-report.csv") == true)
            #expect(String(buffer: csv.body).hasPrefix("item,label,kind,group,option"))
            let bad = try await client.execute(uri: uri + "?by=learner_name", method: .get, headers: w.auth("researcher"))
            #expect(bad.status == .badRequest)
            let tooFew = try await client.execute(uri: uri + "?rake=program_kind", method: .get, headers: w.auth("researcher"))
            #expect(tooFew.status == .badRequest && tooFew.text.contains("too few respondents to weight"))
            for role in ["staff", "learnerA", "employer"] {
                let denied = try await client.execute(uri: uri, method: .get, headers: w.auth(role))
                #expect(denied.status == .forbidden, "\(role)")
            }
        }
    }

    @Test(arguments: TestDatabase.allCases) func thePanelPageShowsAttritionAndHowAnAnswerChanged(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            _ = try await Survey.complete(client, token: f.tokens["A1"]!, answers: eligibleAnswers)
            let studies = StudyRepository(store: w.store)
            let fieldwork = FieldworkRepository(store: w.store)
            let second = try await studies.addWave(study: f.study, .init(
                number: 2, title: "Two years on", instrumentVersionID: f.version.id, opensAt: Date().addingTimeInterval(-3600),
                closesAt: Date().addingTimeInterval(30 * 86_400), frameRule: .enrolled(kinds: nil), reminderDays: [],
                screenItem: "eligible", eligibilityMonths: 12, messageSubject: "Survey", messageBody: "Hello {{first_name}}: {{survey_link}}"), state: .launched)
            _ = try await fieldwork.computeFrame(study: f.study, wave: second)
            let c = try #require(try await fieldwork.case(wave: second.id, learner: w.learnerIDs["A1"]!))
            var later = eligibleAnswers
            later["employment"] = ["part_time"]
            _ = try await Survey.complete(client, token: try await fieldwork.issueToken(caseID: c.id), answers: later)

            let change = try await PanelAnalysis(store: w.store).change(study: f.study, item: "employment", from: 1, to: 2)
            #expect(change.n == 1 && change.unchanged == 0)
            let full = try #require(change.levels.firstIndex(of: "full_time")), part = try #require(change.levels.firstIndex(of: "part_time"))
            #expect(change.counts[full][part] == 1)
            let page = try await client.execute(uri: "/studies/outcomes/panel?item=employment&from=1&to=2", method: .get, headers: w.auth("researcher"))
            #expect(page.status == .ok)
            #expect(page.text.contains("Attrition by program") && page.text.contains("All programs"))
            #expect(page.text.contains("1 learners answered in both waves; 0 gave the same answer"))
            #expect(page.text.contains("<td class=\"num\">1 (100%)</td>"))
            // Only comparisons the waves allow are offered, by the question's label; the link's item/from/to picks one.
            #expect(page.text.contains(#"<option value="employment:1:2" selected>"#) && page.text.contains(" — wave 1 to wave 2</option>"))
            let chosen = try await client.execute(uri: "/studies/outcomes/panel?comparison=employment:1:2", method: .get, headers: w.auth("researcher"))
            #expect(chosen.text.contains("1 learners answered in both waves"))
            let opened = try await client.execute(uri: "/studies/outcomes/panel", method: .get, headers: w.auth("researcher"))
            #expect(opened.status == .ok && !opened.text.contains("role=\"alert\""), "the page opens with no error")
            let rows = Panel.attrition(try await fieldwork.panelCases(study: f.study))
            let all2 = try #require(rows.first { $0.wave == 2 && $0.program == "" })
            #expect(all2.cases == 3 && all2.firstWaveRespondents == 1 && all2.stillResponding == 1 && all2.retention == 1, "\(rows)")
            #expect(rows.first { $0.wave == 2 && $0.program == "Full Stack Application Development" }?.firstWaveRespondents == 0)
        }
    }

    @Test(arguments: TestDatabase.allCases) func openTextIsCodedWithSuggestionsAndQuotedOnlyWithConsent(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w, source: .selfReport)
            var agrees = eligibleAnswers
            agrees["comments"] = ["Every employer wanted a bachelor's degree."]
            agrees["quote_consent"] = ["yes"]
            var declines = eligibleAnswers
            declines["comments"] = ["They all asked for a Bachelor degree, and AI scares me."]
            declines["quote_consent"] = ["no"]
            _ = try await Survey.complete(client, token: f.tokens["A1"]!, answers: agrees)
            _ = try await Survey.complete(client, token: f.tokens["B2"]!, answers: declines)

            let session = try await WebTests.signIn(w, "researcher", client: client)
            var headers: HTTPFields = [.cookie: "pw_session=\(session)"]
            let book = try await client.execute(uri: "/studies/outcomes/codebook", method: .get, headers: headers)
            #expect(book.text.contains("/studies/outcomes/waves/1/open/comments"))
            let csrf = try #require(WebTests.csrf(in: book.text))
            headers[.contentType] = "application/x-www-form-urlencoded"
            for (name, keywords) in [("Degree as a barrier", "bachelor"), ("AI-driven job displacement", "AI, automat")] {
                let saved = try await client.execute(uri: "/studies/outcomes/codebook", method: .post, headers: headers,
                                                     body: ByteBuffer(string: "_csrf=\(csrf)&action=save&name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&keywords=\(keywords.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"))
                #expect(saved.status == .seeOther)
            }
            let twice = try await client.execute(uri: "/studies/outcomes/codebook", method: .post, headers: headers,
                                                 body: ByteBuffer(string: "_csrf=\(csrf)&action=save&name=Degree+as+a+barrier&keywords=x"))
            #expect(twice.status == .unprocessableContent && twice.text.contains("already has a theme called Degree as a barrier"))

            let uri = "/studies/outcomes/waves/1/open/comments"
            let page = try await client.execute(uri: uri, method: .get, headers: headers)
            #expect(page.status == .ok && page.text.contains("(suggested)") && page.text.contains("(not to be quoted)"))
            let cases = page.text.components(separatedBy: "name=\"case\" value=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
            #expect(cases.count == 2)
            let accepted = try await client.execute(uri: uri, method: .post, headers: headers,
                                                    body: ByteBuffer(string: "_csrf=\(csrf)&action=accept" + cases.map { "&case=\($0)" }.joined()))
            #expect(accepted.status == .seeOther)
            let coded = try await client.execute(uri: uri + "?min_cell=0", method: .get, headers: headers).text
            #expect(coded.contains("<blockquote>Every employer wanted a bachelor&#39;s degree.</blockquote>"), "the consenting answer is quoted")
            #expect(!coded.contains("<blockquote>They all asked"), "the other is not")
            #expect(coded.contains("Percent of the 2 coded answers (of 2 given)"))
            let hidden = try await client.execute(uri: uri, method: .get, headers: headers).text
            #expect(!hidden.contains("<blockquote>"), "two answers are below the threshold: counts and quotes hidden")
            let csv = try await client.execute(uri: uri + "?format=csv&min_cell=0", method: .get, headers: headers)
            #expect(String(buffer: csv.body).contains("Degree as a barrier,,bachelor,2\n"))
            let audit = try await AuditRepository(store: w.store).recent(limit: 20).map(\.action)
            #expect(audit.filter { $0 == "view_open_text" }.count == 3 && audit.contains("code_open_text"))
            let denied = try await client.execute(uri: uri, method: .get, headers: w.auth("staff"))
            #expect(denied.status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.allCases) func aWeightedReportIsRakedToTheFrameAndComparesRespondentsWithIt(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w, source: .selfReport)
            _ = try await Survey.complete(client, token: f.tokens["A1"]!, answers: eligibleAnswers)
            var other = eligibleAnswers
            other["employment"] = ["part_time"]
            _ = try await Survey.complete(client, token: f.tokens["B2"]!, answers: other)
            let uri = "/studies/outcomes/waves/1/report"
            let weighted = try await client.execute(uri: uri + "?min_cell=0&rake=program_kind", method: .get, headers: w.auth("researcher"))
            #expect(weighted.status == .ok && weighted.text.contains("Weighted: raked to the wave&apos;s frame on program_kind"))
            #expect(weighted.text.contains("Respondents compared with the frame"))
            #expect(weighted.text.contains("<input type=\"checkbox\" name=\"rake\" value=\"program_kind\" checked>"))
            let (weighting, comparison) = try await FieldworkRepository(store: w.store).weighting(study: f.study, wave: f.wave.id, margins: ["program_kind"])
            #expect(abs(weighting.raking.weights.reduce(0, +) - 3) < 1e-9, "the two respondents stand for the frame's three cases")
            #expect(comparison.contains { $0.characteristic == "program_kind" })
            let badRake = try await client.execute(uri: uri + "?rake=email", method: .get, headers: w.auth("researcher"))
            #expect(badRake.status == .badRequest)
        }
    }

    @Test(arguments: TestDatabase.allCases) func theWavePageDownloadsRespondentDataAsAZipAndAuditsIt(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            _ = try await Survey.complete(client, token: f.tokens["A1"]!, answers: eligibleAnswers)
            let session = try await WebTests.signIn(w, "researcher", client: client)
            let cookie: HTTPFields = [.cookie: "pw_session=\(session)"]
            let page = try await client.execute(uri: "/studies/outcomes/waves/1", method: .get, headers: cookie)
            let csrf = try #require(WebTests.csrf(in: page.text))
            var headers = cookie
            headers[.contentType] = "application/x-www-form-urlencoded"
            let forged = try await client.execute(uri: "/studies/outcomes/waves/1/export", method: .post, headers: headers, body: ByteBuffer(string: "_csrf=nope"))
            #expect(forged.status == .forbidden)
            let zip = try await client.execute(uri: "/studies/outcomes/waves/1/export", method: .post, headers: headers, body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(zip.status == .ok && zip.headers[.contentType] == "application/zip")
            let archive = try Archive(data: Data(buffer: zip.body), accessMode: .read)
            #expect(Set(archive.map(\.path)) == ["respondents.csv", "respondents-long.csv", "dictionary.csv", "import.R", "import.do"])
            var csv = Data()
            _ = try archive.extract(try #require(archive["respondents.csv"])) { csv.append($0) }
            let text = String(decoding: csv, as: UTF8.self)
            #expect(text.contains("race__asian") && !text.contains("I got a raise") && !text.contains("ana@example.org"))
            let entries = try await AuditRepository(store: w.store).recent(limit: 10).filter { $0.action == "export_respondents" }
            #expect(entries.count == 1)
        }
    }
}

/// A recording transport.
actor Recorder: MailTransport {
    var messages: [MailMessage] = []
    nonisolated func send(_ message: MailMessage) async throws(MailError) -> MailDelivery {
        await add(message)
        return .delivered
    }
    func add(_ m: MailMessage) { messages.append(m) }
}

@Suite struct DeliveryTests {
    @Test(arguments: TestDatabase.allCases)
    func twoServersOnOneDatabaseSendEachMessageOnce(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let w = try await TestWorld.make(store)
            let f = try await FieldedWave.make(w)
            // Each "instance" has its own planner, sender and transport, as two processes would.
            let recorders = [Recorder(), Recorder()]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, recorder) in recorders.enumerated() {
                    group.addTask {
                        let outbox = OutboxRepository(store: store)
                        let delivery = OutboxDelivery(outbox: outbox, settings: MailSettings(transport: recorder, transportDescription: "test", from: "s@x.test", publicURL: "https://x.test"),
                                                      worker: "instance-\(i)", logger: TestDatabase.logger)
                        for day in [0, 7, 14] {
                            try await outbox.plan(now: CalendarDay.adding(days: day, to: f.wave.opensAt).addingTimeInterval(7200))
                            try await delivery.run(batch: 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let all = await recorders[0].messages + recorders[1].messages
            #expect(all.count == 9, "3 people × invitation and two reminders")
            #expect(Set(all.map(\.messageID)).count == all.count, "no message twice")
            #expect(all.allSatisfy { $0.body.contains("https://x.test/s/") && !$0.body.contains("{{") })
        }
    }

    /// A retry after a crash between writing a message and recording it finds the message already there and does
    /// not write it again; nothing half-written is ever under a message's name.
    @Test func theFileTransportDeliversEachMessageIDOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-mail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let transport = try FileMailTransport(directory: folder)
        let claimed = OutboxRepository.Claimed(id: 7, caseID: 1, kind: "invitation", to: "ana@example.org", subject: "Survey", body: "{{survey_link}}", linkToken: "tok-a", attempts: 1)
        let message = MailMessage(from: "s@x.test", to: claimed.to, subject: claimed.subject, body: claimed.renderedBody(baseURL: "https://x.test"), messageID: claimed.messageID)
        #expect(try await transport.send(message) == .delivered)
        var retry = message
        retry.body = "a second attempt"
        #expect(try await transport.send(retry) == .alreadyDelivered)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == [claimed.messageID.replacingOccurrences(of: "@", with: "_") + ".eml"], "one file, no temporary ones left")
        let text = try String(contentsOf: folder.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(text.contains("Message-ID: <\(claimed.messageID)>") && !text.contains(Data("a second attempt".utf8).base64EncodedString()))
        // The same outbox id in another database (another link token) is another message.
        var other = claimed
        other.linkToken = "tok-b"
        #expect(other.messageID != claimed.messageID && other.messageID.hasPrefix("outbox-7-"))
    }

    @Test func smtpDeliversWithDotStuffingAndABounceMarksTheCaseUndeliverable() async throws {
        let server = try await FakeSMTPServer.start(rejecting: "nobody@example.org")
        let transport = SMTPMailTransport(.init(host: "127.0.0.1", port: server.port, tls: .opportunistic, timeout: .seconds(5)))
        let message = MailMessage(from: "surveys@x.test", to: "ana@example.org", subject: "Über uns", body: "Hi\n.leading dot\nLink: https://x.test/s/abc", messageID: "m1@x")
        try await transport.send(message)
        let received = try #require(server.received.first)
        #expect(received.from == "surveys@x.test" && received.to == "ana@example.org")
        #expect(received.data.contains("Subject: =?UTF-8?B?"))
        #expect(received.data.contains("Content-Transfer-Encoding: base64"))
        let bodyStart = try #require(received.data.range(of: "\r\n\r\n"))
        let decoded = String(decoding: Data(base64Encoded: received.data[bodyStart.upperBound...].replacingOccurrences(of: "\r\n", with: ""))!, as: UTF8.self)
        #expect(decoded == "Hi\r\n.leading dot\r\nLink: https://x.test/s/abc")
        do {
            try await transport.send(MailMessage(from: "surveys@x.test", to: "nobody@example.org", subject: "x", body: "x", messageID: "m2@x"))
            Issue.record("a rejected recipient must fail")
        } catch {
            #expect(error.permanent, "550 is permanent")
        }
        // A server that is not there is a transient failure.
        let closed = SMTPMailTransport(.init(host: "127.0.0.1", port: 1, timeout: .seconds(2)))
        do {
            try await closed.send(message)
            Issue.record("no server, no delivery")
        } catch {
            #expect(!error.permanent)
        }
        try await server.stop()

        try await TestDatabase.sqlite.withStore { (store: Store) async throws in
            let w = try await TestWorld.make(store)
            let f = try await FieldedWave.make(w)
            try await store.sql.raw("UPDATE learners SET email = 'nobody@example.org' WHERE external_id = 'C3'").run()
            let bouncer = try await FakeSMTPServer.start(rejecting: "nobody@example.org")
            let outbox = OutboxRepository(store: store)
            try await outbox.plan()
            let delivery = OutboxDelivery(outbox: outbox, settings: MailSettings(transport: SMTPMailTransport(.init(host: "127.0.0.1", port: bouncer.port, timeout: .seconds(5))),
                                                                                 transportDescription: "smtp", from: "s@x.test", publicURL: "https://x.test"), logger: TestDatabase.logger)
            let result = try await delivery.run()
            #expect(result.sent == 2 && result.failed == 1)
            #expect(bouncer.received.count == 2)
            let c = try #require(try await FieldworkRepository(store: store).case(id: f.caseIDs["C3"]!))
            #expect(c.disposition == .undeliverable)
            try await bouncer.stop()
        }
    }
}

/// A minimal SMTP server on 127.0.0.1 that accepts mail (refusing one address with 550) and records it.
final class FakeSMTPServer: @unchecked Sendable {
    struct Mail { var from: String; var to: String; var data: String }
    private let lock = NSLock()
    private var mails: [Mail] = []
    var received: [Mail] { lock.withLock { mails } }
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel) { self.channel = channel }

    static func start(rejecting: String) async throws -> FakeSMTPServer {
        let box = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(rejecting: rejecting) { mail in box.server?.record(mail) })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = FakeSMTPServer(channel: channel)
        box.server = server
        return server
    }

    final class Box: @unchecked Sendable { var server: FakeSMTPServer? }

    func record(_ mail: Mail) { lock.withLock { mails.append(mail) } }
    func stop() async throws { try await channel.close() }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let rejecting: String
        let onMail: (Mail) -> Void
        var pending = ""
        var inData = false
        var data: [String] = []
        var from = "", to = ""

        init(rejecting: String, onMail: @escaping (Mail) -> Void) {
            self.rejecting = rejecting
            self.onMail = onMail
        }

        func channelActive(context: ChannelHandlerContext) { reply(context, "220 fake.test ESMTP") }

        func reply(_ context: ChannelHandlerContext, _ line: String) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: line + "\r\n")), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data incoming: NIOAny) {
            var buffer = unwrapInboundIn(incoming)
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
            while let end = pending.range(of: "\r\n") {
                let line = String(pending[..<end.lowerBound])
                pending = String(pending[end.upperBound...])
                if inData {
                    if line == "." {
                        inData = false
                        onMail(Mail(from: from, to: to, data: data.map { $0.hasPrefix("..") ? String($0.dropFirst()) : $0 }.joined(separator: "\r\n")))
                        data = []
                        reply(context, "250 queued")
                    } else {
                        data.append(line)
                    }
                    continue
                }
                let upper = line.uppercased()
                if upper.hasPrefix("EHLO") { reply(context, "250-fake.test\r\n250-8BITMIME\r\n250 SIZE 1000000") }
                else if upper.hasPrefix("MAIL FROM:") { from = String(line.dropFirst(10)).trimmingCharacters(in: CharacterSet(charactersIn: "<> ")); reply(context, "250 ok") }
                else if upper.hasPrefix("RCPT TO:") {
                    to = String(line.dropFirst(8)).trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
                    reply(context, to == rejecting ? "550 5.1.1 no such user" : "250 ok")
                }
                else if upper == "DATA" { inData = true; reply(context, "354 go ahead") }
                else if upper == "QUIT" { reply(context, "221 bye"); context.close(promise: nil) }
                else { reply(context, "502 not implemented") }
            }
        }
    }
}
