import Foundation
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Fills an empty database with the demo initiative and one account per role, with random passwords.
public enum DemoSetup {
    /// What the demo's files held.
    public struct Counts: Sendable, Equatable {
        public var providers, programs, courses, learners, enrollments, completions: Int
    }

    public struct Result: Sendable {
        public var counts: Counts
        public var accounts: [(role: Role, email: String, password: String, note: String)]
        public var study: DemoStudy.Result
        public var credentialsIssued: Int
        public var careers = ""

        /// What to print, once: how to sign in as each role.
        public var text: String {
            var lines = [
                "Demo initiative loaded: \(counts.providers) providers, \(counts.programs) programs, \(counts.courses) courses, "
                    + "\(counts.learners) learners, \(counts.enrollments) enrollments, \(counts.completions) program completions.",
                study.text,
                "\(credentialsIssued) Open Badges 3.0 credentials issued for completed programs and MicroBachelors courses (verify one at /verify).",
                careers,
                "Sign in with these accounts (the passwords are shown only now):",
            ]
            for a in accounts {
                lines.append("  \(a.role.label.padding(toLength: 16, withPad: " ", startingAt: 0)) \(a.email)  \(a.password)  \(a.note)")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Where the demo's completers get their credentials: the key file's keyring and the server's public URL.
    public struct Issuing: Sendable {
        public var keyring: CredentialKeyring
        public var publicURL: String
        public var issuerName: String
        public init(keyring: CredentialKeyring, publicURL: String, issuerName: String = "Pathways") {
            self.keyring = keyring
            self.publicURL = publicURL
            self.issuerName = issuerName
        }
    }

    public static func run(store: Store, passwords: Passwords, seed: UInt64 = DemoInitiative.defaultSeed, issuing: Issuing? = nil) async throws -> Result {
        let (demo, counts) = try await importInitiative(DemoInitiative(seed: seed), into: store)
        let provisioning = AccountProvisioning(store: store, passwords: passwords)
        // The learner account belongs to a MicroBachelors completer, so its record shows credit and transfer.
        let mbPrograms = Set(demo.programs.filter { $0.kind == .microBachelors }.map(\.id))
        let completer = demo.enrollments.first { mbPrograms.contains($0.programID) && $0.completedAt != nil }
        let learnerKey = demo.learners.first { $0.id == completer?.learnerID }?.key ?? demo.learners[0].key
        let staffPrograms = ["mb-statistics-fundamentals", "mb-math-statistics-fundamentals"]
        let plan: [(Role, String, String?, [String], String)] = [
            (.admin, "admin@pathways.example", nil, [], "everything"),
            (.researcher, "researcher@pathways.example", nil, [], "all learners, without names or emails"),
            (.programStaff, "staff@pathways.example", nil, staffPrograms, "the two LSE MicroBachelors programs"),
            (.employer, "employer@pathways.example", nil, [], "Contoso Cloud: its postings and their candidates"),
            (.learner, "learner@pathways.example", learnerKey, [], "learner \(learnerKey)'s own record"),
        ]
        var accounts: [(Role, String, String, String)] = []
        for (role, email, learner, programs, note) in plan {
            let created = try await provisioning.create(email: email, role: role, learnerKey: learner, programKeys: programs)
            accounts.append((role, email, created.generatedPassword ?? "", note))
        }
        let study = try await DemoStudy.load(into: store, seed: seed)
        var issued = 0
        if let issuing {
            // MicroBachelors courses each carry a certificate of their own (`pathways course-credentials PROGRAM on`);
            // the other programs credential the whole.
            let catalog = CatalogAdministration(store: store)
            for p in demo.programs where p.kind == .microBachelors { try await catalog.setCourseCredentials(program: p.key, true, by: .commandLine) }
            issued = try await CredentialIssuing(store: store, keyring: issuing.keyring, publicURL: issuing.publicURL, issuerName: issuing.issuerName)
                .issueForCompletions()
        }
        var result = Result(counts: counts, accounts: accounts, study: study, credentialsIssued: issued)
        result.careers = try await careers(store: store, demo: demo, seed: seed)
        return result
    }

    /// Loads the initiative as a person loads theirs: its CSV files through the import (`pathways import`, the
    /// Imports page, `POST /api/v1/imports/{kind}`), each checked whole and written by the import's rules. Refused
    /// when the catalog already has programs, so real data is never mixed with it. Returns the initiative with the
    /// stored ids.
    static func importInitiative(_ demo: DemoInitiative, into store: Store) async throws -> (DemoInitiative, Counts) {
        let catalog = CatalogRepository(store: store)
        let existing = try await catalog.programs().count
        guard existing == 0 else { throw StoreError.conflict("the database already has \(existing) programs; the demo loads only into an empty one") }
        let imports = DataImports(store: store, issuing: nil)
        for (kind, text) in demo.importFiles() {
            let outcome = try await imports.importFile(kind: kind, name: "demo \(kind.rawValue).csv", bytes: Array(text.utf8), by: .commandLine, inBackground: false)
            guard case .finished(let report) = outcome else { throw StoreError.invalid("the demo's \(kind.rawValue) file was not written at once") }
            guard report.applied else { throw StoreError.invalid("the demo's \(kind.rawValue) file was refused: \(report.text)") }
        }
        let learners = try await LearnerRepository(store: store).identify(keys: demo.learners.map(\.key), byEmail: false).mapValues(\.id)
        var programs: [String: UUID] = [:]
        for p in demo.programs { programs[p.key] = try await catalog.program(key: p.key)?.id }
        let stored = demo.withStoredIDs(learners: learners, programs: programs)
        return (stored, Counts(providers: demo.providers.count, programs: demo.programs.count, courses: demo.courses.count,
                                          learners: demo.learners.count, enrollments: demo.enrollments.count,
                                          completions: demo.enrollments.filter { $0.completedAt != nil }.count))
    }

    /// A demo learner signed in to their own portal (the demo's learners have no accounts; they act as theirs would).
    static func asLearner(_ learner: UUID) -> Principal {
        Principal(userID: learner, email: "demo learner \(learner)", role: .learner, learnerID: learner)
    }

    /// Career support: two employer partners, a job board open today, an interview day for the full-stack program
    /// and a workshop for statistics learners in the US, and the follow-up survey's reported outcomes.
    static func careers(store: Store, demo: DemoInitiative, seed: UInt64, now: Date = Date()) async throws -> String {
        // Partners and events made as an administrator makes them, through the same use cases as the pages.
        let catalog = CatalogAdministration(store: store)
        let employerAccount = try await AccountRepository(store: store).account(email: "employer@pathways.example") != nil ? "employer@pathways.example" : nil
        try await catalog.saveEmployer(.init(key: "contoso-cloud", name: "Contoso Cloud", website: "https://contosocloud.example",
                                             description: "Cloud services; hires junior developers from skills-based programs.",
                                             programs: "mb-full-stack-development", accounts: employerAccount), by: .commandLine)
        try await catalog.saveEmployer(.init(key: "tailspin-analytics", name: "Tailspin Analytics", website: "https://tailspin.example",
                                             description: "Analytics consultancy.", programs: "mb-statistics-fundamentals, mm-data-science"), by: .commandLine)
        // The board as two JSON-LD files, imported as `pathways import-jobs` imports them: a job board's, and Contoso
        // Cloud's careers page filed under its partner.
        let postings = DemoJobBoard.postings(count: 1_500, seed: seed, now: now)
        let jobs = JobBoard(store: store)
        var board = try await jobs.importPostings([(JobPostingWriter.document(postings.filter { $0.hiringOrganization != "Contoso Cloud" }), "demo-job-board.jsonld")],
                                                  by: .commandLine, now: now)
        let contoso = try await jobs.importPostings([(JobPostingWriter.document(postings.filter { $0.hiringOrganization == "Contoso Cloud" }), "contoso-cloud-careers.jsonld")],
                                                    employerKey: "contoso-cloud", by: .commandLine, now: now)
        board.added += contoso.added
        for (r, n) in contoso.byRequirement { board.byRequirement[r, default: 0] += n }
        // A third of the full-stack learners, in their career portal, let employer partners see them.
        let portal = CareerPortal(store: store)
        var rng = SeededRandom(seed: seed &+ 7)
        if let fullStack = demo.programs.first(where: { $0.key == "mb-full-stack-development" }) {
            for e in demo.enrollments where e.programID == fullStack.id && rng.chance(0.33) {
                try await portal.setGoals("Junior Web Developer", region: nil, shareWithEmployers: true, by: asLearner(e.learnerID), now: now)
            }
        }
        let organise = CareerEvents(store: store, matching: CareerMatching(store: store))
        let day: TimeInterval = 86_400
        let start = Calendar(identifier: .gregorian).startOfDay(for: now).addingTimeInterval(21 * day + 15 * 3600)
        func local(_ d: Date) -> String { EventInput.local(d, in: .gmt) }
        let interview = try await organise.create(EventInput(
            kind: "interview_day", title: "Contoso Cloud junior developer interviews",
            description: "Fifteen-minute interviews with Contoso Cloud's engineering teams for junior developer roles that require no degree. Bring a project you built.",
            starts: local(start), ends: local(start.addingTimeInterval(4 * 3600)), timeZone: "UTC", location: "Online (video call)", capacity: "40",
            programs: "mb-full-stack-development", employer: "contoso-cloud"), by: .commandLine, now: now)
        let workshop = try await organise.create(EventInput(
            kind: "workshop", title: "From statistics to a first analyst job",
            description: "Tailspin Analytics' analysts walk through a real take-home exercise in SQL and spreadsheets.",
            starts: local(start.addingTimeInterval(7 * day)), ends: local(start.addingTimeInterval(7 * day + 2 * 3600)), timeZone: "UTC",
            location: "Columbus, OH", capacity: "25", programs: "mb-statistics-fundamentals", regions: "US", employer: "tailspin-analytics"), by: .commandLine, now: now)
        let invitedInterview = try await organise.audienceSize(interview.id, by: .commandLine)
        let invitedWorkshop = try await organise.audienceSize(workshop.id, by: .commandLine)
        var outcomes = 0
        do {
            outcomes = try await SurveyOutcomes(store: store).fromSurvey(study: DemoStudy.key, by: .commandLine, now: now)
        } catch UseCaseError.notFound {
            // Loaded without its study: no answers to read.
        }
        // Outcomes completers reported in the portal, simulated: about a third find a new job within a year.
        let reported = DemoJobBoard.outcomes(completions: demo.enrollments.compactMap { e in e.completedAt.map { (e.learnerID, e.programID, $0) } },
                                             programs: demo.programs, seed: seed, now: now)
        for o in reported {
            try await portal.recordOutcome(kind: (o.promotion ? CareerRepository.OutcomeKind.promotion : .newJob).rawValue, occurredOn: CalendarDay.format(o.on),
                                           sector: o.sector, salaryBand: nil, annualSalary: o.salary.map { String(format: "%.0f", $0) }, noDegreeRole: o.noDegree,
                                           source: "portal (demo)", by: asLearner(o.learner), now: now)
        }
        outcomes += reported.count
        return "Career support: \(board.added) open job postings (\(board.byRequirement[.noDegree] ?? 0) require no degree), 2 employer partners, "
            + "an interview day for \(invitedInterview) full-stack learners and a workshop for \(invitedWorkshop) statistics learners in the US "
            + "(invite them with pathways invite-event), \(outcomes) career outcomes reported (pathways career-outcomes)."
    }
}
