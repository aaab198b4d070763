import Foundation
import PathwaysCore
import PathwaysStore

/// Organising workshops and interview days: an administrator for anyone, an employer account for its own
/// employer partner. Create and edit (times in the organiser's time zone), invite the audience through the outbox
/// under the contact cap, see who replied and who waits, and record who came. Audited.
public struct CareerEvents: Sendable {
    let store: Store
    let matching: CareerMatching

    public init(store: Store, matching: CareerMatching) {
        self.store = store
        self.matching = matching
    }

    var events: CareerEventRepository { CareerEventRepository(store: store) }
    var audit: AuditRepository { AuditRepository(store: store) }
    static let kinds = CareerEventRepository.Kind.allCases.map(\.rawValue)

    /// The employer partner an employer account acts for, nil for an administrator.
    func organiser(_ p: Principal) async throws -> (isAdmin: Bool, employer: CareerRepository.Employer?) {
        if AccessPolicy.seesEveryEvent(p) { return (true, nil) }
        guard AccessPolicy.actsForEmployer(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) does not organise events") }
        return (false, try await CareerRepository(store: store).employer(forUser: p.userID))
    }

    public func event(_ id: UUID, for p: Principal) async throws -> CareerEventRepository.Event {
        let who = try await organiser(p)
        if !who.isAdmin, who.employer == nil { throw UseCaseError.forbidden("your account is tied to no employer partner; an administrator ties it") }
        guard let e = try await events.event(id: id) else { throw UseCaseError.notFound("There is no such event.") }
        if let why = EventOwnership.refusal(eventEmployer: e.employerID, actorEmployer: who.employer?.id, isAdmin: who.isAdmin) {
            throw who.isAdmin ? UseCaseError.forbidden(why) : UseCaseError.notFound("There is no such event among yours.")
        }
        return e
    }

    public func organised(by p: Principal) async throws -> [CareerEventRepository.Event] {
        let who = try await organiser(p)
        if who.isAdmin { return try await events.organised(employer: nil) }
        guard let employer = who.employer else { return [] }
        return try await events.organised(employer: employer.id)
    }

    func targets(_ r: EventInput.Read) -> [CareerEventRepository.Target] {
        r.programs.map { .program(key: $0) } + r.skills.map { .skill(id: $0) } + r.regions.map { .region($0) }
    }

    public func create(_ input: EventInput, by p: Principal, now: Date = Date()) async throws -> CareerEventRepository.Event {
        let who = try await organiser(p)
        if !who.isAdmin, who.employer == nil { throw UseCaseError.forbidden("your account is tied to no employer partner; an administrator ties it") }
        let (read, problems) = input.read(kinds: Self.kinds, now: now)
        guard let read else { throw UseCaseError.rejected(problems) }
        // An administrator may organise for an employer partner; an employer account always organises for its own.
        var employerKey = who.employer?.key
        if who.isAdmin, let named = input.employer?.trimmingCharacters(in: .whitespaces), !named.isEmpty {
            guard try await CareerRepository(store: store).employer(key: named) != nil else {
                throw UseCaseError.rejected([.init("employer", "no employer partner with id '\(named)'")])
            }
            employerKey = named
        }
        let created: CareerEventRepository.Event
        do {
            created = try await events.create(kind: CareerEventRepository.Kind(rawValue: read.kind)!, title: read.title, description: read.description,
                                              employerKey: employerKey, startsAt: read.startsAt, endsAt: read.endsAt, location: read.location,
                                              capacity: read.capacity, targets: targets(read), now: now)
        } catch StoreError.invalid(let message) {
            throw UseCaseError.rejected([.init("programs", message)])
        }
        try await events.setTimeZone(event: created.id, read.timeZone)
        try await audit.record(userID: p.userID, action: "create_event", subject: "event:\(created.id)", detail: read.title)
        return try await events.event(id: created.id) ?? created
    }

    public func edit(_ id: UUID, _ input: EventInput, by p: Principal, now: Date = Date()) async throws -> CareerEventRepository.Event {
        var e = try await event(id, for: p)
        let (read, problems) = input.read(kinds: Self.kinds, now: now)
        guard let read else { throw UseCaseError.rejected(problems) }
        for key in read.programs where try await CatalogRepository(store: store).program(key: key) == nil {
            throw UseCaseError.rejected([.init("programs", "no program with key \(key)")])
        }
        let going = try await events.roster(event: id).filter { $0.status == .going }.count
        if read.capacity < going { throw UseCaseError.rejected([.init("capacity", "\(going) are already going; the capacity cannot be below that")]) }
        e.kind = CareerEventRepository.Kind(rawValue: read.kind)!
        e.title = read.title
        e.description = read.description
        e.startsAt = read.startsAt
        e.endsAt = read.endsAt
        e.location = read.location
        e.capacity = read.capacity
        e.targets = targets(read)
        e.timeZone = read.timeZone
        try await events.update(e)
        try await audit.record(userID: p.userID, action: "edit_event", subject: "event:\(id)", detail: read.title)
        return e
    }

