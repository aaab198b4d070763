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
        let admin = StudyAdministration(store: store, versions: VersionCache())
        let fieldwork = FieldworkRepository(store: store)
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
        for (wave, instrument, rates) in [(wave1, DemoInstruments.Wave.start, 0.30), (wave2, .end, 0.45)] {
            let frame = try await admin.computeFrame(study, wave, by: nil, now: wave.opensAt).counts
            _ = try await admin.launch(study, wave, by: nil, now: wave.opensAt)
            let completes = try await simulate(wave: wave, version: versions[instrument]!, responseRate: rates, rng: &rng, store: store, fieldwork: fieldwork)
            result.waves.append((wave.number, frame.cases, completes))
        }
        let frame3 = try await admin.computeFrame(study, wave3, by: nil, now: now).counts
        _ = try await admin.launch(study, wave3, by: nil, now: now)
        result.waves.append((3, frame3.cases, 0))
        try await codeComments(study: study, wave: wave2, version: versions[.end]!, store: store)
        return result
    }

    /// The seed study's themes as the demo's codebook, and wave 2's comments coded with the themes their words
    /// suggest, as a researcher accepting every suggestion would.
    static func codeComments(study: StudyRepository.Study, wave: StudyRepository.Wave, version: StudyRepository.InstrumentVersion, store: Store) async throws {
        let codebook = CodebookRepository(store: store)
        let themes = [
            Codebook.Theme(name: "AI-driven job displacement", description: "Fear that AI or automation will take over the work the program prepares for.",
                           keywords: ["AI", "automation", "automat", "replac"]),
            Codebook.Theme(name: "Degree as a barrier", description: "Employers still require a four-year degree.",
                           keywords: ["bachelor", "four-year degree", "degree", "screened out"]),
            Codebook.Theme(name: "Flexibility", description: "Self-paced, online study that fits around work and family.",
                           keywords: ["self-paced", "flexib", "at night", "around my job", "while working"]),
            Codebook.Theme(name: "Need for career support", description: "Help finding relevant jobs, coaching, events.",
                           keywords: ["job board", "career coach", "mentor", "workshop", "interview day", "finding jobs"]),
        ]
        for theme in themes { try await codebook.save(theme, study: study) }
        var tags: [Int64: Set<UUID>] = [:]
        for answer in try await codebook.answers(wave: wave.id, item: "comments", version: version) {
            let suggested = Set(Codebook.suggest(answer.text, themes: themes).map(\.theme))
            if !suggested.isEmpty { tags[answer.caseID] = suggested }
        }
        try await codebook.setTags(tags, wave: wave.id, item: "comments", version: version, study: study, by: nil)
    }

    /// Invites every case with two reminders, then has some answer fully, some partly, some open and leave, some opt
    /// out and some bounce; the rest never answer.
    static func simulate(wave: StudyRepository.Wave, version: StudyRepository.InstrumentVersion, responseRate: Double,
                         rng: inout SeededRandom, store: Store, fieldwork: FieldworkRepository) async throws -> Int {
        try await fieldwork.recordInvited(wave: wave.id, at: wave.opensAt, reminders: 2,
                                          lastMessageAt: CalendarDay.adding(days: wave.reminderDays.last ?? 0, to: wave.opensAt))
        let cases = try await fieldwork.cases(wave: wave.id)
        var completes = 0
        for c in cases {
            let at = CalendarDay.adding(days: Int(rng.next() % 30), to: wave.opensAt).addingTimeInterval(Double(rng.next() % 80_000))
            let r = Double.random(in: 0..<1, using: &rng)
            if r < responseRate {
                let run = SimulatedRespondent.answer(version.form, rng: &rng, today: at)
                let finished = run.remainingErrors().isEmpty
                _ = try await fieldwork.save(c, answers: run.answers, version: version,
                                             progress: .init(currentPage: nil, answeredShare: run.answeredShare, disposition: finished ? .complete : nil), now: at)
                if finished { completes += 1 }
            } else if r < responseRate + 0.03 {
                let run = SimulatedRespondent.answer(version.form, rng: &rng, today: at, stopAfterPages: 1 + Int(rng.next() % 2))
                _ = try await fieldwork.save(c, answers: run.answers, version: version,
                                             progress: .init(currentPage: 1, answeredShare: run.answeredShare), now: at)
            } else if r < responseRate + 0.06 {
                try await fieldwork.markOpened(c, now: at)
            } else if r < responseRate + 0.08 {
                try await fieldwork.optOut(c, now: at)
            } else if r < responseRate + 0.11 {
                try await fieldwork.markUndeliverable(caseID: c.id)
            }
        }
        return completes
    }
}
