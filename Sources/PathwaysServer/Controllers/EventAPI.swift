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
        /// An administrator's event for an employer partner (its id).
        var employer: String?

        var input: EventInput {
            EventInput(kind: kind, title: title, description: description, starts: starts, ends: ends, timeZone: timeZone, location: location,
                       capacity: capacity.map(String.init), programs: programs?.joined(separator: ","), skills: skills?.joined(separator: ","),
                       regions: regions?.joined(separator: ","), employer: employer)
        }
    }

    struct EmployerOut: Codable, Sendable {
        var employerId: String
        var name: String
        var website: String?
        var description: String?
        var programs: [String]
        var accounts: [String]

        init(_ e: CareerRepository.Employer, _ d: Dependencies) async throws {
            employerId = e.key; name = e.name; website = e.website; description = e.description
            programs = try await d.catalog.programs(ids: Set(e.programIDs)).map(\.key)
            accounts = try await CareerRepository(store: d.store).accountEmails(employer: e.id)
        }
    }

    struct EmployerIn: Codable, Sendable {
        var employerId: String?
        var name: String?
        var website: String?
        var description: String?
        var programs: [String]?
        var accounts: [String]?

        var input: EmployerInput {
            EmployerInput(key: employerId, name: name, website: website, description: description,
                          programs: programs?.joined(separator: ","), accounts: accounts?.joined(separator: ","))
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
            struct Out: Codable { var invited: Int; var heldByCap: Int; var alreadyInvited: Int; var withAccountLink: Int }
            return try APIController.json(Out(invited: report.invited, heldByCap: report.heldByCap, alreadyInvited: report.alreadyInvited, withAccountLink: report.welcomed))
        }

        // Employer partners: every one for an administrator, its own for an employer account; created and updated
        // (by id) by administrators.
        routes.get("/api/v1/employers", access: "admin, employer (own)") { _, context in
            let p = try context.requirePrincipal()
            let catalog = CatalogAdministration(store: d.store)
            var out: [EmployerOut] = []
            for e in try await catalog.employers(for: p) { out.append(try await EmployerOut(e, d)) }
            return try APIController.json(out)
        }
        routes.post("/api/v1/employers", access: "admin", body: .json) { request, context in
            let p = try context.require("edit the catalog", AccessPolicy.canEditCatalog)
            let input = try await APIController.decode(EmployerIn.self, from: request)
            let saved = try await CatalogAdministration(store: d.store).saveEmployer(input.input, by: p)
            return try APIController.json(try await EmployerOut(saved.employer, d), status: saved.created ? .created : .ok)
        }

        // Invitations to learners to create their accounts: one learner, a program's, or every learner without one.
        routes.post("/api/v1/learner-invitations", access: "admin", body: .json) { request, context in
            let p = try context.require("invite learners", AccessPolicy.canInviteLearners)
            struct In: Codable { var learnerId: String?; var programId: String? }
            let input = try await APIController.decode(In.self, from: request)
            let report = try await AccountLinks(store: d.store, passwords: d.passwords).inviteLearners(learnerKey: input.learnerId, programKey: input.programId, by: p)
            struct Out: Codable { var invited: Int }
            return try APIController.json(Out(invited: report.invited), status: .accepted)
        }
    }
}
