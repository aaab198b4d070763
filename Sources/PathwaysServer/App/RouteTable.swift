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

    func post(_ path: String, access: String, use handler: @escaping @Sendable (Request, AppContext) async throws -> some ResponseGenerator) {
        routes.append(RouteInfo(method: "POST", path: path, access: access))
        router.post(RouterPath(path), use: handler)
    }
}
