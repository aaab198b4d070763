import Foundation
import PathwaysCore
import PathwaysStore

/// Matching learners and postings: a learner's ranked postings with reasons, an employer partner's candidates for a
/// posting. Reads the learner, their programs, courses and goals, and the open postings, through the repositories.
public struct CareerMatching: Sendable {
    let store: Store
    let careers: CareerRepository
    let learners: LearnerRepository
    let catalog: CatalogRepository

    public init(store: Store) {
        self.store = store
        careers = CareerRepository(store: store)
        learners = LearnerRepository(store: store)
        catalog = CatalogRepository(store: store)
    }

    public typealias StoredPosting = CareerRepository.StoredPosting
    public typealias Employer = CareerRepository.Employer

    public struct Candidate: Sendable {
        public var learnerID: UUID
        public var name: String?
        public var email: String?
        public var programs: [String]
        public var match: JobMatch
    }

    /// For an employer's posting, the learners who chose to be seen by employer partners, enrolled in a program the
    /// employer hires from, ranked by fit with the posting and explained as for learners.
    public func candidates(posting id: UUID, employer: Employer, k: Int = 25) async throws -> [Candidate] {
        guard let stored = try await careers.posting(id: id) else { return [] }
        guard !employer.programIDs.isEmpty else { return [] }
        let rows = try await careers.visibleLearners(inPrograms: employer.programIDs)
        let index = MatchIndex(postings: [stored.posting])
        let titles = Dictionary(uniqueKeysWithValues: try await catalog.programs().map { ($0.id, $0.title) })
        var out: [Candidate] = []
        for row in rows {
            let learner = row.id
            guard let profile = try await matchProfile(learner: learner), let match = index.top(1, for: profile).first else { continue }
            let programs = try await learners.enrollments(learnerID: learner).compactMap { titles[$0.programID] }
            out.append(Candidate(learnerID: learner, name: row.name, email: row.email,
                                 programs: programs, match: match))
        }
        return Array(out.sorted { $0.match.score > $1.match.score || ($0.match.score == $1.match.score && $0.learnerID.uuidString < $1.learnerID.uuidString) }.prefix(k))
    }

    /// The learner's matching profile: their programs' skills (completed 1.0, in progress 0.6), the courses they
    /// completed, their goals, country and region, and their highest education.
    public func matchProfile(learner id: UUID) async throws -> MatchProfile? {
        try await profiles(learner: id)?.overall
    }

