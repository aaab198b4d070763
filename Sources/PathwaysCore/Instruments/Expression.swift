import Foundation

/// An XLSForm expression (the XPath subset ODK and KoboToolbox use in `relevant`, `constraint`,
/// `calculate`, `choice_filter`, `default` and `required`), parsed once and evaluated per answer set.
public indirect enum Expression: Sendable, Equatable {
    case number(Double)
    case string(String)
    /// `${name}`: the answer to another question.
    case reference(String)
    /// `.`: the answer to the question the expression belongs to.
    case current
    /// A bare name in a `choice_filter`: a column of the choice being filtered (`name` or an extra column).
    case choiceColumn(String)
    case negate(Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(String, [Expression])

    public enum BinaryOperator: String, Sendable, Equatable {
        case or, and
        case equal = "=", notEqual = "!="
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case add = "+", subtract = "-", multiply = "*", divide = "div", modulo = "mod"
    }

    /// Every `${name}` the expression reads.
    /// The same expression with each reference renamed by `rename` (a path resolved to the question it names).
    public func renamingReferences(_ rename: (String) -> String) -> Expression {
        switch self {
        case .reference(let n): .reference(rename(n))
        case .number, .string, .current, .choiceColumn: self
        case .negate(let e): .negate(e.renamingReferences(rename))
        case .binary(let op, let a, let b): .binary(op, a.renamingReferences(rename), b.renamingReferences(rename))
        case .call(let name, let args): .call(name, args.map { $0.renamingReferences(rename) })
        }
    }

    public var references: Set<String> {
        switch self {
        case .reference(let n): [n]
        case .number, .string, .current, .choiceColumn: []
        case .negate(let e): e.references
        case .binary(_, let a, let b): a.references.union(b.references)
        case .call(_, let args): args.reduce(into: Set<String>()) { $0.formUnion($1.references) }
        }
    }

    /// Parses `text`; errors carry the 1-based character position in `text`. With `choiceColumns`
    /// (a `choice_filter`), a bare name reads a column of the choice being filtered.
    public static func parse(_ text: String, choiceColumns: Bool = false) throws(ExpressionError) -> Expression {
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokens(text), length: text.count)
        parser.choiceColumns = choiceColumns
        let expression = try parser.parseOr()
        if let extra = parser.peek {
            throw ExpressionError(position: extra.position, message: "unexpected \(extra.kind.description) after a complete expression")
        }
        return expression
    }
}

/// A problem in an expression, at a 1-based character position.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: Int
    public var message: String

    public init(position: Int, message: String) {
        self.position = position
        self.message = message
    }

    public var description: String { "at character \(position): \(message)" }
}

// MARK: - Lexer

struct ExpressionToken: Equatable {
    enum Kind: Equatable, CustomStringConvertible {
        case number(Double), string(String), reference(String), name(String)
        /// An XPath location path (`../name`, `/data/group/name`, `current()/../name`).
        case path(String)
        case dot, leftParen, rightParen, comma
        case op(String)

        var description: String {
            switch self {
            case .number(let n): "number \(ExpressionValue.number(n).asString)"
            case .string(let s): "text '\(s)'"
            case .reference(let r): "${\(r)}"
            case .name(let n): "'\(n)'"
            case .path(let p): "path \(p)"
            case .dot: "'.'"
            case .leftParen: "'('"
            case .rightParen: "')'"
            case .comma: "','"
            case .op(let o): "'\(o)'"
            }
        }
    }

    var kind: Kind
    /// 1-based position of the token's first character.
    var position: Int
}

