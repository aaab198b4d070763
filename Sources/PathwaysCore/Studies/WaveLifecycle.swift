import Foundation

/// Where a wave is in its life. A person creates it as a draft, edits it and previews its frame until launch;
/// launched, its messages go out; paused, nothing is sent (links keep working); closed, nothing is sent or taken.
public enum WaveState: String, Sendable, Codable, CaseIterable {
    case draft, launched, paused, closed

    public var label: String {
        switch self {
        case .draft: "Draft"
        case .launched: "Launched"
        case .paused: "Paused"
        case .closed: "Closed"
        }
    }
}

/// What may be done to a wave, decided from its state and what it has sent.
public enum WaveLifecycle {
    public enum Action: String, Sendable, CaseIterable {
        case edit, computeFrame = "frame", launch, pause, close
    }

    /// What a wave's record says, for the decisions below.
    public struct Facts: Sendable, Equatable {
        public var state: WaveState
        public var frameComputed: Bool
        /// Cases that have been invited (or opened a link).
        public var invited: Int
        public var closesAt: Date

        public init(state: WaveState, frameComputed: Bool, invited: Int, closesAt: Date) {
            self.state = state
            self.frameComputed = frameComputed
            self.invited = invited
            self.closesAt = closesAt
        }
    }

    /// Why `action` may not be done now, or nil when it may.
    public static func refusal(_ action: Action, _ facts: Facts, now: Date) -> String? {
        let closed = facts.state == .closed || now >= facts.closesAt
        switch action {
        case .edit:
            if closed { return "the wave is closed" }
            if facts.invited > 0 { return "the wave has sent invitations; what it sent and to whom is fixed" }
            return nil
        case .computeFrame:
            if closed { return "the wave is closed" }
            if facts.invited > 0 { return "the wave has sent invitations; its frame is fixed" }
            return nil
        case .launch:
            if closed { return "the wave is closed" }
            if facts.state == .launched { return "the wave is already launched" }
            if !facts.frameComputed { return "compute and check the frame first" }
            return nil
        case .pause:
            if closed { return "the wave is closed" }
            return facts.state == .launched ? nil : "only a launched wave can be paused"
        case .close:
            if facts.state == .closed { return "the wave is already closed" }
            return facts.state == .draft ? "a draft has nothing to close; edit it or leave it" : nil
        }
    }

    /// The actions the wave page offers now.
    public static func available(_ facts: Facts, now: Date) -> [Action] {
        Action.allCases.filter { refusal($0, facts, now: now) == nil }
    }

    /// The state after `action`.
    public static func next(_ action: Action, from state: WaveState) -> WaveState {
        switch action {
        case .launch: .launched
        case .pause: .paused
        case .close: .closed
        case .edit, .computeFrame: state
        }
    }

    /// A short status line: the state, and where the wave stands against its dates.
    public static func status(_ facts: Facts, opensAt: Date, now: Date) -> String {
        if facts.state == .closed || now >= facts.closesAt { return "Closed" }
        switch facts.state {
        case .draft: return facts.frameComputed ? "Draft: frame computed, ready to launch" : "Draft: frame not computed"
        case .paused: return "Paused: nothing is sent"
        case .launched: return now < opensAt ? "Launched: opens \(CalendarDay.format(opensAt))" : "In the field"
        case .closed: return "Closed"
        }
    }
}

