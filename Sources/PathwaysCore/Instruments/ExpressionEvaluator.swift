import Foundation

/// A value during evaluation, with XPath 1.0's conversions between strings, numbers and booleans.
/// Dates convert to days since 1970-01-01 as numbers and to `YYYY-MM-DD` as text, as ODK's do.
public enum ExpressionValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case boolean(Bool)
    case date(Date)

    public var asBool: Bool {
        switch self {
        case .boolean(let b): b
        case .number(let n): n != 0 && !n.isNaN
        case .string(let s): !s.isEmpty
        case .date: true
        }
    }

    public var asNumber: Double {
        switch self {
        case .number(let n): return n
        case .boolean(let b): return b ? 1 : 0
        case .date(let d): return (d.timeIntervalSince1970 / 86_400).rounded(.down)
        case .string(let s):
            let t = s.trimmingCharacters(in: .whitespaces)
            if let n = Double(t) { return n }
            if let d = CalendarDay.parse(t), t.count == 10 { return (d.timeIntervalSince1970 / 86_400).rounded(.down) }
            return .nan
        }
    }

    public var asString: String {
        switch self {
        case .string(let s): s
        case .boolean(let b): b ? "true" : "false"
        case .date(let d): CalendarDay.format(d)
        case .number(let n):
            // 15 significant digits, as spreadsheets and R print: 40 * 0.18 reads 7.2, not 7.199999999999999.
            if n.isNaN { "NaN" } else if n == n.rounded(), abs(n) < 1e15 { String(Int(n)) } else { String(format: "%.15g", n) }
        }
    }
}

/// What an expression can see: the answers so far (as ODK stores them: text, select_multiple as
/// space-separated choice names), the question `.` refers to, and today's date.
public struct ExpressionContext: Sendable {
    public var answers: [String: String]
    public var current: String?
    public var today: Date
    /// The columns of the choice a `choice_filter` is looking at.
    public var choice: [String: String]?

    /// The repeat each question in one belongs to (`XLSForm.repeatOf`), and the instance being evaluated, when the
    /// expression is a question's inside a repeat: `${name}` of the same repeat reads that instance's value.
    public var repeatOf: [String: String] = [:]
    public var instance: (repeat: String, index: Int)? = nil

    public init(answers: [String: String], current: String? = nil, today: Date) {
        self.answers = answers
        self.current = current
        self.today = today
    }

    /// A question's value as `${name}` reads it: within its own repeat, the current instance's; from outside, the
    /// first instance's (an XPath node-set read as text is its first node); a repeat's own name reads its number of instances.
    public func value(of name: String) -> String {
        guard let r = repeatOf[name], r != name else { return answers[name] ?? "" }
        let index = instance?.repeat == r ? instance!.index : 1
        return answers[RepeatKey.key(name, index)] ?? ""
    }

    /// Every instance's value of a question in a repeat (an XPath node-set), or nil for a question outside one.
    func values(of name: String) -> [String]? {
        guard let r = repeatOf[name] else { return nil }
        let count = Int(answers[r] ?? "") ?? 0
        if r == name { return (0..<count).map { _ in "" } }
        return (0..<max(count, 0)).map { answers[RepeatKey.key(name, $0 + 1)] ?? "" }
    }
}

/// How an answer given in a repeat is keyed among a case's answers: `name[2]` for the second instance (1-based, as
/// ODK's paths count); the repeat's own name holds how many instances there are.
public enum RepeatKey {
    public static func key(_ name: String, _ index: Int) -> String { "\(name)[\(index)]" }

    /// `name[2]` → ("name", 2); nil for a key outside any repeat.
    public static func parse(_ key: String) -> (name: String, index: Int)? {
        guard key.hasSuffix("]"), let open = key.lastIndex(of: "["), let index = Int(key[key.index(after: open)..<key.index(before: key.endIndex)]),
              index >= 1, open > key.startIndex else { return nil }
        return (String(key[..<open]), index)
    }
}

