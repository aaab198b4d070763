import Foundation
import PathwaysCore
import PathwaysStore

/// Coding open-text answers: a study's codebook of themes, and a wave's answers to a text question tagged with them
/// (by hand, or by accepting the keywords' suggestions), with the themes' frequencies and quotes from those who agreed
/// to be quoted. The pages and the demo code through here; every change and every reading of answers is audited.
public struct Coding: Sendable {
    let store: Store
    let versions: VersionCache

    public init(store: Store, versions: VersionCache) {
        self.store = store
        self.versions = versions
    }

    var codebook: CodebookRepository { CodebookRepository(store: store) }
    var audit: AuditRepository { AuditRepository(store: store) }

    // MARK: the codebook

    public func themes(_ study: Study) async throws -> [Codebook.Theme] { try await codebook.themes(study: study) }

    /// Adds a theme (`id` nil) or changes one; `keywords` as typed, separated by commas.
    @discardableResult
    public func saveTheme(id: UUID?, name: String, description: String, keywords: String, study: Study, by user: UUID?) async throws -> Codebook.Theme {
        let theme = Codebook.Theme(id: id ?? UUID(), name: name, description: description, keywords: CodebookRepository.keywords(keywords))
        do {
            try await codebook.save(theme, study: study)
        } catch StoreError.invalid(let message) {
            throw UseCaseError.invalid(message)
        }
        try await audit.record(userID: user, action: "codebook_save", subject: "study:\(study.id)", detail: name)
        return theme
    }

    public func deleteTheme(_ id: UUID, study: Study, by user: UUID?) async throws {
        try await codebook.delete(theme: id, study: study)
        try await audit.record(userID: user, action: "codebook_delete", subject: "study:\(study.id)", detail: id.uuidString)
    }

    /// The waves' open questions (multi-line text) a researcher can code.
    public func openQuestions(_ study: Study) async throws -> [(wave: Int, item: String, label: String)] {
        let studies = StudyRepository(store: store)
        var open: [(Int, String, String)] = []
        for wave in try await studies.waves(study: study) {
            guard let version = try await versions.version(wave.instrumentVersionID, studies) else { continue }
            for q in version.form.questions where q.type == .text && q.repeatName == nil && (q.appearance ?? "").contains("multiline") {
                open.append((wave.number, q.name, XLSForm.text(q.labels, language: nil) ?? q.name))
            }
        }
        return open
    }

    // MARK: coding a question

    /// One wave's text question.
    public struct Question: Sendable {
        public var study: Study
        public var wave: Wave
        public var version: InstrumentVersion
        public var item: String
        public var label: String
    }

    public func question(_ study: Study, wave number: Int, item: String) async throws -> Question {
        let studies = StudyRepository(store: store)
        guard let wave = try await studies.wave(study: study, number: number) else { throw UseCaseError.notFound("The study has no wave \(number).") }
        guard let version = try await versions.version(wave.instrumentVersionID, studies) else {
            throw UseCaseError.notFound("The wave's instrument version is missing.")
        }
        guard let q = version.form.question(named: item), q.type == .text else {
            throw UseCaseError.notFound("Wave \(wave.number)'s form has no text question \(item).")
        }
        return Question(study: study, wave: wave, version: version, item: item, label: XLSForm.text(q.labels, language: nil) ?? item)
    }

    /// A question's answers, their themes and the summary (cells under `minCell` hidden).
    public struct Answers: Sendable {
        public var themes: [Codebook.Theme]
        public var answers: [Codebook.Answer]
        public var tags: [Int64: Set<UUID>]
        public var summary: Codebook.Summary
    }

    public func answers(_ q: Question, minCell: Int) async throws -> Answers {
        let themes = try await codebook.themes(study: q.study)
        let answers = try await codebook.answers(wave: q.wave.id, item: q.item, version: q.version)
        let tags = try await codebook.tags(wave: q.wave.id, item: q.item, version: q.version)
        let summary = Codebook.summary(answers, tags: tags, themes: themes, suppression: minCell > 1 ? Suppression(threshold: minCell) : nil)
        return Answers(themes: themes, answers: answers, tags: tags, summary: summary)
    }

    /// Records that `user` read `count` answers of the question (the page they were shown).
    public func read(_ q: Question, page: Int, count: Int, by user: UUID?) async throws {
        try await audit.record(userID: user, action: "view_open_text", subject: "wave:\(q.wave.id)", detail: "\(q.item), page \(page): \(count) answers")
    }

    /// How a batch of answers is coded.
    public enum Choice: Sendable {
        /// Each case's themes replaced by the given set (empty clears them).
        case tags([Int64: Set<UUID>])
        /// The keywords' suggestions taken for each of these cases that has no theme yet.
        case acceptSuggestions([Int64])
    }

    /// Codes a batch of answers; returns how many answers were tagged. Cases must belong to the wave and themes to the
    /// study, or nothing changes.
    @discardableResult
    public func code(_ q: Question, _ choice: Choice, by user: UUID?) async throws -> Int {
        var tags: [Int64: Set<UUID>] = [:]
        switch choice {
        case .tags(let given): tags = given
        case .acceptSuggestions(let cases):
            let themes = try await codebook.themes(study: q.study)
            let existing = try await codebook.tags(wave: q.wave.id, item: q.item, version: q.version)
            let texts = Dictionary(try await codebook.answers(wave: q.wave.id, item: q.item, version: q.version).map { ($0.caseID, $0.text) },
                                   uniquingKeysWith: { a, _ in a })
            for c in cases where (existing[c] ?? []).isEmpty {
                let suggested = Set(Codebook.suggest(texts[c] ?? "", themes: themes).map(\.theme))
                if !suggested.isEmpty { tags[c] = suggested }
            }
        }
        do {
            try await codebook.setTags(tags, wave: q.wave.id, item: q.item, version: q.version, study: q.study, by: user)
        } catch StoreError.invalid(let message) {
            throw UseCaseError.invalid(message)
        }
        try await audit.record(userID: user, action: "code_open_text", subject: "wave:\(q.wave.id)", detail: "\(q.item): \(tags.count) answers")
        return tags.count
    }

    /// Every answer of the question without a theme, coded with its suggestions (what "accept" does, for all pages).
    @discardableResult
    public func acceptAllSuggestions(_ q: Question, by user: UUID?) async throws -> Int {
        let cases = try await codebook.answers(wave: q.wave.id, item: q.item, version: q.version).map(\.caseID)
        return try await code(q, .acceptSuggestions(cases), by: user)
    }
}