enum ExpressionLexer {
    static func tokens(_ text: String) throws(ExpressionError) -> [ExpressionToken] {
        let chars = Array(text)
        var tokens: [ExpressionToken] = []
        var i = 0
        func isNameStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
        func isNameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." || c == ":" }
        func path(from j: Int) -> (String, Int) {
            var k = j
            var text = ""
            while k < chars.count, isNameChar(chars[k]) || chars[k] == "/" { text.append(chars[k]); k += 1 }
            return (text, k)
        }
        while i < chars.count {
            let c = chars[i]
            let start = i + 1
            if c.isWhitespace { i += 1; continue }
            switch c {
            case "[":
                throw ExpressionError(position: start, message: "XPath predicates ([...]) are valid XLSForm but not supported yet")
            case "/":
                let (text, next) = path(from: i)
                tokens.append(.init(kind: .path(text), position: start)); i = next
            case "." where i + 1 < chars.count && (chars[i + 1] == "." || chars[i + 1] == "/"):
                let (text, next) = path(from: i)
                tokens.append(.init(kind: .path(text), position: start)); i = next
            case "(": tokens.append(.init(kind: .leftParen, position: start)); i += 1
            case ")": tokens.append(.init(kind: .rightParen, position: start)); i += 1
            case ",": tokens.append(.init(kind: .comma, position: start)); i += 1
            case "+", "*", "=":
                tokens.append(.init(kind: .op(String(c)), position: start)); i += 1
            case "-":
                tokens.append(.init(kind: .op("-"), position: start)); i += 1
            case "!":
                guard i + 1 < chars.count, chars[i + 1] == "=" else {
                    throw ExpressionError(position: start, message: "'!' must be followed by '=' (use not(...) to negate)")
                }
                tokens.append(.init(kind: .op("!="), position: start)); i += 2
            case "<", ">":
                if i + 1 < chars.count, chars[i + 1] == "=" {
                    tokens.append(.init(kind: .op(String(c) + "="), position: start)); i += 2
                } else {
                    tokens.append(.init(kind: .op(String(c)), position: start)); i += 1
                }
            case "'", "\"":
                var j = i + 1
                var value = ""
                while j < chars.count, chars[j] != c { value.append(chars[j]); j += 1 }
                guard j < chars.count else { throw ExpressionError(position: start, message: "text started with \(c) is not closed") }
                tokens.append(.init(kind: .string(value), position: start))
                i = j + 1
            case "$":
                guard i + 1 < chars.count, chars[i + 1] == "{" else {
                    throw ExpressionError(position: start, message: "'$' must start a reference like ${question_name}")
                }
                var j = i + 2
                var name = ""
                while j < chars.count, chars[j] != "}" { name.append(chars[j]); j += 1 }
                guard j < chars.count else { throw ExpressionError(position: start, message: "reference ${\(name) is not closed with '}'") }
                guard let first = name.first, isNameStart(first), name.allSatisfy(isNameChar) else {
                    throw ExpressionError(position: start, message: "'${\(name)}' is not a valid question name")
                }
                tokens.append(.init(kind: .reference(name), position: start))
                i = j + 1
            case ".":
                if i + 1 < chars.count, chars[i + 1].isNumber {
                    fallthrough
                }
                tokens.append(.init(kind: .dot, position: start)); i += 1
            case _ where c.isNumber || c == ".":
                var j = i
                var literal = ""
                while j < chars.count, chars[j].isNumber || chars[j] == "." { literal.append(chars[j]); j += 1 }
                guard let value = Double(literal) else { throw ExpressionError(position: start, message: "'\(literal)' is not a number") }
                tokens.append(.init(kind: .number(value), position: start))
                i = j
            case _ where isNameStart(c):
                var j = i
                var name = ""
                while j < chars.count, isNameChar(chars[j]) { name.append(chars[j]); j += 1 }
                var after = j
                while after < chars.count, chars[after].isWhitespace { after += 1 }
                if name == "instance", after < chars.count, chars[after] == "(" {
                    throw ExpressionError(position: start, message: "lookups with instance('…') are valid XLSForm but not supported yet")
                }
                // current()/../name is a path from the question itself.
                if name == "current", Array(chars[j..<min(j + 3, chars.count)]) == ["(", ")", "/"] {
                    let (text, next) = path(from: j + 2)
                    tokens.append(.init(kind: .path("current()" + text), position: start)); i = next
                    continue
                }
                tokens.append(.init(kind: .name(name), position: start))
                i = j
            default:
                throw ExpressionError(position: start, message: "unexpected character '\(c)'")
            }
        }
        return tokens
    }
}

// MARK: - Parser

/// Recursive descent with XPath 1.0 precedence: or < and < = != < < <= > >= < + - < * div mod < unary minus.
struct ExpressionParser {
    let tokens: [ExpressionToken]
    let length: Int
    var index = 0
    var choiceColumns = false

    init(tokens: [ExpressionToken], length: Int) {
        self.tokens = tokens
        self.length = length
    }

