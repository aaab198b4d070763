import Hummingbird
import PathwaysCore
import NIOConcurrencyHelpers

/// Every route the server registers, recorded as it is registered, so tests can hold the OpenAPI document
/// and the access rules to the real list.
public struct RouteInfo: Sendable, Hashable {
    public var method: String
    public var path: String
    /// Who may call it: "public", "signed-in", or a role rule named by the controller.
    public var access: String
    /// The largest body a POST reads; nil for a GET.
    public var body: BodyLimit? = nil
}

/// How large a request body a route reads (SECURITY.md states these): a larger one is refused with 413 and the limit
/// in words, before it is read when `Content-Length` says so.
public enum BodyLimit: String, Sendable, Hashable, CaseIterable {
    /// Page forms and small posts (a survey page, a credential to verify): 64 KiB.
    case form
    /// JSON API bodies: 1 MiB.
    case json
    /// File uploads (imports, instruments, postings): 32 MiB.
    case upload
    /// A survey page, which may carry a respondent's file (`multipart/form-data`): the file's limit and 1 MiB more for
    /// the page's fields; a page without files is held to the form limit.
    case surveyPage

    public var bytes: Int {
        switch self {
        case .form: Forms.maxFormSize
        case .json: Forms.maxJSONSize
        case .upload: Forms.maxUploadSize
        case .surveyPage: SurveyUpload.maxBytes + (1 << 20)
        }
    }

    var what: String {
        switch self {
        case .form: "the form"
        case .json: "the JSON body"
        case .upload: "the upload"
        case .surveyPage: "the page with its file"
        }
    }
}

/// Registers routes on the router and records them.
public final class RouteTable: @unchecked Sendable {
    let router: Router<AppContext>
    public private(set) var routes: [RouteInfo] = [] {
        didSet { maskerCache.withLockedValue { $0 = nil } }
    }
    private let maskerCache = NIOLockedValueBox<Redaction.PathMasker?>(nil)

    init(router: Router<AppContext>) { self.router = router }

    /// Masks the secret parameters of every registered route in a request path (see `Redaction`).
    var masker: Redaction.PathMasker {
        maskerCache.withLockedValue { cached in
            if let cached { return cached }
            let made = Redaction.PathMasker(templates: routes.map(\.path))
            cached = made
            return made
        }
    }

    func get(_ path: String, access: String, use handler: @escaping @Sendable (Request, AppContext) async throws -> some ResponseGenerator) {
        routes.append(RouteInfo(method: "GET", path: path, access: access))
        router.get(RouterPath(path), use: handler)
    }

    func post(_ path: String, access: String, body: BodyLimit = .form,
              use handler: @escaping @Sendable (Request, AppContext) async throws -> some ResponseGenerator) {
        write(.post, path, access: access, body: body, use: handler)
    }

    func patch(_ path: String, access: String, body: BodyLimit = .json,
               use handler: @escaping @Sendable (Request, AppContext) async throws -> some ResponseGenerator) {
        write(.patch, path, access: access, body: body, use: handler)
    }

    private func write(_ method: HTTPRequest.Method, _ path: String, access: String, body: BodyLimit,
                       use handler: @escaping @Sendable (Request, AppContext) async throws -> some ResponseGenerator) {
        routes.append(RouteInfo(method: method.rawValue, path: path, access: access, body: body))
        router.on(RouterPath(path), method: method) { request, context in
            // Refused before anything is read or decided when the client says how large the body is.
            if let length = request.headers[.contentLength].flatMap(Int.init), length > body.bytes {
                throw AppError.payloadTooLarge("\(body.what) is larger than the limit of \(Forms.size(body.bytes))")
            }
            return try await handler(request, context)
        }
    }
}
