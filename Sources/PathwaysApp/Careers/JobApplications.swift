import Foundation
import PathwaysCore
import PathwaysStore

/// Applications to postings: a learner records that they applied, from the posting's page; the posting's employer
/// partner (or an administrator) sees its candidates and applicants and records its side of each application.
/// An employer account reaches only its own employer's postings and their applications (`PostingOwnership`); every
/// view of candidates and every change is audited.
public struct JobApplications: Sendable {
    let store: Store
    let matching: CareerMatching

    public init(store: Store, matching: CareerMatching) {
        self.store = store
        self.matching = matching
    }

    var careers: CareerRepository { CareerRepository(store: store) }
    var audit: AuditRepository { AuditRepository(store: store) }

    /// The learner's own account records an application to a posting (once; applying again keeps the first).
    public func apply(posting: UUID, by p: Principal, now: Date = Date()) async throws {
        guard AccessPolicy.hasCareerPortal(p), let learner = p.learnerID else { throw UseCaseError.forbidden("only a learner's own account applies to postings") }
        do {
            try await careers.apply(learner: learner, posting: posting, by: "the learner", now: now)
        } catch StoreError.invalid {
            throw UseCaseError.notFound("There is no such posting.")
        }
    }

    /// The posting and the employer partner whose candidates `p` may see: an employer account's own posting, or, for
    /// an administrator, any posting filed under a partner.
    func owned(posting id: UUID, by p: Principal, another: String = "this posting is another employer's") async throws
        -> (CareerRepository.StoredPosting, CareerRepository.Employer) {
        guard AccessPolicy.canManagePostings(p) else { throw UseCaseError.forbidden("only administrators and employer partners see candidates") }
        guard let posting = try await careers.posting(id: id) else { throw UseCaseError.notFound("There is no such posting.") }
        if AccessPolicy.actsForEmployer(p) {
            guard let mine = try await careers.employer(forUser: p.userID) else { throw UseCaseError.forbidden("your account is not tied to an employer partner") }
            guard PostingOwnership.mayManage(postingEmployer: posting.employerID, accountEmployer: mine.id) else {
                throw UseCaseError.forbidden(another)
            }
            return (posting, mine)
        }
        guard let owner = posting.employerID, let employer = try await careers.employers().first(where: { $0.id == owner }) else {
            throw UseCaseError.notFound("This posting has no employer partner, so it has no candidates.")
        }
        return (posting, employer)
    }

    public struct Candidates: Sendable {
        public var posting: CareerRepository.StoredPosting
        public var employer: CareerRepository.Employer
        /// Learners who chose to be seen, in the programs the employer hires from, ranked by fit.
        public var ranked: [CareerMatching.Candidate]
        /// Those who applied, among learners who chose to be seen.
        public var applicants: [CareerRepository.Applicant]
    }

    /// A posting's candidates and applicants, for its employer partner or an administrator; audited.
    public func candidates(posting id: UUID, by p: Principal) async throws -> Candidates {
        let (posting, employer) = try await owned(posting: id, by: p)
        let ranked = try await matching.candidates(posting: id, employer: employer)
        let applicants = try await careers.applicants(posting: id)
        try await audit.record(userID: p.userID, action: "view_candidates", subject: "posting:\(id.uuidString)", detail: "\(ranked.count) candidates")
        return Candidates(posting: posting, employer: employer, ranked: ranked, applicants: applicants)
    }

    /// The employer's side of an application, as a form gives it: a status (`ApplicationStatus.employerSide`) and,
    /// optionally, the interview's date and time. Returns the posting the application is to; audited.
    @discardableResult
    public func recordEmployerSide(application id: UUID, status: String?, interviewAt: String?, by p: Principal, now: Date = Date()) async throws -> UUID {
        guard AccessPolicy.canManagePostings(p) else { throw UseCaseError.forbidden("only administrators and employer partners update applications") }
        guard let postingID = try await careers.postingOf(application: id) else { throw UseCaseError.notFound("There is no such application.") }
        _ = try await owned(posting: postingID, by: p, another: "this application is to another employer's posting")
        // Only applications the employer can see (from learners who chose to be seen) are the employer's to change.
        guard try await careers.applicants(posting: postingID).contains(where: { $0.application.id == id }) else {
            throw UseCaseError.notFound("There is no such application.")
        }
        let change: (status: ApplicationStatus, interviewAt: Date?)
        do { change = try ApplicationStatus.employerChange(status: status, interviewAt: interviewAt) } catch { throw UseCaseError.rejected([error]) }
        try await careers.setApplicationByEmployer(id, status: change.status, interviewAt: change.interviewAt, now: now)
        try await audit.record(userID: p.userID, action: "update_application", subject: "application:\(id.uuidString)", detail: change.status.rawValue)
        return postingID
    }
}
