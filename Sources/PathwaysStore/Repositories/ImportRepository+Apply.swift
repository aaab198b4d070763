import Foundation
import PathwaysCore
import SQLKit

extension ImportRepository {
    // MARK: references

    /// Stored ids for the platform ids a batch names.
    struct KeyIndex: Sendable {
        var providers: [String: UUID] = [:]
        var programs: [String: UUID] = [:]
        var courses: [String: UUID] = [:]
        var learners: [String: UUID] = [:]
        var references = ImportReferences()
    }

    /// Ids by external id, read on `db` (inside a transaction, its own).
    func ids(_ table: String, _ keys: Set<String>, on db: any SQLDatabase) async throws -> [String: UUID] {
        var result: [String: UUID] = [:]
        for chunk in Array(keys).chunked() {
            for row in try await db.raw("SELECT id, external_id FROM \(ident: table) WHERE external_id IN (\(binds: chunk))").all() {
                result[try row.decode(column: "external_id", as: String.self)] = try row.decode(column: "id", as: UUID.self)
            }
        }
        return result
    }

    /// What is stored about the records a chunk names, read on `db`.
    func lookUp(_ batch: ImportBatch, scopeKeys: Set<String>?, on db: any SQLDatabase) async throws -> KeyIndex {
        var wanted = batch.referencedKeys
        switch batch {
        case .providers(let rows): wanted.providers.formUnion(rows.map(\.key))
        case .programs(let rows): wanted.programs.formUnion(rows.map(\.key))
        case .courses(let rows): wanted.courses.formUnion(rows.map(\.key))
        default: break
        }
        var index = KeyIndex()
        index.providers = try await ids("providers", wanted.providers, on: db)
        index.programs = try await ids("programs", wanted.programs, on: db)
        index.courses = try await ids("courses", wanted.courses, on: db)
        index.learners = try await ids("learners", wanted.learners, on: db)
        index.references.providers = Set(index.providers.keys)
        index.references.programs = Set(index.programs.keys)
        index.references.learners = Set(index.learners.keys)

        for chunk in Array(wanted.courses).chunked() {
            for row in try await db.raw("""
                SELECT c.external_id AS course, p.external_id AS program FROM courses c JOIN programs p ON p.id = c.program_id
                WHERE c.external_id IN (\(binds: chunk))
                """).all() {
                index.references.courseProgram[try row.decode(column: "course", as: String.self)] = try row.decode(column: "program", as: String.self)
            }
        }
        for chunk in Array(wanted.learners).chunked() {
            for row in try await db.raw("""
                SELECT l.external_id AS learner, p.external_id AS program, e.enrolled_at FROM enrollments e
                JOIN learners l ON l.id = e.learner_id JOIN programs p ON p.id = e.program_id
                WHERE l.external_id IN (\(binds: chunk))
                """).all() {
                let learner = try row.decode(column: "learner", as: String.self), program = try row.decode(column: "program", as: String.self)
                index.references.enrollments[ImportReferences.pair(learner, program)] = try row.decode(column: "enrolled_at", as: Date.self)
                if scopeKeys?.contains(program) == true { index.references.learnersInScope.insert(learner) }
            }
        }
        return index
    }

    // MARK: apply

