import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// Every log line, as the process writes it (through `RedactingLogHandler`), kept for a test to read.
final class CapturedLog: @unchecked Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
            let line = "\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.lines.withLockedValue { $0.append(line) }
        }
    }

    /// A logger at `level` writing here through the same redaction the `pathways` command installs.
    func logger(_ level: Logger.Level) -> Logger {
        var logger = Logger(label: "captured") { _ in RedactingLogHandler(Handler(log: self)) }
        logger.logLevel = level
        return logger
    }
}

@Suite struct LogRedactionTests {
    /// Every route parameter is decided: a secret (masked in the log) or a plain id. A new `{name}` in neither list fails
    /// here, so a route with a token in its path cannot ship unmasked.
    @Test func everyRouteParameterIsClassifiedAndEverySecretOneIsMasked() async throws {
        try await TestWorld.run { w, _ in
            let (_, table) = try buildRouter(Dependencies(configuration: TestWorld.configuration, store: w.store, views: try await Views.load(), metrics: .init()))
            var secretRoutes = 0
            for route in w.routes {
                let names = route.path.split(separator: "/").compactMap(Redaction.parameterName)
                for name in names {
                    #expect(Redaction.secretPathParameters.contains(name) || Redaction.plainPathParameters.contains(name),
                            "\(route.method) \(route.path): is {\(name)} a secret (Redaction.secretPathParameters) or a plain id (plainPathParameters)?")
                }
                guard names.contains(where: Redaction.secretPathParameters.contains) else { continue }
                secretRoutes += 1
                let value = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
                let filled = route.path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
                    guard let name = Redaction.parameterName(segment) else { return String(segment) }
                    return Redaction.secretPathParameters.contains(name) ? value : "x"
                }.joined(separator: "/")
                let logged = table.masker.mask(filled)
                #expect(!logged.contains(value), "\(route.path) logs its secret: \(logged)")
                #expect(logged.contains("[token]"))
            }
            #expect(secretRoutes >= 5, "survey links (page, opt-out) and share links (page, file) carry tokens")
        }
    }

    /// Survey and share links requested, a sign-in with an email, all logged at trace: no token, no email, no bound
    /// value reaches a line, though the SQL does (so the check could fail).
    @Test(arguments: TestDatabase.allCases)
    func noTokenEmailOrBoundValueReachesTheLogAtAnyLevel(_ db: TestDatabase) async throws {
        let captured = CapturedLog()
        try await TestWorld.run(db, logger: captured.logger(.trace)) { w, client in
            let f = try await FieldedWave.make(w)
            let survey = try #require(f.tokens["A1"])
            _ = try await client.execute(uri: "/s/\(survey)", method: .get)
            _ = try await client.execute(uri: "/s/\(survey)/opt-out", method: .get)
            let a1 = try #require(w.learnerIDs["A1"]), credential = try #require(w.credentialIDs["A1"])
            let share = try await CredentialRepository(store: w.store, keyring: TestWorld.keyring).share(id: credential)
            #expect(try await client.execute(uri: "/c/\(share)", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/c/\(share)/credential.jwt", method: .get).status == .ok)
            _ = try await WebTests.signIn(w, "learnerA", client: client)
            _ = a1
            let text = captured.text
            #expect(text.contains("Executing query") && text.contains("binds=\(Redaction.mask)"), "SQL is logged at trace, its bound values masked")
            #expect(text.contains("/s/[token]") && text.contains("/c/[token]/credential.jwt"))
            for secret in [survey, share, "learnerA@pathways.test", "ana@example.org", try #require(w.passwords["learnerA"])] {
                #expect(!text.contains(secret), "\(secret.prefix(12))… reached the log")
            }
        }
    }
}
