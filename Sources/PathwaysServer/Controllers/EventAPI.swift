import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Workshops and interview days under `/api/v1/events`, for administrators and employer accounts (their own).
struct EventAPI {
    let dependencies: Dependencies

    struct EventOut: Codable, Sendable {
        var id: UUID
        var kind: String
        var title: String
        var description: String
        var startsAt: Date
        var endsAt: Date
        var timeZone: String
        var location: String
        var capacity: Int
        var programs: [String]
        var skills: [String]
        var regions: [String]
        var going: Int?
        var waitlisted: Int?

        init(_ e: CareerEventRepository.Event, roster: [CareerEventRepository.RosterEntry]? = nil) {
            id = e.id; kind = e.kind.rawValue; title = e.title; description = e.description; startsAt = e.startsAt; endsAt = e.endsAt
            timeZone = e.timeZone; location = e.location; capacity = e.capacity
            programs = e.targets.compactMap { if case .program(let k) = $0 { k } else { nil } }
            skills = e.targets.compactMap { if case .skill(let s) = $0 { s } else { nil } }
            regions = e.targets.compactMap { if case .region(let r) = $0 { r } else { nil } }
            going = roster.map { $0.filter { $0.status == .going }.count }
            waitlisted = roster.map { $0.filter { $0.status == .waitlisted }.count }
        }
    }

    struct EventIn: Codable, Sendable {
        var kind: String?
        var title: String?
        var description: String?
        /// Local times in `timeZone`, YYYY-MM-DDTHH:MM.
        var starts: String?
        var ends: String?
        var timeZone: String?
        var location: String?
        var capacity: Int?
        var programs: [String]?
        var skills: [String]?
        var regions: [String]?

        var input: EventInput {
            EventInput(kind: kind, title: title, description: description, starts: starts, ends: ends, timeZone: timeZone, location: location,
                       capacity: capacity.map(String.init), programs: programs?.joined(separator: ","), skills: skills?.joined(separator: ","),
                       regions: regions?.joined(separator: ","))
        }
    }

    func register(on routes: RouteTable) {
        let d = dependencies
        let events = d.app.events
        let who = "admin, employer (own events)"
        routes.get("/api/v1/events", access: who) { _, context in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            var out: [EventOut] = []
            for e in try await events.organised(by: p) { out.append(EventOut(e, roster: try await events.roster(e.id, by: p))) }
            return try APIController.json(out)
        }
        routes.post("/api/v1/events", access: who, body: .json) { request, context in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            let input = try await APIController.decode(EventIn.self, from: request)
            return try APIController.json(EventOut(try await events.create(input.input, by: p), roster: []), status: .created)
        }
        routes.post("/api/v1/events/{event}/invite", access: who, body: .json) { _, context in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            guard let id = UUID(uuidString: context.parameters.get("event") ?? "") else { throw UseCaseError.notFound("There is no such event.") }
            let report = try await events.invite(id, by: p, baseURL: d.publicURL)
            struct Out: Codable { var invited: Int; var heldByCap: Int; var alreadyInvited: Int }
            return try APIController.json(Out(invited: report.invited, heldByCap: report.heldByCap, alreadyInvited: report.alreadyInvited))
        }
    }
}
