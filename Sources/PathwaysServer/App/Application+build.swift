import Foundation
import Hummingbird
import Logging
import PathwaysStore
import Prometheus
import ServiceLifecycle

/// Builds the whole server over an open store. `pathways serve` and the tests call this same function.
public func buildApplication(configuration: AppConfiguration, store: Store, logger: Logger, services: [any Service] = []) async throws -> some ApplicationProtocol {
    let dependencies = Dependencies(configuration: configuration, store: store, views: try await Views.load(), metrics: PrometheusCollectorRegistry())
    let (router, _) = try buildRouter(dependencies)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Pathways"),
        services: services + [ImportService(dependencies: dependencies, interval: .seconds(10))],
        logger: logger)
}

/// The router with every route, and the table of what was registered.
public func buildRouter(_ d: Dependencies) throws -> (Router<AppContext>, RouteTable) {
    let router = Router(context: AppContext.self)
    let routes = RouteTable(router: router)
    router.add(middleware: RequestLogMiddleware(metrics: d.metrics, routes: routes))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware(views: d.views))
    router.add(middleware: AuthMiddleware(accounts: d.accounts))
    router.add(middleware: SameOriginMiddleware())
    try OperationsController(dependencies: d).register(on: routes)
    APIController(dependencies: d).register(on: routes)
    StudyAPI(dependencies: d).register(on: routes)
    EventAPI(dependencies: d).register(on: routes)
    AuthPages(dependencies: d).register(on: routes)
    CatalogPages(dependencies: d).register(on: routes)
    CatalogAdminPages(dependencies: d).register(on: routes)
    LearnerPages(dependencies: d).register(on: routes)
    ImportPages(dependencies: d).register(on: routes)
    AccountPages(dependencies: d).register(on: routes)
    AccountLinkPages(dependencies: d).register(on: routes)
    SurveyPages(dependencies: d).register(on: routes)
    StudySetupPages(dependencies: d).register(on: routes)
    CareerEventPages(dependencies: d).register(on: routes)
    StudyPages(dependencies: d).register(on: routes)
    CodebookPages(dependencies: d).register(on: routes)
    CredentialPages(d: d).register(on: routes)
    CareerPages(d: d).register(on: routes)
    return (router, routes)
}
