import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// Accounts after they exist: a person changes their own password (the old one and every session stop working);
/// an administrator disables, re-enables and changes the role of another account, never their own; on both databases.
@Suite struct AccountChangeTests {
    @Test(arguments: TestDatabase.allCases)
    func aPasswordIsChangedAndAccountsAreDisabledAndGivenNewRoles(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let session = try await WebTests.signIn(w, "learnerA", client: client)
            var headers: HTTPFields = [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
            let account = try await client.execute(uri: "/account", method: .get, headers: headers)
            let csrf = try #require(WebTests.csrf(in: account.text))
            let wrong = try await client.execute(uri: "/account/password", method: .post, headers: headers,
                                                 body: WebTests.form([("_csrf", csrf), ("current", "not-it"), ("new", "short"), ("repeat", "other")]))
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("current: this is not your current password") && wrong.text.contains("new: the password must be at least 12 characters")
                    && wrong.text.contains("repeat: the two new passwords differ"))
            let old = try #require(w.passwords["learnerA"])
            let changed = try await client.execute(uri: "/account/password", method: .post, headers: headers,
                                                   body: WebTests.form([("_csrf", csrf), ("current", old), ("new", "a-new-long-passphrase"), ("repeat", "a-new-long-passphrase")]))
            #expect(changed.status == .seeOther && changed.headers[.location] == "/login?changed=1")
            let afterwards = try await client.execute(uri: "/account", method: .get, headers: headers)
            #expect(afterwards.status == .seeOther, "the session ended with the old password")
            var again = w
            again.passwords["learnerA"] = "a-new-long-passphrase"
            _ = try await WebTests.signIn(again, "learnerA", client: client)
            let loginForm = try await client.execute(uri: "/login", method: .get)
            let pre = try #require(loginForm.cookies["pw_csrf"])
            let withOld = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pw_csrf=\(pre)"],
                                                   body: ByteBuffer(string: "email=learnerA%40pathways.test&password=\(old)&_csrf=\(pre)"))
            #expect(withOld.status == .unauthorized, "the old password no longer signs in")

            // The administrator's page offers the least-privileged role first.
            let adminSession = try await WebTests.signIn(w, "admin", client: client)
            headers[.cookie] = "pw_session=\(adminSession)"
            let list = try await client.execute(uri: "/admin/accounts", method: .get, headers: headers)
            let adminCSRF = try #require(WebTests.csrf(in: list.text))
            #expect(list.text.contains(#"<select id="role" name="role"><option value="learner" selected>"#))
            let accounts = AccountRepository(store: w.store)
            let researcher = try #require(try await accounts.account(email: "researcher@pathways.test"))
            let me = try #require(try await accounts.account(email: "admin@pathways.test"))

            // Disabled: its token is refused; enabled again, it works.
            func act(_ id: UUID, _ fields: [(String, String)]) async throws -> TestResponse {
                try await client.execute(uri: "/admin/accounts/\(id.uuidString)", method: .post, headers: headers, body: WebTests.form([("_csrf", adminCSRF)] + fields))
            }
            #expect(try await act(researcher.id, [("action", "disable")]).status == .seeOther)
            #expect(try await client.execute(uri: "/api/v1/studies", method: .get, headers: w.auth("researcher")).status == .unauthorized)
            #expect(try await act(researcher.id, [("action", "enable")]).status == .seeOther)
            #expect(try await client.execute(uri: "/api/v1/studies", method: .get, headers: w.auth("researcher")).status == .ok)
            let selfDisable = try await act(me.id, [("action", "disable")])
            #expect(selfDisable.status == .forbidden && selfDisable.text.contains("you cannot disable your own account"))

            // A new role: staff become a researcher; a learner role needs its learner record.
            let staff = try #require(try await accounts.account(email: "staff@pathways.test"))
            #expect(try await act(staff.id, [("action", "role"), ("role", "learner"), ("learnerId", "")]).status == .unprocessableContent)
            #expect(try await act(staff.id, [("action", "role"), ("role", "researcher")]).status == .seeOther)
            #expect(try await client.execute(uri: "/api/v1/studies", method: .get, headers: w.auth("staff")).status == .ok)
            let actions = Set(try await AuditRepository(store: w.store).recent(limit: 50).map(\.action))
            #expect(actions.isSuperset(of: ["change_password", "disable_account", "enable_account", "change_role"]))
        }
    }
}
