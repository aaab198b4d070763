import Foundation

/// A wave's invitation: a subject and body with merge fields (`{{first_name}}` …) filled in for each case when the
/// message is written. The links are filled in only when it is sent, from the token that is never stored in clear.
public struct MessageTemplate: Sendable, Equatable {
    public var subject: String
    public var body: String

    public init(subject: String, body: String) {
        self.subject = subject
        self.body = body
    }

    /// Every merge field, with what it becomes.
    public static let fields: [(name: String, meaning: String)] = [
        ("first_name", "the learner's first name (\"there\" when the record has no name)"),
        ("name", "the learner's full name"),
        ("program", "the program the case is tied to (\"your program\" when none)"),
        ("study", "the study's title"),
        ("wave", "the wave's title"),
        ("survey_link", "the case's own survey link (added at the end when the body has none)"),
        ("opt_out_link", "the link that stops every message of this study (added at the end when the body has none)"),
    ]

    /// The values of one case's merge fields.
    public struct Values: Sendable, Equatable {
        public var name: String?
        public var program: String?
        public var study: String
        public var wave: String

        public init(name: String?, program: String?, study: String, wave: String) {
            self.name = name
            self.program = program
            self.study = study
            self.wave = wave
        }
    }

    /// The `{{…}}` names in `text` that are not merge fields, in order of appearance.
    public static func unknownFields(in text: String) -> [String] {
        let known = Set(fields.map(\.name))
        var unknown: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { unknown.append(String(rest[open.lowerBound...].prefix(20))); break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !known.contains(name), !unknown.contains(name) { unknown.append(name) }
            rest = rest[close.upperBound...]
        }
        return unknown
    }

    /// What is wrong with the template, by field ("subject", "body"); empty when it can be sent.
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        for (field, text, limit) in [("subject", subject, 200), ("body", body, 20_000)] {
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(.init(field, "write the message's \(field)")) }
            if text.count > limit { problems.append(.init(field, "at most \(limit) characters (this one has \(text.count))")) }
            let unknown = Self.unknownFields(in: text)
            if !unknown.isEmpty {
                problems.append(.init(field, "\(unknown.map { "{{\($0)}}" }.joined(separator: ", ")) is not a merge field; use \(Self.fields.map { "{{\($0.name)}}" }.joined(separator: ", "))"))
            }
        }
        if subject.contains("{{survey_link}}") || subject.contains("{{opt_out_link}}") {
            problems.append(.init("subject", "links go in the body, not the subject"))
        }
        return problems
    }

    /// The body with both link placeholders, added at the end when the researcher left them out.
    public var bodyWithLinks: String {
        var text = body
        if !text.contains("{{survey_link}}") { text += "\n\n{{survey_link}}" }
        if !text.contains("{{opt_out_link}}") { text += "\n\nTo stop receiving messages about this study: {{opt_out_link}}" }
        return text
    }

    /// `{{first_name}}`, `{{name}}`, `{{program}}`, `{{study}}` and `{{wave}}` filled in; the links are left for sending.
    public static func apply(_ text: String, _ values: Values) -> String {
        let full = values.name ?? "there"
        let first = values.name.flatMap { $0.split(separator: " ").first.map(String.init) } ?? "there"
        return text.replacingOccurrences(of: "{{first_name}}", with: first)
            .replacingOccurrences(of: "{{name}}", with: full)
            .replacingOccurrences(of: "{{program}}", with: values.program ?? "your program")
            .replacingOccurrences(of: "{{study}}", with: values.study)
            .replacingOccurrences(of: "{{wave}}", with: values.wave)
    }

    /// The subject and body as the outbox stores them for one case: an invitation, or reminder `n`.
    public func message(_ values: Values, reminder: Int? = nil) -> (subject: String, body: String) {
        ((reminder == nil ? "" : "Reminder: ") + Self.apply(subject, values), Self.apply(bodyWithLinks, values))
    }

    /// The links filled in, as when the message is sent: `link` is the case's survey link.
    /// A test message's opt-out link says what it would be, since a test has no case to opt out of.
    public static func withLinks(_ body: String, surveyLink link: String, optOutLink: String? = nil) -> String {
        body.replacingOccurrences(of: "{{survey_link}}", with: link).replacingOccurrences(of: "{{opt_out_link}}", with: optOutLink ?? link + "/opt-out")
    }
}

/// A problem with one field of something a person filled in, named as the form, the API and the command name it.
public struct FieldProblem: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// A pure rule that refuses one field throws its problem.
extension FieldProblem: Error {}
