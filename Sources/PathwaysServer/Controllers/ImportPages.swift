import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Uploading CSV exports and reading their reports.
struct ImportPages {
    let dependencies: Dependencies

    func register(on routes: RouteTable) {
        let d = dependencies

        routes.get("/imports", access: "admin, program staff") { _, context in
            let p = try context.require("import data") { AccessPolicy.canImport(.learners, by: $0) }
            return try await Self.page(d, context: context, principal: p, report: nil)
        }

        routes.post("/imports", access: "admin, program staff", body: .upload) { request, context in
            let p = try context.require("import data") { AccessPolicy.canImport(.learners, by: $0) }
            let upload = try await Forms.upload(request, context: context, fileField: "file")
            try FormCSRF.check(upload.fields["_csrf"], context: context)
            guard let kind = upload.fields["kind"].flatMap(ImportKind.init(rawValue:)) else { throw AppError.badRequest("choose what the file holds") }
            guard let file = upload.file, file.readableBytes > 0 else { throw AppError.badRequest("choose a CSV file to upload") }
            switch try await d.dataImports.importFile(kind: kind, name: upload.fileName ?? "\(kind.rawValue).csv", bytes: file.readableBytesView, by: p) {
            case .finished(let report):
                return try await Self.page(d, context: context, principal: p, report: report, status: report.applied ? .ok : .unprocessableContent)
            case .started:
                return try await Self.page(d, context: context, principal: p, report: nil, status: .accepted)
            }
        }
    }

    static func page(_ d: Dependencies, context: AppContext, principal: Principal, report: ImportReport?, status: HTTPResponse.Status = .ok) async throws -> HTML {
        let history = try await d.imports.history(limit: 20)
        let running = try await d.imports.jobs().filter { $0.status != .applied }
        var values: [String: Any] = [
            // Jobs being written, with their progress; a link shows it again (a page never reloads itself: WCAG 2.2.1).
            "jobs": running.map { job -> [String: Any] in
                let percent = job.totalRows == 0 ? 100 : job.appliedRows * 100 / job.totalRows
                return ["file": job.fileName, "kind": job.kind.rawValue, "applied": job.appliedRows, "total": job.totalRows, "percent": percent,
                        "failed": job.status == .failed, "failure": job.failure ?? "", "started": ISO8601DateFormatter().string(from: job.createdAt)]
            },
            "hasJobs": !running.isEmpty,
            "kinds": ImportKind.allCases.filter { AccessPolicy.canImport($0, by: principal) }.map { kind in
                [
                    "code": kind.rawValue,
                    "columns": kind.columns.map { ["name": $0.name, "required": $0.required, "help": $0.help] },
                ] as [String: Any]
            },
            "history": history.map {
                [
                    "at": ISO8601DateFormatter().string(from: $0.at), "file": $0.report.file, "kind": $0.report.kind.rawValue, "rows": $0.report.rows,
                    "outcome": $0.report.applied ? "imported: \($0.report.inserted) new, \($0.report.updated) updated" : "rejected: \($0.report.errors.count) errors",
                    "applied": $0.report.applied,
                ] as [String: Any]
            },
        ]
        if let report {
            values["report"] = [
                "file": report.file, "kind": report.kind.rawValue, "rows": report.rows, "applied": report.applied,
                "inserted": report.inserted, "updated": report.updated, "invited": report.invited.map { "\($0)" } ?? "",
                "notInvited": (report.notInvited ?? 0) > 0 ? "\(report.notInvited!)" : "",
                "errors": report.errors.map(Self.issueRow), "warnings": report.warnings.map(Self.issueRow),
                "errorCount": report.errors.count, "hasErrors": !report.errors.isEmpty, "hasWarnings": !report.warnings.isEmpty,
            ] as [String: Any]
        }
        return d.views.page("imports", title: "Imports", values, context: context, status: status)
    }

    static func issueRow(_ i: ImportIssue) -> [String: String] {
        ["row": i.row.map(String.init) ?? "", "column": i.column ?? "", "value": i.value ?? "", "message": i.message]
    }
}
