import Foundation
import PathwaysCore
import SQLKit

/// Where a learner's credit counts: the credit agreements that accept their credentials, the records they send to
/// those credit partners (with each request's status), and the degree programs they go on to enroll in.
public struct CreditPathwayRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    public enum RequestStatus: String, Sendable, CaseIterable {
        case sent, received, accepted, declined
        public var label: String { rawValue.capitalized }
    }

    public enum DegreeLevel: String, Sendable, CaseIterable {
        case associate, bachelors, masters, professional, doctoral
        public var label: String {
            switch self {
            case .associate: "Associate"
            case .bachelors: "Bachelor's"
            case .masters: "Master's"
            case .professional: "Professional"
            case .doctoral: "Doctoral"
            }
        }
    }

    /// A credential the learner holds and an agreement that accepts it.
    public struct Pathway: Sendable, Equatable {
        public var credentialID: UUID
        public var programTitle: String
        public var agreement: CreditAgreement
        /// The latest request sent under this agreement, if any.
        public var request: Request?

        public init(credentialID: UUID, programTitle: String, agreement: CreditAgreement, request: Request?) {
            self.credentialID = credentialID
            self.programTitle = programTitle
            self.agreement = agreement
            self.request = request
        }
    }

    public struct Request: Sendable, Equatable {
        public var id: UUID
        public var institution: String
        public var sentAt: Date
        public var status: RequestStatus
        public var creditsAwarded: Double?
        public var statusAt: Date
    }

    public func requests(learner: UUID) async throws -> [(credentialID: UUID, agreementID: UUID, request: Request)] {
        try await db.raw("SELECT * FROM credit_requests WHERE learner_id = \(bind: learner) ORDER BY sent_at").all().map { row in
            (try row.decode(column: "credential_id", as: UUID.self), try row.decode(column: "agreement_id", as: UUID.self), try Self.request(row))
        }
    }

    static func request(_ row: any SQLRow) throws -> Request {
        Request(id: try row.decode(column: "id", as: UUID.self), institution: try row.decode(column: "institution", as: String.self),
                sentAt: try row.decode(column: "sent_at", as: Date.self),
                status: RequestStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .sent,
                creditsAwarded: try row.decode(column: "credits_awarded", as: Double?.self), statusAt: try row.decode(column: "status_at", as: Date.self))
    }

    /// Records that the learner sent their record to the agreement's institution (`CreditPathways.send` checks the
    /// credential counts there first).
    public func recordSent(learner: UUID, credential: UUID, agreement: CreditAgreement, now: Date = Date()) async throws -> Request {
        let id = UUID()
        try await db.raw("""
            INSERT INTO credit_requests (id, learner_id, credential_id, agreement_id, institution, sent_at, status, status_at)
            VALUES (\(bind: id), \(bind: learner), \(bind: credential), \(bind: agreement.id), \(bind: agreement.institution), \(bind: now), 'sent', \(bind: now))
            """).run()
        return Request(id: id, institution: agreement.institution, sentAt: now, status: .sent, creditsAwarded: nil, statusAt: now)
    }

    /// The credit partner's answer, recorded by an administrator.
    public func setStatus(request: UUID, _ status: RequestStatus, creditsAwarded: Double?, now: Date = Date()) async throws -> UUID {
        guard let row = try await db.raw("SELECT learner_id FROM credit_requests WHERE id = \(bind: request)").first() else {
            throw StoreError.notFound("there is no such credit request")
        }
        try await db.raw("""
            UPDATE credit_requests SET status = \(bind: status.rawValue), credits_awarded = \(bind: status == .accepted ? creditsAwarded : nil),
                   status_at = \(bind: now) WHERE id = \(bind: request)
            """).run()
        return try row.decode(column: "learner_id", as: UUID.self)
    }

    // MARK: degree enrollments

    public struct DegreeEnrollment: Sendable, Equatable {
        public var institution: String
        public var level: DegreeLevel
        public var related: Bool
        public var atCreditPartner: Bool
        public var enrolledOn: Date
        public var source: String
    }

    /// Records a degree enrollment; whether the institution accepts credit for one of the learner's programs is
    /// decided now, from the catalog's agreements (names compared without case).
    @discardableResult
    public func recordDegree(learner: UUID, institution: String, level: DegreeLevel, related: Bool, enrolledOn: Date, source: String,
                             now: Date = Date()) async throws -> DegreeEnrollment {
        let name = institution.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw StoreError.invalid("institution: a name of 1 to 200 characters") }
        let partner = try await db.raw("""
            SELECT COUNT(*) AS n FROM credit_agreements a JOIN enrollments e ON e.program_id = a.program_id
            WHERE e.learner_id = \(bind: learner) AND LOWER(a.institution) = \(bind: name.lowercased())
            """).first()!.decode(column: "n", as: Int.self) > 0
        try await db.raw("""
            INSERT INTO degree_enrollments (id, learner_id, institution, level, related, at_credit_partner, enrolled_on, source, recorded_at)
            VALUES (\(bind: UUID()), \(bind: learner), \(bind: name), \(bind: level.rawValue), \(bind: related), \(bind: partner), \(bind: enrolledOn),
                    \(bind: source), \(bind: now))
            """).run()
        return DegreeEnrollment(institution: name, level: level, related: related, atCreditPartner: partner, enrolledOn: enrolledOn, source: source)
    }

    public func degrees(learner: UUID) async throws -> [DegreeEnrollment] {
        try await db.raw("SELECT * FROM degree_enrollments WHERE learner_id = \(bind: learner) ORDER BY enrolled_on").all().map { row in
            DegreeEnrollment(institution: try row.decode(column: "institution", as: String.self),
                             level: DegreeLevel(rawValue: try row.decode(column: "level", as: String.self)) ?? .bachelors,
                             related: try row.decode(column: "related", as: Bool.self), atCreditPartner: try row.decode(column: "at_credit_partner", as: Bool.self),
                             enrolledOn: try row.decode(column: "enrolled_on", as: Date.self), source: try row.decode(column: "source", as: String.self))
        }
    }

    /// Per program, its completers who went on to a degree: at an institution that accepts the program's credit,
    /// and elsewhere (each learner counted once per program, at a partner if any of their enrollments was).
    public func degreeOutcomes() async throws -> [(program: String, atPartner: Int, elsewhere: Int)] {
        try await db.raw("""
            SELECT p.title, SUM(CASE WHEN d.partner = 1 THEN 1 ELSE 0 END) AS at_partner, SUM(CASE WHEN d.partner = 0 THEN 1 ELSE 0 END) AS elsewhere
            FROM (SELECT e.program_id, de.learner_id,
                         MAX(CASE WHEN EXISTS (SELECT 1 FROM credit_agreements a WHERE a.program_id = e.program_id
                                                 AND LOWER(a.institution) = LOWER(de.institution)) THEN 1 ELSE 0 END) AS partner
                  FROM degree_enrollments de JOIN enrollments e ON e.learner_id = de.learner_id AND e.completed_at IS NOT NULL
                  GROUP BY e.program_id, de.learner_id) d
            JOIN programs p ON p.id = d.program_id
            GROUP BY p.title ORDER BY p.title
            """).all().map { row in
            (try row.decode(column: "title", as: String.self), try row.decode(column: "at_partner", as: Int.self), try row.decode(column: "elsewhere", as: Int.self))
        }
    }
}
