import Foundation

/// What a learner brings to matching: skills from their programs and completed courses (weighted: completed 1.0,
/// in progress 0.6), stated goals, where they are, and whether they hold a four-year or graduate degree.
public struct MatchProfile: Sendable {
    public var learnerID: UUID
    /// Vocabulary term id → weight.
    public var skills: [String: Float]
    /// Normalised goal words or phrases ("data analyst", "15-2051").
    public var goals: [String]
    public var country: String?
    public var region: String?
    public var hasBachelor: Bool
    public var hasGraduate: Bool

    public init(learnerID: UUID, skills: [String: Float], goals: [String] = [], country: String? = nil, region: String? = nil,
                hasBachelor: Bool = false, hasGraduate: Bool = false) {
        self.learnerID = learnerID
        self.skills = skills
        self.goals = goals.map(SkillVocabulary.normalize).filter { !$0.isEmpty }
        self.country = country
        self.region = region
        self.hasBachelor = hasBachelor
        self.hasGraduate = hasGraduate
    }
}

public struct MatchFilters: Sendable, Equatable {
    /// Only postings classified "no degree required".
    public var noDegreeRequired = false
    public var remoteOnly = false
    /// schema.org employment types; empty = any.
    public var employmentTypes: Set<String> = []

    public init(noDegreeRequired: Bool = false, remoteOnly: Bool = false, employmentTypes: Set<String> = []) {
        self.noDegreeRequired = noDegreeRequired
        self.remoteOnly = remoteOnly
        self.employmentTypes = employmentTypes
    }
}

/// One ranked posting with why it was ranked there.
public struct JobMatch: Sendable, Equatable {
    public var postingIndex: Int
    public var postingID: UUID
    public var score: Double
    /// The posting's skills the learner has, strongest first.
    public var matchedSkills: [String]
    /// The posting's skills the learner does not have yet, most distinctive first (at most five).
    public var missingSkills: [String]
    public var degree: DegreeClassification
    /// Other reasons in words: goal, location, degree.
    public var notes: [String]
}

/// Ranks postings for learners by skills fit (cosine of IDF-weighted skill vectors), then stated goals and location,
/// with filters, and explains each match. Postings are indexed once: skills from the structured `skills` and the
/// title (weight 1) and from the description (0.5), each posting's degree requirement classified.
///
/// Learners with the same skills share one pass over the inverted index; each learner's own goals, place and degree
/// then re-rank that shared list, stopping as soon as no remaining posting can enter the top k (the bonuses are
/// bounded), so results are exact.
public final class MatchIndex: @unchecked Sendable {
    public let vocabulary: SkillVocabulary
    public let postings: [JobPosting]
    public let degrees: [DegreeClassification]
    /// Per posting: (term index, weight × idf), and the vector's norm.
    let vectors: [[(term: Int32, weight: Float)]]
    let norms: [Float]
    /// Per posting: the terms from `skills` and the title (what the posting asks for, for "missing skills").
    let asked: [[Int32]]
    /// Term index → postings carrying it, with weight.
    let postingsByTerm: [[(posting: Int32, weight: Float)]]
    let idf: [Float]
    let titles: [String]
    let termIndex: [String: Int32]

    static let goalBonus: Float = 0.15
    static let regionBonus: Float = 0.10
    static let countryBonus: Float = 0.05
    static let remoteBonus: Float = 0.05
    static let degreePenalty: Float = 0.15
    static var maxBonus: Float { goalBonus + regionBonus + countryBonus + remoteBonus }

