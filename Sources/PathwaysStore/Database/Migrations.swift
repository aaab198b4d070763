import Foundation
import SQLKit

/// A numbered, append-only schema change. Never edit one that has shipped: add the next number.
///
/// The SQL is shared by both dialects; `{uuid}`, `{timestamp}`, `{bool}` and `{real}` stand for the column
/// type each dialect uses (PostgreSQL: UUID, TIMESTAMPTZ, BOOLEAN, DOUBLE PRECISION; SQLite: TEXT, REAL
/// seconds since 1970, INTEGER 0/1, REAL), matching how SQLKit binds Swift's UUID, Date, Bool and Double;
/// `{serial}` is an auto-numbered 64-bit primary key (BIGSERIAL; SQLite's INTEGER PRIMARY KEY).
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    /// One line: why this change exists.
    public var why: String
    public var sql: String
    /// SQLite's own statements where its `ALTER TABLE` cannot say the change (a table rebuilt, as SQLite documents
    /// it): run with foreign keys off and checked before commit.
    public var sqlite: String?

    public init(version: Int, name: String, why: String, sql: String, sqlite: String? = nil) {
        self.version = version
        self.name = name
        self.why = why
        self.sql = sql
        self.sqlite = sqlite
    }

    func statements(for dialect: Store.Dialect) -> [String] {
        let types: [String: String] = dialect == .postgres
            ? ["{uuid}": "UUID", "{timestamp}": "TIMESTAMPTZ", "{bool}": "BOOLEAN", "{real}": "DOUBLE PRECISION", "{serial}": "BIGSERIAL PRIMARY KEY"]
            : ["{uuid}": "TEXT", "{timestamp}": "REAL", "{bool}": "INTEGER", "{real}": "REAL", "{serial}": "INTEGER PRIMARY KEY"]
        var text = dialect == .sqlite ? sqlite ?? sql : sql
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
            if store.dialect == .sqlite, migration.sqlite != nil {
                if try await rebuildOnSQLite(store, migration) { applied.append(migration.version) }
                continue
            }
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

    /// SQLite's procedure for a change `ALTER TABLE` cannot make: foreign keys off on the one connection (a pragma
    /// that has no effect inside a transaction), the statements in a transaction, `foreign_key_check` empty before
    /// commit, foreign keys back on whatever happened.
    static func rebuildOnSQLite(_ store: Store, _ migration: Migration) async throws -> Bool {
        try await store.sql.withSession { db in
            try await db.raw("PRAGMA foreign_keys = OFF").run()
            do {
                try await db.raw("BEGIN IMMEDIATE").run()
                let done: Bool
                do {
                    if try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").first() != nil {
                        done = false
                    } else {
                        for statement in migration.statements(for: .sqlite) { try await db.raw(SQLQueryString(statement)).run() }
                        let broken = try await db.raw("PRAGMA foreign_key_check").all()
                        if !broken.isEmpty { throw StoreError.invalid("migration \(migration.version) would leave \(broken.count) rows pointing at nothing") }
                        try await db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date()))").run()
                        done = true
                    }
                    try await db.raw("COMMIT").run()
                } catch {
                    try? await db.raw("ROLLBACK").run()
                    throw error
                }
                try await db.raw("PRAGMA foreign_keys = ON").run()
                if done { store.logger.info("migrated", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"]) }
                return done
            } catch {
                try? await db.raw("PRAGMA foreign_keys = ON").run()
                throw error
            }
        }
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
        Migration(version: 5, name: "studies", why: "longitudinal studies: versioned instruments with stable item identity, waves with stored frames, cases reached by hashed tokens, answers by item, an outbox", sql: """
            CREATE TABLE settings (
                setting_key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE studies (
                id {uuid} PRIMARY KEY,
                study_key TEXT NOT NULL,
                title TEXT NOT NULL,
                description TEXT,
                eligibility_source TEXT NOT NULL,
                partial_share {real} NOT NULL,
                created_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX studies_key ON studies (study_key);
            CREATE TABLE instruments (
                id {uuid} PRIMARY KEY,
                study_id {uuid} NOT NULL REFERENCES studies (id),
                instrument_key TEXT NOT NULL,
                title TEXT NOT NULL,
                created_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX instruments_key ON instruments (study_id, instrument_key);
            CREATE TABLE instrument_versions (
                id {uuid} PRIMARY KEY,
                instrument_id {uuid} NOT NULL REFERENCES instruments (id),
                number INTEGER NOT NULL,
                survey_csv TEXT NOT NULL,
                choices_csv TEXT,
                settings_csv TEXT,
                sha256 TEXT NOT NULL,
                note TEXT,
                created_by {uuid} REFERENCES users (id),
                created_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX instrument_versions_number ON instrument_versions (instrument_id, number);
            CREATE TABLE study_items (
                id {uuid} PRIMARY KEY,
                study_id {uuid} NOT NULL REFERENCES studies (id),
                item_key TEXT NOT NULL,
                created_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX study_items_key ON study_items (study_id, item_key);
            CREATE TABLE version_items (
                version_id {uuid} NOT NULL REFERENCES instrument_versions (id),
                item_id {uuid} NOT NULL REFERENCES study_items (id),
                name TEXT NOT NULL,
                item_type TEXT NOT NULL,
                label TEXT,
                position INTEGER NOT NULL,
                PRIMARY KEY (version_id, item_id)
            );
            CREATE UNIQUE INDEX version_items_name ON version_items (version_id, name);
            CREATE TABLE waves (
                id {uuid} PRIMARY KEY,
                study_id {uuid} NOT NULL REFERENCES studies (id),
                number INTEGER NOT NULL,
                title TEXT NOT NULL,
                instrument_version_id {uuid} NOT NULL REFERENCES instrument_versions (id),
                opens_at {timestamp} NOT NULL,
                closes_at {timestamp} NOT NULL,
                frame_rule TEXT NOT NULL,
                reminder_days TEXT NOT NULL,
                screen_item TEXT,
                eligibility_months INTEGER,
                message_subject TEXT NOT NULL,
                message_body TEXT NOT NULL,
                frame_computed_at {timestamp},
                eligibility_override {real},
                created_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX waves_number ON waves (study_id, number);
            CREATE TABLE wave_cases (
                id {serial},
                wave_id {uuid} NOT NULL REFERENCES waves (id),
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                program_id {uuid} REFERENCES programs (id),
                disposition TEXT,
                invited_at {timestamp},
                reminders_sent INTEGER NOT NULL,
                last_message_at {timestamp},
                opened_at {timestamp},
                started_at {timestamp},
                submitted_at {timestamp},
                opted_out_at {timestamp},
                answered_share {real} NOT NULL,
                current_page INTEGER,
                record_eligible {bool},
                reported_eligible {bool},
                eligibility_conflict {bool} NOT NULL,
                revision INTEGER NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX wave_cases_learner ON wave_cases (wave_id, learner_id);
            CREATE INDEX wave_cases_by_learner ON wave_cases (learner_id);
            CREATE INDEX wave_cases_by_wave ON wave_cases (wave_id, id);
            CREATE TABLE case_tokens (
                token_hash TEXT PRIMARY KEY,
                case_id BIGINT NOT NULL REFERENCES wave_cases (id),
                issued_at {timestamp} NOT NULL
            );
            CREATE INDEX case_tokens_case ON case_tokens (case_id);
            CREATE TABLE response_values (
                case_id BIGINT NOT NULL REFERENCES wave_cases (id),
                item_id {uuid} NOT NULL REFERENCES study_items (id),
                value TEXT NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (case_id, item_id)
            );
            CREATE TABLE outbox (
                id {serial},
                case_id BIGINT REFERENCES wave_cases (id),
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                to_address TEXT NOT NULL,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                link_token TEXT,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                claimed_by TEXT,
                claimed_until {timestamp},
                last_error TEXT,
                created_at {timestamp} NOT NULL,
                sent_at {timestamp}
            );
            CREATE INDEX outbox_status ON outbox (status, id);
            CREATE INDEX outbox_learner ON outbox (learner_id, created_at)
            """),
        Migration(version: 6, name: "codebook", why: "a study's codebook of themes for open-text answers, and which answers carry which theme", sql: """
            CREATE TABLE codebook_themes (
                id {uuid} PRIMARY KEY,
                study_id {uuid} NOT NULL REFERENCES studies (id),
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                keywords TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE UNIQUE INDEX codebook_themes_name ON codebook_themes (study_id, name);
            CREATE TABLE text_codes (
                case_id BIGINT NOT NULL REFERENCES wave_cases (id),
                item_id {uuid} NOT NULL REFERENCES study_items (id),
                theme_id {uuid} NOT NULL REFERENCES codebook_themes (id),
                coded_by {uuid},
                coded_at {timestamp} NOT NULL,
                PRIMARY KEY (case_id, item_id, theme_id)
            );
            CREATE INDEX text_codes_theme ON text_codes (theme_id)
            """),
        Migration(version: 7, name: "privacy", why: "consent records with the words agreed to, each study's withdrawal policy, and withdrawals", sql: """
            CREATE TABLE consent_texts (
                sha256 TEXT PRIMARY KEY,
                body TEXT NOT NULL,
                first_used_at {timestamp}
            );
            INSERT INTO consent_texts (sha256, body, first_used_at) VALUES ('\(legacyConsentSHA)', '\(legacyConsentText)', NULL);
            CREATE TABLE consents (
                id {serial},
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                purpose TEXT NOT NULL,
                study_id {uuid} REFERENCES studies (id),
                text_sha256 TEXT NOT NULL REFERENCES consent_texts (sha256),
                given_at {timestamp} NOT NULL,
                source TEXT NOT NULL,
                withdrawn_at {timestamp},
                recorded_at {timestamp} NOT NULL
            );
            CREATE INDEX consents_learner ON consents (learner_id, purpose);
            INSERT INTO consents (learner_id, purpose, text_sha256, given_at, source, recorded_at)
                SELECT id, 'profile', '\(legacyConsentSHA)', profile_consent_at, 'learner import', profile_consent_at
                FROM learners WHERE profile_consent_at IS NOT NULL;
            ALTER TABLE studies ADD COLUMN withdrawal_policy TEXT NOT NULL DEFAULT 'deidentify';
            ALTER TABLE learners ADD COLUMN withdrawn_at {timestamp};
            CREATE TABLE withdrawals (
                id {uuid} PRIMARY KEY,
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                key_hmac TEXT NOT NULL,
                requested_at {timestamp} NOT NULL,
                recorded_by {uuid},
                via TEXT NOT NULL,
                summary TEXT NOT NULL
            );
            CREATE UNIQUE INDEX withdrawals_key ON withdrawals (key_hmac);
            CREATE INDEX audit_log_action ON audit_log (action, at)
            """),
        Migration(version: 8, name: "credentials", why: "signing keys (private halves sealed under the key file's key), issued Open Badges with their revocation bits and share links, records sent to credit partners, degree enrollments", sql: """
            CREATE TABLE credential_keys (
                kid TEXT PRIMARY KEY,
                algorithm TEXT NOT NULL,
                public_jwk TEXT NOT NULL,
                private_sealed TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                retired_at {timestamp}
            );
            ALTER TABLE programs ADD COLUMN course_credentials {bool} NOT NULL DEFAULT FALSE;
            CREATE TABLE credentials (
                id {uuid} PRIMARY KEY,
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                program_id {uuid} NOT NULL REFERENCES programs (id),
                course_id {uuid} REFERENCES courses (id),
                completed_at {timestamp} NOT NULL,
                issued_at {timestamp} NOT NULL,
                status_index INTEGER NOT NULL,
                jwt_eddsa TEXT NOT NULL,
                jwt_rs256 TEXT NOT NULL,
                revoked_at {timestamp},
                revocation_reason TEXT,
                share_sha256 TEXT,
                shared_at {timestamp}
            );
            CREATE UNIQUE INDEX credentials_learner_program ON credentials (learner_id, program_id) WHERE course_id IS NULL;
            CREATE UNIQUE INDEX credentials_learner_course ON credentials (learner_id, course_id) WHERE course_id IS NOT NULL;
            CREATE UNIQUE INDEX credentials_share ON credentials (share_sha256);
            CREATE TABLE credit_requests (
                id {uuid} PRIMARY KEY,
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                credential_id {uuid} NOT NULL REFERENCES credentials (id),
                agreement_id {uuid} NOT NULL REFERENCES credit_agreements (id),
                institution TEXT NOT NULL,
                sent_at {timestamp} NOT NULL,
                status TEXT NOT NULL,
                credits_awarded {real},
                status_at {timestamp} NOT NULL
            );
            CREATE INDEX credit_requests_learner ON credit_requests (learner_id);
            CREATE TABLE degree_enrollments (
                id {uuid} PRIMARY KEY,
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                institution TEXT NOT NULL,
                level TEXT NOT NULL,
                related {bool} NOT NULL,
                at_credit_partner {bool} NOT NULL,
                enrolled_on {timestamp} NOT NULL,
                source TEXT NOT NULL,
                recorded_at {timestamp} NOT NULL
            );
            CREATE INDEX degree_enrollments_learner ON degree_enrollments (learner_id);
            CREATE UNIQUE INDEX credentials_status_index ON credentials (status_index)
            """),
        Migration(version: 9, name: "careers", why: "employer partners, their accounts and the programs they hire from, job postings with their degree requirement and why, learners' career goals, applications and interviews, career outcomes, events with targeting, RSVPs and waitlists", sql: """
            CREATE TABLE employers (
                id {uuid} PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                website TEXT,
                description TEXT,
                created_at {timestamp} NOT NULL
            );
            CREATE TABLE employer_programs (
                employer_id {uuid} NOT NULL REFERENCES employers (id),
                program_id {uuid} NOT NULL REFERENCES programs (id),
                PRIMARY KEY (employer_id, program_id)
            );
            CREATE TABLE job_postings (
                id {uuid} PRIMARY KEY,
                employer_id {uuid} REFERENCES employers (id),
                dedupe_key TEXT UNIQUE,
                title TEXT NOT NULL,
                posting TEXT NOT NULL,
                degree_requirement TEXT NOT NULL,
                degree_reason TEXT NOT NULL,
                remote {bool} NOT NULL,
                date_posted {timestamp},
                valid_through {timestamp},
                source TEXT NOT NULL,
                imported_at {timestamp} NOT NULL
            );
            CREATE INDEX job_postings_valid ON job_postings (valid_through);
            CREATE TABLE employer_accounts (
                user_id {uuid} PRIMARY KEY REFERENCES users (id),
                employer_id {uuid} NOT NULL REFERENCES employers (id)
            );
            CREATE TABLE career_goals (
                learner_id {uuid} PRIMARY KEY REFERENCES learners (id),
                goals TEXT NOT NULL,
                region TEXT,
                share_with_employers {bool} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE TABLE job_applications (
                id {uuid} PRIMARY KEY,
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                posting_id {uuid} NOT NULL REFERENCES job_postings (id),
                status TEXT NOT NULL,
                applied_at {timestamp} NOT NULL,
                interview_at {timestamp},
                status_at {timestamp} NOT NULL,
                recorded_by TEXT NOT NULL
            );
            CREATE UNIQUE INDEX job_applications_once ON job_applications (learner_id, posting_id);
            CREATE TABLE career_outcomes (
                id {uuid} PRIMARY KEY,
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                kind TEXT NOT NULL,
                occurred_on {timestamp} NOT NULL,
                sector TEXT,
                salary_band TEXT,
                annual_salary {real},
                no_degree_role {bool},
                posting_id {uuid} REFERENCES job_postings (id),
                source TEXT NOT NULL,
                recorded_at {timestamp} NOT NULL
            );
            CREATE INDEX career_outcomes_learner ON career_outcomes (learner_id);
            CREATE TABLE career_events (
                id {uuid} PRIMARY KEY,
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                description TEXT NOT NULL,
                employer_id {uuid} REFERENCES employers (id),
                starts_at {timestamp} NOT NULL,
                ends_at {timestamp} NOT NULL,
                location TEXT NOT NULL,
                capacity INTEGER NOT NULL,
                created_at {timestamp} NOT NULL
            );
            CREATE TABLE career_event_targets (
                event_id {uuid} NOT NULL REFERENCES career_events (id),
                kind TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (event_id, kind, value)
            );
            CREATE TABLE career_event_rsvps (
                event_id {uuid} NOT NULL REFERENCES career_events (id),
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                status TEXT NOT NULL,
                responded_at {timestamp} NOT NULL,
                PRIMARY KEY (event_id, learner_id)
            );
            CREATE TABLE career_event_invitations (
                event_id {uuid} NOT NULL REFERENCES career_events (id),
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                outbox_id BIGINT REFERENCES outbox (id),
                planned_at {timestamp} NOT NULL,
                PRIMARY KEY (event_id, learner_id)
            )
            """),
        Migration(version: 10, name: "trust", why: "the did:web identifiers this deployment issued credentials under (so a verifier resolves keys from the issuer), and failed sign-ins per account and per client address (so guessing passwords is slowed down)", sql: """
            CREATE TABLE credential_issuers (
                did TEXT PRIMARY KEY,
                first_used_at {timestamp} NOT NULL
            );
            CREATE TABLE login_throttle (
                key TEXT PRIMARY KEY,
                failures INTEGER NOT NULL,
                last_failure_at {timestamp} NOT NULL,
                blocked_until {timestamp}
            )
            """),
        Migration(version: 11, name: "import_jobs", why: "a checked import file is written a chunk at a time, each chunk committed with the job's progress, so a large file never holds the database's write lock for long and a crash resumes where it stopped (the file in its own table, so progress updates never rewrite it)", sql: """
            CREATE TABLE import_jobs (
                id {uuid} PRIMARY KEY,
                kind TEXT NOT NULL,
                file_name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                user_id {uuid},
                program_scope TEXT,
                checked_on {timestamp} NOT NULL,
                status TEXT NOT NULL,
                total_rows INTEGER NOT NULL,
                applied_rows INTEGER NOT NULL,
                next_offset INTEGER NOT NULL,
                next_line INTEGER NOT NULL,
                inserted INTEGER NOT NULL,
                updated INTEGER NOT NULL,
                report TEXT NOT NULL,
                failure TEXT,
                lease_until {timestamp},
                created_at {timestamp} NOT NULL,
                finished_at {timestamp}
            );
            CREATE INDEX import_jobs_status ON import_jobs (status, created_at);
            CREATE TABLE import_job_files (
                job_id {uuid} PRIMARY KEY REFERENCES import_jobs (id),
                content TEXT NOT NULL
            )
            """),
        Migration(version: 12, name: "study_opt_outs", why: "an opt-out belongs to the study: it keeps the learner out of open and future waves, while the cases of closed waves keep the dispositions their reports were made from", sql: """
            CREATE TABLE study_opt_outs (
                study_id {uuid} NOT NULL REFERENCES studies (id),
                learner_id {uuid} NOT NULL REFERENCES learners (id),
                opted_out_at {timestamp} NOT NULL,
                PRIMARY KEY (study_id, learner_id)
            )
            """),
        Migration(version: 13, name: "outbox_message_ids", why: "a sent message keeps its Message-ID, so copies a file transport wrote can be found and removed when the learner withdraws", sql: """
            ALTER TABLE outbox ADD COLUMN message_id TEXT
            """),
        Migration(version: 14, name: "wave_states", why: "a wave a person creates is a draft until they launch it, and can be paused and closed; waves stored before this were in the field as soon as their frame was computed, so they start launched", sql: """
            ALTER TABLE waves ADD COLUMN state TEXT NOT NULL DEFAULT 'launched'
            """),
        Migration(version: 15, name: "case_messages_stopped", why: "a researcher can cancel one case's messages from the invitation log: its written messages are not sent and the schedule writes it no more", sql: """
            ALTER TABLE wave_cases ADD COLUMN messages_stopped_at {timestamp}
            """),
        Migration(version: 16, name: "event_organising", why: "events are created by people now: each keeps the time zone its times were given in, and who attended is recorded from the RSVP list", sql: """
            ALTER TABLE career_events ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
            ALTER TABLE career_event_rsvps ADD COLUMN attended_at {timestamp}
            """),
        Migration(version: 17, name: "account_links", why: "people reach their account by an emailed link (a learner invited to create one, anyone who forgot a password, a researcher's test link): only the link's hash is kept, and the outbox carries messages to people who are no learner", sql: """
            ALTER TABLE outbox ALTER COLUMN learner_id DROP NOT NULL;
            \(accountLinksTable)
            """, sqlite: """
            CREATE TABLE outbox_rebuilt (
                id {serial},
                case_id BIGINT REFERENCES wave_cases (id),
                learner_id {uuid} REFERENCES learners (id),
                to_address TEXT NOT NULL,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                link_token TEXT,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                claimed_by TEXT,
                claimed_until {timestamp},
                last_error TEXT,
                created_at {timestamp} NOT NULL,
                sent_at {timestamp},
                message_id TEXT
            );
            INSERT INTO outbox_rebuilt (id, case_id, learner_id, to_address, kind, subject, body, link_token, status, attempts, claimed_by,
                                        claimed_until, last_error, created_at, sent_at, message_id)
            SELECT id, case_id, learner_id, to_address, kind, subject, body, link_token, status, attempts, claimed_by,
                   claimed_until, last_error, created_at, sent_at, message_id FROM outbox;
            DROP TABLE outbox;
            ALTER TABLE outbox_rebuilt RENAME TO outbox;
            CREATE INDEX outbox_status ON outbox (status, id);
            CREATE INDEX outbox_learner ON outbox (learner_id, created_at);
            \(accountLinksTable)
            """),
        Migration(version: 18, name: "research_withdrawals", why: "withdrawing from research and closing one's account are separate choices: a learner who leaves research keeps their account, credentials and career support, and no later wave's frame includes them", sql: """
            ALTER TABLE learners ADD COLUMN research_withdrawn_at {timestamp}
            """),
        Migration(version: 19, name: "import_invitations", why: "the account invitations a learners file asks for are kept with its import job until they are sent, so a server stopped while the job was written sends them when the job is resumed", sql: """
            ALTER TABLE import_jobs ADD COLUMN invitations TEXT
            """),
        Migration(version: 20, name: "case_language", why: "a respondent takes a multi-language form in the language they choose; the case keeps it, for their next visit and for the export", sql: """
            ALTER TABLE wave_cases ADD COLUMN language TEXT
            """),
        Migration(version: 21, name: "repeat_values", why: "a form's repeats are answered once per instance (each household member, each job held): an instance's answers are kept by question and instance number, beside the answers asked once", sql: """
            CREATE TABLE repeat_values (
                case_id BIGINT NOT NULL REFERENCES wave_cases (id),
                item_id {uuid} NOT NULL REFERENCES study_items (id),
                instance INTEGER NOT NULL,
                value TEXT NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (case_id, item_id, instance)
            )
            """),
        Migration(version: 22, name: "response_files", why: "image, audio, video and file questions take a file from the respondent: the answer keeps the file's generated name and the file is kept beside it (as base64 text, the same on both databases), removed with the case's open text when the learner withdraws", sql: """
            CREATE TABLE response_files (
                case_id BIGINT NOT NULL REFERENCES wave_cases (id),
                file_name TEXT NOT NULL,
                answer_key TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size BIGINT NOT NULL,
                data TEXT NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (case_id, file_name)
            )
            """),
    ]
}

/// One-time and short-lived links to an account: the token's hash, what it is for, whom it reaches.
let accountLinksTable = """
    CREATE TABLE account_links (
        token_hash TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        user_id {uuid} REFERENCES users (id),
        learner_id {uuid} REFERENCES learners (id),
        subject TEXT,
        expires_at {timestamp} NOT NULL,
        used_at {timestamp},
        created_at {timestamp} NOT NULL
    );
    CREATE INDEX account_links_learner ON account_links (learner_id, purpose)
    """

/// The words of profile consents recorded before consent texts were kept (migration 7): fixed here, as shipped.
let legacyConsentText = "Consent to profile data recorded by a learner import before Pathways kept consent texts: the words agreed to are those of the provider's own form."
    .replacingOccurrences(of: "'", with: "''")
let legacyConsentSHA = "legacy-profile-consent"
