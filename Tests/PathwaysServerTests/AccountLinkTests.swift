import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// People reached by an emailed link, on both databases: a learner with no account invited to an event creates
/// one from the message and replies; a forgotten password is set again by a one-time link; administrators invite
/// learners in bulk. Links are stored hashed, expire, and work once; messages go through the outbox.
@Suite struct AccountLinkTests {
    /// The one link in a message as it is sent, made relative.
    static func link(in message: OutboxRepository.Claimed, _ prefix: String) throws -> String {
        let body = message.renderedBody(baseURL: "http://pathways.test")
        let found = try #require(body.range(of: "http://pathways.test\(prefix)[A-Za-z0-9_-]+", options: .regularExpression).map { String(body[$0]) })
        return String(found.dropFirst("http://pathways.test".count))
    }

    @Test(arguments: TestDatabase.allCases)
    func aLearnerInvitedToAnEventCreatesTheirAccountFromTheMessageAndReplies(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let admin = try #require(try await AccountRepository(store: w.store).account(email: "admin@pathways.test"))
            let principal = try await AccountRepository(store: w.store).principal(for: admin)
            let day = CalendarDay.adding(days: 10, to: Date())
            let event = try await UseCases(store: w.store).events.create(
                EventInput(kind: "workshop", title: "CV clinic", description: "Bring a CV.", starts: "\(CalendarDay.format(day))T09:00",
                           ends: "\(CalendarDay.format(day))T11:00", timeZone: "UTC", location: "Room 2", capacity: "5", programs: "stats"),
                by: principal)
            let report = try await UseCases(store: w.store).events.invite(event.id, by: principal, baseURL: "http://pathways.test")
            #expect(report.invited == 2 && report.welcomed == 1, "stats has two learners with an email; C3 has no account")
            let messages = try await OutboxRepository(store: w.store).claim(worker: "test")
            let c3 = try #require(try await LearnerRepository(store: w.store).learner(key: "C3"))
            let toC3 = try #require(messages.first { $0.to == c3.email })
            let path = try Self.link(in: toC3, "/welcome/")
            #expect(messages.filter { $0.to != c3.email }.allSatisfy { !$0.renderedBody(baseURL: "http://pathways.test").contains("/welcome/") },
                    "a learner with an account is not asked to create one")
            let token = String(path.dropFirst("/welcome/".count))
            let stored = try await w.store.sql.raw("SELECT token_hash FROM account_links WHERE purpose = 'welcome'").all().map { try $0.decode(column: "token_hash", as: String.self) }
            #expect(stored == [AccountRepository.hash(token)], "only the hash is kept")

