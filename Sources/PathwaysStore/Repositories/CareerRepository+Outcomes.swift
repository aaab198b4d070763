import Foundation
import PathwaysCore
import SQLKit

// Applications, interviews and career outcomes: the rows; what they mean is in Core (`CareerOutcome`).
extension CareerRepository {
    public typealias ApplicationStatus = PathwaysCore.ApplicationStatus
    public typealias Application = JobApplication
    public typealias OutcomeKind = CareerOutcomeKind
    public typealias Outcome = CareerOutcome
    public typealias NewOutcome = NewCareerOutcome
    public typealias AggregateProfile = OutcomeProfile
    public typealias SurveyOutcomeMapping = PathwaysCore.SurveyOutcomeMapping

    /// Records that the learner applied to a posting (once; applying again keeps the first).
    @discardableResult
    public func apply(learner: UUID, posting: UUID, by who: String, now: Date = Date()) async throws -> Application {
        guard let row = try await db.raw("SELECT title FROM job_postings WHERE id = \(bind: posting)").first() else { throw StoreError.invalid("there is no such posting") }
        if let existing = try await applications(learner: learner).first(where: { $0.postingID == posting }) { return existing }
        let id = UUID()
        try await db.raw("""
            INSERT INTO job_applications (id, learner_id, posting_id, status, applied_at, status_at, recorded_by)
            VALUES (\(bind: id), \(bind: learner), \(bind: posting), \(bind: ApplicationStatus.applied.rawValue), \(bind: now), \(bind: now), \(bind: who))
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

    // MARK: outcomes

    /// A career outcome the learner reports (portal or survey answer) or an administrator records.
    public func recordOutcome(learner: UUID, kind: OutcomeKind, occurredOn: Date, sector: String? = nil, salaryBand: String? = nil,
                              annualSalary: Double? = nil, noDegreeRole: Bool? = nil, posting: UUID? = nil, source: String, now: Date = Date()) async throws {
        if let problem = NewOutcome.problem(occurredOn: occurredOn, annualSalary: annualSalary, now: now) { throw StoreError.invalid(problem) }
        try await recordOutcomes([NewOutcome(learner: learner, kind: kind, occurredOn: occurredOn, sector: sector, salaryBand: salaryBand,
                                             annualSalary: annualSalary, noDegreeRole: noDegreeRole, posting: posting, source: source)], now: now)
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

    public func outcomes(learner: UUID) async throws -> [Outcome] {
        try await db.raw("SELECT * FROM career_outcomes WHERE learner_id = \(bind: learner) ORDER BY occurred_on DESC").all().map { row in
            Outcome(id: try row.decode(column: "id", as: UUID.self), kind: OutcomeKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .newJob,
                    occurredOn: try row.decode(column: "occurred_on", as: Date.self), sector: try row.decode(column: "sector", as: String?.self),
                    salaryBand: try row.decode(column: "salary_band", as: String?.self), annualSalary: try row.decode(column: "annual_salary", as: Double?.self),
                    noDegreeRole: try row.decode(column: "no_degree_role", as: Bool?.self), source: try row.decode(column: "source", as: String.self))
        }
    }

    /// Outcomes per program at `months` after completion (`OutcomeProfile.compute` over every completion, by the
    /// record of truth, and every reported outcome).
    public func outcomeProfiles(months: [Int] = [3, 6, 12], asOf now: Date = Date()) async throws -> [AggregateProfile] {
        let completions = try await db.raw("""
            SELECT fe.learner_id, fe.program_id, p.external_id, p.title, \(unsafeRaw: FrameSQL.completionDate) AS completed
            FROM enrollments fe JOIN programs p ON p.id = fe.program_id
            LEFT JOIN credentials cr ON cr.learner_id = fe.learner_id AND cr.program_id = fe.program_id AND cr.course_id IS NULL
            """).all().compactMap { row -> OutcomeProfile.Completion? in
            guard let completed = try row.decode(column: "completed", as: Date?.self) else { return nil }
            return .init(learner: try row.decode(column: "learner_id", as: UUID.self), programKey: try row.decode(column: "external_id", as: String.self),
                         programTitle: try row.decode(column: "title", as: String.self), completedAt: completed)
        }
        var outcomes: [UUID: [OutcomeProfile.ReportedOutcome]] = [:]
        for row in try await db.raw("SELECT learner_id, kind, occurred_on, annual_salary, no_degree_role FROM career_outcomes").all() {
            guard let kind = OutcomeKind(rawValue: try row.decode(column: "kind", as: String.self)) else { continue }
            outcomes[try row.decode(column: "learner_id", as: UUID.self), default: []].append(
                .init(kind: kind, occurredOn: try row.decode(column: "occurred_on", as: Date.self),
                      annualSalary: try row.decode(column: "annual_salary", as: Double?.self), noDegreeRole: try row.decode(column: "no_degree_role", as: Bool?.self)))
        }
        var attendance: [UUID: [Date]] = [:]
        for a in try await CareerEventRepository(store: store).attendance() { attendance[a.learner, default: []].append(a.at) }
        return OutcomeProfile.compute(completions: completions, outcomes: outcomes, months: months, asOf: now, attendance: attendance)
    }

    /// Records an outcome for each outcome choice in each submitted answer of the study (`SurveyOutcomeMapping`), once
    /// per case and kind: running it again adds only what is new. Returns how many.
    @discardableResult
    public func outcomesFromSurvey(study: UUID, mapping: SurveyOutcomeMapping = .followUp, now: Date = Date()) async throws -> Int {
        let rows = try await db.raw("""
            SELECT c.id AS case_id, c.learner_id, c.submitted_at, si.item_key, rv.value
            FROM response_values rv JOIN wave_cases c ON c.id = rv.case_id JOIN waves w ON w.id = c.wave_id
            JOIN study_items si ON si.id = rv.item_id JOIN learners l ON l.id = c.learner_id
            WHERE w.study_id = \(bind: study) AND si.item_key IN (\(binds: mapping.items)) AND c.submitted_at IS NOT NULL AND l.withdrawn_at IS NULL AND l.research_withdrawn_at IS NULL
            """).all()
        var cases: [Int64: SurveyOutcomeMapping.Answered] = [:]
        for row in rows {
            let id = try row.decode(column: "case_id", as: Int64.self)
            var entry = try cases[id] ?? .init(caseID: id, learner: row.decode(column: "learner_id", as: UUID.self),
                                               submittedAt: row.decode(column: "submitted_at", as: Date.self), values: [:])
            entry.values[try row.decode(column: "item_key", as: String.self)] = try row.decode(column: "value", as: String.self)
            cases[id] = entry
        }
        let recorded = Set(try await db.raw("SELECT learner_id, kind, source FROM career_outcomes WHERE source LIKE 'survey case %'").all().map {
            "\(try $0.decode(column: "learner_id", as: UUID.self))|\(try $0.decode(column: "kind", as: String.self))|\(try $0.decode(column: "source", as: String.self))"
        })
        let found = mapping.outcomes(from: Array(cases.values), recorded: recorded)
        try await recordOutcomes(found, now: now)
        return found.count
    }
}