    /// Writes the batch; returns (inserted, updated).
    func apply(_ batch: ImportBatch, keys: KeyIndex, fileName: String, on db: any SQLDatabase) async throws -> (Int, Int) {
        let now = Date()
        let optional = { (column: String) -> BulkWrite.Update in emptyClears ? .replace(column) : .keepStoredWhenNull(column) }
        switch batch {
        case .providers(let rows):
            try await BulkWrite.insert(
                db, into: "providers", columns: ["id", "external_id", "name", "kind", "country", "website", "created_at", "updated_at"],
                rows: rows.map { [UUID(), $0.key, $0.name, $0.kind.rawValue, $0.country, $0.website, now, now] },
                conflictTarget: ["external_id"],
                updates: [.replace("name"), .replace("kind"), optional("country"), optional("website"), .replace("updated_at")])
            return split(rows.map(\.key), existing: keys.providers)

        case .programs(let rows):
            let programs = rows.map {
                Program(key: $0.key, providerID: keys.providers[$0.providerKey]!, title: $0.title, kind: $0.kind, summary: $0.summary,
                        typicalDurationMonths: $0.durationMonths, typicalCostUSD: $0.costUSD, creditValue: $0.creditValue,
                        creditUnit: $0.creditUnit, skills: $0.skills)
            }
            try await CatalogRepository.upsertPrograms(db, programs, ifExists: .update, emptyClears: emptyClears)
            return split(rows.map(\.key), existing: keys.programs)

        case .courses(let rows):
            var nextPosition: [String: Int] = [:]
            let values: [[any Encodable & Sendable]] = rows.map { r in
                let position = r.position ?? { nextPosition[r.programKey, default: 0] += 1; return nextPosition[r.programKey]! }()
                return [UUID(), r.key, keys.programs[r.programKey]!, r.title, position, r.creditValue, r.effortHours, now, now]
            }
            try await BulkWrite.insert(
                db, into: "courses", columns: ["id", "external_id", "program_id", "title", "position", "credit_value", "effort_hours", "created_at", "updated_at"],
                rows: values, conflictTarget: ["external_id"],
                updates: [.replace("program_id"), .replace("title"), .replace("position"), optional("credit_value"),
                          optional("effort_hours"), .replace("updated_at")])
            return split(rows.map(\.key), existing: keys.courses)

        case .creditAgreements(let rows):
            // An agreement is the institution's for the program from a day; a row naming a stored one updates it.
            var stored: Set<String> = []
            let programIDs = Array(Set(rows.compactMap { keys.programs[$0.programKey] }))
            for chunk in programIDs.chunked() {
                for row in try await db.raw("SELECT institution, program_id, valid_from FROM credit_agreements WHERE program_id IN (\(binds: chunk))").all() {
                    stored.insert(Self.agreementKey(try row.decode(column: "institution", as: String.self), try row.decode(column: "program_id", as: UUID.self),
                                                    try row.decode(column: "valid_from", as: Date.self)))
                }
            }
            try await BulkWrite.insert(
                db, into: "credit_agreements", columns: ["id", "institution", "program_id", "credits", "degree", "valid_from", "valid_to", "created_at"],
                rows: rows.map { [UUID(), $0.institution, keys.programs[$0.programKey]!, $0.credits, $0.degree, $0.validFrom, $0.validTo, now] },
                conflictTarget: ["institution", "program_id", "valid_from"],
                updates: [.replace("credits"), optional("degree"), optional("valid_to")])
            let updated = rows.filter { stored.contains(Self.agreementKey($0.institution, keys.programs[$0.programKey]!, $0.validFrom)) }.count
            return (rows.count - updated, updated)

        case .learners(let rows):
            let learners = rows.map { Learner(id: .timeOrdered(), key: $0.key, name: $0.name, email: $0.email?.lowercased(), profileConsentAt: $0.profileConsentAt, profile: $0.profile) }
            try await LearnerRepository.upsert(learners, on: db, now: now)
            try await recordProfileConsents(rows, fileName: fileName, on: db, now: now)
            return split(rows.map(\.key), existing: keys.learners)

        case .enrollments(let rows):
            // Status is replaced only where the file gives one; otherwise a stored status stands.
            for withStatus in [true, false] {
                let group = rows.filter { ($0.status != nil) == withStatus }
                try await BulkWrite.insert(
                    db, into: "enrollments", columns: ["id", "learner_id", "program_id", "enrolled_at", "status", "created_at", "updated_at"],
                    rows: group.map { [UUID.timeOrdered(), keys.learners[$0.learnerKey]!, keys.programs[$0.programKey]!, $0.enrolledAt,
                                       ($0.status ?? .active).rawValue, now, now] },
                    conflictTarget: ["learner_id", "program_id"],
                    updates: (withStatus ? [.replace("status")] : []) + [.replace("enrolled_at"), .replace("updated_at")])
            }
            return split(rows.map { ImportReferences.pair($0.learnerKey, $0.programKey) }, existing: keys.references.enrollments)

        case .completions(let rows):
            var inserted = 0, updated = 0
            let courseRows = rows.filter { $0.courseKey != nil }
            var existing: Set<String> = []
            let learnerIDs = Array(Set(courseRows.compactMap { keys.learners[$0.learnerKey] }))
            for chunk in learnerIDs.chunked() {
                for row in try await db.raw("SELECT learner_id, course_id FROM course_progress WHERE learner_id IN (\(binds: chunk))").all() {
                    existing.insert("\(try row.decode(column: "learner_id", as: UUID.self))|\(try row.decode(column: "course_id", as: UUID.self))")
                }
            }
            let courseIDs = try await ids("courses", Set(courseRows.compactMap(\.courseKey)), on: db)
            try await BulkWrite.insert(
                db, into: "course_progress", columns: ["learner_id", "course_id", "progress_percent", "grade", "completed_at", "updated_at"],
                rows: courseRows.map { r in
                    [keys.learners[r.learnerKey]!, courseIDs[r.courseKey!]!, r.completedAt != nil ? 100.0 : (r.progressPercent ?? 0), r.grade, r.completedAt, now]
                },
                conflictTarget: ["learner_id", "course_id"],
                updates: [.replace("progress_percent"), .keepStoredWhenNull("grade"), .keepStoredWhenNull("completed_at"), .replace("updated_at")])
            for r in courseRows {
                if existing.contains("\(keys.learners[r.learnerKey]!)|\(courseIDs[r.courseKey!]!)") { updated += 1 } else { inserted += 1 }
            }
            for r in rows where r.courseKey == nil {
                try await db.raw("""
                    UPDATE enrollments SET completed_at = \(bind: r.completedAt), status = \(bind: EnrollmentStatus.completed.rawValue), updated_at = \(bind: now)
                    WHERE learner_id = \(bind: keys.learners[r.learnerKey]!) AND program_id = \(bind: keys.programs[r.programKey]!)
                    """).run()
                updated += 1
            }
            return (inserted, updated)
        }
    }

