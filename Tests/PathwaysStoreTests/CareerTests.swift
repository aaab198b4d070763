import Foundation
import PathwaysCore
@testable import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

@Suite struct CareerStoreTests {
    static let page = """
        <html><head><script type="application/ld+json">
        {"@context": "https://schema.org/", "@type": "JobPosting", "title": "Junior Web Developer",
         "description": "<p>Build pages in JavaScript, HTML and CSS. No degree required.</p>",
         "identifier": {"@type": "PropertyValue", "name": "Contoso", "value": "WEB-1"},
         "hiringOrganization": {"@type": "Organization", "name": "Contoso Cloud"}, "datePosted": "2026-11-01", "validThrough": "2027-02-01",
         "employmentType": "FULL_TIME", "skills": "JavaScript, HTML, CSS, Git",
         "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Columbus", "addressRegion": "OH", "addressCountry": "US"}}}
        </script></head></html>
        """
    static let graph = """
        {"@context": "https://schema.org", "@graph": [{"@type": "Organization", "name": "Tailspin"},
         {"@type": "JobPosting", "@id": "https://jobs.example/77", "title": "Data Analyst", "description": "SQL and Tableau. Bachelor's degree required.",
          "hiringOrganization": {"@type": "Organization", "name": "Tailspin Analytics"}, "datePosted": "2026-10-20",
          "baseSalary": {"@type": "MonetaryAmount", "currency": "USD", "value": {"@type": "QuantitativeValue", "minValue": 60000, "maxValue": 70000, "unitText": "YEAR"}}}]}
        """

    @Test(arguments: TestDatabase.allCases)
    func postingsImportOnceAndABadFileStoresNothing(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let repo = CareerRepository(store: store)
            let now = ISODate.parse("2026-11-15")!
            let first = try await repo.importPostings([(Data(Self.page.utf8), "web.html"), (Data(Self.graph.utf8), "data.jsonld")], now: now)
            #expect(first.added == 2 && first.updated == 0)
            #expect(first.byRequirement == [.noDegree: 1, .bachelors: 1])
            let again = try await repo.importPostings([(Data(Self.page.utf8), "web.html"), (Data(Self.graph.utf8), "data.jsonld")], now: now)
            #expect(again.added == 0 && again.updated == 2, "the same postings are updated, not copied")
            let bare = Data(#"{"@type": "JobPosting", "title": "Night Porter", "description": "Nights.", "hiringOrganization": "Tailspin Analytics", "datePosted": "2026-10-21"}"#.utf8)
            let bareFirst = try await repo.importPostings([(bare, "bare.json")], now: now)
            let bareAgain = try await repo.importPostings([(bare, "bare.json")], now: now)
            #expect(bareFirst.added == 1 && bareAgain.added == 0 && bareAgain.updated == 1, "a posting without identifier or url is known again by its content")
            // A good file and a broken one: the broken one is named and nothing is stored.
            let broken = Data(#"{"@type": "JobPosting", "title": "X", "description": "d", "datePosted": "soon"}"#.utf8)
            let extra = Self.page.replacingOccurrences(of: "WEB-1", with: "WEB-2")
            await #expect(throws: JobPostingImportError(file: "bad.json", path: "JobPosting.datePosted", message: "datePosted must be an ISO 8601 date, not \"soon\"")) {
                try await repo.importPostings([(Data(extra.utf8), "web2.html"), (broken, "bad.json")], now: now)
            }
            let stored = try await repo.postings(openOn: now)
            #expect(stored.count == 3)
            let web = try #require(stored.first { $0.posting.title == "Junior Web Developer" })
            #expect(web.posting.skills.map(\.name) == ["JavaScript", "HTML", "CSS", "Git"])
            #expect(web.degree.requirement == .noDegree && web.degree.reason.contains("No degree required"))
            #expect(web.source == "web.html")
            let analyst = try #require(stored.first { $0.posting.title == "Data Analyst" })
            #expect(analyst.posting.salary == Salary(currency: "USD", minValue: 60_000, maxValue: 70_000, unit: "YEAR"))
            // Closed postings are not offered.
            #expect(try await repo.postings(openOn: ISODate.parse("2027-03-01")!).map(\.posting.title) == ["Night Porter", "Data Analyst"])
        }
    }


