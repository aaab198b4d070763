import Foundation
import PathwaysCore
import PathwaysStore

/// Where a learner's credentials count: every valid credit agreement for a program whose credential they hold, with
/// the request they sent to that partner, if any.
public struct CreditPathways: Sendable {
    let credits: CreditPathwayRepository
    let credentials: CredentialRepository
    let catalog: CatalogRepository
    let audit: AuditRepository

    public init(store: Store) {
        credits = CreditPathwayRepository(store: store)
        audit = AuditRepository(store: store)
        credentials = CredentialRepository(store: store, keyring: .ephemeral())
        catalog = CatalogRepository(store: store)
    }

    public typealias Pathway = CreditPathwayRepository.Pathway

    public func pathways(learner: UUID, on day: Date = Date()) async throws -> [Pathway] {
        let requests = try await credits.requests(learner: learner)
        var out: [Pathway] = []
        for c in try await credentials.credentials(learner: learner) where c.revokedAt == nil && c.courseID == nil {
            for a in try await catalog.agreements(programID: c.programID) where a.isValid(on: day) {
                out.append(Pathway(credentialID: c.id, programTitle: c.programTitle, agreement: a,
                                   request: requests.last { $0.agreementID == a.id && $0.credentialID == c.id }?.request))
            }
        }
        return out
    }


    /// The learner sends their record to the institution of an agreement under which that credential counts; only
    /// the learner's own account sends it. Audited.
    public func send(learner: UUID, credential: UUID?, agreement: UUID?, by p: Principal, now: Date = Date()) async throws -> CreditPathwayRepository.Request {
        guard AccessPolicy.canSendRecord(of: learner, by: p) else { throw UseCaseError.forbidden("only the learner can send their record") }
        guard let credential, let agreement else {
            throw UseCaseError.invalid("credential, agreement: choose the credential and the institution to send it to")
        }
        let sent = try await send(learner: learner, credential: credential, agreement: agreement, now: now)
        try await audit.record(userID: p.userID, action: "send_credit_request", subject: "learner:\(learner.uuidString)", detail: sent.institution)
        return sent
    }

    /// A credit partner's answer to a request, recorded by an administrator: its status and, when accepted, the
    /// credits awarded (0 to 1000). Returns the learner the request is theirs. Audited.
    @discardableResult
    public func recordAnswer(request: UUID, status: String?, credits: String?, by p: Principal, now: Date = Date()) async throws -> UUID {
        guard AccessPolicy.canRevokeCredentials(p) else { throw UseCaseError.forbidden("only an administrator records a credit partner's answer") }
        guard let status = status.flatMap(CreditPathwayRepository.RequestStatus.init(rawValue:)) else {
            throw UseCaseError.invalid("status: sent, received, accepted or declined")
        }
        var awarded: Double?
        if let text = credits?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let value = Double(text), value >= 0, value <= 1000 else { throw UseCaseError.invalid("credits: a number from 0 to 1000") }
            awarded = value
        }
        let learner: UUID
        do { learner = try await self.credits.setStatus(request: request, status, creditsAwarded: awarded, now: now) } catch StoreError.notFound {
            throw UseCaseError.notFound("There is no such credit request.")
        }
        try await audit.record(userID: p.userID, action: "credit_request_status", subject: "credit_request:\(request.uuidString)", detail: status.rawValue)
        return learner
    }

    /// A degree enrollment after the credential, from the learner or recorded by an administrator: the institution,
    /// the level, whether it is related to the credential, and the day (YYYY-MM-DD). Audited.
    @discardableResult
    public func recordDegree(learner: UUID, institution: String?, level: String?, related: Bool, enrolledOn: String?, by p: Principal,
                             now: Date = Date()) async throws -> CreditPathwayRepository.DegreeEnrollment {
        guard AccessPolicy.canSeeCredentials(of: learner, by: p) else { throw UseCaseError.forbidden("only the learner or an administrator records a degree enrollment") }
        guard let level = level.flatMap(CreditPathwayRepository.DegreeLevel.init(rawValue:)) else {
            throw UseCaseError.invalid("level: associate, bachelors, masters, professional or doctoral")
        }
        guard let day = enrolledOn.flatMap(CalendarDay.parse) else { throw UseCaseError.invalid("enrolled_on: a date as YYYY-MM-DD") }
        let enrollment: CreditPathwayRepository.DegreeEnrollment
        do {
            enrollment = try await credits.recordDegree(learner: learner, institution: institution ?? "", level: level, related: related, enrolledOn: day,
                                                        source: AccessPolicy.isSelf(learner, p) ? "the learner" : "an administrator", now: now)
        } catch StoreError.invalid(let message) {
            throw UseCaseError.invalid(message)
        }
        try await audit.record(userID: p.userID, action: "record_degree_enrollment", subject: "learner:\(learner.uuidString)")
        return enrollment
    }

    /// The learner sends their record to the institution of an agreement under which that credential counts.
    func send(learner: UUID, credential: UUID, agreement: UUID, now: Date = Date()) async throws -> CreditPathwayRepository.Request {
        guard let pathway = try await pathways(learner: learner, on: now).first(where: { $0.credentialID == credential && $0.agreement.id == agreement }) else {
            throw UseCaseError.invalid("that credential is not accepted under that agreement")
        }
        return try await credits.recordSent(learner: learner, credential: credential, agreement: pathway.agreement, now: now)
    }
}