            let form = try await client.execute(uri: path, method: .get)
            #expect(form.status == .ok && form.text.contains("Create your account") && form.text.contains(c3.email!))
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let refused = try await client.execute(uri: path, method: .post, headers: headers, body: WebTests.form([("password", "short"), ("repeat", "other")]))
            #expect(refused.status == .unprocessableContent && refused.text.contains("at least 12 characters") && refused.text.contains("the two passwords differ"), "\(refused.text)")
            let created = try await client.execute(uri: path, method: .post, headers: headers,
                                                   body: WebTests.form([("password", "a-long-new-passphrase"), ("repeat", "a-long-new-passphrase")]))
            let eventPath = "/careers/events/\(event.id.uuidString.lowercased())"
            #expect(created.status == .seeOther && created.headers[.location] == eventPath)
            let session = try #require(created.cookies["pw_session"])
            let page = try await client.execute(uri: eventPath, method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(page.status == .ok && page.text.contains("CV clinic"))
            let csrf = try #require(WebTests.csrf(in: page.text))
            let rsvp = try await client.execute(uri: eventPath + "/rsvp", method: .post, headers: [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                                body: WebTests.form([("_csrf", csrf), ("action", "rsvp")]))
            #expect(rsvp.status == .seeOther)
            #expect(try await CareerEventRepository(store: w.store).roster(event: event.id).contains { $0.learnerID == c3.id && $0.status == .going })
            let account = try #require(try await AccountRepository(store: w.store).account(email: c3.email!))
            #expect(account.role == .learner && account.learnerID == c3.id)

            // The link works once; a mistyped one names nothing.
            let again = try await client.execute(uri: path, method: .get)
            #expect(again.status == .notFound && again.text.contains("already used"))
            let reuse = try await client.execute(uri: path, method: .post, headers: headers,
                                                 body: WebTests.form([("password", "another-passphrase!"), ("repeat", "another-passphrase!")]))
            #expect(reuse.status == .notFound)
            #expect(try await client.execute(uri: "/welcome/made-up", method: .get).status == .notFound)
            #expect(try await AuditRepository(store: w.store).recent(limit: 20).contains { $0.action == "create_account_from_invitation" })
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func aForgottenPasswordIsSetAgainByAOneTimeLink(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            func ask(_ email: String) async throws -> TestResponse {
                try await client.execute(uri: "/password-reset", method: .post, headers: headers, body: WebTests.form([("email", email)]))
            }
            let unknown = try await ask("nobody@pathways.test")
            let known = try await ask("Researcher@pathways.test")
            #expect(unknown.status == .ok && known.status == .ok)
            #expect(unknown.text == known.text, "the answer says nothing of which addresses have accounts")
            let messages = try await OutboxRepository(store: w.store).claim(worker: "test")
            #expect(messages.count == 1 && messages[0].to == "researcher@pathways.test" && messages[0].kind == "password_reset")
            let learnerless = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'password_reset' AND learner_id IS NULL").first()!.decode(column: "n", as: Int.self)
            #expect(learnerless == 1, "a researcher is no learner; the outbox carries their message all the same")
            let path = try Self.link(in: messages[0], "/reset/")

            // Three an hour at most.
            for _ in 0..<4 { _ = try await ask("researcher@pathways.test") }
            #expect(try await OutboxRepository(store: w.store).claim(worker: "test").count == 2)

            #expect(try await client.execute(uri: path, method: .get).status == .ok)
            let short = try await client.execute(uri: path, method: .post, headers: headers, body: WebTests.form([("password", "short"), ("repeat", "short")]))
            #expect(short.status == .unprocessableContent && short.text.contains("password: the password must be at least 12 characters"))
            let done = try await client.execute(uri: path, method: .post, headers: headers,
                                                body: WebTests.form([("password", "a-fresh-long-password"), ("repeat", "a-fresh-long-password")]))
            #expect(done.status == .seeOther && done.headers[.location] == "/login?changed=1")
            var changed = w
            changed.passwords["researcher"] = "a-fresh-long-password"
            _ = try await WebTests.signIn(changed, "researcher", client: client)
            let used = try await client.execute(uri: path, method: .get)
            #expect(used.status == .notFound && used.text.contains("already used"))

            // An expired link says so.
            let account = try #require(try await AccountRepository(store: w.store).account(email: "researcher@pathways.test"))
            let old = try await AccountLinkRepository(store: w.store).create(.passwordReset, userID: account.id, now: Date().addingTimeInterval(-7_200))
            let expired = try await client.execute(uri: "/reset/\(old)", method: .get)
            #expect(expired.status == .notFound && expired.text.contains("expired"))
            let late = try await client.execute(uri: "/reset/\(old)", method: .post, headers: headers,
                                                body: WebTests.form([("password", "yet-another-password"), ("repeat", "yet-another-password")]))
            #expect(late.status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func aPasswordResetUsesUpNoContactCap(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            try await OutboxRepository(store: w.store).setContactCap(.init(messages: 1, days: 30))
            let asked = try await client.execute(uri: "/password-reset", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: WebTests.form([("email", "learnerA@pathways.test")]))
            #expect(asked.status == .ok)
            #expect(try await w.store.sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'password_reset' AND learner_id = \(bind: w.learnerIDs["A1"]!)").first()!
                .decode(column: "n", as: Int.self) == 1)
            let admin = try #require(try await AccountRepository(store: w.store).account(email: "admin@pathways.test"))
            let principal = try await AccountRepository(store: w.store).principal(for: admin)
            let day = CalendarDay.format(CalendarDay.adding(days: 10, to: Date()))
            let event = try await UseCases(store: w.store).events.create(
                EventInput(kind: "workshop", title: "Capped", starts: "\(day)T09:00", ends: "\(day)T10:00", location: "Room 1", capacity: "5", programs: "stats"), by: principal)
            let report = try await UseCases(store: w.store).events.invite(event.id, by: principal, baseURL: "http://pathways.test")
            #expect(report.invited == 2 && report.heldByCap == 0, "the reset A1 asked for does not hold back the one message the cap allows")
            let again = try await UseCases(store: w.store).events.create(
                EventInput(kind: "workshop", title: "Capped again", starts: "\(day)T11:00", ends: "\(day)T12:00", location: "Room 1", capacity: "5", programs: "stats"), by: principal)
            let held = try await UseCases(store: w.store).events.invite(again.id, by: principal, baseURL: "http://pathways.test")
            #expect(held.invited == 0 && held.heldByCap == 2, "an invitation nobody asked for does use it up")
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func anAdministratorInvitesLearnersWithoutAccounts(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let session = try await WebTests.signIn(w, "admin", client: client)
            let headers: HTTPFields = [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
            let page = try await client.execute(uri: "/admin/accounts", method: .get, headers: headers)
            let csrf = try #require(WebTests.csrf(in: page.text))
            let sent = try await client.execute(uri: "/admin/learner-invitations", method: .post, headers: headers, body: WebTests.form([("_csrf", csrf), ("program", "")]))
            let withEmail = try await w.store.sql.raw("""
                SELECT COUNT(*) AS n FROM learners l WHERE l.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.learner_id = l.id)
                """).first()!.decode(column: "n", as: Int.self)
            #expect(withEmail > 0 && sent.headers[.location] == "/admin/accounts?invited=\(withEmail)")
            let again = try await client.execute(uri: "/admin/learner-invitations", method: .post, headers: headers, body: WebTests.form([("_csrf", csrf)]))
            #expect(again.headers[.location] == "/admin/accounts?invited=0", "an invitation still open is not sent twice")
            let notice = try await client.execute(uri: "/admin/accounts?invited=\(withEmail)", method: .get, headers: headers)
            #expect(notice.text.contains("invited to create an account"))
            // One learner who has an account already: refused with the reason.
            let a1 = w.learnerIDs["A1"]!
            let one = try await client.execute(uri: "/learners/\(a1.uuidString)/account-invitation", method: .post, headers: headers, body: WebTests.form([("_csrf", csrf)]))
            #expect(one.status == .conflict && one.text.contains("has an account already"))
            let researcher = try await client.execute(uri: "/admin/learner-invitations", method: .post, headers: w.auth("researcher").merging([.contentType: "application/x-www-form-urlencoded"]), body: WebTests.form([]))
            #expect(researcher.status == .forbidden || researcher.status == .unauthorized)
            let messages = try await OutboxRepository(store: w.store).claim(worker: "test")
            #expect(messages.count == withEmail && messages.allSatisfy { $0.kind == "welcome" })
            #expect(try await w.store.sql.raw("SELECT COUNT(*) AS n FROM account_links WHERE purpose = 'welcome'").first()!.decode(column: "n", as: Int.self) == withEmail,
                    "one link per message sent, none that was never sent")

            // A learner who withdraws: their invitation stops working.
            let c3 = try #require(try await LearnerRepository(store: w.store).learner(key: "C3"))
            let toC3 = try #require(messages.first { $0.to == c3.email })
            let path = try Self.link(in: toC3, "/welcome/")
            #expect(try await client.execute(uri: path, method: .get).status == .ok)
            _ = try await PrivacyRepository(store: w.store).withdraw(learner: c3.id, by: nil, via: "test")
            let after = try await client.execute(uri: path, method: .get)
            #expect(after.status == .notFound && after.text.contains("not one Pathways made"))
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func aLearnersImportInvitesThoseItsInviteColumnNames(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, _ in
            let imports = DataImports(store: w.store, issuing: nil)
            func principal(_ name: String) async throws -> Principal {
                let account = try #require(try await AccountRepository(store: w.store).account(email: "\(name)@pathways.test"))
                return try await AccountRepository(store: w.store).principal(for: account)
            }
            func report(_ outcome: DataImports.Outcome) throws -> ImportReport {
                guard case .finished(let r) = outcome else { throw UseCaseError.conflict("written in the background") }
                return r
            }
            let file = """
                learner_id,name,email,invite_account
                N1,New One,new.one@pathways.test,yes
                N2,New Two,new.two@pathways.test,no
                A1,,learnerA@pathways.test,yes
                """
            // A program's staff may import learners but not send account invitations: the file is refused whole.
            let staff = try report(await imports.importFile(kind: .learners, name: "staff.csv", bytes: Array(file.utf8), by: try await principal("staff"), inBackground: false))
            #expect(!staff.applied && staff.errors.first?.column == "invite_account" && staff.errors.first?.row == 2, "\(staff.text)")
            #expect(try await LearnerRepository(store: w.store).learner(key: "N1") == nil, "nothing was written")

            let noEmail = try report(await imports.importFile(kind: .learners, name: "bad.csv", bytes: Array("learner_id,invite_account\nN3,yes\n".utf8),
                                                              by: try await principal("admin"), inBackground: false))
            #expect(!noEmail.applied && noEmail.errors.first?.message.contains("needs an email address") == true)

            let done = try report(await imports.importFile(kind: .learners, name: "learners.csv", bytes: Array(file.utf8), by: try await principal("admin"), inBackground: false))
            #expect(done.applied && done.invited == 1 && done.notInvited == 1, "N1 is invited; A1 has an account already; N2 was not asked for: \(done.text)")
            #expect(done.text.contains("invited 1 learner to create their account"))
            let messages = try await OutboxRepository(store: w.store).claim(worker: "test")
            #expect(messages.map(\.to) == ["new.one@pathways.test"] && messages.allSatisfy { $0.kind == "welcome" })
            #expect(try await AuditRepository(store: w.store).recent(limit: 10).contains { $0.action == "invite_learners" && $0.detail?.contains("learners.csv") == true })
            // Imported again, nobody is invited twice.
            let again = try report(await imports.importFile(kind: .learners, name: "learners.csv", bytes: Array(file.utf8), by: try await principal("admin"), inBackground: false))
            #expect(again.invited == 0 && again.notInvited == 2)
            #expect(try await ImportRepository(store: w.store).owedInvitations().isEmpty, "every job's invitations are sent and none is owed")
        }
    }

    /// A server stopped while a learners file was written, or after its rows and before its invitations: when the
    /// job is taken up again, the invitations the file asked for are sent, once.
    @Test(arguments: TestDatabase.allCases)
    func invitationsOfAStoppedImportAreSentWhenItResumes(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, _ in
            let repository = ImportRepository(store: w.store, chunkRows: 2)
            let importer = ImportRepository.Importer(userID: nil, programScope: nil)
            func file(_ prefix: String) -> String {
                "learner_id,name,email,invite_account\n" + (1...5).map { "\(prefix)\($0),Learner \($0),\(prefix.lowercased())\($0)@pathways.test,yes" }.joined(separator: "\n") + "\n"
            }
            // Stopped after one chunk of the first file; the second written whole, its invitations not yet sent.
            let (_, first) = try await repository.check(kind: .learners, fileName: "first.csv", text: file("S"), by: importer, claim: true,
                                                        invitations: (1...5).map { "S\($0)" })
            #expect(try await repository.runJob(try #require(first), maxChunks: 1) == nil)
            let (_, second) = try await repository.check(kind: .learners, fileName: "second.csv", text: file("T"), by: importer, claim: true,
                                                         invitations: (1...5).map { "T\($0)" })
            #expect(try await repository.runJob(try #require(second))?.applied == true)
            func welcomeCount() async throws -> Int {
                try await w.store.sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'welcome'").first()!.decode(column: "n", as: Int.self)
            }

            // The first job's runner is gone (its claim ran out); the server starts again and resumes. The server's own
            // import round may take a job up at the same time: either way every invitation goes, once.
            try await w.store.sql.raw("UPDATE import_jobs SET lease_until = NULL WHERE status = 'applying'").run()
            let imports = DataImports(store: w.store, chunkRows: 2, issuing: nil)
            _ = try await imports.resumeStalled()
            let firstJob = try #require(first)
            for _ in 0..<60 {
                if try await repository.job(id: firstJob)?.status == .applied, try await repository.owedInvitations().isEmpty { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(try await repository.job(id: try #require(first))?.status == .applied)
            #expect(try await repository.owedInvitations().isEmpty)
            let welcomes = try await w.store.sql.raw("SELECT to_address FROM outbox WHERE kind = 'welcome'").all().map { try $0.decode(column: "to_address", as: String.self) }
            #expect(welcomes.sorted() == ((1...5).map { "s\($0)@pathways.test" } + (1...5).map { "t\($0)@pathways.test" }).sorted())
            // Resumed again, nothing more is sent.
            _ = try await imports.resumeStalled()
            #expect(try await welcomeCount() == 10, "each invitation is in the outbox once")
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var all = self
        for field in other { all[field.name] = field.value }
        return all
    }
}