    /// A consent record, with the words of the profile consent, for each row that records consent the learner's
    /// open consents do not already hold (importing the same file again adds nothing).
    private func recordProfileConsents(_ rows: [LearnerDraft], fileName: String, on db: any SQLDatabase, now: Date) async throws {
        let consenting = rows.filter { $0.profileConsentAt != nil }
        guard !consenting.isEmpty else { return }
        let ids = try await self.ids("learners", Set(consenting.map(\.key)), on: db)
        var held: Set<String> = []
        for chunk in Array(ids.values).chunked() {
            for row in try await db.raw("""
                SELECT learner_id, given_at FROM consents WHERE purpose = 'profile' AND withdrawn_at IS NULL AND learner_id IN (\(binds: chunk))
                """).all() {
                held.insert("\(try row.decode(column: "learner_id", as: UUID.self))|\(try row.decode(column: "given_at", as: Date.self).timeIntervalSince1970)")
            }
        }
        let new = consenting.compactMap { r -> PrivacyRepository.NewConsent? in
            guard let id = ids[r.key], let at = r.profileConsentAt, !held.contains("\(id)|\(at.timeIntervalSince1970)") else { return nil }
            return .init(learnerID: id, purpose: .profile, text: ConsentText.profile, givenAt: at, source: "learner import \(fileName), row \(r.row)")
        }
        try await PrivacyRepository.record(new, on: db, now: now)
    }

    static func agreementKey(_ institution: String, _ program: UUID, _ from: Date) -> String {
        "\(institution)|\(program)|\(Int(from.timeIntervalSince1970))"
    }

    private func split<V>(_ rowKeys: [String], existing: [String: V]) -> (Int, Int) {
        let updated = rowKeys.filter { existing[$0] != nil }.count
        return (rowKeys.count - updated, updated)
    }
}

extension LearnerRepository {
    /// Inserts or updates learners by platform id; an empty value never clears a stored one.
    static func upsert(_ learners: [Learner], on db: any SQLDatabase, now: Date) async throws {
        let keep = learnerColumns.filter { !["id", "external_id", "created_at", "updated_at"].contains($0) }
        try await BulkWrite.insert(
            db, into: "learners", columns: learnerColumns, rows: learners.map { learnerValues($0, now: now) },
            conflictTarget: ["external_id"], updates: keep.map { .keepStoredWhenNull($0) } + [.replace("updated_at")])
    }
}
