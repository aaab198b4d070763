import Foundation
import Logging
import PathwaysStore
import SQLKit

/// The databases every repository test runs against. PostgreSQL comes from `PATHWAYS_TEST_POSTGRES_URL`,
/// which `scripts/test` sets after starting a server on loopback; without it the PostgreSQL cases fail
/// with a message saying so, rather than skipping.
public enum TestDatabase: String, Sendable, CaseIterable {
    case sqlite
    case postgres

    public static let postgresVariable = "PATHWAYS_TEST_POSTGRES_URL"

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "\(TestDatabase.postgresVariable) is not set: PostgreSQL tests need a server. Run scripts/test, which installs and starts one on loopback."
        }
    }

    public static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// Runs `body` with a migrated, empty store of this kind, removed afterwards.
    public func withStore<R: Sendable>(logger: Logger = TestDatabase.logger, _ body: (Store) async throws -> R) async throws -> R {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = try await Store.openSQLite(path: dir.appendingPathComponent("test.sqlite").path, logger: logger)
            return try await Self.run(store, body)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment[Self.postgresVariable], !url.isEmpty else { throw Missing() }
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            // Every test on PostgreSQL runs at once with the others: small pools keep them under the server's connections.
            let admin = try await Store.openPostgres(url: url, logger: Self.logger, connectionsPerEventLoop: 1)
            try await admin.sql.raw("CREATE SCHEMA \(ident: String(schema))").run()
            do {
                let store = try await Store.openPostgres(url: url, searchPath: [String(schema)], logger: logger, connectionsPerEventLoop: 3)
                let result = try await Self.run(store, body)
                try await admin.sql.raw("DROP SCHEMA \(ident: String(schema)) CASCADE").run()
                try await admin.close()
                return result
            } catch {
                try? await admin.sql.raw("DROP SCHEMA \(ident: String(schema)) CASCADE").run()
                try? await admin.close()
                throw error
            }
        }
    }

    private static func run<R: Sendable>(_ store: Store, _ body: (Store) async throws -> R) async throws -> R {
        try await store.closing { store in
            try await Migrator.migrate(store)
            return try await body(store)
        }
    }
}

/// Small CSV files for import tests.
public enum Fixtures {
    public static let providers = """
        provider_id,name,kind,country,website
        lse,The London School of Economics and Political Science,university,GB,https://www.lse.ac.uk
        ibm,IBM,company,US,https://www.ibm.com
        """
    public static let programs = """
        program_id,provider_id,title,kind,duration_months,cost_usd,credit_value,credit_unit,skills
        stats,lse,Statistics Fundamentals,MicroBachelors,8,1200,12,US semester credits,Mathematics=onet:2.A.1.e;Statistical inference
        fullstack,ibm,Full Stack Application Development,microbachelors,9,1400,12,US semester credits,Programming=onet:2.B.3.e
        """
    public static let courses = """
        course_id,program_id,title,position,credit_value
        stats-1,stats,Introduction to Statistics,1,3
        stats-2,stats,Statistical Inference,2,3
        fs-1,fullstack,Introduction to Cloud Computing,1,4
        """
    public static let learners = """
        learner_id,name,email,consent_profile,consented_on,gender,birth_year,hispanic,race,country,highest_education,employment_status,income_band
        A1,Ana Alvarez,ana@example.org,yes,2023-07-20,female,1990,yes,white,US,some_college,full_time,25k_50k
        B2,Ben Brown,ben@example.org,yes,2023-07-21,male,1985,no,black_african_american;white,US,associate,unemployed_looking,under_25k
        C3,Chen Wei,chen@example.org,no,,,,,,,,,
        """
    public static let enrollments = """
        learner_id,program_id,enrolled_on,status
        A1,stats,2023-08-01,active
        B2,fullstack,2023-08-02,active
        C3,stats,2023-08-03,
        """
    public static let completions = """
        learner_id,program_id,course_id,completed_on,progress_percent,grade
        A1,stats,stats-1,2023-11-01,,91
        A1,stats,stats-2,2024-02-01,,88
        A1,stats,,2024-02-01,,
        B2,fullstack,fs-1,,40,
        """
}
