import Foundation
import PathwaysCore
import SQLKit

/// Employer partners, job postings and matching, learners' career goals, applications and career outcomes.
public struct CareerRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    // MARK: employers

    public struct Employer: Sendable, Equatable {
        public var id: UUID
        public var key: String
        public var name: String
        public var website: String?
        public var description: String?
        public var programIDs: [UUID]
    }

    /// Creates or updates an employer partner and the programs it hires from (by program key; an unknown key is an error).
    @discardableResult
    public func saveEmployer(key: String, name: String, website: String? = nil, description: String? = nil, programKeys: [String] = [], now: Date = Date()) async throws -> Employer {
        guard !key.isEmpty, !name.isEmpty else { throw StoreError.invalid("an employer needs a key and a name") }
        var programIDs: [UUID] = []
        for k in programKeys {
            guard let p = try await CatalogRepository(store: store).program(key: k) else { throw StoreError.invalid("no program with key \(k)") }
            programIDs.append(p.id)
        }
        let chosenPrograms = programIDs
        return try await store.transaction { db in
            let existing = try await db.raw("SELECT id FROM employers WHERE key = \(bind: key)").first()?.decode(column: "id", as: UUID.self)
            let id = existing ?? UUID()
            if existing == nil {
                try await db.raw("INSERT INTO employers (id, key, name, website, description, created_at) VALUES (\(bind: id), \(bind: key), \(bind: name), \(bind: website), \(bind: description), \(bind: now))").run()
            } else {
                try await db.raw("UPDATE employers SET name = \(bind: name), website = \(bind: website), description = \(bind: description) WHERE id = \(bind: id)").run()
                try await db.raw("DELETE FROM employer_programs WHERE employer_id = \(bind: id)").run()
            }
            for p in chosenPrograms {
                try await db.raw("INSERT INTO employer_programs (employer_id, program_id) VALUES (\(bind: id), \(bind: p))").run()
            }
            return Employer(id: id, key: key, name: name, website: website, description: description, programIDs: chosenPrograms)
        }
    }

    public func employers() async throws -> [Employer] {
        var programs: [UUID: [UUID]] = [:]
        for row in try await db.raw("SELECT employer_id, program_id FROM employer_programs").all() {
            programs[try row.decode(column: "employer_id", as: UUID.self), default: []].append(try row.decode(column: "program_id", as: UUID.self))
        }
        return try await db.raw("SELECT * FROM employers ORDER BY name").all().map { row in
            let id = try row.decode(column: "id", as: UUID.self)
            return Employer(id: id, key: try row.decode(column: "key", as: String.self), name: try row.decode(column: "name", as: String.self),
                            website: try row.decode(column: "website", as: String?.self), description: try row.decode(column: "description", as: String?.self),
                            programIDs: programs[id] ?? [])
        }
    }

    public func employer(key: String) async throws -> Employer? { try await employers().first { $0.key == key } }

    // MARK: postings

    public struct StoredPosting: Sendable, Equatable {
        public var posting: JobPosting
        public var employerID: UUID?
        public var degree: DegreeClassification
        public var source: String
    }

    public struct ImportSummary: Sendable, Equatable {
        public var added = 0
        public var updated = 0
        public var byRequirement: [DegreeRequirement: Int] = [:]
        public var description: String {
            "\(added) added, \(updated) updated; " + DegreeRequirement.allCases.compactMap { r in byRequirement[r].map { "\($0) \(r.label.lowercased())" } }.joined(separator: ", ")
        }
    }

    /// Who writes postings: an employer partner's account (its employer's key), or an administrator or the operator's
    /// CLI, optionally filing them under an employer partner.
    public enum PostingWriter: Sendable, Equatable {
        case employerAccount(key: String)
        case administrator(employerKey: String?)
    }

    /// Reads every file first (JSON-LD, HTML pages with JSON-LD blocks, or CSV by its .csv name); any error names the file and place and
    /// stores nothing. Then stores all postings in one transaction: a posting seen before (same organisation and
    /// identifier) is replaced, not duplicated, when `writer` may change it (`PostingOwnership`).
    public func importPostings(_ files: [(data: Data, name: String)], writer: PostingWriter = .administrator(employerKey: nil), now: Date = Date()) async throws -> ImportSummary {
        var read: [(JobPosting, String)] = []
        for file in files {
            let csv = file.name.lowercased().hasSuffix(".csv")
            for posting in try (csv ? JobPostingCSV.read(file.data, file: file.name) : JobPostingReader.read(file.data, file: file.name)) {
                read.append((posting, file.name))
            }
        }
        return try await store(read, writer: writer, now: now)
    }

    /// Stores postings entered in the web form or built elsewhere, as `importPostings` does. A posting `writer` may not
    /// write is refused naming its file and title, and nothing is stored.
    public func store(_ postings: [(JobPosting, String)], writer: PostingWriter = .administrator(employerKey: nil), now: Date = Date()) async throws -> ImportSummary {
        let partners = try await employers().map { PostingOwnership.Party(id: $0.id, key: $0.key, name: $0.name) }
        func party(_ key: String) throws -> PostingOwnership.Party {
            guard let p = partners.first(where: { $0.key == key }) else { throw StoreError.invalid("no employer with key \(key)") }
            return p
        }
        let rule: PostingOwnership.Writer = switch writer {
        case .employerAccount(let key): .employer(try party(key))
        case .administrator(let key): .administrator(for: try key.map(party))
        }
        let owner: PostingOwnership.Party? = switch rule {
        case .employer(let p): p
        case .administrator(let p): p
        }
        let employerID = owner?.id
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return try await store.transaction { db in
            var summary = ImportSummary()
            for (posting, source) in postings {
                var posting = posting
                let degree = DegreeClassifier.classify(posting)
                summary.byRequirement[degree.requirement, default: 0] += 1
                let key = posting.externalID.map { "\((posting.hiringOrganization ?? owner?.key ?? "").lowercased())|\($0)" }
                var existing: (any SQLRow)?
                if let key { existing = try await db.raw("SELECT id, employer_id FROM job_postings WHERE dedupe_key = \(bind: key)").first() }
                let existingOwner = try existing?.decode(column: "employer_id", as: UUID?.self)
                if let why = PostingOwnership.refusal(writer: rule, existing: (existingOwner.flatMap { o in partners.first { $0.id == o } }, existing != nil),
                                                      organisation: posting.hiringOrganization, partners: partners) {
                    throw JobPostingImportError(file: source, message: "posting \"\(posting.title)\"\(posting.externalID.map { " (identifier \($0))" } ?? ""): \(why).")
                }
                if let existing {
                    posting.id = try existing.decode(column: "id", as: UUID.self)
                    let json = String(decoding: try encoder.encode(posting), as: UTF8.self)
                    // The owner stays as it is: an update never moves a posting (and its applicants) to another employer.
                    try await db.raw("""
                        UPDATE job_postings SET title = \(bind: posting.title), posting = \(bind: json), degree_requirement = \(bind: degree.requirement.rawValue),
                          degree_reason = \(bind: degree.reason), remote = \(bind: posting.remote), date_posted = \(bind: posting.datePosted),
                          valid_through = \(bind: posting.validThrough), source = \(bind: source), imported_at = \(bind: now)
                        WHERE id = \(bind: posting.id)
                        """).run()
                    summary.updated += 1
                } else {
                    let json = String(decoding: try encoder.encode(posting), as: UTF8.self)
                    try await db.raw("""
                        INSERT INTO job_postings (id, employer_id, dedupe_key, title, posting, degree_requirement, degree_reason, remote, date_posted, valid_through, source, imported_at)
                        VALUES (\(bind: posting.id), \(bind: employerID), \(bind: key), \(bind: posting.title), \(bind: json), \(bind: degree.requirement.rawValue),
                                \(bind: degree.reason), \(bind: posting.remote), \(bind: posting.datePosted), \(bind: posting.validThrough), \(bind: source), \(bind: now))
                        """).run()
                    summary.added += 1
                }
            }
            return summary
        }
    }

    /// Postings open on `day` (posted by then, not past their closing date), newest first.
    public func postings(openOn day: Date = Date()) async throws -> [StoredPosting] {
        let decoder = Self.postingDecoder
        return try await store.reader.raw("""
            SELECT employer_id, posting, degree_requirement, degree_reason, source FROM job_postings
            WHERE (valid_through IS NULL OR valid_through >= \(bind: day)) AND (date_posted IS NULL OR date_posted <= \(bind: day))
            ORDER BY date_posted DESC, id
            """).all().map { try Self.storedPosting($0, decoder) }
    }

    static var postingDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }

    /// A row of `employer_id, posting, degree_requirement, degree_reason, source`.
    static func storedPosting(_ row: any SQLRow, _ decoder: JSONDecoder) throws -> StoredPosting {
        let posting = try decoder.decode(JobPosting.self, from: Data(try row.decode(column: "posting", as: String.self).utf8))
        let requirement = DegreeRequirement(rawValue: try row.decode(column: "degree_requirement", as: String.self)) ?? .unknown
        return StoredPosting(posting: posting, employerID: try row.decode(column: "employer_id", as: UUID?.self),
                             degree: DegreeClassification(requirement, reason: try row.decode(column: "degree_reason", as: String.self), source: ""),
                             source: try row.decode(column: "source", as: String.self))
    }

    // MARK: learners' side

    /// A learner's stated goals (occupations, titles or SOC codes, comma-separated), region, and whether employer
    /// partners hiring from their programs may see them as candidates.
    public func setGoals(learner: UUID, goals: [String], region: String?, shareWithEmployers: Bool = false, now: Date = Date()) async throws {
        let text = goals.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: ", ")
        try await store.transaction { db in
            try await db.raw("DELETE FROM career_goals WHERE learner_id = \(bind: learner)").run()
            try await db.raw("""
                INSERT INTO career_goals (learner_id, goals, region, share_with_employers, updated_at)
                VALUES (\(bind: learner), \(bind: text), \(bind: region), \(bind: shareWithEmployers), \(bind: now))
                """).run()
        }
    }

    public func goals(learner: UUID) async throws -> (goals: [String], region: String?, shareWithEmployers: Bool) {
        guard let row = try await db.raw("SELECT goals, region, share_with_employers FROM career_goals WHERE learner_id = \(bind: learner)").first() else { return ([], nil, false) }
        return (try row.decode(column: "goals", as: String.self).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                try row.decode(column: "region", as: String?.self), try row.decode(column: "share_with_employers", as: Bool.self))
    }

    // MARK: employers' side

    /// Ties an account with the employer role to an employer partner.
    public func linkAccount(email: String, employerKey: String) async throws {
        guard let employer = try await employer(key: employerKey) else { throw StoreError.invalid("no employer with key \(employerKey)") }
        guard let row = try await db.raw("SELECT id, role FROM users WHERE LOWER(email) = \(bind: email.lowercased())").first() else { throw StoreError.invalid("no account with email \(email)") }
        guard try row.decode(column: "role", as: String.self) == Role.employer.rawValue else { throw StoreError.invalid("\(email) is not an employer partner's account") }
        let user = try row.decode(column: "id", as: UUID.self)
        try await store.transaction { db in
            try await db.raw("DELETE FROM employer_accounts WHERE user_id = \(bind: user)").run()
            try await db.raw("INSERT INTO employer_accounts (user_id, employer_id) VALUES (\(bind: user), \(bind: employer.id))").run()
        }
    }

    public func employer(forUser user: UUID) async throws -> Employer? {
        guard let id = try await db.raw("SELECT employer_id FROM employer_accounts WHERE user_id = \(bind: user)").first()?.decode(column: "employer_id", as: UUID.self) else { return nil }
        return try await employers().first { $0.id == id }
    }

    public func posting(id: UUID) async throws -> StoredPosting? {
        guard let row = try await db.raw("SELECT employer_id, posting, degree_requirement, degree_reason, source FROM job_postings WHERE id = \(bind: id)").first() else { return nil }
        return try Self.storedPosting(row, Self.postingDecoder)
    }

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
        guard let stored = try await posting(id: id) else { return [] }
        guard !employer.programIDs.isEmpty else { return [] }
        let rows = try await db.raw("""
            SELECT DISTINCT l.id, l.name, l.email FROM career_goals g JOIN learners l ON l.id = g.learner_id JOIN enrollments e ON e.learner_id = l.id
            WHERE g.share_with_employers = \(bind: true) AND l.withdrawn_at IS NULL AND e.program_id IN (\(binds: employer.programIDs))
            """).all()
        let index = MatchIndex(postings: [stored.posting])
        let titles = Dictionary(uniqueKeysWithValues: try await CatalogRepository(store: store).programs().map { ($0.id, $0.title) })
        var out: [Candidate] = []
        for row in rows {
            let learner = try row.decode(column: "id", as: UUID.self)
            guard let profile = try await matchProfile(learner: learner), let match = index.top(1, for: profile).first else { continue }
            let programs = try await LearnerRepository(store: store).enrollments(learnerID: learner).compactMap { titles[$0.programID] }
            out.append(Candidate(learnerID: learner, name: try row.decode(column: "name", as: String?.self), email: try row.decode(column: "email", as: String?.self),
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
        let goals = try await goals(learner: id)
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
    func openIndex(on day: Date) async throws -> (MatchIndex, [StoredPosting]) {
        let row = try await store.reader.raw("SELECT COUNT(*) AS n, MAX(imported_at) AS latest FROM job_postings").first()
        let version = "\(try row?.decode(column: "n", as: Int.self) ?? 0)|\(try row?.decode(column: "latest", as: Date?.self)?.timeIntervalSince1970 ?? 0)|\(Int(day.timeIntervalSince1970 / 86_400))"
        if let cached = await MatchIndexCache.shared.get(store: store, version: version) { return cached }
        let stored = try await postings(openOn: day)
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

extension CareerRepository {
}

// MARK: applications and outcomes

extension CareerRepository {
    public enum ApplicationStatus: String, Sendable, CaseIterable {
        case applied, interviewing, offered, hired, declined, withdrawn
        public var label: String { rawValue.capitalized }
    }

    public struct Application: Sendable, Equatable {
        public var id: UUID
        public var postingID: UUID
        public var title: String
        public var status: ApplicationStatus
        public var appliedAt: Date
        public var interviewAt: Date?
        public var statusAt: Date
    }

    /// Records that the learner applied to a posting (once; applying again keeps the first).
    @discardableResult
    public func apply(learner: UUID, posting: UUID, by who: String, now: Date = Date()) async throws -> Application {
        guard let row = try await db.raw("SELECT title FROM job_postings WHERE id = \(bind: posting)").first() else { throw StoreError.invalid("there is no such posting") }
        if let existing = try await applications(learner: learner).first(where: { $0.postingID == posting }) { return existing }
        let id = UUID()
        try await db.raw("""
            INSERT INTO job_applications (id, learner_id, posting_id, status, applied_at, status_at, recorded_by)
            VALUES (\(bind: id), \(bind: learner), \(bind: posting), 'applied', \(bind: now), \(bind: now), \(bind: who))
            """).run()
        return Application(id: id, postingID: posting, title: try row.decode(column: "title", as: String.self), status: .applied, appliedAt: now, interviewAt: nil, statusAt: now)
    }

    public func setApplication(_ id: UUID, learner: UUID, status: ApplicationStatus, interviewAt: Date? = nil, now: Date = Date()) async throws {
        try await db.raw("""
            UPDATE job_applications SET status = \(bind: status.rawValue), interview_at = COALESCE(\(bind: interviewAt), interview_at), status_at = \(bind: now)
            WHERE id = \(bind: id) AND learner_id = \(bind: learner)
            """).run()
    }

    public func applications(learner: UUID) async throws -> [Application] {
        try await db.raw("""
            SELECT a.*, p.title FROM job_applications a JOIN job_postings p ON p.id = a.posting_id WHERE a.learner_id = \(bind: learner) ORDER BY a.applied_at DESC
            """).all().map(Self.application)
    }

    /// A `job_applications` row joined with its posting's `title`.
    static func application(_ row: any SQLRow) throws -> Application {
        Application(id: try row.decode(column: "id", as: UUID.self), postingID: try row.decode(column: "posting_id", as: UUID.self),
                    title: try row.decode(column: "title", as: String.self),
                    status: ApplicationStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .applied,
                    appliedAt: try row.decode(column: "applied_at", as: Date.self), interviewAt: try row.decode(column: "interview_at", as: Date?.self),
                    statusAt: try row.decode(column: "status_at", as: Date.self))
    }

    public enum OutcomeKind: String, Sendable, CaseIterable {
        case newJob = "new_job", promotion, raise, bonus
        public var label: String {
            switch self {
            case .newJob: "New job"
            case .promotion: "Promotion"
            case .raise: "Raise"
            case .bonus: "Bonus"
            }
        }
    }

    public struct Outcome: Sendable, Equatable {
        public var id: UUID
        public var kind: OutcomeKind
        public var occurredOn: Date
        public var sector: String?
        public var salaryBand: String?
        public var annualSalary: Double?
        public var noDegreeRole: Bool?
        public var source: String
    }

    /// A career outcome the learner reports (portal or survey answer) or an administrator records.
    public func recordOutcome(learner: UUID, kind: OutcomeKind, occurredOn: Date, sector: String? = nil, salaryBand: String? = nil,
                              annualSalary: Double? = nil, noDegreeRole: Bool? = nil, posting: UUID? = nil, source: String, now: Date = Date()) async throws {
        guard occurredOn <= now.addingTimeInterval(86_400) else { throw StoreError.invalid("occurred_on: the outcome's date cannot be in the future") }
        if let annualSalary, !(annualSalary >= 0 && annualSalary < 10_000_000) { throw StoreError.invalid("annual_salary: a yearly amount from 0 to 10,000,000") }
        try await recordOutcomes([NewOutcome(learner: learner, kind: kind, occurredOn: occurredOn, sector: sector, salaryBand: salaryBand,
                                             annualSalary: annualSalary, noDegreeRole: noDegreeRole, posting: posting, source: source)], now: now)
    }

    public func outcomes(learner: UUID) async throws -> [Outcome] {
        try await db.raw("SELECT * FROM career_outcomes WHERE learner_id = \(bind: learner) ORDER BY occurred_on DESC").all().map { row in
            Outcome(id: try row.decode(column: "id", as: UUID.self), kind: OutcomeKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .newJob,
                    occurredOn: try row.decode(column: "occurred_on", as: Date.self), sector: try row.decode(column: "sector", as: String?.self),
                    salaryBand: try row.decode(column: "salary_band", as: String?.self), annualSalary: try row.decode(column: "annual_salary", as: Double?.self),
                    noDegreeRole: try row.decode(column: "no_degree_role", as: Bool?.self), source: try row.decode(column: "source", as: String.self))
        }
    }

    /// Outcomes per program at 3, 6 and 12 months after completion, in the shape of Credential Engine's
    /// AggregateDataProfile: number awarded (completers), jobs obtained within the months (a new job or promotion
    /// dated after completion and within the window), median earnings of those jobs' reported yearly salaries.
    public struct AggregateProfile: Sendable, Equatable {
        public var programKey: String
        public var programTitle: String
        public var postReceiptMonths: Int
        public var numberAwarded: Int
        public var jobsObtained: Int
        public var noDegreeRoles: Int
        public var medianEarnings: Double?
        public var earningsReported: Int

        /// As CTDL JSON-LD (`ceterms:AggregateDataProfile`).
        public var ctdl: [String: Any] {
            var o: [String: Any] = [
                "@type": "ceterms:AggregateDataProfile", "ceterms:description": ["en": "Outcomes of \(programTitle) completers \(postReceiptMonths) months after completion"],
                "ceterms:numberAwarded": numberAwarded, "ceterms:postReceiptMonths": postReceiptMonths,
                "ceterms:jobsObtained": [["@type": "schema:QuantitativeValue", "schema:value": jobsObtained]],
                "ceterms:currency": "USD",
            ]
            if let medianEarnings { o["ceterms:medianEarnings"] = medianEarnings }
            return o
        }
    }

    public func outcomeProfiles(months: [Int] = [3, 6, 12], asOf now: Date = Date()) async throws -> [AggregateProfile] {
        let completions = try await db.raw("""
            SELECT fe.learner_id, fe.program_id, p.external_id, p.title, \(unsafeRaw: FrameSQL.completionDate) AS completed
            FROM enrollments fe JOIN programs p ON p.id = fe.program_id
            LEFT JOIN credentials cr ON cr.learner_id = fe.learner_id AND cr.program_id = fe.program_id AND cr.course_id IS NULL
            """).all().compactMap { row -> (learner: UUID, key: String, title: String, completed: Date)? in
            guard let completed = try row.decode(column: "completed", as: Date?.self) else { return nil }
            return (try row.decode(column: "learner_id", as: UUID.self), try row.decode(column: "external_id", as: String.self),
                    try row.decode(column: "title", as: String.self), completed)
        }
        var outcomes: [UUID: [(kind: String, on: Date, salary: Double?, noDegree: Bool?)]] = [:]
        for row in try await db.raw("SELECT learner_id, kind, occurred_on, annual_salary, no_degree_role FROM career_outcomes").all() {
            outcomes[try row.decode(column: "learner_id", as: UUID.self), default: []].append(
                (try row.decode(column: "kind", as: String.self), try row.decode(column: "occurred_on", as: Date.self),
                 try row.decode(column: "annual_salary", as: Double?.self), try row.decode(column: "no_degree_role", as: Bool?.self)))
        }
        var out: [AggregateProfile] = []
        let byProgram = Dictionary(grouping: completions, by: \.key)
        for key in byProgram.keys.sorted() {
            let list = byProgram[key]!
            for m in months {
                // Only completers whose window has fully passed are counted, so the share is not diluted by recent ones.
                let eligible = list.filter { Calendar(identifier: .gregorian).date(byAdding: .month, value: m, to: $0.completed)! <= now }
                var jobs = 0, noDegree = 0
                var salaries: [Double] = []
                for c in eligible {
                    let end = Calendar(identifier: .gregorian).date(byAdding: .month, value: m, to: c.completed)!
                    let found = (outcomes[c.learner] ?? []).filter { ($0.kind == OutcomeKind.newJob.rawValue || $0.kind == OutcomeKind.promotion.rawValue) && $0.on >= c.completed && $0.on <= end }
                        .sorted { $0.on < $1.on }
                    guard let first = found.first else { continue }
                    jobs += 1
                    if first.noDegree == true { noDegree += 1 }
                    if let s = first.salary { salaries.append(s) }
                }
                salaries.sort()
                // A median of fewer than five salaries would come close to showing someone's pay: withheld.
                let median: Double? = salaries.count < 5 ? nil : salaries.count % 2 == 1 ? salaries[salaries.count / 2] : (salaries[salaries.count / 2 - 1] + salaries[salaries.count / 2]) / 2
                out.append(AggregateProfile(programKey: key, programTitle: list[0].title, postReceiptMonths: m, numberAwarded: eligible.count,
                                            jobsObtained: jobs, noDegreeRoles: noDegree, medianEarnings: median, earningsReported: salaries.count))
            }
        }
        return out
    }
}

// MARK: outcomes from survey answers

extension CareerRepository {
    /// How a study's answers become career outcomes: the select_multiple item whose choices name outcomes, which
    /// choice means which outcome, and the items holding the sector and yearly income.
    public struct SurveyOutcomeMapping: Sendable {
        public var item: String
        public var choices: [String: OutcomeKind]
        public var sectorItem: String?
        public var incomeItem: String?

        /// The follow-up survey's benefits question (as in the seed survey): promotion, raise, bonus, and a new or
        /// first job the courses helped to get.
        public static let followUp = SurveyOutcomeMapping(
            item: "benefits",
            choices: ["promotion": .promotion, "raise": .raise, "bonus": .bonus, "got_first_job": .newJob, "moved_job_internal": .newJob],
            sectorItem: "sector", incomeItem: "income")
    }

    /// Records an outcome for each outcome choice in each submitted answer of the study (dated at submission, the
    /// survey not asking when), once per case and kind: running it again adds only what is new. Returns how many.
    @discardableResult
    public func outcomesFromSurvey(study: UUID, mapping: SurveyOutcomeMapping = .followUp, now: Date = Date()) async throws -> Int {
        let items = [mapping.item] + [mapping.sectorItem, mapping.incomeItem].compactMap { $0 }
        let rows = try await db.raw("""
            SELECT c.id AS case_id, c.learner_id, c.submitted_at, si.item_key, rv.value
            FROM response_values rv JOIN wave_cases c ON c.id = rv.case_id JOIN waves w ON w.id = c.wave_id
            JOIN study_items si ON si.id = rv.item_id JOIN learners l ON l.id = c.learner_id
            WHERE w.study_id = \(bind: study) AND si.item_key IN (\(binds: items)) AND c.submitted_at IS NOT NULL AND l.withdrawn_at IS NULL
            """).all()
        var cases: [Int64: (learner: UUID, at: Date, values: [String: String])] = [:]
        for row in rows {
            let id = try row.decode(column: "case_id", as: Int64.self)
            var entry = try cases[id] ?? (row.decode(column: "learner_id", as: UUID.self), row.decode(column: "submitted_at", as: Date.self), [:])
            entry.values[try row.decode(column: "item_key", as: String.self)] = try row.decode(column: "value", as: String.self)
            cases[id] = entry
        }
        let existing = Set(try await db.raw("SELECT learner_id, kind, source FROM career_outcomes WHERE source LIKE 'survey case %'").all().map {
            "\(try $0.decode(column: "learner_id", as: UUID.self))|\(try $0.decode(column: "kind", as: String.self))|\(try $0.decode(column: "source", as: String.self))"
        })
        var found: [NewOutcome] = []
        for (id, c) in cases.sorted(by: { $0.key < $1.key }) {
            let chosen = Set((c.values[mapping.item] ?? "").split(separator: " ").map(String.init))
            let kinds = Set(chosen.compactMap { mapping.choices[$0] })
            let source = "survey case \(id)"
            let sector = mapping.sectorItem.flatMap { c.values[$0] }.flatMap { $0.isEmpty ? nil : String($0.prefix(120)) }
            let income = mapping.incomeItem.flatMap { c.values[$0] }.flatMap(Double.init)
            for kind in kinds.sorted(by: { $0.rawValue < $1.rawValue }) where !existing.contains("\(c.learner)|\(kind.rawValue)|\(source)") {
                let salary: Double? = (kind == .newJob || kind == .promotion) ? income : nil
                found.append(NewOutcome(learner: c.learner, kind: kind, occurredOn: c.at, sector: sector, annualSalary: salary, source: source))
            }
        }
        try await recordOutcomes(found, now: now)
        return found.count
    }
}

extension CareerRepository {
    public struct NewOutcome: Sendable {
        public var learner: UUID
        public var kind: OutcomeKind
        public var occurredOn: Date
        public var sector: String?
        public var salaryBand: String?
        public var annualSalary: Double?
        public var noDegreeRole: Bool?
        public var posting: UUID?
        public var source: String

        public init(learner: UUID, kind: OutcomeKind, occurredOn: Date, sector: String? = nil, salaryBand: String? = nil, annualSalary: Double? = nil,
                    noDegreeRole: Bool? = nil, posting: UUID? = nil, source: String) {
            self.learner = learner
            self.kind = kind
            self.occurredOn = occurredOn
            self.sector = sector
            self.salaryBand = salaryBand
            self.annualSalary = annualSalary
            self.noDegreeRole = noDegreeRole
            self.posting = posting
            self.source = source
        }
    }

    /// Records outcomes in one transaction (one from the portal, many from survey answers or the demo).
    public func recordOutcomes(_ outcomes: [NewOutcome], now: Date = Date()) async throws {
        let rows: [[any Encodable & Sendable]] = outcomes.map {
            [UUID(), $0.learner, $0.kind.rawValue, $0.occurredOn, $0.sector, $0.salaryBand, $0.annualSalary, $0.noDegreeRole, $0.posting, $0.source, now]
        }
        try await store.transaction { db in
            try await BulkWrite.insert(db, into: "career_outcomes", columns: ["id", "learner_id", "kind", "occurred_on", "sector", "salary_band", "annual_salary",
                                                                              "no_degree_role", "posting_id", "source", "recorded_at"], rows: rows)
        }
    }
}

extension CareerRepository {
    public struct Applicant: Sendable {
        public var application: Application
        public var learnerID: UUID
        public var name: String?
        public var email: String?
    }

    /// Applications to a posting, as its employer may see them: only from learners who chose to be seen by employer
    /// partners (the others' applications stay the learners' own record).
    public func applicants(posting: UUID) async throws -> [Applicant] {
        try await db.raw("""
            SELECT a.*, p.title, l.name, l.email FROM job_applications a JOIN job_postings p ON p.id = a.posting_id JOIN learners l ON l.id = a.learner_id
            JOIN career_goals g ON g.learner_id = a.learner_id
            WHERE a.posting_id = \(bind: posting) AND g.share_with_employers = \(bind: true) AND l.withdrawn_at IS NULL ORDER BY a.applied_at
            """).all().map { row in
            Applicant(application: try Self.application(row), learnerID: try row.decode(column: "learner_id", as: UUID.self), name: try row.decode(column: "name", as: String?.self),
                      email: try row.decode(column: "email", as: String?.self))
        }
    }

    /// The posting an application is to, for checking who may change it.
    public func postingOf(application: UUID) async throws -> UUID? {
        try await db.raw("SELECT posting_id FROM job_applications WHERE id = \(bind: application)").first()?.decode(column: "posting_id", as: UUID.self)
    }

    /// The employer's side of an application: interviewing (with the interview's time), offered, hired, declined.
    public func setApplicationByEmployer(_ id: UUID, status: ApplicationStatus, interviewAt: Date?, now: Date = Date()) async throws {
        try await db.raw("""
            UPDATE job_applications SET status = \(bind: status.rawValue), interview_at = COALESCE(\(bind: interviewAt), interview_at), status_at = \(bind: now),
                   recorded_by = 'employer' WHERE id = \(bind: id)
            """).run()
    }
}
