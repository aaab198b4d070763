import Foundation

/// A wave's invitation log, as REDCap users ask for it: every case's messages with their state, and what comes
/// next for the case (scheduled, held by the contact cap until a date, finished), so a researcher can find one
/// case, resend or cancel.
public enum InvitationLog {
    /// One message's state in words.
    public enum MessageState: String, Sendable, CaseIterable {
        case written, sending, sent, failed, bounced, cancelled

        /// From the outbox status and whether the case's address was refused.
        public init(status: String, bounced: Bool) {
            switch status {
            case "pending": self = .written
            case "sending": self = .sending
            case "sent": self = .sent
            case "cancelled": self = .cancelled
            default: self = bounced ? .bounced : .failed
            }
        }
    }

    /// What comes next for a case, in words, from the contact plan's decision.
    public static func next(_ decision: ContactPlan.Decision, stopped: Bool, state: WaveState) -> String {
        if stopped { return "cancelled: no more messages" }
        func what(_ m: ContactPlan.Message) -> String { if case .reminder(let n) = m { "reminder \(n)" } else { "invitation" } }
        switch decision {
        case .finished(.responded): return "finished: responded"
        case .finished(.optedOut): return "finished: opted out"
        case .finished(.remindersExhausted): return "finished: every reminder sent"
        case .finished(.waveClosed): return "finished: the wave is closed"
        case .send(let m): return state == .launched ? "\(what(m)) due now" : "\(what(m)) due, waiting for launch"
        case .wait(let until, let m): return "\(what(m)) scheduled \(CalendarDay.format(until))"
        case .heldByCap(let until, let m): return "\(what(m)) held by the contact cap until \(CalendarDay.format(until))"
        }
    }

    /// Whether a case may be sent its message again now: it has one that went out or failed, has not answered or
    /// opted out, the wave is launched and open, and the cap allows one more.
    public static func resendRefusal(hasMessage: Bool, responded: Bool, optedOut: Bool, waveState: WaveState, closed: Bool, capFreesAt: Date?) -> String? {
        if !hasMessage { return "the case has had no message yet; the schedule sends its invitation" }
        if responded { return "the case has responded" }
        if optedOut { return "the learner opted out of the study" }
        if closed || waveState == .closed { return "the wave is closed" }
        if waveState != .launched { return "the wave is not launched" }
        if let free = capFreesAt { return "the learner has had as many messages as the contact cap allows; one more fits on \(CalendarDay.format(free))" }
        return nil
    }
}