    /// An interview day for the full-stack program in the US reaches exactly those learners, except the ones the
    /// contact cap holds back; RSVPs fill the places, then the waitlist, which moves up on a cancellation.
    @Test(arguments: TestDatabase.allCases)
    func anInterviewDayReachesExactlyItsAudienceWithinTheContactCap(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let demo = DemoInitiative(seed: 4, microBachelorsLearners: 120, universityLearners: 20)
            _ = try await DemoLoader.load(demo, into: store)
            let now = ISODate.parse("2026-11-15")!
            _ = try await CareerRepository(store: store).saveEmployer(key: "contoso", name: "Contoso Cloud", programKeys: ["mb-full-stack-development"], now: now)
            let events = CareerEventRepository(store: store)
            let event = try await events.create(kind: .interviewDay, title: "Contoso junior developer interviews", description: "Bring a project to talk about.",
                                                employerKey: "contoso", startsAt: now.addingTimeInterval(14 * 86_400), endsAt: now.addingTimeInterval(14 * 86_400 + 4 * 3600),
                                                location: "Columbus, OH", capacity: 2, targets: [.program(key: "mb-full-stack-development"), .region("US")], now: now)
            let fullStack = try #require(demo.programs.first { $0.key == "mb-full-stack-development" })
            let enrolled = Set(demo.enrollments.filter { $0.programID == fullStack.id }.map(\.learnerID))
            let expected = Set(demo.learners.filter { enrolled.contains($0.id) && $0.profile.country == "US" && $0.email != nil }.map(\.id))
            #expect(expected.count >= 4, "the demo has full-stack learners in the US")
            #expect(Set(try await events.audience(event)) == expected)

            // Two of them already had a message this month; the cap allows one in 30 days.
            try await OutboxRepository(store: store).setContactCap(.init(messages: 1, days: 30))
            let capped = Array(expected.sorted { $0.uuidString < $1.uuidString }.prefix(2))
            for learner in capped {
                try await store.sql.raw("""
                    INSERT INTO outbox (learner_id, to_address, kind, subject, body, status, attempts, created_at)
                    VALUES (\(bind: learner), 'x@example.org', 'invitation', 'Survey', 'Body', 'sent', 1, \(bind: now.addingTimeInterval(-5 * 86_400)))
                    """).run()
            }
            let report = try await events.invite(event, baseURL: "https://pathways.example", now: now)
            #expect(report == .init(invited: expected.count - 2, heldByCap: 2, alreadyInvited: 0, welcomed: expected.count - 2), "none of them has an account")
            let reached = Set(try await store.sql.raw("SELECT learner_id FROM outbox WHERE kind = 'event'").all().map { try $0.decode(column: "learner_id", as: UUID.self) })
            #expect(reached == expected.subtracting(capped), "exactly the audience, less those the cap holds back")
            let body = try #require(try await store.sql.raw("SELECT body FROM outbox WHERE kind = 'event'").first()?.decode(column: "body", as: String.self))
            #expect(body.contains("https://pathways.example/careers/events/\(event.id.uuidString.lowercased())"))
            #expect(try await events.invite(event, baseURL: "https://pathways.example", now: now) == .init(invited: 0, heldByCap: 2, alreadyInvited: expected.count - 2))
            // Once the month has passed, the held ones are invited.
            let later = try await events.invite(event, baseURL: "https://pathways.example", now: now.addingTimeInterval(31 * 86_400))
            #expect(later.invited == 2 && later.heldByCap == 0)

            // Two places: the third reply waits, and moves up when someone cancels.
            let people = expected.sorted { $0.uuidString < $1.uuidString }
            #expect(try await events.rsvp(event: event, learner: people[0], now: now) == .going)
            #expect(try await events.rsvp(event: event, learner: people[1], now: now.addingTimeInterval(1)) == .going)
            #expect(try await events.rsvp(event: event, learner: people[2], now: now.addingTimeInterval(2)) == .waitlisted)
            #expect(try await events.rsvp(event: event, learner: people[0], now: now.addingTimeInterval(3)) == .going, "replying twice keeps the place")
            #expect(try await events.cancel(event: event, learner: people[0], now: now.addingTimeInterval(4)) == people[2])
            #expect(try await events.replies(event: event.id).filter { $0.status == .going }.map(\.learner).sorted { $0.uuidString < $1.uuidString }
                    == [people[1], people[2]].sorted { $0.uuidString < $1.uuidString })
            // Withdrawing from research takes a learner out of the audience and removes their replies and goals.
            try await CareerRepository(store: store).setGoals(learner: people[1], goals: ["Web developer"], region: "OH", now: now)
            _ = try await PrivacyRepository(store: store).withdraw(learner: people[1], by: nil, via: "test")
            #expect(try await events.replies(event: event.id).contains { $0.learner == people[1] } == false)
            #expect(try await CareerRepository(store: store).goals(learner: people[1]).goals.isEmpty)
            #expect(try await events.audience(event).contains(people[1]) == false)
            let outsider = try #require(demo.learners.first { !expected.contains($0.id) })
            await #expect(throws: StoreError.self) { try await events.rsvp(event: event, learner: outsider.id, now: now) }

