import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// The seed study from nothing, through the JSON API alone, on an empty database on SQLite and PostgreSQL, as an
/// initiative's own scripts would run it. The operator's first steps are the command line's (an administrator and
/// tokens: `pathways create-admin`, `pathways create-token`); after that every step is an API call, and the links
/// people get are read from the outbox as the mail sender sends them.
@Suite struct SeedStudyAPITests {
    @Test(arguments: TestDatabase.allCases)
    func theSeedStudyFromAnEmptyDatabaseThroughTheAPIAlone(_ db: TestDatabase) async throws {
        let configuration = TestWorld.configuration
        try await db.withStore(logger: TestDatabase.logger) { (store: Store) async throws in
            // The operator: an administrator and a token, as pathways create-admin and create-token make them.
            let passwords = Passwords(cost: TestWorld.cost)
            let admin = try await AccountProvisioning(store: store, passwords: passwords).create(email: "admin@initiative.test", role: .admin)
            let accounts = AccountRepository(store: store)
            let adminToken = try await accounts.createToken(userID: admin.account.id, name: "setup").secret
            let app = try await buildApplication(configuration: configuration, store: store, logger: TestDatabase.logger)
            try await app.test(.router) { client in
                var tokens = ["admin": adminToken]
                func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, as who: String, type: String = "application/json") async throws -> TestResponse {
                    let response = try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(tokens[who]!)", .contentType: type],
                                                            body: body.map { ByteBuffer(string: $0) })
                    return response
                }
                func object(_ r: TestResponse) throws -> [String: Any] { try #require(try r.json() as? [String: Any], "\(r.status) \(r.text)") }
                let now = Date()
                let day = { (months: Int) in CalendarDay.format(CalendarDay.adding(months: months, to: now)) }

                // The catalog, the learners, their enrollments and completions.
                #expect(try await call(.post, "/api/v1/providers", #"{"providerId": "mitx", "name": "MITx", "kind": "university", "country": "US"}"#, as: "admin").status == .created)
                #expect(try await call(.post, "/api/v1/programs", #"{"programId": "mm-scm", "providerId": "mitx", "title": "Supply Chain Management", "kind": "micromasters"}"#, as: "admin").status == .created)
                let learners = "learner_id,name,email,country\n" + (1...6).map { "L\($0),Learner \($0),l\($0)@initiative.test,US" }.joined(separator: "\n") + "\n"
                let enrollments = "learner_id,program_id,enrolled_on\n" + (1...6).map { "L\($0),mm-scm,\(day(-30))" }.joined(separator: "\n") + "\n"
                // L1–L4 completed 18 months ago, L5 last month, L6 not yet.
                let completions = "learner_id,program_id,completed_on\n" + (1...4).map { "L\($0),mm-scm,\(day(-18))" }.joined(separator: "\n") + "\nL5,mm-scm,\(day(-1))\n"
                for (kind, csv) in [("learners", learners), ("enrollments", enrollments), ("completions", completions)] {
                    let imported = try await call(.post, "/api/v1/imports/\(kind)", csv, as: "admin", type: "text/csv")
                    #expect(imported.status == .ok, "\(kind): \(imported.text)")
                }
                // A researcher and an employer, and their partner.
                for (who, role) in [("researcher", "researcher"), ("employer", "employer")] {
                    let made = try await call(.post, "/api/v1/accounts", #"{"email": "\#(who)@initiative.test", "role": "\#(role)"}"#, as: "admin")
                    #expect(made.status == .created)
                    let account = try #require(try await accounts.account(email: "\(who)@initiative.test"))
                    tokens[who] = try await accounts.createToken(userID: account.id, name: "scripts").secret
                }
                #expect(try await call(.post, "/api/v1/employers", #"{"employerId": "acme", "name": "Acme Logistics", "programs": ["mm-scm"], "accounts": ["employer@initiative.test"]}"#, as: "admin").status == .created)

                // The study and its three instruments; one tried by a test link without signing in.
                #expect(try await call(.post, "/api/v1/studies", #"{"key": "outcomes", "title": "Credential outcomes", "eligibilitySource": "record"}"#, as: "researcher").status == .created)
                var versions: [String: String] = [:]
                for w in DemoInstruments.Wave.allCases {
                    let upload = try await client.execute(uri: "/api/v1/studies/outcomes/instruments", method: .post,
                                                          headers: [.authorization: "Bearer \(tokens["researcher"]!)", .contentType: "multipart/form-data; boundary=XyZ"],
                                                          body: StudySetupWebTests.multipart([("instrument", w.rawValue)], file: try DemoInstruments.form(w).xlsx(), name: "\(w.rawValue).xlsx"))
                    #expect(upload.status == .created)
                    versions[w.rawValue] = try object(upload)["id"] as? String
                }
                let link = try object(try await call(.post, "/api/v1/studies/outcomes/instruments/\(versions["followup"]!)/test-link", as: "researcher"))
                let url = try #require(link["url"] as? String)
                let trial = try await client.execute(uri: URL(string: url)?.path ?? url, method: .get)
                #expect(trial.status == .ok && trial.text.contains("Preview of followup version 1"))

                // Wave 1 was fielded in another tool: its CSV export, checked against the instrument.
                let wave1 = #"{"number": 1, "title": "Beginning of program", "instrument": "start", "opens": "\#(day(-29))", "closes": "\#(day(-27))", "frame": "enrolled in a program", "messageSubject": "A survey", "messageBody": "Dear {{first_name}}: {{survey_link}}"}"#
                #expect(try await call(.post, "/api/v1/studies/outcomes/waves", wave1, as: "researcher").status == .created)
                let startForm = try DemoInstruments.form(.start)
                var rng = SeededRandom(seed: 11)
                var rows: [[String: String]] = []
                for n in 1...5 {
                    let run = SimulatedRespondent.answer(startForm, rng: &rng, today: CalendarDay.adding(months: -28, to: now))
                    rows.append(run.answers.merging(["learner_id": "L\(n)", "submitted_at": day(-28)]) { a, _ in a })
                }
                let columns = ["learner_id", "submitted_at"] + Set(rows.flatMap(\.keys)).subtracting(["learner_id", "submitted_at"]).sorted()
                let export = columns.joined(separator: ",") + "\n" + rows.map { r in columns.map { CSVTable.field(r[$0] ?? "") }.joined(separator: ",") }.joined(separator: "\n") + "\n"
                let imported = try await call(.post, "/api/v1/studies/outcomes/waves/1/responses?file=wave1.csv", export, as: "researcher", type: "text/csv")
                #expect(imported.status == .ok, "\(imported.text)")
                #expect(try object(imported)["interviews"] as? Int == 5)

                // Waves 2 and 3; wave 3's frame is the seed's rule, previewed with its message, then launched.
                let wave2 = #"{"number": 2, "title": "End of program", "instrument": "end", "opens": "\#(day(-20))", "closes": "\#(day(-19))", "frame": "answered wave 1", "messageSubject": "A survey", "messageBody": "Dear {{first_name}}: {{survey_link}}"}"#
                #expect(try await call(.post, "/api/v1/studies/outcomes/waves", wave2, as: "researcher").status == .created)
                let rule = "(answered wave 1 or answered wave 2) and completed a program at least 12 months before this wave opens"
                let wave3 = #"{"number": 3, "title": "A year on", "instrument": "followup", "opens": "\#(CalendarDay.format(now.addingTimeInterval(-86_400)))", "closes": "\#(day(2))", "frame": "\#(rule)", "reminderDays": [7, 14], "screenItem": "eligible", "eligibilityMonths": 12, "messageSubject": "A year on: has {{program}} made a difference?", "messageBody": "Dear {{first_name}}, take the survey: {{survey_link}}"}"#
                let made3 = try await call(.post, "/api/v1/studies/outcomes/waves", wave3, as: "researcher")
                let made3Frame = try object(made3)["frame"] as? String
                #expect(made3.status == .created && made3Frame == rule)
                let frame = try object(try await call(.post, "/api/v1/studies/outcomes/waves/3/frame", as: "researcher"))
                #expect(frame["cases"] as? Int == 4, "L1–L4: answered wave 1 and completed at least 12 months before; L5 too recently, L6 never answered")
                #expect(((frame["message"] as? [String: Any])?["subject"] as? String) == "A year on: has Supply Chain Management made a difference?")
                #expect(try await call(.post, "/api/v1/studies/outcomes/waves/3/test-message", as: "researcher").status == .accepted)
                #expect(try await call(.post, "/api/v1/studies/outcomes/waves/3/launch", as: "researcher").status == .ok)

                // The server's planner writes the invitations; the sender sends them. L1 takes the survey from the link.
                _ = try await OutboxRepository(store: store).plan()
                let sent = try await OutboxRepository(store: store).claim(worker: "mail", limit: 100)
                #expect(sent.filter { $0.kind == "invitation" }.count == 4 && sent.contains { $0.kind == "test" && $0.to == "researcher@initiative.test" })
                let toL1 = try #require(sent.first { $0.kind == "invitation" && $0.to == "l1@initiative.test" })
                let survey = try AccountLinkTests.link(in: toL1, "/s/")
                let followup = try DemoInstruments.form(.followup)
                var answersRNG = SeededRandom(seed: 5)
                let answers = SimulatedRespondent.answer(followup, rng: &answersRNG, today: now, fixed: ["completed_program": "yes", "eligible": "yes", "benefits": "promotion learned_new"]).answers
                var page = try await client.execute(uri: survey, method: .get)
                var finished = false
                for _ in 0..<40 where !finished {
                    guard let number = WebTests.hidden("page", in: page.text), let revision = WebTests.hidden("revision", in: page.text) else { finished = page.text.contains("Thank you"); break }
                    var fields: [(String, String)] = [("page", number), ("revision", revision), ("action", "next")]
                    for (name, value) in answers {
                        if case .selectMultiple = followup.question(named: name)?.type {
                            for part in value.split(separator: " ") { fields.append((name, String(part))) }
                        } else {
                            fields.append((name, value))
                        }
                    }
                    let posted = try await client.execute(uri: survey, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: WebTests.form(fields))
                    page = posted.status == .seeOther ? try await client.execute(uri: try #require(posted.headers[.location]), method: .get) : posted
                    #expect(posted.status == .seeOther, "page \(number) was refused: \(posted.text.prefix(300))")
                }
                #expect(finished, "the survey reached its end")
                let cases = try #require(try await call(.get, "/api/v1/studies/outcomes/waves/3/cases", as: "researcher").json() as? [[String: Any]])
                #expect(cases.count == 4 && cases.filter { $0["disposition"] as? String == Disposition.complete.rawValue }.count == 1, "\(cases)")
                #expect(cases.allSatisfy { ($0["respondentId"] as? String)?.hasPrefix("p") == true }, "pseudonyms only")
                let rates = try object(try await call(.get, "/api/v1/studies/outcomes/waves/3/rates", as: "researcher"))
                #expect((rates["dispositions"] as? [String: Int])?[Disposition.complete.rawValue] == 1 && ((rates["rates"] as? [String: Double])?["RR1"] ?? 0) > 0)
                let report = try await call(.get, "/api/v1/studies/outcomes/waves/3/report?min_cell=0", as: "researcher")
                #expect(report.status == .ok && report.text.contains("\"respondents\" : 1"), "\(report.text.prefix(400))")
                // L1's promotion becomes a career outcome, once; an employer may not turn a study's answers into outcomes.
                let outcomes = try await call(.post, "/api/v1/studies/outcomes/career-outcomes", as: "researcher")
                let added = try object(outcomes)["added"] as? Int
                #expect(outcomes.status == .ok && added == 1, "\(outcomes.text)")
                let again = try object(try await call(.post, "/api/v1/studies/outcomes/career-outcomes", as: "researcher"))["added"] as? Int
                #expect(again == 0, "each case's answer counts once")
                #expect(try await call(.post, "/api/v1/studies/outcomes/career-outcomes", as: "employer").status == .forbidden)

                // The employer's interview day reaches the program's learners; one with no account creates it from the link and replies.
                let start = CalendarDay.format(CalendarDay.adding(days: 14, to: now))
                let event = try object(try await call(.post, "/api/v1/events", #"{"kind": "interview_day", "title": "Planner interviews", "starts": "\#(start)T10:00", "ends": "\#(start)T13:00", "timeZone": "America/Chicago", "location": "Online", "capacity": 10, "programs": ["mm-scm"]}"#, as: "employer"))
                let eventID = try #require(event["id"] as? String)
                let invited = try object(try await call(.post, "/api/v1/events/\(eventID)/invite", as: "employer"))
                #expect(invited["invited"] as? Int == 6 && invited["withAccountLink"] as? Int == 6)
                let messages = try await OutboxRepository(store: store).claim(worker: "mail", limit: 100)
                let toL2 = try #require(messages.first { $0.kind == "event" && $0.to == "l2@initiative.test" })
                let welcome = try AccountLinkTests.link(in: toL2, "/welcome/")
                let created = try await client.execute(uri: welcome, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                       body: WebTests.form([("password", "l2-chooses-a-passphrase"), ("repeat", "l2-chooses-a-passphrase")]))
                #expect(created.status == .seeOther && created.headers[.location] == "/careers/events/\(eventID.lowercased())")
                let session = try #require(created.cookies["pw_session"])
                let eventPage = try await client.execute(uri: "/careers/events/\(eventID.lowercased())", method: .get, headers: [.cookie: "pw_session=\(session)"])
                let csrf = try #require(WebTests.csrf(in: eventPage.text))
                let rsvp = try await client.execute(uri: "/careers/events/\(eventID.lowercased())/rsvp", method: .post,
                                                    headers: [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                                    body: WebTests.form([("_csrf", csrf), ("action", "rsvp")]))
                #expect(rsvp.status == .seeOther)
                let organised = try #require(try await call(.get, "/api/v1/events", as: "employer").json() as? [[String: Any]])
                #expect(organised.first?["going"] as? Int == 1)
            }
        }
    }
}
