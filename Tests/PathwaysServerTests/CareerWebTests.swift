import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

@Suite struct CareerWebTests {
    /// Contoso Cloud (hiring from the full-stack program, the test world's employer account acting for it) and Other Co
    /// (hiring from statistics).
    static func twoEmployers(_ w: TestWorld) async throws -> CareerRepository {
        let careers = CareerRepository(store: w.store)
        try await careers.saveEmployer(key: "contoso", name: "Contoso Cloud", programKeys: ["fullstack"])
        try await careers.saveEmployer(key: "other", name: "Other Co", programKeys: ["stats"])
        try await careers.linkAccount(email: "employer@pathways.test", employerKey: "contoso")
        return careers
    }

    /// Learner B (full-stack program) sees jobs matched with reasons, filters them to no-degree roles, records an
    /// application and an outcome; an administrator imports postings and a broken file is refused saying where.
    @Test(arguments: TestDatabase.allCases) func theLearnerSeesMatchesWithReasonsAndFilters(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            _ = try await CareerRepository(store: w.store).store(DemoJobBoard.postings(count: 300, seed: 5, now: Date()).map { ($0, "demo board") })
            let session = try await WebTests.signIn(w, "learnerB", client: client)
            let cookie: HTTPFields = [.cookie: "pw_session=\(session)"]
            let page = try await client.execute(uri: "/careers", method: .get, headers: cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<li><a href="/careers">Careers</a></li>"#), "the learner's navigation leads to careers")
            #expect(!page.text.contains(#"<a href="/careers/postings">Job postings</a>"#))
            #expect(page.text.contains("Skills you have:"), "matches say which skills they use")
            #expect(page.text.contains("Programming") || page.text.contains("JavaScript"))
            let filtered = try await client.execute(uri: "/careers?no_degree=1", method: .get, headers: cookie)
            let degrees = filtered.text.components(separatedBy: "<p><strong>").dropFirst().map { $0.prefix { $0 != "<" } }
            #expect(!degrees.isEmpty && degrees.allSatisfy { $0 == "No degree required" }, "\(degrees)")

            let csrf = try #require(WebTests.csrf(in: page.text))
            let posting = try #require(page.text.range(of: "/careers/postings/").map { String(page.text[$0.upperBound...].prefix(36)) })
            let form: HTTPFields = [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
            let applied = try await client.execute(uri: "/careers/postings/\(posting)/apply", method: .post, headers: form, body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(applied.status == .seeOther)
            let outcome = try await client.execute(uri: "/careers/outcomes", method: .post, headers: form,
                                                   body: ByteBuffer(string: "_csrf=\(csrf)&kind=new_job&occurred_on=2026-10-01&sector=Software&salary_band=50k-75k&no_degree_role=yes"))
            #expect(outcome.status == .seeOther)
            let bad = try await client.execute(uri: "/careers/outcomes", method: .post, headers: form, body: ByteBuffer(string: "_csrf=\(csrf)&kind=new_job&occurred_on=soon"))
            #expect(bad.status == .badRequest && bad.text.contains("occurred_on"))
            let after = try await client.execute(uri: "/careers", method: .get, headers: cookie)
            #expect(after.text.contains("You applied."))
            #expect(after.text.contains("<td>New job</td><td>2026-10-01</td><td>Software</td>"))

            // An administrator imports a posting; a broken file changes nothing and says where.
            let admin = try await WebTests.signIn(w, "admin", client: client)
            let list = try await client.execute(uri: "/careers/postings", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            let adminCSRF = try #require(WebTests.csrf(in: list.text))
            func upload(_ name: String, _ content: String) async throws -> TestResponse {
                let boundary = "pathways-test-boundary"
                let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(adminCSRF)\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/ld+json\r\n\r\n\(content)\r\n--\(boundary)--\r\n"
                return try await client.execute(uri: "/careers/postings", method: .post,
                                                headers: [.cookie: "pw_session=\(admin)", .contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: body))
            }
            let before = try await CareerRepository(store: w.store).postings().count
            let broken = try await upload("broken.jsonld", "{\"@type\": \"JobPosting\", \"title\": \"T\", \"description\": \"d\", \"datePosted\": \"next year\"}")
            #expect(broken.status == .unprocessableContent)
            #expect(broken.text.contains("broken.jsonld, JobPosting.datePosted: datePosted must be an ISO 8601 date"))
            #expect(try await CareerRepository(store: w.store).postings().count == before)
            let good = try await upload("web.jsonld", "{\"@type\": \"JobPosting\", \"title\": \"Junior Web Developer\", \"description\": \"No degree required.\", \"skills\": \"JavaScript, CSS\"}")
            #expect(good.status == .ok && good.text.contains("Imported from web.jsonld: 1 added"))
            // A closing date that cannot be read is only recommended: the posting is kept and the page says why.
            let warned = try await upload("late.jsonld", "{\"@type\": \"JobPosting\", \"title\": \"Night Clerk\", \"description\": \"Nights.\", \"validThrough\": \"next year\"}")
            #expect(warned.status == .ok && warned.text.contains("1 added"))
            #expect(warned.text.contains("warning: late.jsonld, JobPosting.validThrough: validThrough must be an ISO 8601 date, not &quot;next year&quot;; the posting is kept with no closing date")
                    || warned.text.contains("warning: late.jsonld, JobPosting.validThrough: validThrough must be an ISO 8601 date, not &#34;next year&#34;; the posting is kept with no closing date")
                    || warned.text.contains("warning: late.jsonld, JobPosting.validThrough: validThrough must be an ISO 8601 date, not \"next year\"; the posting is kept with no closing date"))
        }
    }

    /// A posting has its own page: its whole text as paragraphs, what it asks and pays, a link to apply (only ever an
    /// http or https link), and for a learner how it fits them. The Job postings page is an employer's own postings,
    /// searched and paged; an administrator's is every employer's. An error page keeps the signed-in header.
    @Test(arguments: TestDatabase.allCases) func aPostingHasItsPageAndTheBoardIsSearchedPagedAndKeptToItsEmployer(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let careers = try await Self.twoEmployers(w)
            let ours = (1...55).map { JobPosting(externalID: "C-\($0)", title: "Support Specialist \($0)", description: "Help customers.", hiringOrganization: "Contoso Cloud") }
            let job = JobPosting(externalID: "C-web", title: "Junior Developer", description: "<p>Build <b>web</b> apps &amp; tools.</p><ul><li>JavaScript</li><li>Git</li></ul>",
                                 hiringOrganization: "Contoso Cloud", skills: [PostingSkill(name: "JavaScript"), PostingSkill(name: "Programming")],
                                 salary: Salary(currency: "USD", minValue: 50_000, maxValue: 60_000, unit: "YEAR"), url: "https://careers.contoso.example/jobs/web")
            let sly = JobPosting(externalID: "C-sly", title: "Tester", description: "Testing.", hiringOrganization: "Contoso Cloud", url: "javascript:alert(1)")
            let theirs = JobPosting(externalID: "O-1", title: "Statistician", description: "Statistics.", hiringOrganization: "Other Co")
            _ = try await careers.store((ours + [job, sly]).map { ($0, "test") }, writer: .administrator(employerKey: "contoso"))
            _ = try await careers.store([(theirs, "test")], writer: .administrator(employerKey: "other"))

            let learner = try await WebTests.signIn(w, "learnerB", client: client)
            let page = try await client.execute(uri: "/careers/jobs/\(job.id.uuidString.lowercased())", method: .get, headers: [.cookie: "pw_session=\(learner)"])
            #expect(page.status == .ok)
            #expect(page.text.contains("<p>Build web apps &amp; tools.</p>") && page.text.contains("<p>• JavaScript</p>"), "the text is shown as paragraphs, its markup not")
            #expect(!page.text.contains("<b>web</b>"))
            #expect(page.text.contains(#"href="https://careers.contoso.example/jobs/web""#) && page.text.contains("Apply on the employer&#39;s site") || page.text.contains("Apply on the employer's site"))
            #expect(page.text.contains("USD 50,000–60,000 per year"))
            #expect(page.text.contains("How it fits you") && page.text.contains(" the posting asks for"))
            let slyPage = try await client.execute(uri: "/careers/jobs/\(sly.id.uuidString.lowercased())", method: .get, headers: [.cookie: "pw_session=\(learner)"])
            #expect(slyPage.status == .ok && !slyPage.text.contains("javascript:"), "a posting's url is linked only when it is http or https")
            #expect(try await client.execute(uri: "/careers/jobs/\(job.id.uuidString.lowercased())", method: .get).status == .seeOther, "signed out: to sign in")
            let missing = try await client.execute(uri: "/careers/jobs/\(UUID().uuidString)", method: .get, headers: [.cookie: "pw_session=\(learner)"])
            #expect(missing.status == .notFound && missing.text.contains("There is no such posting."))
            #expect(missing.text.contains("Sign out") && missing.text.contains(#"<a href="/careers">Careers</a>"#) && !missing.text.contains(#"<a href="/login">Sign in</a>"#),
                    "an error page keeps the signed-in person's header")

            // The employer's board is its own postings, 50 to a page, searched by title.
            let employer = try await WebTests.signIn(w, "employer", client: client)
            let board = try await client.execute(uri: "/careers/postings", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(board.text.contains("57 open postings") && board.text.contains("Page 1 of 2"))
            #expect(!board.text.contains("Statistician"), "another employer's posting is not on this employer's board")
            let second = try await client.execute(uri: "/careers/postings?page=2", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(second.text.contains("Page 2 of 2") && second.text.components(separatedBy: "<a href=\"/careers/jobs/").count - 1 == 7)
            let searched = try await client.execute(uri: "/careers/postings?q=specialist+5", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(searched.text.contains("open postings matching") && searched.text.contains("Support Specialist 5<") && searched.text.contains("Support Specialist 55<"),
                    "\(searched.text.components(separatedBy: "role=\"search\"")[1].prefix(1500))")
            #expect(!searched.text.contains("Support Specialist 4<") && !searched.text.contains("Junior Developer"))
            let admin = try await WebTests.signIn(w, "admin", client: client)
            let everyone = try await client.execute(uri: "/careers/postings?q=statistic", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            #expect(everyone.text.contains("Statistician") && everyone.text.contains("1 open postings matching"))

            // A refused posting form comes back as typed, the message beside the field.
            let csrf = try #require(WebTests.csrf(in: board.text))
            let bad = try await client.execute(uri: "/careers/postings/new", method: .post,
                                               headers: [.cookie: "pw_session=\(employer)", .contentType: "application/x-www-form-urlencoded"],
                                               body: ByteBuffer(string: "_csrf=\(csrf)&title=Night+Support&description=Answer+calls.&locality=Dayton&remote=yes&salary_min=lots&salary_unit=HOUR"))
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains(#"value="Night Support""#) && bad.text.contains(">Answer calls.</textarea>") && bad.text.contains(#"value="Dayton""#))
            #expect(bad.text.contains(#"name="remote" value="yes" checked"#) && bad.text.contains("<option selected>HOUR</option>"))
            #expect(bad.text.contains(#"value="lots" aria-invalid="true" aria-describedby="e-min""#) && bad.text.contains(#"<p class="field-error" id="e-min">salary_min: "#))
            #expect(bad.text.contains("<details open>"))
        }
    }

    /// An event page for an invited learner: RSVP, waitlist when full, and a calendar file.
    @Test(arguments: TestDatabase.allCases) func anInvitedLearnerRepliesAndGetsACalendarFile(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let event = try await CareerEventRepository(store: w.store).create(
                kind: .interviewDay, title: "Full-stack interview day", description: "Meet three employers.", startsAt: Date().addingTimeInterval(10 * 86_400),
                endsAt: Date().addingTimeInterval(10 * 86_400 + 3 * 3600), location: "Columbus, OH", capacity: 1, targets: [.program(key: "fullstack")])
            let session = try await WebTests.signIn(w, "learnerB", client: client)
            let uri = "/careers/events/\(event.id.uuidString.lowercased())"
            let page = try await client.execute(uri: uri, method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(page.status == .ok && page.text.contains("Take a place"))
            let careers = try await client.execute(uri: "/careers", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(careers.text.contains("Interview day: Full-stack interview day"), "the event is listed for the learner")
            let csrf = try #require(WebTests.csrf(in: page.text))
            let reply = try await client.execute(uri: uri + "/rsvp", method: .post, headers: [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "_csrf=\(csrf)&action=rsvp"))
            #expect(reply.status == .seeOther)
            let going = try await client.execute(uri: uri, method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(going.text.contains("You have a place.") && going.text.contains("1 of 1 taken"))
            let ics = try await client.execute(uri: uri + "/event.ics", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(ics.headers[.contentType] == "text/calendar; charset=utf-8")
            #expect(ics.text.hasPrefix("BEGIN:VCALENDAR\r\n") && ics.text.contains("SUMMARY:Interview day: Full-stack interview day\r\n"))
            // Learner A is in another program: the event is not for them.
            let other = try await WebTests.signIn(w, "learnerA", client: client)
            #expect(try await client.execute(uri: uri, method: .get, headers: [.cookie: "pw_session=\(other)"]).status == .forbidden)
        }
    }

    /// An employer partner sees, for its own posting, only the learners in its programs who chose to be seen;
    /// another employer's posting is refused, and the view is audited.
    @Test(arguments: TestDatabase.allCases) func anEmployerSeesOnlyLearnersWhoChoseToBeSeen(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let careers = try await Self.twoEmployers(w)
            let ours = JobPosting(externalID: "C-1", title: "Junior Developer", description: "Programming in JavaScript.", hiringOrganization: "Contoso Cloud",
                                  skills: [PostingSkill(name: "Programming")])
            let theirs = JobPosting(externalID: "O-1", title: "Analyst", description: "Statistics.", hiringOrganization: "Other Co")
            _ = try await careers.store([(ours, "test")], writer: .administrator(employerKey: "contoso"))
            _ = try await careers.store([(theirs, "test")], writer: .administrator(employerKey: "other"))

            // Learner B (full-stack) chooses to be seen; learner A (stats) also does, but Contoso does not hire from stats.
            for (who, key) in [("learnerB", "B2"), ("learnerA", "A1")] {
                let session = try await WebTests.signIn(w, who, client: client)
                let page = try await client.execute(uri: "/careers", method: .get, headers: [.cookie: "pw_session=\(session)"])
                let csrf = try #require(WebTests.csrf(in: page.text))
                let saved = try await client.execute(uri: "/careers/goals", method: .post, headers: [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                                     body: ByteBuffer(string: "_csrf=\(csrf)&goals=Junior+Developer&region=&share_with_employers=yes"))
                #expect(saved.status == .seeOther)
                #expect(try await careers.goals(learner: w.learnerIDs[key]!).shareWithEmployers)
            }
            let employer = try await WebTests.signIn(w, "employer", client: client)
            let list = try await client.execute(uri: "/careers/postings", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(list.text.contains("/careers/postings/\(ours.id.uuidString.lowercased())/candidates"))
            #expect(!list.text.contains("/careers/postings/\(theirs.id.uuidString.lowercased())/candidates"))
            let candidates = try await client.execute(uri: "/careers/postings/\(ours.id.uuidString.lowercased())/candidates", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(candidates.status == .ok)
            #expect(candidates.text.contains("Ben Brown") && candidates.text.contains("ben@example.org"), "learner B chose to be seen")
            #expect(!candidates.text.contains("Ana Alvarez"), "learner A is not in a program Contoso hires from")
            #expect(candidates.text.contains("Programming"))
            let refused = try await client.execute(uri: "/careers/postings/\(theirs.id.uuidString.lowercased())/candidates", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(refused.status == .forbidden)
            let audited = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'view_candidates'").first()?.decode(column: "n", as: Int.self)
            #expect(audited == 1)
            // Learner B applies; the employer sees the application and records an interview; the learner sees it.
            let learnerB = try await WebTests.signIn(w, "learnerB", client: client)
            let portal = try await client.execute(uri: "/careers", method: .get, headers: [.cookie: "pw_session=\(learnerB)"])
            let learnerCSRF = try #require(WebTests.csrf(in: portal.text))
            _ = try await client.execute(uri: "/careers/postings/\(ours.id.uuidString.lowercased())/apply", method: .post,
                                         headers: [.cookie: "pw_session=\(learnerB)", .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "_csrf=\(learnerCSRF)"))
            let withApplicant = try await client.execute(uri: "/careers/postings/\(ours.id.uuidString.lowercased())/candidates", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            let application = try #require(withApplicant.text.range(of: "/careers/applications/").map { String(withApplicant.text[$0.upperBound...].prefix(36)) })
            let candidatesCSRF = try #require(WebTests.csrf(in: withApplicant.text))
            let updated = try await client.execute(uri: "/careers/applications/\(application)/status", method: .post,
                                                   headers: [.cookie: "pw_session=\(employer)", .contentType: "application/x-www-form-urlencoded"],
                                                   body: ByteBuffer(string: "_csrf=\(candidatesCSRF)&status=interviewing&interview_at=2026-12-15T14:30"))
            #expect(updated.status == .seeOther)
            let seen = try await client.execute(uri: "/careers", method: .get, headers: [.cookie: "pw_session=\(learnerB)"])
            #expect(seen.text.contains("<td>Interviewing</td><td>2026-12-15 14:30 UTC</td>"))

            // The employer enters a posting by hand; a bad field is named and nothing is saved.
            let postingsCSRF = try #require(WebTests.csrf(in: list.text))
            let form: HTTPFields = [.cookie: "pw_session=\(employer)", .contentType: "application/x-www-form-urlencoded"]
            let before = try await careers.postings().count
            let bad = try await client.execute(uri: "/careers/postings/new", method: .post, headers: form,
                                               body: ByteBuffer(string: "_csrf=\(postingsCSRF)&title=Support+Specialist&description=Help+customers&salary_min=lots"))
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("salary_min: ") && bad.text.contains("lots") && bad.text.contains("is not a number. Nothing was saved."))
            #expect(try await careers.postings().count == before)
            let entered = try await client.execute(uri: "/careers/postings/new", method: .post, headers: form,
                                                   body: ByteBuffer(string: "_csrf=\(postingsCSRF)&title=Support+Specialist&description=Help+customers.+No+degree+required.&education=no+requirements&remote=yes&salary_min=18&salary_max=22&salary_unit=HOUR"))
            #expect(entered.status == .ok)
            #expect(entered.text.contains("Support Specialist") && entered.text.contains(": 1 added, 0 updated; 1 no degree required."))
            let saved = try #require(try await careers.postings().first { $0.posting.title == "Support Specialist" })
            #expect(saved.employerID != nil && saved.posting.hiringOrganization == "Contoso Cloud" && saved.posting.remote && saved.degree.requirement == .noDegree)

            // A file an employer uploads is its own postings, whatever organisation the file names.
            let boundary = "pathways-test-boundary"
            let file = "{\"@type\": \"JobPosting\", \"title\": \"Data Analyst\", \"description\": \"SQL.\", \"hiringOrganization\": {\"name\": \"Someone Else Inc\"}}"
            let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(postingsCSRF)\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonld\"\r\nContent-Type: application/ld+json\r\n\r\n\(file)\r\n--\(boundary)--\r\n"
            let uploaded = try await client.execute(uri: "/careers/postings", method: .post,
                                                    headers: [.cookie: "pw_session=\(employer)", .contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: multipart))
            #expect(uploaded.status == .ok)
            let contosoID = try #require(try await careers.employer(key: "contoso")?.id)
            #expect(try await careers.postings().first { $0.posting.title == "Data Analyst" }?.employerID == contosoID)

            // Choosing not to be seen any more takes the learner off the list.
            try await careers.setGoals(learner: w.learnerIDs["B2"]!, goals: [], region: nil, shareWithEmployers: false)
            let after = try await client.execute(uri: "/careers/postings/\(ours.id.uuidString.lowercased())/candidates", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(!after.text.contains("Ben Brown"))
        }
    }

    static func multipart(csrf: String, fileName: String, _ file: String) -> (HTTPFields, ByteBuffer) {
        let boundary = "pathways-test-boundary"
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: application/ld+json\r\n\r\n\(file)\r\n--\(boundary)--\r\n"
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(string: body))
    }

    /// The takeover that worked: an employer account uploads a posting with another employer's identifier and name.
    /// It is refused naming the file and posting, the other employer's posting and its applicants stay as they were,
    /// and so does a posting no employer owns; the employer still updates its own.
    @Test(arguments: TestDatabase.allCases)
    func anEmployerCannotTakeOverAnotherEmployersPosting(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let careers = try await Self.twoEmployers(w)
            let ours = JobPosting(externalID: "C-1", title: "Junior Developer", description: "JavaScript.", hiringOrganization: "Contoso Cloud")
            let theirs = JobPosting(externalID: "O-1", title: "Analyst", description: "Statistics.", hiringOrganization: "Other Co")
            let nobodys = JobPosting(externalID: "N-1", title: "Clerk", description: "Filing.", hiringOrganization: "Board Co")
            _ = try await careers.store([(ours, "test")], writer: .administrator(employerKey: "contoso"))
            _ = try await careers.store([(theirs, "test")], writer: .administrator(employerKey: "other"))
            _ = try await careers.store([(nobodys, "test")])
            let otherID = try #require(try await careers.employer(key: "other")?.id)

            let employer = try await WebTests.signIn(w, "employer", client: client)
            let list = try await client.execute(uri: "/careers/postings", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            let csrf = try #require(WebTests.csrf(in: list.text))
            func upload(_ name: String, _ json: String) async throws -> TestResponse {
                var (headers, body) = Self.multipart(csrf: csrf, fileName: name, json)
                headers[.cookie] = "pw_session=\(employer)"
                return try await client.execute(uri: "/careers/postings", method: .post, headers: headers, body: body)
            }
            let takeover = try await upload("theirs.jsonld", #"{"@type": "JobPosting", "identifier": "O-1", "title": "Analyst (apply at attacker.example)", "description": "Send your CV elsewhere.", "hiringOrganization": {"name": "Other Co"}}"#)
            #expect(takeover.status == .unprocessableContent)
            #expect(takeover.text.contains("theirs.jsonld: posting &quot;Analyst (apply at attacker.example)&quot; (identifier O-1): it names Other Co, another employer partner"), "\(takeover.text.prefix(4000))")
            let stored = try #require(try await careers.posting(id: theirs.id))
            #expect(stored.posting.title == "Analyst" && stored.employerID == otherID)

            let ownerless = try await upload("board.jsonld", #"{"@type": "JobPosting", "identifier": "N-1", "title": "Clerk!", "description": "Mine now.", "hiringOrganization": {"name": "Board Co"}}"#)
            #expect(ownerless.status == .unprocessableContent)
            #expect(ownerless.text.contains("board.jsonld: posting &quot;Clerk!&quot; (identifier N-1): a posting with this identifier already exists and belongs to no employer partner"))
            let board = try #require(try await careers.posting(id: nobodys.id))
            #expect(board.posting.title == "Clerk" && board.employerID == nil)

            // Its own posting updates in place.
            let own = try await upload("ours.jsonld", #"{"@type": "JobPosting", "identifier": "C-1", "title": "Junior Developer II", "description": "JavaScript.", "hiringOrganization": {"name": "Contoso Cloud"}}"#)
            #expect(own.status == .ok && own.text.contains("0 added, 1 updated"))
            #expect(try await careers.posting(id: ours.id)?.posting.title == "Junior Developer II")
            // The other employer's candidates page stays closed to Contoso.
            let candidates = try await client.execute(uri: "/careers/postings/\(theirs.id.uuidString.lowercased())/candidates", method: .get, headers: [.cookie: "pw_session=\(employer)"])
            #expect(candidates.status == .forbidden)
        }
    }
}
