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

    /// The same for learners with the same skills and weights, whatever else differs: they share one index pass.
    public var skillsKey: String { skills.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
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
    /// How many skills the posting asks for (in its skills and title), and how many of them the learner has.
    public var skillsAsked: Int
    public var skillsAskedHeld: Int

    /// The fit as a recruiter or a learner reads it, never as a raw score.
    public var fitInWords: String {
        if skillsAsked > 0 { return "Has \(skillsAskedHeld) of the \(skillsAsked) skill\(skillsAsked == 1 ? "" : "s") the posting asks for" }
        return matchedSkills.isEmpty ? "No skill in common" : "Has skills the description names: \(matchedSkills.prefix(3).joined(separator: ", "))"
    }
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
    /// Per posting: the terms from `skills` and the title (what the posting asks for, for "missing skills").
    let asked: [[Int32]]
    /// Term index → postings carrying it, with weight.
    let postingsByTerm: [[(posting: Int32, weight: Float)]]
    let idf: [Float]
    let titles: [String]
    let termIndex: [String: Int32]
    /// Per posting: remote, country and region codes (the first location's), and the degree requirement's rank.
    let remote: [Bool]
    /// Per posting: where remote applicants must live, as given (`applicantLocationRequirements`).
    let applicantLocations: [[String]]
    let countries: [Int32]
    let regions: [Int32]
    let requirementRank: [UInt8]
    /// "US" and "US/OH" → code.
    let placeCodes: [String: Int32]

    static let goalBonus: Float = 0.25
    static let regionBonus: Float = 0.10
    static let countryBonus: Float = 0.05
    static let remoteBonus: Float = 0.05
    static let degreePenalty: Float = 0.15

    public init(postings: [JobPosting], vocabulary: SkillVocabulary = .standard) {
        self.vocabulary = vocabulary
        self.postings = postings
        var termIndex: [String: Int32] = [:]
        for (i, t) in vocabulary.terms.enumerated() { termIndex[t.id] = Int32(i) }
        self.termIndex = termIndex
        // Each posting's skills and degree requirement, in parallel.
        var features = [(weights: [Int32: Float], strong: [Int32], degree: DegreeClassification, title: String)?](repeating: nil, count: postings.count)
        let ids = termIndex
        features.withUnsafeMutableBufferPointer { out in
            let out = UncheckedBuffer(out)
            let chunks = max(1, min(64, postings.count / 256))
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for p in stride(from: c, to: postings.count, by: chunks) {
                    out.buffer[p] = Self.features(postings[p], vocabulary: vocabulary, termIndex: ids)
                }
            }
        }
        let raw = features.map { $0!.weights }
        let asked = features.map { $0!.strong }
        let degrees = features.map { $0!.degree }
        let titles = features.map { $0!.title }
        var df = [Int](repeating: 0, count: vocabulary.terms.count)
        for weights in raw { for t in weights.keys { df[Int(t)] += 1 } }
        let n = Float(max(postings.count, 1))
        let idf = df.map { logf((n + 1) / (Float($0) + 1)) + 1 }
        var vectors: [[(term: Int32, weight: Float)]] = []
        vectors.reserveCapacity(raw.count)
        var byTerm = [[(posting: Int32, weight: Float)]](repeating: [], count: vocabulary.terms.count)
        for (p, weights) in raw.enumerated() {
            let v = weights.map { (term: $0.key, weight: $0.value * idf[Int($0.key)]) }.sorted { $0.term < $1.term }
            let norm = sqrtf(v.reduce(0) { $0 + $1.weight * $1.weight })
            vectors.append(v)
            for e in v where norm > 0 { byTerm[Int(e.term)].append((Int32(p), e.weight / norm)) }
        }
        self.vectors = vectors
        self.asked = asked
        self.postingsByTerm = byTerm
        self.idf = idf
        self.degrees = degrees
        self.titles = titles
        var codes: [String: Int32] = [:]
        func code(_ key: String) -> Int32 {
            if let c = codes[key] { return c }
            let c = Int32(codes.count)
            codes[key] = c
            return c
        }
        var countries: [Int32] = [], regions: [Int32] = []
        for posting in postings {
            let place = posting.locations.first
            let country = place?.country?.uppercased()
            countries.append(country.map(code) ?? -2)
            regions.append(country.flatMap { c in place?.region.map { code(c + "/" + $0.uppercased()) } } ?? -2)
        }
        self.countries = countries
        self.regions = regions
        self.placeCodes = codes
        self.remote = postings.map(\.remote)
        self.applicantLocations = postings.map(\.applicantLocations)
        self.requirementRank = degrees.map { switch $0.requirement { case .noDegree: 0; case .preferred: 1; case .unknown: 2; case .bachelors: 3; case .graduate: 4 } }
    }

    static func features(_ posting: JobPosting, vocabulary: SkillVocabulary, termIndex: [String: Int32])
        -> (weights: [Int32: Float], strong: [Int32], degree: DegreeClassification, title: String) {
        var weights: [Int32: Float] = [:]
        var strong: [Int32] = []
        func add(_ term: SkillVocabulary.Term, _ w: Float) {
            guard let i = termIndex[term.id] else { return }
            if weights[i] == nil && w >= 1 { strong.append(i) }
            weights[i] = max(weights[i] ?? 0, w)
            // Needing JavaScript means needing programming, at half the weight for each step up.
            var implied = w
            for b in vocabulary.broader(of: term.id) {
                implied /= 2
                guard let j = termIndex[b.id] else { break }
                weights[j] = max(weights[j] ?? 0, implied)
            }
        }
        for skill in posting.skills {
            if let code = skill.code, let t = vocabulary.term(id: code) { add(t, 1) }
            else if let t = vocabulary.map(skill.name) { add(t, 1) }
            else { for t in vocabulary.find(in: skill.name) { add(t, 1) } }
        }
        for t in vocabulary.find(in: posting.title) { add(t, 1) }
        for t in vocabulary.find(in: posting.plainDescription) { add(t, 0.5) }
        let title = SkillVocabulary.normalize(posting.title + " " + posting.occupationalCategories.map { ($0.code ?? "") + " " + ($0.label ?? "") }.joined(separator: " "))
        return (weights, strong, DegreeClassifier.classify(posting), title)
    }

    /// The top `k` postings for one learner.
    public func top(_ k: Int, for learner: MatchProfile, filters: MatchFilters = MatchFilters()) -> [JobMatch] {
        var ranked = skillRanking(learner.skills)
        let goals = Dictionary(uniqueKeysWithValues: learner.goals.map { ($0, goalMatches($0)) })
        return rerank(&ranked, k: k, learner: learner, filters: filters, goals: goals)
    }

    /// The top `k` for many learners; learners with identical skills share the index pass.
    public func top(_ k: Int, for learners: [MatchProfile], filters: MatchFilters = MatchFilters()) -> [[JobMatch]] {
        var groups: [String: [Int]] = [:]
        for (i, l) in learners.enumerated() { groups[l.skillsKey, default: []].append(i) }
        let distinctGoals = Array(Set(learners.flatMap(\.goals)))
        var goalTable = [[Bool]](repeating: [], count: distinctGoals.count)
        goalTable.withUnsafeMutableBufferPointer { out in
            let out = UncheckedBuffer(out)
            DispatchQueue.concurrentPerform(iterations: distinctGoals.count) { g in out.buffer[g] = goalMatches(distinctGoals[g]) }
        }
        let goals = Dictionary(uniqueKeysWithValues: zip(distinctGoals, goalTable))
        let keys = Array(groups.values)
        var results = [[JobMatch]](repeating: [], count: learners.count)
        results.withUnsafeMutableBufferPointer { out in
            let out = UncheckedBuffer(out)
            DispatchQueue.concurrentPerform(iterations: keys.count) { g in
                let members = keys[g]
                var ranked = skillRanking(learners[members[0]].skills)
                for m in members { out.buffer[m] = rerank(&ranked, k: k, learner: learners[m], filters: filters, goals: goals) }
            }
        }
        return results
    }

    /// Which postings' titles or occupations contain a (normalised) goal.
    func goalMatches(_ goal: String) -> [Bool] { titles.map { $0.contains(goal) } }

    /// Postings sharing a skill with the learner by cosine similarity, in score buckets from the best down; each
    /// bucket is sorted only when a walk first reaches it.
    struct Ranking {
        /// Entries grouped by bucket, best bucket first.
        var entries: [(posting: Int32, score: Float)]
        /// Bucket b holds entries[starts[b]..<starts[b + 1]]; its scores are at most `ceilings[b]`.
        var starts: [Int]
        var ceilings: [Float]
        var sorted: [Bool]

        mutating func bucket(_ b: Int) -> ArraySlice<(posting: Int32, score: Float)> {
            if !sorted[b] {
                entries[starts[b]..<starts[b + 1]].sort { $0.score > $1.score || ($0.score == $1.score && $0.posting < $1.posting) }
                sorted[b] = true
            }
            return entries[starts[b]..<starts[b + 1]]
        }
    }

    static let buckets = 512

    func skillRanking(_ skills: [String: Float]) -> Ranking {
        var learnerVector: [(Int, Float)] = []
        for (id, w) in skills {
            guard let t = termIndex[id] else { continue }
            learnerVector.append((Int(t), w * idf[Int(t)]))
        }
        let norm = sqrtf(learnerVector.reduce(0) { $0 + $1.1 * $1.1 })
        guard norm > 0 else { return Ranking(entries: [], starts: [0], ceilings: [], sorted: []) }
        var scores = [Float](repeating: 0, count: postings.count)
        var touched: [Int32] = []
        for (t, w) in learnerVector {
            let scale = w / norm
            for e in postingsByTerm[t] {
                if scores[Int(e.posting)] == 0 { touched.append(e.posting) }
                scores[Int(e.posting)] += scale * e.weight
            }
        }
        // Counting sort into buckets over [0, 1.0001], highest first.
        let n = Self.buckets
        func bucket(_ score: Float) -> Int { n - 1 - min(n - 1, Int(score / 1.0001 * Float(n))) }
        var counts = [Int](repeating: 0, count: n + 1)
        for p in touched { counts[bucket(scores[Int(p)]) + 1] += 1 }
        for b in 0..<n { counts[b + 1] += counts[b] }
        var next = counts
        var entries = [(posting: Int32, score: Float)](repeating: (0, 0), count: touched.count)
        for p in touched {
            let s = scores[Int(p)]
            let b = bucket(s)
            entries[next[b]] = (p, s)
            next[b] += 1
        }
        let ceilings = (0..<n).map { Float(n - $0) / Float(n) * 1.0001 }
        return Ranking(entries: entries, starts: counts, ceilings: ceilings, sorted: [Bool](repeating: false, count: n))
    }

    func rerank(_ ranked: inout Ranking, k: Int, learner: MatchProfile, filters: MatchFilters, goals: [String: [Bool]]) -> [JobMatch] {
        guard k > 0 else { return [] }
        let place = learnerPlace(learner)
        let goalRows = learner.goals.map { goals[$0] ?? [] }
        let bound = Self.remoteBonus + (learner.goals.isEmpty ? 0 : Self.goalBonus) + (place.country >= 0 ? Self.countryBonus + (place.region >= 0 ? Self.regionBonus : 0) : 0)
        var best: [(p: Int, total: Float)] = []
        buckets: for b in 0..<ranked.ceilings.count where ranked.starts[b] < ranked.starts[b + 1] {
            if best.count == k, ranked.ceilings[b] + bound < best[k - 1].total { break }
            for entry in ranked.bucket(b) {
                if best.count == k, entry.score + bound < best[k - 1].total { break buckets }
                let p = Int(entry.posting)
                guard passes(p, filters), admits(p, learner) else { continue }
                var none: [String]?
                let total = entry.score + adjustment(p, learner, place: place, goal: goalRows.firstIndex { !$0.isEmpty && $0[p] }.map { learner.goals[$0] }, notes: &none)
                if best.count < k || total > best[best.count - 1].total || (total == best[best.count - 1].total && p < best[best.count - 1].p) {
                    let at = best.firstIndex { total > $0.total || (total == $0.total && p < $0.p) } ?? best.count
                    best.insert((p, total), at: at)
                    if best.count > k { best.removeLast() }
                }
            }
        }
        return best.map { explain($0.p, score: $0.total, learner: learner) }
    }

    /// The learner's country and region as the index's codes (-1: none, or not where any posting is).
    func learnerPlace(_ learner: MatchProfile) -> (country: Int32, region: Int32) {
        let country = learner.country.flatMap { placeCodes[$0.uppercased()] } ?? -1
        let region = learner.region.flatMap { r in learner.country.flatMap { placeCodes[$0.uppercased() + "/" + r.uppercased()] } } ?? -1
        return (country, region)
    }

    func passes(_ p: Int, _ filters: MatchFilters) -> Bool {
        if filters.noDegreeRequired && degrees[p].requirement != .noDegree { return false }
        if filters.remoteOnly && !remote[p] { return false }
        if !filters.employmentTypes.isEmpty && postings[p].employmentTypes.allSatisfy({ !filters.employmentTypes.contains($0) }) { return false }
        return true
    }

    /// Whether the posting takes an applicant where the learner lives: a remote posting open only to applicants in
    /// other countries is not shown (a learner whose country is unknown is not turned away).
    func admits(_ p: Int, _ learner: MatchProfile) -> Bool {
        guard remote[p], !applicantLocations[p].isEmpty, let country = learner.country, !country.isEmpty else { return true }
        return applicantLocations[p].contains { CountryNames.names(country, $0) }
    }

    /// Bonuses and penalty for one learner and posting (`goal`: the learner's goal the posting fits, if any), and,
    /// when `notes` is given, the words for each. Ranking and explanations both use this one rule.
    func adjustment(_ p: Int, _ learner: MatchProfile, place: (country: Int32, region: Int32), goal: String?, notes: inout [String]?) -> Float {
        var value: Float = 0
        if let goal {
            value += Self.goalBonus
            notes?.append("Fits your goal \"\(goal)\".")
        }
        if remote[p] {
            value += Self.remoteBonus
            if notes != nil {
                let where_ = postings[p].applicantLocations
                notes?.append(where_.isEmpty ? "Remote." : "Remote (applicants in \(where_.joined(separator: ", "))).")
            }
        }
        if place.country >= 0 && countries[p] == place.country {
            value += Self.countryBonus
            if place.region >= 0 && regions[p] == place.region {
                value += Self.regionBonus
                notes?.append("In your region (\(postings[p].locations.first?.label ?? "")).")
            } else {
                notes?.append("In your country.")
            }
        }
        if (requirementRank[p] == 3 && !learner.hasBachelor) || (requirementRank[p] == 4 && !learner.hasGraduate) {
            value -= Self.degreePenalty
            notes?.append("Asks for a degree you have not told us you hold.")
        } else if requirementRank[p] == 0 {
            notes?.append("No degree required.")
        }
        return value
    }

    func notes(_ p: Int, _ learner: MatchProfile) -> [String] {
        var notes: [String]? = []
        _ = adjustment(p, learner, place: learnerPlace(learner), goal: learner.goals.first { titles[p].contains($0) }, notes: &notes)
        return notes ?? []
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
                        degree: degrees[p], notes: notes(p, learner),
                        skillsAsked: asked[p].count, skillsAskedHeld: asked[p].count - missing.count)
    }
}

