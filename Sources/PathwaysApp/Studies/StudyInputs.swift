import Foundation
import PathwaysCore
import PathwaysStore

/// A study or wave as a person fills it in: every field as text, as a form, a JSON body or command options carry
/// it. A field left out (nil) keeps what the study or wave has (or the default, when creating). Reading them is
/// the same for every door, so the page, the API and the command accept and refuse the same things, with the
/// same field names.
public struct StudyInput: Sendable, Equatable {
    public var key: String?
    public var title: String?
    public var description: String?
    /// `record` or `self_report`.
    public var eligibilitySource: String?
    public var partialShare: String?

    public init(key: String? = nil, title: String? = nil, description: String? = nil, eligibilitySource: String? = nil, partialShare: String? = nil) {
        self.key = key
        self.title = title
        self.description = description
        self.eligibilitySource = eligibilitySource
        self.partialShare = partialShare
    }

    public func settings(over base: StudySettings?) throws -> StudySettings {
        var s = base ?? StudySettings(key: "", title: "")
        var problems: [FieldProblem] = []
        if let key { s.key = key.trimmingCharacters(in: .whitespaces) }
        if let title { s.title = title }
        if let description { s.description = description }
        if let source = eligibilitySource {
            if let value = EligibilitySource(rawValue: source.trimmingCharacters(in: .whitespaces)) { s.eligibilitySource = value } else {
                problems.append(.init("eligibility_source", "record (the learner's records decide) or self_report (the learner's answer decides)"))
            }
        }
        if let share = partialShare {
            if let value = Double(share.trimmingCharacters(in: .whitespaces)) { s.partialShare = value } else {
                problems.append(.init("partial_share", "a number above 0 and at most 1, e.g. 0.5"))
            }
        }
        if !problems.isEmpty { throw UseCaseError.rejected(problems) }
        return s
    }
}

public struct WaveInput: Sendable, Equatable {
    public var number: String?
    public var title: String?
    /// An instrument version's id, or "key" (its latest version) or "key v2".
    public var instrument: String?
    /// A day (YYYY-MM-DD, the wave opens at its start in UTC) or an ISO 8601 time.
    public var opens: String?
    public var closes: String?
    /// The frame rule in its words (see `FrameRule(text:)`).
    public var frame: String?
    /// Days after the invitation, comma-separated ("7, 14"), or empty for none.
    public var reminders: String?
    /// The screening question, or empty for none.
    public var screenItem: String?
    public var eligibilityMonths: String?
    public var messageSubject: String?
    public var messageBody: String?

    public init(number: String? = nil, title: String? = nil, instrument: String? = nil, opens: String? = nil, closes: String? = nil,
                frame: String? = nil, reminders: String? = nil, screenItem: String? = nil, eligibilityMonths: String? = nil,
                messageSubject: String? = nil, messageBody: String? = nil) {
        self.number = number
        self.title = title
        self.instrument = instrument
        self.opens = opens
        self.closes = closes
        self.frame = frame
        self.reminders = reminders
        self.screenItem = screenItem
        self.eligibilityMonths = eligibilityMonths
        self.messageSubject = messageSubject
        self.messageBody = messageBody
    }

    /// The input as a wave's text fields, for a form that edits it.
    public init(_ wave: Wave, instrument: String) {
        self.init(number: String(wave.number), title: wave.title, instrument: instrument, opens: Self.format(wave.opensAt), closes: Self.format(wave.closesAt),
                  frame: wave.frameRule.text, reminders: wave.reminderDays.map(String.init).joined(separator: ", "), screenItem: wave.screenItem ?? "",
                  eligibilityMonths: wave.eligibilityMonths.map(String.init) ?? "", messageSubject: wave.messageSubject, messageBody: wave.messageBody)
    }

    /// A day when the time is midnight UTC, else the ISO 8601 time.
    static func format(_ date: Date) -> String {
        let day = CalendarDay.format(date)
        return CalendarDay.parse(day) == date ? day : ISO8601DateFormatter().string(from: date)
    }

    static func date(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.count == 10, let day = CalendarDay.parse(t) { return day }
        return ISO8601DateFormatter().date(from: t)
    }

