import Foundation
import Hummingbird
import HummingbirdTesting
@testable import PathwaysServer
import PathwaysTestSupport
import Testing

/// Pages, sign-in with sessions and CSRF, and operations endpoints.
@Suite struct WebTests {
    /// Signs in through the form and returns the session cookie.
    static func signIn(_ w: TestWorld, _ who: String, client: any TestClientProtocol) async throws -> String {
        let form = try await client.execute(uri: "/login", method: .get)
        let pre = try #require(form.cookies["pw_csrf"])
        #expect(form.text.contains("name=\"_csrf\" value=\"\(pre)\""))
        let body = "email=\(who)%40pathways.test&password=\(w.passwords[who]!)&_csrf=\(pre)&next=%2Fprograms"
        let r = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pw_csrf=\(pre)"],
                                         body: ByteBuffer(string: body))
        #expect(r.status == .seeOther)
        #expect(r.headers[.location] == "/programs")
        return try #require(r.cookies["pw_session"])
    }

    /// An `application/x-www-form-urlencoded` body, each value percent-encoded, in the order given.
    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&"))
    }

    /// The value of the hidden field `name` in a page.
    static func hidden(_ name: String, in html: String) -> String? {
        html.range(of: "name=\"\(name)\" value=\"[^\"]*\"", options: .regularExpression)
            .map { String(html[$0].dropFirst("name=\"\(name)\" value=\"".count).dropLast()) }
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func signInSetsASecureSessionAndSignOutNeedsTheCSRFToken() async throws {
        try await TestWorld.run { w, client in
            let form = try await client.execute(uri: "/login", method: .get)
            let pre = try #require(form.cookies["pw_csrf"])
            // Without the matching cookie the form is refused.
            let forged = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "email=admin%40pathways.test&password=\(w.passwords["admin"]!)&_csrf=\(pre)"))
            #expect(forged.status == .forbidden)
            let wrong = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pw_csrf=\(pre)"],
                                                 body: ByteBuffer(string: "email=admin%40pathways.test&password=wrong-password-123&_csrf=\(pre)"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.cookies["pw_session"] == nil)

            let ok = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pw_csrf=\(pre)"],
                                              body: ByteBuffer(string: "email=admin%40pathways.test&password=\(w.passwords["admin"]!)&_csrf=\(pre)"))
            let line = try #require(ok.setCookieLine("pw_session"))
            #expect(line.contains("HttpOnly") && line.contains("Secure") && line.contains("SameSite=Lax") && line.contains("Path=/"))
            let session = try #require(ok.cookies["pw_session"])

            let page = try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(page.status == .ok)
            let token = try #require(Self.csrf(in: page.text))
            let noToken = try await client.execute(uri: "/logout", method: .post, headers: [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: ""))
            #expect(noToken.status == .forbidden)
            let crossSite = try await client.execute(uri: "/logout", method: .post, headers: [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"],
                                                     body: ByteBuffer(string: "_csrf=\(token)"))
            #expect(crossSite.status == .forbidden)
            let out = try await client.execute(uri: "/logout", method: .post, headers: [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "_csrf=\(token)"))
            #expect(out.status == .seeOther)
            let after = try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(after.status == .seeOther, "the session ended")
            #expect(after.headers[.location]?.hasPrefix("/login?next=") == true)
        }
    }

    @Test func loginRedirectsOnlyToLocalPaths() async throws {
        try await TestWorld.run { w, client in
            let form = try await client.execute(uri: "/login?next=https://evil.example/", method: .get)
            #expect(!form.text.contains("evil.example"))
            let pre = try #require(form.cookies["pw_csrf"])
            let r = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pw_csrf=\(pre)"],
                                             body: ByteBuffer(string: "email=learnerA%40pathways.test&password=\(w.passwords["learnerA"]!)&_csrf=\(pre)&next=%2F%2Fevil.example"))
            #expect(r.headers[.location] == "/me")
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func catalogProgramAndLearnerPagesRender(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.status == .ok && home.text.contains("2 programs from 2 providers"))
            let catalog = try await client.execute(uri: "/programs", method: .get)
            #expect(catalog.status == .ok)
            #expect(catalog.text.contains("<a href=\"/programs/stats\">Statistics Fundamentals</a>"))
            #expect(catalog.headers[.contentType] == "text/html; charset=utf-8")
            let program = try await client.execute(uri: "/programs/stats", method: .get)
            #expect(program.text.contains("<h1>Statistics Fundamentals</h1>"))
            #expect(program.text.contains("Introduction to Statistics"))
            #expect(program.text.contains("Mathematics <small>(O*NET 2.A.1.e)</small>"))
            #expect(!program.text.contains("enrolled,"), "no figures for anonymous visitors")
            #expect(try await client.execute(uri: "/programs/nosuch", method: .get).status == .notFound)

            let session = try await Self.signIn(w, "staff", client: client)
            let learner = try await client.execute(uri: "/learners/\(w.learnerIDs["A1"]!)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(learner.status == .ok)
            #expect(learner.text.contains("<h1>Ana Alvarez</h1>"))
            #expect(learner.text.contains("Some college, no degree (no bachelor&#39;s degree)") || learner.text.contains("Some college, no degree (no bachelor's degree)"))
            #expect(learner.text.contains("2 of 2"), "courses done")
            let list = try await client.execute(uri: "/learners", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(list.text.contains("2 learners"))
            #expect(!list.text.contains("Ben Brown"))
            let other = try await client.execute(uri: "/learners/\(w.learnerIDs["B2"]!)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(other.status == .forbidden)
            #expect(other.text.contains("<h1>403 Forbidden</h1>"))
        }
    }

    @Test func theImportPageUploadsAFileWithItsCSRFToken() async throws {
        try await TestWorld.run { w, client in
            let session = try await Self.signIn(w, "admin", client: client)
            let page = try await client.execute(uri: "/imports", method: .get, headers: [.cookie: "pw_session=\(session)"])
            let token = try #require(Self.csrf(in: page.text))
            func upload(_ csv: String, csrf: String) -> ByteBuffer {
                ByteBuffer(string: [
                    "--XyZ", "Content-Disposition: form-data; name=\"_csrf\"", "", csrf,
                    "--XyZ", "Content-Disposition: form-data; name=\"kind\"", "", "courses",
                    "--XyZ", "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\exports\\\\courses.csv\"", "Content-Type: text/csv", "", csv,
                    "--XyZ--", "",
                ].joined(separator: "\r\n"))
            }
            let headers: HTTPFields = [.cookie: "pw_session=\(session)", .contentType: "multipart/form-data; boundary=XyZ"]
            let bad = try await client.execute(uri: "/imports", method: .post, headers: headers, body: upload("course_id,program_id,title\nn-1,nosuch,New\n", csrf: token))
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Not imported: 1 errors. Nothing was changed."))
            #expect(bad.text.contains("unknown program (import it first)"))
            #expect(bad.text.contains("<h2>courses.csv</h2>"), "the file name without its path")
            let good = try await client.execute(uri: "/imports", method: .post, headers: headers, body: upload("course_id,program_id,title\nn-1,stats,New\n", csrf: token))
            #expect(good.status == .ok)
            #expect(good.text.contains("Imported 1 courses rows: 1 new, 0 updated."))
            let forged = try await client.execute(uri: "/imports", method: .post, headers: headers, body: upload("course_id,program_id,title\nn-2,stats,X\n", csrf: "nope"))
            #expect(forged.status == .forbidden)
        }
    }

    @Test func healthMetricsAndSecurityHeaders() async throws {
        try await TestWorld.run { _, client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok && health.text == #"{"status":"ok","database":"sqlite"}"#)
            let live = try await client.execute(uri: "/health/live", method: .get)
            #expect(live.status == .ok && live.text == #"{"status":"ok"}"#)
            #expect(health.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(health.headers[.init("X-Frame-Options")!] == "DENY")
            #expect(health.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(health.headers[.init("X-Request-Id")!]?.count == 36)
            _ = try await client.execute(uri: "/programs/stats", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/programs/{programId}",status="200"} 1"#))
            #expect(metrics.text.contains("http_request_duration_seconds_bucket"))
        }
    }

    @Test func theOpenAPIDocumentCoversEveryAPIRoute() async throws {
        try await TestWorld.run { w, client in
            let r = try await client.execute(uri: "/openapi.json", method: .get)
            let doc = try #require(try r.json() as? [String: Any])
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, ops) in paths { for method in ops.keys { documented.insert("\(method.uppercased()) \(path)") } }
            let registered = Set(w.routes.filter { $0.path.hasPrefix("/api/") || ["/health", "/health/live", "/metrics", "/openapi.json"].contains($0.path) }
                .map { "\($0.method) \($0.path)" })
            #expect(registered.subtracting(documented).isEmpty, "registered but not documented: \(registered.subtracting(documented))")
            #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered))")
            // Found by schemathesis: a public route inherited the document's bearer requirement, and its 401 for a bad
            // credential was undocumented. Public routes say they need nothing; every route documents its 401.
            for path in ["/health", "/health/live", "/metrics", "/openapi.json"] {
                let get = try #require(paths[path]?["get"] as? [String: Any])
                #expect((get["security"] as? [Any])?.isEmpty == true, "\(path) is public")
            }
            for (path, ops) in paths {
                for (method, op) in ops {
                    #expect(((op as? [String: Any])?["responses"] as? [String: Any])?["401"] != nil, "\(method) \(path) documents 401")
                }
            }
        }
    }

    @Test func adminsCreateAccountsAndAnyoneCreatesTheirOwnAPIToken() async throws {
        try await TestWorld.run { w, client in
            let admin = try await Self.signIn(w, "admin", client: client)
            let page = try await client.execute(uri: "/admin/accounts", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            let token = try #require(Self.csrf(in: page.text))
            let form: HTTPFields = [.cookie: "pw_session=\(admin)", .contentType: "application/x-www-form-urlencoded"]
            let created = try await client.execute(uri: "/admin/accounts", method: .post, headers: form,
                                                   body: ByteBuffer(string: "_csrf=\(token)&email=c3%40pathways.test&role=learner&learnerId=C3&programs="))
            #expect(created.status == .ok)
            #expect(created.text.contains("Created c3@pathways.test. Its password, shown once: <code class=\"secret\">"))
            let badScope = try await client.execute(uri: "/admin/accounts", method: .post, headers: form,
                                                    body: ByteBuffer(string: "_csrf=\(token)&email=s2%40pathways.test&role=program_staff&learnerId=&programs=nosuch"))
            #expect(badScope.status == .badRequest)
            #expect(badScope.text.contains("programs: unknown program &#39;nosuch&#39;") || badScope.text.contains("programs: unknown program 'nosuch'"))

            let staff = try await Self.signIn(w, "staff", client: client)
            #expect(try await client.execute(uri: "/admin/accounts", method: .get, headers: [.cookie: "pw_session=\(staff)"]).status == .forbidden)
            let account = try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(staff)"])
            let staffToken = try #require(Self.csrf(in: account.text))
            let made = try await client.execute(uri: "/account/tokens", method: .post, headers: [.cookie: "pw_session=\(staff)", .contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "_csrf=\(staffToken)&name=nightly+import"))
            let secret = try #require(made.text.range(of: "pw_").map { String(made.text[$0.lowerBound...].prefix { $0 != "<" }) })
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(secret)"])
            #expect(me.status == .ok)
            #expect((try me.json() as? [String: Any])?["programScope"] as? [String] == ["stats"])
        }
    }
}

/// Every template, rendered with nothing in its model and with its texts empty, shows no empty notice, error box or
/// half sentence (a Mustache section over "" is true; the views drop empty texts so it is not).
@Suite struct TemplateTests {
    @Test func noTemplateShowsAnEmptyBoxOrSentenceForAnEmptyModel() async throws {
        let views = try await Views.load()
        let folder = try #require(Views.templatesPath)
        let templates = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".mustache") && $0 != "layout.mustache" }.map { String($0.dropLast(".mustache".count)) }
        #expect(templates.count >= 25)
        // Every key a template names, set to "" (what an absent optional became in the dictionaries).
        for name in templates {
            let text = try String(contentsOfFile: folder + "/\(name).mustache", encoding: .utf8)
            var empty: [String: Any] = [:]
            for match in text.matches(of: /\{\{[#^]?([A-Za-z_][A-Za-z0-9_]*)\}\}/) { empty[String(match.1)] = "" }
            let html = views.render(name, empty).body
            for pattern in [#"class="notice"[^>]*></"#, #"class="error"[^>]*></"#, #"class="errors"[^>]*></"#, "on :", "on </", "Withdrew from research on"] {
                #expect(html.range(of: pattern, options: .regularExpression) == nil, "\(name): \(pattern) in the page rendered from an empty model")
            }
        }
    }
}

@Suite struct LearnerRecordPageTests {
    /// The learner record said "Withdrew from research on :" for every learner; it says so only of one who withdrew.
    @Test func aLearnerWhoNeverWithdrewHasNoWithdrawalNotice() async throws {
        try await TestWorld.run { w, client in
            let a1 = try #require(w.learnerIDs["A1"])
            for who in ["admin", "researcher", "staff", "learnerA"] {
                let session = try await WebTests.signIn(w, who, client: client)
                let page = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
                #expect(page.status == .ok)
                #expect(!page.text.contains("Withdrew from research"), "\(who) sees a withdrawal notice for a learner who never withdrew")
                #expect(!page.text.contains(#"class="notice" role="status"></p>"#))
            }
        }
    }
}
