import Foundation
import Hummingbird
import PathwaysCore
import PathwaysStore

/// The public catalog: programs by kind and provider, and a page per program with its courses, skills,
/// credit and where that credit transfers.
struct CatalogPages {
    let dependencies: Dependencies

    func register(on routes: RouteTable) {
        let d = dependencies

        routes.get("/", access: "public") { _, context in
            let programs = try await d.catalog.programs()
            let providers = try await d.catalog.providers()
            return d.views.page("home", title: "Pathways", [
                "programCount": programs.count, "providerCount": providers.count,
                "kinds": Dictionary(grouping: programs, by: \.kind).keys.sorted { $0.label < $1.label }.map(\.label).joined(separator: ", "),
            ], context: context)
        }

        routes.get("/programs", access: "public") { request, context in
            let programs = try await d.catalog.programs()
            let providers = Dictionary(uniqueKeysWithValues: try await d.catalog.providers().map { ($0.id, $0) })
            let figures = try await d.catalog.figures()
            let kindFilter = request.uri.queryParameters.get("kind").flatMap { ProgramKind(code: $0) }
            let shown = programs.filter { kindFilter == nil || $0.kind == kindFilter }
            func row(_ p: Program) -> [String: Any] {
                var row: [String: Any] = [
                    "key": p.key, "title": p.title, "provider": providers[p.providerID]?.name ?? "",
                    "duration": Self.duration(p), "cost": Format.money(p.typicalCostUSD), "credit": Self.credit(p),
                ]
                if let principal = context.principal, AccessPolicy.canViewProgramRoster(p.id, by: principal) {
                    row["figures"] = Self.figures(figures[p.id] ?? .zero)
                }
                return row
            }
            var groups: [[String: Any]] = []
            for (kind, list) in Dictionary(grouping: shown, by: \.kind).sorted(by: { $0.key.label < $1.key.label }) {
                let rows = list.map(row)
                groups.append(["kind": kind.label, "programs": rows, "showFigures": rows.contains { $0["figures"] != nil }])
            }
            return d.views.page("programs", title: "Programs", [
                "groups": groups, "total": shown.count,
                "kinds": ProgramKind.allCases.filter { k in programs.contains { $0.kind == k } }.map { ["code": $0.rawValue, "label": $0.label, "selected": $0 == kindFilter] },
            ], context: context)
        }

        routes.get("/programs/{programId}", access: "public") { _, context in
            let key = context.parameters.get("programId") ?? ""
            guard let program = try await d.catalog.program(key: key) else { throw AppError.notFound("There is no program with id '\(key)'.") }
            let provider = try await d.catalog.provider(id: program.providerID)
            let courses = try await d.catalog.courses(programID: program.id)
            let today = Date()
            let agreements = try await d.catalog.agreements(programID: program.id)
            var values: [String: Any] = [
                "key": program.key, "programTitle": program.title, "kind": program.kind.label, "summary": program.summary ?? "",
                "provider": provider?.name ?? "", "providerWebsite": provider?.website ?? "",
                "duration": Self.duration(program), "cost": Format.money(program.typicalCostUSD), "credit": Self.credit(program),
                "courses": courses.map { ["position": $0.position, "title": $0.title, "credit": Format.number($0.creditValue), "effort": $0.effortHours.map { "\($0) h" } ?? "—"] },
                "skills": program.skills.map { s -> [String: Any] in
                    s.scheme == .local || s.code == nil ? ["label": s.label] : ["label": s.label, "identifier": "\(s.scheme.label) \(s.code!)"]
                },
                "hasAgreements": !agreements.isEmpty,
                "agreements": agreements.map {
                    ["institution": $0.institution, "credits": Format.number($0.credits), "degree": $0.degree ?? "", "from": Format.day($0.validFrom),
                     "to": Format.day($0.validTo), "current": $0.isValid(on: today)]
                },
            ]
            if let principal = context.principal, AccessPolicy.canViewProgramRoster(program.id, by: principal) {
                values["figures"] = Self.figures(try await d.catalog.figures()[program.id] ?? .zero)
                values["learnersLink"] = "/learners?program=\(program.key)"
            }
            return d.views.page("program", title: program.title, values, context: context)
        }
    }

    static func duration(_ p: Program) -> String { p.typicalDurationMonths.map { "\($0) months" } ?? "—" }

    static func credit(_ p: Program) -> String {
        p.creditValue.map { "\(Format.number($0)) \(p.creditUnit ?? "credits")" } ?? "—"
    }

    static func figures(_ f: CatalogRepository.ProgramFigures) -> [String: Any] {
        ["enrolled": f.enrolled, "completed": f.completed, "rate": Format.percent(f.completed, of: f.enrolled)]
    }
}
