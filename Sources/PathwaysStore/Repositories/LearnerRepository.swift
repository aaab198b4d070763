import Foundation
import PathwaysCore
import SQLKit

/// Learners, their enrollments and course progress.
public struct LearnerRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    /// A learner as listed, with their enrollments.
    public struct Listed: Sendable, Equatable {
        public var learner: Learner
        public var enrollments: [Enrollment]
    }

    public struct Page: Sendable {
        public var items: [Listed]
        public var total: Int
    }

    /// Learners the visibility allows, matching `search` (learner id, name or email), ordered by learner id.
    public func list(visibility: AccessPolicy.LearnerVisibility, programID: UUID? = nil, search: String? = nil, limit: Int = 50, offset: Int = 0) async throws -> Page {
        var conditions: [SQLQueryString] = []
        switch visibility {
        case .all: break
        case .none: return Page(items: [], total: 0)
        case .only(let id): conditions.append("l.id = \(bind: id)")
        case .enrolledIn(let programs):
            if programs.isEmpty { return Page(items: [], total: 0) }
            conditions.append("EXISTS (SELECT 1 FROM enrollments e WHERE e.learner_id = l.id AND e.program_id IN (\(binds: Array(programs))))")
        }
        if let programID {
            conditions.append("EXISTS (SELECT 1 FROM enrollments e2 WHERE e2.learner_id = l.id AND e2.program_id = \(bind: programID))")
        }
        if let search, !search.isEmpty {
            let pattern = "%" + search.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            conditions.append("(LOWER(l.external_id) LIKE \(bind: pattern) OR LOWER(l.name) LIKE \(bind: pattern) OR LOWER(l.email) LIKE \(bind: pattern))")
        }
        var whereClause: SQLQueryString = ""
        for (i, c) in conditions.enumerated() { whereClause = whereClause + (i == 0 ? " WHERE " : " AND ") + c }
        let total = try await db.raw("SELECT COUNT(*) AS n FROM learners l\(whereClause)").first()!.decode(column: "n", as: Int.self)
        let rows = try await db.raw("SELECT l.* FROM learners l\(whereClause) ORDER BY l.external_id LIMIT \(literal: limit) OFFSET \(literal: offset)").all()
        let learners = try rows.map(Self.learner)
        let enrollments = try await enrollments(learnerIDs: learners.map(\.id))
        return Page(items: learners.map { Listed(learner: $0, enrollments: enrollments[$0.id] ?? []) }, total: total)
    }

    public func learner(id: UUID) async throws -> Learner? {
        try await db.raw("SELECT * FROM learners WHERE id = \(bind: id)").first().map(Self.learner)
    }

    public func learner(key: String) async throws -> Learner? {
        try await db.raw("SELECT * FROM learners WHERE external_id = \(bind: key)").first().map(Self.learner)
    }

    /// Learners by platform id or by email (lower-cased), for files that name them: id, and whether they withdrew.
    public func identify(keys: [String], byEmail: Bool) async throws -> [String: (id: UUID, withdrawn: Bool)] {
        var found: [String: (id: UUID, withdrawn: Bool)] = [:]
        for part in keys.chunked(500) {
            let rows = byEmail
                ? try await db.raw("SELECT id, LOWER(email) AS k, withdrawn_at FROM learners WHERE LOWER(email) IN (\(binds: part.map { $0.lowercased() }))").all()
                : try await db.raw("SELECT id, external_id AS k, withdrawn_at FROM learners WHERE external_id IN (\(binds: part))").all()
            for row in rows {
                found[try row.decode(column: "k", as: String.self)] = (try row.decode(column: "id", as: UUID.self),
                                                                      try row.decode(column: "withdrawn_at", as: Date?.self) != nil)
            }
        }
        return found
    }

    public func count() async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM learners").first()!.decode(column: "n", as: Int.self)
    }

    func enrollments(learnerIDs: [UUID]) async throws -> [UUID: [Enrollment]] {
        guard !learnerIDs.isEmpty else { return [:] }
        let rows = try await db.raw("SELECT * FROM enrollments WHERE learner_id IN (\(binds: learnerIDs)) ORDER BY enrolled_at").all()
        return Dictionary(grouping: try rows.map(Self.enrollment), by: \.learnerID)
    }

    public func enrollments(learnerID: UUID) async throws -> [Enrollment] {
        try await enrollments(learnerIDs: [learnerID])[learnerID] ?? []
    }

    public func progress(learnerID: UUID) async throws -> [CourseProgress] {
        try await db.raw("SELECT * FROM course_progress WHERE learner_id = \(bind: learnerID)").all().map(Self.progress)
    }


    // MARK: rows

    static func learner(_ row: any SQLRow) throws -> Learner {
        func coded<T: CodedValue>(_ column: String, _: T.Type) throws -> T? {
            try row.decode(column: column, as: String?.self).flatMap { T(rawValue: $0) }
        }
        let races = try row.decode(column: "races", as: String?.self)?.split(separator: ";").compactMap { Race(rawValue: String($0)) } ?? []
        let profile = LearnerProfile(
            gender: try coded("gender", Gender.self), birthYear: try row.decode(column: "birth_year", as: Int?.self),
            hispanic: try coded("hispanic", YesNoUndisclosed.self), races: races, country: try row.decode(column: "country", as: String?.self),
            englishProficiency: try coded("english_proficiency", EnglishProficiency.self),
            highestEducation: try coded("highest_education", EducationLevel.self), studentStatus: try coded("student_status", StudentStatus.self),
            employmentStatus: try coded("employment_status", EmploymentStatus.self), sector: try row.decode(column: "sector", as: String?.self),
            businessOwner: try row.decode(column: "business_owner", as: Bool?.self), incomeBand: try coded("income_band", IncomeBand.self))
        var learner = Learner(
            id: try row.decode(column: "id", as: UUID.self), key: try row.decode(column: "external_id", as: String.self),
            name: try row.decode(column: "name", as: String?.self), email: try row.decode(column: "email", as: String?.self),
            profileConsentAt: try row.decode(column: "profile_consent_at", as: Date?.self), profile: profile)
        learner.withdrawnAt = try row.decode(column: "withdrawn_at", as: Date?.self)
        learner.researchWithdrawnAt = try row.decode(column: "research_withdrawn_at", as: Date?.self)
        return learner
    }

    static let learnerColumns = ["id", "external_id", "name", "email", "profile_consent_at", "gender", "birth_year", "hispanic", "races",
                                 "country", "english_proficiency", "highest_education", "student_status", "employment_status", "sector",
                                 "business_owner", "income_band", "created_at", "updated_at"]

    static func learnerValues(_ l: Learner, now: Date) -> [any Encodable & Sendable] {
        let p = l.profile
        return [l.id, l.key, l.name, l.email, l.profileConsentAt, p.gender?.rawValue, p.birthYear, p.hispanic?.rawValue,
                p.races.isEmpty ? nil : p.races.map(\.rawValue).joined(separator: ";"), p.country, p.englishProficiency?.rawValue,
                p.highestEducation?.rawValue, p.studentStatus?.rawValue, p.employmentStatus?.rawValue, p.sector, p.businessOwner,
                p.incomeBand?.rawValue, now, now]
    }

    static func enrollment(_ row: any SQLRow) throws -> Enrollment {
        Enrollment(
            id: try row.decode(column: "id", as: UUID.self), learnerID: try row.decode(column: "learner_id", as: UUID.self),
            programID: try row.decode(column: "program_id", as: UUID.self), enrolledAt: try row.decode(column: "enrolled_at", as: Date.self),
            status: EnrollmentStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .active,
            completedAt: try row.decode(column: "completed_at", as: Date?.self))
    }

    static func progress(_ row: any SQLRow) throws -> CourseProgress {
        CourseProgress(
            learnerID: try row.decode(column: "learner_id", as: UUID.self), courseID: try row.decode(column: "course_id", as: UUID.self),
            progressPercent: try row.decode(column: "progress_percent", as: Double.self), grade: try row.decode(column: "grade", as: Double?.self),
            completedAt: try row.decode(column: "completed_at", as: Date?.self))
    }

    /// The learner's program completion dates by the record of truth (an issued credential's date where one
    /// exists, none when it was revoked, else the enrollment's), by program.
    public func recordCompletions(learnerID: UUID) async throws -> [UUID: Date] {
        var out: [UUID: Date] = [:]
        for row in try await store.sql.raw("""
            SELECT fe.program_id, \(unsafeRaw: FrameSQL.completionDate) AS completed_at
            FROM enrollments fe LEFT JOIN credentials cr ON cr.learner_id = fe.learner_id AND cr.program_id = fe.program_id AND cr.course_id IS NULL
            WHERE fe.learner_id = \(bind: learnerID)
            """).all() {
            if let at = try row.decode(column: "completed_at", as: Date?.self) { out[try row.decode(column: "program_id", as: UUID.self)] = at }
        }
        return out
    }
}
