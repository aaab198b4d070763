import Foundation
import Hummingbird
import PathwaysCore
import PathwaysStore

/// The per-request context: who is signed in, and through which credential.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The account the request acts for, from a session cookie or an API token.
    public var principal: Principal?
    /// Set when the principal came from a browser session (forms then need its CSRF token).
    public var session: AccountRepository.Session?
    public var requestID: String = ""
    /// The peer's IP address, when the request came over a socket.
    public var peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The client's address: the peer's, or behind a trusted proxy the last `X-Forwarded-For` entry.
    public func clientAddress(_ request: Request, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = request.headers[.init("X-Forwarded-For")!]?.split(separator: ",").last {
            let address = forwarded.trimmingCharacters(in: .whitespaces)
            if !address.isEmpty, address.count <= 64 { return address }
        }
        return peerAddress ?? "unknown"
    }

    /// Uploads (CSV imports) may be larger than the default 2 MiB.
    public var maxUploadSize: Int { Forms.maxUploadSize }

    /// The signed-in principal, or an error that becomes 401 (API) or a redirect to sign in (pages).
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw AppError.unauthenticated }
        return principal
    }

    /// The principal if `allowed` holds for them; 403 otherwise.
    public func require(_ what: String, _ allowed: (Principal) -> Bool) throws -> Principal {
        let p = try requirePrincipal()
        guard allowed(p) else { throw AppError.forbidden("your role (\(p.role.label)) may not \(what)") }
        return p
    }
}

/// Errors handlers throw; `ErrorMiddleware` turns them into JSON for the API and pages for browsers.
public enum AppError: Error, Sendable, CustomStringConvertible {
    case unauthenticated
    case forbidden(String)
    case notFound(String)
    case badRequest(String)
    case conflict(String)
    case payloadTooLarge(String)

    public var description: String {
        switch self {
        case .unauthenticated: "not signed in"
        case .forbidden(let m), .notFound(let m), .badRequest(let m), .conflict(let m), .payloadTooLarge(let m): m
        }
    }
}