extension Expression {
    /// Evaluates against `context`. An unanswered question reads as empty text, as in ODK.
    public func evaluate(_ context: ExpressionContext) throws(ExpressionError) -> ExpressionValue {
        switch self {
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .reference(let name): return .string(context.value(of: name))
        case .current: return .string(context.current ?? "")
        case .choiceColumn(let column): return .string(context.choice?[column] ?? "")
        case .negate(let e): return .number(-(try e.evaluate(context).asNumber))
        case .binary(let op, let a, let b):
            // Short-circuit as XPath does: the right side is not evaluated when the left decides.
            if op == .or || op == .and {
                let left = try a.evaluate(context).asBool
                if left == (op == .or) { return .boolean(left) }
                return .boolean(try b.evaluate(context).asBool)
            }
            return Self.apply(op, try a.evaluate(context), try b.evaluate(context))
        case .call(let name, let args):
            return try ExpressionFunctions.call(name, args, context)
        }
    }

    /// Evaluates to a boolean, for `relevant`, `constraint` and `required`.
    public func isTrue(_ context: ExpressionContext) throws(ExpressionError) -> Bool {
        try evaluate(context).asBool
    }

    static func apply(_ op: BinaryOperator, _ a: ExpressionValue, _ b: ExpressionValue) -> ExpressionValue {
        switch op {
        case .equal, .notEqual:
            let same: Bool
            switch (a, b) {
            case (.boolean, _), (_, .boolean): same = a.asBool == b.asBool
            case (.number, _), (_, .number), (.date, _), (_, .date): same = a.asNumber == b.asNumber
            default: same = a.asString == b.asString
            }
            return .boolean(op == .equal ? same : !same)
        case .less: return .boolean(a.asNumber < b.asNumber)
        case .lessOrEqual: return .boolean(a.asNumber <= b.asNumber)
        case .greater: return .boolean(a.asNumber > b.asNumber)
        case .greaterOrEqual: return .boolean(a.asNumber >= b.asNumber)
        case .add: return .number(a.asNumber + b.asNumber)
        case .subtract: return .number(a.asNumber - b.asNumber)
        case .multiply: return .number(a.asNumber * b.asNumber)
        case .divide: return .number(a.asNumber / b.asNumber)
        case .modulo: return .number(a.asNumber.truncatingRemainder(dividingBy: b.asNumber))
        case .or, .and: return .boolean(false)  // handled with short-circuit above
        }
    }
}

/// The functions XLSForm expressions may call, with their arities.
public enum ExpressionFunctions {
    static let arity: [String: ClosedRange<Int>] = [
        "selected": 2...2, "count-selected": 1...1, "not": 1...1, "today": 0...0, "now": 0...0, "date": 1...1,
        "if": 3...3, "string-length": 1...1, "regex": 2...2, "true": 0...0, "false": 0...0, "number": 1...1,
        "string": 1...1, "int": 1...1, "round": 1...2, "concat": 0...50, "coalesce": 2...2, "contains": 2...2,
        "starts-with": 2...2, "ends-with": 2...2, "boolean": 1...1, "selected-at": 2...2, "jr:choice-name": 2...2,
        "format-date": 2...2, "decimal-date-time": 1...1, "format-date-time": 2...2, "date-time": 1...1,
        "substr": 2...3, "substring": 2...3, "substring-before": 2...2, "substring-after": 2...2, "translate": 3...3,
        "normalize-space": 1...1, "floor": 1...1, "ceiling": 1...1, "abs": 1...1, "pow": 2...2, "log": 1...1, "log10": 1...1,
        "exp": 1...1, "exp10": 1...1, "sqrt": 1...1, "sin": 1...1, "cos": 1...1, "tan": 1...1, "asin": 1...1, "acos": 1...1,
        "atan": 1...1, "atan2": 2...2, "pi": 0...0, "once": 1...1, "boolean-from-string": 1...1, "min": 1...50, "max": 1...50,
        // Over a repeat's instances.
        "position": 0...1, "count": 1...1, "sum": 1...1, "join": 2...2, "count-non-empty": 1...1, "indexed-repeat": 3...3,
    ]

    /// ODK functions a form may call that these surveys do not evaluate (yet): refused by name, never as unknown.
    public static let unsupported: Set<String> = [
        "pulldata", "random", "uuid", "area", "distance", "digest",
        "jr:itext", "count-non-empty", "checklist", "weighted-checklist", "base64-decode", "extract-signed", "decimal-time",
        "geofence", "randomize",
    ]

    static func checkCall(_ name: String, arity count: Int, at position: Int) throws(ExpressionError) {
        guard let range = arity[name] else {
            if unsupported.contains(name) {
                throw ExpressionError(position: position, message: "function \(name)() is valid XLSForm but not supported yet")
            }
            throw ExpressionError(position: position, message: "unknown function \(name)() (not one of ODK's XPath functions)")
        }
        guard range.contains(count) else {
            let wanted = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw ExpressionError(position: position, message: "\(name)() takes \(wanted) argument\(range.upperBound == 1 ? "" : "s"), not \(count)")
        }
    }

