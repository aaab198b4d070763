import Foundation
import PathwaysCore
import SQLKit

/// What organisers change on an event, and its roster with attendance.
extension CareerEventRepository {
    /// Stores an event's edited fields and audience (its RSVPs stay).
    public func update(_ event: Event) async throws {
        try await store.transaction { db in
            try await db.raw("""
                UPDATE career_events SET kind = \(bind: event.kind.rawValue), title = \(bind: event.title), description = \(bind: event.description),
                       starts_at = \(bind: event.startsAt), ends_at = \(bind: event.endsAt), location = \(bind: event.location), capacity = \(bind: event.capacity),
                       time_zone = \(bind: event.timeZone)
                WHERE id = \(bind: event.id)
                """).run()
            try await db.raw("DELETE FROM career_event_targets WHERE event_id = \(bind: event.id)").run()
            for t in Set(event.targets) {
                try await db.raw("INSERT INTO career_event_targets (event_id, kind, value) VALUES (\(bind: event.id), \(bind: t.row.0), \(bind: t.row.1))").run()
            }
        }
    }

    public func setTimeZone(event: UUID, _ zone: String) async throws {
        try await db.raw("UPDATE career_events SET time_zone = \(bind: zone) WHERE id = \(bind: event)").run()
    }

    /// Events an employer partner organises (all, for nil), soonest first.
    public func organised(employer: UUID?) async throws -> [Event] {
        let filter: SQLQueryString = employer.map { " WHERE employer_id = \(bind: $0)" } ?? ""
        let rows = try await db.raw("SELECT id FROM career_events\(filter) ORDER BY starts_at DESC").all()
        var out: [Event] = []
        for row in rows { if let e = try await event(id: try row.decode(column: "id", as: UUID.self)) { out.append(e) } }
        return out
    }

    public struct RosterEntry: Sendable {
        public var learnerID: UUID
        public var name: String?
        public var status: RSVPStatus
        public var respondedAt: Date
        public var attended: Bool
    }

    /// Everyone who replied, in the order they replied.
    public func roster(event: UUID) async throws -> [RosterEntry] {
        try await db.raw("""
            SELECT r.learner_id, l.name, r.status, r.responded_at, r.attended_at FROM career_event_rsvps r JOIN learners l ON l.id = r.learner_id
            WHERE r.event_id = \(bind: event) ORDER BY r.responded_at, r.learner_id
            """).all().map {
            RosterEntry(learnerID: try $0.decode(column: "learner_id", as: UUID.self), name: try $0.decode(column: "name", as: String?.self),
                        status: RSVPStatus(rawValue: try $0.decode(column: "status", as: String.self)) ?? .cancelled,
                        respondedAt: try $0.decode(column: "responded_at", as: Date.self), attended: try $0.decode(column: "attended_at", as: Date?.self) != nil)
        }
    }

    /// Records who came: `attended` among those who replied going.
    public func markAttendance(event: UUID, attended: Set<UUID>, at: Date) async throws {
        try await store.transaction { db in
            try await db.raw("UPDATE career_event_rsvps SET attended_at = NULL WHERE event_id = \(bind: event)").run()
            for part in Array(attended).chunked(500) {
                try await db.raw("""
                    UPDATE career_event_rsvps SET attended_at = \(bind: at) WHERE event_id = \(bind: event) AND status = 'going' AND learner_id IN (\(binds: part))
                    """).run()
            }
        }
    }

    /// Learners who attended an event of each kind, for outcomes by program.
    public func attendance() async throws -> [(kind: String, learner: UUID, at: Date)] {
        try await db.raw("""
            SELECT e.kind, r.learner_id, r.attended_at FROM career_event_rsvps r JOIN career_events e ON e.id = r.event_id WHERE r.attended_at IS NOT NULL
            """).all().map { (try $0.decode(column: "kind", as: String.self), try $0.decode(column: "learner_id", as: UUID.self), try $0.decode(column: "attended_at", as: Date.self)) }
    }
}
