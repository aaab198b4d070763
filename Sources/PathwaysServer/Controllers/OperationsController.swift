import Foundation
import Hummingbird
import PathwaysStore

/// Health, metrics, the OpenAPI document and the stylesheet.
struct OperationsController {
    let dependencies: Dependencies

    static func resource(_ name: String) throws -> ByteBuffer {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Static"),
              let data = try? Data(contentsOf: url)
        else { throw AppError.notFound("resource \(name) is missing from the bundle") }
        return ByteBuffer(bytes: data)
    }

    func register(on routes: RouteTable) throws {
        let store = dependencies.store
        let metrics = dependencies.metrics
        let openAPI = try Self.resource("openapi.json")
        let css = try Self.resource("style.css")
        let surveyScript = try Self.resource("survey.js")

        routes.get("/health", access: "public") { _, _ -> Response in
            let ok = await store.ping()
            let body = #"{"status":"\#(ok ? "ok" : "unavailable")","database":"\#(store.dialect.rawValue)"}"#
            return Response(status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        // Liveness: the process answers, whatever the database is doing (for a supervisor's restart decision).
        routes.get("/health/live", access: "public") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        routes.get("/metrics", access: "public") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        routes.get("/openapi.json", access: "public") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"], body: .init(byteBuffer: openAPI))
        }
        routes.get("/static/style.css", access: "public") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: css))
        }
        // Survey pages' one enhancement: same-page follow-ups hidden until they apply.
        routes.get("/static/survey.js", access: "public") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: surveyScript))
        }
    }
}
