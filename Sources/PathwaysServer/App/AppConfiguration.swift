import Foundation
import Logging

/// How the server runs. Every field has a safe default; `pathways serve` fills it from flags and
/// environment variables (`PATHWAYS_HOST`, `PATHWAYS_PORT`...); the database is opened by the caller and
/// passed to `buildApplication` as a `Store`.
public struct AppConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Mark cookies Secure (sent over HTTPS only; browsers also accept them on http://localhost). Turn off
    /// only for plain-HTTP testing on another host name.
    public var secureCookies: Bool = true
    /// bcrypt cost for password hashes; 12 in production, lower in tests.
    public var bcryptCost: UInt8 = 12
    public var sessionLifetime: TimeInterval = 8 * 3600
    public var logLevel: Logger.Level = .info

    public init() {}
}
