import Foundation
import PathwaysCore
import PathwaysStore

/// The fieldwork round: every invitation and reminder that is due written to the outbox (each with a fresh link), then
/// the outbox delivered by whatever carries mail. The server runs it on a timer, `pathways send` from cron, a
/// researcher's "write due messages now" button by hand, and the demo for its past waves — the same rules for all.
public struct Fieldwork: Sendable {
    let outbox: OutboxRepository

    public init(store: Store) { outbox = OutboxRepository(store: store) }

    /// Writes every message due at `now` in every wave in the field; with `dryRun`, counts the same way and writes nothing.
    @discardableResult
    public func plan(now: Date = Date(), dryRun: Bool = false) async throws -> OutboxRepository.PlanReport {
        try await outbox.plan(now: now, dryRun: dryRun)
    }

    /// What one attempt to send a message came to.
    public enum Attempt: Sendable, Equatable {
        case sent
        /// The carrier already held it from an attempt cut short by a crash: recorded as sent, not sent again.
        case alreadyDelivered
        /// Refused or not reached; `permanent` when the address itself was refused (a bounce).
        case failed(String, permanent: Bool)
    }

    public struct Delivered: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        public var retrying = 0
        public var alreadyDelivered = 0
        public init() {}
    }

    /// Claims batches for `worker` until nothing is claimable, hands each message to `send` and records the outcome: a
    /// permanent failure, or the fifth transient one, ends the message and makes its case undeliverable. `now` dates
    /// the claims and outcomes (the clock when nil).
    public func deliver(worker: String, lease: TimeInterval = 300, batch: Int = 50, now: Date? = nil,
                        send: (OutboxRepository.Claimed) async -> Attempt) async throws -> Delivered {
        var result = Delivered()
        while true {
            let claimed = try await outbox.claim(worker: worker, limit: batch, lease: lease, now: now ?? Date())
            if claimed.isEmpty { return result }
            for message in claimed {
                let attempt = await send(message)
                switch attempt {
                case .sent, .alreadyDelivered:
                    try await outbox.markSent(message, worker: worker, now: now ?? Date())
                    result.sent += 1
                    if attempt == .alreadyDelivered { result.alreadyDelivered += 1 }
                case .failed(let error, let permanent):
                    try await outbox.markFailed(message, worker: worker, error: error, permanent: permanent, now: now ?? Date())
                    if permanent || message.attempts >= 5 { result.failed += 1 } else { result.retrying += 1 }
                }
            }
        }
    }
}
