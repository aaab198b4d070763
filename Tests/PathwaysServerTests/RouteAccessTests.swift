import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// Every route the server registers × every role, allowed or denied, from one table. A route the table does not
/// list fails the test, so a new route cannot ship without its access being decided here.
@Suite struct RouteAccessTests {
    /// Who is asking. Learner A is A1 (enrolled in stats), learner B is B2 (fullstack); program staff hold stats only.
    enum Role: String, CaseIterable {
        case anonymous, learnerA, learnerB, staff, employer, researcher, admin
    }

    struct Row {
        var method: HTTPRequest.Method
        /// The route as registered.
        var route: String
        /// A request to it with its parameters filled in.
        var uri: String
        /// Roles that get through; all others must be refused (401, 403, or sent to sign in).
        var allowed: Set<Role>
        var body: String = ""
    }

    static let everyone = Set(Role.allCases)
    static let signedIn = everyone.subtracting([.anonymous])
    static let studyRoles: Set<Role> = [.admin, .researcher]

    static func table(_ f: FieldedWave, _ w: TestWorld, event: UUID) -> [Row] {
        let a1 = w.learnerIDs["A1"]!.uuidString, b2 = w.learnerIDs["B2"]!.uuidString
        let token = f.tokens["A1"]!, other = f.tokens["C3"]!
        let wave = "/studies/outcomes/waves/1"
        return [
            Row(method: .get, route: "/", uri: "/", allowed: everyone),
            Row(method: .get, route: "/health", uri: "/health", allowed: everyone),
            Row(method: .get, route: "/health/live", uri: "/health/live", allowed: everyone),
            Row(method: .get, route: "/metrics", uri: "/metrics", allowed: everyone),
            Row(method: .get, route: "/openapi.json", uri: "/openapi.json", allowed: everyone),
            Row(method: .get, route: "/static/style.css", uri: "/static/style.css", allowed: everyone),
            Row(method: .get, route: "/static/survey.js", uri: "/static/survey.js", allowed: everyone),
            Row(method: .get, route: "/login", uri: "/login", allowed: everyone),
            Row(method: .get, route: "/programs", uri: "/programs", allowed: everyone),
            Row(method: .get, route: "/programs/{programId}", uri: "/programs/stats", allowed: everyone),
            Row(method: .get, route: "/s/{token}", uri: "/s/\(token)", allowed: everyone),
            Row(method: .post, route: "/s/{token}", uri: "/s/\(token)", allowed: everyone, body: "page=0&revision=0&action=next"),
            Row(method: .get, route: "/s/{token}/opt-out", uri: "/s/\(other)/opt-out", allowed: everyone),
            Row(method: .post, route: "/s/{token}/opt-out", uri: "/s/\(other)/opt-out", allowed: everyone),
            Row(method: .get, route: "/password-reset", uri: "/password-reset", allowed: everyone),
            Row(method: .post, route: "/password-reset", uri: "/password-reset", allowed: everyone, body: "email=nobody%40pathways.test"),
            Row(method: .get, route: "/reset/{token}", uri: "/reset/not-a-link", allowed: everyone),
            Row(method: .post, route: "/reset/{token}", uri: "/reset/not-a-link", allowed: everyone, body: "password=x"),
            Row(method: .get, route: "/welcome/{token}", uri: "/welcome/not-a-link", allowed: everyone),
            Row(method: .post, route: "/welcome/{token}", uri: "/welcome/not-a-link", allowed: everyone, body: "password=x"),
            Row(method: .get, route: "/try/{token}", uri: "/try/not-a-link", allowed: everyone),
            Row(method: .post, route: "/try/{token}", uri: "/try/not-a-link", allowed: everyone, body: "page=0"),
            Row(method: .get, route: "/admin/catalog", uri: "/admin/catalog", allowed: [.admin]),
            Row(method: .get, route: "/admin/catalog/{kind}/new", uri: "/admin/catalog/programs/new", allowed: [.admin]),
            Row(method: .get, route: "/admin/catalog/{kind}/{key}/edit", uri: "/admin/catalog/programs/stats/edit", allowed: [.admin]),
            Row(method: .post, route: "/admin/catalog/{kind}", uri: "/admin/catalog/providers", allowed: [.admin], body: "provider_id="),
            Row(method: .post, route: "/learners/{id}/account-invitation", uri: "/learners/\(a1)/account-invitation", allowed: [.admin]),
            Row(method: .post, route: "/admin/learner-invitations", uri: "/admin/learner-invitations", allowed: [.admin], body: "program=stats"),

            Row(method: .get, route: "/account", uri: "/account", allowed: signedIn),
            Row(method: .get, route: "/me", uri: "/me", allowed: signedIn),
            Row(method: .post, route: "/account/tokens", uri: "/account/tokens", allowed: signedIn, body: "name="),
            Row(method: .post, route: "/account/tokens/{id}/revoke", uri: "/account/tokens/\(UUID().uuidString)/revoke", allowed: signedIn),
            Row(method: .get, route: "/admin/accounts", uri: "/admin/accounts", allowed: [.admin]),
            Row(method: .post, route: "/account/password", uri: "/account/password", allowed: signedIn, body: "current=x"),
            Row(method: .post, route: "/admin/accounts/{id}", uri: "/admin/accounts/\(UUID().uuidString)", allowed: [.admin], body: "action=nothing"),
            Row(method: .post, route: "/admin/accounts", uri: "/admin/accounts", allowed: [.admin], body: "email=&role=learner"),

            Row(method: .get, route: "/learners", uri: "/learners", allowed: [.admin, .researcher, .staff]),
            Row(method: .get, route: "/learners/{id}", uri: "/learners/\(a1)", allowed: [.admin, .researcher, .staff, .learnerA]),
            Row(method: .get, route: "/learners/{id}", uri: "/learners/\(b2)", allowed: [.admin, .researcher, .learnerB]),
            Row(method: .post, route: "/learners/{id}/withdraw", uri: "/learners/\(a1)/withdraw", allowed: [.admin, .learnerA], body: "confirm=not-the-id"),
            Row(method: .post, route: "/learners/{id}/withdraw", uri: "/learners/\(b2)/withdraw", allowed: [.admin, .learnerB], body: "confirm=not-the-id"),
            Row(method: .get, route: "/admin/audit", uri: "/admin/audit", allowed: [.admin]),
            Row(method: .get, route: "/.well-known/jwks.json", uri: "/.well-known/jwks.json", allowed: everyone),
            Row(method: .get, route: "/.well-known/did.json", uri: "/.well-known/did.json", allowed: everyone),
            Row(method: .get, route: "/credentials/status/1", uri: "/credentials/status/1", allowed: everyone),
            Row(method: .get, route: "/verify", uri: "/verify", allowed: everyone),
            Row(method: .post, route: "/verify", uri: "/verify", allowed: everyone, body: "credential=not-a-credential"),
            Row(method: .post, route: "/api/credentials/verify", uri: "/api/credentials/verify", allowed: everyone, body: "not-a-credential"),
            Row(method: .get, route: "/learners/{id}/credentials/{credential}", uri: "/learners/\(a1)/credentials/\(w.credentialIDs["A1"]!.uuidString)",
                allowed: [.admin, .learnerA]),
            Row(method: .post, route: "/learners/{id}/credentials/{credential}/share",
                uri: "/learners/\(a1)/credentials/\(w.credentialIDs["A1"]!.uuidString)/share", allowed: [.learnerA], body: "action=stop"),
            Row(method: .get, route: "/learners/{id}/record.jwt", uri: "/learners/\(a1)/record.jwt", allowed: [.admin, .learnerA]),
            Row(method: .post, route: "/learners/{id}/credit-requests", uri: "/learners/\(a1)/credit-requests", allowed: [.learnerA], body: "credential=x"),
            Row(method: .post, route: "/credit-requests/{request}/status", uri: "/credit-requests/\(UUID().uuidString)/status", allowed: [.admin], body: "status=sent"),
            Row(method: .post, route: "/learners/{id}/degrees", uri: "/learners/\(a1)/degrees", allowed: [.admin, .learnerA], body: "level=none"),
            Row(method: .get, route: "/c/{token}", uri: "/c/not-a-shared-link-not-a-shared-link-not-a-shared", allowed: everyone),
            Row(method: .get, route: "/c/{token}/credential.jwt", uri: "/c/not-a-shared-link-not-a-shared-link-not-a-shared/credential.jwt", allowed: everyone),
            Row(method: .post, route: "/credentials/{credential}/revoke", uri: "/credentials/\(w.credentialIDs["A1"]!.uuidString)/revoke",
                allowed: [.admin], body: "reason="),
            Row(method: .get, route: "/careers", uri: "/careers", allowed: [.learnerA, .learnerB]),
            Row(method: .post, route: "/careers/goals", uri: "/careers/goals", allowed: [.learnerA, .learnerB], body: "goals=Data+analyst"),
            Row(method: .post, route: "/careers/postings/{posting}/apply", uri: "/careers/postings/\(UUID().uuidString)/apply", allowed: [.learnerA, .learnerB]),
            Row(method: .post, route: "/careers/outcomes", uri: "/careers/outcomes", allowed: [.learnerA, .learnerB], body: "kind=none"),
            Row(method: .get, route: "/careers/events/{event}", uri: "/careers/events/\(event.uuidString)", allowed: [.admin, .learnerA]),
            Row(method: .post, route: "/careers/events/{event}/rsvp", uri: "/careers/events/\(event.uuidString)/rsvp", allowed: [.learnerA], body: "action=rsvp"),
            Row(method: .get, route: "/careers/events/{event}/event.ics", uri: "/careers/events/\(event.uuidString)/event.ics", allowed: [.admin, .learnerA]),
            Row(method: .get, route: "/careers/postings", uri: "/careers/postings", allowed: [.admin, .employer]),
            Row(method: .get, route: "/careers/organise", uri: "/careers/organise", allowed: [.admin, .employer]),
            Row(method: .get, route: "/careers/organise/new", uri: "/careers/organise/new", allowed: [.admin, .employer]),
            Row(method: .post, route: "/careers/organise", uri: "/careers/organise", allowed: [.admin], body: "title="),
            // The test world's employer account is tied to no employer partner: the event is not among its own.
            Row(method: .get, route: "/careers/organise/{event}", uri: "/careers/organise/\(event.uuidString)", allowed: [.admin]),
            Row(method: .post, route: "/careers/organise/{event}", uri: "/careers/organise/\(event.uuidString)", allowed: [.admin], body: "action=nothing"),
            Row(method: .get, route: "/careers/organise/{event}/edit", uri: "/careers/organise/\(event.uuidString)/edit", allowed: [.admin]),
            Row(method: .post, route: "/careers/organise/{event}/edit", uri: "/careers/organise/\(event.uuidString)/edit", allowed: [.admin], body: "title="),
            Row(method: .post, route: "/careers/postings", uri: "/careers/postings", allowed: [.admin]),
            // The test world's employer account is tied to no employer partner, so it may not enter postings.
            Row(method: .post, route: "/careers/postings/new", uri: "/careers/postings/new", allowed: [.admin], body: "title="),
            Row(method: .post, route: "/careers/applications/{application}/status", uri: "/careers/applications/\(UUID().uuidString)/status",
                allowed: [.admin, .employer], body: "status=hired"),
            Row(method: .get, route: "/careers/jobs/{posting}", uri: "/careers/jobs/\(UUID().uuidString)", allowed: [.admin, .employer, .learnerA, .learnerB]),
            Row(method: .get, route: "/careers/postings/{posting}/candidates", uri: "/careers/postings/\(UUID().uuidString)/candidates", allowed: [.admin, .employer]),
            Row(method: .post, route: "/studies/{study}/withdrawal-policy", uri: "/studies/outcomes/withdrawal-policy", allowed: [.admin], body: "policy=deidentify"),
            Row(method: .get, route: "/imports", uri: "/imports", allowed: [.admin, .staff]),
            Row(method: .post, route: "/imports", uri: "/imports", allowed: [.admin, .staff]),

            Row(method: .get, route: "/studies", uri: "/studies", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}", uri: "/studies/outcomes", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/instruments", uri: "/studies/outcomes/instruments", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/career-outcomes", uri: "/studies/outcomes/career-outcomes", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}/instruments/{version}/xlsform.xlsx",
                uri: "/studies/outcomes/instruments/\(f.version.id.uuidString)/xlsform.xlsx", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}/instruments/{version}/preview",
                uri: "/studies/outcomes/instruments/\(f.version.id.uuidString)/preview", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/instruments/{version}/preview",
                uri: "/studies/outcomes/instruments/\(f.version.id.uuidString)/preview", allowed: studyRoles, body: "page=0"),
            Row(method: .post, route: "/studies/{study}/instruments/{version}/test-link",
                uri: "/studies/outcomes/instruments/\(f.version.id.uuidString)/test-link", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/waves/{number}/test-message", uri: wave + "/test-message", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}/panel", uri: "/studies/outcomes/panel", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}/codebook", uri: "/studies/outcomes/codebook", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/codebook", uri: "/studies/outcomes/codebook", allowed: studyRoles, body: "action=nothing"),
            Row(method: .get, route: "/studies/{study}/waves/{number}", uri: wave, allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/waves/{number}", uri: wave, allowed: studyRoles, body: "action=nothing"),
            Row(method: .get, route: "/studies/{study}/waves/{number}/report", uri: wave + "/report", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/waves/{number}/export", uri: wave + "/export", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}/waves/{number}/open/{item}", uri: wave + "/open/comments", allowed: studyRoles),
            Row(method: .get, route: "/studies/new", uri: "/studies/new", allowed: studyRoles),
            Row(method: .post, route: "/studies", uri: "/studies", allowed: studyRoles, body: "key="),
            Row(method: .get, route: "/studies/{study}/settings", uri: "/studies/outcomes/settings", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/settings", uri: "/studies/outcomes/settings", allowed: studyRoles, body: "key="),
            Row(method: .get, route: "/studies/{study}/waves/new", uri: "/studies/outcomes/waves/new", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/waves", uri: "/studies/outcomes/waves", allowed: studyRoles, body: "number="),
            Row(method: .get, route: "/studies/{study}/waves/{number}/edit", uri: wave + "/edit", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/waves/{number}/edit", uri: wave + "/edit", allowed: studyRoles, body: "number="),
            Row(method: .post, route: "/studies/{study}/waves/{number}/responses", uri: wave + "/responses", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}/waves/{number}/invitations", uri: wave + "/invitations", allowed: studyRoles),
            Row(method: .get, route: "/studies/{study}/waves/{number}/cases/{respondent}", uri: wave + "/cases/p0000000000", allowed: studyRoles),
            Row(method: .post, route: "/studies/{study}/waves/{number}/invitations", uri: wave + "/invitations", allowed: studyRoles, body: "action=nothing"),
            Row(method: .post, route: "/admin/contact-cap", uri: "/admin/contact-cap", allowed: [.admin], body: "cap_messages=3&cap_days=30"),
            Row(method: .post, route: "/studies/{study}/waves/{number}/open/{item}", uri: wave + "/open/comments", allowed: studyRoles, body: "action=save"),

            Row(method: .get, route: "/api/v1/me", uri: "/api/v1/me", allowed: signedIn),
            Row(method: .get, route: "/api/v1/providers", uri: "/api/v1/providers", allowed: signedIn),
            Row(method: .post, route: "/api/v1/providers", uri: "/api/v1/providers", allowed: [.admin], body: "{}"),
            Row(method: .get, route: "/api/v1/programs", uri: "/api/v1/programs", allowed: signedIn),
            Row(method: .post, route: "/api/v1/programs", uri: "/api/v1/programs", allowed: [.admin], body: "{}"),
            Row(method: .get, route: "/api/v1/programs/{programId}", uri: "/api/v1/programs/stats", allowed: signedIn),
            Row(method: .get, route: "/api/v1/programs/{programId}/courses", uri: "/api/v1/programs/stats/courses", allowed: signedIn),
            Row(method: .get, route: "/api/v1/programs/{programId}/agreements", uri: "/api/v1/programs/stats/agreements", allowed: signedIn),
            Row(method: .post, route: "/api/v1/programs/{programId}/agreements", uri: "/api/v1/programs/stats/agreements", allowed: [.admin], body: "{}"),
            Row(method: .get, route: "/api/v1/learners", uri: "/api/v1/learners", allowed: [.admin, .researcher, .staff, .learnerA, .learnerB]),
            Row(method: .get, route: "/api/v1/learners/{id}", uri: "/api/v1/learners/\(a1)", allowed: [.admin, .researcher, .staff, .learnerA]),
            Row(method: .get, route: "/api/v1/learners/{id}", uri: "/api/v1/learners/\(b2)", allowed: [.admin, .researcher, .learnerB]),
            Row(method: .get, route: "/api/v1/imports", uri: "/api/v1/imports", allowed: [.admin, .staff]),
            Row(method: .post, route: "/api/v1/imports/{kind}", uri: "/api/v1/imports/learners", allowed: [.admin, .staff], body: "learner_id\n"),
            Row(method: .post, route: "/api/v1/imports/{kind}", uri: "/api/v1/imports/programs", allowed: [.admin], body: "program_id\n"),
            Row(method: .post, route: "/api/v1/accounts", uri: "/api/v1/accounts", allowed: [.admin], body: "{}"),
            Row(method: .get, route: "/api/v1/import-jobs/{id}", uri: "/api/v1/import-jobs/\(UUID().uuidString)", allowed: [.admin, .staff]),

            Row(method: .get, route: "/api/v1/employers", uri: "/api/v1/employers", allowed: [.admin, .employer]),
            Row(method: .post, route: "/api/v1/employers", uri: "/api/v1/employers", allowed: [.admin], body: "{}"),
            Row(method: .post, route: "/api/v1/learner-invitations", uri: "/api/v1/learner-invitations", allowed: [.admin], body: #"{"learnerId": "nobody"}"#),
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/test-message", uri: "/api/v1/studies/outcomes/waves/1/test-message", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/instruments/{version}/test-link",
                uri: "/api/v1/studies/outcomes/instruments/\(f.version.id.uuidString)/test-link", allowed: studyRoles),
            Row(method: .get, route: "/api/v1/events", uri: "/api/v1/events", allowed: [.admin, .employer]),
            Row(method: .post, route: "/api/v1/events", uri: "/api/v1/events", allowed: [.admin], body: "{}"),
            Row(method: .post, route: "/api/v1/events/{event}/invite", uri: "/api/v1/events/\(UUID().uuidString)/invite", allowed: [.admin]),
            Row(method: .get, route: "/api/v1/studies", uri: "/api/v1/studies", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies", uri: "/api/v1/studies", allowed: studyRoles, body: "{}"),
            Row(method: .get, route: "/api/v1/studies/{study}", uri: "/api/v1/studies/outcomes", allowed: studyRoles),
            Row(method: .patch, route: "/api/v1/studies/{study}", uri: "/api/v1/studies/outcomes", allowed: studyRoles, body: "{}"),
            Row(method: .get, route: "/api/v1/studies/{study}/instruments", uri: "/api/v1/studies/outcomes/instruments", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/instruments", uri: "/api/v1/studies/outcomes/instruments", allowed: studyRoles, body: "{}"),
            Row(method: .get, route: "/api/v1/studies/{study}/waves", uri: "/api/v1/studies/outcomes/waves", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/waves", uri: "/api/v1/studies/outcomes/waves", allowed: studyRoles, body: "{}"),
            Row(method: .get, route: "/api/v1/studies/{study}/waves/{number}", uri: "/api/v1/studies/outcomes/waves/1", allowed: studyRoles),
            Row(method: .patch, route: "/api/v1/studies/{study}/waves/{number}", uri: "/api/v1/studies/outcomes/waves/1", allowed: studyRoles, body: "{}"),
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/frame", uri: "/api/v1/studies/outcomes/waves/1/frame", allowed: studyRoles),
            Row(method: .get, route: "/api/v1/studies/{study}/waves/{number}/cases", uri: "/api/v1/studies/outcomes/waves/1/cases", allowed: studyRoles),
            Row(method: .get, route: "/api/v1/studies/{study}/waves/{number}/report", uri: "/api/v1/studies/outcomes/waves/1/report", allowed: studyRoles),
            Row(method: .get, route: "/api/v1/studies/{study}/waves/{number}/rates", uri: "/api/v1/studies/outcomes/waves/1/rates", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/responses", uri: "/api/v1/studies/outcomes/waves/1/responses",
                allowed: studyRoles, body: "learner_id\n"),
            Row(method: .get, route: "/api/v1/studies/{study}/waves/{number}/invitations", uri: "/api/v1/studies/outcomes/waves/1/invitations", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/invitations/{respondent}/resend",
                uri: "/api/v1/studies/outcomes/waves/1/invitations/pnobody/resend", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/invitations/{respondent}/cancel",
                uri: "/api/v1/studies/outcomes/waves/1/invitations/pnobody/cancel", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/launch", uri: "/api/v1/studies/outcomes/waves/1/launch", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/career-outcomes", uri: "/api/v1/studies/outcomes/career-outcomes", allowed: studyRoles),
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/pause", uri: "/api/v1/studies/outcomes/waves/1/pause", allowed: studyRoles),
            // Last: it ends the wave the rows above use.
            Row(method: .post, route: "/api/v1/studies/{study}/waves/{number}/close", uri: "/api/v1/studies/outcomes/waves/1/close", allowed: studyRoles),
        ]
    }

    /// Refused: not signed in (401, or a page sending the browser to sign in) or not allowed (403).
    static func refused(_ r: TestResponse) -> Bool {
        r.status == .unauthorized || r.status == .forbidden || (r.status == .seeOther && (r.headers[.location] ?? "").hasPrefix("/login"))
    }

    @Test(arguments: TestDatabase.allCases) func everyRouteAndEveryRoleIsAllowedOrRefusedAsTheTableSays(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            // Each signed-in role gets a browser session (for pages and forms, with its CSRF token) and an API token.
            var sessions: [Role: (cookie: String, csrf: String)] = [:]
            let accounts: [Role: String] = [.learnerA: "learnerA", .learnerB: "learnerB", .staff: "staff", .employer: "employer",
                                             .researcher: "researcher", .admin: "admin"]
            for (role, name) in accounts {
                let session = try await WebTests.signIn(w, name, client: client)
                let page = try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(session)"])
                sessions[role] = (session, try #require(WebTests.csrf(in: page.text)))
            }
            // A workshop for the stats program: learner A is invited, learner B is not.
            let event = try await CareerEventRepository(store: w.store).create(
                kind: .workshop, title: "Statistics careers workshop", description: "Bring questions.", startsAt: Date().addingTimeInterval(7 * 86_400),
                endsAt: Date().addingTimeInterval(7 * 86_400 + 7_200), location: "Online", capacity: 5, targets: [.program(key: "stats")]).id
            let rows = Self.table(f, w, event: event)
            // The table covers every registered route (the sign-in and sign-out forms are checked below).
            let listed = Set(rows.map { "\($0.method) \($0.route)" } + ["POST /login", "POST /logout"])
            let registered = Set(w.routes.map { "\($0.method) \($0.path)" })
            #expect(registered.subtracting(listed).isEmpty, "routes with no row in the access table: \(registered.subtracting(listed).sorted())")
            #expect(listed.subtracting(registered).isEmpty, "rows for routes that are not registered: \(listed.subtracting(registered).sorted())")

            var checked = 0
            for row in rows {
                for role in Role.allCases {
                    var headers: HTTPFields = [:]
                    var body = row.body
                    if row.uri.hasPrefix("/api/") {
                        if let name = accounts[role] { headers[.authorization] = "Bearer \(w.tokens[name]!)" }
                        headers[.contentType] = row.route.contains("imports") ? "text/csv" : "application/json"
                    } else {
                        if let s = sessions[role] {
                            headers[.cookie] = "pw_session=\(s.cookie)"
                            if row.method == .post { body = "_csrf=\(s.csrf)" + (body.isEmpty ? "" : "&" + body) }
                        }
                        headers[.contentType] = "application/x-www-form-urlencoded"
                    }
                    let r = try await client.execute(uri: row.uri, method: row.method, headers: headers,
                                                     body: body.isEmpty ? nil : ByteBuffer(string: body))
                    let shouldPass = row.allowed.contains(role)
                    #expect(Self.refused(r) != shouldPass, "\(row.method) \(row.uri) as \(role): \(r.status)\(shouldPass ? ", expected to get through" : ", expected a refusal")")
                    #expect(r.status != .internalServerError, "\(row.method) \(row.uri) as \(role): 500")
                    checked += 1
                }
            }
            #expect(checked == rows.count * Role.allCases.count)

            // Signing in is open to anyone with the form's token; signing out needs a session and its token.
            let form = try await client.execute(uri: "/login", method: .get)
            let pre = try #require(form.cookies["pw_csrf"])
            let wrong = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pw_csrf=\(pre)"],
                                                 body: ByteBuffer(string: "email=nobody%40pathways.test&password=x&_csrf=\(pre)"))
            #expect(wrong.status == .unauthorized && wrong.text.contains("do not match an account"))
            let anonymousLogout = try await client.execute(uri: "/logout", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(Self.refused(anonymousLogout))
            for role in Role.allCases where role != .anonymous {
                let s = sessions[role]!
                let out = try await client.execute(uri: "/logout", method: .post, headers: [.cookie: "pw_session=\(s.cookie)", .contentType: "application/x-www-form-urlencoded"],
                                                   body: ByteBuffer(string: "_csrf=\(s.csrf)"))
                #expect(out.status == .seeOther && out.headers[.location]?.hasPrefix("/login") != true, "\(role) signs out")
            }
        }
    }

    /// Every route that reads a body, from the route table: one byte over its limit is refused with 413 and the limit
    /// in words (JSON under /api/, a page elsewhere) — at once when Content-Length says so, and as soon as a body sent
    /// without it passes the limit; never a 500.
    @Test(arguments: TestDatabase.allCases)
    func everyBodyOverItsRoutesLimitIsRefusedWith413(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            var sessions: [Role: (cookie: String, csrf: String)] = [:]
            let accounts: [Role: String] = [.learnerA: "learnerA", .learnerB: "learnerB", .staff: "staff", .employer: "employer", .researcher: "researcher", .admin: "admin"]
            for (role, name) in accounts {
                let session = try await WebTests.signIn(w, name, client: client)
                let page = try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(session)"])
                sessions[role] = (session, try #require(WebTests.csrf(in: page.text)))
            }
            var rows = Self.table(f, w, event: UUID()).filter { $0.method == .post || $0.method == .patch }
            rows += [Row(method: .post, route: "/login", uri: "/login", allowed: Self.everyone), Row(method: .post, route: "/logout", uri: "/logout", allowed: Self.signedIn)]
            let limits = Dictionary(w.routes.filter { $0.method == "POST" || $0.method == "PATCH" }.map { ("\($0.method) \($0.path)", $0.body) },
                                    uniquingKeysWith: { a, _ in a })
            #expect(Set(limits.keys) == Set(rows.map { "\($0.method) \($0.route)" }), "every route with a body is checked")
            var checked = Set<String>()
            for row in rows where !checked.contains("\(row.method) \(row.route)") {
                checked.insert("\(row.method) \(row.route)")
                let limit = try #require(limits["\(row.method) \(row.route)"] ?? nil, "\(row.route) declares no body limit")
                let role = [Role.admin, .researcher, .staff, .employer, .learnerA, .learnerB, .anonymous].first { row.allowed.contains($0) }!
                let api = row.uri.hasPrefix("/api/")
                var headers: HTTPFields = [.contentType: api ? (limit == .upload ? "text/csv" : "application/json") : (limit == .upload ? "multipart/form-data; boundary=x" : "application/x-www-form-urlencoded")]
                if api, let name = accounts[role] { headers[.authorization] = "Bearer \(w.tokens[name]!)" }
                if !api, let s = sessions[role] { headers[.cookie] = "pw_session=\(s.cookie)" }
                let body = ByteBuffer(repeating: UInt8(ascii: "a"), count: limit.bytes + 1)
                for declared in [true, false] {
                    var h = headers
                    if declared { h[.contentLength] = String(limit.bytes + 1) }
                    let r = try await client.execute(uri: row.uri, method: row.method, headers: h, body: body)
                    #expect(r.status != .internalServerError, "\(row.method) \(row.uri) (\(declared ? "with" : "without") Content-Length): 500")
                    if declared || ![.unauthorized, .forbidden, .notFound, .seeOther].contains(r.status) {
                        #expect(r.status == .contentTooLarge, "POST \(row.uri) (\(declared ? "with" : "without") Content-Length): \(r.status)")
                        #expect(r.text.contains("larger than the limit of \(Forms.size(limit.bytes))"), "POST \(row.uri): \(r.text.prefix(300))")
                        if api { #expect((try? r.json() as? [String: Any])?["error"] != nil, "POST \(row.uri) answers JSON") }
                    }
                }
            }
            #expect(checked.count == limits.count)
        }
    }

    /// The same over a real socket: a 70 KB sign-in form and a 40 MB import get 413, and the server keeps serving.
    @Test func oversizedBodiesOverARealConnectionGet413() async throws {
        try await TestWorld.run(live: true) { w, client in
            let form = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(repeating: UInt8(ascii: "a"), count: 70_000))
            #expect(form.status == .contentTooLarge && form.text.contains("the form is larger than the limit of 64 KiB"))
            var headers = w.auth("admin")
            headers[.contentType] = "text/csv"
            let upload = try await client.execute(uri: "/api/v1/imports/learners", method: .post, headers: headers,
                                                  body: ByteBuffer(repeating: UInt8(ascii: "a"), count: 40 << 20))
            #expect(upload.status == .contentTooLarge && upload.text.contains("the upload is larger than the limit of 32 MiB"))
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }
}