/// Everything a person sets on a wave: when it runs, whom it frames, what it sends, how it screens.
public struct WaveSettings: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var instrumentVersionID: UUID
    public var opensAt: Date
    public var closesAt: Date
    public var frameRule: FrameRule
    public var reminderDays: [Int]
    public var screenItem: String?
    public var eligibilityMonths: Int?
    public var messageSubject: String
    public var messageBody: String

    public init(number: Int, title: String, instrumentVersionID: UUID, opensAt: Date, closesAt: Date, frameRule: FrameRule,
                reminderDays: [Int], screenItem: String? = nil, eligibilityMonths: Int? = nil, messageSubject: String, messageBody: String) {
        self.number = number
        self.title = title
        self.instrumentVersionID = instrumentVersionID
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.frameRule = frameRule
        self.reminderDays = reminderDays
        self.screenItem = screenItem
        self.eligibilityMonths = eligibilityMonths
        self.messageSubject = messageSubject
        self.messageBody = messageBody
    }

    public var message: MessageTemplate { MessageTemplate(subject: messageSubject, body: messageBody) }

    /// What is wrong, by field, given the wave's instrument form and the study's other waves' numbers.
    public func problems(form: XLSForm?, otherWaves: Set<Int>) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if number < 1 || number > 999 { problems.append(.init("number", "a whole number from 1 to 999")) }
        if otherWaves.contains(number) { problems.append(.init("number", "the study already has a wave \(number)")) }
        let title = title.trimmingCharacters(in: .whitespaces)
        if title.isEmpty { problems.append(.init("title", "give the wave a title")) }
        if title.count > 200 { problems.append(.init("title", "at most 200 characters")) }
        if form == nil { problems.append(.init("instrument", "choose an instrument version of this study")) }
        if closesAt <= opensAt { problems.append(.init("closes", "the wave must close after it opens")) }
        let days = Int(closesAt.timeIntervalSince(opensAt) / 86_400)
        if reminderDays.contains(where: { $0 < 1 }) { problems.append(.init("reminders", "days after the invitation, each 1 or more")) }
        if reminderDays != reminderDays.sorted() || Set(reminderDays).count != reminderDays.count {
            problems.append(.init("reminders", "list the days in increasing order, each once (e.g. 7, 14)"))
        }
        if reminderDays.count > 10 { problems.append(.init("reminders", "at most 10 reminders")) }
        if let last = reminderDays.last, closesAt > opensAt, last >= days {
            problems.append(.init("reminders", "day \(last) is after the wave closes (it runs \(days) days)"))
        }
        for wave in frameRule.wavesRead where wave >= number {
            problems.append(.init("frame", "a frame can only use earlier waves; wave \(wave) is not before wave \(number)"))
        }
        if let item = screenItem {
            if let form {
                if form.question(named: item) == nil { problems.append(.init("screen_item", "\(item) is not a question of the instrument")) }
            }
            if eligibilityMonths == nil { problems.append(.init("eligibility_months", "say how many months after completing a program a learner is eligible")) }
        } else if eligibilityMonths != nil {
            problems.append(.init("screen_item", "name the screening question the months are checked against"))
        }
        if let m = eligibilityMonths, !(0...240).contains(m) { problems.append(.init("eligibility_months", "a whole number of months from 0 to 240")) }
        problems += message.problems.map { .init($0.field == "subject" ? "message_subject" : "message_body", $0.message) }
        return problems
    }
}

/// A study's settings as a person sets them.
public struct StudySettings: Sendable, Equatable {
    public var key: String
    public var title: String
    public var description: String?
    public var eligibilitySource: EligibilitySource
    public var partialShare: Double

    public init(key: String, title: String, description: String? = nil, eligibilitySource: EligibilitySource = .record, partialShare: Double = 0.5) {
        self.key = key
        self.title = title
        self.description = description
        self.eligibilitySource = eligibilitySource
        self.partialShare = partialShare
    }

    public func problems(takenKeys: Set<String>) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if key.isEmpty || key.count > 40 || !key.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "_" }) {
            problems.append(.init("key", "a short key of lower-case letters, digits, - or _ (e.g. credential-outcomes); it appears in addresses"))
        }
        if key == "new" { problems.append(.init("key", "new is the address of the new-study form; choose another key")) }
        if takenKeys.contains(key) { problems.append(.init("key", "another study already has the key \(key)")) }
        let title = title.trimmingCharacters(in: .whitespaces)
        if title.isEmpty { problems.append(.init("title", "give the study a title")) }
        if title.count > 200 { problems.append(.init("title", "at most 200 characters")) }
        if (description?.count ?? 0) > 5_000 { problems.append(.init("description", "at most 5,000 characters")) }
        if !(partialShare > 0 && partialShare <= 1) {
            problems.append(.init("partial_share", "the share of applicable questions that makes a partial interview, above 0 and at most 1 (e.g. 0.5)"))
        }
        return problems
    }
}
