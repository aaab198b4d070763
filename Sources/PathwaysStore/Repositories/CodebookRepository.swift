import Foundation
import PathwaysCore
import SQLKit

/// A study's codebook (themes for open-text answers) and the themes each answer carries.
public struct CodebookRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    public func themes(study: StudyRepository.Study) async throws -> [Codebook.Theme] {
        try await db.raw("SELECT id, name, description, keywords FROM codebook_themes WHERE study_id = \(bind: study.id) ORDER BY created_at, name").all().map { row in
            Codebook.Theme(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                           description: try row.decode(column: "description", as: String.self),
                           keywords: Self.keywords(try row.decode(column: "keywords", as: String.self)))
        }
    }

    /// Keywords as stored: separated by commas or semicolons.
    public static func keywords(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Adds a theme, or changes the one with `theme.id`; a second theme with the same name is refused.
    public func save(_ theme: Codebook.Theme, study: StudyRepository.Study) async throws {
        let name = theme.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw StoreError.invalid("a theme needs a name of at most 200 characters") }
        guard theme.description.count <= 2000, theme.keywords.joined(separator: ", ").count <= 2000 else {
            throw StoreError.invalid("a theme's description and keywords are at most 2000 characters each")
        }
        let keywords = theme.keywords.joined(separator: ", ")
        let now = Date()
        try await store.transaction { db in
            if let clash = try await db.raw("SELECT id FROM codebook_themes WHERE study_id = \(bind: study.id) AND name = \(bind: name)").first(),
               try clash.decode(column: "id", as: UUID.self) != theme.id {
                throw StoreError.invalid("the codebook already has a theme called \(name)")
            }
            if try await db.raw("SELECT id FROM codebook_themes WHERE id = \(bind: theme.id) AND study_id = \(bind: study.id)").first() != nil {
                try await db.raw("""
                    UPDATE codebook_themes SET name = \(bind: name), description = \(bind: theme.description), keywords = \(bind: keywords),
                    updated_at = \(bind: now) WHERE id = \(bind: theme.id)
                    """).run()
            } else {
                try await db.raw("""
                    INSERT INTO codebook_themes (id, study_id, name, description, keywords, created_at, updated_at)
                    VALUES (\(bind: theme.id), \(bind: study.id), \(bind: name), \(bind: theme.description), \(bind: keywords), \(bind: now), \(bind: now))
                    """).run()
            }
        }
    }

    /// Removes a theme and every answer's tag with it.
    public func delete(theme: UUID, study: StudyRepository.Study) async throws {
        try await store.transaction { db in
            guard try await db.raw("SELECT id FROM codebook_themes WHERE id = \(bind: theme) AND study_id = \(bind: study.id)").first() != nil else {
                throw StoreError.notFound("theme")
            }
            try await db.raw("DELETE FROM text_codes WHERE theme_id = \(bind: theme)").run()
            try await db.raw("DELETE FROM codebook_themes WHERE id = \(bind: theme)").run()
        }
    }

    /// The wave's non-empty answers to `item` (a text question of `version`), by case, each with whether the
    /// respondent agreed to be quoted (`Codebook.consentItem` answered "yes").
    public func answers(wave: UUID, item: String, version: StudyRepository.InstrumentVersion) async throws -> [Codebook.Answer] {
        guard let itemID = version.items[item] else { throw StoreError.invalid("the wave's form has no question \(item)") }
        var consent: Set<Int64> = []
        if let consentID = version.items[Codebook.consentItem] {
            for row in try await db.raw("""
                SELECT v.case_id FROM response_values v JOIN wave_cases c ON c.id = v.case_id
                WHERE c.wave_id = \(bind: wave) AND v.item_id = \(bind: consentID) AND v.value = 'yes'
                """).all() {
                consent.insert(try row.decode(column: "case_id", as: Int64.self))
            }
        }
        return try await db.raw("""
            SELECT v.case_id, v.value FROM response_values v JOIN wave_cases c ON c.id = v.case_id
            WHERE c.wave_id = \(bind: wave) AND v.item_id = \(bind: itemID) ORDER BY v.case_id
            """).all().compactMap { row in
            let id = try row.decode(column: "case_id", as: Int64.self)
            let text = try row.decode(column: "value", as: String.self)
            return text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : Codebook.Answer(caseID: id, text: text, mayQuote: consent.contains(id))
        }
    }

    /// The themes each answer to `item` in the wave carries.
    public func tags(wave: UUID, item: String, version: StudyRepository.InstrumentVersion) async throws -> [Int64: Set<UUID>] {
        guard let itemID = version.items[item] else { return [:] }
        var out: [Int64: Set<UUID>] = [:]
        for row in try await db.raw("""
            SELECT t.case_id, t.theme_id FROM text_codes t JOIN wave_cases c ON c.id = t.case_id
            WHERE c.wave_id = \(bind: wave) AND t.item_id = \(bind: itemID)
            """).all() {
            out[try row.decode(column: "case_id", as: Int64.self), default: []].insert(try row.decode(column: "theme_id", as: UUID.self))
        }
        return out
    }

    /// Sets the themes of several answers at once (each case's tags for `item` replaced by the given set); cases
    /// must belong to the wave and themes to the study, or nothing is changed.
    public func setTags(_ tags: [Int64: Set<UUID>], wave: UUID, item: String, version: StudyRepository.InstrumentVersion,
                        study: StudyRepository.Study, by userID: UUID?) async throws {
        guard let itemID = version.items[item] else { throw StoreError.invalid("the wave's form has no question \(item)") }
        let known = Set(try await themes(study: study).map(\.id))
        if let unknown = tags.values.flatMap({ $0 }).first(where: { !known.contains($0) }) {
            throw StoreError.invalid("theme \(unknown) is not in this study's codebook")
        }
        let now = Date()
        try await store.transaction { db in
            for (caseID, themes) in tags {
                guard try await db.raw("SELECT id FROM wave_cases WHERE id = \(bind: caseID) AND wave_id = \(bind: wave)").first() != nil else {
                    throw StoreError.invalid("case \(caseID) is not in this wave")
                }
                try await db.raw("DELETE FROM text_codes WHERE case_id = \(bind: caseID) AND item_id = \(bind: itemID)").run()
                for theme in themes.sorted(by: { $0.uuidString < $1.uuidString }) {
                    try await db.raw("""
                        INSERT INTO text_codes (case_id, item_id, theme_id, coded_by, coded_at)
                        VALUES (\(bind: caseID), \(bind: itemID), \(bind: theme), \(bind: userID), \(bind: now))
                        """).run()
                }
            }
        }
    }
}