    public init(postings: [JobPosting], vocabulary: SkillVocabulary = .standard) {
        self.vocabulary = vocabulary
        self.postings = postings
        var termIndex: [String: Int32] = [:]
        for (i, t) in vocabulary.terms.enumerated() { termIndex[t.id] = Int32(i) }
        self.termIndex = termIndex
        var raw: [[Int32: Float]] = []
        var asked: [[Int32]] = []
        raw.reserveCapacity(postings.count)
        var degrees: [DegreeClassification] = []
        degrees.reserveCapacity(postings.count)
        var titles: [String] = []
        for posting in postings {
            var weights: [Int32: Float] = [:]
            var strong: [Int32] = []
            func add(_ term: SkillVocabulary.Term, _ w: Float) {
                guard let i = termIndex[term.id] else { return }
                if weights[i] == nil && w >= 1 { strong.append(i) }
                weights[i] = max(weights[i] ?? 0, w)
            }
            for skill in posting.skills {
                if let code = skill.code, let t = vocabulary.term(id: code) { add(t, 1) }
                else if let t = vocabulary.map(skill.name) { add(t, 1) }
                else { for t in vocabulary.find(in: skill.name) { add(t, 1) } }
            }
            for t in vocabulary.find(in: posting.title) { add(t, 1) }
            for t in vocabulary.find(in: posting.plainDescription) { add(t, 0.5) }
            raw.append(weights)
            asked.append(strong)
            degrees.append(DegreeClassifier.classify(posting))
            titles.append(SkillVocabulary.normalize(posting.title + " " + posting.occupationalCategories.map { $0.code + " " + ($0.label ?? "") }.joined(separator: " ")))
        }
        var df = [Int](repeating: 0, count: vocabulary.terms.count)
        for weights in raw { for t in weights.keys { df[Int(t)] += 1 } }
        let n = Float(max(postings.count, 1))
        let idf = df.map { logf((n + 1) / (Float($0) + 1)) + 1 }
        var vectors: [[(term: Int32, weight: Float)]] = []
        vectors.reserveCapacity(raw.count)
        var norms: [Float] = []
        var byTerm = [[(posting: Int32, weight: Float)]](repeating: [], count: vocabulary.terms.count)
        for (p, weights) in raw.enumerated() {
            let v = weights.map { (term: $0.key, weight: $0.value * idf[Int($0.key)]) }.sorted { $0.term < $1.term }
            let norm = sqrtf(v.reduce(0) { $0 + $1.weight * $1.weight })
            vectors.append(v)
            norms.append(norm)
            for e in v where norm > 0 { byTerm[Int(e.term)].append((Int32(p), e.weight / norm)) }
        }
        self.vectors = vectors
        self.norms = norms
        self.asked = asked
        self.postingsByTerm = byTerm
        self.idf = idf
        self.degrees = degrees
        self.titles = titles
    }

    /// The top `k` postings for one learner.
    public func top(_ k: Int, for learner: MatchProfile, filters: MatchFilters = MatchFilters()) -> [JobMatch] {
        let ranked = skillRanking(learner.skills)
        return rerank(ranked, k: k, learner: learner, filters: filters)
    }

    /// The top `k` for many learners; learners with identical skills share the index pass.
    public func top(_ k: Int, for learners: [MatchProfile], filters: MatchFilters = MatchFilters()) -> [[JobMatch]] {
        var groups: [String: [Int]] = [:]
        for (i, l) in learners.enumerated() {
            let key = l.skills.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            groups[key, default: []].append(i)
        }
        let keys = Array(groups.values)
        var results = [[JobMatch]](repeating: [], count: learners.count)
        results.withUnsafeMutableBufferPointer { out in
            let out = UncheckedBuffer(out)
            DispatchQueue.concurrentPerform(iterations: keys.count) { g in
                let members = keys[g]
                let ranked = skillRanking(learners[members[0]].skills)
                for m in members { out.buffer[m] = rerank(ranked, k: k, learner: learners[m], filters: filters) }
            }
        }
        return results
    }

    /// Postings with any shared skill, by cosine similarity, best first (lazily sorted: see `rerank`).
    func skillRanking(_ skills: [String: Float]) -> [(posting: Int32, score: Float)] {
        var learnerVector: [(Int, Float)] = []
        for (id, w) in skills {
            guard let t = termIndex[id] else { continue }
            learnerVector.append((Int(t), w * idf[Int(t)]))
        }
        let norm = sqrtf(learnerVector.reduce(0) { $0 + $1.1 * $1.1 })
        guard norm > 0 else { return [] }
        var scores = [Float](repeating: 0, count: postings.count)
        var touched: [Int32] = []
        for (t, w) in learnerVector {
            let scale = w / norm
            for e in postingsByTerm[t] {
                if scores[Int(e.posting)] == 0 { touched.append(e.posting) }
                scores[Int(e.posting)] += scale * e.weight
            }
        }
        var out = touched.map { (posting: $0, score: scores[Int($0)]) }
        out.sort { $0.score > $1.score || ($0.score == $1.score && $0.posting < $1.posting) }
        return out
    }