    /// Reads every field over `base` (the wave being edited, or nil), naming each field that cannot be read.
    /// `version` resolves the instrument field to one of the study's versions.
    func settings(over base: WaveSettings?, version: (String) async throws -> InstrumentVersion?) async throws -> WaveSettings {
        var problems: [FieldProblem] = []
        func need<T>(_ value: T?, _ field: String) -> T? {
            if value == nil, base == nil { problems.append(.init(field, "required")) }
            return value
        }
        func text(_ s: String?) -> String? { s.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        var number = base?.number ?? 0
        if let t = need(text(self.number), "number") {
            if let n = Int(t) { number = n } else { problems.append(.init("number", "a whole number, e.g. 3")) }
        }
        var versionID = base?.instrumentVersionID
        if let t = need(text(instrument), "instrument") {
            if let v = try await version(t) { versionID = v.id } else { problems.append(.init("instrument", "the study has no instrument version \(t)")) }
        }
        var opensAt = base?.opensAt ?? Date(timeIntervalSince1970: 0), closesAt = base?.closesAt ?? Date(timeIntervalSince1970: 0)
        if let t = need(text(opens), "opens") {
            if let d = Self.date(t) { opensAt = d } else { problems.append(.init("opens", "a day as YYYY-MM-DD (or an ISO 8601 time)")) }
        }
        if let t = need(text(closes), "closes") {
            if let d = Self.date(t) { closesAt = d } else { problems.append(.init("closes", "a day as YYYY-MM-DD (or an ISO 8601 time)")) }
        }
        var rule = base?.frameRule ?? .all([])
        if let t = need(text(frame), "frame") {
            do { rule = try FrameRule(text: t) } catch { problems.append(.init("frame", error.description)) }
        }
        var days = base?.reminderDays ?? [7, 14]
        if let t = text(reminders) {
            let parts = t.split(whereSeparator: { $0 == "," || $0 == " " }).filter { !$0.isEmpty }
            let read = parts.compactMap { Int($0) }
            if read.count == parts.count { days = read } else { problems.append(.init("reminders", "days after the invitation, comma-separated (e.g. 7, 14), or empty for none")) }
        }
        var screen = base?.screenItem
        if let t = text(screenItem) { screen = t.isEmpty ? nil : t }
        var months = base?.eligibilityMonths
        if let t = text(eligibilityMonths) {
            if t.isEmpty { months = nil } else if let m = Int(t) { months = m } else { problems.append(.init("eligibility_months", "a whole number of months, or empty")) }
        }
        let subject = text(messageSubject).flatMap { $0 } ?? base?.messageSubject
        let body = messageBody ?? base?.messageBody
        _ = need(subject, "message_subject")
        _ = need(body, "message_body")
        if !problems.isEmpty { throw UseCaseError.rejected(problems) }
        return WaveSettings(number: number, title: title ?? base?.title ?? "", instrumentVersionID: versionID ?? UUID(), opensAt: opensAt, closesAt: closesAt,
                            frameRule: rule, reminderDays: days, screenItem: screen, eligibilityMonths: months,
                            messageSubject: subject ?? "", messageBody: body ?? "")
    }
}

extension StudyAdministration {
    public func create(_ input: StudyInput, by user: UUID?) async throws -> Study {
        try await create(try input.settings(over: nil), by: user)
    }

    public func edit(_ study: Study, _ input: StudyInput, by user: UUID?) async throws -> Study {
        try await edit(study, try input.settings(over: study.settings), by: user)
    }

    public func createWave(_ study: Study, _ input: WaveInput, by user: UUID?) async throws -> Wave {
        try await createWave(study, try await input.settings(over: nil, version: { try await self.version(input: $0, of: study) }), by: user)
    }

    public func editWave(_ study: Study, _ wave: Wave, _ input: WaveInput, by user: UUID?, now: Date = Date()) async throws -> Wave {
        try await editWave(study, wave, try await input.settings(over: wave.settings, version: { try await self.version(input: $0, of: study) }), by: user, now: now)
    }

    /// An instrument field: a version id, "key" or "key v2"; nil when the study has none such.
    func version(input: String, of study: Study) async throws -> InstrumentVersion? {
        if let id = UUID(uuidString: input) { return try? await version(id, of: study) }
        return try? await version(named: input, of: study)
    }

    /// The study's instrument versions, newest last within each instrument, as "key vN".
    public func versionList(_ study: Study) async throws -> [StudyRepository.VersionSummary] {
        try await StudyRepository(store: store).versions(study: study)
    }
}
