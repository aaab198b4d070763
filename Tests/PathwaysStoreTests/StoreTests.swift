import Foundation
import PathwaysCore
@testable import PathwaysStore
import PostgresKit
import SQLiteKit
import PathwaysTestSupport
import SQLKit
import Testing

@Suite struct StoreTests {
    @Test(arguments: TestDatabase.allCases)
    func migrationsApplyOnceAndInOrder(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            #expect(try await Migrator.appliedVersions(store) == Migrations.all.map(\.version))
            #expect(try await Migrator.migrate(store).isEmpty, "a second run applies nothing")
        }
    }

    /// Durability is set, not inherited: the writing connection syncs at every commit (2 = FULL) in WAL mode, and the
    /// read-only connections cannot write.
    @Test func sqliteWritesAreSyncedAtEveryCommit() async throws {
        try await TestDatabase.sqlite.withStore { (store: Store) async throws in
            let (synchronous, journal) = try await store.transaction { db in
                (try await db.raw("PRAGMA synchronous").first()!.decode(column: "synchronous", as: Int.self),
                 try await db.raw("PRAGMA journal_mode").first()!.decode(column: "journal_mode", as: String.self))
            }
            #expect(synchronous == 2 && journal == "wal")
            await #expect(throws: (any Error).self) { try await store.reader.raw("DELETE FROM providers").run() }
        }
    }

    @Test func migrationNumbersAreUniqueAndIncreasing() {
        let versions = Migrations.all.map(\.version)
        #expect(versions == Array(1...versions.count))
        #expect(Migrations.all.allSatisfy { !$0.why.isEmpty })
    }

    @Test(arguments: TestDatabase.allCases)
    func uniqueIndexViolationBecomesConflict(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let catalog = CatalogRepository(store: store)
            try await catalog.createProvider(Provider(key: "lse", name: "LSE", kind: .university))
            await #expect(throws: StoreError.conflict("a provider with id 'lse' already exists")) {
                try await catalog.createProvider(Provider(key: "lse", name: "Another", kind: .university))
            }
            #expect(try await catalog.providers().count == 1)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func transactionRollsBackOnError(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await store.transaction { sql in
                    try await sql.raw("INSERT INTO providers (id, external_id, name, kind, created_at, updated_at) VALUES (\(bind: UUID()), 'x', 'X', 'other', \(bind: Date()), \(bind: Date()))").run()
                    throw Boom()
                }
            }
            #expect(try await CatalogRepository(store: store).providers().isEmpty)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func datesRoundTripExactlyOnBothDialects(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let catalog = CatalogRepository(store: store)
            let provider = Provider(key: "p", name: "P", kind: .university)
            try await catalog.createProvider(provider)
            let program = Program(key: "prog", providerID: provider.id, title: "T", kind: .microMasters)
            try await catalog.createProgram(program)
            let from = CalendarDay.date(year: 2023, month: 1, day: 1)!
            let to = CalendarDay.date(year: 2027, month: 12, day: 31)!
            try await catalog.createAgreement(CreditAgreement(institution: "Doane University", programID: program.id, credits: 12, validFrom: from, validTo: to))
            let stored = try await catalog.agreements(programID: program.id)
            #expect(stored.count == 1)
            #expect(stored[0].validFrom == from && stored[0].validTo == to)
            #expect(stored[0].isValid(on: CalendarDay.date(year: 2025, month: 5, day: 5)!))
            #expect(!stored[0].isValid(on: CalendarDay.date(year: 2028, month: 1, day: 1)!))
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func learnerVisibilityFollowsThePolicy(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let demo = DemoInitiative(seed: 7, microBachelorsLearners: 40, universityLearners: 60)
            _ = try await DemoLoader.load(demo, into: store)
            let repo = LearnerRepository(store: store)
            #expect(try await repo.list(visibility: .all, limit: 500).total == 100)
            let program = demo.programs[0]
            let enrolled = Set(demo.enrollments.filter { $0.programID == program.id }.map(\.learnerID))
            let scoped = try await repo.list(visibility: .enrolledIn([program.id]), limit: 500)
            #expect(scoped.total == enrolled.count)
            #expect(Set(scoped.items.map(\.learner.id)) == enrolled)
            let one = demo.learners[3].id
            let own = try await repo.list(visibility: .only(one))
            #expect(own.items.map(\.learner.id) == [one])
            #expect(try await repo.list(visibility: .none).total == 0)
            #expect(try await repo.list(visibility: .enrolledIn([])).total == 0)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func demoLoadsIntoAnEmptyDatabaseOnly(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let demo = DemoInitiative(seed: 1, microBachelorsLearners: 30, universityLearners: 30)
            let counts = try await DemoLoader.load(demo, into: store)
            #expect(counts.programs == 10 && counts.providers == 6 && counts.learners == 60)
            let figures = try await CatalogRepository(store: store).figures()
            #expect(figures.values.map(\.enrolled).reduce(0, +) == demo.enrollments.count)
            await #expect(throws: StoreError.self) { try await DemoLoader.load(demo, into: store) }
        }
    }

    /// The demo is loaded as a person's files are: its CSV files pass the import whole, and what the import stores
    /// is what the bulk fixture writer stores (enrollments by status, course progress, profiles kept under consent).
    @Test(arguments: TestDatabase.allCases)
    func theDemosFilesPassTheImportAndStoreWhatTheInitiativeHolds(_ db: TestDatabase) async throws {
        let demo = DemoInitiative(seed: 3, microBachelorsLearners: 60, universityLearners: 40)
        func figures(_ store: Store) async throws -> [String] {
            try await store.sql.raw("""
                SELECT 'e:' || status || ':' || COUNT(*) AS f FROM enrollments GROUP BY status
                UNION ALL SELECT 'p:' || COUNT(*) || ':' || SUM(CASE WHEN completed_at IS NULL THEN 0 ELSE 1 END) || ':' || CAST(SUM(COALESCE(grade, 0)) AS INTEGER) FROM course_progress
                UNION ALL SELECT 'l:' || COUNT(gender) || ':' || COUNT(income_band) || ':' || COUNT(birth_year) FROM learners
                UNION ALL SELECT 'c:' || COUNT(*) FROM enrollments WHERE completed_at IS NOT NULL
                UNION ALL SELECT 's:' || COUNT(*) FROM program_skills
                UNION ALL SELECT 'a:' || COUNT(*) FROM credit_agreements
                """).all().map { try $0.decode(column: "f", as: String.self) }.sorted()
        }
        let bulk = try await db.withStore { (store: Store) async throws in
            _ = try await DemoLoader.load(demo, into: store)
            return try await figures(store)
        }
        try await db.withStore { (store: Store) async throws in
            for (kind, text) in demo.importFiles() {
                let report = try await ImportRepository(store: store, chunkRows: 400).run(kind: kind, fileName: "\(kind.rawValue).csv", text: text,
                                                                                         by: .init(userID: nil, programScope: nil))
                #expect(report.applied && report.errors.isEmpty, "\(kind.rawValue): \(report.text)")
            }
            #expect(try await figures(store) == bulk)
            #expect(try await LearnerRepository(store: store).count() == 100)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func sessionsAndTokensStoreOnlyHashes(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let accounts = AccountRepository(store: store)
            let user = try await accounts.create(email: "A@Example.org", displayName: nil, passwordHash: "x", role: .researcher)
            #expect(user.email == "a@example.org")
            let (token, session) = try await accounts.startSession(userID: user.id)
            #expect(try await accounts.session(token: token)?.csrfToken == session.csrfToken)
            #expect(try await accounts.session(token: token + "x") == nil)
            #expect(try await accounts.session(token: token, now: session.expiresAt.addingTimeInterval(1)) == nil, "expired")
            let (secret, _) = try await accounts.createToken(userID: user.id, name: "ci")
            #expect(secret.hasPrefix("pw_") && secret.count > 40)
            #expect(try await accounts.account(apiToken: secret)?.id == user.id)
            let stored = try await store.sql.raw("SELECT token_hash FROM api_tokens").all().map { try $0.decode(column: "token_hash", as: String.self) }
            #expect(stored == [AccountRepository.hash(secret)])
            #expect(!stored.contains(secret))
            try await accounts.endSession(token: token)
            #expect(try await accounts.session(token: token) == nil)
        }
    }
}

@Suite struct SecretTests {
    @Test func digestsAreSHA256InLowercaseHex() {
        #expect(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
    }

    @Test func secretsAreLongRandomAndURLSafe() {
        let secrets = (0..<2_000).map { _ in AccountRepository.newSecret() }
        #expect(Set(secrets).count == secrets.count)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(secrets.allSatisfy { $0.count == 43 && $0.allSatisfy(allowed.contains) }, "256 bits as unpadded base64url")
        // Every character position takes many values: the bytes are not constant or mostly zero.
        for position in [0, 21, 41] {
            #expect(Set(secrets.map { Array($0)[position] }).count > 40)
        }
        #expect(AccountRepository.newSecret(prefix: "pw_").hasPrefix("pw_"))
    }
}

@Suite struct DialectTests {
    @Test func bothDialectsSupportTheUpsertImportsNeed() throws {
        try Store.checkCapabilities(SQLiteDialect())
        try Store.checkCapabilities(PostgresDialect())
    }
}
