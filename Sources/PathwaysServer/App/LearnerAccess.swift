import Foundation
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// One learner's record as a principal may see it, with the access recorded in the audit log.
struct LearnerRecord: Sendable {
    var learner: Learner
    var enrollments: [Enrollment]
    var progress: [CourseProgress]
    /// The courses of each visible enrollment's program, in order.
    var courses: [UUID: [Course]]
    var showIdentifiers: Bool
}

extension Dependencies {
    /// Loads a learner for `principal`: 404 when there is no such learner, 403 when they may not see them.
    /// Every successful view of personal data is audited.
    func learnerRecord(id: UUID, for principal: Principal, via channel: String) async throws -> LearnerRecord {
        guard let learner = try await learners.learner(id: id) else { throw AppError.notFound("no learner with id \(id)") }
        let enrollments = try await learners.enrollments(learnerID: id)
        guard AccessPolicy.canView(learner: id, enrolledIn: Set(enrollments.map(\.programID)), by: principal) else {
            throw AppError.forbidden("you may not see this learner's record")
        }
        try await audit.record(userID: principal.userID, action: "view_learner", subject: "learner:\(id)", detail: channel)
        let visible = enrollments.filter { AccessPolicy.canViewEnrollment(in: $0.programID, by: principal) }
        var courses: [UUID: [Course]] = [:]
        for e in visible { courses[e.programID] = try await catalog.courses(programID: e.programID) }
        let courseIDs = Set(courses.values.joined().map(\.id))
        let progress = try await learners.progress(learnerID: id).filter { courseIDs.contains($0.courseID) }
        return LearnerRecord(learner: learner, enrollments: visible, progress: progress, courses: courses,
                             showIdentifiers: AccessPolicy.canSeeIdentifiers(principal))
    }

    /// The program a learner list is filtered to, which the principal must be allowed to see the roster of.
    func rosterFilter(_ key: String?, for principal: Principal) async throws -> Program? {
        guard let key, !key.isEmpty else { return nil }
        guard let program = try await catalog.program(key: key) else { throw AppError.badRequest("program: unknown program '\(key)'") }
        guard AccessPolicy.canFilterLearners(byProgram: program.id, principal) else {
            throw AppError.forbidden("program '\(key)' is not one of your programs")
        }
        return program
    }

    /// Program keys and titles by id, for showing enrollments.
    func programIndex() async throws -> [UUID: Program] {
        Dictionary(uniqueKeysWithValues: try await catalog.programs().map { ($0.id, $0) })
    }
}

extension Dependencies {
    /// Withdraws a learner (`Withdrawals`) and, when their account is closed, removes the copies of messages sent
    /// to them that a file mail transport wrote; returns the withdrawal and how many copies were removed.
    func withdraw(_ scope: Withdrawals.Scope, learner: UUID, confirm: String?, reason: String?, by principal: Principal) async throws
        -> (PrivacyRepository.Withdrawal, removedCopies: Int) {
        let result = try await Withdrawals(store: store).withdraw(scope, learner: learner, confirm: confirm, reason: reason,
                                                                  channel: "on the record page", by: principal)
        let removed = configuration.mailFolder.map { FileMailTransport.remove(messageIDs: result.sentMessageIDs, from: URL(fileURLWithPath: $0)) } ?? 0
        return (result, removed)
    }
}
