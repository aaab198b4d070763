import ArgumentParser
import Foundation
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysStore

struct ImportJobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-jobs",
        abstract: "Import job postings: schema.org JobPosting JSON-LD files, or HTML pages carrying JSON-LD blocks.",
        discussion: "Every file is read before anything is stored; any error names the file, line, column and property and stores nothing. A posting seen before (same organisation and identifier) is updated.")
    @OptionGroup var options: DatabaseOptions
    @Option(help: "The employer partner (by key) the postings belong to.") var employer: String?
    @Argument(help: "JSON-LD or HTML files.") var files: [String]

    func run() async throws {
        let logger = options.logger()
        let inputs = try files.map { (data: try Data(contentsOf: URL(fileURLWithPath: $0)), name: $0) }
        do {
            let summary = try await options.withStore(logger) { store in
                try await JobBoard(store: store).importPostings(inputs, employerKey: employer, by: .commandLine)
            }
            say("Imported job postings: \(summary.description).")
        } catch let error as JobPostingImportError {
            FileHandle.standardError.write(Data("error: \(error)\nNothing was imported.\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Matches: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "matches", abstract: "A learner's best-matching open job postings, with why.")
    @OptionGroup var options: DatabaseOptions
    @Option(help: "The learner's key.") var learner: String
    @Option(name: .short, help: "How many.") var k: Int = 10
    @Flag(help: "Only postings that require no degree.") var noDegree = false
    @Flag(help: "Only remote postings.") var remote = false
    @Option(help: "Only these employment types (FULL_TIME, PART_TIME, CONTRACTOR, INTERN …); repeat for several.") var type: [String] = []

    func validate() throws {
        guard (1...500).contains(k) else { throw ValidationError("-k: from 1 to 500") }
    }

    func run() async throws {
        let logger = options.logger()
        try await options.withStore(logger) { store in
            guard let l = try await LearnerRepository(store: store).learner(key: learner) else { throw ValidationError("no learner with key \(learner)") }
            let found = try await CareerMatching(store: store).matches(
                learner: l.id, k: k, filters: MatchFilters(noDegreeRequired: noDegree, remoteOnly: remote, employmentTypes: Set(type.map { $0.uppercased() })))
            if found.isEmpty { say("No matching open postings.") }
            for (n, m) in found.enumerated() {
                let p = m.posting.posting
                say(String(format: "%2d. %@ — %@ (score %.2f)", n + 1, p.title, p.hiringOrganization ?? "", m.match.score))
                say("    \(m.match.degree.requirement.label): \(m.match.degree.reason)")
                say("    Skills you have: \(m.match.matchedSkills.joined(separator: ", "))")
                if !m.match.missingSkills.isEmpty { say("    Skills to build: \(m.match.missingSkills.joined(separator: ", "))") }
                if !m.match.notes.isEmpty { say("    " + m.match.notes.joined(separator: " ")) }
            }
        }
    }
}

struct BenchmarkMatching: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-matching",
        abstract: "Time top-k job matches for many learners over many postings, beside TF-IDF cosine (scikit-learn) on the same data, with the recall of its top-k.",
        discussion: "Needs python3 with scikit-learn (pip install scikit-learn).")
    @Option(help: "How many learners.") var learners: Int = 50_000
    @Option(help: "How many postings.") var postings: Int = 100_000
    @Option(name: .short, help: "Matches per learner.") var k: Int = 10
    @Option(help: "The scikit-learn peer script.") var peer: String = "scripts/match-baseline.py"
    @Option(help: "Python to run the peer with.") var python: String = "python3"
    @Option(help: "Keep the generated files in this folder instead of a temporary one.") var keep: String?
    @Flag(help: "Rank by skills alone (no goals, place or degree adjustments), as the peer does.") var skillsOnly = false

    func validate() throws {
        guard (1...100).contains(k) else { throw ValidationError("-k: from 1 to 100") }
        guard learners >= 1, postings > k else { throw ValidationError("--learners must be at least 1 and --postings more than -k") }
    }

    func run() throws {
        let folder = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("pathways-match-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
        var clock = Stopwatch()
        let demo = DemoInitiative(seed: DemoInitiative.defaultSeed, microBachelorsLearners: 1, universityLearners: 1)
        let board = DemoJobBoard.postings(count: postings)
        var people = DemoJobBoard.learners(count: learners, programs: demo.programs, courses: demo.courses)
        if skillsOnly {
            people = people.map { MatchProfile(learnerID: $0.learnerID, skills: $0.skills, hasBachelor: true, hasGraduate: true) }
        }
        say(String(format: "Generated %d postings and %d learners in %.1f s.", postings, learners, clock.lap()))

        _ = clock.lap()
        let index = MatchIndex(postings: board)
        let build = clock.lap()
        let results = index.top(k, for: people)
        let rank = clock.lap()
        let ours = Peer.peakMemoryMB()
        let groups = Set(people.map(\.skillsKey)).count

        // The same data as text for the peer: each posting's title, skills and description; each learner's skills and goals.
        let vocabulary = SkillVocabulary.standard
        var postingText = "", learnerText = "", oursText = "", occupationText = ""
        for (i, p) in board.enumerated() {
            occupationText += "\(i)\t\(p.occupationalCategories.first?.code ?? "")\n"
            postingText += "\(i)\t" + ([p.title] + p.skills.map(\.name) + [p.plainDescription]).joined(separator: " ").replacingOccurrences(of: "\t", with: " ") + "\n"
        }
        for (i, l) in people.enumerated() {
            learnerText += "\(i)\t" + (l.skills.keys.sorted().compactMap { vocabulary.term(id: $0)?.label } + l.goals).joined(separator: " ") + "\n"
            oursText += "\(i)\t" + results[i].map { String($0.postingIndex) }.joined(separator: ",") + "\n"
        }
        try postingText.write(to: folder.appendingPathComponent("postings.tsv"), atomically: false, encoding: .utf8)
        try learnerText.write(to: folder.appendingPathComponent("learners.tsv"), atomically: false, encoding: .utf8)
        try oursText.write(to: folder.appendingPathComponent("ours.tsv"), atomically: false, encoding: .utf8)
        try occupationText.write(to: folder.appendingPathComponent("occupations.tsv"), atomically: false, encoding: .utf8)

        let peerResult = try Peer.run("scikit-learn peer", python: python, script: peer, [folder.path, String(k)], needs: "scikit-learn")
        func number(_ key: String) -> Double { Peer.number(peerResult, key) }
        say("")
        func line(_ what: String, _ a: String, _ b: String) { Peer.row(what, a, b, widths: (46, 12, 22)) }
        line("Top-\(k) for \(learners) learners × \(postings) postings", "Pathways", "TF-IDF (sklearn \(peerResult["version"] ?? ""))")
        line("index the postings", String(format: "%.2f s", build), String(format: "%.2f s", number("index_seconds")))
        line("rank top-\(k) for every learner", String(format: "%.2f s", rank), String(format: "%.2f s", number("rank_seconds")))
        line("total", String(format: "%.2f s", build + rank), String(format: "%.2f s", number("index_seconds") + number("rank_seconds")))
        line("per learner", String(format: "%.3f ms", rank * 1000 / Double(max(learners, 1))), String(format: "%.3f ms", number("rank_seconds") * 1000 / Double(max(learners, 1))))
        line("peak resident memory (process)", String(format: "%.0f MB", ours), String(format: "%.0f MB", number("peak_rss_mb")))
        say("")
        say("Learners with distinct skill sets (share one index pass): \(groups).")
        say(String(format: "Recall of TF-IDF's top-%d in ours: %.1f%% tie-aware (a pick the peer scores at least as high as its own %d-th), %.1f%% plain overlap, over %d learners it scored.",
                   k, number("tie_aware_recall") * 100, k, number("overlap_recall") * 100, Int(number("learners_scored"))))
        say(String(format: "Near agreement: %.1f%% of ours score within 5%% of TF-IDF's own %d-th best.", number("near_recall") * 100, k))
        say(String(format: "Same kind of job: %.1f%% of TF-IDF's top-%d are in an occupation (O*NET-SOC) among ours.", number("occupation_recall") * 100, k))
        say("Ours differs by design: vocabulary-mapped skills, goals, location and degree requirements move postings that plain text similarity ranks alike.")
    }
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Upcoming workshops and interview days: who they are for, places taken, invitations sent.")
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let logger = options.logger()
        try await options.withStore(logger) { store in
            let events = CareerEventRepository(store: store), organise = UseCases(store: store).events
            let list = try await events.upcoming()
            if list.isEmpty { say("No upcoming events.") }
            for e in list {
                let replies = try await organise.replies(e.id, for: .commandLine)
                let invited = try await events.invitationCount(event: e.id)
                say("\(e.id.uuidString.lowercased())  \(e.kind.label): \(e.title)")
                say("    \(CalendarDay.format(e.startsAt)), \(e.location); for \(try await organise.audienceSize(e.id, by: .commandLine)) learners; \(invited) invited; "
                    + "\(replies.going) of \(e.capacity) places taken, \(replies.waitlisted) waiting")
            }
        }
    }
}

struct InviteEvent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite-event",
        abstract: "Write invitations to an event into the outbox for the learners it is for, under the contact cap (pathways send delivers them).")
    @OptionGroup var options: DatabaseOptions
    @Argument(help: "The event's id (pathways events lists them).") var event: String
    @Option(help: "The server's public address, for the link in the invitation.") var publicURL: String = ProcessInfo.processInfo.environment["PATHWAYS_PUBLIC_URL"] ?? "http://127.0.0.1:8080"

    func run() async throws {
        let logger = options.logger()
        try await options.withStore(logger) { store in
            let events = CareerEventRepository(store: store)
            guard let id = UUID(uuidString: event), let e = try await events.event(id: id) else { throw ValidationError("no event with id \(event)") }
            let report = try await events.invite(e, baseURL: publicURL, skillsOf: CareerMatching(store: store).skills)
            say("Invited \(report.invited); \(report.heldByCap) held back by the contact cap (run again later); \(report.alreadyInvited) invited before.")
        }
    }
}