    /// The whole profile, and one per program the learner completed (per enrolled program when none is complete),
    /// each from that program's skills and courses alone, titled.
    public func profiles(learner id: UUID) async throws -> (overall: MatchProfile, programs: [(title: String, profile: MatchProfile)])? {
        let learners = LearnerRepository(store: store)
        guard let learner = try await learners.learner(id: id), learner.withdrawnAt == nil else { return nil }
        let enrollments = try await learners.enrollments(learnerID: id)
        let catalog = CatalogRepository(store: store)
        let programs = try await catalog.programs(ids: Set(enrollments.map(\.programID)))
        let byID = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0) })
        let completed = Set(try await learners.progress(learnerID: id).filter { $0.completedAt != nil }.map(\.courseID))
        var courses: [UUID: [Course]] = [:]
        for p in programs { courses[p.id] = try await catalog.courses(programID: p.id).filter { completed.contains($0.id) } }
        let goals = try await careers.goals(learner: id)
        let enrolled = enrollments.compactMap { e in byID[e.programID].map { (program: $0, completed: e.completedAt != nil) } }
        func profile(_ of: [(program: Program, completed: Bool)]) -> MatchProfile {
            MatchProfile.from(learnerID: id, programs: of, completedCourses: of.flatMap { courses[$0.program.id] ?? [] }, goals: goals.goals,
                              country: learner.profile.country, region: goals.region, education: learner.profile.highestEducation)
        }
        let finished = enrolled.filter(\.completed)
        let each = (finished.isEmpty ? enrolled : finished).map { (title: $0.program.title, profile: profile([$0])) }
        return (profile(enrolled), each.count > 1 ? each : [])
    }

    public struct Match: Sendable {
        public var match: JobMatch
        public var posting: StoredPosting
    }

    /// Ranked postings for a learner with explanations.
    public func matches(learner: UUID, k: Int = 10, filters: MatchFilters = MatchFilters(), on day: Date = Date()) async throws -> [Match] {
        guard let profile = try await matchProfile(learner: learner) else { return [] }
        let (index, stored) = try await openIndex(on: day)
        return index.top(k, for: profile, filters: filters).map { Match(match: $0, posting: stored[$0.postingIndex]) }
    }

    /// How one posting fits a learner, explained as on the Careers page; nil when they share no skill.
    public func fit(learner: UUID, posting: StoredPosting) async throws -> JobMatch? {
        guard let profile = try await matchProfile(learner: learner) else { return nil }
        return MatchIndex(postings: [posting.posting]).top(1, for: profile).first
    }

    public struct ShortlistEntry: Sendable {
        public var match: Match
        /// The program whose ranking brought it in, when not the whole profile's.
        public var forProgram: String?
        /// Open postings like it (same title and employer) not listed separately.
        public var alike: [StoredPosting]
    }

    /// The Careers page's list: `k` postings ranked for the whole profile and for each completed program in turn, near-
    /// identical postings collapsed into one (`JobShortlist`), remote postings for other countries left out.
    public func shortlist(learner: UUID, k: Int = 20, filters: MatchFilters = MatchFilters(), on day: Date = Date()) async throws -> [ShortlistEntry] {
        guard let profiles = try await profiles(learner: learner) else { return [] }
        let (index, stored) = try await openIndex(on: day)
        let pool = max(k * 10, 200)
        let sources = [JobShortlist.Source(program: nil, matches: index.top(pool, for: profiles.overall, filters: filters))]
            + profiles.programs.map { JobShortlist.Source(program: $0.title, matches: index.top(pool, for: $0.profile, filters: filters)) }
        return JobShortlist.pick(sources, k: k) { stored[$0.postingIndex].posting }.map {
            ShortlistEntry(match: Match(match: $0.match, posting: stored[$0.match.postingIndex]), forProgram: $0.forProgram, alike: $0.alike.map { stored[$0] })
        }
    }

    /// The index over the postings open on `day`, built once and reused until a posting is added or changed or the
    /// day changes (building it reads every posting's text; ranking with it takes microseconds).
    public func openIndex(on day: Date) async throws -> (MatchIndex, [StoredPosting]) {
        let version = try await careers.postingsVersion() + "|\(Int(day.timeIntervalSince1970 / 86_400))"
        if let cached = await MatchIndexCache.shared.get(store: store, version: version) { return cached }
        let stored = try await careers.postings(openOn: day)
        let built = (MatchIndex(postings: stored.map(\.posting)), stored)
        await MatchIndexCache.shared.put(store: store, version: version, built)
        return built
    }
}

/// One match index per database, with the postings version it was built from.
actor MatchIndexCache {
static let shared = MatchIndexCache()
struct Entry {
    /// Held weakly, so a database closed and another opened at the same address never shares an entry.
    weak var store: Store?
    var version: String
    var index: MatchIndex
    var postings: [CareerRepository.StoredPosting]
}
private var entries: [ObjectIdentifier: Entry] = [:]

func get(store: Store, version: String) -> (MatchIndex, [CareerRepository.StoredPosting])? {
    guard let e = entries[ObjectIdentifier(store)], e.store === store, e.version == version else { return nil }
    return (e.index, e.postings)
}

func put(store: Store, version: String, _ value: (MatchIndex, [CareerRepository.StoredPosting])) {
    entries = entries.filter { $0.value.store != nil }
    entries[ObjectIdentifier(store)] = Entry(store: store, version: version, index: value.0, postings: value.1)
}
}

extension CareerMatching {
    /// The skills a learner's programs and completed courses give them (their matching profile's), for events
    /// targeted by skill.
    public func skills(of learner: UUID) async throws -> Set<String> {
        Set(try await matchProfile(learner: learner)?.skills.keys.map { $0 } ?? [])
    }
}