    static func call(_ name: String, _ args: [Expression], _ c: ExpressionContext) throws(ExpressionError) -> ExpressionValue {
        func value(_ i: Int) throws(ExpressionError) -> ExpressionValue { try args[i].evaluate(c) }
        func text(_ i: Int) throws(ExpressionError) -> String { try value(i).asString }
        switch name {
        case "selected":
            return .boolean(try text(0).split(separator: " ").contains(Substring(try text(1).trimmingCharacters(in: .whitespaces))))
        case "count-selected":
            return .number(Double(try text(0).split(separator: " ").count))
        case "selected-at":
            let items = try text(0).split(separator: " ")
            let i = Int(try value(1).asNumber)
            return .string(i >= 0 && i < items.count ? String(items[i]) : "")
        case "not": return .boolean(!(try value(0).asBool))
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "boolean": return .boolean(try value(0).asBool)
        case "today": return .date(c.today)
        case "now": return .date(c.today)
        case "date":
            let v = try value(0)
            switch v {
            case .date: return v
            case .number(let n): return .date(Date(timeIntervalSince1970: n * 86_400))
            default:
                let s = v.asString
                if let d = CalendarDay.parse(s) { return .date(d) }
                if let n = Double(s) { return .date(Date(timeIntervalSince1970: n * 86_400)) }
                return .string("")
            }
        case "decimal-date-time": return .number(try value(0).asNumber)
        case "format-date":
            guard case .date(let d) = try call("date", [args[0]], c) else { return .string("") }
            let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: d)
            var out = try text(1)
            out = out.replacingOccurrences(of: "%Y", with: String(format: "%04d", parts.year!))
            out = out.replacingOccurrences(of: "%m", with: String(format: "%02d", parts.month!))
            out = out.replacingOccurrences(of: "%d", with: String(format: "%02d", parts.day!))
            return .string(out)
        case "if": return try value(0).asBool ? value(1) : value(2)
        case "string-length": return .number(Double(try text(0).count))
        case "regex":
            let subject = try text(0), pattern = try text(1)
            guard let re = try? NSRegularExpression(pattern: pattern) else {
                throw ExpressionError(position: 1, message: "regex(): '\(pattern)' is not a valid regular expression")
            }
            return .boolean(re.firstMatch(in: subject, range: NSRange(subject.startIndex..., in: subject)) != nil)
        case "number": return .number(try value(0).asNumber)
        case "string": return .string(try text(0))
        case "int": return .number(try value(0).asNumber.rounded(.towardZero))
        case "round":
            let n = try value(0).asNumber
            let places = args.count > 1 ? Int(try value(1).asNumber) : 0
            let scale = pow(10, Double(places))
            return .number((n * scale).rounded(.toNearestOrAwayFromZero) / scale)
        case "concat": return .string(try args.indices.map { (i: Int) throws(ExpressionError) -> String in try text(i) }.joined())
        case "coalesce":
            let first = try text(0)
            return .string(first.isEmpty ? try text(1) : first)
        case "contains": return .boolean(try text(0).contains(try text(1)))
        case "starts-with": return .boolean(try text(0).hasPrefix(try text(1)))
        case "ends-with": return .boolean(try text(0).hasSuffix(try text(1)))
        case "jr:choice-name": return .string(try text(0))
        case "format-date-time":
            guard case .date(let d) = try call("date", [args[0]], c) else { return .string("") }
            let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: d)
            var out = try text(1)
            for (code, value, width) in [("%Y", parts.year!, 4), ("%m", parts.month!, 2), ("%d", parts.day!, 2), ("%H", parts.hour!, 2),
                                         ("%M", parts.minute!, 2), ("%S", parts.second!, 2)] {
                out = out.replacingOccurrences(of: code, with: String(format: "%0\(width)d", value))
            }
            return .string(out)
        case "date-time": return try call("date", args, c)
        case "substr", "substring":
            // substr(s, start, end) counts from 0 as JavaRosa does; substring(s, start, length) from 1 as XPath does.
            let s = Array(try text(0))
            let first = Int(try value(1).asNumber.rounded()) - (name == "substring" ? 1 : 0)
            var end = s.count
            if args.count > 2 {
                let n = Int(try value(2).asNumber.rounded())
                end = name == "substring" ? first + n : n
            }
            let lo = max(0, min(first, s.count)), hi = max(lo, min(end, s.count))
            return .string(String(s[lo..<hi]))
        case "substring-before":
            let s = try text(0), t = try text(1)
            return .string(s.range(of: t).map { String(s[..<$0.lowerBound]) } ?? "")
        case "substring-after":
            let s = try text(0), t = try text(1)
            return .string(s.range(of: t).map { String(s[$0.upperBound...]) } ?? "")
        case "translate":
            let from = Array(try text(1)), to = Array(try text(2))
            return .string(String(try text(0).compactMap { ch -> Character? in
                guard let i = from.firstIndex(of: ch) else { return ch }
                return i < to.count ? to[i] : nil
            }))
        case "normalize-space": return .string(try text(0).split(whereSeparator: \.isWhitespace).joined(separator: " "))
        case "floor": return .number(try value(0).asNumber.rounded(.down))
        case "ceiling": return .number(try value(0).asNumber.rounded(.up))
        case "abs": return .number(Swift.abs(try value(0).asNumber))
        case "pow": return .number(Foundation.pow(try value(0).asNumber, try value(1).asNumber))
        case "log": return .number(Foundation.log(try value(0).asNumber))
        case "log10": return .number(Foundation.log10(try value(0).asNumber))
        case "exp": return .number(Foundation.exp(try value(0).asNumber))
        case "exp10": return .number(Foundation.pow(10, try value(0).asNumber))
        case "sqrt": return .number(Foundation.sqrt(try value(0).asNumber))
        case "sin": return .number(Foundation.sin(try value(0).asNumber))
        case "cos": return .number(Foundation.cos(try value(0).asNumber))
        case "tan": return .number(Foundation.tan(try value(0).asNumber))
        case "asin": return .number(Foundation.asin(try value(0).asNumber))
        case "acos": return .number(Foundation.acos(try value(0).asNumber))
        case "atan": return .number(Foundation.atan(try value(0).asNumber))
        case "atan2": return .number(Foundation.atan2(try value(0).asNumber, try value(1).asNumber))
        case "pi": return .number(Double.pi)
        case "once":
            // The question's own value once it has one; the argument until then.
            if let current = c.current, !current.isEmpty { return .string(current) }
            return try value(0)
        case "boolean-from-string":
            let s = try text(0)
            return .boolean(s == "true" || s == "1")
        case "position":
            return .number(Double(c.instance?.index ?? 1))
        case "count":
            if case .reference(let n) = args[0], let all = c.values(of: n) { return .number(Double(all.count)) }
            return .number(try text(0).isEmpty ? 0 : 1)
        case "count-non-empty":
            if case .reference(let n) = args[0], let all = c.values(of: n) { return .number(Double(all.filter { !$0.isEmpty }.count)) }
            return .number(try text(0).isEmpty ? 0 : 1)
        case "sum":
            if case .reference(let n) = args[0], let all = c.values(of: n) {
                return .number(all.reduce(0) { $0 + ExpressionValue.string($1).asNumber })
            }
            return .number(try value(0).asNumber)
        case "join":
            if case .reference(let n) = args[1], let all = c.values(of: n) { return .string(all.joined(separator: try text(0))) }
            return .string(try text(1))
        case "indexed-repeat":
            // indexed-repeat(${question}, ${repeat}, n): the n-th instance's value.
            guard case .reference(let n) = args[0] else { return .string("") }
            let i = Int(try value(2).asNumber)
            guard c.repeatOf[n] != nil, i >= 1 else { return .string(c.value(of: n)) }
            return .string(c.answers[RepeatKey.key(n, i)] ?? "")
        case "min", "max":
            if args.count == 1, case .reference(let n) = args[0], let all = c.values(of: n) {
                let numbers = all.map { ExpressionValue.string($0).asNumber }
                guard !numbers.isEmpty, !numbers.contains(where: \.isNaN) else { return .number(.nan) }
                return .number((name == "min" ? numbers.min() : numbers.max())!)
            }
            let numbers = try args.indices.map { (i: Int) throws(ExpressionError) -> Double in try value(i).asNumber }
            guard !numbers.contains(where: \.isNaN) else { return .number(.nan) }
            return .number((name == "min" ? numbers.min() : numbers.max()) ?? .nan)
        default:
            throw ExpressionError(position: 1, message: "unknown function \(name)()")
        }
    }
}
