import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

/// Guessing passwords is slowed down per account and per client address, answered with 429 and `Retry-After`,
/// audited, and the same whether or not the email has an account.
@Suite struct SignInThrottleTests {
    static func attempt(_ client: any TestClientProtocol, email: String, password: String, forwardedFor: String? = nil) async throws -> TestResponse {
        let form = try await client.execute(uri: "/login", method: .get)
        let pre = try #require(form.cookies["pw_csrf"])
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "pw_csrf=\(pre)"]
        if let forwardedFor { headers[.init("X-Forwarded-For")!] = forwardedFor }
        let body = "email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(password)&_csrf=\(pre)"
        return try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// The block the fifth failure set, checked and then held for a minute, so that the next attempt meets it however
    /// slowly the test runs (the schedule of delays is `LoginThrottleTests`').
    static func holdBlock(_ w: TestWorld, key: String) async throws {
        let row = try #require(try await w.store.sql.raw("SELECT failures, blocked_until FROM login_throttle WHERE key = \(bind: key)").first())
        let until = try #require(try row.decode(column: "blocked_until", as: Date?.self), "\(key) is blocked")
        #expect(until > Date().addingTimeInterval(-5) && until < Date().addingTimeInterval(2))
        try await w.store.sql.raw("UPDATE login_throttle SET blocked_until = \(bind: Date().addingTimeInterval(60)) WHERE key = \(bind: key)").run()
    }

    static func endBlock(_ w: TestWorld, key: String) async throws {
        try await w.store.sql.raw("UPDATE login_throttle SET blocked_until = \(bind: Date().addingTimeInterval(-1)) WHERE key = \(bind: key)").run()
    }

    @Test(arguments: TestDatabase.allCases)
    func afterFiveWrongPasswordsEvenTheRightOneWaits(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let admin = "admin@pathways.test", password = try #require(w.passwords["admin"])
            for i in 1...5 {
                let r = try await Self.attempt(client, email: admin, password: "wrong-\(i)")
                #expect(r.status == .unauthorized, "failure \(i) is an ordinary refusal")
            }
            try await Self.holdBlock(w, key: "account:\(admin)")
            let refused = try await Self.attempt(client, email: admin, password: password)
            #expect(refused.status == .tooManyRequests)
            let retry = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect(retry >= 55 && retry <= 60)
            #expect(refused.text.contains("Too many failed sign-ins for this account or from this address. Try again in"))
            #expect(refused.cookies["pw_session"] == nil)

            // An email with no account is treated exactly alike: nothing tells the two apart.
            for i in 1...5 { #expect(try await Self.attempt(client, email: "nobody@pathways.test", password: "guess-\(i)").status == .unauthorized) }
            try await Self.holdBlock(w, key: "account:nobody@pathways.test")
            let unknown = try await Self.attempt(client, email: "nobody@pathways.test", password: "guess")
            #expect(unknown.status == .tooManyRequests && unknown.headers[.retryAfter] != nil)

            // Once the wait has passed the right password works, and the account's failures are forgotten.
            try await Self.endBlock(w, key: "account:\(admin)")
            let signedIn = try await Self.attempt(client, email: admin, password: password)
            #expect(signedIn.status == .seeOther && signedIn.cookies["pw_session"] != nil)
            #expect(try await Self.attempt(client, email: admin, password: "wrong").status == .unauthorized, "a fresh count after success")

            let audited = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login_throttled'").first()!.decode(column: "n", as: Int.self)
            #expect(audited == 2)
        }
    }

    /// Twenty failures from one address, over different accounts, hold up the next attempt from it; a forged
    /// X-Forwarded-For does not change the address unless the server was told to trust a proxy.
    @Test func oneAddressGuessingManyAccountsIsSlowedDown() async throws {
        try await TestWorld.run { w, client in
            for i in 1...20 {
                #expect(try await Self.attempt(client, email: "user\(i)@pathways.test", password: "x", forwardedFor: "10.0.0.\(i)").status == .unauthorized)
            }
            try await Self.holdBlock(w, key: "address:unknown")
            let next = try await Self.attempt(client, email: "learnerA@pathways.test", password: try #require(w.passwords["learnerA"]))
            #expect(next.status == .tooManyRequests)
        }
    }

    @Test func successesFromOneAddressDoNotAddUp() async throws {
        try await TestWorld.run { w, client in
            for _ in 1...25 {
                let r = try await Self.attempt(client, email: "researcher@pathways.test", password: try #require(w.passwords["researcher"]))
                #expect(r.status == .seeOther)
            }
        }
    }
}
