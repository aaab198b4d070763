import Foundation
import PathwaysApp
import PathwaysCore
import PathwaysStore
import PathwaysTestSupport
import Testing

/// A researcher's study from nothing, through the use case every door calls: on a database with learners but no
/// study, create the study, upload an instrument, create a wave with its rule in words, preview, launch, pause,
/// resume and close it; refusals name their fields and store nothing; on both databases.
@Suite struct StudyAdministrationTests {
    @Test(arguments: TestDatabase.allCases)
    func aStudyIsRunFromNothing(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            _ = try await DemoLoader.load(DemoInitiative(seed: 5, microBachelorsLearners: 40, universityLearners: 20), into: store)
            let admin = UseCases(store: store).studies
            let outbox = OutboxRepository(store: store)
            let audit = AuditRepository(store: store)
            #expect(try await admin.all().isEmpty)

            // Refused, with every field named, and nothing stored.
            await #expect(throws: UseCaseError.rejected([.init("key", "a short key of lower-case letters, digits, - or _ (e.g. credential-outcomes); it appears in addresses"),
                                                          .init("title", "give the study a title")])) {
                try await admin.create(StudyInput(key: "My Study", title: " "), by: nil)
            }
            #expect(try await admin.all().isEmpty)
            let study = try await admin.create(StudyInput(key: "outcomes", title: "Outcomes", eligibilitySource: "record", partialShare: "0.6"), by: nil)
            #expect(study.partialShare == 0.6)
            // What a withdrawal does to the study's data is an administrator's decision, named from the list.
            let adminAccount = Principal(userID: UUID(), email: "admin@example.org", role: .admin)
            let researcher = Principal(userID: UUID(), email: "researcher@example.org", role: .researcher)
            await #expect(throws: UseCaseError.forbidden("only an administrator sets what a withdrawal does to a study's data")) {
                try await admin.setWithdrawalPolicy(study, "delete", by: researcher)
            }
            await #expect(throws: UseCaseError.invalid("policy: one of deidentify, delete")) { try await admin.setWithdrawalPolicy(study, "forget", by: adminAccount) }
            #expect(try await PrivacyRepository(store: store).policy(study: study.id) == .deidentify)
            #expect(try await admin.setWithdrawalPolicy(study, "delete", by: adminAccount) == .delete)
            #expect(try await PrivacyRepository(store: store).policy(study: study.id) == .delete)
            // Without a choice, a withdrawal form means the lesser: research only.
            #expect(Withdrawals.Scope.chosen(nil) == .research && Withdrawals.Scope.chosen("all") == .research && Withdrawals.Scope.chosen(" everything") == .everything)
            await #expect(throws: UseCaseError.self) { try await admin.create(StudyInput(key: "outcomes", title: "Again"), by: nil) }

            let workbook = try DemoInstruments.form(.followup).xlsx()
            let upload = try await admin.upload(study: study, key: "followup", title: nil, workbook: workbook, fileName: "followup.xlsx", renames: nil, note: nil, by: nil)
            #expect(upload.version.number == 1 && !upload.unchanged)
            #expect(try await admin.upload(study: study, key: "followup", title: nil, workbook: workbook, fileName: "followup.xlsx", renames: nil, note: nil, by: nil).unchanged)
            await #expect(throws: UseCaseError.self) {
                try await admin.upload(study: study, key: "broken", title: nil, workbook: Data("not a workbook".utf8), fileName: "broken.xlsx", renames: nil, note: nil, by: nil)
            }

            let opens = CalendarDay.format(Date().addingTimeInterval(-86_400))
            let closes = CalendarDay.format(CalendarDay.adding(days: 40, to: Date()))
            var input = WaveInput(number: "1", title: "A year on", instrument: "followup", opens: opens, closes: closes,
                                  frame: "completed a program at least 12 months before this wave opens", reminders: "7, 14",
                                  screenItem: "eligible", eligibilityMonths: "12", messageSubject: "A year on: {{program}}",
                                  messageBody: "Dear {{first_name}}, a survey: {{survey_link}}")
            // A rule that cannot be read, a merge field that does not exist, a question the form does not have.
            var bad = input
            bad.frame = "completed a degree"
            bad.messageBody = "Hi {{firstname}}"
            bad.screenItem = "finished"
            do {
                _ = try await admin.createWave(study, bad, by: nil)
                Issue.record("a wave with three problems was stored")
            } catch UseCaseError.rejected(let problems) {
                #expect(problems.map(\.field) == ["frame"], "the rule is read first: \(problems)")
            }
            bad.frame = input.frame
            do {
                _ = try await admin.createWave(study, bad, by: nil)
                Issue.record("a wave with two problems was stored")
            } catch UseCaseError.rejected(let problems) {
                #expect(problems.map(\.field) == ["screen_item", "message_body"])
            }
            #expect(try await admin.waves(study).isEmpty)

            var wave = try await admin.createWave(study, input, by: nil)
            #expect(wave.state == .draft && wave.frameRule == .completedProgram(kinds: nil, monthsBefore: 12))
            await #expect(throws: UseCaseError.conflict("Wave 1 cannot be launched: compute and check the frame first.")) {
                try await admin.launch(study, wave, by: nil)
            }
            let preview = try await admin.computeFrame(study, wave, by: nil)
            #expect(preview.counts.cases > 0 && preview.examples.count == min(5, preview.counts.cases))
            #expect(preview.examples.allSatisfy { $0.pseudonym.hasPrefix("p") && $0.pseudonym.count == 25 })
            let message = try await admin.previewMessage(study, wave, showName: false)
            #expect(message.subject.hasPrefix("A year on: ") && message.body.contains("Dear [name:p") && message.body.contains("[the case's own survey link]"))
            // A draft sends nothing.
            #expect(try await outbox.plan().invitations == 0)

            // Editing the rule before launch drops the frame; computing it again restores it.
            input.frame = "completed a program at least 12 months before this wave opens and country is ZZ"
            wave = try await admin.editWave(study, wave, input, by: nil)
            #expect(wave.frameComputedAt == nil)
            #expect(try await admin.computeFrame(study, wave, by: nil).counts.cases == 0)
            input.frame = "completed a program at least 12 months before this wave opens"
            wave = try await admin.editWave(study, wave, input, by: nil)
            #expect(try await admin.computeFrame(study, wave, by: nil).counts.cases == preview.counts.cases)

            wave = try await admin.launch(study, wave, by: nil)
            #expect(wave.state == .launched)
            #expect(try await outbox.plan().invitations == preview.counts.cases)
            await #expect(throws: UseCaseError.conflict("Wave 1 cannot be edited: the wave has sent invitations; what it sent and to whom is fixed.")) {
                try await admin.editWave(study, wave, input, by: nil)
            }
            await #expect(throws: UseCaseError.self) { try await admin.computeFrame(study, wave, by: nil) }

            // Paused: written messages wait; resumed, they go.
            wave = try await admin.pause(study, wave, by: nil)
            #expect(try await outbox.claim(worker: "t").isEmpty)
            wave = try await admin.launch(study, wave, by: nil)
            let claimed = try await outbox.claim(worker: "t", limit: 1)
            #expect(claimed.count == 1 && claimed[0].subject.hasPrefix("A year on: "))
            for m in claimed { try await outbox.markSent(m, worker: "t") }

            // Closed: nothing more is sent, and the wave ends now.
            wave = try await admin.close(study, wave, by: nil)
            #expect(wave.state == .closed && wave.closesAt <= Date())
            #expect(try await outbox.claim(worker: "t").isEmpty)
            #expect(try await outbox.plan(now: Date().addingTimeInterval(8 * 86_400)).reminders == 0)
            await #expect(throws: UseCaseError.self) { try await admin.launch(study, wave, by: nil) }

            let actions = Set(try await audit.recent(limit: 100).map(\.action))
            #expect(actions.isSuperset(of: ["create_study", "add_instrument_version", "create_wave", "edit_wave", "compute_frame", "launch_wave", "pause_wave", "close_wave"]))
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func aStudysSettingsAndTheContactCapAreEdited(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let admin = UseCases(store: store).studies
            let study = try await admin.create(StudyInput(key: "a", title: "A"), by: nil)
            _ = try await admin.create(StudyInput(key: "b", title: "B"), by: nil)
            let edited = try await admin.edit(study, StudyInput(title: "A, renamed", eligibilitySource: "self_report"), by: nil)
            #expect(edited.key == "a" && edited.title == "A, renamed" && edited.eligibilitySource == .selfReport && edited.partialShare == 0.5)
            #expect(try await admin.study(key: "a") == edited)
            await #expect(throws: UseCaseError.rejected([.init("key", "another study already has the key b")])) {
                try await admin.edit(edited, StudyInput(key: "b"), by: nil)
            }
            await #expect(throws: UseCaseError.rejected([.init("eligibility_source", "record (the learner's records decide) or self_report (the learner's answer decides)")])) {
                try await admin.edit(edited, StudyInput(eligibilitySource: "coin"), by: nil)
            }
            try await admin.setContactCap(messages: 5, days: 14, by: nil)
            let cap = try await admin.contactCap()
            #expect(cap.messages == 5 && cap.days == 14)
            await #expect(throws: UseCaseError.self) { try await admin.setContactCap(messages: 0, days: 14, by: nil) }
        }
    }

    /// A wave fielded in another tool: its CSV export becomes complete interviews with their dates, all or nothing,
    /// and the next wave's frame ("answered wave 1") finds exactly those respondents.
    @Test(arguments: TestDatabase.allCases)
    func anEarlierWavesResponsesAreImportedAndFrameTheNext(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            _ = try await DemoLoader.load(DemoInitiative(seed: 5, microBachelorsLearners: 40, universityLearners: 20), into: store)
            let admin = UseCases(store: store).studies
            let study = try await admin.create(StudyInput(key: "panel", title: "Panel"), by: nil)
            _ = try await admin.upload(study: study, key: "start", title: nil, workbook: try DemoInstruments.form(.start).xlsx(), fileName: "start.xlsx",
                                       renames: nil, note: nil, by: nil)
            let body = "Dear {{first_name}}: {{survey_link}}"
            let wave1 = try await admin.createWave(study, WaveInput(number: "1", title: "Start", instrument: "start", opens: "2024-01-01", closes: "2024-03-31",
                                                                    frame: "enrolled in a program", messageSubject: "Start", messageBody: body), by: nil)
            let keys = try await store.sql.raw("SELECT external_id FROM learners ORDER BY external_id LIMIT 3").all().map { try $0.decode(column: "external_id", as: String.self) }
            let good = """
                learner_id,submitted_at,motivations,employment,education
                \(keys[0]),2024-01-15,learn,retired,bachelor
                \(keys[1]),2024-02-01T09:30:00Z,career_change advance,unemployed_looking,secondary

                """
            let bad = good + "NOBODY,2024-02-02,learn,retired,bachelor\n\(keys[2]),2024-02-03,learn,farmer,bachelor\n"
            let refused = try await admin.importResponses(study, wave1, text: bad, file: "wave1.csv", by: nil)
            #expect(!refused.stored && refused.problems.map(\.description) == [
                "wave1.csv, row 4, column learner_id: no learner has the id NOBODY; import the learners first",
                "wave1.csv, row 5, column employment: 'farmer': not among the choices (full_time, part_time, self_employed, unemployed_looking, unemployed_not_looking, retired)",
            ])
            #expect(try await FieldworkRepository(store: store).cases(wave: wave1.id).isEmpty, "nothing stored")

            let stored = try await admin.importResponses(study, wave1, text: good, file: "wave1.csv", by: nil)
            #expect(stored.stored && stored.interviews == 2 && stored.inFrame == 0, "\(stored.text)")
            let cases = try await FieldworkRepository(store: store).cases(wave: wave1.id)
            #expect(cases.count == 2 && cases.allSatisfy { $0.disposition == .complete })
            #expect(Set(cases.compactMap(\.submittedAt)) == [CalendarDay.parse("2024-01-15")!, ISO8601DateFormatter().date(from: "2024-02-01T09:30:00Z")!])
            let again = try await admin.importResponses(study, wave1, text: good, file: "wave1.csv", by: nil)
            #expect(again.problems.map(\.message) == ["\(keys[0]) already has a submitted interview in wave 1", "\(keys[1]) already has a submitted interview in wave 1"])

            // The answers are the wave's: the report counts them, and wave 2's frame is who answered wave 1.
            let report = try await admin.waves(study).first!
            let counts = try await FieldworkRepository(store: store).dispositions(study: study, wave: report.id, byProgram: false)[""] ?? [:]
            #expect(counts[.complete] == 2)
            let wave2 = try await admin.createWave(study, WaveInput(number: "2", title: "End", instrument: "start", opens: "2024-09-01", closes: "2024-10-31",
                                                                    frame: "answered wave 1", messageSubject: "End", messageBody: body), by: nil)
            #expect(try await admin.computeFrame(study, wave2, by: nil, now: CalendarDay.parse("2024-09-01")!).counts.cases == 2)
            #expect(try await AuditRepository(store: store).recent(limit: 20).contains { $0.action == "import_responses" })
        }
    }

    /// The invitation log: what each case was sent and what comes next, the cap's hold with its day, cancel and
    /// resend for one case, and the CSV; on both databases.
    @Test(arguments: TestDatabase.allCases)
    func theInvitationLogShowsEachCaseAndResendsOrCancels(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            _ = try await DemoLoader.load(DemoInitiative(seed: 5, microBachelorsLearners: 30, universityLearners: 10), into: store)
            let admin = UseCases(store: store).studies
            let outbox = OutboxRepository(store: store)
            let study = try await admin.create(StudyInput(key: "log", title: "Log"), by: nil)
            _ = try await admin.upload(study: study, key: "start", title: nil, workbook: try DemoInstruments.form(.start).xlsx(), fileName: "start.xlsx",
                                       renames: nil, note: nil, by: nil)
            let now = Date()
            var wave = try await admin.createWave(study, WaveInput(number: "1", title: "Start", instrument: "start",
                                                                   opens: CalendarDay.format(now.addingTimeInterval(-86_400)),
                                                                   closes: CalendarDay.format(CalendarDay.adding(days: 40, to: now)), frame: "enrolled in a program",
                                                                   reminders: "7", messageSubject: "Start", messageBody: "Hi {{first_name}}"), by: nil)
            _ = try await admin.computeFrame(study, wave, by: nil)
            var log = try await admin.invitationLog(study, wave)
            #expect(!log.isEmpty && log.allSatisfy { $0.messages.isEmpty && $0.next == "invitation due, waiting for launch" })
            wave = try await admin.launch(study, wave, by: nil)
            try await admin.setContactCap(messages: 1, days: 30, by: nil)
            let written = try await outbox.plan(now: now).invitations
            #expect(written == log.count)
            log = try await admin.invitationLog(study, wave, filter: "written")
            #expect(log.count == written && log.allSatisfy { $0.messages.map(\.state) == [.written] && $0.next.hasPrefix("reminder 1 scheduled ") })

            // A week on, the reminder is due but the cap (1 in 30 days) holds it, and says until when.
            let later = now.addingTimeInterval(8 * 86_400)
            let held = try await admin.invitationLog(study, wave, filter: "held", now: later)
            #expect(held.count == written && held[0].next.hasPrefix("reminder 1 held by the contact cap until "))
            let first = log[0].respondentID, second = log[1].respondentID
            await #expect(throws: UseCaseError.self) { try await admin.resend(study, wave, respondent: first, by: nil, now: later) }

            // Cancel one: its written invitation is not sent and nothing more is written for it.
            try await admin.cancelMessages(study, wave, respondent: first, by: nil)
            let cancelled = try #require(try await admin.invitationLog(study, wave, search: first).first)
            #expect(cancelled.messages.map(\.state) == [.cancelled] && cancelled.next == "cancelled: no more messages")
            #expect(try await outbox.claim(worker: "t", limit: 1000).count == written - 1)

            // With room under the cap, another case's invitation is written again with a fresh link.
            try await admin.setContactCap(messages: 5, days: 30, by: nil)
            try await admin.resend(study, wave, respondent: second, by: nil)
            let resent = try #require(try await admin.invitationLog(study, wave, search: second).first)
            #expect(resent.messages.map(\.kind) == ["invitation", "resent invitation"] && resent.messages.last?.state == .written)
            await #expect(throws: UseCaseError.notFound("Wave 1 has no case pnothing.")) { try await admin.resend(study, wave, respondent: "pnothing", by: nil) }

            let csv = try await admin.invitationLogCSV(study, wave)
            #expect(csv.hasPrefix("respondent_id,program,disposition,message,state,written_at,sent_at,error,next\n"))
            #expect(csv.contains("\(second),") && csv.contains(",resent invitation,written,") && csv.contains(",cancelled,"))
            #expect(!csv.contains("@"), "no email address in the log")
        }
    }
}
