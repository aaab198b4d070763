import Foundation
import PathwaysCore
import PathwaysStore

/// The demo's three-wave study over the demo initiative: waves 1 (start of program) and 2 (end of program) already
/// fielded, with simulated respondents whose every answer passed the forms' checks; wave 3 (a year or more after
/// completion, with record-checked screening) open now, its frame computed, its invitations due.
public enum DemoStudy {
    public static let key = "credential-outcomes"

    public struct Result: Sendable {
        public var waves: [(number: Int, frame: Int, completes: Int)]
        public var text: String {
            "Demo study '\(key)': " + waves.map { "wave \($0.number) frame \($0.frame), \($0.completes) complete" }.joined(separator: "; ")
        }
    }

    public static func load(into store: Store, asOf: Date = DemoInitiative.defaultAsOf, now: Date = Date(),
                            seed: UInt64 = DemoInitiative.defaultSeed) async throws -> Result {
        let app = UseCases(store: store)
        let admin = app.studies
        guard try await admin.all().contains(where: { $0.key == key }) == false else { throw StoreError.conflict("the demo study already exists") }
        let study = try await admin.create(.init(
            key: key, title: "Credential outcomes panel",
            description: "Follows credential learners at the start of their program, at its end, and a year or more after completing it.",
            eligibilitySource: .record), by: nil)
        var versions: [DemoInstruments.Wave: StudyRepository.InstrumentVersion] = [:]
        for w in DemoInstruments.Wave.allCases {
            let form = try DemoInstruments.form(w)
            versions[w] = try await admin.upload(study: study, key: w.rawValue, title: form.title, workbook: try form.xlsx(), fileName: "\(w.rawValue).xlsx",
                                                 renames: nil, note: nil, by: nil).version
        }
        let body = """
            Dear {{first_name}},

            You are part of the {{study}}, which follows people who took {{program}} to learn what the credential does for their work and studies. \
            This wave ({{wave}}) takes about 8 minutes. Your answers are confidential and reported only in aggregate.

            Take the survey: {{survey_link}}

            Thank you,
            The Pathways research team

            To stop receiving messages about this study: {{opt_out_link}}
            """
        let w1Opens = CalendarDay.adding(months: -24, to: asOf)
        let w2Opens = CalendarDay.adding(months: -12, to: asOf)
        // The rules as a researcher writes them on the wave form.
        let wave1 = try await admin.createWave(study, .init(
            number: 1, title: "Beginning of program", instrumentVersionID: versions[.start]!.id, opensAt: w1Opens,
            closesAt: CalendarDay.adding(days: 90, to: w1Opens), frameRule: try FrameRule(text: "enrolled in a program"), reminderDays: [7, 14],
            messageSubject: "Your program: a 5-minute survey", messageBody: body), by: nil)
        let wave2 = try await admin.createWave(study, .init(
            number: 2, title: "End of program", instrumentVersionID: versions[.end]!.id, opensAt: w2Opens,
            closesAt: CalendarDay.adding(days: 90, to: w2Opens), frameRule: try FrameRule(text: "answered wave 1"), reminderDays: [7, 14],
            messageSubject: "You reached the end of {{program}}: tell us how it went", messageBody: body), by: nil)
        let wave3 = try await admin.createWave(study, .init(
            number: 3, title: "One year or more after completion", instrumentVersionID: versions[.followup]!.id,
            opensAt: now.addingTimeInterval(-3600), closesAt: CalendarDay.adding(days: 60, to: now),
            frameRule: try FrameRule(text: "(answered wave 1 or answered wave 2) and completed a program at least 12 months before this wave opens"),
            reminderDays: [7, 14], screenItem: "eligible", eligibilityMonths: 12,
            messageSubject: "A year on: has {{program}} made a difference?", messageBody: body), by: nil)

        var rng = SeededRandom(seed: seed &+ 3)
        var result = Result(waves: [])
        for (wave, rate) in [(wave1, 0.30), (wave2, 0.45)] {
            let frame = try await admin.computeFrame(study, wave, by: nil, now: wave.opensAt).counts
            let launched = try await admin.launch(study, wave, by: nil, now: wave.opensAt)
            let completes = try await field(launched, responseRate: rate, rng: &rng, app: app)
            _ = try await admin.close(study, launched, by: nil, now: wave.closesAt)
            result.waves.append((wave.number, frame.cases, completes))
        }
        let frame3 = try await admin.computeFrame(study, wave3, by: nil, now: now).counts
        _ = try await admin.launch(study, wave3, by: nil, now: now)
        result.waves.append((3, frame3.cases, 0))
        try await codeComments(study: study, wave: wave2, app: app)
        return result
    }

