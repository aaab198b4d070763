import Foundation

// A frame rule in words a researcher reads and writes, e.g.
//
//     (answered wave 1 or answered wave 2) and completed a program at least 12 months before this wave opens
//
// The words are the rule: the wave page prints a rule this way, and the same text typed into the wave form, the API
// or `pathways wave create --frame` reads back to the same rule. `and` binds tighter than `or`; parentheses group;
// `not` negates what follows. The conditions:
//
//     answered wave N [at least M months before this wave opens]
//     completed a program | a K [or K …] [at least M months] [before this wave opens]
//     enrolled [in a program | in a K [or K …] | in program KEY [or KEY …]]
//     country is CC [or CC …]
//     has no bachelor's degree
//     everyone
//
// K is a program kind (MicroBachelors, MicroMasters, Specialization, professional_certificate …), KEY a program's
// platform id (in double quotes if it has spaces), CC an ISO country code. Words are not case-sensitive.

extension FrameRule {
    /// A rule that could not be read: where (1-based character) and what was expected.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var position: Int
        public var message: String
        public var description: String { "character \(position): \(message)" }
    }

    /// Reads a rule written in the frame-rule words.
    public init(text: String) throws(ParseError) {
        var parser = RuleParser(tokens: try RuleParser.tokenize(text), end: text.count + 1)
        guard !parser.tokens.isEmpty else { throw ParseError(position: 1, message: "write a rule, e.g. answered wave 1, or everyone") }
        let rule = try parser.disjunction()
        if let extra = parser.peek { throw ParseError(position: extra.position, message: "'\(extra.text)' does not continue the rule; join conditions with and / or") }
        self = rule
    }

    /// The rule in the words `init(text:)` reads.
    public var text: String {
        func kinds(_ k: [ProgramKind]?) -> String {
            guard let k, !k.isEmpty else { return "a program" }
            return (k.first.map { "aeiou".contains($0.label.lowercased().first ?? "x") } == true ? "an " : "a ") + k.map(\.label).joined(separator: " or ")
        }
        func months(_ n: Int) -> String { n == 1 ? "1 month" : "\(n) months" }
        func quoted(_ key: String) -> String {
            RuleParser.isBareWord(key) && !RuleParser.keywords.contains(key.lowercased()) ? key : "\"\(key)\""
        }
        switch self {
        case .all(let rules): return rules.isEmpty ? "everyone" : rules.map(\.grouped).joined(separator: " and ")
        case .any(let rules): return rules.isEmpty ? "not everyone" : rules.map(\.grouped).joined(separator: " or ")
        case .not(let rule): return "not " + rule.grouped
        case .answeredWave(let wave, nil): return "answered wave \(wave)"
        case .answeredWave(let wave, let m?): return "answered wave \(wave) at least \(months(m)) before this wave opens"
        case .completedProgram(let k, 0): return "completed \(kinds(k)) before this wave opens"
        case .completedProgram(let k, let m): return "completed \(kinds(k)) at least \(months(m)) before this wave opens"
        case .enrolled(let k): return "enrolled in \(kinds(k))"
        case .inPrograms(let keys): return "enrolled in program " + keys.map(quoted).joined(separator: " or ")
        case .country(let codes): return "country is " + codes.joined(separator: " or ")
        case .noBachelorsDegree: return "has no bachelor's degree"
        }
    }

    private var grouped: String {
        switch self {
        case .all(let r) where !r.isEmpty: "(\(text))"
        case .any(let r) where !r.isEmpty: "(\(text))"
        default: text
        }
    }

    /// The waves a rule reads the answers of.
    public var wavesRead: Set<Int> {
        switch self {
        case .all(let r), .any(let r): r.reduce(into: Set<Int>()) { $0.formUnion($1.wavesRead) }
        case .not(let r): r.wavesRead
        case .answeredWave(let n, _): [n]
        default: []
        }
    }

    /// The program keys a rule names.
    public var programsNamed: [String] {
        switch self {
        case .all(let r), .any(let r): r.flatMap(\.programsNamed)
        case .not(let r): r.programsNamed
        case .inPrograms(let keys): keys
        default: []
        }
    }
}