            let ics = CareerEventRepository.ics(event, organizer: "Contoso Cloud, via Pathways", url: "https://pathways.example/careers/events/x", now: now)
            #expect(ics.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
            #expect(ics.contains("DTSTART:20261129T000000Z\r\n") && ics.contains("DTEND:20261129T040000Z\r\n"))
            #expect(ics.contains("ORGANIZER;CN=Contoso Cloud\\, via Pathways:"))
            #expect(ics.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        }
    }

    /// Outcomes per program at 3, 6 and 12 months after completion: jobs counted in their window only, the median
    /// salary only from five reports up.
    @Test(arguments: TestDatabase.allCases)
    func outcomeProfilesCountJobsWithinMonthsOfCompletion(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let demo = DemoInitiative(seed: 8, microBachelorsLearners: 400, universityLearners: 10)
            _ = try await DemoLoader.load(demo, into: store)
            let repo = CareerRepository(store: store)
            let program = try #require(demo.programs.first { p in demo.enrollments.filter { $0.programID == p.id && $0.completedAt != nil }.count >= 7 })
            let completers = demo.enrollments.filter { $0.programID == program.id && $0.completedAt != nil }
            func month(_ n: Int, after date: Date) -> Date { Calendar(identifier: .gregorian).date(byAdding: .month, value: n, to: date)! }
            var outcomes: [CareerRepository.NewOutcome] = []
            for (i, c) in completers.prefix(5).enumerated() {
                outcomes.append(.init(learner: c.learnerID, kind: .newJob, occurredOn: month(2, after: c.completedAt!), annualSalary: Double(40_000 + 10_000 * i), noDegreeRole: i < 2, source: "test"))
            }
            outcomes.append(.init(learner: completers[5].learnerID, kind: .promotion, occurredOn: month(8, after: completers[5].completedAt!), source: "test"))
            outcomes.append(.init(learner: completers[6].learnerID, kind: .newJob, occurredOn: month(-1, after: completers[6].completedAt!), source: "test"))
            outcomes.append(.init(learner: completers[6].learnerID, kind: .raise, occurredOn: month(1, after: completers[6].completedAt!), source: "test"))
            try await repo.recordOutcomes(outcomes)
            let profiles = try await repo.outcomeProfiles(asOf: month(13, after: completers.map { $0.completedAt! }.max()!)).filter { $0.programKey == program.key }
            #expect(profiles.map(\.postReceiptMonths) == [3, 6, 12])
            #expect(profiles.allSatisfy { $0.numberAwarded == completers.count })
            #expect(profiles.map(\.jobsObtained) == [5, 5, 6], "a job before completion and a raise are not jobs obtained")
            #expect(profiles[0].noDegreeRoles == 2)
            #expect(profiles[0].medianEarnings == 60_000 && profiles[0].earningsReported == 5)
            let ctdl = profiles[2].ctdl
            #expect(ctdl["@type"] as? String == "ceterms:AggregateDataProfile" && ctdl["ceterms:postReceiptMonths"] as? Int == 12)
            // With fewer than five salaries the median is withheld.
            try await store.sql.raw("DELETE FROM career_outcomes WHERE annual_salary = 80000").run()
            let fewer = try await repo.outcomeProfiles(asOf: month(13, after: completers.map { $0.completedAt! }.max()!)).first { $0.programKey == program.key }
            #expect(fewer?.medianEarnings == nil && fewer?.earningsReported == 4)
        }
    }

    /// Outcomes from survey answers: each submitted case whose chosen options map to an outcome gets one, dated at
    /// submission with the sector and income answers; running it again adds nothing.
    @Test(arguments: TestDatabase.allCases)
    func surveyAnswersBecomeOutcomesOnce(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let (_, _, study) = try await StudyTests.demo(store)
            let repo = CareerRepository(store: store)
            // The end-of-program survey's benefits question has no job outcomes; map one of its choices to test the mechanics.
            let mapping = CareerRepository.SurveyOutcomeMapping(item: "benefits", choices: ["job_performance": .promotion, "application_other_employer": .newJob],
                                                                sectorItem: nil, incomeItem: nil)
            let expected = try await store.sql.raw("""
                SELECT rv.value FROM response_values rv JOIN wave_cases c ON c.id = rv.case_id JOIN waves w ON w.id = c.wave_id JOIN study_items si ON si.id = rv.item_id
                WHERE w.study_id = \(bind: study.id) AND si.item_key = 'benefits' AND c.submitted_at IS NOT NULL
                """).all().map { try $0.decode(column: "value", as: String.self).split(separator: " ") }
                .reduce(0) { n, chosen in n + (chosen.contains("job_performance") ? 1 : 0) + (chosen.contains("application_other_employer") ? 1 : 0) }
            #expect(expected > 0, "the demo's answers choose these options")
            #expect(try await repo.outcomesFromSurvey(study: study.id, mapping: mapping) == expected)
            #expect(try await repo.outcomesFromSurvey(study: study.id, mapping: mapping) == 0, "running again adds nothing")
            let rows = try await store.sql.raw("SELECT kind, source FROM career_outcomes").all()
            #expect(rows.count == expected)
            #expect(try rows.allSatisfy { try $0.decode(column: "source", as: String.self).hasPrefix("survey case ") })
        }
    }
}