    /// The seed study's themes as the demo's codebook, and wave 2's comments coded with the themes their words
    /// suggest, as a researcher accepting every suggestion would.
    static func codeComments(study: Study, wave: Wave, app: UseCases) async throws {
        let themes: [(name: String, description: String, keywords: [String])] = [
            ("AI-driven job displacement", "Fear that AI or automation will take over the work the program prepares for.", ["AI", "automation", "automat", "replac"]),
            ("Degree as a barrier", "Employers still require a four-year degree.", ["bachelor", "four-year degree", "degree", "screened out"]),
            ("Flexibility", "Self-paced, online study that fits around work and family.", ["self-paced", "flexib", "at night", "around my job", "while working"]),
            ("Need for career support", "Help finding relevant jobs, coaching, events.",
             ["job board", "career coach", "mentor", "workshop", "interview day", "finding jobs"]),
        ]
        for t in themes {
            try await app.coding.saveTheme(id: nil, name: t.name, description: t.description, keywords: t.keywords.joined(separator: ", "), study: study, by: nil)
        }
        try await app.coding.acceptAllSuggestions(try await app.coding.question(study, wave: wave.number, item: "comments"), by: nil)
    }

    /// Where a respondent who leaves stops: after a page or two, leaving the next one unanswered, or on the last page,
    /// answering about `keep` of it and choosing "Save and finish later" without ever coming back. Which of these is a
    /// partial and which a break-off is the study's answered-share line, as for a real respondent.
    enum Stop { case after(pages: Int), laterOnLastPage(keep: Double) }

    enum Fate {
        case complete, partial(Stop), openOnly, optOut, bounce, silent
    }

