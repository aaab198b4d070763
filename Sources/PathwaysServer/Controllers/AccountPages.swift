import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// A person's own account (API tokens) and, for administrators, the list of accounts.
struct AccountPages {
    let dependencies: Dependencies

    struct TokenForm: Decodable {
        var _csrf: String?
        var name: String
    }

    struct NewAccountForm: Decodable {
        var _csrf: String?
        var email: String
        var role: String
        var learnerId: String?
        var programs: String?
    }

    func register(on routes: RouteTable) {
        let d = dependencies

        routes.get("/account", access: "signed-in") { _, context in
            let p = try context.requirePrincipal()
            return try await Self.accountPage(d, p, context: context, newToken: nil)
        }

        routes.post("/account/tokens", access: "signed-in") { request, context in
            let p = try context.requirePrincipal()
            let form = try await Forms.decode(TokenForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let name = form.name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 100 else { throw AppError.badRequest("name the token (1 to 100 characters), e.g. 'nightly import'") }
            let (secret, _) = try await d.accounts.createToken(userID: p.userID, name: name, expiresAt: Date().addingTimeInterval(365 * 86_400))
            try await d.audit.record(userID: p.userID, action: "create_token", subject: "user:\(p.userID)", detail: name)
            return try await Self.accountPage(d, p, context: context, newToken: secret)
        }

        routes.post("/account/password", access: "signed-in") { request, context -> Response in
            let p = try context.requirePrincipal()
            struct Form: Decodable { var _csrf: String?; var current: String?; var new: String?; var `repeat`: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            do {
                try await AccountAdministration(store: d.store, passwords: d.passwords)
                    .changePassword(userID: p.userID, current: form.current ?? "", new: form.new ?? "", repeated: form.repeat ?? "")
            } catch UseCaseError.rejected(let problems) {
                return try await Self.accountPage(d, p, context: context, newToken: nil, passwordErrors: problems.map(\.description), status: .unprocessableContent)
                    .response(from: request, context: context)
            }
            // Every session ended with the old password; sign in with the new one.
            return Response(status: .seeOther, headers: [.location: "/login?changed=1"])
        }

        routes.post("/account/tokens/{id}/revoke", access: "signed-in") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            try await Forms.checkCSRF(request, context: context)
            guard let id = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("no such token") }
            try await d.accounts.revokeToken(id: id, userID: p.userID)
            return SeeOther(location: "/account")
        }

        routes.get("/admin/audit", access: "admin") { request, context in
            let p = try context.require("read the audit log", AccessPolicy.canReadAuditLog)
            let q = request.uri.queryParameters
            let action = q.get("action").flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
            let subject = q.get("subject").flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            let pageSize = 100
            let pageNumber = min(max(Int(q.get("page") ?? "") ?? 1, 1), 100_000)
            let (entries, total) = try await d.audit.page(action: action, subject: subject, limit: pageSize, offset: (pageNumber - 1) * pageSize)
            // Reading the log is itself recorded.
            try await d.audit.record(userID: p.userID, action: "view_audit_log", subject: "audit_log",
                                     detail: [action.map { "action \($0)" }, subject.map { "subject \($0)" }, "page \(pageNumber)"].compactMap { $0 }.joined(separator: ", "))
            let lastPage = max(1, (total + pageSize - 1) / pageSize)
            func link(_ n: Int) -> String {
                var parts = ["page=\(n)"]
                if let action { parts.append("action=" + (action.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
                if let subject { parts.append("subject=" + (subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
                return "/admin/audit?" + parts.joined(separator: "&")
            }
            let formatter = ISO8601DateFormatter()
            return d.views.page("audit", title: "Audit log", [
                "total": total, "subject": subject ?? "",
                "actions": try await d.audit.actions().map { ["name": $0, "selected": $0 == action] },
                "entries": entries.map { e, email -> [String: Any] in
                    ["at": formatter.string(from: e.at), "who": email ?? (e.userID == nil ? "command line / system" : "deleted account"),
                     "action": e.action, "subject": e.subject, "detail": e.detail ?? ""]
                },
                "page": pageNumber, "lastPage": lastPage,
                "previous": pageNumber > 1 ? link(pageNumber - 1) : "", "next": pageNumber < lastPage ? link(pageNumber + 1) : "",
            ], context: context)
        }

        routes.post("/admin/accounts/{id}", access: "admin") { request, context -> SeeOther in
            let p = try context.require("manage accounts", AccessPolicy.canManageAccounts)
            struct Form: Decodable { var _csrf: String?; var action: String?; var role: String?; var learnerId: String?; var programs: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            guard let id = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("There is no such account.") }
            let admin = AccountAdministration(store: d.store, passwords: d.passwords)
            switch form.action {
            case "disable": try await admin.setDisabled(id, true, by: p)
            case "enable": try await admin.setDisabled(id, false, by: p)
            case "role":
                guard let role = Role(code: form.role ?? "") else { throw AppError.badRequest("role: one of \(Role.codeList)") }
                let programs = (form.programs ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                try await admin.setRole(id, role: role, learnerKey: form.learnerId?.trimmingCharacters(in: .whitespaces), programKeys: programs, by: p)
            default: throw AppError.badRequest("action: disable, enable or role")
            }
            return SeeOther(location: "/admin/accounts")
        }

        routes.get("/admin/accounts", access: "admin") { request, context in
            let p = try context.require("manage accounts", AccessPolicy.canManageAccounts)
            return try await Self.accountsPage(d, p, context: context, created: nil, invited: request.uri.queryParameters.get("invited").flatMap { Int($0) })
        }

        routes.post("/admin/accounts", access: "admin") { request, context in
            let p = try context.require("manage accounts", AccessPolicy.canManageAccounts)
            let form = try await Forms.decode(NewAccountForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            guard let role = Role(code: form.role) else { throw AppError.badRequest("role: '\(form.role)' is not one of \(Role.codeList)") }
            let programs = (form.programs ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let learnerKey = form.learnerId?.trimmingCharacters(in: .whitespaces)
            let created = try await AccountProvisioning(store: d.store, passwords: d.passwords).create(
                email: form.email, role: role, learnerKey: learnerKey?.isEmpty == false ? learnerKey : nil, programKeys: programs)
            try await d.audit.record(userID: p.userID, action: "create_account", subject: "user:\(created.account.id)", detail: role.rawValue)
            return try await Self.accountsPage(d, p, context: context, created: created)
        }
    }

    static func accountPage(_ d: Dependencies, _ p: Principal, context: AppContext, newToken: String?, passwordErrors: [String] = [],
                            status: HTTPResponse.Status = .ok) async throws -> HTML {
        let tokens = try await d.accounts.tokens(userID: p.userID)
        let scope = try await d.catalog.programs(ids: p.programScope.isEmpty ? [] : p.programScope)
        return d.views.page("account", title: "Your account", [
            "email": p.email, "role": p.role.label, "scope": scope.map(\.title), "hasScope": !scope.isEmpty, "newToken": newToken ?? "",
            "tokens": tokens.map { ["id": $0.id.uuidString, "name": $0.name, "created": Format.day($0.createdAt), "expires": Format.day($0.expiresAt), "lastUsed": Format.day($0.lastUsedAt)] },
            "passwordErrors": passwordErrors, "hasPasswordErrors": !passwordErrors.isEmpty,
        ], context: context, status: status)
    }

    static func accountsPage(_ d: Dependencies, _ p: Principal, context: AppContext, created: AccountProvisioning.Created?, invited: Int? = nil) async throws -> HTML {
        let accounts = try await d.accounts.accounts()
        var values: [String: Any] = [
            "accounts": accounts.map { a -> [String: Any] in
                ["id": a.id.uuidString, "email": a.email, "role": a.role.label, "created": Format.day(a.createdAt), "disabled": a.disabled, "isSelf": a.id == p.userID,
                 "roles": Role.allCases.map { ["code": $0.rawValue, "label": $0.label, "selected": $0 == a.role] }]
            },
            // The form offers the least-privileged role first and chosen.
            "roles": Role.allCases.reversed().map { ["code": $0.rawValue, "label": $0.label, "selected": $0 == .learner] },
        ]
        if let created {
            values["created"] = ["email": created.account.email, "password": created.generatedPassword ?? ""]
        }
        if let invited { values["invited"] = "\(invited) learner\(invited == 1 ? "" : "s") invited to create an account; the messages are in the outbox." }
        values["programs"] = try await d.catalog.programs().map { ["key": $0.key, "title": $0.title] }
        return d.views.page("accounts", title: "Accounts", values, context: context)
    }
}
