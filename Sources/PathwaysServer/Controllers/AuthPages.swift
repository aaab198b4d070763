import Foundation
import Hummingbird
import PathwaysCore
import PathwaysStore

/// Signing in and out with a password; the session lives in the database so any instance can serve it.
struct AuthPages {
    let dependencies: Dependencies

    struct LoginForm: Decodable {
        var email: String
        var password: String
        var _csrf: String?
        var next: String?
    }

    struct CSRFForm: Decodable {
        var _csrf: String?
    }

    /// A new session for `account` and a redirect to `target`. A new session token on every sign-in: a token
    /// planted before sign-in is never promoted.
    static func startSession(_ d: Dependencies, _ account: AccountRepository.Account, then target: String) async throws -> Response {
        try await d.accounts.deleteExpiredSessions()
        let (token, _) = try await d.accounts.startSession(userID: account.id, lifetime: d.configuration.sessionLifetime)
        var response = Response(status: .seeOther, headers: [.location: target])
        response.setCookie(Cookie(name: AuthMiddleware.sessionCookie, value: token, maxAge: Int(d.configuration.sessionLifetime), path: "/",
                                  secure: d.configuration.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    func register(on routes: RouteTable) {
        let d = dependencies
        let secure = d.configuration.secureCookies

        routes.get("/login", access: "public") { request, context -> Response in
            // The sign-in form is protected by a double-submit token: a random value in a cookie and in the form.
            let token = AccountRepository.newSecret()
            let page = d.views.page("login", title: "Sign in", [
                "preCSRF": token, "next": Forms.localPath(request.uri.queryParameters.get("next")),
                "notice": request.uri.queryParameters.get("changed") == "1" ? "Your password was changed and every session ended; sign in with the new one." : "",
            ].filter { ($0.value as? String) != "" }, context: context)
            var response = try page.response(from: request, context: context)
            response.setCookie(Cookie(name: FormCSRF.preSessionCookie, value: token, maxAge: 3600, path: "/login", secure: secure, httpOnly: true, sameSite: .strict))
            return response
        }

        routes.post("/login", access: "public") { request, context -> Response in
            let form = try await Forms.decode(LoginForm.self, from: request)
            guard let cookie = request.cookies[FormCSRF.preSessionCookie]?.value, let submitted = form._csrf,
                  FormCSRF.constantTimeEqual(cookie, submitted)
            else { throw AppError.forbidden("the sign-in form's security token is missing or out of date; reload the page and try again") }
            let email = form.email.trimmingCharacters(in: .whitespaces).lowercased()
            let accountKey = "account:" + email.prefix(320)
            let addressKey = "address:" + context.clientAddress(request, trustForwardedFor: d.configuration.trustForwardedFor)
            // Throttled before the password is checked, the same for every email, so the answer tells nothing of
            // which emails have accounts.
            let throttle = LoginThrottleRepository(store: d.store)
            if case .wait(let seconds) = try await throttle.admit([(accountKey, LoginThrottle.perAccount), (addressKey, LoginThrottle.perAddress)]) {
                try await d.audit.record(userID: nil, action: "login_throttled", subject: "user:\(email.prefix(320))", detail: "retry after \(seconds) s")
                let page = d.views.page("login", title: "Sign in", [
                    "preCSRF": cookie, "next": Forms.localPath(form.next), "email": form.email,
                    "error": "Too many failed sign-ins for this account or from this address. Try again in \(seconds) second\(seconds == 1 ? "" : "s").",
                ], context: context, status: .tooManyRequests)
                var response = try page.response(from: request, context: context)
                response.headers[.retryAfter] = String(seconds)
                return response
            }
            let account = try await d.accounts.account(email: form.email.trimmingCharacters(in: .whitespaces))
            let valid = try await d.passwords.verify(form.password, hash: account?.passwordHash ?? Passwords.decoyHash)
            guard let account, valid, !account.disabled else {
                try await d.audit.record(userID: account?.id, action: "login_failed", subject: "user:\(form.email.lowercased().prefix(320))")
                let page = d.views.page("login", title: "Sign in", [
                    "preCSRF": cookie, "next": Forms.localPath(form.next), "email": form.email,
                    "error": "That email and password do not match an account.",
                ], context: context, status: .unauthorized)
                return try page.response(from: request, context: context)
            }
            try await throttle.succeeded([(accountKey, LoginThrottle.perAccount, true), (addressKey, LoginThrottle.perAddress, false)])
            try await d.audit.record(userID: account.id, action: "login", subject: "user:\(account.id)")
            var target = Forms.localPath(form.next)
            if target == "/" || target == "/login" { target = AccessPolicy.landingPage(for: account.role) }
            var response = try await Self.startSession(d, account, then: target)
            response.setCookie(Cookie(name: FormCSRF.preSessionCookie, value: "", maxAge: 0, path: "/login", secure: secure, httpOnly: true, sameSite: .strict))
            return response
        }

        routes.post("/logout", access: "signed-in") { request, context -> Response in
            try await Forms.checkCSRF(request, context: context)
            if let token = request.cookies[AuthMiddleware.sessionCookie]?.value { try await d.accounts.endSession(token: token) }
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(Cookie(name: AuthMiddleware.sessionCookie, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax))
            return response
        }
    }
}
