import HummingbirdBcrypt
import NIOPosix
import PathwaysApp

/// bcrypt hashing, run on the thread pool so a slow hash never blocks an event loop.
public struct Passwords: PasswordHashing {
    public var cost: UInt8

    public init(cost: UInt8) { self.cost = cost }

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
}
