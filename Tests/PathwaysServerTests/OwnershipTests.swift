import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

/// Real objects owned by someone, asked for by everyone else: the route × role table reaches the role checks, this
/// reaches the ownership checks behind them (another learner's credential, another employer's posting and
/// application, an event for another program, another account's token, another importer's job), each with the exact
/// status, and what was asked for is unchanged afterwards.
@Suite struct OwnershipTests {
    struct Ask {
        var method: HTTPRequest.Method
        var uri: String
        var body: String = ""
        /// The exact status for each role asking; roles not listed must get `others`.
        var statuses: [RouteAccessTests.Role: HTTPResponse.Status]
        var others: HTTPResponse.Status = .forbidden
    }

    @Test(arguments: TestDatabase.allCases)
    func objectsOwnedBySomeoneElseAreRefusedWithTheExactStatus(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let a1 = try #require(w.learnerIDs["A1"]), b2 = try #require(w.learnerIDs["B2"]), credential = try #require(w.credentialIDs["A1"])
            let careers = CareerRepository(store: w.store)
            try await careers.saveEmployer(key: "contoso", name: "Contoso Cloud", programKeys: ["fullstack"])
            try await careers.saveEmployer(key: "other", name: "Other Co", programKeys: ["stats"])
            try await careers.linkAccount(email: "employer@pathways.test", employerKey: "contoso")
            let theirs = JobPosting(externalID: "O-1", title: "Analyst", description: "Statistics.", hiringOrganization: "Other Co")
            _ = try await careers.store([(theirs, "test")], writer: .administrator(employerKey: "other"))
            try await careers.setGoals(learner: a1, goals: [], region: nil, shareWithEmployers: true)
            let application = try await careers.apply(learner: a1, posting: theirs.id, by: "learner")
            let event = try await CareerEventRepository(store: w.store).create(
                kind: .workshop, title: "Statistics careers", description: "For stats learners.", startsAt: Date().addingTimeInterval(7 * 86_400),
                endsAt: Date().addingTimeInterval(7 * 86_400 + 3_600), location: "Online", capacity: 5, targets: [.program(key: "stats")]).id
            let learnerA = try #require(try await AccountRepository(store: w.store).account(email: "learnera@pathways.test"))
            let (aSecret, aToken) = try await AccountRepository(store: w.store).createToken(userID: learnerA.id, name: "A's script")
            let job = try await ImportRepository(store: w.store).check(kind: .learners, fileName: "admin.csv", text: "learner_id\nZ1\n",
                                                                      by: .init(userID: nil, programScope: nil), claim: true).job!

            let cred = "/learners/\(a1)/credentials/\(credential.uuidString)"
            let asks: [Ask] = [
                Ask(method: .get, uri: cred, statuses: [.admin: .ok, .learnerA: .ok, .anonymous: .seeOther]),
                Ask(method: .get, uri: "/learners/\(b2)/credentials/\(credential.uuidString)", statuses: [.anonymous: .seeOther], others: .notFound),
                Ask(method: .post, uri: cred + "/share", body: "action=share", statuses: [.learnerA: .ok, .anonymous: .seeOther]),
                Ask(method: .get, uri: "/learners/\(a1)/record.jwt", statuses: [.admin: .ok, .learnerA: .ok, .anonymous: .seeOther]),
                Ask(method: .post, uri: "/learners/\(a1)/degrees", body: "level=none", statuses: [.admin: .badRequest, .learnerA: .badRequest, .anonymous: .seeOther]),
                Ask(method: .get, uri: "/careers/postings/\(theirs.id.uuidString)/candidates", statuses: [.admin: .ok, .anonymous: .seeOther]),
                Ask(method: .post, uri: "/careers/applications/\(application.id.uuidString)/status", body: "status=declined",
                    statuses: [.admin: .seeOther, .anonymous: .seeOther]),
                Ask(method: .get, uri: "/careers/events/\(event.uuidString)", statuses: [.admin: .ok, .learnerA: .ok, .anonymous: .seeOther]),
                Ask(method: .post, uri: "/careers/events/\(event.uuidString)/rsvp", body: "action=rsvp", statuses: [.learnerA: .seeOther, .anonymous: .seeOther]),
                Ask(method: .post, uri: "/account/tokens/\(aToken.id.uuidString)/revoke", statuses: [.anonymous: .seeOther], others: .seeOther),
                Ask(method: .get, uri: "/api/v1/import-jobs/\(job.uuidString)", statuses: [.admin: .ok, .anonymous: .unauthorized, .staff: .notFound]),
                Ask(method: .get, uri: "/api/v1/learners/\(b2)", statuses: [.admin: .ok, .researcher: .ok, .learnerB: .ok, .anonymous: .unauthorized]),
            ]
            // Each signed-in role: a session (with its CSRF token) for pages, an API token for the API.
            var sessions: [RouteAccessTests.Role: (cookie: String, csrf: String)] = [:]
            let names: [RouteAccessTests.Role: String] = [.learnerA: "learnerA", .learnerB: "learnerB", .staff: "staff", .employer: "employer",
                                                          .researcher: "researcher", .admin: "admin"]
            for (role, name) in names {
                let session = try await WebTests.signIn(w, name, client: client)
                let page = try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(session)"])
                sessions[role] = (session, try #require(WebTests.csrf(in: page.text)))
            }
            // The owners' own requests come last, so the others ask while every object is as it was made.
            let order: [RouteAccessTests.Role] = [.anonymous, .learnerB, .staff, .employer, .researcher, .learnerA, .admin]
            for ask in asks {
                for role in order {
                    var headers: HTTPFields = [:]
                    var body = ask.body
                    if ask.uri.hasPrefix("/api/") {
                        if let name = names[role] { headers[.authorization] = "Bearer \(w.tokens[name]!)" }
                    } else {
                        headers[.contentType] = "application/x-www-form-urlencoded"
                        if let s = sessions[role] {
                            headers[.cookie] = "pw_session=\(s.cookie)"
                            if ask.method == .post { body = "_csrf=\(s.csrf)" + (body.isEmpty ? "" : "&" + body) }
                        }
                    }
                    let r = try await client.execute(uri: ask.uri, method: ask.method, headers: headers, body: body.isEmpty ? nil : ByteBuffer(string: body))
                    let expected = ask.statuses[role] ?? ask.others
                    #expect(r.status == expected, "\(ask.method) \(ask.uri) as \(role): \(r.status), expected \(expected)")
                    if ask.uri.hasPrefix("/account/tokens/"), role != .anonymous, order.firstIndex(of: role)! < order.firstIndex(of: .learnerA)! {
                        // Another account's "revoke" leaves A's token working.
                        let still = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(aSecret)"])
                        #expect(still.status == .ok, "learner A's token survives \(role)'s attempt")
                    }
                }
            }
            // The owner's own revoke worked.
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(aSecret)"]).status == .unauthorized)
            #expect(try await careers.posting(id: theirs.id)?.employerID == (try await careers.employer(key: "other"))?.id)
        }
    }
}