    var peek: ExpressionToken? { index < tokens.count ? tokens[index] : nil }
    var endPosition: Int { length + 1 }

    mutating func advance() -> ExpressionToken? {
        defer { index += 1 }
        return peek
    }

    /// The operator at the cursor, if it is one of `ops` (word operators are names in the token stream).
    mutating func takeOperator(_ ops: [String]) -> String? {
        guard let t = peek else { return nil }
        switch t.kind {
        case .op(let o) where ops.contains(o): index += 1; return o
        case .name(let n) where ops.contains(n): index += 1; return n
        default: return nil
        }
    }

    mutating func binaryLevel(_ ops: [String], next: (inout ExpressionParser) throws(ExpressionError) -> Expression) throws(ExpressionError) -> Expression {
        var left = try next(&self)
        while let op = takeOperator(ops) {
            let right = try next(&self)
            left = .binary(Expression.BinaryOperator(rawValue: op)!, left, right)
        }
        return left
    }

    mutating func parseOr() throws(ExpressionError) -> Expression {
        try binaryLevel(["or"]) { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseAnd() }
    }

    mutating func parseAnd() throws(ExpressionError) -> Expression {
        try binaryLevel(["and"]) { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseEquality() }
    }

    mutating func parseEquality() throws(ExpressionError) -> Expression {
        try binaryLevel(["=", "!="]) { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseRelational() }
    }

    mutating func parseRelational() throws(ExpressionError) -> Expression {
        try binaryLevel(["<", "<=", ">", ">="]) { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseAdditive() }
    }

    mutating func parseAdditive() throws(ExpressionError) -> Expression {
        try binaryLevel(["+", "-"]) { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseMultiplicative() }
    }

    mutating func parseMultiplicative() throws(ExpressionError) -> Expression {
        try binaryLevel(["*", "div", "mod"]) { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseUnary() }
    }

    mutating func parseUnary() throws(ExpressionError) -> Expression {
        if takeOperator(["-"]) != nil { return .negate(try parseUnary()) }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(ExpressionError) -> Expression {
        guard let token = advance() else {
            throw ExpressionError(position: endPosition, message: "the expression ends where a value was expected")
        }
        switch token.kind {
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .reference(let r): return .reference(r)
        case .path(let p):
            // `..` is the repeat instance around the question, as position(..) reads it.
            if p == "current()/." || p == "./" || p == ".." { return .current }
            // A path keeps its named steps (`/data/father/age` → "data/father/age"); the form resolves it to the
            // question it ends in (`XLSForm`: the longest tail that names one, so `father/age` where two groups ask `age`).
            let steps = p.split(separator: "/").map(String.init).filter { !["", ".", "..", "current()"].contains($0) }
            guard let last = steps.last, !last.hasSuffix(")") else {
                throw ExpressionError(position: token.position, message: "path \(p) does not name a question")
            }
            return .reference(steps.joined(separator: "/"))
        case .dot: return .current
        case .leftParen:
            let inner = try parseOr()
            guard case .rightParen? = advance()?.kind else {
                throw ExpressionError(position: token.position, message: "'(' is not closed")
            }
            return inner
        case .name(let name):
            if choiceColumns, peek?.kind != .leftParen { return .choiceColumn(name) }
            guard case .leftParen? = peek?.kind else {
                throw ExpressionError(position: token.position, message: "'\(name)' is not a value; did you mean ${\(name)} or '\(name)'?")
            }
            index += 1
            var args: [Expression] = []
            if case .rightParen? = peek?.kind {
                index += 1
            } else {
                while true {
                    args.append(try parseOr())
                    guard let sep = advance() else {
                        throw ExpressionError(position: token.position, message: "the call to \(name)( is not closed")
                    }
                    if case .rightParen = sep.kind { break }
                    guard case .comma = sep.kind else {
                        throw ExpressionError(position: sep.position, message: "expected ',' or ')' in the call to \(name)(), found \(sep.kind.description)")
                    }
                }
            }
            try ExpressionFunctions.checkCall(name, arity: args.count, at: token.position)
            return .call(name, args)
        case .rightParen, .comma, .op:
            throw ExpressionError(position: token.position, message: "unexpected \(token.kind.description) where a value was expected")
        }
    }
}
