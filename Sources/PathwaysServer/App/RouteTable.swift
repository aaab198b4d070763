import Hummingbird

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
    public private(set) var routes: [RouteInfo] = []

    init(router: Router<AppContext>) { self.router = router }

    func get(_ path: String, access: String, use handler: @escaping @Sendable (Request, AppContext) async throws -> some ResponseGenerator) {
        routes.append(RouteInfo(method: "GET", path: path, access: access))
        router.get(RouterPath(path), use: handler)
    }

    func post(_ path: String, access: String, use handler: @escaping @Sendable (Request, AppContext) async throws -> some ResponseGenerator) {
        routes.append(RouteInfo(method: "POST", path: path, access: access))
        router.post(RouterPath(path), use: handler)
    }
}
