import Foundation
import SQLKit

/// A numbered, append-only schema change. Never edit one that has shipped: add the next number.
///
/// The SQL is shared by both dialects; `{uuid}`, `{timestamp}`, `{bool}` and `{real}` stand for the column
/// type each dialect uses (PostgreSQL: UUID, TIMESTAMPTZ, BOOLEAN, DOUBLE PRECISION; SQLite: TEXT, REAL
/// seconds since 1970, INTEGER 0/1, REAL), matching how SQLKit binds Swift's UUID, Date, Bool and Double.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    /// One line: why this change exists.
    public var why: String
    public var sql: String

    func statements(for dialect: Store.Dialect) -> [String] {
        let types: [String: String] = dialect == .postgres
            ? ["{uuid}": "UUID", "{timestamp}": "TIMESTAMPTZ", "{bool}": "BOOLEAN", "{real}": "DOUBLE PRECISION"]
            : ["{uuid}": "TEXT", "{timestamp}": "REAL", "{bool}": "INTEGER", "{real}": "REAL"]
        var text = sql
        for (placeholder, type) in types { text = text.replacingOccurrences(of: placeholder, with: type) }
        return text.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}

public enum Migrator {
    /// Applies every migration not yet applied, each in its own transaction, and returns the versions applied.
    /// On PostgreSQL an advisory lock makes concurrent start-ups of several instances take turns.
    @discardableResult
    public static func migrate(_ store: Store, migrations: [Migration] = Migrations.all) async throws -> [Int] {
        try await store.sql.raw("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at \(unsafeRaw: store.dialect == .postgres ? "TIMESTAMPTZ" : "REAL") NOT NULL
            )
            """).run()
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let done = try await store.transaction { db -> Bool in
                if store.dialect == .postgres {
                    try await db.raw("SELECT pg_advisory_xact_lock(\(literal: 7_415_001))").run()
                }
                let exists = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").first()
                if exists != nil { return false }
                for statement in migration.statements(for: store.dialect) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw("""
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date()))
                    """).run()
                return true
            }
            if done {
                applied.append(migration.version)
                store.logger.info("migrated", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
        return applied
    }

    /// The versions applied so far.
    public static func appliedVersions(_ store: Store) async throws -> [Int] {
        try await store.sql.raw("SELECT version FROM schema_migrations ORDER BY version").all().map { try $0.decode(column: "version", as: Int.self) }
    }
}

public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "catalog", why: "providers, programs, courses, skills and credit-transfer agreements", sql: """
            CREATE TABLE providers (
                id {uuid} PRIMARY KEY,
                external_id TEXT NOT NULL,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                country TEXT,
                website TEXT,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX providers_external_id ON providers (external_id);
            CREATE TABLE programs (
                id {uuid} PRIMARY KEY,
                external_id TEXT NOT NULL,
                provider_id {uuid} NOT NULL REFERENCES providers (id),
                title TEXT NOT NULL,
                kind TEXT NOT NULL,
                summary TEXT,
                duration_months INTEGER,
                cost_usd {real},
                credit_value {real},
                credit_unit TEXT,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX programs_external_id ON programs (external_id);
            CREATE INDEX programs_provider ON programs (provider_id);
            CREATE TABLE skills (
                id {uuid} PRIMARY KEY,
                skill_key TEXT NOT NULL,
                label TEXT NOT NULL,
                scheme TEXT NOT NULL,
                code TEXT
            );
            CREATE UNIQUE INDEX skills_key ON skills (skill_key);
            CREATE TABLE program_skills (
                program_id {uuid} NOT NULL REFERENCES programs (id),
                skill_id {uuid} NOT NULL REFERENCES skills (id),
                position INTEGER NOT NULL,
                PRIMARY KEY (program_id, skill_id)
            );
            CREATE TABLE courses (
                id {uuid} PRIMARY KEY,
                external_id TEXT NOT NULL,
                program_id {uuid} NOT NULL REFERENCES programs (id),
                title TEXT NOT NULL,
                position INTEGER NOT NULL,
                credit_value {real},
                effort_hours INTEGER,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX courses_external_id ON courses (external_id);
            CREATE INDEX courses_program ON courses (program_id);
            CREATE TABLE credit_agreements (
                id {uuid} PRIMARY KEY,
                institution TEXT NOT NULL,
                program_id {uuid} NOT NULL REFERENCES programs (id),
                credits {real} NOT NULL,
                degree TEXT,
                valid_from {timestamp} NOT NULL,
                valid_to {timestamp},
                created_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX credit_agreements_unique ON credit_agreements (institution, program_id, valid_from)
            """),
        Migration(version: 2, name: "learners", why: "learners with consented profiles, enrollments and course progress", sql: """
            CREATE TABLE learners (
                id {uuid} PRIMARY KEY,
                external_id TEXT NOT NULL,
                name TEXT,
                email TEXT,
                profile_consent_at {timestamp},
                gender TEXT,
                birth_year INTEGER,
                hispanic TEXT,
                races TEXT,
                country TEXT,
                english_proficiency TEXT,
                highest_education TEXT,
                student_status TEXT,
                employment_status TEXT,
                sector TEXT,
                business_owner {bool},
                income_band TEXT,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX learners_external_id ON learners (external_id);
            CREATE TABLE enrollments (
                id {uuid} PRIMARY KEY,
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                program_id {uuid} NOT NULL REFERENCES programs (id),
                enrolled_at {timestamp} NOT NULL,
                status TEXT NOT NULL,
                completed_at {timestamp},
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX enrollments_learner_program ON enrollments (learner_id, program_id);
            CREATE INDEX enrollments_program ON enrollments (program_id, completed_at);
            CREATE TABLE course_progress (
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                course_id {uuid} NOT NULL REFERENCES courses (id),
                progress_percent {real} NOT NULL,
                grade {real},
                completed_at {timestamp},
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (learner_id, course_id)
            );
            CREATE INDEX course_progress_course ON course_progress (course_id)
            """),
        Migration(version: 3, name: "accounts", why: "accounts with roles, program scopes, sessions and API tokens (hashes only)", sql: """
            CREATE TABLE users (
                id {uuid} PRIMARY KEY,
                email TEXT NOT NULL,
                display_name TEXT,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                learner_id {uuid} REFERENCES learners (id),
                disabled {bool} NOT NULL,
                created_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX users_email ON users (email);
            CREATE TABLE user_program_scopes (
                user_id {uuid} NOT NULL REFERENCES users (id),
                program_id {uuid} NOT NULL REFERENCES programs (id),
                PRIMARY KEY (user_id, program_id)
            );
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id {uuid} NOT NULL REFERENCES users (id),
                csrf_token TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                expires_at {timestamp} NOT NULL
            );
            CREATE INDEX sessions_user ON sessions (user_id);
            CREATE TABLE api_tokens (
                id {uuid} PRIMARY KEY,
                user_id {uuid} NOT NULL REFERENCES users (id),
                name TEXT NOT NULL,
                token_hash TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                expires_at {timestamp},
                last_used_at {timestamp}
            );
            CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash)
            """),
        Migration(version: 4, name: "imports_and_audit", why: "a record of every import with its report, and an audit log of personal-data access", sql: """
            CREATE TABLE imports (
                id {uuid} PRIMARY KEY,
                kind TEXT NOT NULL,
                file_name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                row_count INTEGER NOT NULL,
                applied {bool} NOT NULL,
                inserted INTEGER NOT NULL,
                updated INTEGER NOT NULL,
                error_count INTEGER NOT NULL,
                warning_count INTEGER NOT NULL,
                report TEXT NOT NULL,
                user_id {uuid} REFERENCES users (id),
                created_at {timestamp} NOT NULL
            );
            CREATE INDEX imports_created ON imports (created_at);
            CREATE TABLE audit_log (
                id {uuid} PRIMARY KEY,
                at {timestamp} NOT NULL,
                user_id {uuid},
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT
            );
            CREATE INDEX audit_log_at ON audit_log (at)
            """),
    ]
}