extension MatchProfile {
    /// A learner's profile from the catalog: every enrolled program's skills (1.0 when completed, 0.6 otherwise) and
    /// the terms named in the titles of the courses they completed (1.0).
    public static func from(learnerID: UUID, programs: [(program: Program, completed: Bool)], completedCourses: [Course],
                            vocabulary: SkillVocabulary = .standard, goals: [String] = [], country: String? = nil, region: String? = nil,
                            education: EducationLevel? = nil) -> MatchProfile {
        var skills: [String: Float] = [:]
        func add(_ t: SkillVocabulary.Term, _ w: Float) {
            skills[t.id] = max(skills[t.id] ?? 0, w)
            // Knowing JavaScript is knowing some programming.
            var implied = w
            for b in vocabulary.broader(of: t.id) {
                implied /= 2
                skills[b.id] = max(skills[b.id] ?? 0, implied)
            }
        }
        for (program, completed) in programs {
            for skill in program.skills {
                guard let t = vocabulary.map(skill) else { continue }
                add(t, completed ? 1 : 0.6)
            }
        }
        for course in completedCourses {
            for t in vocabulary.find(in: course.title) { add(t, 1) }
        }
        return MatchProfile(learnerID: learnerID, skills: skills, goals: goals, country: country, region: region,
                            hasBachelor: education?.hasBachelorOrHigher ?? false, hasGraduate: education?.hasGraduateDegree ?? false)
    }
}
