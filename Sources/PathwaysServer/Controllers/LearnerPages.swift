import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Learner lists and records, each limited to what the viewer may see; every view is audited.
struct LearnerPages {
    let dependencies: Dependencies

    struct WithdrawForm: Decodable {
        var _csrf: String?
        var confirm: String?
        var reason: String?
        var scope: String?
    }

    func register(on routes: RouteTable) {
        let d = dependencies

        routes.get("/learners", access: "admin, researcher, program staff (their programs)") { request, context in
            let p = try context.require("list learners", AccessPolicy.canListLearners)
            let q = request.uri.queryParameters
            let pageSize = 50
            let pageNumber = max(Int(q.get("page") ?? "") ?? 1, 1)
            let programs = try await d.programIndex()
            let visible = programs.values.filter { AccessPolicy.canViewProgramRoster($0.id, by: p) }.sorted { $0.title < $1.title }
            let programFilter = try await d.rosterFilter(q.get("program"), for: p)
            let search = Forms.query(request)["q"]
            let page = try await d.learners.list(visibility: AccessPolicy.learnerVisibility(p), programID: programFilter?.id, search: search,
                                                  limit: pageSize, offset: (pageNumber - 1) * pageSize)
            try await d.audit.record(userID: p.userID, action: "list_learners", subject: "learners", detail: "web; \(page.items.count) shown")
            let identifiers = AccessPolicy.canSeeIdentifiers(p)
            let lastPage = max(1, (page.total + pageSize - 1) / pageSize)
            func link(_ n: Int) -> String {
                var parts = ["page=\(n)"]
                if let programFilter { parts.append("program=\(programFilter.key)") }
                if let search, let s = search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { parts.append("q=\(s)") }
                return "/learners?" + parts.joined(separator: "&")
            }
            return d.views.page("learners", title: "Learners", [
                "total": page.total, "search": search ?? "", "identifiers": identifiers,
                "programs": visible.map { ["key": $0.key, "title": $0.title, "selected": $0.id == programFilter?.id] },
                "learners": page.items.map { item -> [String: Any] in
                    [
                        "id": item.learner.id.uuidString, "key": item.learner.key, "name": identifiers ? (item.learner.name ?? "—") : "",
                        "programs": item.enrollments.filter { AccessPolicy.canViewEnrollment(in: $0.programID, by: p) }.map { e in
                            (programs[e.programID]?.title ?? "?") + (e.completedAt != nil ? " (completed \(Format.day(e.completedAt)))" : "")
                        }.joined(separator: "; "),
                    ]
                },
                "page": pageNumber, "lastPage": lastPage,
                "previous": pageNumber > 1 ? link(pageNumber - 1) : "", "next": pageNumber < lastPage ? link(pageNumber + 1) : "",
            ], context: context)
        }

        routes.get("/learners/{id}", access: "admin, researcher, program staff (their programs), learner (self)") { request, context in
            let p = try context.requirePrincipal()
            guard let id = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("There is no learner with that id.") }
            let record = try await d.learnerRecord(id: id, for: p, via: "web")
            let notice = request.uri.queryParameters.get("invited") == "1" ? "An invitation to create an account is in the outbox." : nil
            return try await Self.render(record, d: d, context: context, notice: notice)
        }

        routes.post("/learners/{id}/withdraw", access: "admin, learner (self)") { request, context -> HTML in
            let p = try context.requirePrincipal()
            guard let id = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("There is no learner with that id.") }
            let form = try await Forms.decode(WithdrawForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let scope = Withdrawals.Scope.chosen(form.scope)
            let result: PrivacyRepository.Withdrawal
            do {
                (result, _) = try await d.withdraw(scope, learner: id, confirm: form.confirm, reason: form.reason, by: p)
            } catch UseCaseError.rejected(let problems) {
                // The record again, the message beside the field, what was typed kept.
                let record = try await d.learnerRecord(id: id, for: p, via: "web")
                return try await Self.render(record, d: d, context: context, withdrawal: (scope, form.confirm ?? "", form.reason ?? "",
                    problems.map(\.message).joined(separator: " ")), status: .unprocessableContent)
            }
            return d.views.page("withdrawn", title: scope == .research ? "Withdrawn from research" : "Account closed", [
                "self": AccessPolicy.isSelf(id, p), "researchOnly": scope == .research,
                "studies": result.studies.map { ["title": $0.title, "policy": $0.policy.label, "cases": $0.cases, "removed": $0.answersRemoved] },
                "cancelled": result.messagesCancelled, "accounts": result.accountsClosed, "learner": id.uuidString,
            ], context: context)
        }

