import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Organising workshops and interview days, for administrators and employer accounts (their own employer's
/// events): create, edit, invite the audience, see the replies and the waitlist, record who came. Each form posts
/// to one use case of `CareerEvents`.
struct CareerEventPages {
    let dependencies: Dependencies

    struct EventForm: Decodable {
        var _csrf: String?
        var kind: String?
        var title: String?
        var description: String?
        var starts: String?
        var ends: String?
        var time_zone: String?
        var location: String?
        var capacity: String?
        var programs: String?
        var skills: String?
        var regions: String?
        var employer: String?

        var input: EventInput {
            EventInput(kind: kind, title: title, description: description, starts: starts, ends: ends, timeZone: time_zone, location: location,
                       capacity: capacity, programs: programs, skills: skills, regions: regions, employer: employer)
        }
    }

    static func when(_ e: CareerEventRepository.Event) -> String {
        let zone = TimeZone(identifier: e.timeZone) ?? .gmt
        let start = EventInput.local(e.startsAt, in: zone).replacingOccurrences(of: "T", with: " ")
        let end = EventInput.local(e.endsAt, in: zone)
        return "\(start)–\(end.suffix(5)) (\(e.timeZone))"
    }

    func register(on routes: RouteTable) {
        let d = dependencies
        let events = d.app.events
        let who = "admin, employer (own events)"

        routes.get("/careers/organise", access: who) { _, context in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            var rows: [[String: Any]] = []
            for e in try await events.organised(by: p) {
                let going = try await events.roster(e.id, by: p).filter { $0.status == .going }.count
                rows.append(["id": e.id.uuidString.lowercased(), "kind": e.kind.label, "title": e.title, "when": Self.when(e), "going": going, "capacity": e.capacity])
            }
            let employer = try await CareerRepository(store: d.store).employer(forUser: p.userID)
            let tied = AccessPolicy.seesEveryEvent(p) || employer != nil
            return d.views.page("events_organised", title: "Events you organise", ["events": rows, "canCreate": tied], context: context)
        }

        routes.get("/careers/organise/new", access: who) { _, context in
            _ = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            let start = CalendarDay.adding(days: 14, to: CalendarDay.parse(CalendarDay.format(Date()))!).addingTimeInterval(15 * 3600)
            return Self.form(d, event: nil, input: EventInput(kind: "workshop", starts: EventInput.local(start, in: .gmt),
                                                               ends: EventInput.local(start.addingTimeInterval(7200), in: .gmt), timeZone: "UTC", capacity: "30"),
                             problems: [], context: context)
        }

        routes.post("/careers/organise", access: who) { request, context -> Response in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            let form = try await Forms.decode(EventForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            do {
                let e = try await events.create(form.input, by: p)
                return Response(status: .seeOther, headers: [.location: "/careers/organise/\(e.id.uuidString.lowercased())"])
            } catch UseCaseError.rejected(let problems) {
                return try Self.form(d, event: nil, input: form.input, problems: problems, context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        }

        @Sendable func eventID(_ context: AppContext) throws -> UUID {
            guard let id = UUID(uuidString: context.parameters.get("event") ?? "") else { throw AppError.notFound("There is no such event.") }
            return id
        }

        routes.get("/careers/organise/{event}", access: who) { request, context in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            let e = try await events.event(try eventID(context), for: p)
            let roster = try await events.roster(e.id, by: p)
            let notice = request.uri.queryParameters.get("invited").map { "Invitations written: \($0)." } ?? ""
            let audience = e.targets.map { t -> String in
                switch t {
                case .program(let k): "program \(k)"
                case .skill(let s): "skill \(s)"
                case .region(let r): "region \(r)"
                }
            }.joined(separator: ", ")
            return d.views.page("event_manage", title: e.title, [
                "id": e.id.uuidString.lowercased(), "kind": e.kind.label, "title": e.title, "when": Self.when(e), "location": e.location, "capacity": e.capacity,
                "going": roster.filter { $0.status == .going }.count, "waitlisted": roster.filter { $0.status == .waitlisted }.count, "audience": audience,
                "invited": try await CareerEventRepository(store: d.store).invitationCount(event: e.id), "notice": notice, "started": Date() >= e.startsAt,
                "roster": roster.map { r -> [String: Any] in
                    ["learner": r.learnerID.uuidString.lowercased(), "name": r.name ?? "(no name on record)", "status": r.status.rawValue,
                     "replied": CalendarDay.format(r.respondedAt), "going": r.status == .going, "attended": r.attended]
                },
            ], context: context)
        }

        routes.post("/careers/organise/{event}", access: who) { request, context -> SeeOther in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            let id = try eventID(context)
            _ = try await events.event(id, for: p)
            let body = try await Forms.collect(request, limit: Forms.maxFormSize, what: "the form")
            let values = Forms.decodeForm(String(buffer: body))
            try FormCSRF.check(values["_csrf"]?.first, context: context)
            switch values["action"]?.first {
            case "invite":
                let report = try await events.invite(id, by: p, baseURL: d.publicURL)
                return SeeOther(location: "/careers/organise/\(id.uuidString.lowercased())?invited=\(report.invited)%2C+\(report.heldByCap)+held+by+the+contact+cap")
            case "attendance":
                try await events.markAttendance(id, attended: Set((values["attended"] ?? []).compactMap(UUID.init(uuidString:))), by: p)
                return SeeOther(location: "/careers/organise/\(id.uuidString.lowercased())")
            default:
                throw AppError.badRequest("action: invite or attendance")
            }
        }

        routes.get("/careers/organise/{event}/edit", access: who) { _, context in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            let e = try await events.event(try eventID(context), for: p)
            let zone = TimeZone(identifier: e.timeZone) ?? .gmt
            func list(_ pick: (CareerEventRepository.Target) -> String?) -> String { e.targets.compactMap(pick).joined(separator: ", ") }
            let input = EventInput(kind: e.kind.rawValue, title: e.title, description: e.description, starts: EventInput.local(e.startsAt, in: zone),
                                   ends: EventInput.local(e.endsAt, in: zone), timeZone: e.timeZone, location: e.location, capacity: String(e.capacity),
                                   programs: list { if case .program(let k) = $0 { k } else { nil } }, skills: list { if case .skill(let s) = $0 { s } else { nil } },
                                   regions: list { if case .region(let r) = $0 { r } else { nil } })
            return Self.form(d, event: e, input: input, problems: [], context: context)
        }

        routes.post("/careers/organise/{event}/edit", access: who) { request, context -> Response in
            let p = try context.require("organise events", AccessPolicy.canOrganiseEvents)
            let id = try eventID(context)
            let e = try await events.event(id, for: p)
            let form = try await Forms.decode(EventForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            do {
                _ = try await events.edit(id, form.input, by: p)
                return Response(status: .seeOther, headers: [.location: "/careers/organise/\(id.uuidString.lowercased())"])
            } catch UseCaseError.rejected(let problems) {
                return try Self.form(d, event: e, input: form.input, problems: problems, context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        }
    }

    static func form(_ d: Dependencies, event: CareerEventRepository.Event?, input: EventInput, problems: [FieldProblem], context: AppContext,
                     status: HTTPResponse.Status = .ok) -> HTML {
        d.views.page("event_form", title: event == nil ? "New event" : "Edit \(event!.title)", [
            "heading": event.map { "Edit \($0.title)" } ?? "New workshop or interview day",
            "action": event.map { "/careers/organise/\($0.id.uuidString.lowercased())/edit" } ?? "/careers/organise",
            "submit": event == nil ? "Create the event" : "Save", "isWorkshop": (input.kind ?? "workshop") == "workshop",
            "title": input.title ?? "", "description": input.description ?? "", "starts": input.starts ?? "", "ends": input.ends ?? "",
            "timeZone": input.timeZone ?? "UTC", "location": input.location ?? "", "capacity": input.capacity ?? "", "programs": input.programs ?? "",
            "skills": input.skills ?? "", "regions": input.regions ?? "", "errors": problems.map(\.description), "hasErrors": !problems.isEmpty,
            // An administrator names the employer partner of a new event; an employer account's are its own.
            "namesEmployer": event == nil && context.principal.map(AccessPolicy.seesEveryEvent) == true, "employer": input.employer ?? "",
        ], context: context, status: status)
    }
}
