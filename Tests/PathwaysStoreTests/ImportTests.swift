import Foundation
import PathwaysCore
import PathwaysStore
import PathwaysTestSupport
import Testing

/// Import behaviour on both databases: all or nothing per file, idempotent, nothing stored lost.
@Suite struct ImportTests {
    let today = CalendarDay.date(year: 2025, month: 6, day: 1)!

    func importAll(_ store: Store, through last: ImportKind = .completions) async throws {
        let files: [(ImportKind, String)] = [(.providers, Fixtures.providers), (.programs, Fixtures.programs), (.courses, Fixtures.courses),
                                              (.learners, Fixtures.learners), (.enrollments, Fixtures.enrollments), (.completions, Fixtures.completions)]
        for (kind, text) in files {
            let report = try await ImportRepository(store: store).run(kind: kind, fileName: "\(kind).csv", text: text, by: .init(userID: nil, programScope: nil), today: today)
            #expect(report.applied, "\(kind): \(report.text)")
            if kind == last { return }
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func goodFilesImportAndReimportLeavesOneCopy(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            try await importAll(store)
            let repo = LearnerRepository(store: store)
            #expect(try await repo.count() == 3)
            let ana = try #require(try await repo.learner(key: "A1"))
            #expect(ana.profile.gender == .female)
            #expect(ana.profile.highestEducation == .someCollege)
            #expect(ana.profile.highestEducation?.hasBachelorOrHigher == false)
            let enrollments = try await repo.enrollments(learnerID: ana.id)
            #expect(enrollments.count == 1)
            #expect(enrollments[0].completedAt == CalendarDay.date(year: 2024, month: 2, day: 1))
            #expect(enrollments[0].status == .completed)
            #expect(try await repo.progress(learnerID: ana.id).count == 2)

            // The same files again: everything is an update, nothing is duplicated.
            let again = try await ImportRepository(store: store).run(kind: .learners, fileName: "learners.csv", text: Fixtures.learners, by: .init(userID: nil, programScope: nil), today: today)
            #expect(again.applied && again.inserted == 0 && again.updated == 3)
            try await importAll(store)
            #expect(try await repo.count() == 3)
            #expect(try await repo.enrollments(learnerID: ana.id).count == 1)
            #expect(try await CatalogRepository(store: store).programs().count == 2)
            let stats = try #require(try await CatalogRepository(store: store).program(key: "stats"))
            #expect(stats.skills.map(\.label) == ["Mathematics", "Statistical inference"])
            #expect(stats.skills[0].scheme == .onet && stats.skills[0].code == "2.A.1.e")
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func badRowsAreReportedAndChangeNothing(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            try await importAll(store, through: .enrollments)
            let bad = """
                learner_id,program_id,course_id,completed_on,progress_percent,grade
                A1,stats,stats-1,2023-02-30,,
                A1,nosuch,,2024-01-01,,
                B2,fullstack,fs-1,2024-01-10,,80
                B2,fullstack,fs-1,2024-01-11,,
                C3,stats,fs-1,2024-01-10,,
                B2,fullstack,,2023-01-01,,
                A1,stats,stats-2,2024-01-10,,101
                """
            let report = try await ImportRepository(store: store).run(kind: .completions, fileName: "completions.csv", text: bad, by: .init(userID: nil, programScope: nil), today: today)
            #expect(!report.applied)
            let found = Set(report.errors.map { "\($0.row ?? 0):\($0.column ?? "")" })
            #expect(found.contains("2:completed_on"), "bad date")
            #expect(found.contains("3:program_id"), "unknown program")
            #expect(found.contains("8:grade"), "grade out of range")
            #expect(found.contains("5:learner_id"), "duplicate row")
            #expect(found.contains("6:course_id"), "course of another program")
            #expect(found.contains("7:completed_on"), "completion before enrollment")
            #expect(report.text.contains("completions.csv: error: row 2, column completed_on: '2023-02-30' is not a date (expected YYYY-MM-DD)"))
            // Nothing changed: Ben has no course progress, and the rejected import is on record.
            let ben = try #require(try await LearnerRepository(store: store).learner(key: "B2"))
            #expect(try await LearnerRepository(store: store).progress(learnerID: ben.id).isEmpty)
            let history = try await ImportRepository(store: store).history()
            #expect(history.first?.report.applied == false)
            #expect(history.first?.report.errors.count == report.errors.count)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func missingColumnAndDuplicateIDRejectTheWholeFile(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            try await importAll(store, through: .programs)
            let noTitle = "course_id,program_id\nx-1,stats\n"
            let r1 = try await ImportRepository(store: store).run(kind: .courses, fileName: "c.csv", text: noTitle, by: .init(userID: nil, programScope: nil), today: today)
            #expect(!r1.applied)
            #expect(r1.errors.contains { $0.row == 1 && $0.column == "title" && $0.message.contains("required column is missing") })

            let duplicate = "course_id,program_id,title\nx-1,stats,One\nx-2,stats,Two\nx-1,stats,Again\n"
            let r2 = try await ImportRepository(store: store).run(kind: .courses, fileName: "c.csv", text: duplicate, by: .init(userID: nil, programScope: nil), today: today)
            #expect(!r2.applied)
            #expect(r2.errors == [ImportIssue(row: 4, column: "course_id", value: "x-1", message: "duplicate course_id: also on row 2")])
            let stats = try #require(try await CatalogRepository(store: store).program(key: "stats"))
            #expect(try await CatalogRepository(store: store).courses(programID: stats.id).isEmpty, "the good rows of a rejected file are not stored")
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func emptyCellsNeverClearStoredValues(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            try await importAll(store, through: .learners)
            let sparse = "learner_id,name,email\nA1,,\n"
            let report = try await ImportRepository(store: store).run(kind: .learners, fileName: "l.csv", text: sparse, by: .init(userID: nil, programScope: nil), today: today)
            #expect(report.applied && report.updated == 1)
            let ana = try #require(try await LearnerRepository(store: store).learner(key: "A1"))
            #expect(ana.name == "Ana Alvarez")
            #expect(ana.email == "ana@example.org")
            #expect(ana.profile.gender == .female)
            #expect(ana.profileConsentAt == CalendarDay.date(year: 2023, month: 7, day: 20))
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func profileWithoutConsentIsNotStored(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let text = "learner_id,consent_profile,gender,income_band\nZ9,no,male,under_25k\n"
            let report = try await ImportRepository(store: store).run(kind: .learners, fileName: "l.csv", text: text, by: .init(userID: nil, programScope: nil), today: today)
            #expect(report.applied)
            #expect(report.warnings.contains { $0.row == 2 && $0.column == "consent_profile" })
            let z = try #require(try await LearnerRepository(store: store).learner(key: "Z9"))
            #expect(z.profile.isEmpty && z.profileConsentAt == nil)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func programStaffImportOnlyInsideTheirPrograms(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            try await importAll(store, through: .learners)
            let stats = try #require(try await CatalogRepository(store: store).program(key: "stats"))
            let staff = ImportRepository.Importer(userID: nil, programScope: [stats.id])
            let text = "learner_id,program_id,enrolled_on\nA1,stats,2023-08-01\nB2,fullstack,2023-08-02\n"
            let report = try await ImportRepository(store: store).run(kind: .enrollments, fileName: "e.csv", text: text, by: staff, today: today)
            #expect(!report.applied)
            #expect(report.errors == [ImportIssue(row: 3, column: "program_id", value: "fullstack", message: "is not one of your programs")])
        }
    }
}
