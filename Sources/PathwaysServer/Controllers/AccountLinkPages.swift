import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Pages opened from an emailed or shared link: set a new password, create a learner's account, take an
/// instrument's test link. The secret in the address is what lets the holder in (so these forms need no session);
/// each page says plainly when a link was used or has expired. Also the administrator's invitations to learners.
struct AccountLinkPages {
    let dependencies: Dependencies

    struct PasswordForm: Decodable { var password: String?; var `repeat`: String? }

    static func page(_ d: Dependencies, _ context: AppContext, title: String, text: String? = nil, link: String? = nil, form: [String: Any]? = nil,
                     errors: [String] = [], back: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> HTML {
        var values: [String: Any] = ["heading": title, "errors": errors, "hasErrors": !errors.isEmpty]
        if let text { values["text"] = text }
        if let link { values["link"] = link }
        if let form { values["form"] = form }
        if let back { values["back"] = back.0; values["backLabel"] = back.1 }
        return d.views.page("account_link", title: title, values, context: context, status: status)
    }

    func register(on routes: RouteTable) {
        let d = dependencies
        let links = AccountLinks(store: d.store, passwords: d.passwords)

        // Forgotten password: the same answer whether or not the address has an account.
        routes.get("/password-reset", access: "public") { _, context in
            Self.page(d, context, title: "Set a new password", text: "Give your account's email address; we send a link to set a new password. It works once, for one hour.",
                      form: ["action": "/password-reset", "email": true, "submit": "Send the link"], back: ("/login", "Back to sign in"))
        }
        routes.post("/password-reset", access: "public") { request, context in
            struct Form: Decodable { var email: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try await links.requestPasswordReset(email: form.email ?? "")
            return Self.page(d, context, title: "Check your email",
                             text: "If an account has that address, a link to set a new password is on its way to it. The link works once, for one hour.",
                             back: ("/login", "Back to sign in"))
        }
        routes.get("/reset/{token}", access: "anyone with the link") { _, context in
            let token = context.parameters.get("token") ?? ""
            if let why = try await links.refusal(token, purpose: .passwordReset) {
                return Self.page(d, context, title: "This link cannot be used", text: why, back: ("/password-reset", "Ask for a new link"), status: .notFound)
            }
            return Self.page(d, context, title: "Set a new password", form: ["action": "/reset/\(token)", "password": true, "submit": "Set the password"])
        }
        routes.post("/reset/{token}", access: "anyone with the link") { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            let form = try await Forms.decode(PasswordForm.self, from: request)
            do {
                _ = try await links.resetPassword(token: token, new: form.password ?? "", repeated: form.repeat ?? "")
            } catch UseCaseError.rejected(let problems) {
                return try Self.page(d, context, title: "Set a new password", form: ["action": "/reset/\(token)", "password": true, "submit": "Set the password"],
                                     errors: problems.map(\.description), status: .unprocessableContent).response(from: request, context: context)
            }
            return Response(status: .seeOther, headers: [.location: "/login?changed=1"])
        }

        // A learner invited to create their account.
        routes.get("/welcome/{token}", access: "anyone with the link") { _, context in
            let token = context.parameters.get("token") ?? ""
            do {
                let who = try await links.welcome(token)
                return Self.page(d, context, title: "Create your account", text: "Welcome\(who.name.map { ", \($0)" } ?? ""). Choose a password for your Pathways account.",
                                 form: ["action": "/welcome/\(token)", "password": true, "account": who.email, "submit": "Create my account"])
            } catch UseCaseError.notFound(let why) {
                return Self.page(d, context, title: "This link cannot be used", text: why, back: ("/login", "Sign in"), status: .notFound)
            }
        }
        routes.post("/welcome/{token}", access: "anyone with the link") { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            let form = try await Forms.decode(PasswordForm.self, from: request)
            do {
                let (account, next) = try await links.createAccount(token: token, password: form.password ?? "", repeated: form.repeat ?? "")
                return try await AuthPages.startSession(d, account, then: next ?? AccessPolicy.landingPage(for: account.role))
            } catch UseCaseError.rejected(let problems) {
                let who = try await links.welcome(token)
                return try Self.page(d, context, title: "Create your account", form: ["action": "/welcome/\(token)", "password": true, "account": who.email, "submit": "Create my account"],
                                     errors: problems.map(\.description), status: .unprocessableContent).response(from: request, context: context)
            }
        }

        // An instrument's test link: the preview, without signing in.
        routes.get("/try/{token}", access: "anyone with the link") { request, context in
            let token = context.parameters.get("token") ?? ""
            let (study, version) = try await d.app.studies.trial(token)
            return try await StudySetupPages.preview(d, request, context, study: study, version: version, values: nil, here: "/try/\(token)", back: nil)
        }
        routes.post("/try/{token}", access: "anyone with the link", body: .surveyPage) { request, context in
            let token = context.parameters.get("token") ?? ""
            let (study, version) = try await d.app.studies.trial(token)
            let (values, uploads) = try await Forms.surveyPage(request)
            return try await StudySetupPages.preview(d, request, context, study: study, version: version, values: values, uploads: uploads,
                                                     here: "/try/\(token)", back: nil)
        }

        // An administrator invites learners to create their accounts: one from their record, or many at once.
        routes.post("/learners/{id}/account-invitation", access: "admin") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            try await Forms.checkCSRF(request, context: context)
            guard let id = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("There is no learner with that id.") }
            _ = try await links.inviteLearners(learnerID: id, by: p)
            return SeeOther(location: "/learners/\(id.uuidString.lowercased())?invited=1")
        }
        routes.post("/admin/learner-invitations", access: "admin") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            struct Form: Decodable { var _csrf: String?; var program: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let report = try await links.inviteLearners(programKey: form.program, by: p)
            return SeeOther(location: "/admin/accounts?invited=\(report.invited)")
        }
    }
}
