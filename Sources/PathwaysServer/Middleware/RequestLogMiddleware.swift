import Foundation
import Hummingbird
import Logging
import PathwaysCore
import Prometheus

/// Gives every request an id (taken from `X-Request-Id` when a proxy set a sane one), logs one structured line
/// per request, and counts requests and their duration for `/metrics` by route template, never by raw path.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let metrics: PrometheusCollectorRegistry
    /// The registered routes, read when a request is logged (registration has finished by then), so that every
    /// route with a secret in its path is masked without a list of its own here.
    let routes: RouteTable
    static var requests: MetricNameDescriptor { MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "HTTP requests by method, route template and status") }
    static var duration: MetricNameDescriptor { MetricNameDescriptor(metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request duration by method and route template") }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.init("X-Request-Id")!]
        let id = incoming.flatMap { $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? $0 : nil } ?? UUID().uuidString.lowercased()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let route = context.endpointPath ?? "unmatched"
            let method = request.method.rawValue
            metrics.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))]).increment()
            metrics.makeDurationHistogram(descriptor: Self.duration, labels: [("method", method), ("route", route)],
                                          buckets: [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)])
                .record(elapsed)
            context.logger.info("request", metadata: [
                "method": .string(method), "path": .string(loggable(request.uri.path)), "status": .stringConvertible(status),
                "ms": .stringConvertible((Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15).rounded() ),
            ])
        }
        var response = try await next(request, context)
        status = response.status.code
        response.headers[.init("X-Request-Id")!] = id
        return response
    }

    /// The path as logged: a secret in it (a survey or share link's token) never reaches the logs, and neither does the
    /// query string (it may hold search terms about people).
    func loggable(_ path: String) -> String { routes.masker.mask(path) }
}

/// Headers every response carries: no framing, no MIME sniffing, no referrer leaks, a strict content policy
/// (pages use no inline script), and no caching of pages that may show personal data.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
