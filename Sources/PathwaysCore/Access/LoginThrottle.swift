import Foundation

/// Slowing down password guessing, per account and per client address. An attempt counts as a failure from the
/// moment it is made (so parallel guesses see each other) until it succeeds. After `freeFailures` failures in a row
/// the next attempt waits `baseDelay`, then twice that after each further failure, up to `maxDelay`; failures older
/// than `forgetAfter` are forgotten. A waiting attempt is refused before its password is checked, whether or not the
/// email belongs to an account, so the answer never tells which emails exist.
public enum LoginThrottle {
    public struct Rule: Sendable, Equatable {
        public var freeFailures: Int
        public var baseDelay: TimeInterval
        public var maxDelay: TimeInterval
        public var forgetAfter: TimeInterval

        public init(freeFailures: Int, baseDelay: TimeInterval, maxDelay: TimeInterval, forgetAfter: TimeInterval) {
            self.freeFailures = freeFailures
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.forgetAfter = forgetAfter
        }
    }

    /// One account (by the email typed, whether or not an account has it): 5 failures, then 1 s, 2 s, 4 s … 15 min.
    public static let perAccount = Rule(freeFailures: 5, baseDelay: 1, maxDelay: 900, forgetAfter: 86_400)
    /// One client address, which people behind one NAT share: 20 failures, then the same back-off.
    public static let perAddress = Rule(freeFailures: 20, baseDelay: 1, maxDelay: 900, forgetAfter: 86_400)

    public struct State: Sendable, Equatable {
        public var failures: Int
        public var lastFailureAt: Date
        public var blockedUntil: Date?

        public init(failures: Int, lastFailureAt: Date, blockedUntil: Date?) {
            self.failures = failures
            self.lastFailureAt = lastFailureAt
            self.blockedUntil = blockedUntil
        }
    }

    /// Seconds before an attempt is heard, or nil when it may be made now.
    public static func wait(_ state: State?, now: Date) -> TimeInterval? {
        guard let until = state?.blockedUntil, until > now else { return nil }
        return until.timeIntervalSince(now)
    }

    /// The delay after `failures` failures in a row, or nil while they are within the free ones.
    public static func delay(afterFailures failures: Int, rule: Rule) -> TimeInterval? {
        guard failures >= rule.freeFailures else { return nil }
        let doublings = Double(min(failures - rule.freeFailures, 40))
        return min(rule.baseDelay * pow(2, doublings), rule.maxDelay)
    }

    /// The state once an attempt is made (counted as failed until it succeeds).
    public static func afterAttempt(_ state: State?, rule: Rule, now: Date) -> State {
        let previous = state.flatMap { now.timeIntervalSince($0.lastFailureAt) < rule.forgetAfter ? $0.failures : nil } ?? 0
        let failures = previous + 1
        return State(failures: failures, lastFailureAt: now, blockedUntil: delay(afterFailures: failures, rule: rule).map { now.addingTimeInterval($0) })
    }

    /// The state once an attempt succeeded: the account's failures are forgotten (nil); an address's count loses the
    /// attempt that was counted when it was made.
    public static func afterSuccess(_ state: State?, rule: Rule, forget: Bool) -> State? {
        guard let state, !forget, state.failures > 1 else { return nil }
        let failures = state.failures - 1
        return State(failures: failures, lastFailureAt: state.lastFailureAt,
                     blockedUntil: delay(afterFailures: failures, rule: rule).map { state.lastFailureAt.addingTimeInterval($0) })
    }
}
