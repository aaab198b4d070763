import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
@testable import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

/// Consent records, withdrawal under each study policy, and the audit log page.
@Suite struct PrivacyTests {
    static func count(_ w: TestWorld, _ sql: SQLQueryString) async throws -> Int {
        try await w.store.sql.raw(sql).first()!.decode(column: "n", as: Int.self)
    }

    static func form(_ cookie: String, _ body: String) -> (HTTPFields, ByteBuffer) {
        ([.cookie: "pw_session=\(cookie)", .contentType: "application/x-www-form-urlencoded"], ByteBuffer(string: body))
    }

    @Test(arguments: TestDatabase.allCases)
    func consentsAreRecordedWithTheirWordsAndAWithdrawalDeIdentifies(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let a1 = w.learnerIDs["A1"]!
            let privacy = PrivacyRepository(store: w.store)

            // The import recorded A1's profile consent with the profile wording and the day the file gave.
            var consents = try await privacy.consents(learner: a1)
            #expect(consents.count == 1 && consents[0].purpose == .profile && consents[0].text == ConsentText.profile)
            #expect(CalendarDay.format(consents[0].givenAt) == "2023-07-20" && consents[0].source == "learner import learners.csv, row 2")
            // Importing the same file again records nothing new.
            _ = try await ImportRepository(store: w.store).run(kind: .learners, fileName: "again.csv", text: Fixtures.learners, by: .init(userID: nil, programScope: nil))
            #expect(try await privacy.consents(learner: a1).count == 1)

            // The first survey page shows what answering agrees to; saving it records that, once.
            let token = f.tokens["A1"]!
            let first = try await client.execute(uri: "/s/\(token)", method: .get)
            #expect(first.text.contains(#"class="consent""#) && first.text.contains("take part in the study"))
            _ = try await Survey.complete(client, token: token, answers: eligibleAnswers)
            consents = try await privacy.consents(learner: a1)
            #expect(consents.filter { $0.purpose == .study }.count == 1)
            #expect(consents.first { $0.purpose == .study }?.text == ConsentText.study(title: "Outcomes"))
            let caseID = f.caseIDs["A1"]!
            let answers = try await Self.count(w, "SELECT COUNT(*) AS n FROM response_values WHERE case_id = \(bind: caseID)")
            #expect(answers > 10)
            let textAnswers = try await Self.count(w, """
                SELECT COUNT(*) AS n FROM response_values v JOIN version_items i ON i.item_id = v.item_id AND i.version_id = \(bind: f.version.id)
                WHERE v.case_id = \(bind: caseID) AND i.item_type = 'text'
                """)
            #expect(textAnswers == 3, "comments, sector and country are free text")

            // The learner's own record shows the consents and the way to withdraw.
            let session = try await WebTests.signIn(w, "learnerA", client: client)
            let record = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(record.text.contains("Study participation: Outcomes") && record.text.contains("/learners/\(a1)/withdraw"))
            let csrf = try #require(WebTests.csrf(in: record.text))

            // A wrong confirmation changes nothing.
            let (h1, b1) = Self.form(session, "_csrf=\(csrf)&confirm=B2")
            let wrong = try await client.execute(uri: "/learners/\(a1)/withdraw", method: .post, headers: h1, body: b1)
            #expect(wrong.status == .unprocessableContent && wrong.text.contains("Type the learner id A1 exactly to confirm the withdrawal; nothing was changed."))
            #expect(wrong.text.contains(#"value="B2" aria-invalid="true" aria-describedby="confirm-research-error""#), "the record comes back with what was typed")
            #expect(wrong.text.contains("Sign out"), "with the learner's own header")
            #expect(try await LearnerRepository(store: w.store).learner(id: a1)?.email == "ana@example.org")
            // Another learner cannot withdraw A1.
            let other = try await WebTests.signIn(w, "learnerB", client: client)
            let otherPage = try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(other)"])
            let (h2, b2) = Self.form(other, "_csrf=\(try #require(WebTests.csrf(in: otherPage.text)))&confirm=A1")
            #expect(try await client.execute(uri: "/learners/\(a1)/withdraw", method: .post, headers: h2, body: b2).status == .forbidden)

            let (h3, b3) = Self.form(session, "_csrf=\(csrf)&confirm=A1&scope=everything")
            let done = try await client.execute(uri: "/learners/\(a1)/withdraw", method: .post, headers: h3, body: b3)
            #expect(done.status == .ok && done.text.contains("Your account is closed"))

            // Identity and profile are gone; the platform id too.
            let learner = try #require(try await LearnerRepository(store: w.store).learner(id: a1))
            #expect(learner.name == nil && learner.email == nil && learner.profileConsentAt == nil && learner.profile == .empty)
            #expect(learner.key.hasPrefix("withdrawn-") && learner.withdrawnAt != nil)
            #expect(try await LearnerRepository(store: w.store).learner(key: "A1") == nil)
            // De-identify (the default): closed answers stay, free-text answers are gone, the link is dead.
            let kept = try await Self.count(w, "SELECT COUNT(*) AS n FROM response_values WHERE case_id = \(bind: caseID)")
            #expect(kept == answers - textAnswers && kept > 10)
            #expect(try await Self.count(w, """
                SELECT COUNT(*) AS n FROM response_values v JOIN version_items i ON i.item_id = v.item_id AND i.version_id = \(bind: f.version.id)
                WHERE v.case_id = \(bind: caseID) AND i.name = 'comments'
                """) == 0)
            #expect(try await client.execute(uri: "/s/\(token)", method: .get).status == .notFound)
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM outbox WHERE learner_id = \(bind: a1) AND (status = 'pending' OR to_address <> '')") == 0)
            // Consents are marked withdrawn; the account is closed and its session ended.
            #expect(try await privacy.consents(learner: a1).allSatisfy { $0.withdrawnAt != nil })
            #expect(try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(session)"]).status == .seeOther)
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: w.auth("learnerA")).status == .unauthorized)
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM users WHERE email = 'learnera@pathways.test'") == 0)

            // The export keeps the respondent under the pseudonym, without the open text.
            let export = try await RespondentExports(store: w.store).exportWide(study: f.study, wave: f.wave, includeText: true, by: nil)
            #expect(export.respondents == 1)
            #expect(!export.csv.contains("It helped") && !export.csv.contains("Ana") && !export.csv.contains("A1"))

            // A later import of the platform's files leaves A1 out, each row named, and changes nothing for them.
            let report = try await ImportRepository(store: w.store).run(kind: .learners, fileName: "learners-again.csv", text: Fixtures.learners,
                                                                         by: .init(userID: nil, programScope: nil))
            #expect(report.applied && report.warnings.contains { $0.row == 2 && $0.value == "A1" && $0.message.contains("withdrew from research") })
            #expect(try await LearnerRepository(store: w.store).learner(key: "A1") == nil)
            let enrollments = try await ImportRepository(store: w.store).run(kind: .enrollments, fileName: "enrollments.csv", text: Fixtures.enrollments,
                                                                              by: .init(userID: nil, programScope: nil))
            #expect(enrollments.applied && enrollments.errors.isEmpty && enrollments.warnings.contains { $0.value == "A1" })
            // A new frame never includes them.
            let frame = try await FieldworkRepository(store: w.store).frameCounts(study: f.study, wave: f.wave)
            #expect(frame.cases == 3, "the fielded frame is kept")

            // Withdrawing twice is refused; the audit log has the withdrawal.
            await #expect(throws: StoreError.self) { try await privacy.withdraw(learner: a1, by: nil, via: "test") }
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'withdraw' AND subject = \(bind: "learner:\(a1)")") == 1)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func underTheDeletePolicyEverythingTheStudyHeldGoes(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            _ = try await Survey.complete(client, token: f.tokens["B2"]!, answers: eligibleAnswers)
            let b2 = w.learnerIDs["B2"]!
            // The administrator sets the study's policy on its page.
            let admin = try await WebTests.signIn(w, "admin", client: client)
            let studyPage = try await client.execute(uri: "/studies/outcomes", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            #expect(studyPage.text.contains("When a learner withdraws: De-identify"))
            let csrf = try #require(WebTests.csrf(in: studyPage.text))
            let (h, b) = Self.form(admin, "_csrf=\(csrf)&policy=delete")
            #expect(try await client.execute(uri: "/studies/outcomes/withdrawal-policy", method: .post, headers: h, body: b).status == .seeOther)
            let (hb, bb) = Self.form(admin, "_csrf=\(csrf)&policy=shred")
            #expect(try await client.execute(uri: "/studies/outcomes/withdrawal-policy", method: .post, headers: hb, body: bb).status == .badRequest)
            #expect(try await PrivacyRepository(store: w.store).policy(study: f.study.id) == .delete)

            // An administrator records B2's withdrawal, asked for by email.
            let (h2, b2Body) = Self.form(admin, "_csrf=\(csrf)&confirm=B2&reason=email+of+3+March&scope=everything")
            let done = try await client.execute(uri: "/learners/\(b2)/withdraw", method: .post, headers: h2, body: b2Body)
            #expect(done.status == .ok && done.text.contains("Delete"))
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM wave_cases WHERE learner_id = \(bind: b2)") == 0)
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM response_values WHERE case_id = \(bind: f.caseIDs["B2"]!)") == 0)
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM case_tokens WHERE case_id = \(bind: f.caseIDs["B2"]!)") == 0)
            let export = try await RespondentExports(store: w.store).exportWide(study: f.study, wave: f.wave, includeText: true, by: nil)
            #expect(export.respondents == 0)

            // The audit log page shows it to the administrator, filtered, and records that it was read; no one else may.
            let log = try await client.execute(uri: "/admin/audit?action=withdraw", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            #expect(log.status == .ok && log.text.contains("learner:\(b2)") && log.text.contains("email of 3 March") && log.text.contains("1 entries"))
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'view_audit_log'") == 1)
            let researcher = try await WebTests.signIn(w, "researcher", client: client)
            #expect(try await client.execute(uri: "/admin/audit", method: .get, headers: [.cookie: "pw_session=\(researcher)"]).status == .forbidden)
        }
    }

    /// Withdrawing from research is its own choice: the studies let the learner go (under their policies, with
    /// nothing left pointing back to them) while the account, credentials, shared links and career support stay.
    @Test(arguments: TestDatabase.allCases)
    func withdrawingFromResearchKeepsTheAccountCredentialsAndCareerSupport(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let f = try await FieldedWave.make(w)
            let a1 = try #require(w.learnerIDs["A1"]), credential = try #require(w.credentialIDs["A1"])
            let token = f.tokens["A1"]!
            _ = try await Survey.complete(client, token: token, answers: eligibleAnswers)
            let caseID = f.caseIDs["A1"]!
            let answers = try await Self.count(w, "SELECT COUNT(*) AS n FROM response_values WHERE case_id = \(bind: caseID)")
            let share = try await CredentialRepository(store: w.store, keyring: TestWorld.keyring).share(id: credential)
            try await CareerRepository(store: w.store).setGoals(learner: a1, goals: ["Data analyst"], region: nil, shareWithEmployers: true)

            let session = try await WebTests.signIn(w, "learnerA", client: client)
            let record = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(record.text.contains("Withdraw from research") && record.text.contains("Close the account and remove personal data"))
            #expect(record.text.contains(#"name="scope" value="research""#) && record.text.contains(#"name="scope" value="everything""#))
            let csrf = try #require(WebTests.csrf(in: record.text))
            let (h, b) = Self.form(session, "_csrf=\(csrf)&confirm=A1&scope=research")
            let done = try await client.execute(uri: "/learners/\(a1)/withdraw", method: .post, headers: h, body: b)
            #expect(done.status == .ok && done.text.contains("You have withdrawn from research") && done.text.contains("stay as they were"), "\(done.text.prefix(600))")

            // The learner is who they were: signed in, named, their credential still shared, their goals kept.
            let learner = try #require(try await LearnerRepository(store: w.store).learner(id: a1))
            #expect(learner.key == "A1" && learner.email == "ana@example.org" && learner.withdrawnAt == nil && learner.researchWithdrawnAt != nil)
            #expect(try await client.execute(uri: "/account", method: .get, headers: [.cookie: "pw_session=\(session)"]).status == .ok)
            #expect(try await client.execute(uri: "/c/\(share)", method: .get).status == .ok)
            #expect(try await CareerRepository(store: w.store).goals(learner: a1).goals == ["Data analyst"])
            #expect(try await privacy(w).consents(learner: a1).filter { $0.purpose == .study }.allSatisfy { $0.withdrawnAt != nil })

            // The study keeps the closed answers (de-identify) under a respondent with no identity; nothing points to A1.
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM wave_cases WHERE learner_id = \(bind: a1)") == 0)
            let kept = try await Self.count(w, "SELECT COUNT(*) AS n FROM response_values WHERE case_id = \(bind: caseID)")
            #expect(kept > 10 && kept == answers - 3, "the three open-text answers go")
            #expect(try await Self.count(w, """
                SELECT COUNT(*) AS n FROM wave_cases c JOIN learners l ON l.id = c.learner_id
                WHERE c.id = \(bind: caseID) AND l.withdrawn_at IS NOT NULL AND l.email IS NULL AND l.name IS NULL
                """) == 1)
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM outbox WHERE learner_id = \(bind: a1) AND case_id IS NOT NULL") == 0)
            #expect(try await client.execute(uri: "/s/\(token)", method: .get).status == .notFound)
            let export = try await RespondentExports(store: w.store).exportWide(study: f.study, wave: f.wave, includeText: true, by: nil)
            #expect(export.respondents == 1 && !export.csv.contains("A1") && !export.csv.contains("Ana"))

            // No later wave includes them.
            let admin = StudyAdministration(store: w.store, versions: VersionCache())
            let later = try await admin.createWave(f.study, WaveInput(number: "2", title: "Again", instrument: f.version.instrumentKey, opens: CalendarDay.format(Date()),
                                                                     closes: CalendarDay.format(CalendarDay.adding(days: 30, to: Date())), frame: "enrolled in a program",
                                                                     messageSubject: "A survey", messageBody: "Dear {{first_name}}: {{survey_link}}"),
                                                   by: nil)
            let frame = try await FieldworkRepository(store: w.store).computeFrame(study: f.study, wave: later)
            let framed = try await w.store.sql.raw("SELECT learner_id FROM wave_cases WHERE wave_id = \(bind: later.id)").all().map { try $0.decode(column: "learner_id", as: UUID.self) }
            #expect(frame.cases > 0 && !framed.contains(a1))

            // The record says so, offers only the other choice, and a second withdrawal from research is refused.
            let after = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(after.text.contains("Withdrew from research on") && !after.text.contains(#"value="research""#) && after.text.contains(#"value="everything""#))
            let again = try await client.execute(uri: "/learners/\(a1)/withdraw", method: .post, headers: h, body: b)
            #expect(again.status == .conflict)
            #expect(try await Self.count(w, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'withdraw_from_research' AND subject = \(bind: "learner:\(a1)")") == 1)
            // Closing the account later is still theirs to do.
            let (hc, bc) = Self.form(session, "_csrf=\(csrf)&confirm=A1&scope=everything")
            #expect(try await client.execute(uri: "/learners/\(a1)/withdraw", method: .post, headers: hc, body: bc).status == .ok)
            #expect(try await LearnerRepository(store: w.store).learner(id: a1)?.withdrawnAt != nil)
            #expect(try await client.execute(uri: "/c/\(share)", method: .get).status == .notFound)
        }
    }

    func privacy(_ w: TestWorld) -> PrivacyRepository { PrivacyRepository(store: w.store) }

    /// After a withdrawal nothing keeps carrying the learner: their shared credential's link stops, and the copies of
    /// messages a file transport wrote to them are removed (others' stay).
    @Test(arguments: TestDatabase.allCases)
    func aWithdrawalStopsSharingAndRemovesDeliveredCopies(_ db: TestDatabase) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-mail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = TestWorld.configuration
        configuration.mailFolder = folder.path
        try await TestWorld.run(db, configuration: configuration) { w, client in
            _ = try await FieldedWave.make(w)
            let a1 = try #require(w.learnerIDs["A1"]), credential = try #require(w.credentialIDs["A1"])
            let share = try await CredentialRepository(store: w.store, keyring: TestWorld.keyring).share(id: credential)
            #expect(try await client.execute(uri: "/c/\(share)", method: .get).status == .ok)
            // The invitations go out as files.
            let outbox = OutboxRepository(store: w.store)
            _ = try await outbox.plan()
            let settings = MailSettings(transport: try FileMailTransport(directory: folder), transportDescription: "files", from: "s@pathways.test", publicURL: "http://127.0.0.1")
            let sent = try await OutboxDelivery(outbox: outbox, settings: settings, logger: TestDatabase.logger).run()
            #expect(sent.sent == 3)
            func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") } }
            func mentioning(_ text: String) throws -> Int { try files().filter { (try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8))?.contains(text) == true }.count }
            #expect(try files().count == 3 && mentioning("ana@example.org") == 1)

            let session = try await WebTests.signIn(w, "learnerA", client: client)
            let record = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            let csrf = try #require(WebTests.csrf(in: record.text))
            let (h, b) = Self.form(session, "_csrf=\(csrf)&confirm=A1&scope=everything")
            #expect(try await client.execute(uri: "/learners/\(a1)/withdraw", method: .post, headers: h, body: b).status == .ok)

            #expect(try await client.execute(uri: "/c/\(share)", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/c/\(share)/credential.jwt", method: .get).status == .notFound)
            #expect(try mentioning("ana@example.org") == 0, "the copy sent to the learner is gone")
            #expect(try files().count == 2, "the others' stay")
        }
    }
}
