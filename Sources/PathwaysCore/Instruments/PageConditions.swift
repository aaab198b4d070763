import Foundation

/// A same-page follow-up's condition in a form a browser can check as the respondent answers, so a question that
/// applies only after "Yes" is hidden until then. The server stays the authority: without JavaScript every such
/// question is shown, and whatever is submitted is checked against the real condition.
///
/// Only what a browser can decide from the page's own fields is translated: `and`, `or`, `not()`, `=`/`!=`/`<`/
/// `<=`/`>`/`>=` between one of the page's questions and a literal, and `selected(${q}, 'v')`. Parts that read only
/// earlier answers are decided here, now. Anything else (a calculation, arithmetic, another function) gives no
/// condition, and the question stays shown.
public indirect enum ClientCondition: Sendable, Equatable {
    case constant(Bool)
    /// `${field} op literal`, the literal a number when `numeric`.
    case compare(String, Expression.BinaryOperator, String, numeric: Bool)
    case selected(String, String)
    case not(ClientCondition)
    case all([ClientCondition])
    case any([ClientCondition])

    /// As compact JSON for a `data-show-if` attribute: `true`/`false`, `["=", "q", "v"]` (a number literal as a JSON
    /// number), `["selected", "q", "v"]`, `["not", c]`, `["all", c…]`, `["any", c…]`.
    public var json: String {
        switch self {
        case .constant(let b): return b ? "true" : "false"
        case .compare(let field, let op, let value, let numeric):
            return "[\(Self.quoted(op.rawValue)),\(Self.quoted(field)),\(numeric ? value : Self.quoted(value))]"
        case .selected(let field, let value): return "[\"selected\",\(Self.quoted(field)),\(Self.quoted(value))]"
        case .not(let c): return "[\"not\",\(c.json)]"
        case .all(let cs): return "[\"all\"" + cs.map { "," + $0.json }.joined() + "]"
        case .any(let cs): return "[\"any\"" + cs.map { "," + $0.json }.joined() + "]"
        }
    }

    /// A JSON string literal, as `JSONSerialization` writes one.
    static func quoted(_ s: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

extension SurveyRun {
    /// The browser-checkable condition under which `q` applies on `page`, when it depends on the page's own answers
    /// and can be written as a `ClientCondition`; nil otherwise (no condition, or one only the server can decide).
    public func clientCondition(for q: XLSForm.Question, on page: Page) -> ClientCondition? {
        // Inside a repeat the fields are named per instance; the server decides there, when the page is sent.
        guard q.repeatName == nil else { return nil }
        let decided = namesDecided(by: page)
        let fields = Set(page.questions.filter { $0.type.isInput && $0.repeatName == nil }.map(\.name))
        let conditions = q.groups.compactMap { groupsByName[$0]?.relevant } + [q.relevant].compactMap { $0 }
        guard conditions.contains(where: { !$0.references.isDisjoint(with: decided) }) else { return nil }
        var parts: [ClientCondition] = []
        for e in conditions {
            guard let c = translate(e, fields: fields, decided: decided) else { return nil }
            parts.append(c)
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private func translate(_ e: Expression, fields: Set<String>, decided: Set<String>) -> ClientCondition? {
        if e.references.isDisjoint(with: decided) { return .constant((try? e.isTrue(context())) ?? false) }
        func literal(_ e: Expression) -> (String, Bool)? {
            switch e {
            case .string(let s): return (s, false)
            case .number(let n): return (ExpressionValue.number(n).asString, true)
            default: return nil
            }
        }
        switch e {
        case .binary(.or, let a, let b), .binary(.and, let a, let b):
            guard let x = translate(a, fields: fields, decided: decided), let y = translate(b, fields: fields, decided: decided) else { return nil }
            if case .binary(.or, _, _) = e { return .any([x, y]) }
            return .all([x, y])
        case .call("not", let args) where args.count == 1:
            return translate(args[0], fields: fields, decided: decided).map { .not($0) }
        case .call("selected", let args) where args.count == 2:
            guard case .reference(let name) = args[0], fields.contains(name), let (value, _) = literal(args[1]) else { return nil }
            return .selected(name, value.trimmingCharacters(in: .whitespaces))
        case .binary(let op, let a, let b) where [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(op):
            if case .reference(let name) = a, fields.contains(name), let (value, numeric) = literal(b) {
                return .compare(name, op, value, numeric: numeric)
            }
            if case .reference(let name) = b, fields.contains(name), let (value, numeric) = literal(a) {
                let flipped: Expression.BinaryOperator = switch op {
                case .less: .greater
                case .lessOrEqual: .greaterOrEqual
                case .greater: .less
                case .greaterOrEqual: .lessOrEqual
                default: op
                }
                return .compare(name, flipped, value, numeric: numeric)
            }
            return nil
        default:
            return nil
        }
    }
}