    /// Writes the event's invitations to everyone in its audience not yet invited, under the contact cap.
    public func invite(_ id: UUID, by p: Principal, baseURL: String, now: Date = Date()) async throws -> CareerEventRepository.InvitationReport {
        let e = try await event(id, for: p)
        let report = try await events.invite(e, baseURL: baseURL, skillsOf: matching.skills, now: now)
        try await audit.record(userID: p.userID, action: "invite_event", subject: "event:\(id)", detail: "\(report.invited) invited, \(report.heldByCap) held by the cap")
        return report
    }

    public func roster(_ id: UUID, by p: Principal) async throws -> [CareerEventRepository.RosterEntry] {
        _ = try await event(id, for: p)
        return try await events.roster(event: id)
    }

    /// Records who came, from the learners who replied going; only once the event has started.
    public func markAttendance(_ id: UUID, attended: Set<UUID>, by p: Principal, now: Date = Date()) async throws {
        let e = try await event(id, for: p)
        guard now >= e.startsAt else { throw UseCaseError.conflict("Attendance is recorded once the event has started.") }
        let going = Set(try await events.roster(event: id).filter { $0.status == .going }.map(\.learnerID))
        let strangers = attended.subtracting(going)
        if !strangers.isEmpty { throw UseCaseError.invalid("only learners who replied going can be marked as attending") }
        try await events.markAttendance(event: id, attended: attended, at: min(now, e.endsAt))
        try await audit.record(userID: p.userID, action: "mark_attendance", subject: "event:\(id)", detail: "\(attended.count) attended")
    }

    // MARK: the learner's side

    /// An event as its page shows it: an administrator sees every event, a learner only those they are in the
    /// audience of (by program, skill or region).
    public func visible(_ id: UUID, to p: Principal) async throws -> CareerEventRepository.Event {
        guard AccessPolicy.mayOpenEvents(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) does not see career events") }
        guard let e = try await events.event(id: id) else { throw UseCaseError.notFound("There is no such event.") }
        if AccessPolicy.seesEveryEvent(p) { return e }
        guard AccessPolicy.hasCareerPortal(p), let learner = p.learnerID,
              try await events.audience(e, only: learner, skillsOf: matching.skills).contains(learner) else {
            throw UseCaseError.forbidden("this event is for other learners")
        }
        return e
    }

    public struct Replies: Sendable {
        public var going = 0
        public var waitlisted = 0
        /// The signed-in learner's own reply, if any.
        public var mine: CareerEventRepository.RSVPStatus?
    }

    public func replies(_ id: UUID, for p: Principal) async throws -> Replies {
        let e = try await visible(id, to: p)
        let all = try await events.replies(event: e.id)
        return Replies(going: all.filter { $0.status == .going }.count, waitlisted: all.filter { $0.status == .waitlisted }.count,
                       mine: p.learnerID.flatMap { l in all.first { $0.learner == l }?.status })
    }

    /// The upcoming events a learner is in the audience of, with their reply to each.
    public func invitations(for p: Principal, now: Date = Date()) async throws -> [(event: CareerEventRepository.Event, reply: CareerEventRepository.RSVPStatus?)] {
        guard AccessPolicy.hasCareerPortal(p), let learner = p.learnerID else { return [] }
        var out: [(CareerEventRepository.Event, CareerEventRepository.RSVPStatus?)] = []
        for e in try await events.upcoming(after: now) where try await events.audience(e, only: learner, skillsOf: matching.skills).contains(learner) {
            out.append((e, try await events.replies(event: e.id).first { $0.learner == learner }?.status))
        }
        return out
    }

    /// A learner's reply: going (a place while there is room, else the waitlist) or cancelled (the first waiting
    /// takes the place).
    @discardableResult
    public func reply(_ id: UUID, going: Bool, by p: Principal, now: Date = Date()) async throws -> CareerEventRepository.RSVPStatus {
        let e = try await visible(id, to: p)
        guard AccessPolicy.hasCareerPortal(p), let learner = p.learnerID else { throw UseCaseError.forbidden("only invited learners reply to an event") }
        if going { return try await events.rsvp(event: e, learner: learner, skillsOf: matching.skills, now: now) }
        try await events.cancel(event: e, learner: learner, now: now)
        return .cancelled
    }

    /// How many learners the event is for, as its organiser sees it.
    public func audienceSize(_ id: UUID, by p: Principal) async throws -> Int {
        let e = try await event(id, for: p)
        return try await events.audience(e, skillsOf: matching.skills).count
    }
}
