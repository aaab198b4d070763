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
        let learners = LearnerRepository(store: store)
        guard let learner = try await learners.learner(id: id), learner.withdrawnAt == nil else { return nil }
        let enrollments = try await learners.enrollments(learnerID: id)
        let catalog = CatalogRepository(store: store)
        let programs = try await catalog.programs(ids: Set(enrollments.map(\.programID)))
        let byID = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0) })
        let completed = Set(try await learners.progress(learnerID: id).filter { $0.completedAt != nil }.map(\.courseID))
        var courses: [Course] = []
        for p in programs { courses += try await catalog.courses(programID: p.id).filter { completed.contains($0.id) } }
        let goals = try await careers.goals(learner: id)
        return MatchProfile.from(learnerID: id, programs: enrollments.compactMap { e in byID[e.programID].map { ($0, e.completedAt != nil) } },
                                 completedCourses: courses, goals: goals.goals, country: learner.profile.country, region: goals.region,
                                 education: learner.profile.highestEducation)
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