struct CareerOutcomes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "career-outcomes",
        abstract: "Career outcomes per program at 3, 6 and 12 months after completion (Credential Engine AggregateDataProfile).",
        discussion: "Counts completers whose window has passed, the jobs (new job or promotion) they reported within it, how many of those required no degree, and the median yearly salary reported. --from-survey first turns a study's answers into outcomes.")
    @OptionGroup var options: DatabaseOptions
    @Option(help: "A study (by key) whose follow-up answers to turn into outcomes first.") var fromSurvey: String?
    @Flag(help: "Print CTDL JSON-LD instead of a table.") var json = false

    func run() async throws {
        let logger = options.logger()
        try await options.withStore(logger) { store in
            let careers = CareerRepository(store: store)
            if let key = fromSurvey {
                let added = try await SurveyOutcomes(store: store).fromSurvey(study: key, by: .commandLine)
                if !json { say("Added \(added) outcomes from \(key)'s answers.") }
            }
            let profiles = try await careers.outcomeProfiles()
            if json {
                let data = try JSONSerialization.data(withJSONObject: ["@context": "https://credreg.net/ctdl/schema/context/json",
                                                                       "@graph": profiles.map { p -> [String: Any] in
                                                                           var o = p.ctdl
                                                                           o["ceterms:relevantDataSet"] = ["ceterms:name": p.programTitle]
                                                                           return o
                                                                       }], options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                say(String(decoding: data, as: UTF8.self))
                return
            }
            // The program column is as wide as the longest title: names are never cut.
            let width = max(7, profiles.map(\.programTitle.count).max() ?? 0) + 2
            say("Program".padding(toLength: width, withPad: " ", startingAt: 0) + "Months  Awarded  Jobs  No-degree  At events  Median salary")
            for p in profiles {
                say(p.programTitle.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "%6d  %7d  %4d  %9d  %9d  ", p.postReceiptMonths, p.numberAwarded, p.jobsObtained, p.noDegreeRoles, p.attendedEvents)
                    + (p.medianEarnings.map { String(format: "%.0f (n=%d)", $0, p.earningsReported) } ?? (p.earningsReported > 0 ? "withheld (n=\(p.earningsReported) < 5)" : "—")))
            }
        }
    }
}

