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
            guard let p = try await db.raw("SELECT id FROM programs WHERE external_id = \(bind: k)").first()?.decode(column: "id", as: UUID.self) else { throw StoreError.invalid("no program with key \(k)") }
            programIDs.append(p)
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
        /// Recommended fields not kept as given, each named by file, line and property; their postings are stored.
        public var warnings: [String] = []
        public var description: String {
            "\(added) added, \(updated) updated; " + DegreeRequirement.allCases.compactMap { r in byRequirement[r].map { "\($0) \(r.label.lowercased())" } }.joined(separator: ", ")
                + warnings.map { "\nwarning: " + $0 }.joined()
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
        var warnings: [JobPostingImportError] = []
        for file in files {
            let csv = file.name.lowercased().hasSuffix(".csv")
            for posting in try (csv ? JobPostingCSV.read(file.data, file: file.name) : JobPostingReader.read(file.data, file: file.name, warnings: &warnings)) {
                read.append((posting, file.name))
            }
        }
        var summary = try await store(read, writer: writer, now: now)
        summary.warnings = warnings.map(\.description)
        return summary
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
                let key = posting.dedupeKey(ownerKey: owner?.key)
                let existing = try await db.raw("SELECT id, employer_id FROM job_postings WHERE dedupe_key = \(bind: key)").first()
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

    /// A page of the postings open on `day`, newest first: those whose title, employer or text contains `search`, of one
    /// employer partner when `employerID` is given; with how many match and how many of those fall under each degree
    /// requirement.
    public func postingsPage(openOn day: Date = Date(), search: String?, employerID: UUID?, limit: Int, offset: Int) async throws
        -> (items: [StoredPosting], total: Int, byDegree: [DegreeRequirement: Int]) {
        var conditions: [SQLQueryString] = [
            "(p.valid_through IS NULL OR p.valid_through >= \(bind: day))", "(p.date_posted IS NULL OR p.date_posted <= \(bind: day))",
        ]
        if let employerID { conditions.append("p.employer_id = \(bind: employerID)") }
        if let search, !search.trimmingCharacters(in: .whitespaces).isEmpty {
            let pattern = "%" + search.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            conditions.append("(LOWER(p.title) LIKE \(bind: pattern) OR LOWER(e.name) LIKE \(bind: pattern) OR LOWER(p.posting) LIKE \(bind: pattern))")
        }
        var whereClause: SQLQueryString = ""
        for (i, c) in conditions.enumerated() { whereClause = whereClause + (i == 0 ? " WHERE " : " AND ") + c }
        let from: SQLQueryString = " FROM job_postings p LEFT JOIN employers e ON e.id = p.employer_id"
        var byDegree: [DegreeRequirement: Int] = [:]
        for row in try await store.reader.raw("SELECT p.degree_requirement AS d, COUNT(*) AS n\(from)\(whereClause) GROUP BY p.degree_requirement").all() {
            byDegree[DegreeRequirement(rawValue: try row.decode(column: "d", as: String.self)) ?? .unknown, default: 0] += try row.decode(column: "n", as: Int.self)
        }
        let decoder = Self.postingDecoder
        let items = try await store.reader.raw("""
            SELECT p.employer_id, p.posting, p.degree_requirement, p.degree_reason, p.source\(from)\(whereClause)
            ORDER BY p.date_posted DESC, p.id LIMIT \(literal: limit) OFFSET \(literal: offset)
            """).all().map { try Self.storedPosting($0, decoder) }
        return (items, byDegree.values.reduce(0, +), byDegree)
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

    /// The emails of the accounts that act for an employer partner.
    public func accountEmails(employer: UUID) async throws -> [String] {
        try await db.raw("""
            SELECT u.email FROM employer_accounts ea JOIN users u ON u.id = ea.user_id WHERE ea.employer_id = \(bind: employer) ORDER BY u.email
            """).all().map { try $0.decode(column: "email", as: String.self) }
    }

    public func employer(forUser user: UUID) async throws -> Employer? {
        guard let id = try await db.raw("SELECT employer_id FROM employer_accounts WHERE user_id = \(bind: user)").first()?.decode(column: "employer_id", as: UUID.self) else { return nil }
        return try await employers().first { $0.id == id }
    }

    public func posting(id: UUID) async throws -> StoredPosting? {
        guard let row = try await db.raw("SELECT employer_id, posting, degree_requirement, degree_reason, source FROM job_postings WHERE id = \(bind: id)").first() else { return nil }
        return try Self.storedPosting(row, Self.postingDecoder)
    }

    /// Learners who chose to be seen by employer partners, enrolled in one of these programs.
    public func visibleLearners(inPrograms programIDs: [UUID]) async throws -> [(id: UUID, name: String?, email: String?)] {
        guard !programIDs.isEmpty else { return [] }
        return try await db.raw("""
            SELECT DISTINCT l.id, l.name, l.email FROM career_goals g JOIN learners l ON l.id = g.learner_id JOIN enrollments e ON e.learner_id = l.id
            WHERE g.share_with_employers = \(bind: true) AND l.withdrawn_at IS NULL AND e.program_id IN (\(binds: programIDs))
            """).all().map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "name", as: String?.self), try $0.decode(column: "email", as: String?.self)) }
    }

    /// Changes whenever a posting is added or changed: how many there are and the latest import.
    public func postingsVersion() async throws -> String {
        let row = try await store.reader.raw("SELECT COUNT(*) AS n, MAX(imported_at) AS latest FROM job_postings").first()
        return "\(try row?.decode(column: "n", as: Int.self) ?? 0)|\(try row?.decode(column: "latest", as: Date?.self)?.timeIntervalSince1970 ?? 0)"
    }
}
