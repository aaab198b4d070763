import Foundation
import PathwaysCore
import PathwaysStore

/// A learner's two ways out, chosen separately: **from research** (each study applies its withdrawal policy, no
/// further survey messages, no later wave; account, credentials and career support stay) and **closing the account**
/// (that, and identity, profile, shared credentials, career support and the account itself removed). The learner
/// themselves or an administrator recording their request; confirmed by typing the learner's platform id; audited.
/// The record page, `pathways withdraw` and the tests come here.
public struct Withdrawals: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    public enum Scope: String, Sendable, CaseIterable {
        /// From every study; the account and everything else stay.
        case research
        /// From research, and the account closed with the learner's personal data removed.
        case everything

        /// The scope a form or command names; without a choice (or one not understood), the lesser: research only,
        /// since closing the account cannot be undone.
        public static func chosen(_ text: String?) -> Scope {
            text.flatMap { Scope(rawValue: $0.trimmingCharacters(in: .whitespaces)) } ?? .research
        }
    }

    /// Withdraws `learner` as `scope` says, once `confirm` is their platform id exactly. `reason` (how the learner
    /// asked, when an administrator records it) and `channel` (where: "on the record page") go to the audit log.
    public func withdraw(_ scope: Scope, learner id: UUID, confirm: String?, reason: String?, channel: String, by p: Principal,
                         now: Date = Date()) async throws -> PrivacyRepository.Withdrawal {
        guard AccessPolicy.canWithdraw(learner: id, by: p) else { throw UseCaseError.forbidden("only the learner or an administrator can withdraw a learner") }
        guard let learner = try await LearnerRepository(store: store).learner(id: id) else { throw UseCaseError.notFound("There is no learner with that id.") }
        if let at = learner.withdrawnAt { throw UseCaseError.conflict("This learner closed their account on \(CalendarDay.format(at)); there is nothing left to remove.") }
        if scope == .research, let at = learner.researchWithdrawnAt { throw UseCaseError.conflict("This learner withdrew from research on \(CalendarDay.format(at)).") }
        guard confirm?.trimmingCharacters(in: .whitespaces) == learner.key else {
            throw UseCaseError.rejected([.init("confirm", "Type the learner id \(learner.key) exactly to confirm the withdrawal; nothing was changed.")])
        }
        let who = AccessPolicy.isSelf(id, p) ? "the learner" : "an administrator"
        let via = "\(who), \(channel)" + (reason.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : ": \($0.prefix(300))" } ?? "")
        let privacy = PrivacyRepository(store: store)
        do {
            switch scope {
            case .research: return try await privacy.withdrawFromResearch(learner: id, by: p.accountID, via: via, now: now)
            case .everything: return try await privacy.withdraw(learner: id, by: p.accountID, via: via, now: now)
            }
        } catch StoreError.conflict(let message) {
            throw UseCaseError.conflict(message)
        }
    }
}
