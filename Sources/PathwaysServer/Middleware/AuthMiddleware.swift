import Foundation
import Hummingbird
import Logging
import PathwaysCore
import PathwaysStore

/// Resolves who the request acts for: an API token (`Authorization: Bearer pw_...`) or a browser session
/// cookie. It never rejects: routes decide what they need, so public pages stay public.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let accounts: AccountRepository

    static let sessionCookie = "pw_session"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("bearer "), let account = try await accounts.account(apiToken: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)),
                  !account.disabled
            else {
                // A bad credential is an error even on a public route: the client thinks it is signed in.
                throw AppError.unauthenticated
            }
            context.principal = try await accounts.principal(for: account)
        } else if let token = request.cookies[Self.sessionCookie]?.value, let session = try await accounts.session(token: token),
                  let account = try await accounts.account(id: session.userID), !account.disabled {
            context.principal = try await accounts.principal(for: account)
            context.session = session
        }
        if let p = context.principal {
            context.logger[metadataKey: "user_id"] = .string(p.userID.uuidString)
        }
        do {
            return try await next(request, context)
        } catch where context.principal != nil {
            // The error page is drawn above this middleware; it still knows who is signed in.
            throw SignedInError(underlying: error, principal: context.principal, session: context.session)
        }
    }
}

/// An error from a request whose person is known, so the error page keeps their header (their name, their menu,
/// "Sign out") instead of looking like being signed out.
struct SignedInError: Error {
    let underlying: any Error
    let principal: Principal?
    let session: AccountRepository.Session?
}

/// Refuses state-changing requests from other sites: a browser always sends `Origin` (or at least
/// `Referer`) on a cross-site POST, and neither may name another host. Forms also carry a CSRF token,
/// checked by `FormCSRF`; this is the second lock on the same door.
struct SameOriginMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        if request.method == .post || request.method == .put || request.method == .delete || request.method == .patch,
           context.principal == nil || context.session != nil,
           let origin = request.headers[.origin] ?? request.headers[.referer], origin != "null" {
            let host = request.head.authority ?? ""
            let url = URL(string: origin)
            let originHost = url?.host ?? ""
            let originHostPort = url?.port.map { "\(originHost):\($0)" } ?? originHost
            if host.isEmpty || (originHostPort != host && originHost != host) {
                throw AppError.forbidden("cross-site form posts are refused (Origin \(origin) does not match Host \(host))")
            }
        }
        return try await next(request, context)
    }
}

/// CSRF checks for forms posted from Pathways' own pages.
enum FormCSRF {
    /// Cookie holding the token for forms shown before sign-in (the sign-in form itself).
    static let preSessionCookie = "pw_csrf"

    /// Checks a signed-in form's `_csrf` field against the session's token.
    static func check(_ submitted: String?, context: AppContext) throws {
        guard let expected = context.session?.csrfToken else { throw AppError.unauthenticated }
        guard let submitted, constantTimeEqual(submitted, expected) else {
            throw AppError.forbidden("the form's security token is missing or out of date; reload the page and try again")
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
