import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysServer
import PathwaysStore
import PathwaysTestSupport

/// A small initiative (the import fixtures) with one account per role, served by the real application.
struct TestWorld: Sendable {
    let store: Store
    let routes: [RouteInfo]
    var tokens: [String: String] = [:]
    var passwords: [String: String] = [:]
    var learnerIDs: [String: UUID] = [:]
    /// The credential each completer was issued, by learner key.
    var credentialIDs: [String: UUID] = [:]

    static let cost: UInt8 = 4
    /// The application's key for sealing credential keys, shared with the setup that issues the fixtures' credentials.
    static let keyring = CredentialKeyring.ephemeral()

    static var configuration: AppConfiguration {
        var c = AppConfiguration()
        c.bcryptCost = cost
        c.host = "127.0.0.1"
        c.port = 0
        c.credentialKeyring = keyring
        return c
    }

    /// Builds the world on `db` and runs `body` with a client of the real application.
    static func run(_ db: TestDatabase = .sqlite, logger: Logger = TestDatabase.logger, live: Bool = false,
                    configuration: AppConfiguration = TestWorld.configuration,
                    _ body: @escaping @Sendable (TestWorld, any TestClientProtocol) async throws -> Void) async throws {
        try await db.withStore(logger: logger) { (store: Store) async throws in
            var made = try await TestWorld.make(store)
            let views = try await Views.load()
            let (_, table) = try buildRouter(Dependencies(configuration: configuration, store: store, views: views, metrics: .init()))
            made = TestWorld(store: made.store, routes: table.routes, tokens: made.tokens, passwords: made.passwords, learnerIDs: made.learnerIDs,
                             credentialIDs: made.credentialIDs)
            let world = made
            let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
            try await app.test(live ? .live : .router) { client in try await body(world, client) }
        }
    }

    static func make(_ store: Store) async throws -> TestWorld {
        let today = CalendarDay.date(year: 2025, month: 6, day: 1)!
        for (kind, text) in [(ImportKind.providers, Fixtures.providers), (.programs, Fixtures.programs), (.courses, Fixtures.courses),
                             (.learners, Fixtures.learners), (.enrollments, Fixtures.enrollments), (.completions, Fixtures.completions)] {
            let report = try await ImportRepository(store: store).run(kind: kind, fileName: "\(kind).csv", text: text, by: .init(userID: nil, programScope: nil), today: today)
            precondition(report.applied, report.text)
        }
        var world = TestWorld(store: store, routes: [])
        let provisioning = AccountProvisioning(store: store, passwords: Passwords(cost: cost))
        let accounts = AccountRepository(store: store)
        let plan: [(String, Role, String?, [String])] = [
            ("admin", .admin, nil, []), ("researcher", .researcher, nil, []), ("staff", .programStaff, nil, ["stats"]),
            ("employer", .employer, nil, []), ("learnerA", .learner, "A1", []), ("learnerB", .learner, "B2", []),
        ]
        for (name, role, learner, programs) in plan {
            let created = try await provisioning.create(email: "\(name)@pathways.test", role: role, learnerKey: learner, programKeys: programs)
            world.passwords[name] = created.generatedPassword
            world.tokens[name] = try await accounts.createToken(userID: created.account.id, name: "test").secret
        }
        for key in ["A1", "B2", "C3"] {
            world.learnerIDs[key] = try await LearnerRepository(store: store).learner(key: key)!.id
        }
        // A1 completed stats: their credential, issued as the server does after the completions import.
        let credentials = CredentialRepository(store: store, keyring: keyring)
        let url = configuration.resolvedPublicURL
        try await credentials.issueForCompletions(issuer: CredentialRepository.issuer(publicURL: url, name: "Pathways"), publicURL: url)
        for key in ["A1", "B2", "C3"] {
            if let c = try await credentials.credentials(learner: world.learnerIDs[key]!).first { world.credentialIDs[key] = c.id }
        }
        return world
    }

    func auth(_ who: String) -> HTTPFields {
        [.authorization: "Bearer \(tokens[who]!)"]
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer: body)) }

    /// Set-Cookie values by cookie name.
    var cookies: [String: String] {
        var result: [String: String] = [:]
        for field in headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0]
            if let eq = pair.firstIndex(of: "=") { result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]) }
        }
        return result
    }

    func setCookieLine(_ name: String) -> String? {
        headers.first { $0.name == .setCookie && $0.value.hasPrefix(name + "=") }?.value
    }
}
