import Foundation

/// When to write to a person in a wave: a first invitation, then reminders a set number of days after it,
/// until they respond or opt out, and never more than `capMessages` messages in any `capDays` days across
/// every study (the seed's study emailed each person 2–3 times; a cap keeps several studies from doing
/// that at once).
public struct ContactPlan: Codable, Sendable, Equatable {
    /// Days after the invitation at which each reminder is due, e.g. [7, 14] for two weekly reminders.
    public var reminderDays: [Int]
    public var capMessages: Int
    public var capDays: Int

    public init(reminderDays: [Int], capMessages: Int, capDays: Int) {
        self.reminderDays = reminderDays
        self.capMessages = capMessages
        self.capDays = capDays
    }

    /// Where one person stands in one wave.
    public struct CaseState: Sendable, Equatable {
        public var invitedAt: Date?
        public var remindersSent: Int
        public var responded: Bool
        public var optedOut: Bool

        public init(invitedAt: Date? = nil, remindersSent: Int = 0, responded: Bool = false, optedOut: Bool = false) {
            self.invitedAt = invitedAt
            self.remindersSent = remindersSent
            self.responded = responded
            self.optedOut = optedOut
        }
    }

    public enum Message: Sendable, Equatable {
        case invitation
        /// 1-based reminder number.
        case reminder(Int)
    }

    public enum Decision: Sendable, Equatable {
        case send(Message)
        /// The next message is not due yet.
        case wait(until: Date, Message)
        /// Due, but the person has had `capMessages` messages in the last `capDays` days.
        case heldByCap(until: Date, Message)
        case finished(Reason)

        public enum Reason: Sendable, Equatable { case responded, optedOut, remindersExhausted, waveClosed }
    }

    /// What to do for a case at `now`, given every message the person was sent (any study) and the wave's
    /// open and close times.
    public func decide(_ state: CaseState, history: [Date], opens: Date, closes: Date, now: Date) -> Decision {
        if state.responded { return .finished(.responded) }
        if state.optedOut { return .finished(.optedOut) }
        if now >= closes { return .finished(.waveClosed) }
        let message: Message
        let due: Date
        if let invited = state.invitedAt {
            guard state.remindersSent < reminderDays.count else { return .finished(.remindersExhausted) }
            message = .reminder(state.remindersSent + 1)
            due = CalendarDay.adding(days: reminderDays[state.remindersSent], to: invited)
        } else {
            message = .invitation
            due = opens
        }
        if due >= closes { return .finished(state.invitedAt == nil ? .waveClosed : .remindersExhausted) }
        if now < due { return .wait(until: due, message) }
        if let free = capFreesAt(history: history, now: now) {
            return free >= closes ? .finished(.waveClosed) : .heldByCap(until: free, message)
        }
        return .send(message)
    }

    /// nil when a message may go now; otherwise the moment the oldest message in the window leaves it.
    public func capFreesAt(history: [Date], now: Date) -> Date? {
        let windowStart = now.addingTimeInterval(-Double(capDays) * 86_400)
        let recent = history.filter { $0 > windowStart && $0 <= now }.sorted()
        guard recent.count >= capMessages else { return nil }
        // Enough of the oldest must age out for one more message to fit.
        let mustLeave = recent[recent.count - capMessages]
        return mustLeave.addingTimeInterval(Double(capDays) * 86_400)
    }
}
