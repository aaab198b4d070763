import Foundation
import Hummingbird
import Logging
import NIOCore
import PathwaysApp
import PathwaysStore

/// Turns errors into answers a person or a program can act on: JSON `{"error": {...}}` under `/api/`,
/// an HTML page with the real status code elsewhere, and a redirect to sign in for pages that need it.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let views: Views

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch var error {
            var context = context
            if let signedIn = error as? SignedInError {
                error = signedIn.underlying
                context.principal = signedIn.principal
                context.session = signedIn.session
            }
            let api = request.uri.path.hasPrefix("/api/")
            let (status, message) = Self.classify(error)
            if status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": .string(String(reflecting: error))])
            }
            // A browser without a session is sent to sign in; a client that sent a credential (a bad or expired
            // token) gets 401 everywhere, or it would be sent round the sign-in page for ever (found by schemathesis).
            let sentCredential = request.headers[.authorization] != nil
            if case AppError.unauthenticated = error, !api, !sentCredential {
                let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                let target = "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")
                return Response(status: .seeOther, headers: [.location: target])
            }
            var headers: HTTPFields = [:]
            if status == .unauthorized {
                headers[.wwwAuthenticate] = sentCredential ? "Bearer realm=\"pathways\", error=\"invalid_token\"" : "Bearer realm=\"pathways\""
            }
            if api {
                headers[.contentType] = "application/json; charset=utf-8"
                var detail: [String: Any] = ["status": Int(status.code), "message": message, "request_id": context.requestID]
                if case UseCaseError.rejected(let problems) = error {
                    detail["problems"] = problems.map { ["field": $0.field, "message": $0.message] }
                }
                let body = try JSONSerialization.data(withJSONObject: ["error": detail], options: [.sortedKeys])
                return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
            headers[.contentType] = "text/html; charset=utf-8"
            let page = views.page("error", title: status.reasonPhrase, [
                "status": Int(status.code), "reason": status.reasonPhrase, "message": message, "requestID": context.requestID,
            ], context: context, status: status)
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page.body)))
        }
    }

    static func classify(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case AppError.unauthenticated: return (.unauthorized, "sign in, or send a valid API token as 'Authorization: Bearer <token>'")
        case AppError.forbidden(let m): return (.forbidden, m)
        case AppError.notFound(let m): return (.notFound, m)
        case AppError.badRequest(let m): return (.badRequest, m)
        case AppError.conflict(let m): return (.conflict, m)
        case AppError.payloadTooLarge(let m): return (.contentTooLarge, m)
        case UseCaseError.notFound(let m): return (.notFound, m)
        case UseCaseError.forbidden(let m): return (.forbidden, m)
        case UseCaseError.invalid(let m): return (.badRequest, m)
        case UseCaseError.conflict(let m): return (.conflict, m)
        case UseCaseError.rejected: return (.unprocessableContent, "\(error)")
        case StoreError.conflict(let m): return (.conflict, m)
        case StoreError.notFound(let m): return (.notFound, m)
        case StoreError.invalid(let m): return (.badRequest, m)
        case StoreError.unavailable: return (.serviceUnavailable, "the database is unavailable; try again shortly")
        case is NIOTooManyBytesError: return (.contentTooLarge, "the request body is larger than this route accepts")
        case let e as HTTPError: return (e.status, e.body ?? e.status.reasonPhrase)
        case let e as DecodingError: return (.badRequest, Self.describe(e))
        default: return (.internalServerError, "something went wrong on our side; the request id below helps us find it")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map(\.stringValue).joined(separator: ".")
            return p.isEmpty ? "the body" : "field '\(p)'"
        }
        switch e {
        case .keyNotFound(let key, let c): return "field '\((c.codingPath + [key]).map(\.stringValue).joined(separator: "."))' is required"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)) has the wrong type: \(c.debugDescription)"
        case .dataCorrupted(let c): return "\(path(c)) is not valid: \(c.debugDescription)"
        @unknown default: return "the body could not be read"
        }
    }
}
