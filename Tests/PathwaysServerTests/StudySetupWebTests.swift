import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// A researcher sets up a study with no demo and no study in the database, first in the pages (forms only, as a
/// browser without JavaScript posts them), then through the JSON API with an API token; on both databases.
@Suite struct StudySetupWebTests {
    static func multipart(_ fields: [(String, String)], file: Data, name: String) -> ByteBuffer {
        var body = ByteBuffer()
        for (field, value) in fields { body.writeString("--XyZ\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n") }
        body.writeString("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n")
        body.writeString("Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n")
        body.writeBytes(file)
        body.writeString("\r\n--XyZ--\r\n")
        return body
    }

    static func object(_ r: TestResponse) throws -> [String: Any] { try #require(try r.json() as? [String: Any]) }

    @Test(arguments: TestDatabase.allCases)
    func aResearcherSetsUpAndLaunchesAWaveInThePages(_ db: TestDatabase) async throws {
        let workbook = try DemoInstruments.form(.followup).xlsx()
        try await TestWorld.run(db) { w, client in
            let session = try await WebTests.signIn(w, "researcher", client: client)
            var headers: HTTPFields = [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
            let list = try await client.execute(uri: "/studies", method: .get, headers: headers)
            #expect(list.text.contains("No studies yet.") && list.text.contains("href=\"/studies/new\""))
            let newStudy = try await client.execute(uri: "/studies/new", method: .get, headers: headers)
            let csrf = try #require(WebTests.csrf(in: newStudy.text))

            // A bad key and no title: the form again, every problem named, nothing stored.
            let refused = try await client.execute(uri: "/studies", method: .post, headers: headers,
                                                   body: WebTests.form([("_csrf", csrf), ("key", "My Study"), ("title", ""), ("eligibility_source", "record"), ("partial_share", "0.5")]))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("key: a short key of lower-case letters") && refused.text.contains("title: give the study a title"))
            #expect(refused.text.contains("value=\"My Study\""), "what was typed is kept")
            #expect(try await StudyRepository(store: w.store).studies().isEmpty)

            let created = try await client.execute(uri: "/studies", method: .post, headers: headers,
                                                   body: WebTests.form([("_csrf", csrf), ("key", "followup-2027"), ("title", "Follow-up 2027"),
                                                                    ("description", "A year after completion."), ("eligibility_source", "record"), ("partial_share", "0.5")]))
            #expect(created.status == .seeOther && created.headers[.location] == "/studies/followup-2027")

            var upload = headers
            upload[.contentType] = "multipart/form-data; boundary=XyZ"
            let stored = try await client.execute(uri: "/studies/followup-2027/instruments", method: .post, headers: upload,
                                                  body: Self.multipart([("_csrf", csrf), ("instrument", "followup")], file: workbook, name: "followup.xlsx"))
            #expect(stored.status == .seeOther)

            // The instrument previewed as a respondent takes it: logic live, refusals as the survey gives them, nothing stored.
            let stored0 = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM wave_cases").first()!.decode(column: "n", as: Int.self)
            let studyPage = try await client.execute(uri: "/studies/followup-2027", method: .get, headers: headers)
            let previewPath = try #require(studyPage.text.range(of: #"/studies/followup-2027/instruments/[0-9A-F-]+/preview"#, options: .regularExpression)
                .map { String(studyPage.text[$0]) })
            let first = try await client.execute(uri: previewPath, method: .get, headers: headers)
            #expect(first.status == .ok && first.text.contains("Preview of followup version 1") && first.text.contains("Page 1 of"))
            func hidden(_ name: String, _ html: String) throws -> String { try #require(WebTests.hidden(name, in: html)) }
            func step(_ html: String, _ answers: [(String, String)]) async throws -> TestResponse {
                try await client.execute(uri: previewPath, method: .post, headers: headers,
                                         body: WebTests.form([("_csrf", csrf), ("state", try hidden("state", html)), ("page", try hidden("page", html)), ("action", "next")] + answers))
            }
            let second = try await step(first.text, [])
            #expect(second.status == .ok && second.text.contains("Page 2 of") && second.text.contains("name=\"completed_program\""))
            let refusedPage = try await step(second.text, [])
            #expect(refusedPage.status == .unprocessableContent && refusedPage.text.contains("Please answer so we can show you the right questions."))
            let screened = try await step(second.text, [("completed_program", "no")])
            #expect(screened.status == .ok && screened.text.contains("This survey is for people who completed their program at least a year ago"),
                    "the logic screens the previewer out as it would a respondent")
            #expect(try await w.store.sql.raw("SELECT COUNT(*) AS n FROM wave_cases").first()!.decode(column: "n", as: Int.self) == stored0)

            let waveForm = try await client.execute(uri: "/studies/followup-2027/waves/new", method: .get, headers: headers)
            #expect(waveForm.status == .ok && waveForm.text.contains("name=\"frame\"") && waveForm.text.contains("{{first_name}}"))
            let made = try #require(try await StudyRepository(store: w.store).study(key: "followup-2027"))
            let versionID = try #require(try await StudyRepository(store: w.store).versions(study: made).first?.id)
            var fields: [(String, String)] = [
                ("_csrf", csrf), ("number", "1"), ("title", "A year on"), ("instrument", versionID.uuidString),
                ("opens", CalendarDay.format(Date().addingTimeInterval(-86_400))), ("closes", CalendarDay.format(CalendarDay.adding(days: 30, to: Date()))),
                ("frame", "completed a program at least 12 months"), ("reminders", "7, 14"), ("screen_item", "eligible"), ("eligibility_months", "12"),
                ("message_subject", "A year on: {{program}}"), ("message_body", "Dear {{first_name}}, take the survey: {{survey_link}}"),
            ]
            let badRule = try await client.execute(uri: "/studies/followup-2027/waves", method: .post, headers: headers, body: WebTests.form(fields))
            #expect(badRule.status == .unprocessableContent)
            #expect(badRule.text.contains("frame: character 39: the rule ends where &#39;before this wave opens&#39; after the months was expected")
                    || badRule.text.contains("frame: character 39"), "\(badRule.text.prefix(0))")
            fields[6] = ("frame", "enrolled in a program")
            let wave = try await client.execute(uri: "/studies/followup-2027/waves", method: .post, headers: headers, body: WebTests.form(fields))
            #expect(wave.status == .seeOther && wave.headers[.location] == "/studies/followup-2027/waves/1")

            var page = try await client.execute(uri: "/studies/followup-2027/waves/1", method: .get, headers: headers)
            #expect(page.text.contains("Draft: frame not computed") && !page.text.contains("value=\"launch\"") && page.text.contains("/waves/1/edit"))
            // The page shows the wave's own title, and its edit form holds it (not the document's title).
            #expect(page.text.contains("<h1>Wave 1: A year on</h1>") && page.text.contains("<title>"))
            let editForm = try await client.execute(uri: "/studies/followup-2027/waves/1/edit", method: .get, headers: headers)
            #expect(editForm.text.contains(#"name="title" required value="A year on""#), "\(editForm.text.prefix(0))")
            let newForm = try await client.execute(uri: "/studies/followup-2027/waves/new", method: .get, headers: headers)
            #expect(newForm.text.contains(#"name="title" required value="""#) && newForm.text.contains("<title>New wave · Pathways</title>"))
            let act = { (action: String) in
                try await client.execute(uri: "/studies/followup-2027/waves/1", method: .post, headers: headers, body: WebTests.form([("_csrf", csrf), ("action", action)]))
            }
            #expect(try await act("launch").status == .conflict, "no launch before the frame")
            #expect(try await act("frame").status == .seeOther)
            page = try await client.execute(uri: "/studies/followup-2027/waves/1", method: .get, headers: headers)
            #expect(page.text.contains("<strong>3</strong> cases") && page.text.contains("value=\"launch\"") && page.text.contains("Some of its cases"))
            #expect(page.text.contains("Subject:</strong> A year on: ") && page.text.contains("Dear [name:p"), "the message for a real case, no name for a researcher")
            // A test message to oneself: the message for that case, its link a test link that makes no case.
            let tested = try await client.execute(uri: "/studies/followup-2027/waves/1/test-message", method: .post, headers: headers, body: WebTests.form([("_csrf", csrf)]))
            #expect(tested.status == .seeOther && tested.headers[.location] == "/studies/followup-2027/waves/1?tested=1")
            let testMessages = try await OutboxRepository(store: w.store).claim(worker: "test")
            let testMessage = try #require(testMessages.first)
            #expect(testMessages.count == 1 && testMessage.kind == "test" && testMessage.to == "researcher@pathways.test" && testMessage.subject.hasPrefix("[Test] A year on: "))
            let testBody = testMessage.renderedBody(baseURL: "http://pathways.test")
            let tryLink = try #require(testBody.range(of: #"http://pathways\.test/try/[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(testBody[$0]) })
            #expect(testBody.contains("Dear [name:p") && testBody.contains("(the respondent's own opt-out link)"))
            let casesBefore = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM wave_cases").first()!.decode(column: "n", as: Int.self)
            let trial = try await client.execute(uri: String(tryLink.dropFirst("http://pathways.test".count)), method: .get)
            #expect(trial.status == .ok && trial.text.contains("Preview of followup version 1") && !trial.text.contains("Back to the study"), "no sign-in needed")
            #expect(try await w.store.sql.raw("SELECT COUNT(*) AS n FROM wave_cases").first()!.decode(column: "n", as: Int.self) == casesBefore)
            #expect(try await client.execute(uri: "/try/not-a-link", method: .get).status == .notFound)
            let linkPage = try await client.execute(uri: previewPath.replacingOccurrences(of: "/preview", with: "/test-link"), method: .post, headers: headers,
                                                    body: WebTests.form([("_csrf", csrf)]))
            #expect(linkPage.status == .ok && linkPage.text.contains("/try/") && linkPage.text.contains("for 14 days"))
            #expect(try await OutboxRepository(store: w.store).plan().invitations == 0, "a draft sends nothing")
            #expect(try await act("launch").status == .seeOther)
            #expect(try await OutboxRepository(store: w.store).plan().invitations == 3)
            page = try await client.execute(uri: "/studies/followup-2027/waves/1", method: .get, headers: headers)
            #expect(page.text.contains("In the field") && !page.text.contains("/waves/1/edit") && page.text.contains("value=\"pause\""))
            // The invitation log: each case by respondent id, its message, a CSV without addresses.
            let logPage = try await client.execute(uri: "/studies/followup-2027/waves/1/invitations", method: .get, headers: headers)
            #expect(logPage.status == .ok && logPage.text.contains("3 cases") && logPage.text.contains("invitation: written"))
            #expect(!logPage.text.contains("@example.org") && !logPage.text.contains("Alvarez"), "no names or emails")
            let logCSV = try await client.execute(uri: "/studies/followup-2027/waves/1/invitations?format=csv", method: .get, headers: headers)
            #expect(logCSV.headers[.contentType] == "text/csv; charset=utf-8" && logCSV.text.split(separator: "\n").count == 4)
            let respondent = try #require(logCSV.text.split(separator: "\n")[1].split(separator: ",").first.map(String.init))
            let cancel = try await client.execute(uri: "/studies/followup-2027/waves/1/invitations", method: .post, headers: headers,
                                                  body: WebTests.form([("_csrf", csrf), ("respondent", respondent), ("action", "cancel")]))
            #expect(cancel.status == .seeOther)
            let after = try await client.execute(uri: try #require(cancel.headers[.location]), method: .get, headers: headers)
            #expect(after.text.contains("cancelled: no more messages") && after.text.contains("That case&#39;s messages are cancelled.")
                    || after.text.contains("That case's messages are cancelled."))

            let edit = try await client.execute(uri: "/studies/followup-2027/waves/1/edit", method: .post, headers: headers, body: WebTests.form(fields))
            #expect(edit.status == .conflict && edit.text.contains("has sent invitations"))
            #expect(try await act("close").status == .seeOther)
            page = try await client.execute(uri: "/studies/followup-2027/waves/1", method: .get, headers: headers)
            #expect(page.text.contains("Closed"))

            // Another role may not, and the settings page edits the study.
            let staff = try await client.execute(uri: "/studies/new", method: .get, headers: w.auth("staff"))
            #expect(staff.status == .forbidden)
            let renamed = try await client.execute(uri: "/studies/followup-2027/settings", method: .post, headers: headers,
                                                   body: WebTests.form([("_csrf", csrf), ("key", "followup-2027"), ("title", "Follow-up, 2027"),
                                                                    ("eligibility_source", "self_report"), ("partial_share", "0.4")]))
            #expect(renamed.status == .seeOther)
            let study = try #require(try await StudyRepository(store: w.store).study(key: "followup-2027"))
            #expect(study.title == "Follow-up, 2027" && study.eligibilitySource == .selfReport && study.partialShare == 0.4)
            headers[.contentType] = nil
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func theSameThroughTheJSONAPI(_ db: TestDatabase) async throws {
        let workbook = try DemoInstruments.form(.followup).xlsx()
        try await TestWorld.run(db) { w, client in
            var json = w.auth("researcher")
            json[.contentType] = "application/json"
            func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, as who: String = "researcher") async throws -> TestResponse {
                var h = w.auth(who)
                h[.contentType] = "application/json"
                return try await client.execute(uri: uri, method: method, headers: h, body: body.map { ByteBuffer(string: $0) })
            }
            let rejected = try await call(.post, "/api/v1/studies", #"{"key": "Bad Key", "partialShare": 3}"#)
            #expect(rejected.status == .unprocessableContent)
            let problems = try #require(((try rejected.json() as? [String: Any])?["error"] as? [String: Any])?["problems"] as? [[String: String]])
            #expect(problems.map { $0["field"] } == ["key", "title", "partial_share"])
            #expect(try await call(.post, "/api/v1/studies", #"{"key": "api-study", "title": "API study"}"#, as: "learnerA").status == .forbidden)
            let created = try await call(.post, "/api/v1/studies", #"{"key": "api-study", "title": "API study", "partialShare": 0.6}"#)
            #expect(created.status == .created)
            #expect(try (try Self.object(created))["partialShare"] as? Double == 0.6)
            let patched = try await call(.patch, "/api/v1/studies/api-study", #"{"description": "Through the API."}"#)
            #expect(try patched.status == .ok && (try Self.object(patched))["title"] as? String == "API study")

            var upload = w.auth("researcher")
            upload[.contentType] = "multipart/form-data; boundary=XyZ"
            let version = try await client.execute(uri: "/api/v1/studies/api-study/instruments", method: .post, headers: upload,
                                                   body: Self.multipart([("instrument", "followup")], file: workbook, name: "followup.xlsx"))
            #expect(version.status == .created)
            let again = try await client.execute(uri: "/api/v1/studies/api-study/instruments", method: .post, headers: upload,
                                                 body: Self.multipart([("instrument", "followup")], file: workbook, name: "followup.xlsx"))
            #expect(try again.status == .ok && (try Self.object(again))["unchanged"] as? Bool == true)

            let opens = CalendarDay.format(Date().addingTimeInterval(-86_400)), closes = CalendarDay.format(CalendarDay.adding(days: 30, to: Date()))
            let wave = """
                {"number": 1, "title": "A year on", "instrument": "followup", "opens": "\(opens)", "closes": "\(closes)",
                 "frame": "enrolled in a MicroBachelors or MicroMasters", "reminderDays": [7], "messageSubject": "A survey",
                 "messageBody": "Dear {{first_name}}: {{survey_link}}"}
                """
            let made = try await call(.post, "/api/v1/studies/api-study/waves", wave)
            #expect(made.status == .created)
            let out = try #require(try made.json() as? [String: Any])
            #expect(out["state"] as? String == "draft" && out["frame"] as? String == "enrolled in a MicroBachelors or MicroMasters")
            #expect(out["actions"] as? [String] == ["edit", "frame"])
            #expect(try await call(.post, "/api/v1/studies/api-study/waves", wave).status == .unprocessableContent, "wave 1 exists")
            let edited = try await call(.patch, "/api/v1/studies/api-study/waves/1", #"{"frame": "enrolled in a program", "reminderDays": [7, 14]}"#)
            #expect(try edited.status == .ok && (try Self.object(edited))["reminderDays"] as? [Int] == [7, 14])
            #expect(try await call(.post, "/api/v1/studies/api-study/waves/1/launch").status == .conflict)
            let frame = try await call(.post, "/api/v1/studies/api-study/waves/1/frame")
            #expect(frame.status == .ok)
            let preview = try #require(try frame.json() as? [String: Any])
            #expect(preview["cases"] as? Int == 3 && (preview["examples"] as? [Any])?.count == 3)
            #expect(((preview["message"] as? [String: Any])?["body"] as? String)?.hasPrefix("Dear [name:p") == true)
            #expect(try await call(.post, "/api/v1/studies/api-study/waves/1/launch").status == .ok)
            #expect(try await call(.post, "/api/v1/studies/api-study/waves/1/launch").status == .conflict)
            _ = try await OutboxRepository(store: w.store).plan()
            let rates = try await call(.get, "/api/v1/studies/api-study/waves/1/rates")
            #expect(try rates.status == .ok && ((try Self.object(rates))["rates"] as? [String: Any])?["RR1"] != nil)
            #expect(try await call(.patch, "/api/v1/studies/api-study/waves/1", #"{"title": "Later"}"#).status == .conflict)
            #expect(try await call(.post, "/api/v1/studies/api-study/waves/1/pause").status == .ok)
            let closed = try await call(.post, "/api/v1/studies/api-study/waves/1/close")
            #expect(try closed.status == .ok && (try Self.object(closed))["state"] as? String == "closed")
            #expect(try await call(.get, "/api/v1/studies/api-study/waves", as: "staff").status == .forbidden)

            // An earlier wave from another tool, as CSV: refused whole with row and column, then stored.
            let earlier = #"{"number": 2, "title": "From REDCap", "instrument": "followup", "opens": "2024-01-01", "closes": "2024-03-01", "frame": "everyone", "messageSubject": "s", "messageBody": "b"}"#
            #expect(try await call(.post, "/api/v1/studies/api-study/waves", earlier).status == .created)
            var csv = w.auth("researcher")
            csv[.contentType] = "text/csv"
            let badFile = try await client.execute(uri: "/api/v1/studies/api-study/waves/2/responses?file=redcap.csv", method: .post, headers: csv,
                                                   body: ByteBuffer(string: "learner_id,completed_program\nA1,maybe\nZ9,yes\n"))
            #expect(badFile.status == .unprocessableContent)
            let found = try #require(try Self.object(badFile)["problems"] as? [[String: Any]])
            #expect(found.first?["row"] as? Int == 2 && found.first?["column"] as? String == "completed_program")
            #expect(found.contains { ($0["message"] as? String)?.contains("no learner has the id Z9") == true })
            let apiStudy = try #require(try await StudyRepository(store: w.store).study(key: "api-study"))
            let wave2 = try #require(try await StudyRepository(store: w.store).wave(study: apiStudy, number: 2))
            #expect(try await FieldworkRepository(store: w.store).cases(wave: wave2.id).isEmpty, "nothing stored")
            let goodFile = try await client.execute(uri: "/api/v1/studies/api-study/waves/2/responses?file=redcap.csv", method: .post, headers: csv,
                                                    body: ByteBuffer(string: "learner_id,submitted_at,completed_program\nA1,2024-02-01,no\n"))
            #expect(goodFile.status == .ok)
            #expect(try Self.object(goodFile)["interviews"] as? Int == 1)
            #expect(try await FieldworkRepository(store: w.store).cases(wave: wave2.id).map(\.disposition) == [.complete])
            #expect(try await call(.get, "/api/v1/studies/nothing/waves").status == .notFound)
        }
    }
}
