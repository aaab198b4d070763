import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Open-text answers for researchers: the study's codebook of themes, coding a wave's answers to a text question
/// (with keyword suggestions), and the themes' frequencies with quotes from those who agreed to be quoted.
struct CodebookPages {
    let dependencies: Dependencies
    static let perPage = 50

    func register(on routes: RouteTable) {
        let d = dependencies

        routes.get("/studies/{study}/codebook", access: "admin, researcher") { _, context in
            _ = try context.require("see studies", StudyPages.mayRun)
            let study = try await StudyPages.study(d, context)
            return try await Self.renderCodebook(d, study: study, errors: [], context: context)
        }

        routes.post("/studies/{study}/codebook", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("edit the codebook", StudyPages.mayRun)
            struct Form: Decodable { var _csrf: String?; var action: String; var id: String?; var name: String?; var description: String?; var keywords: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let study = try await StudyPages.study(d, context)
            let codebook = CodebookRepository(store: d.store)
            do {
                switch form.action {
                case "save":
                    let id = form.id.flatMap(UUID.init(uuidString:)) ?? UUID()
                    try await codebook.save(Codebook.Theme(id: id, name: form.name ?? "", description: form.description ?? "",
                                                           keywords: CodebookRepository.keywords(form.keywords ?? "")), study: study)
                    try await d.audit.record(userID: p.userID, action: "codebook_save", subject: "study:\(study.id)", detail: form.name)
                case "delete":
                    guard let id = form.id.flatMap(UUID.init(uuidString:)) else { throw AppError.badRequest("which theme?") }
                    try await codebook.delete(theme: id, study: study)
                    try await d.audit.record(userID: p.userID, action: "codebook_delete", subject: "study:\(study.id)", detail: id.uuidString)
                default:
                    throw AppError.badRequest("unknown action \(form.action)")
                }
            } catch StoreError.invalid(let message) {
                return try await Self.renderCodebook(d, study: study, errors: [message], context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
            return try SeeOther(location: "/studies/\(study.key)/codebook").response(from: request, context: context)
        }

        routes.get("/studies/{study}/waves/{number}/open/{item}", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("read open-text answers", StudyPages.mayRun)
            let (study, wave, version, item) = try await Self.target(d, context)
            let codebook = CodebookRepository(store: d.store)
            let themes = try await codebook.themes(study: study)
            let answers = try await codebook.answers(wave: wave.id, item: item, version: version)
            let tags = try await codebook.tags(wave: wave.id, item: item, version: version)
            let minCell = request.uri.queryParameters.get("min_cell").flatMap(Int.init) ?? 10
            let summary = Codebook.summary(answers, tags: tags, themes: themes, suppression: minCell > 1 ? Suppression(threshold: minCell) : nil)
            if request.uri.queryParameters.get("format") == "csv" {
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                       .contentDisposition: "attachment; filename=\"\(study.key)-codebook.csv\""],
                                body: .init(byteBuffer: ByteBuffer(string: Codebook.csv(themes, summary: summary))))
            }
            let pages = max(1, (answers.count + Self.perPage - 1) / Self.perPage)
            let page = min(max(1, request.uri.queryParameters.get("page").flatMap(Int.init) ?? 1), pages)
            let shown = answers.dropFirst((page - 1) * Self.perPage).prefix(Self.perPage)
            try await d.audit.record(userID: p.userID, action: "view_open_text", subject: "wave:\(wave.id)",
                                     detail: "\(item), page \(page): \(shown.count) answers")
            let base = "/studies/\(study.key)/waves/\(wave.number)/open/\(item)"
            return try d.views.page("coding", title: "Open text: \(item), wave \(wave.number)", [
                "studyKey": study.key, "studyTitle": study.title, "number": wave.number, "item": item, "action": base + "?page=\(page)",
                "question": version.form.question(named: item).flatMap { XLSForm.text($0.labels, language: nil) } ?? item,
                "hasThemes": !themes.isEmpty, "note": summary.note, "csv": base + "?format=csv",
                "frequencies": summary.frequencies.map { f -> [String: Any] in
                    ["name": f.name, "count": f.count.map(String.init) ?? "‡", "percent": f.percent.map { String(format: "%.0f%%", $0) } ?? "‡",
                     "quotes": f.quotes]
                },
                "answers": shown.map { a -> [String: Any] in
                    let suggested = Set(Codebook.suggest(a.text, themes: themes).map(\.theme))
                    let mine = tags[a.caseID] ?? []
                    return ["caseID": String(a.caseID), "text": a.text, "mayQuote": a.mayQuote, "untagged": mine.isEmpty,
                            "themes": themes.map { t -> [String: Any] in
                                ["id": t.id.uuidString, "name": t.name, "checked": mine.contains(t.id), "suggested": suggested.contains(t.id)]
                            }]
                },
                "hasPages": pages > 1, "pages": (1...pages).map { ["n": $0, "href": base + "?page=\($0)", "current": $0 == page] },
            ], context: context).response(from: request, context: context)
        }

        routes.post("/studies/{study}/waves/{number}/open/{item}", access: "admin, researcher") { request, context -> SeeOther in
            let p = try context.require("code open-text answers", StudyPages.mayRun)
            let body = try await Forms.collect(request, limit: Forms.maxFormSize, what: "the form")
            let form = SurveyPages.decodeForm(String(buffer: body))
            try FormCSRF.check(form["_csrf"]?.first, context: context)
            let (study, wave, version, item) = try await Self.target(d, context)
            let codebook = CodebookRepository(store: d.store)
            let themes = try await codebook.themes(study: study)
            let cases = (form["case"] ?? []).compactMap(Int64.init)
            guard cases.count <= Self.perPage else { throw AppError.badRequest("at most \(Self.perPage) answers at a time") }
            var tags: [Int64: Set<UUID>] = [:]
            switch form["action"]?.first {
            case "save":
                for c in cases { tags[c] = Set((form["tag_\(c)"] ?? []).compactMap(UUID.init(uuidString:))) }
            case "accept":
                let existing = try await codebook.tags(wave: wave.id, item: item, version: version)
                let texts = Dictionary(try await codebook.answers(wave: wave.id, item: item, version: version).map { ($0.caseID, $0.text) },
                                       uniquingKeysWith: { a, _ in a })
                for c in cases where (existing[c] ?? []).isEmpty {
                    let suggested = Set(Codebook.suggest(texts[c] ?? "", themes: themes).map(\.theme))
                    if !suggested.isEmpty { tags[c] = suggested }
                }
            default:
                throw AppError.badRequest("unknown action")
            }
            do {
                try await codebook.setTags(tags, wave: wave.id, item: item, version: version, study: study, by: p.userID)
            } catch StoreError.invalid(let message) {
                throw AppError.badRequest(message)
            }
            try await d.audit.record(userID: p.userID, action: "code_open_text", subject: "wave:\(wave.id)", detail: "\(item): \(tags.count) answers")
            let page = request.uri.queryParameters.get("page").flatMap(Int.init) ?? 1
            return SeeOther(location: "/studies/\(study.key)/waves/\(wave.number)/open/\(item)?page=\(page)")
        }
    }

    /// The study, wave, its form's version and the text question named in the path (which must be one).
    static func target(_ d: Dependencies, _ context: AppContext) async throws
        -> (StudyRepository.Study, StudyRepository.Wave, StudyRepository.InstrumentVersion, String) {
        let study = try await StudyPages.study(d, context)
        let wave = try await StudyPages.wave(d, study, context)
        guard let version = try await d.versionCache.version(wave.instrumentVersionID, d.studies) else {
            throw AppError.notFound("The wave's instrument version is missing.")
        }
        let item = context.parameters.get("item") ?? ""
        guard let q = version.form.question(named: item), q.type == .text else {
            throw AppError.notFound("Wave \(wave.number)'s form has no text question \(item).")
        }
        return (study, wave, version, item)
    }

    static func renderCodebook(_ d: Dependencies, study: StudyRepository.Study, errors: [String], context: AppContext,
                               status: HTTPResponse.Status = .ok) async throws -> HTML {
        let themes = try await CodebookRepository(store: d.store).themes(study: study)
        var open: [[String: Any]] = []
        for wave in try await d.studies.waves(study: study) {
            guard let version = try await d.versionCache.version(wave.instrumentVersionID, d.studies) else { continue }
            for q in version.form.questions where q.type == .text && (q.appearance ?? "").contains("multiline") {
                open.append(["href": "/studies/\(study.key)/waves/\(wave.number)/open/\(q.name)", "wave": wave.number,
                             "label": XLSForm.text(q.labels, language: nil) ?? q.name])
            }
        }
        return d.views.page("codebook", title: "Codebook: \(study.title)", [
            "studyKey": study.key, "studyTitle": study.title, "hasErrors": !errors.isEmpty, "errors": errors,
            "themes": themes.map { ["id": $0.id.uuidString, "name": $0.name, "description": $0.description, "keywords": $0.keywords.joined(separator: ", ")] },
            "open": open,
        ], context: context, status: status)
    }
}
