import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// An employer partner organises an interview day in the pages, with its times in its own time zone; invites the
/// audience; an invited learner replies; the employer records who came. Another employer cannot see or change it;
/// the same through the JSON API; on both databases.
@Suite struct EventOrganisingTests {
    @Test(arguments: TestDatabase.allCases)
    func anEmployerOrganisesAnInterviewDayAndRecordsWhoCame(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let careers = CareerRepository(store: w.store)
            _ = try await careers.saveEmployer(key: "contoso", name: "Contoso", programKeys: ["stats"])
            try await careers.linkAccount(email: "employer@pathways.test", employerKey: "contoso")
            let session = try await WebTests.signIn(w, "employer", client: client)
            let headers: HTTPFields = [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
            let list = try await client.execute(uri: "/careers/organise/new", method: .get, headers: headers)
            let csrf = try #require(WebTests.csrf(in: list.text))
            let day = CalendarDay.format(CalendarDay.adding(days: 10, to: Date()))
            var fields: [(String, String)] = [("_csrf", csrf), ("kind", "interview_day"), ("title", "Data analyst interviews"), ("description", "Bring a CV."),
                                              ("starts", "\(day)T09:00"), ("ends", "\(day)T08:00"), ("time_zone", "Mars/Olympus"), ("location", "Online: https://meet.example/abc"),
                                              ("capacity", "1"), ("programs", "stats"), ("skills", ""), ("regions", "")]
            let refused = try await client.execute(uri: "/careers/organise", method: .post, headers: headers, body: WebTests.form(fields))
            #expect(refused.status == .unprocessableContent && refused.text.contains("time_zone: Mars/Olympus is not a time zone"))
            fields[6] = ("time_zone", "America/New_York")
            let stillRefused = try await client.execute(uri: "/careers/organise", method: .post, headers: headers, body: WebTests.form(fields))
            #expect(stillRefused.text.contains("ends: the event must end after it starts"))
            fields[5] = ("ends", "\(day)T12:00")
            let created = try await client.execute(uri: "/careers/organise", method: .post, headers: headers, body: WebTests.form(fields))
            #expect(created.status == .seeOther)
            let manage = try #require(created.headers[.location])
            let id = try #require(UUID(uuidString: String(manage.split(separator: "/").last!)))
            let event = try #require(try await CareerEventRepository(store: w.store).event(id: id))
            // 09:00 in New York is 13:00 or 14:00 UTC, depending on daylight saving.
            let utcHour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: event.startsAt).hour
            #expect(event.timeZone == "America/New_York" && [13, 14].contains(utcHour ?? 0))
            #expect(event.employerID == (try await careers.employer(key: "contoso"))?.id)

            var page = try await client.execute(uri: manage, method: .get, headers: headers)
            #expect(page.text.contains("\(day) 09:00–12:00 (America/New_York)"))
            let invited = try await client.execute(uri: manage, method: .post, headers: headers, body: WebTests.form([("_csrf", csrf), ("action", "invite")]))
            #expect(invited.status == .seeOther && (invited.headers[.location] ?? "").contains("invited=2%2C+0+held"), "the stats program's two learners with an email")

            // The learner replies; the one place is theirs.
            let learnerSession = try await WebTests.signIn(w, "learnerA", client: client)
            let eventPage = try await client.execute(uri: "/careers/events/\(id.uuidString.lowercased())", method: .get, headers: [.cookie: "pw_session=\(learnerSession)"])
            #expect(eventPage.text.contains("(America/New_York)"))
            let learnerCSRF = try #require(WebTests.csrf(in: eventPage.text))
            let rsvp = try await client.execute(uri: "/careers/events/\(id.uuidString.lowercased())/rsvp", method: .post,
                                                headers: [.cookie: "pw_session=\(learnerSession)", .contentType: "application/x-www-form-urlencoded"],
                                                body: WebTests.form([("_csrf", learnerCSRF), ("action", "rsvp")]))
            #expect(rsvp.status == .seeOther)
            page = try await client.execute(uri: manage, method: .get, headers: headers)
            #expect(page.text.contains("Ana Alvarez") && page.text.contains("1 going of 1"))
            let a1 = w.learnerIDs["A1"]!
            // Attendance only once the event has started; through the use case with a later clock.
            let employer = try #require(try await AccountRepository(store: w.store).account(email: "employer@pathways.test"))
            let principal = try await AccountRepository(store: w.store).principal(for: employer)
            await #expect(throws: UseCaseError.conflict("Attendance is recorded once the event has started.")) {
                try await UseCases(store: w.store).events.markAttendance(id, attended: [a1], by: principal)
            }
            try await UseCases(store: w.store).events.markAttendance(id, attended: [a1], by: principal, now: event.startsAt.addingTimeInterval(600))
            #expect(try await CareerEventRepository(store: w.store).attendance().map(\.learner) == [a1])

            // The capacity cannot drop below who is going; another employer sees nothing of it.
            var edit = fields
            edit[8] = ("capacity", "0")
            let badEdit = try await client.execute(uri: manage + "/edit", method: .post, headers: headers, body: WebTests.form(edit))
            #expect(badEdit.status == .unprocessableContent)
            _ = try await careers.saveEmployer(key: "fabrikam", name: "Fabrikam")
            try await careers.linkAccount(email: "employer@pathways.test", employerKey: "fabrikam")
            let other = try await client.execute(uri: manage, method: .get, headers: headers)
            #expect(other.status == .notFound, "another employer's event is not found among yours")
            #expect(try await client.execute(uri: "/careers/organise", method: .get, headers: w.auth("researcher")).status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func anAdministratorOrganisesThroughTheAPI(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            var h = w.auth("admin")
            h[.contentType] = "application/json"
            let day = CalendarDay.format(CalendarDay.adding(days: 10, to: Date()))
            let bad = try await client.execute(uri: "/api/v1/events", method: .post, headers: h, body: ByteBuffer(string: #"{"kind": "party"}"#))
            #expect(bad.status == .unprocessableContent)
            let made = try await client.execute(uri: "/api/v1/events", method: .post, headers: h, body: ByteBuffer(string: """
                {"kind": "workshop", "title": "CV clinic", "starts": "\(day)T18:00", "ends": "\(day)T19:30", "timeZone": "Europe/London",
                 "location": "Online", "capacity": 20, "regions": ["US"]}
                """))
            #expect(made.status == .created)
            let id = try #require((try made.json() as? [String: Any])?["id"] as? String)
            let invite = try await client.execute(uri: "/api/v1/events/\(id)/invite", method: .post, headers: h)
            let report = try #require(try invite.json() as? [String: Any])
            #expect(invite.status == .ok && (report["invited"] as? Int ?? 0) >= 1)
            let list = try await client.execute(uri: "/api/v1/events", method: .get, headers: h)
            #expect(try (list.json() as? [[String: Any]])?.contains { $0["id"] as? String == id && $0["timeZone"] as? String == "Europe/London" } == true)
            #expect(try await client.execute(uri: "/api/v1/events", method: .get, headers: w.auth("learnerA")).status == .forbidden)
        }
    }
}
