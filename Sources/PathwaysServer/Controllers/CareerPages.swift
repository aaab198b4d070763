import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Career support in the learner's portal: jobs matched to their programs with the reasons, filters (no degree
/// required, remote, employment type), their goals, events for them with RSVP and calendar files, applications and
/// career outcomes; and for administrators and employer partners, the postings with their degree requirement and an
/// import of JSON-LD.
struct CareerPages {
    let d: Dependencies

    func register(on routes: RouteTable) {
        let d = self.d
        Self.registerApplicationStatus(d, on: routes)
        let careers = CareerRepository(store: d.store)

        routes.get("/careers", access: "learner") { request, context -> HTML in
            let p = try context.require("see career matches", AccessPolicy.hasCareerPortal)
            let learner = p.learnerID!
            let q = request.uri.queryParameters
            let filters = MatchFilters(noDegreeRequired: q.get("no_degree") == "1", remoteOnly: q.get("remote") == "1",
                                       employmentTypes: Set(q.get("type").map { [$0.uppercased()] }?.filter { !$0.isEmpty } ?? []))
            let shortlist = try await d.app.matching.shortlist(learner: learner, k: 20, filters: filters)
            let applied = try await careers.applications(learner: learner)
            let appliedIDs = Set(applied.map(\.postingID))
            let goals = try await careers.goals(learner: learner)
            let mine: [[String: Any]] = try await d.app.events.invitations(for: p).map { e, reply in
                ["id": e.id.uuidString.lowercased(), "title": e.title, "kind": e.kind.label, "when": Self.day(e.startsAt), "location": e.location,
                 "reply": reply.map { $0 == .going ? "You are going" : $0 == .waitlisted ? "On the waitlist" : "Cancelled" } ?? ""]
            }
            let csrf = context.session?.csrfToken ?? ""
            return d.views.page("careers", title: "Jobs and career support", [
                "matches": shortlist.map { entry -> [String: Any] in
                    let m = entry.match
                    let posting = m.posting.posting
                    let alikePlaces = Array(NSOrderedSet(array: entry.alike.map { Self.place($0.posting) }).compactMap { $0 as? String }.prefix(6))
                    return [
                        "id": posting.id.uuidString.lowercased(), "title": posting.title, "employer": posting.hiringOrganization ?? "",
                        "where": Self.place(posting), "pay": Self.pay(posting.salary), "kinds": Self.kinds(posting),
                        "degree": m.match.degree.requirement.label, "degreeWhy": m.match.degree.reason, "fit": m.match.fitInWords,
                        "matched": m.match.matchedSkills.joined(separator: ", "), "missing": m.match.missingSkills.joined(separator: ", "),
                        "notes": m.match.notes.joined(separator: " "), "forProgram": entry.forProgram ?? "",
                        "alikeCount": entry.alike.count, "hasAlike": !entry.alike.isEmpty, "alikePlaces": alikePlaces.joined(separator: "; ")
                            + (entry.alike.count > alikePlaces.count ? "…" : ""),
                        "applied": appliedIDs.contains(posting.id), "csrf": csrf,
                    ]
                },
                "hasMatches": !shortlist.isEmpty,
                "noDegree": filters.noDegreeRequired, "remote": filters.remoteOnly, "type": filters.employmentTypes.first ?? "",
                "types": ["FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN"].map { ["value": $0, "label": $0.replacingOccurrences(of: "_", with: " ").capitalized, "selected": filters.employmentTypes.contains($0)] },
                "goals": goals.goals.joined(separator: ", "), "region": goals.region ?? "", "sharing": goals.shareWithEmployers, "events": mine, "hasEvents": !mine.isEmpty,
                "applications": applied.map { ["title": $0.title, "status": $0.status.label, "applied": Self.day($0.appliedAt),
                                               "interview": $0.interviewAt.map { Self.day($0) + " " + Self.time($0) + " UTC" } ?? ""] }, "hasApplications": !applied.isEmpty,
                "hasOutcomes": !(try await careers.outcomes(learner: learner)).isEmpty,
                "outcomes": try await careers.outcomes(learner: learner).map {
                    ["kind": $0.kind.label, "on": Self.day($0.occurredOn), "sector": $0.sector ?? "", "band": $0.salaryBand ?? "", "noDegree": $0.noDegreeRole == true ? "yes" : ""]
                },
                "outcomeKinds": CareerRepository.OutcomeKind.allCases.map { ["value": $0.rawValue, "label": $0.label] },
                "learnerHref": "/learners/\(learner.uuidString)",
            ], context: context)
        }

        // One posting whole: what it asks and pays, its text, its apply link, and for a learner how it fits them.
        routes.get("/careers/jobs/{posting}", access: "admin, employer, learner") { _, context -> HTML in
            let p = try context.require("read job postings", AccessPolicy.mayReadPostings)
            guard let id = UUID(uuidString: context.parameters.get("posting") ?? ""), let stored = try await careers.posting(id: id) else {
                throw AppError.notFound("There is no such posting.")
            }
            let posting = stored.posting
            var values: [String: Any] = [
                "id": posting.id.uuidString.lowercased(), "title": posting.title, "employer": posting.hiringOrganization ?? "the employer",
                "employerURL": Self.webLink(posting.hiringOrganizationURL) ?? "", "applyURL": Self.webLink(posting.url) ?? "",
                "where": Self.place(posting), "pay": Self.pay(posting.salary), "kinds": Self.kinds(posting),
                "degree": stored.degree.requirement.label, "degreeWhy": stored.degree.reason,
                "experience": posting.experienceMonths.map { "\($0) months" + (posting.experienceInPlaceOfEducation == true ? ", in place of education" : "") } ?? posting.experienceText ?? "",
                "skills": posting.skills.map(\.name).joined(separator: ", "),
                "occupations": posting.occupationalCategories.map(\.text).joined(separator: "; "),
                "posted": posting.datePosted.map(Self.day) ?? "", "closes": posting.validThrough.map(Self.day) ?? "",
                "isOpen": posting.isOpen(on: Date()), "paragraphs": HTMLText.paragraphs(posting.description),
            ]
            if AccessPolicy.hasCareerPortal(p), let learner = p.learnerID {
                values["applied"] = try await careers.applications(learner: learner).contains { $0.postingID == id }
                if let fit = try await d.app.matching.fit(learner: learner, posting: stored) {
                    values["hasFit"] = true
                    values["fit"] = fit.fitInWords
                    values["matched"] = fit.matchedSkills.joined(separator: ", ")
                    values["missing"] = fit.missingSkills.joined(separator: ", ")
                    values["notes"] = fit.notes.joined(separator: " ")
                }
            }
            return d.views.page("career_job", title: posting.title, values, context: context)
        }

        routes.post("/careers/goals", access: "learner") { request, context -> SeeOther in
            let p = try context.require("set career goals", AccessPolicy.hasCareerPortal)
            struct Form: Decodable { var _csrf: String?; var goals: String?; var region: String?; var share_with_employers: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            try await d.app.portal.setGoals(form.goals ?? "", region: form.region, shareWithEmployers: form.share_with_employers == "yes", by: p)
            return SeeOther(location: "/careers")
        }

        routes.post("/careers/postings/{posting}/apply", access: "learner") { request, context -> SeeOther in
            let p = try context.require("record an application", AccessPolicy.hasCareerPortal)
            try await Forms.checkCSRF(request, context: context)
            guard let posting = UUID(uuidString: context.parameters.get("posting") ?? "") else { throw AppError.notFound("There is no such posting.") }
            try await d.app.applications.apply(posting: posting, by: p)
            return SeeOther(location: "/careers")
        }

        routes.post("/careers/outcomes", access: "learner") { request, context -> SeeOther in
            let p = try context.require("record a career outcome", AccessPolicy.hasCareerPortal)
            struct Form: Decodable { var _csrf: String?; var kind: String?; var occurred_on: String?; var sector: String?; var salary_band: String?; var annual_salary: String?; var no_degree_role: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            try await d.app.portal.recordOutcome(kind: form.kind, occurredOn: form.occurred_on, sector: form.sector, salaryBand: form.salary_band,
                                                 annualSalary: form.annual_salary, noDegreeRole: form.no_degree_role == "yes" ? true : nil, by: p)
            return SeeOther(location: "/careers")
        }

        @Sendable func visibleEvent(_ context: AppContext) async throws -> (CareerEventRepository.Event, Principal) {
            let p = try context.require("see career events", AccessPolicy.mayOpenEvents)
            guard let id = UUID(uuidString: context.parameters.get("event") ?? "") else { throw AppError.notFound("There is no such event.") }
            return (try await d.app.events.visible(id, to: p), p)
        }

        routes.get("/careers/events/{event}", access: "admin, learner (invited)") { _, context -> HTML in
            let (e, p) = try await visibleEvent(context)
            let replies = try await d.app.events.replies(e.id, for: p)
            let going = replies.going, mine = replies.mine
            return d.views.page("career_event", title: e.title, [
                "id": e.id.uuidString.lowercased(), "title": e.title, "kind": e.kind.label, "description": e.description, "when": CareerEventPages.when(e),
                "location": e.location, "capacity": e.capacity, "going": going, "waitlisted": replies.waitlisted,
                "isLearner": AccessPolicy.hasCareerPortal(p), "isGoing": mine == .going, "isWaitlisted": mine == .waitlisted,
                "canReply": AccessPolicy.hasCareerPortal(p) && (mine == nil || mine == .cancelled), "full": going >= e.capacity,
            ], context: context)
        }

        routes.post("/careers/events/{event}/rsvp", access: "learner (invited)") { request, context -> SeeOther in
            let (e, p) = try await visibleEvent(context)
            struct Form: Decodable { var _csrf: String?; var action: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            try await d.app.events.reply(e.id, going: form.action != "cancel", by: p)
            return SeeOther(location: "/careers/events/\(e.id.uuidString.lowercased())")
        }

        routes.get("/careers/events/{event}/event.ics", access: "admin, learner (invited)") { _, context -> Response in
            let (e, _) = try await visibleEvent(context)
            var organizer = "Pathways"
            if let employer = e.employerID, let name = try await careers.employers().first(where: { $0.id == employer })?.name { organizer = "\(name), via Pathways" }
            let ics = CareerEventRepository.ics(e, organizer: organizer, url: "\(d.publicURL)/careers/events/\(e.id.uuidString.lowercased())")
            return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8", .contentDisposition: "attachment; filename=\"event.ics\""],
                            body: .init(byteBuffer: ByteBuffer(string: ics)))
        }

        routes.get("/careers/postings", access: "admin, employer") { request, context -> HTML in
            _ = try context.require("see job postings", AccessPolicy.canManagePostings)
            let q = Forms.query(request)
            return try await Self.postingsPage(d, context: context, search: q["q"].map { String($0.prefix(200)) },
                                               pageNumber: max(Int(q["page"] ?? "") ?? 1, 1), summary: nil)
        }

        // A posting entered by hand: the same fields and checks as the CSV format.
        routes.post("/careers/postings/new", access: "admin, employer") { request, context -> HTML in
            let p = try context.require("enter job postings", AccessPolicy.canManagePostings)
            try await d.app.jobBoard.mayWrite(p)
            struct Form: Decodable {
                var _csrf: String?, title: String?, description: String?, skills: String?, education: String?, experience_months: String?
                var experience_in_place_of_education: String?, occupation: String?, employment_type: String?, locality: String?, region: String?
                var country: String?, remote: String?, salary_min: String?, salary_max: String?, salary_currency: String?, salary_unit: String?
                var valid_through: String?, url: String?
            }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let fields: [String: String?] = [
                "title": form.title, "description": form.description, "skills": form.skills, "education": form.education,
                "experience_months": form.experience_months, "experience_in_place_of_education": form.experience_in_place_of_education == "yes" ? "yes" : nil,
                "occupation": form.occupation, "employment_type": form.employment_type, "locality": form.locality, "region": form.region,
                "country": form.country, "remote": form.remote == "yes" ? "yes" : nil, "salary_min": form.salary_min, "salary_max": form.salary_max,
                "salary_currency": form.salary_currency, "salary_unit": form.salary_unit, "valid_through": form.valid_through, "url": form.url,
            ]
            let posting: JobPosting, summary: CareerRepository.ImportSummary
            do {
                (posting, summary) = try await d.app.jobBoard.enter(fields, by: p)
            } catch let error as JobPostingImportError {
                // The form comes back as it was typed, the message beside the field it names.
                let field = error.path.map { $0.replacingOccurrences(of: "column ", with: "") }
                let typed = TypedPosting(fields: fields.compactMapValues { $0 }, field: field, message: "\(field.map { "\($0): " } ?? "")\(error.message). Nothing was saved.")
                return try await Self.postingsPage(d, context: context, summary: nil, typed: typed, status: .unprocessableContent)
            }
            return try await Self.postingsPage(d, context: context, summary: "Saved \"\(posting.title)\": \(summary.description).")
        }

        // An employer partner's candidates for one of its postings: learners who chose to be seen, in the programs
        // the employer hires from, ranked by fit. Each view is audited.
        routes.get("/careers/postings/{posting}/candidates", access: "admin, employer (own postings)") { _, context -> HTML in
            let p = try context.require("see candidates", AccessPolicy.canManagePostings)
            guard let id = UUID(uuidString: context.parameters.get("posting") ?? "") else { throw AppError.notFound("There is no such posting.") }
            let seen = try await d.app.applications.candidates(posting: id, by: p)
            let (posting, employer, found, applicants) = (seen.posting, seen.employer, seen.ranked, seen.applicants)
            return d.views.page("career_candidates", title: "Candidates: \(posting.posting.title)", [
                "title": posting.posting.title, "employer": employer.name, "degree": posting.degree.requirement.label, "count": found.count,
                "hasApplicants": !applicants.isEmpty, "csrf": context.session?.csrfToken ?? "",
                "applicants": applicants.map { a -> [String: Any] in
                    ["id": a.application.id.uuidString.lowercased(), "name": a.name ?? "(no name)", "email": a.email ?? "", "applied": Self.day(a.application.appliedAt),
                     "status": a.application.status.label, "interview": a.application.interviewAt.map { Self.day($0) + " " + Self.time($0) + " UTC" } ?? "",
                     "statuses": ApplicationStatus.employerSide.map { ["value": $0.rawValue, "label": $0.label, "selected": $0 == a.application.status] }]
                },
                "candidates": found.map { c -> [String: Any] in
                    ["name": c.name ?? "(no name)", "email": c.email ?? "", "programs": c.programs.joined(separator: "; "), "fit": c.match.fitInWords,
                     "matched": c.match.matchedSkills.joined(separator: ", "), "missing": c.match.missingSkills.joined(separator: ", ")]
                },
            ], context: context)
        }

        routes.post("/careers/postings", access: "admin, employer", body: .upload) { request, context -> HTML in
            let p = try context.require("import job postings", AccessPolicy.canManagePostings)
            try await d.app.jobBoard.mayWrite(p)
            let upload = try await Forms.upload(request, context: context, fileField: "file")
            try FormCSRF.check(upload.fields["_csrf"], context: context)
            guard let file = upload.file, file.readableBytes > 0 else { throw AppError.badRequest("choose a JSON-LD, HTML or CSV file to upload") }
            let name = upload.fileName ?? "postings.jsonld"
            do {
                // An employer partner's postings are its own: it may not write another employer's (PostingOwnership).
                let summary = try await d.app.jobBoard.importPostings([(Data(buffer: file), name)], by: p)
                return try await Self.postingsPage(d, context: context, summary: "Imported from \(name): \(summary.description).")
            } catch let error as JobPostingImportError {
                return try await Self.postingsPage(d, context: context, summary: nil, error: "\(error.description) Nothing was imported.", status: .unprocessableContent)
            }
        }
    }

    static func registerApplicationStatus(_ d: Dependencies, on routes: RouteTable) {
        // The employer records its side of an application (interview time, offer, hire, decline); the learner sees it.
        routes.post("/careers/applications/{application}/status", access: "admin, employer (own postings)") { request, context -> SeeOther in
            let p = try context.require("update applications", AccessPolicy.canManagePostings)
            struct Form: Decodable { var _csrf: String?; var status: String?; var interview_at: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            guard let id = UUID(uuidString: context.parameters.get("application") ?? "") else { throw AppError.notFound("There is no such application.") }
            let postingID = try await d.app.applications.recordEmployerSide(application: id, status: form.status, interviewAt: form.interview_at, by: p)
            return SeeOther(location: "/careers/postings/\(postingID.uuidString.lowercased())/candidates")
        }
    }

    /// What the posting form held when it was refused, and the field the refusal names, to show them again.
    struct TypedPosting {
        var fields: [String: String]
        var field: String?
        var message: String
    }

    static let educationChoices = ["no requirements", "high school", "associate degree", "professional certificate", "bachelor degree", "postgraduate degree"]
    static let payUnits = ["YEAR", "MONTH", "WEEK", "DAY", "HOUR"]

    /// The Job postings page: an administrator's every open posting, an employer partner's own, 50 to a page, searched
    /// by title, employer or text; the import and the posting form (with what was typed, when it was refused).
    static func postingsPage(_ d: Dependencies, context: AppContext, search: String? = nil, pageNumber: Int = 1, summary: String?, error: String? = nil,
                             typed: TypedPosting? = nil, status: HTTPResponse.Status = .ok) async throws -> HTML {
        let careers = CareerRepository(store: d.store)
        var mine: UUID?
        var values: [String: Any] = [:]
        if let p = context.principal, AccessPolicy.actsForEmployer(p) {
            mine = try await careers.employer(forUser: p.userID)?.id
            values["employerView"] = true
            if mine == nil { values["untied"] = true }
        }
        let isAdmin = context.principal.map(AccessPolicy.seesEveryPosting) ?? false
        let pageSize = 50
        let page = isAdmin || mine != nil
            ? try await careers.postingsPage(search: search, employerID: isAdmin ? nil : mine, limit: pageSize, offset: (pageNumber - 1) * pageSize)
            : (items: [], total: 0, byDegree: [:])
        let lastPage = max(1, (page.total + pageSize - 1) / pageSize)
        func link(_ n: Int) -> String {
            var parts = ["page=\(n)"]
            if let search, !search.isEmpty, let q = search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { parts.append("q=\(q)") }
            return "/careers/postings?" + parts.joined(separator: "&")
        }
        let form = typed?.fields ?? [:]
        values.merge([
            "summary": summary ?? "", "error": typed == nil ? (error ?? "") : "", "total": page.total, "search": search ?? "",
            "hasCounts": !page.byDegree.isEmpty,
            "counts": DegreeRequirement.allCases.compactMap { r in page.byDegree[r].map { ["label": r.label, "count": $0] } },
            "postings": page.items.map { p -> [String: Any] in
                ["title": p.posting.title, "employer": p.posting.hiringOrganization ?? "", "degree": p.degree.requirement.label, "why": p.degree.reason,
                 "posted": p.posting.datePosted.map(Self.day) ?? "", "source": p.source, "id": p.posting.id.uuidString.lowercased(),
                 "candidates": p.employerID != nil && (isAdmin || p.employerID == mine)]
            },
            "page": pageNumber, "lastPage": lastPage, "paged": lastPage > 1,
            "previous": pageNumber > 1 ? link(pageNumber - 1) : "", "next": pageNumber < lastPage ? link(pageNumber + 1) : "",
            "formOpen": typed != nil, "formError": typed?.message ?? "",
            "typed": form, "fieldError": typed?.field.map { [$0: typed!.message] } ?? [:],
            "educations": educationChoices.map { ["value": $0, "selected": form["education"] == $0] },
            "units": payUnits.map { ["value": $0, "selected": form["salary_unit"] == $0] },
            "currency": form["salary_currency"] ?? "USD",
            "remoteChecked": form["remote"] == "yes", "inPlaceChecked": form["experience_in_place_of_education"] == "yes",
        ]) { $1 }
        return d.views.page("career_postings", title: "Job postings", values, context: context, status: status)
    }

    static func day(_ date: Date) -> String { CalendarDay.format(date) }

    /// A link a page may show: http or https only (a posting's `url` is the employer's words).
    static func webLink(_ url: String?) -> String? {
        guard let url, let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http", parsed.host != nil else { return nil }
        return url
    }

    /// Where the job is, in words: remote (and for whom), or its places.
    static func place(_ posting: JobPosting) -> String {
        if posting.remote { return "Remote" + (posting.applicantLocations.isEmpty ? "" : " (applicants in \(posting.applicantLocations.joined(separator: ", ")))") }
        return posting.locations.map(\.label).joined(separator: "; ")
    }

    /// The employment types in words ("full time, contractor").
    static func kinds(_ posting: JobPosting) -> String {
        posting.employmentTypes.map { $0.replacingOccurrences(of: "_", with: " ").lowercased() }.joined(separator: ", ")
    }

    static func time(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }

    static func pay(_ salary: Salary?) -> String {
        guard let s = salary else { return "" }
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.maximumFractionDigits = 2
        func n(_ v: Double) -> String { f.string(from: v as NSNumber) ?? String(v) }
        let range: String
        switch (s.minValue, s.maxValue) {
        case let (low?, high?): range = low == high ? n(low) : "\(n(low))–\(n(high))"
        case let (low?, nil): range = "from \(n(low))"
        case let (nil, high?): range = "up to \(n(high))"
        case (nil, nil): return s.text ?? ""
        }
        return "\(s.currency.map { "\($0) " } ?? "")\(range)" + (s.unit.map { " per \($0.lowercased())" } ?? "")
    }
}