    func rerank(_ ranked: [(posting: Int32, score: Float)], k: Int, learner: MatchProfile, filters: MatchFilters) -> [JobMatch] {
        var best: [(p: Int, total: Float)] = []
        for entry in ranked {
            if best.count == k, let worst = best.last, entry.score + Self.maxBonus < worst.total { break }
            let p = Int(entry.posting)
            guard passes(p, filters) else { continue }
            let total = entry.score + adjustment(p, learner).value
            if best.count < k || total > best.last!.total {
                let at = best.firstIndex { total > $0.total || (total == $0.total && p < $0.p) } ?? best.count
                best.insert((p, total), at: at)
                if best.count > k { best.removeLast() }
            }
        }
        return best.map { explain($0.p, score: $0.total, learner: learner) }
    }

    func passes(_ p: Int, _ filters: MatchFilters) -> Bool {
        if filters.noDegreeRequired && degrees[p].requirement != .noDegree { return false }
        if filters.remoteOnly && !postings[p].remote { return false }
        if !filters.employmentTypes.isEmpty && postings[p].employmentTypes.allSatisfy({ !filters.employmentTypes.contains($0) }) { return false }
        return true
    }

    /// Bonuses and penalty for one learner and posting, with the words for each.
    func adjustment(_ p: Int, _ learner: MatchProfile) -> (value: Float, notes: [String]) {
        var value: Float = 0
        var notes: [String] = []
        let posting = postings[p]
        if let goal = learner.goals.first(where: { goal in titles[p].contains(goal) }) {
            value += Self.goalBonus
            notes.append("Fits your goal \"\(goal)\".")
        }
        if posting.remote {
            value += Self.remoteBonus
            notes.append(posting.applicantLocations.isEmpty ? "Remote." : "Remote (applicants in \(posting.applicantLocations.joined(separator: ", "))).")
        }
        if let country = learner.country?.uppercased(), posting.locations.contains(where: { $0.country?.uppercased() == country }) {
            value += Self.countryBonus
            if let region = learner.region?.uppercased(), let place = posting.locations.first(where: { $0.region?.uppercased() == region && $0.country?.uppercased() == country }) {
                value += Self.regionBonus
                notes.append("In your region (\(place.label)).")
            } else {
                notes.append("In your country.")
            }
        }
        switch degrees[p].requirement {
        case .bachelors where !learner.hasBachelor, .graduate where !learner.hasGraduate:
            value -= Self.degreePenalty
            notes.append("Asks for a degree you have not told us you hold.")
        case .noDegree:
            notes.append("No degree required.")
        default:
            break
        }
        return (value, notes)
    }

    func explain(_ p: Int, score: Float, learner: MatchProfile) -> JobMatch {
        var have: [(String, Float)] = [], missing: [(String, Float)] = []
        for e in vectors[p] {
            let term = vocabulary.terms[Int(e.term)]
            if let w = learner.skills[term.id] { have.append((term.label, e.weight * w)) }
        }
        for t in asked[p] where learner.skills[vocabulary.terms[Int(t)].id] == nil {
            missing.append((vocabulary.terms[Int(t)].label, idf[Int(t)]))
        }
        return JobMatch(postingIndex: p, postingID: postings[p].id, score: Double(score),
                        matchedSkills: have.sorted { $0.1 > $1.1 }.map(\.0),
                        missingSkills: Array(missing.sorted { $0.1 > $1.1 }.prefix(5).map(\.0)),
                        degree: degrees[p], notes: adjustment(p, learner).notes)
    }
}

extension MatchProfile {
    /// A learner's profile from the catalog: every enrolled program's skills (1.0 when completed, 0.6 otherwise) and
    /// the terms named in the titles of the courses they completed (1.0).
    public static func from(learnerID: UUID, programs: [(program: Program, completed: Bool)], completedCourses: [Course],
                            vocabulary: SkillVocabulary = .standard, goals: [String] = [], country: String? = nil, region: String? = nil,
                            education: EducationLevel? = nil) -> MatchProfile {
        var skills: [String: Float] = [:]
        for (program, completed) in programs {
            for skill in program.skills {
                guard let t = vocabulary.map(skill) else { continue }
                skills[t.id] = max(skills[t.id] ?? 0, completed ? 1 : 0.6)
            }
        }
        for course in completedCourses {
            for t in vocabulary.find(in: course.title) { skills[t.id] = 1 }
        }
        return MatchProfile(learnerID: learnerID, skills: skills, goals: goals, country: country, region: region,
                            hasBachelor: education?.hasBachelorOrHigher ?? false, hasGraduate: education?.hasGraduateDegree ?? false)
    }
}
