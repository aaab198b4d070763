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
            do {
                switch form.action {
                case "save":
                    try await d.app.coding.saveTheme(id: form.id.flatMap(UUID.init(uuidString:)), name: form.name ?? "", description: form.description ?? "",
                                                     keywords: form.keywords ?? "", study: study, by: p.userID)
                case "delete":
                    guard let id = form.id.flatMap(UUID.init(uuidString:)) else { throw AppError.badRequest("which theme?") }
                    try await d.app.coding.deleteTheme(id, study: study, by: p.userID)
                default:
                    throw AppError.badRequest("unknown action \(form.action)")
                }
            } catch UseCaseError.invalid(let message) {
                return try await Self.renderCodebook(d, study: study, errors: [message], context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
            return try SeeOther(location: "/studies/\(study.key)/codebook").response(from: request, context: context)
        }

        routes.get("/studies/{study}/waves/{number}/open/{item}", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("read open-text answers", StudyPages.mayRun)
            let q = try await Self.target(d, context)
            let (study, wave, item) = (q.study, q.wave, q.item)
            let minCell = request.uri.queryParameters.get("min_cell").flatMap(Int.init) ?? 10
            let coded = try await d.app.coding.answers(q, minCell: minCell)
            let (themes, answers, tags, summary) = (coded.themes, coded.answers, coded.tags, coded.summary)
            if request.uri.queryParameters.get("format") == "csv" {
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                       .contentDisposition: "attachment; filename=\"\(study.key)-codebook.csv\""],
                                body: .init(byteBuffer: ByteBuffer(string: Codebook.csv(themes, summary: summary))))
            }
            let pages = max(1, (answers.count + Self.perPage - 1) / Self.perPage)
            let page = min(max(1, request.uri.queryParameters.get("page").flatMap(Int.init) ?? 1), pages)
            let shown = answers.dropFirst((page - 1) * Self.perPage).prefix(Self.perPage)
            try await d.app.coding.read(q, page: page, count: shown.count, by: p.userID)
            let base = "/studies/\(study.key)/waves/\(wave.number)/open/\(item)"
            return try d.views.page("coding", title: "Open text: \(item), wave \(wave.number)", [
                "studyKey": study.key, "studyTitle": study.title, "number": wave.number, "item": item, "action": base + "?page=\(page)",
                "question": q.label,
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
            let form = Forms.decodeForm(String(buffer: body))
            try FormCSRF.check(form["_csrf"]?.first, context: context)
            let q = try await Self.target(d, context)
            let cases = (form["case"] ?? []).compactMap(Int64.init)
            guard cases.count <= Self.perPage else { throw AppError.badRequest("at most \(Self.perPage) answers at a time") }
            let choice: Coding.Choice
            switch form["action"]?.first {
            case "save": choice = .tags(Dictionary(cases.map { c in (c, Set((form["tag_\(c)"] ?? []).compactMap(UUID.init(uuidString:)))) }, uniquingKeysWith: { a, _ in a }))
            case "accept": choice = .acceptSuggestions(cases)
            default: throw AppError.badRequest("unknown action")
            }
            do {
                try await d.app.coding.code(q, choice, by: p.userID)
            } catch UseCaseError.invalid(let message) {
                throw AppError.badRequest(message)
            }
            let page = request.uri.queryParameters.get("page").flatMap(Int.init) ?? 1
            return SeeOther(location: "/studies/\(q.study.key)/waves/\(q.wave.number)/open/\(q.item)?page=\(page)")
        }
    }

    /// The study, wave, its form's version and the text question named in the path (which must be one).
    static func target(_ d: Dependencies, _ context: AppContext) async throws -> Coding.Question {
        let study = try await StudyPages.study(d, context)
        guard let number = context.parameters.get("number").flatMap(Int.init) else { throw AppError.notFound("There is no such wave.") }
        return try await d.app.coding.question(study, wave: number, item: context.parameters.get("item") ?? "")
    }

    static func renderCodebook(_ d: Dependencies, study: StudyRepository.Study, errors: [String], context: AppContext,
                               status: HTTPResponse.Status = .ok) async throws -> HTML {
        let themes = try await d.app.coding.themes(study)
        let open = try await d.app.coding.openQuestions(study).map { q -> [String: Any] in
            ["href": "/studies/\(study.key)/waves/\(q.wave)/open/\(q.item)", "wave": q.wave, "label": q.label]
        }
        return d.views.page("codebook", title: "Codebook: \(study.title)", [
            "studyKey": study.key, "studyTitle": study.title, "hasErrors": !errors.isEmpty, "errors": errors,
            "themes": themes.map { ["id": $0.id.uuidString, "name": $0.name, "description": $0.description, "keywords": $0.keywords.joined(separator: ", ")] },
            "open": open,
        ], context: context, status: status)
    }
}
