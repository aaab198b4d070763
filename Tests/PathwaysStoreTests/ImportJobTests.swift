import Foundation
import PathwaysCore
@testable import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

/// Large imports: written a chunk per transaction with their progress, resumed after a stop exactly where the last
/// committed chunk ended, and never holding up reads.
@Suite struct ImportJobTests {
    let today = CalendarDay.date(year: 2025, month: 6, day: 1)!

    static func learners(_ n: Int, from start: Int = 0) -> String {
        "learner_id,name,email,consent_profile,consented_on,gender\n" + (start..<(start + n)).map { i in
            "J\(i),Learner \(i),j\(i)@example.org,yes,2024-01-02,\(i % 2 == 0 ? "female" : "male")"
        }.joined(separator: "\n") + "\n\n"
    }

    @Test(arguments: TestDatabase.allCases)
    func aJobStoppedMidwayResumesWhereItsLastChunkEnded(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let imports = ImportRepository(store: store, chunkRows: 4)
            let (checked, jobID) = try await imports.check(kind: .learners, fileName: "many.csv", text: Self.learners(10), by: .init(userID: nil, programScope: nil),
                                                            today: today, claim: false)
            #expect(checked.errors.isEmpty && checked.rows == 10)
            let id = try #require(jobID)
            // Two chunks, then a stop: 8 rows are stored and the job says so; the rest wait.
            #expect(try await imports.runJob(id, maxChunks: 2) == nil)
            var job = try #require(try await imports.job(id: id))
            #expect(job.status == .applying && job.appliedRows == 8 && job.inserted == 8)
            #expect(try await LearnerRepository(store: store).count() == 8)
            #expect(try await imports.history().isEmpty, "not recorded as imported until every row is")
            // Its claim has not run out: nobody else takes it up yet. Later it has, and the rest is written once.
            #expect(try await imports.claimStalledJob(now: Date()) == nil)
            let resumed = try #require(try await imports.claimStalledJob(now: Date().addingTimeInterval(3_600)))
            #expect(resumed == id)
            let report = try #require(try await imports.runJob(id))
            #expect(report.applied && report.rows == 10 && report.inserted == 10 && report.updated == 0)
            job = try #require(try await imports.job(id: id))
            #expect(job.status == .applied && job.appliedRows == 10 && job.finishedAt != nil)
            #expect(try await LearnerRepository(store: store).count() == 10)
            let consents = try await store.sql.raw("SELECT COUNT(*) AS n FROM consents WHERE purpose = 'profile'").first()!.decode(column: "n", as: Int.self)
            #expect(consents == 10, "each consent recorded once")
            #expect(try await imports.history().map(\.report.inserted) == [10])
            // The file's text is not kept once it is written.
            #expect(try await store.sql.raw("SELECT content FROM import_job_files WHERE job_id = \(bind: id)").first() == nil)
            // Running it again does nothing.
            #expect(try await imports.runJob(id) == nil)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func chunksAreCheckedAcrossTheFile(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let imports = ImportRepository(store: store, chunkRows: 3)
            // A duplicate in another chunk and an error in the last are both found; nothing is stored.
            let text = Self.learners(7) + "J2,Again,,no,,\nJ9,Bad,not-an-email,no,,\n"
            let report = try await imports.run(kind: .learners, fileName: "dup.csv", text: text, by: .init(userID: nil, programScope: nil), today: today)
            #expect(!report.applied)
            #expect(report.errors.map(\.description) == ["row 10, column learner_id: 'J2' duplicate learner_id: also on row 4", "row 11, column email: 'not-an-email' is not an email address"])
            #expect(try await LearnerRepository(store: store).count() == 0)
            #expect(try await imports.jobs().isEmpty)
        }
    }

    @Test func aReportListsAThousandErrorsAndCountsTheRest() async throws {
        try await TestDatabase.sqlite.withStore { (store: Store) async throws in
            let text = "learner_id,email\n" + (0..<1_500).map { "K\($0),bad" }.joined(separator: "\n")
            let report = try await ImportRepository(store: store).run(kind: .learners, fileName: "bad.csv", text: text, by: .init(userID: nil, programScope: nil), today: today)
            #expect(report.errors.count == 1_001)
            #expect(report.errors.last?.message == "and 500 more errors not listed here")
        }
    }

    /// While a writer holds SQLite's write lock (a chunk of an import, a page of answers), a read answers at once: single
    /// SELECTs go to the read-only connections.
    @Test func readsDoNotWaitForTheWriter() async throws {
        try await TestDatabase.sqlite.withStore { (store: Store) async throws in
            try await store.sql.raw("INSERT INTO providers (id, external_id, name, kind, created_at, updated_at) VALUES (\(bind: UUID()), 'p', 'P', 'university', \(bind: Date()), \(bind: Date()))").run()
            let release = AsyncStream<Void>.makeStream()
            let held = AsyncStream<Void>.makeStream()
            let writer = Task {
                try await store.transaction { db in
                    try await db.raw("UPDATE providers SET name = 'Q'").run()
                    held.continuation.yield()
                    for await _ in release.stream { break }
                }
            }
            for await _ in held.stream { break }
            let start = ContinuousClock.now
            let read = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask { try await store.sql.raw("SELECT name FROM providers").first()?.decode(column: "name", as: String.self) }
                group.addTask { try await Task.sleep(for: .seconds(10)); return "timed out" }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
            #expect(read == "P", "the committed value, read beside the open write")
            #expect(ContinuousClock.now - start < .seconds(5))
            release.continuation.yield()
            try await writer.value
            #expect(try await store.sql.raw("SELECT name FROM providers").first()?.decode(column: "name", as: String.self) == "Q")
        }
    }
}