        routes.get("/me", access: "signed-in") { _, context -> SeeOther in
            let p = try context.requirePrincipal()
            if let learnerID = p.learnerID { return SeeOther(location: "/learners/\(learnerID.uuidString)") }
            return SeeOther(location: "/account")
        }
    }

    /// One of the two withdrawal forms: what was typed into it and why it was refused, when it was.
    static func withdrawalForm(_ scope: Withdrawals.Scope, _ refused: (scope: Withdrawals.Scope, confirm: String, reason: String, error: String)?) -> [String: Any] {
        let mine = refused?.scope == scope ? refused : nil
        return ["scope": scope.rawValue, "scopeResearch": scope == .research, "confirmTyped": mine?.confirm ?? "", "reasonTyped": mine?.reason ?? "",
                "withdrawError": mine?.error ?? ""]
    }

    /// `withdrawal`: a refused withdrawal form's confirmation and reason as typed, and why it was refused.
    static func render(_ record: LearnerRecord, d: Dependencies, context: AppContext, notice: String? = nil,
                       withdrawal: (scope: Withdrawals.Scope, confirm: String, reason: String, error: String)? = nil,
                       status: HTTPResponse.Status = .ok) async throws -> HTML {
        let programs = try await d.programIndex()
        var courseRows: [[String: Any]] = []
        var enrollmentRows: [[String: Any]] = []
        let progressByCourse = Dictionary(uniqueKeysWithValues: record.progress.map { ($0.courseID, $0) })
        for e in record.enrollments {
            let program = programs[e.programID]
            let courses = record.courses[e.programID] ?? []
            let done = courses.filter { progressByCourse[$0.id]?.completedAt != nil }
            let credit = done.compactMap(\.creditValue).reduce(0, +)
            let agreements = try await d.catalog.agreements(programID: e.programID).filter { $0.isValid(on: Date()) }
            enrollmentRows.append([
                "programKey": program?.key ?? "", "program": program?.title ?? "?", "kind": program?.kind.label ?? "",
                "enrolled": Format.day(e.enrolledAt), "status": e.status.label, "completed": Format.day(e.completedAt),
                "coursesDone": "\(done.count) of \(courses.count)", "credit": program?.creditValue == nil ? "—" : "\(Format.number(credit)) of \(Format.number(program?.creditValue))",
                "transfers": agreements.map { "\($0.institution): \(Format.number($0.credits)) credits" + ($0.degree.map { " toward \($0)" } ?? "") }.joined(separator: "; "),
            ])
            for c in courses {
                let pr = progressByCourse[c.id]
                courseRows.append([
                    "program": program?.title ?? "", "course": c.title, "progress": pr.map { Format.number($0.progressPercent) + "%" } ?? "not started",
                    "grade": Format.number(pr?.grade), "completed": Format.day(pr?.completedAt),
                ])
            }
        }
        let l = record.learner
        let profile = l.profile
        var profileRows: [[String: String]] = []
        if l.profileConsentAt != nil {
            func add(_ label: String, _ value: String?) { if let value { profileRows.append(["label": label, "value": value]) } }
            add("Gender", profile.gender?.label)
            add("Birth year", profile.birthYear.map(String.init))
            add("Hispanic or Latino", profile.hispanic?.label)
            add("Race", profile.races.isEmpty ? nil : profile.races.map(\.label).joined(separator: ", "))
            add("Country", profile.country)
            add("English proficiency", profile.englishProficiency?.label)
            add("Highest education", profile.highestEducation.map { $0.label + ($0.hasBachelorOrHigher ? "" : " (no bachelor's degree)") })
            add("Student status", profile.studentStatus?.label)
            add("Employment", profile.employmentStatus?.label)
            add("Sector", profile.sector)
            add("Business owner", profile.businessOwner.map { $0 ? "Yes" : "No" })
            add("Income", profile.incomeBand?.label)
        }
        let heading = record.showIdentifiers ? (l.name ?? "Learner \(l.key)") : "Learner \(l.key)"
        let principal = try context.requirePrincipal()
        let consents = try await d.privacy.consents(learner: l.id).map { c -> [String: Any] in
            ["purpose": c.purpose.label + (c.studyTitle.map { ": \($0)" } ?? ""), "given": Format.day(c.givenAt), "source": c.source,
             "text": c.text, "withdrawn": c.withdrawnAt.map { "withdrawn \(Format.day($0))" } ?? ""]
        }
        let showCredentials = AccessPolicy.canSeeCredentials(of: l.id, by: principal)
        let canRevoke = AccessPolicy.canRevokeCredentials(principal)
        let credentials = showCredentials ? try await d.credentials.credentials(learner: l.id).map { c -> [String: Any] in
            ["id": c.id.uuidString, "program": c.programTitle, "course": c.courseID != nil, "completed": Format.day(c.completedAt),
             "status": c.revokedAt.map { "revoked \(Format.day($0))" + (c.revocationReason.map { ": \($0)" } ?? "") } ?? "valid", "href": "/learners/\(l.id.uuidString)/credentials/\(c.id.uuidString)",
             "canRevoke": canRevoke && c.revokedAt == nil, "csrf": context.session?.csrfToken ?? "",
             "canShare": AccessPolicy.canShareCredential(of: l.id, by: principal) && c.revokedAt == nil, "shared": c.sharedAt != nil]
        } : []
        let selfService = AccessPolicy.isSelf(l.id, principal)
        let creditPathways = CreditPathwayRepository(store: d.store)
        let pathways = showCredentials ? try await CreditPathways(store: d.store).pathways(learner: l.id).map { w -> [String: Any] in
            ["text": "Your \(w.programTitle) credential is accepted for \(Format.number(w.agreement.credits)) credits at \(w.agreement.institution)"
                + (w.agreement.degree.map { " toward a \($0)" } ?? "") + ".",
             "credential": w.credentialID.uuidString, "agreement": w.agreement.id.uuidString, "canSend": selfService && w.request == nil,
             "request": w.request.map { r in "Sent \(Format.day(r.sentAt)); \(r.status.label.lowercased())" + (r.creditsAwarded.map { ", \(Format.number($0)) credits awarded" } ?? "")
                + " (\(Format.day(r.statusAt)))." } ?? "",
             "requestID": w.request?.id.uuidString ?? "", "canAnswer": canRevoke && w.request != nil, "csrf": context.session?.csrfToken ?? ""]
        } : []
        let degrees = showCredentials ? try await creditPathways.degrees(learner: l.id).map { g -> [String: Any] in
            ["text": "\(g.level.label) at \(g.institution), from \(Format.day(g.enrolledOn))" + (g.related ? ", related to the credential" : "")
                + (g.atCreditPartner ? " — an institution that accepts its credit" : "") + " (recorded by \(g.source))."]
        } : []
        return d.views.page("learner", title: heading, [
            "pathways": pathways, "hasPathways": !pathways.isEmpty, "degrees": degrees, "hasDegrees": !degrees.isEmpty,
            "degreeLevels": CreditPathwayRepository.DegreeLevel.allCases.map { ["value": $0.rawValue, "label": $0.label] },
            "showCredentials": showCredentials, "credentials": credentials, "hasCredentials": !credentials.isEmpty,
            "heading": heading, "key": l.key, "email": record.showIdentifiers ? (l.email ?? "") : "",
            "pseudonymous": !record.showIdentifiers,
            "consent": l.profileConsentAt.map { "Consented to profile data on \(Format.day($0))." } ?? "No consent to profile data on record; no profile is held.",
            "profile": profileRows, "hasProfile": !profileRows.isEmpty, "enrollments": enrollmentRows, "courses": courseRows,
            "consents": consents, "hasConsents": !consents.isEmpty, "withdrawnOn": l.withdrawnAt.map { Format.day($0) } ?? "",
            "canWithdraw": l.withdrawnAt == nil && AccessPolicy.canWithdraw(learner: l.id, by: principal),
            "inResearch": l.researchWithdrawnAt == nil, "researchWithdrawnOn": l.withdrawnAt == nil ? l.researchWithdrawnAt.map { Format.day($0) } ?? "" : "",
            "selfService": AccessPolicy.isSelf(l.id, principal), "id": l.id.uuidString,
            "canInvite": l.withdrawnAt == nil && l.email != nil && AccessPolicy.canInviteLearners(principal), "notice": notice ?? "",
            "research": Self.withdrawalForm(.research, withdrawal), "everything": Self.withdrawalForm(.everything, withdrawal),
        ], context: context, status: status)
    }
}