struct RuleParser {
    struct Token: Equatable {
        var text: String
        var position: Int
        var quoted = false
        var lower: String { quoted ? "" : text.lowercased() }
    }

    static let keywords: Set<String> = ["and", "or", "not", "answered", "completed", "enrolled", "country", "has", "no", "everyone"]

    var tokens: [Token]
    var index = 0
    /// The position just after the text, for "the rule ends where … was expected".
    let end: Int

    var peek: Token? { index < tokens.count ? tokens[index] : nil }

    static func isBareWord(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "_-.'’".contains($0) }
    }

    static func tokenize(_ text: String) throws(FrameRule.ParseError) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c == "(" || c == ")" || c == "," { tokens.append(Token(text: String(c), position: i + 1)); i += 1; continue }
            if c == "\"" {
                var j = i + 1
                while j < chars.count, chars[j] != "\"" { j += 1 }
                guard j < chars.count else { throw .init(position: i + 1, message: "the quoted name is not closed with \"") }
                tokens.append(Token(text: String(chars[(i + 1)..<j]), position: i + 1, quoted: true))
                i = j + 1
                continue
            }
            var j = i
            while j < chars.count, isBareWord(String(chars[j])) { j += 1 }
            guard j > i else { throw .init(position: i + 1, message: "'\(c)' cannot be part of a rule") }
            tokens.append(Token(text: String(chars[i..<j]), position: i + 1))
            i = j
        }
        return tokens
    }

    // MARK: grammar

    mutating func disjunction() throws(FrameRule.ParseError) -> FrameRule {
        var parts = [try conjunction()]
        while accept("or") { parts.append(try conjunction()) }
        return parts.count == 1 ? parts[0] : .any(parts)
    }

    mutating func conjunction() throws(FrameRule.ParseError) -> FrameRule {
        var parts = [try unary()]
        while accept("and") { parts.append(try unary()) }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    mutating func unary() throws(FrameRule.ParseError) -> FrameRule {
        if accept("not") {
            if accept("everyone") { return .any([]) }
            return .not(try unary())
        }
        if accept("(") {
            let inner = try disjunction()
            try expect(")", "a ')' to close the '('")
            return inner
        }
        return try condition()
    }

    mutating func condition() throws(FrameRule.ParseError) -> FrameRule {
        guard let token = peek else { throw expected("a condition (answered wave N, completed a program …, enrolled …, country is …)") }
        index += 1
        switch token.lower {
        case "everyone":
            return .all([])
        case "answered":
            try expect("wave", "'wave' after 'answered'")
            let wave = try number("a wave number after 'answered wave'")
            return .answeredWave(wave: wave, monthsBefore: try since())
        case "completed":
            let kinds = try programKinds()
            return .completedProgram(kinds: kinds, monthsBefore: try since() ?? 0)
        case "enrolled":
            guard accept("in") else { return .enrolled(kinds: nil) }
            if accept("program") || accept("programs") {
                var keys = [try name("a program's platform id after 'program'")]
                while peek.map({ $0.lower == "or" || $0.text == "," }) == true, let next = lookahead(1), !Self.keywords.contains(next.lower), next.text != "(" {
                    index += 1
                    keys.append(try name("a program's platform id"))
                }
                return .inPrograms(keys)
            }
            return .enrolled(kinds: try programKinds())
        case "country":
            _ = accept("is") || accept("in")
            var codes = [try countryCode()]
            while peek.map({ $0.lower == "or" || $0.text == "," }) == true, let next = lookahead(1), next.text.count == 2,
                  next.text.allSatisfy(\.isLetter), !Self.keywords.contains(next.lower) {
                index += 1
                codes.append(try countryCode())
            }
            return .country(codes)
        case "has", "no":
            if token.lower == "has" { try expect("no", "'no' after 'has' (has no bachelor's degree)") }
            guard accept("bachelor's") || accept("bachelors") || accept("bachelor’s") || accept("bachelor") else {
                throw expected("'bachelor's degree' after 'no'")
            }
            try expect("degree", "'degree'")
            return .noBachelorsDegree
        default:
            throw .init(position: token.position, message: "'\(token.text)' is not a condition; start with answered, completed, enrolled, country, has no bachelor's degree or everyone")
        }
    }

    /// "a program" (any kind), or "a K or K …" with each K a program kind.
    mutating func programKinds() throws(FrameRule.ParseError) -> [ProgramKind]? {
        _ = accept("a") || accept("an") || accept("any")
        if accept("program") || accept("programs") { return nil }
        var kinds = [try kind()]
        while peek.map({ $0.lower == "or" || $0.text == "," }) == true, let next = lookahead(1), Self.kindMatch(tokens, from: index + 1) != nil || next.lower == "a" || next.lower == "an" {
            index += 1
            _ = accept("a") || accept("an")
            kinds.append(try kind())
        }
        return kinds
    }

    mutating func kind() throws(FrameRule.ParseError) -> ProgramKind {
        guard let (kind, length) = Self.kindMatch(tokens, from: index) else {
            throw expected("'a program' or a program kind (\(ProgramKind.allCases.map(\.label).joined(separator: ", ")))")
        }
        index += length
        return kind
    }

    /// The longest run of up to four words from `start` that names a program kind ("Professional Certificate").
    static func kindMatch(_ tokens: [Token], from start: Int) -> (ProgramKind, Int)? {
        for length in stride(from: min(4, tokens.count - start), through: 1, by: -1) {
            let words = tokens[start..<(start + length)]
            guard !words.contains(where: { $0.quoted || keywords.contains($0.lower) || !isBareWord($0.text) }) else { continue }
            if let kind = ProgramKind(code: words.map(\.text).joined(separator: " ")) { return (kind, length) }
        }
        return nil
    }

    /// "at least M months before this wave opens", "before this wave opens", or nothing (nil).
    mutating func since() throws(FrameRule.ParseError) -> Int? {
        var months: Int?
        if accept("at") {
            try expect("least", "'least' after 'at'")
            months = try number("a number of months after 'at least'")
            guard accept("month") || accept("months") else { throw expected("'months' after 'at least \(months!)'") }
            try expect("before", "'before this wave opens' after the months")
        } else if accept("before") {
            months = 0
        } else {
            return nil
        }
        try expect("this", "'this wave opens' after 'before'")
        try expect("wave", "'wave opens' after 'before this'")
        try expect("opens", "'opens' after 'before this wave'")
        return months
    }

    mutating func number(_ what: String) throws(FrameRule.ParseError) -> Int {
        guard let token = peek, !token.quoted, let n = Int(token.text), n >= 0 else { throw expected(what) }
        index += 1
        return n
    }

    mutating func name(_ what: String) throws(FrameRule.ParseError) -> String {
        guard let token = peek, token.quoted || (!Self.keywords.contains(token.lower) && Self.isBareWord(token.text)) else { throw expected(what) }
        index += 1
        return token.text
    }

    mutating func countryCode() throws(FrameRule.ParseError) -> String {
        guard let token = peek, !token.quoted, token.text.count == 2, token.text.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw expected("a two-letter country code (US, IN, BR …)")
        }
        index += 1
        return token.text.uppercased()
    }

    func lookahead(_ n: Int) -> Token? { index + n < tokens.count ? tokens[index + n] : nil }

    mutating func accept(_ word: String) -> Bool {
        guard let token = peek, token.lower == word || (token.text == word && !token.quoted) else { return false }
        index += 1
        return true
    }

    mutating func expect(_ word: String, _ what: String) throws(FrameRule.ParseError) {
        guard accept(word) else { throw expected(what) }
    }

    func expected(_ what: String) -> FrameRule.ParseError {
        if let token = peek { return .init(position: token.position, message: "expected \(what), found '\(token.text)'") }
        return .init(position: end, message: "the rule ends where \(what) was expected")
    }
}