struct EmployerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "employer",
        abstract: "Create or update an employer partner, the programs it hires from and the employer accounts that act for it.",
        discussion: "pathways employer --key contoso --name 'Contoso' --website https://contoso.example --program mb-data-analytics --account hiring@contoso.example")
    @OptionGroup var options: DatabaseOptions
    @Option(help: "The employer's id: letters, digits, '-' and '_'.") var key: String
    @Option(help: "Its name.") var name: String
    @Option(help: "Its website (https URL).") var website: String?
    @Option(help: "One paragraph shown to learners.") var description: String?
    @Option(help: "A program it hires from (by platform id); repeat for several.") var program: [String] = []
    @Option(help: "An account with the employer role (by email) that acts for it; repeat for several.") var account: [String] = []

    func run() async throws {
        let logger = options.logger()
        try await options.withStore(logger) { store in
            let (e, _) = try await useCase {
                try await CatalogAdministration(store: store).saveEmployer(
                    EmployerInput(key: key, name: name, website: website, description: description, programs: program.joined(separator: ","),
                                  accounts: account.joined(separator: ",")), by: .commandLine)
            }
            say("Employer partner \(e.name) (\(e.key)): hires from \(e.programIDs.count) programs" + (account.isEmpty ? "" : "; acting for it: \(account.joined(separator: ", "))") + ".")
        }
    }
}
