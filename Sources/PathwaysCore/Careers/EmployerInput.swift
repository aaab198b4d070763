import Foundation

/// An employer partner as an administrator fills it in (a page, the API, the command line): its id, name, site,
/// description, the programs it hires from and the employer accounts that act for it.
public struct EmployerInput: Sendable, Equatable {
    public var key: String?
    public var name: String?
    public var website: String?
    public var description: String?
    /// Program platform ids, separated by commas, semicolons or spaces.
    public var programs: String?
    /// Email addresses of employer accounts, separated likewise.
    public var accounts: String?

    public init(key: String? = nil, name: String? = nil, website: String? = nil, description: String? = nil, programs: String? = nil, accounts: String? = nil) {
        self.key = key
        self.name = name
        self.website = website
        self.description = description
        self.programs = programs
        self.accounts = accounts
    }

    /// The fields, named as the form, the API and the command name them.
    public static let columns: [ImportKind.Column] = [
        .init(name: "employer_id", required: true, help: "a short id, e.g. contoso; letters, digits, '-' and '_'"),
        .init(name: "name", required: true, help: "display name"),
        .init(name: "website", required: false, help: "https URL"),
        .init(name: "description", required: false, help: "one paragraph shown to learners"),
        .init(name: "programs", required: false, help: "program ids it hires from, separated by commas"),
        .init(name: "accounts", required: false, help: "emails of employer accounts that act for it, separated by commas"),
    ]

    public struct Read: Sendable, Equatable {
        public var key: String
        public var name: String
        public var website: String?
        public var description: String?
        public var programs: [String]
        public var accounts: [String]
    }

    static func list(_ text: String?) -> [String] {
        var seen: [String] = []
        for part in (text ?? "").split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }) where !seen.contains(String(part)) { seen.append(String(part)) }
        return seen
    }

    static func blank(_ s: String?) -> String? {
        let t = s?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return t.isEmpty ? nil : t
    }

    /// The input read and checked; every problem named by its field.
    public func read() -> (Read?, [FieldProblem]) {
        var problems: [FieldProblem] = []
        let key = Self.blank(key) ?? ""
        if key.isEmpty { problems.append(.init("employer_id", "give the employer a short id")) }
        else if key.count > 64 || !key.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }) {
            problems.append(.init("employer_id", "'\(key)' is not a usable id: at most 64 letters, digits, '-' or '_'"))
        }
        let name = Self.blank(name) ?? ""
        if name.isEmpty { problems.append(.init("name", "give the employer's name")) }
        if name.count > 200 { problems.append(.init("name", "at most 200 characters")) }
        let website = Self.blank(website)
        if let w = website, !(w.hasPrefix("https://") || w.hasPrefix("http://")) || w.count > 500 || URL(string: w)?.host == nil {
            problems.append(.init("website", "'\(w)' is not an http(s) address"))
        }
        let description = Self.blank(description)
        if (description?.count ?? 0) > 5_000 { problems.append(.init("description", "at most 5000 characters")) }
        let accounts = Self.list(accounts).map { $0.lowercased() }
        for a in accounts where a.split(separator: "@").count != 2 || a.count > 320 { problems.append(.init("accounts", "'\(a)' is not an email address")) }
        guard problems.isEmpty else { return (nil, problems) }
        return (Read(key: key, name: name, website: website, description: description, programs: Self.list(programs), accounts: accounts), [])
    }
}
