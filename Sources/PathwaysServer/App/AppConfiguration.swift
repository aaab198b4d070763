import Crypto
import PathwaysStore
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
    /// The address people reach the server at (links in messages, credential ids, the did:web issuer); default
    /// `http://host:port`.
    public var publicURL: String?
    /// The issuer's name in credentials.
    public var issuerName: String = "Pathways"
    /// Seals credential signing keys in the database. `pathways serve` reads it from its key file; the default, a
    /// key made for this process only, suits tests.
    public var credentialKeyring = CredentialKeyring(key: SymmetricKey(size: .bits256))
    /// Take the client's address from the last `X-Forwarded-For` entry (set this only behind a proxy that writes it),
    /// so that sign-in throttling per address sees people, not the proxy.
    public var trustForwardedFor = false
    /// Rows an import checks and writes together; a file of more is written by a background job, a chunk per
    /// transaction.
    public var importChunkRows = 5_000
    /// The folder a file mail transport writes messages to (`--mail file:…`), so that a withdrawal can remove the
    /// copies sent to the learner.
    public var mailFolder: String?

    public var resolvedPublicURL: String {
        let url = publicURL ?? "http://\(host):\(port)"
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    public init() {}
}
