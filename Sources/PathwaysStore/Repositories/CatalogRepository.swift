import Foundation
import PathwaysCore
import SQLKit

/// Providers, programs, courses, skills and credit agreements.
public struct CatalogRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    // MARK: providers

    public func providers() async throws -> [Provider] {
        try await db.raw("SELECT * FROM providers ORDER BY name").all().map(Self.provider)
    }

    public func provider(id: UUID) async throws -> Provider? {
        try await db.raw("SELECT * FROM providers WHERE id = \(bind: id)").first().map(Self.provider)
    }

    public func provider(key: String) async throws -> Provider? {
        try await db.raw("SELECT * FROM providers WHERE external_id = \(bind: key)").first().map(Self.provider)
    }

    public func createProvider(_ p: Provider) async throws {
        let now = Date()
        try await StoreError.mappingConflict("a provider with id '\(p.key)' already exists") {
            try await db.raw("""
                INSERT INTO providers (id, external_id, name, kind, country, website, created_at, updated_at)
                VALUES (\(bind: p.id), \(bind: p.key), \(bind: p.name), \(bind: p.kind.rawValue), \(bind: p.country), \(bind: p.website), \(bind: now), \(bind: now))
                """).run()
        }
    }

    static func provider(_ row: any SQLRow) throws -> Provider {
        Provider(
            id: try row.decode(column: "id", as: UUID.self), key: try row.decode(column: "external_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            kind: ProviderKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .other,
            country: try row.decode(column: "country", as: String?.self), website: try row.decode(column: "website", as: String?.self))
    }

    // MARK: programs

    /// Programs in title order; `ids` restricts the list.
    public func programs(ids: Set<UUID>? = nil) async throws -> [Program] { try await Self.programs(ids: ids, on: db) }

    /// Programs read on `db`, with their skills.
    static func programs(ids: Set<UUID>? = nil, on db: any SQLDatabase) async throws -> [Program] {
        let rows: [any SQLRow]
        if let ids {
            if ids.isEmpty { return [] }
            rows = try await db.raw("SELECT * FROM programs WHERE id IN (\(binds: Array(ids))) ORDER BY title").all()
        } else {
            rows = try await db.raw("SELECT * FROM programs ORDER BY title").all()
        }
        let skills = try await skillsByProgram(on: db)
        return try rows.map { try Self.program($0, skills: skills) }
    }

    public func program(key: String) async throws -> Program? {
        guard let row = try await db.raw("SELECT * FROM programs WHERE external_id = \(bind: key)").first() else { return nil }
        let id = try row.decode(column: "id", as: UUID.self)
        return try Self.program(row, skills: try await skillsByProgram(id))
    }

    public func program(id: UUID) async throws -> Program? {
        guard let row = try await db.raw("SELECT * FROM programs WHERE id = \(bind: id)").first() else { return nil }
        return try Self.program(row, skills: try await skillsByProgram(id))
    }

    public func createProgram(_ p: Program) async throws {
        try await store.transaction { db in
            try await StoreError.mappingConflict("a program with id '\(p.key)' already exists") {
                try await Self.upsertPrograms(db, [p], ifExists: .fail)
            }
        }
    }

    enum IfExists { case fail, update }

    /// `emptyClears`: a program's empty optional fields clear the stored ones, and an empty skill list its skills.
    static func upsertPrograms(_ db: any SQLDatabase, _ programs: [Program], ifExists: IfExists, emptyClears: Bool = false) async throws {
        let optional = { (column: String) -> BulkWrite.Update in emptyClears ? .replace(column) : .keepStoredWhenNull(column) }
        let now = Date()
        let rows: [[any Encodable & Sendable]] = programs.map {
            [$0.id, $0.key, $0.providerID, $0.title, $0.kind.rawValue, $0.summary, $0.typicalDurationMonths, $0.typicalCostUSD,
             $0.creditValue, $0.creditUnit, now, now]
        }
        try await BulkWrite.insert(
            db, into: "programs",
            columns: ["id", "external_id", "provider_id", "title", "kind", "summary", "duration_months", "cost_usd", "credit_value", "credit_unit", "created_at", "updated_at"],
            rows: rows, conflictTarget: ifExists == .update ? ["external_id"] : nil,
            updates: ifExists == .update ? [.replace("provider_id"), .replace("title"), .replace("kind"), optional("summary"),
                                             optional("duration_months"), optional("cost_usd"),
                                             optional("credit_value"), optional("credit_unit"), .replace("updated_at")] : [])
        // Skills: a program's list is replaced when the new list is not empty (or, with emptyClears, always).
        for p in programs where !p.skills.isEmpty || emptyClears {
            let programID = try await db.raw("SELECT id FROM programs WHERE external_id = \(bind: p.key)").first()!.decode(column: "id", as: UUID.self)
            try await db.raw("DELETE FROM program_skills WHERE program_id = \(bind: programID)").run()
            for (i, skill) in p.skills.enumerated() {
                let id = try await upsertSkill(db, skill)
                try await db.raw("INSERT INTO program_skills (program_id, skill_id, position) VALUES (\(bind: programID), \(bind: id), \(bind: i))  ON CONFLICT DO NOTHING").run()
            }
        }
    }

    static func skillKey(_ s: SkillRef) -> String {
        s.scheme == .local || s.code == nil ? "local:" + s.label.lowercased() : s.scheme.rawValue + ":" + s.code!
    }

    static func upsertSkill(_ db: any SQLDatabase, _ skill: SkillRef) async throws -> UUID {
        let key = skillKey(skill)
        try await db.raw("""
            INSERT INTO skills (id, skill_key, label, scheme, code) VALUES (\(bind: UUID()), \(bind: key), \(bind: skill.label), \(bind: skill.scheme.rawValue), \(bind: skill.code))
            ON CONFLICT (skill_key) DO NOTHING
            """).run()
        return try await db.raw("SELECT id FROM skills WHERE skill_key = \(bind: key)").first()!.decode(column: "id", as: UUID.self)
    }

    func skillsByProgram(_ programID: UUID? = nil) async throws -> [UUID: [SkillRef]] { try await Self.skillsByProgram(programID, on: db) }

    static func skillsByProgram(_ programID: UUID? = nil, on db: any SQLDatabase) async throws -> [UUID: [SkillRef]] {
        let filter: SQLQueryString = programID.map { "WHERE ps.program_id = \(bind: $0)" } ?? ""
        let rows = try await db.raw("""
            SELECT ps.program_id, s.label, s.scheme, s.code FROM program_skills ps JOIN skills s ON s.id = ps.skill_id
            \(filter) ORDER BY ps.program_id, ps.position
            """).all()
        var result: [UUID: [SkillRef]] = [:]
        for row in rows {
            let ref = SkillRef(label: try row.decode(column: "label", as: String.self),
                               scheme: SkillScheme(rawValue: try row.decode(column: "scheme", as: String.self)) ?? .local,
                               code: try row.decode(column: "code", as: String?.self))
            result[try row.decode(column: "program_id", as: UUID.self), default: []].append(ref)
        }
        return result
    }

    static func program(_ row: any SQLRow, skills: [UUID: [SkillRef]]) throws -> Program {
        let id = try row.decode(column: "id", as: UUID.self)
        return Program(
            id: id, key: try row.decode(column: "external_id", as: String.self), providerID: try row.decode(column: "provider_id", as: UUID.self),
            title: try row.decode(column: "title", as: String.self),
            kind: ProgramKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .other,
            summary: try row.decode(column: "summary", as: String?.self),
            typicalDurationMonths: try row.decode(column: "duration_months", as: Int?.self),
            typicalCostUSD: try row.decode(column: "cost_usd", as: Double?.self),
            creditValue: try row.decode(column: "credit_value", as: Double?.self),
            creditUnit: try row.decode(column: "credit_unit", as: String?.self), skills: skills[id] ?? [])
    }

    // MARK: courses

    public func courses(programID: UUID) async throws -> [Course] {
        try await db.raw("SELECT * FROM courses WHERE program_id = \(bind: programID) ORDER BY position, title").all().map(Self.course)
    }

    static func course(_ row: any SQLRow) throws -> Course {
        Course(
            id: try row.decode(column: "id", as: UUID.self), key: try row.decode(column: "external_id", as: String.self),
            programID: try row.decode(column: "program_id", as: UUID.self), title: try row.decode(column: "title", as: String.self),
            position: try row.decode(column: "position", as: Int.self), creditValue: try row.decode(column: "credit_value", as: Double?.self),
            effortHours: try row.decode(column: "effort_hours", as: Int?.self))
    }

    // MARK: credit agreements

    /// Every course, by program and position.
    public func allCourses() async throws -> [Course] {
        try await db.raw("SELECT * FROM courses ORDER BY program_id, position").all().map(Self.course)
    }

    public func course(key: String) async throws -> Course? {
        try await db.raw("SELECT * FROM courses WHERE external_id = \(bind: key)").first().map(Self.course)
    }

    /// Every credit agreement, by institution.
    public func allAgreements() async throws -> [CreditAgreement] {
        try await db.raw("SELECT * FROM credit_agreements ORDER BY institution, valid_from").all().map(Self.agreement)
    }

    public func agreement(id: UUID) async throws -> CreditAgreement? {
        try await db.raw("SELECT * FROM credit_agreements WHERE id = \(bind: id)").first().map(Self.agreement)
    }

    public func agreements(programID: UUID) async throws -> [CreditAgreement] {
        try await db.raw("SELECT * FROM credit_agreements WHERE program_id = \(bind: programID) ORDER BY institution").all().map(Self.agreement)
    }

    public func createAgreement(_ a: CreditAgreement) async throws {
        try await StoreError.mappingConflict("this institution already has an agreement for this program from that date") {
            try await Self.insertAgreements(db, [a])
        }
    }

    static func insertAgreements(_ db: any SQLDatabase, _ list: [CreditAgreement]) async throws {
        try await BulkWrite.insert(
            db, into: "credit_agreements",
            columns: ["id", "institution", "program_id", "credits", "degree", "valid_from", "valid_to", "created_at"],
            rows: list.map { [$0.id, $0.institution, $0.programID, $0.credits, $0.degree, $0.validFrom, $0.validTo, Date()] })
    }

    static func agreement(_ row: any SQLRow) throws -> CreditAgreement {
        CreditAgreement(
            id: try row.decode(column: "id", as: UUID.self), institution: try row.decode(column: "institution", as: String.self),
            programID: try row.decode(column: "program_id", as: UUID.self), credits: try row.decode(column: "credits", as: Double.self),
            degree: try row.decode(column: "degree", as: String?.self), validFrom: try row.decode(column: "valid_from", as: Date.self),
            validTo: try row.decode(column: "valid_to", as: Date?.self))
    }

    // MARK: figures

    /// Enrollment and completion counts per program, for the catalog and program pages.
    public struct ProgramFigures: Sendable, Equatable {
        public var enrolled: Int
        public var completed: Int
        public init(enrolled: Int, completed: Int) {
            self.enrolled = enrolled
            self.completed = completed
        }
        public static let zero = ProgramFigures(enrolled: 0, completed: 0)
    }

    public func figures() async throws -> [UUID: ProgramFigures] {
        let rows = try await db.raw("""
            SELECT program_id, COUNT(*) AS enrolled, COUNT(completed_at) AS completed FROM enrollments GROUP BY program_id
            """).all()
        var result: [UUID: ProgramFigures] = [:]
        for row in rows {
            result[try row.decode(column: "program_id", as: UUID.self)] = ProgramFigures(
                enrolled: try row.decode(column: "enrolled", as: Int.self), completed: try row.decode(column: "completed", as: Int.self))
        }
        return result
    }

    /// Whether each course of every program of `kind` earns its own credential.
    public func setCourseCredentials(programID: UUID, _ on: Bool) async throws {
        try await db.raw("UPDATE programs SET course_credentials = \(bind: on) WHERE id = \(bind: programID)").run()
    }
}
