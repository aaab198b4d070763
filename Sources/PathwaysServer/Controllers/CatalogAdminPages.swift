import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// The administrator's catalog pages: every provider, program, course, credit agreement and employer partner, each
/// created and edited on a form whose fields are the import file's columns (so a form and a CSV row obey the same
/// rules, through `CatalogAdministration`).
struct CatalogAdminPages {
    let dependencies: Dependencies

    /// A catalog page's kind of record: the import kinds edited one at a time, and employer partners.
    enum Kind: String, CaseIterable {
        case providers, programs, courses
        case creditAgreements = "credit_agreements"
        case employers

        var importKind: ImportKind? { ImportKind(rawValue: rawValue) }
        var one: String {
            switch self {
            case .providers: "provider"
            case .programs: "program"
            case .courses: "course"
            case .creditAgreements: "credit agreement"
            case .employers: "employer partner"
            }
        }
        var title: String {
            switch self {
            case .providers: "Providers"
            case .programs: "Programs"
            case .courses: "Courses"
            case .creditAgreements: "Credit agreements"
            case .employers: "Employer partners"
            }
        }
        var columns: [ImportKind.Column] { importKind?.columns ?? EmployerInput.columns }
    }

    static func kind(_ context: AppContext) throws -> Kind {
        guard let kind = Kind(rawValue: context.parameters.get("kind") ?? "") else {
            throw AppError.notFound("There is no such part of the catalog; it has \(Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return kind
    }

    func register(on routes: RouteTable) {
        let d = dependencies
        let admin = CatalogAdministration(store: d.store)

        routes.get("/admin/catalog", access: "admin") { request, context in
            _ = try context.require("edit the catalog", AccessPolicy.canEditCatalog)
            var page = try await Self.overview(d)
            if let saved = request.uri.queryParameters.get("saved"), let kind = Kind(rawValue: saved) { page["notice"] = "The \(kind.one) is saved." }
            return d.views.page("catalog_admin", title: "Catalog", page, context: context)
        }
        routes.get("/admin/catalog/{kind}/new", access: "admin") { _, context in
            _ = try context.require("edit the catalog", AccessPolicy.canEditCatalog)
            let kind = try Self.kind(context)
            return try await Self.form(d, kind, values: [:], editing: false, problems: [], context: context)
        }
        routes.get("/admin/catalog/{kind}/{key}/edit", access: "admin") { _, context in
            _ = try context.require("edit the catalog", AccessPolicy.canEditCatalog)
            let kind = try Self.kind(context)
            let key = context.parameters.get("key") ?? ""
            let values = if let importKind = kind.importKind { try await admin.fields(importKind, key: key) } else { try await admin.employerFields(key: key) }
            guard let values else { throw AppError.notFound("There is no \(kind.one) '\(key)'.") }
            return try await Self.form(d, kind, values: values, editing: true, problems: [], context: context)
        }
        routes.post("/admin/catalog/{kind}", access: "admin") { request, context -> Response in
            let p = try context.requirePrincipal()
            let kind = try Self.kind(context)
            let body = try await Forms.collect(request, limit: Forms.maxFormSize, what: "the form")
            let form = Forms.decodeForm(String(buffer: body))
            try FormCSRF.check(form["_csrf"]?.first, context: context)
            var values: [String: String] = [:]
            for column in kind.columns { values[column.name] = form[column.name]?.first ?? "" }
            do {
                if let importKind = kind.importKind {
                    try await admin.save(importKind, fields: values, by: p)
                } else {
                    try await admin.saveEmployer(EmployerInput(key: values["employer_id"], name: values["name"], website: values["website"],
                                                               description: values["description"], programs: values["programs"], accounts: values["accounts"]), by: p)
                }
            } catch UseCaseError.rejected(let problems) {
                return try await Self.form(d, kind, values: values, editing: form["editing"]?.first == "1", problems: problems, context: context,
                                           status: .unprocessableContent).response(from: request, context: context)
            }
            return Response(status: .seeOther, headers: [.location: "/admin/catalog?saved=\(kind.rawValue)#\(kind.rawValue)"])
        }
    }

    static func overview(_ d: Dependencies) async throws -> [String: Any] {
        let providers = try await d.catalog.providers()
        let programs = try await d.catalog.programs()
        let providerKey = Dictionary(uniqueKeysWithValues: providers.map { ($0.id, $0.key) })
        let programKey = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0.key) })
        func section(_ kind: Kind, _ headers: [String], _ rows: [(key: String, name: String, cells: [String])]) -> [String: Any] {
            ["kind": kind.rawValue, "title": kind.title, "one": kind.one, "headers": headers, "hasRows": !rows.isEmpty,
             "rows": rows.map { ["key": $0.key, "name": $0.name, "cells": $0.cells] as [String: Any] }]
        }
        let employers = try await CareerRepository(store: d.store).employers()
        return ["sections": [
            section(.providers, ["Id", "Name", "Kind", "Country"], providers.map { ($0.key, $0.name, [$0.key, $0.name, $0.kind.label, $0.country ?? ""]) }),
            section(.programs, ["Id", "Title", "Kind", "Provider", "Skills"], programs.map {
                ($0.key, $0.title, [$0.key, $0.title, $0.kind.label, providerKey[$0.providerID] ?? "", $0.skills.map(\.label).joined(separator: ", ")])
            }),
            section(.courses, ["Id", "Title", "Program", "Position"], try await d.catalog.allCourses().map {
                ($0.key, $0.title, [$0.key, $0.title, programKey[$0.programID] ?? "", String($0.position)])
            }),
            section(.creditAgreements, ["Institution", "Program", "Credits", "In force"], try await d.catalog.allAgreements().map {
                ($0.id.uuidString.lowercased(), $0.institution, [$0.institution, programKey[$0.programID] ?? "", Format.number($0.credits),
                                                              "\(Format.day($0.validFrom)) – \($0.validTo.map(Format.day) ?? "")"])
            }),
            section(.employers, ["Id", "Name", "Hires from"], employers.map {
                ($0.key, $0.name, [$0.key, $0.name, $0.programIDs.compactMap { programKey[$0] }.sorted().joined(separator: ", ")])
            }),
        ]]
    }

    static func form(_ d: Dependencies, _ kind: Kind, values: [String: String], editing: Bool, problems: [FieldProblem], context: AppContext,
                     status: HTTPResponse.Status = .ok) async throws -> HTML {
        let providers = try await d.catalog.providers(), programs = try await d.catalog.programs()
        func options(_ pairs: [(String, String)], _ chosen: String?) -> [[String: Any]] {
            pairs.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == chosen] }
        }
        let keyColumn = kind.columns[0].name
        let fields: [[String: Any]] = kind.columns.map { column in
            let value = values[column.name] ?? ""
            var choices: [[String: Any]]? = nil
            switch column.name {
            case "kind" where kind == .providers: choices = options(ProviderKind.allCases.map { ($0.rawValue, $0.label) }, value)
            case "kind" where kind == .programs: choices = options(ProgramKind.allCases.map { ($0.rawValue, $0.label) }, value)
            case "provider_id" where kind == .programs: choices = options(providers.map { ($0.key, "\($0.name) (\($0.key))") }, value)
            case "program_id" where kind != .programs: choices = options(programs.map { ($0.key, "\($0.title) (\($0.key))") }, value)
            default: break
            }
            let long = ["summary", "description"].contains(column.name)
            let type = ["valid_from", "valid_to"].contains(column.name) ? "date" : column.name == "website" ? "url" : "text"
            return ["name": column.name, "label": column.name.replacingOccurrences(of: "_", with: " ").capitalizedFirst, "help": column.help,
                    "required": column.required, "value": value, "isSelect": choices != nil, "options": choices ?? [],
                    "isText": choices == nil && long, "isLine": choices == nil && !long, "type": type,
                    // An edited record keeps its id: a changed id would make another record.
                    "readonly": editing && column.name == keyColumn && kind != .creditAgreements]
        }
        let heading = editing ? "Edit the \(kind.one)" : "New \(kind.one)"
        return d.views.page("catalog_form", title: heading, [
            "heading": heading, "action": "/admin/catalog/\(kind.rawValue)", "fields": fields, "editing": editing,
            "note": kind == .creditAgreements ? "An agreement is the institution's, for the program, from its first day: changing any of the three makes another agreement." : "",
            "submit": editing ? "Save the \(kind.one)" : "Create the \(kind.one)",
            "errors": problems.map(\.description), "hasErrors": !problems.isEmpty,
        ], context: context, status: status)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
