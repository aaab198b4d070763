import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// The JSON API under `/api/v1`, authenticated by API tokens (`Authorization: Bearer pw_...`).
struct APIController {
    let dependencies: Dependencies
    var d: Dependencies { dependencies }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = Forms.maxJSONSize) async throws -> T {
        let body = try await Forms.collect(request, limit: limit, what: "the JSON body")
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch let e as DecodingError {
            throw AppError.badRequest(ErrorMiddleware.describe(e))
        }
    }

    func register(on routes: RouteTable) {
        let d = self.d

        routes.get("/api/v1/me", access: "signed-in") { _, context in
            let p = try context.requirePrincipal()
            let programs = try await d.catalog.programs(ids: p.programScope.isEmpty ? [] : p.programScope)
            return try Self.json(API.MeOut(userId: p.userID, email: p.email, role: p.role.rawValue, learnerId: p.learnerID,
                                           programScope: programs.map(\.key)))
        }

        // MARK: catalog
        routes.get("/api/v1/providers", access: "signed-in") { _, context in
            _ = try context.requirePrincipal()
            return try Self.json(try await d.catalog.providers().map(API.ProviderOut.init))
        }
        // Catalog records are created by the catalog's use case, checked by the import's rules (422 with each problem
        // by its import column; 409 when the record exists).
        routes.post("/api/v1/providers", access: "admin", body: .json) { request, context in
            let p = try context.require("edit the catalog", AccessPolicy.canEditCatalog)
            let input = try await Self.decode(API.ProviderIn.self, from: request)
            try await CatalogAdministration(store: d.store).create(.providers, fields: [
                "provider_id": input.providerId, "name": input.name, "kind": input.kind, "country": input.country ?? "", "website": input.website ?? "",
            ], by: p)
            let stored = try await d.catalog.provider(key: input.providerId.trimmingCharacters(in: .whitespaces))!
            return try Self.json(API.ProviderOut(stored), status: .created)
        }
        routes.get("/api/v1/programs", access: "signed-in") { _, context in
            let p = try context.requirePrincipal()
            let providers = Dictionary(uniqueKeysWithValues: try await d.catalog.providers().map { ($0.id, $0.key) })
            let figures = try await d.catalog.figures()
            return try Self.json(try await d.catalog.programs().map {
                API.ProgramOut($0, providerKey: providers[$0.providerID] ?? "", figures: AccessPolicy.canViewProgramRoster($0.id, by: p) ? figures[$0.id] ?? .zero : nil)
            })
        }
        routes.post("/api/v1/programs", access: "admin", body: .json) { request, context in
            let p = try context.require("edit the catalog", AccessPolicy.canEditCatalog)
            let input = try await Self.decode(API.ProgramIn.self, from: request)
            try await CatalogAdministration(store: d.store).create(.programs, fields: [
                "program_id": input.programId, "provider_id": input.providerId, "title": input.title, "kind": input.kind, "summary": input.summary ?? "",
                "duration_months": input.typicalDurationMonths.map(String.init) ?? "", "cost_usd": ImportKind.cell(input.typicalCostUsd),
                "credit_value": ImportKind.cell(input.creditValue), "credit_unit": input.creditUnit ?? "",
            ], by: p)
            let stored = try await d.catalog.program(key: input.programId.trimmingCharacters(in: .whitespaces))!
            let provider = try await d.catalog.provider(id: stored.providerID)
            return try Self.json(API.ProgramOut(stored, providerKey: provider?.key ?? input.providerId, figures: nil), status: .created)
        }
        routes.get("/api/v1/programs/{programId}", access: "signed-in") { _, context in
            let p = try context.requirePrincipal()
            let program = try await Self.program(context, d)
            let provider = try await d.catalog.provider(id: program.providerID)
            let figures = AccessPolicy.canViewProgramRoster(program.id, by: p) ? try await d.catalog.figures()[program.id] ?? .zero : nil
            return try Self.json(API.ProgramOut(program, providerKey: provider?.key ?? "", figures: figures))
        }
        routes.get("/api/v1/programs/{programId}/courses", access: "signed-in") { _, context in
            _ = try context.requirePrincipal()
            let program = try await Self.program(context, d)
            return try Self.json(try await d.catalog.courses(programID: program.id).map(API.CourseOut.init))
        }
        routes.get("/api/v1/programs/{programId}/agreements", access: "signed-in") { _, context in
            _ = try context.requirePrincipal()
            let program = try await Self.program(context, d)
            return try Self.json(try await d.catalog.agreements(programID: program.id).map(API.AgreementOut.init))
        }
        routes.post("/api/v1/programs/{programId}/agreements", access: "admin", body: .json) { request, context in
            let p = try context.require("edit the catalog", AccessPolicy.canEditCatalog)
            let program = try await Self.program(context, d)
            let input = try await Self.decode(API.AgreementIn.self, from: request)
            try await CatalogAdministration(store: d.store).create(.creditAgreements, fields: [
                "program_id": program.key, "institution": input.institution, "credits": ImportKind.cell(input.credits), "degree": input.degree ?? "",
                "valid_from": input.validFrom, "valid_to": input.validTo ?? "",
            ], by: p)
            let stored = try await d.catalog.agreements(programID: program.id).first {
                $0.institution.caseInsensitiveCompare(input.institution.trimmingCharacters(in: .whitespaces)) == .orderedSame
                    && CalendarDay.format($0.validFrom) == input.validFrom.trimmingCharacters(in: .whitespaces)
            }
            guard let stored else { throw AppError.conflict("the agreement was changed at the same time by another request; read it back with GET") }
            return try Self.json(API.AgreementOut(stored), status: .created)
        }

        // MARK: learners
        routes.get("/api/v1/learners", access: "admin, researcher, program staff (their programs), learner (self)") { request, context in
            let p = try context.require("list learners") { AccessPolicy.learnerVisibility($0) != .none }
            let q = request.uri.queryParameters
            let limit = min(max(Int(q.get("limit") ?? "") ?? 50, 1), 500)
            let offset = max(Int(q.get("offset") ?? "") ?? 0, 0)
            let programID = try await d.rosterFilter(q.get("program"), for: p)?.id
            let page = try await d.learners.list(visibility: AccessPolicy.learnerVisibility(p), programID: programID, search: q.get("q"), limit: limit, offset: offset)
            let programs = try await d.programIndex()
            let identifiers = AccessPolicy.canSeeIdentifiers(p)
            try await d.audit.record(userID: p.userID, action: "list_learners", subject: "learners", detail: "api; \(page.items.count) shown")
            return try Self.json(API.LearnerPage(total: page.total, limit: limit, offset: offset, items: page.items.map { item in
                Self.learnerOut(item.learner, enrollments: item.enrollments.filter { AccessPolicy.canViewEnrollment(in: $0.programID, by: p) }, progress: nil, programs: programs, courses: [:], identifiers: identifiers)
            }))
        }
        routes.get("/api/v1/learners/{id}", access: "admin, researcher, program staff (their programs), learner (self)") { _, context in
            let p = try context.requirePrincipal()
            guard let id = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("no learner with that id") }
            let record = try await d.learnerRecord(id: id, for: p, via: "api")
            let programs = try await d.programIndex()
            let courses = Dictionary(uniqueKeysWithValues: record.courses.values.joined().map { ($0.id, $0.key) })
            return try Self.json(Self.learnerOut(record.learner, enrollments: record.enrollments, progress: record.progress,
                                                 programs: programs, courses: courses, identifiers: record.showIdentifiers))
        }

        // MARK: imports
        routes.post("/api/v1/imports/{kind}", access: "admin; program staff for learners, enrollments, completions", body: .upload) { request, context in
            let p = try context.requirePrincipal()
            guard let kind = ImportKind(rawValue: context.parameters.get("kind") ?? "") else {
                throw AppError.notFound("imports are one of: \(ImportKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let body = try await Self.collectUpload(request, context: context)
            let name = request.uri.queryParameters.get("file") ?? "\(kind.rawValue).csv"
            switch try await d.dataImports.importFile(kind: kind, name: name, bytes: body.readableBytesView, by: p) {
            case .finished(let report):
                return try Self.json(report, status: report.applied ? .ok : .unprocessableContent)
            case .started(let job):
                var response = try Self.json(API.ImportJobOut(job), status: .accepted)
                response.headers[.location] = "/api/v1/import-jobs/\(job.id.uuidString.lowercased())"
                return response
            }
        }
        routes.get("/api/v1/import-jobs/{id}", access: "admin, program staff (own jobs)") { _, context in
            let p = try context.require("see imports") { AccessPolicy.canImport(.learners, by: $0) }
            guard let id = UUID(uuidString: context.parameters.get("id") ?? ""), let job = try await d.imports.job(id: id),
                  AccessPolicy.canFollowImport(by: job.userID, p)
            else { throw AppError.notFound("no import job with that id") }
            return try Self.json(API.ImportJobOut(job))
        }
        routes.get("/api/v1/imports", access: "admin, program staff") { _, context in
            _ = try context.require("see imports") { AccessPolicy.canImport(.learners, by: $0) }
            return try Self.json(try await d.imports.history().map { API.ImportOut(id: $0.id, at: $0.at, sha256: $0.sha256, report: $0.report) })
        }

        // MARK: accounts
        routes.post("/api/v1/accounts", access: "admin", body: .json) { request, context in
            let p = try context.require("create accounts", AccessPolicy.canManageAccounts)
            let input = try await Self.decode(API.AccountIn.self, from: request)
            guard let role = Role(code: input.role) else { throw AppError.badRequest("role: '\(input.role)' is not one of \(Role.codeList)") }
            let created = try await AccountProvisioning(store: d.store, passwords: d.passwords).create(
                email: input.email, role: role, displayName: input.displayName, password: input.password, learnerKey: input.learnerId, programKeys: input.programs ?? [])
            try await d.audit.record(userID: p.userID, action: "create_account", subject: "user:\(created.account.id)", detail: role.rawValue)
            return try Self.json(API.AccountOut(id: created.account.id, email: created.account.email, role: role.rawValue, generatedPassword: created.generatedPassword), status: .created)
        }
    }

    static func program(_ context: AppContext, _ d: Dependencies) async throws -> Program {
        let key = context.parameters.get("programId") ?? ""
        guard let program = try await d.catalog.program(key: key) else { throw AppError.notFound("no program with id '\(key)'") }
        return program
    }

    /// Reads an upload up to the context's limit, with a clear error beyond it.
    static func collectUpload(_ request: Request, context: AppContext) async throws -> ByteBuffer {
        try await Forms.collect(request, limit: context.maxUploadSize, what: "the upload")
    }

    static func learnerOut(_ l: Learner, enrollments: [Enrollment], progress: [CourseProgress]?, programs: [UUID: Program],
                           courses: [UUID: String], identifiers: Bool) -> API.LearnerOut {
        let enrollmentList = enrollments.map {
            API.EnrollmentOut(programId: programs[$0.programID]?.key ?? "", enrolledOn: CalendarDay.format($0.enrolledAt), status: $0.status.rawValue,
                              completedOn: $0.completedAt.map(CalendarDay.format))
        }
        return API.LearnerOut(
            id: l.id, learnerId: l.key, name: identifiers ? l.name : nil, email: identifiers ? l.email : nil,
            profileConsentOn: l.profileConsentAt.map(CalendarDay.format), profile: l.profileConsentAt == nil ? nil : l.profile,
            enrollments: enrollmentList,
            courseProgress: progress?.map {
                API.ProgressOut(courseId: courses[$0.courseID] ?? "", progressPercent: $0.progressPercent, grade: $0.grade, completedOn: $0.completedAt.map(CalendarDay.format))
            })
    }
}

