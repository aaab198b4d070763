import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing, run on the thread pool so a slow hash never blocks an event loop.
public struct Passwords: Sendable {
    public var cost: UInt8

    public init(cost: UInt8) { self.cost = cost }

    /// A password a person may choose: 12 to 200 characters.
    public static func check(_ password: String) throws(AppError) {
        guard password.count >= 12 else { throw .badRequest("the password must be at least 12 characters") }
        guard password.count <= 200 else { throw .badRequest("the password must be at most 200 characters") }
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of a random secret, compared against when the email is unknown, so a failed sign-in takes the
    /// same time whether or not the account exists.
    public static let decoyHash = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO8MZ2uQwQb5Gk7Xq4l8y7cQmY5n1b1vS"

    /// A random password for generated accounts: 24 URL-safe characters.
    public static func generate() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }
}