    /// Fields a past wave as the server would have: the planner writes the invitations the day the wave opens and the
    /// reminders on their days, a sender delivers them (a few addresses bounce), and the simulated respondents answer from
    /// their links through `SurveyTaking`, page by page, on the day they chose — some fully, some partly, some open the
    /// link and leave, some opt out; the rest never answer. Every answer stored passed the page's checks.
    static func field(_ wave: Wave, responseRate: Double, rng: inout SeededRandom, app: UseCases) async throws -> Int {
        struct Action { var at: Date; var token: String; var fate: Fate }
        var actions: [Action] = []
        let worker = "demo fieldwork"
        _ = try await app.fieldwork.plan(now: wave.opensAt)
        _ = try await app.fieldwork.deliver(worker: worker, now: wave.opensAt) { message in
            guard let token = message.linkToken else { return .sent }
            let r = Double.random(in: 0..<1, using: &rng)
            let fate: Fate = r < responseRate ? .complete : r < responseRate + 0.06 ? .partial(rng.chance(0.6) ? .laterOnLastPage(keep: 0.75) : rng.chance(0.5) ? .laterOnLastPage(keep: 0.25) : .after(pages: 1 + Int(rng.next() % 2)))
                : r < responseRate + 0.09 ? .openOnly : r < responseRate + 0.11 ? .optOut : r < responseRate + 0.14 ? .bounce : .silent
            if case .bounce = fate { return .failed("550 5.1.1 mailbox unavailable", permanent: true) }
            if case .silent = fate { return .sent }
            // As real panels answer: most within a day or two of the invitation, the rest after a reminder, each
            // contact drawing fewer (half the one before), waits of a mean 1.5 days; all within the first 30 days.
            // (One draw gives both the contact and the wait, so every other draw of the demo stays as it was.)
            let contacts = [0] + wave.reminderDays.sorted()
            let bits = rng.next()
            var pick = Double(bits & 0xFFFF_FFFF) / 4_294_967_296 * (2 - pow(0.5, Double(contacts.count - 1)))
            var contact = 0
            while contact < contacts.count - 1 && pick >= pow(0.5, Double(contact)) { pick -= pow(0.5, Double(contact)); contact += 1 }
            let wait = -log(1 - min(Double(bits >> 32) / 4_294_967_296, 0.999)) * 1.5
            let day = min(contacts[contact] + Int(wait), 29)
            let at = CalendarDay.adding(days: day, to: wave.opensAt).addingTimeInterval(Double(rng.next() % 80_000))
            actions.append(Action(at: at, token: token, fate: fate))
            return .sent
        }
        actions.sort { $0.at < $1.at }
        var reminders = wave.reminderDays.sorted().map { CalendarDay.adding(days: $0, to: wave.opensAt) }
        var completes = 0
        for action in actions {
            // Reminders go out on their day to whoever has not answered by then.
            while let day = reminders.first, day <= action.at {
                reminders.removeFirst()
                _ = try await app.fieldwork.plan(now: day)
                _ = try await app.fieldwork.deliver(worker: worker, now: day) { _ in .sent }
            }
            switch action.fate {
            case .complete: if try await respond(action.token, at: action.at, stop: nil, rng: &rng, surveys: app.surveys) { completes += 1 }
            case .partial(let stop): if try await respond(action.token, at: action.at, stop: stop, rng: &rng, surveys: app.surveys) { completes += 1 }
            case .openOnly: _ = try await app.surveys.open(token: action.token, now: action.at)
            case .optOut: try await app.surveys.optOut(token: action.token, now: action.at)
            case .bounce, .silent: break
            }
        }
        for day in reminders {
            _ = try await app.fieldwork.plan(now: day)
            _ = try await app.fieldwork.deliver(worker: worker, now: day) { _ in .sent }
        }
        return completes
    }

    /// A respondent at their link: opens it, fills in the page it shows, submits, and goes on from where the server
    /// sends them, until the survey is done or they stop where `stop` says. True when the case ended complete.
    static func respond(_ token: String, at start: Date, stop: Stop?, rng: inout SeededRandom, surveys: SurveyTaking) async throws -> Bool {
        var at = start
        var done = 0
        while true {
            let (link, opened) = try await surveys.open(token: token, now: at)
            guard case .page(let run, let index) = opened else {
                if case .finished(.submitted) = opened { return true }
                return false
            }
            if case .after(let pages) = stop, done >= pages { return false }
            var accepted = false
            for _ in 0..<6 where !accepted {
                var values = SimulatedRespondent.values(run, page: index, rng: &rng, today: at)
                values["page"] = [String(index)]
                values["revision"] = [String(link.case.revision)]
                // Which page is last shows once its answers are in: later pages' relevance may hang on them.
                var after = run
                after.submitUnchecked(page: index, values: values)
                if case .laterOnLastPage(let keep) = stop, after.nextPage(after: index) == nil {
                    let names = values.keys.filter { $0 != "page" && $0 != "revision" }.sorted()
                    for name in names where !rng.chance(keep) { values[name] = nil }
                    values["action"] = ["later"]
                    _ = try await surveys.submit(token: token, values: values, now: at)
                    return false
                }
                if case .saved(stale: false) = try await surveys.submit(token: token, values: values, now: at).1 { accepted = true }
            }
            guard accepted else { return false }
            done += 1
            at.addTimeInterval(Double(30 + rng.next() % 150))
        }
    }
}
