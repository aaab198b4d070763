import Foundation
import PathwaysCore
import SQLKit

/// Workshops and interview days with employer partners: targeted to programs, skills or regions; invitations go
/// through the survey outbox under the same contact cap; RSVPs fill the capacity, then a waitlist that moves up when
/// someone cancels; each event has a calendar file.
public struct CareerEventRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    public enum Kind: String, Sendable, CaseIterable {
        case workshop
        case interviewDay = "interview_day"
        public var label: String { self == .workshop ? "Workshop" : "Interview day" }
    }

    /// Who an event is for. Targets of one kind widen it (any of these programs); kinds narrow it (in one of these
    /// programs and in one of these regions).
    public enum Target: Sendable, Hashable {
        case program(key: String)
        case skill(id: String)
        case region(String)

        var row: (String, String) {
            switch self {
            case .program(let k): ("program", k)
            case .skill(let s): ("skill", s)
            case .region(let r): ("region", r.uppercased())
            }
        }
    }

    public struct Event: Sendable, Equatable {
        public var id: UUID
        public var kind: Kind
        public var title: String
        public var description: String
        public var employerID: UUID?
        public var startsAt: Date
        public var endsAt: Date
        public var location: String
        public var capacity: Int
        public var targets: [Target]
        public var timeZone: String = "UTC"
    }

    public func create(kind: Kind, title: String, description: String, employerKey: String? = nil, startsAt: Date, endsAt: Date,
                       location: String, capacity: Int, targets: [Target], now: Date = Date()) async throws -> Event {
        guard !title.isEmpty else { throw StoreError.invalid("an event needs a title") }
        guard endsAt > startsAt else { throw StoreError.invalid("an event must end after it starts") }
        guard capacity >= 1 else { throw StoreError.invalid("capacity must be at least 1") }
        guard !targets.isEmpty else { throw StoreError.invalid("an event needs at least one target: a program, a skill or a region") }
        var employerID: UUID?
        if let employerKey {
            guard let id = try await db.raw("SELECT id FROM employers WHERE key = \(bind: employerKey)").first()?.decode(column: "id", as: UUID.self) else {
                throw StoreError.invalid("no employer with key \(employerKey)")
            }
            employerID = id
        }
        for case .program(let key) in targets where try await db.raw("SELECT id FROM programs WHERE external_id = \(bind: key)").first() == nil {
            throw StoreError.invalid("no program with key \(key)")
        }
        let event = Event(id: UUID(), kind: kind, title: title, description: description, employerID: employerID, startsAt: startsAt, endsAt: endsAt,
                          location: location, capacity: capacity, targets: targets)
        try await store.transaction { db in
            try await db.raw("""
                INSERT INTO career_events (id, kind, title, description, employer_id, starts_at, ends_at, location, capacity, created_at)
                VALUES (\(bind: event.id), \(bind: kind.rawValue), \(bind: title), \(bind: description), \(bind: event.employerID), \(bind: startsAt),
                        \(bind: endsAt), \(bind: location), \(bind: capacity), \(bind: now))
                """).run()
            for t in Set(targets) {
                try await db.raw("INSERT INTO career_event_targets (event_id, kind, value) VALUES (\(bind: event.id), \(bind: t.row.0), \(bind: t.row.1))").run()
            }
        }
        return event
    }

    public func event(id: UUID) async throws -> Event? {
        guard let row = try await db.raw("SELECT * FROM career_events WHERE id = \(bind: id)").first() else { return nil }
        let targets: [Target] = try await db.raw("SELECT kind, value FROM career_event_targets WHERE event_id = \(bind: id) ORDER BY kind, value").all().compactMap { r in
            let value = try r.decode(column: "value", as: String.self)
            switch try r.decode(column: "kind", as: String.self) {
            case "program": return .program(key: value)
            case "skill": return .skill(id: value)
            case "region": return .region(value)
            default: return nil
            }
        }
        return Event(id: id, kind: Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .workshop,
                     title: try row.decode(column: "title", as: String.self), description: try row.decode(column: "description", as: String.self),
                     employerID: try row.decode(column: "employer_id", as: UUID?.self), startsAt: try row.decode(column: "starts_at", as: Date.self),
                     endsAt: try row.decode(column: "ends_at", as: Date.self), location: try row.decode(column: "location", as: String.self),
                     capacity: try row.decode(column: "capacity", as: Int.self), targets: targets,
                     timeZone: try row.decode(column: "time_zone", as: String.self))
    }

    public func upcoming(after now: Date = Date()) async throws -> [Event] {
        var out: [Event] = []
        for row in try await db.raw("SELECT id FROM career_events WHERE ends_at > \(bind: now) ORDER BY starts_at").all() {
            if let e = try await event(id: try row.decode(column: "id", as: UUID.self)) { out.append(e) }
        }
        return out
    }

    /// The skills of a learner, for events targeted by skill: the use-case layer supplies them (`CareerMatching`).
    public typealias SkillsOf = @Sendable (UUID) async throws -> Set<String>

    /// The learners an event is for: not withdrawn, with an email, and in every targeted kind (program enrolled in,
    /// skill among their programs' and courses' skills, region or country).
    public func audience(_ event: Event, only learner: UUID? = nil, skillsOf: SkillsOf? = nil) async throws -> [UUID] {
        let programKeys = event.targets.compactMap { if case .program(let k) = $0 { k } else { nil } }
        let skills = Set(event.targets.compactMap { if case .skill(let s) = $0 { s } else { nil } })
        let regions = Set(event.targets.compactMap { if case .region(let r) = $0 { r.uppercased() } else { nil } })
        if !skills.isEmpty && skillsOf == nil { throw StoreError.invalid("an event targeted by skill needs the learners' skills to find its audience") }
        var candidates: [UUID]
        if !programKeys.isEmpty {
            candidates = try await db.raw("""
                SELECT DISTINCT e.learner_id FROM enrollments e JOIN programs p ON p.id = e.program_id JOIN learners l ON l.id = e.learner_id
                WHERE p.external_id IN (\(binds: programKeys)) AND l.withdrawn_at IS NULL AND l.email IS NOT NULL
                """).all().map { try $0.decode(column: "learner_id", as: UUID.self) }
        } else {
            candidates = try await db.raw("SELECT id FROM learners WHERE withdrawn_at IS NULL AND email IS NOT NULL").all().map { try $0.decode(column: "id", as: UUID.self) }
        }
        if let learner { candidates = candidates.filter { $0 == learner } }
        var out: [UUID] = []
        for learner in candidates {
            if !regions.isEmpty {
                let row = try await db.raw("""
                    SELECT l.country, g.region FROM learners l LEFT JOIN career_goals g ON g.learner_id = l.id WHERE l.id = \(bind: learner)
                    """).first()
                let places = Set([try row?.decode(column: "region", as: String?.self), try row?.decode(column: "country", as: String?.self)].compactMap { $0?.uppercased() })
                if places.isDisjoint(with: regions) { continue }
            }
            if !skills.isEmpty, let skillsOf, skills.isDisjoint(with: try await skillsOf(learner)) { continue }
            out.append(learner)
        }
        return out.sorted { $0.uuidString < $1.uuidString }
    }

    public struct InvitationReport: Sendable, Equatable {
        public var invited = 0
        public var heldByCap = 0
        public var alreadyInvited = 0
        /// Of those invited, how many had no account and were sent a link to create one.
        public var welcomed = 0
    }

    /// Writes an invitation to the outbox for each learner in the event's audience not yet invited, unless the
    /// contact cap (the same as survey invitations: at most N messages in D days) holds it back; a held learner is
    /// invited on a later run once the cap allows.
    public func invite(_ event: Event, baseURL: String, skillsOf: SkillsOf? = nil, now: Date = Date()) async throws -> InvitationReport {
        let audience = try await audience(event, skillsOf: skillsOf)
        let cap = try await OutboxRepository.contactCap(on: db)
        let windowStart = now.addingTimeInterval(-Double(cap.days) * 86_400)
        let subject = "\(event.kind.label): \(event.title)"
        let body = """
            Hello {{name}},

            You are invited to \(event.kind.label.lowercased()) "\(event.title)" on \(Self.when(event)), \(event.location).

            \(event.description)

            Places are limited to \(event.capacity); reply on the page below to take one (or join the waitlist):
            \(baseURL)/careers/events/\(event.id.uuidString.lowercased())
            """
        return try await store.transaction { db in
            if store.dialect == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(\(literal: 7_415_002))").run() }
            var report = InvitationReport()
            let done = Set(try await db.raw("SELECT learner_id FROM career_event_invitations WHERE event_id = \(bind: event.id)").all().map { try $0.decode(column: "learner_id", as: UUID.self) })
            for chunk in audience.filter({ !done.contains($0) }).chunked(500) {
                var recent: [UUID: Int] = [:]
                for row in try await db.raw("""
                    SELECT learner_id FROM outbox WHERE learner_id IN (\(binds: chunk)) AND created_at > \(bind: windowStart) AND \(OutboxRepository.countsTowardTheCap)
                    """).all() {
                    recent[try row.decode(column: "learner_id", as: UUID.self), default: 0] += 1
                }
                let people = try await db.raw("""
                    SELECT l.id, l.name, l.email, EXISTS (SELECT 1 FROM users u WHERE u.learner_id = l.id) AS has_account
                    FROM learners l WHERE l.id IN (\(binds: chunk))
                    """).all()
                for row in people {
                    let learner = try row.decode(column: "id", as: UUID.self)
                    guard let email = try row.decode(column: "email", as: String?.self) else { continue }
                    if (recent[learner] ?? 0) >= cap.messages { report.heldByCap += 1; continue }
                    let name = try row.decode(column: "name", as: String?.self) ?? "there"
                    // A learner with no account yet gets, in the same message, a link to create one and then reply.
                    var text = body.replacingOccurrences(of: "{{name}}", with: name)
                    var token: String? = nil
                    if !(try row.decode(column: "has_account", as: Bool.self)) {
                        token = try await AccountLinkRepository.create(.welcome, userID: nil, learnerID: learner, subject: "event:\(event.id.uuidString.lowercased())", now: now, on: db)
                        text += "\n\nYou have no Pathways account yet. Create yours here, then reply (the link works once, for 30 days):\n{{link}}"
                        report.welcomed += 1
                    }
                    let outboxID = try await AccountLinkRepository.enqueue(kind: "event", learnerID: learner, to: email, subject: subject, body: text, token: token, now: now, on: db)
                    try await db.raw("""
                        INSERT INTO career_event_invitations (event_id, learner_id, outbox_id, planned_at) VALUES (\(bind: event.id), \(bind: learner), \(bind: outboxID), \(bind: now))
                        """).run()
                    report.invited += 1
                }
            }
            report.alreadyInvited = done.count
            return report
        }
    }

    public enum RSVPStatus: String, Sendable {
        case going, waitlisted, cancelled
    }

    /// A learner's reply: a place while there is room, else the waitlist. Only learners the event is for may reply.
    public func rsvp(event: Event, learner: UUID, skillsOf: SkillsOf? = nil, now: Date = Date()) async throws -> RSVPStatus {
        guard try await audience(event, only: learner, skillsOf: skillsOf).contains(learner) else { throw StoreError.invalid("this event is not open to you") }
        return try await store.transaction { db in
            if store.dialect == .postgres { try await db.raw("SELECT id FROM career_events WHERE id = \(bind: event.id) FOR UPDATE").run() }
            if let current = try await db.raw("SELECT status FROM career_event_rsvps WHERE event_id = \(bind: event.id) AND learner_id = \(bind: learner)").first(),
               let status = RSVPStatus(rawValue: try current.decode(column: "status", as: String.self)), status != .cancelled {
                return status
            }
            let going = try await db.raw("SELECT COUNT(*) AS n FROM career_event_rsvps WHERE event_id = \(bind: event.id) AND status = 'going'").first()?.decode(column: "n", as: Int.self) ?? 0
            let status: RSVPStatus = going < event.capacity ? .going : .waitlisted
            try await db.raw("DELETE FROM career_event_rsvps WHERE event_id = \(bind: event.id) AND learner_id = \(bind: learner)").run()
            try await db.raw("INSERT INTO career_event_rsvps (event_id, learner_id, status, responded_at) VALUES (\(bind: event.id), \(bind: learner), \(bind: status.rawValue), \(bind: now))").run()
            return status
        }
    }

    /// Cancels a reply; the first on the waitlist (by time of reply) takes the freed place. Returns who moved up.
    @discardableResult
    public func cancel(event: Event, learner: UUID, now: Date = Date()) async throws -> UUID? {
        try await store.transaction { db in
            if store.dialect == .postgres { try await db.raw("SELECT id FROM career_events WHERE id = \(bind: event.id) FOR UPDATE").run() }
            let was = try await db.raw("SELECT status FROM career_event_rsvps WHERE event_id = \(bind: event.id) AND learner_id = \(bind: learner)").first()?.decode(column: "status", as: String.self)
            try await db.raw("UPDATE career_event_rsvps SET status = 'cancelled', responded_at = \(bind: now) WHERE event_id = \(bind: event.id) AND learner_id = \(bind: learner)").run()
            guard was == RSVPStatus.going.rawValue,
                  let next = try await db.raw("""
                    SELECT learner_id FROM career_event_rsvps WHERE event_id = \(bind: event.id) AND status = 'waitlisted' ORDER BY responded_at, learner_id LIMIT 1
                    """).first()?.decode(column: "learner_id", as: UUID.self) else { return nil }
            try await db.raw("UPDATE career_event_rsvps SET status = 'going' WHERE event_id = \(bind: event.id) AND learner_id = \(bind: next)").run()
            return next
        }
    }

    public func replies(event: UUID) async throws -> [(learner: UUID, status: RSVPStatus)] {
        try await db.raw("SELECT learner_id, status FROM career_event_rsvps WHERE event_id = \(bind: event) ORDER BY responded_at, learner_id").all().map {
            (try $0.decode(column: "learner_id", as: UUID.self), RSVPStatus(rawValue: try $0.decode(column: "status", as: String.self)) ?? .cancelled)
        }
    }

    static func when(_ event: Event) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: event.timeZone) ?? TimeZone(identifier: "UTC")
        f.dateFormat = "EEEE d MMMM yyyy, HH:mm"
        return f.string(from: event.startsAt) + " " + (event.timeZone == "UTC" ? "UTC" : "(\(event.timeZone) time)")
    }

    /// The event as an iCalendar (RFC 5545) file: one VEVENT, UTC times, text escaped and lines folded at 75 octets.
    public static func ics(_ event: Event, organizer: String, url: String, now: Date = Date()) -> String {
        let stamp = DateFormatter()
        stamp.locale = Locale(identifier: "en_US_POSIX")
        stamp.timeZone = TimeZone(identifier: "UTC")
        stamp.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;").replacingOccurrences(of: ",", with: "\\,")
                .replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
        }
        let lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Pathways//Career events//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "BEGIN:VEVENT", "UID:\(event.id.uuidString.lowercased())@pathways", "DTSTAMP:\(stamp.string(from: now))",
            "DTSTART:\(stamp.string(from: event.startsAt))", "DTEND:\(stamp.string(from: event.endsAt))",
            "SUMMARY:\(escape("\(event.kind.label): \(event.title)"))", "DESCRIPTION:\(escape(event.description))",
            "LOCATION:\(escape(event.location))", "URL:\(url)", "ORGANIZER;CN=\(escape(organizer)):mailto:noreply@pathways.invalid",
            "END:VEVENT", "END:VCALENDAR",
        ]
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 5545 §3.1: lines longer than 75 octets continue on the next line after a space, never splitting a character.
    static func fold(_ line: String) -> String {
        var out = "", width = 0
        for ch in line {
            let n = String(ch).utf8.count
            if width + n > 75 {
                out += "\r\n "
                width = 1
            }
            out.append(ch)
            width += n
        }
        return out
    }

    /// How many learners were invited to the event.
    public func invitationCount(event: UUID) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM career_event_invitations WHERE event_id = \(bind: event)").first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
