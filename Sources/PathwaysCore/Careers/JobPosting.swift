import Foundation

/// A job posting, holding what schema.org's `JobPosting` says that matching needs: the skills asked for, the
/// education and experience required, the occupation, the kind of employment, where the work is and what it pays.
public struct JobPosting: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The employer's own identifier (`identifier.value`, else the posting's `@id` or `url`): a re-import of the same
    /// posting replaces it instead of adding a copy.
    public var externalID: String?
    public var title: String
    /// As published (may hold HTML).
    public var description: String
    public var hiringOrganization: String?
    public var hiringOrganizationURL: String?
    public var skills: [PostingSkill]
    public var education: [EducationRequirement]
    public var experienceMonths: Int?
    /// Experience asked for in words, when it is not a number of months.
    public var experienceText: String?
    public var experienceInPlaceOfEducation: Bool?
    /// O*NET-SOC codes (e.g. 15-1252.00), with any label given beside them; an occupation given only in words
    /// (`occupationalCategory` as text, a `relevantOccupation`'s name) is a label without a code.
    public var occupationalCategories: [OccupationCode]
    /// schema.org values: FULL_TIME, PART_TIME, CONTRACTOR, TEMPORARY, INTERN, VOLUNTEER, PER_DIEM, OTHER.
    public var employmentTypes: [String]
    public var locations: [PostingLocation]
    /// `jobLocationType: TELECOMMUTE`.
    public var remote: Bool
    /// Where remote applicants must live (`applicantLocationRequirements`), as given.
    public var applicantLocations: [String]
    public var salary: Salary?
    public var datePosted: Date?
    public var validThrough: Date?
    public var url: String?
    /// `qualifications` as published (text, or a credential's name and description), read for the degree asked.
    public var qualifications: String?

    public init(id: UUID = UUID(), externalID: String? = nil, title: String, description: String, hiringOrganization: String? = nil,
                hiringOrganizationURL: String? = nil, skills: [PostingSkill] = [], education: [EducationRequirement] = [],
                experienceMonths: Int? = nil, experienceText: String? = nil, experienceInPlaceOfEducation: Bool? = nil,
                occupationalCategories: [OccupationCode] = [], employmentTypes: [String] = [], locations: [PostingLocation] = [],
                remote: Bool = false, applicantLocations: [String] = [], salary: Salary? = nil, datePosted: Date? = nil,
                validThrough: Date? = nil, url: String? = nil, qualifications: String? = nil) {
        self.id = id
        self.externalID = externalID
        self.title = title
        self.description = description
        self.hiringOrganization = hiringOrganization
        self.hiringOrganizationURL = hiringOrganizationURL
        self.skills = skills
        self.education = education
        self.experienceMonths = experienceMonths
        self.experienceText = experienceText
        self.experienceInPlaceOfEducation = experienceInPlaceOfEducation
        self.occupationalCategories = occupationalCategories
        self.employmentTypes = employmentTypes
        self.locations = locations
        self.remote = remote
        self.applicantLocations = applicantLocations
        self.salary = salary
        self.datePosted = datePosted
        self.validThrough = validThrough
        self.url = url
        self.qualifications = qualifications
    }

    /// Whether the posting is open on `day`: posted by then and not past `validThrough`.
    /// What makes a re-import the same posting: the employer's identifier (else the page's `@id` or url), and for a
    /// posting with none of them its content — employer, title, place and day posted — so importing the same page
    /// twice updates it instead of adding a copy.
    public func dedupeKey(ownerKey: String?) -> String {
        let employer = (hiringOrganization ?? ownerKey ?? "").lowercased()
        if let externalID { return employer + "|" + externalID }
        func words(_ s: String?) -> String { (s ?? "").lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "," }).joined(separator: " ") }
        let place = remote ? "remote" : locations.first.map { [words($0.locality), words($0.region), words($0.country)].joined(separator: "/") } ?? ""
        return ["content", employer, words(title), place, datePosted.map(CalendarDay.format) ?? ""].joined(separator: "|")
    }

    public func isOpen(on day: Date) -> Bool {
        (datePosted.map { $0 <= day } ?? true) && (validThrough.map { $0 >= day } ?? true)
    }

    /// The description without markup, entities decoded, whitespace collapsed: what text rules read.
    public var plainDescription: String { HTMLText.plain(description) }
}

/// A skill a posting asks for: free text, or a `DefinedTerm` from a named vocabulary.
public struct PostingSkill: Codable, Sendable, Hashable {
    public var name: String
    /// `DefinedTerm.termCode` or its `@id`/`url` (an ESCO or O*NET identifier, for instance).
    public var code: String?
    /// `DefinedTerm.inDefinedTermSet`.
    public var termSet: String?

    public init(name: String, code: String? = nil, termSet: String? = nil) {
        self.name = name
        self.code = code
        self.termSet = termSet
    }
}

/// One `educationRequirements` entry: words, or an `EducationalOccupationalCredential` with its `credentialCategory`.
public struct EducationRequirement: Codable, Sendable, Hashable {
    public var text: String?
    /// schema.org's examples use: "high school", "associate degree", "bachelor degree", "professional certificate",
    /// "postgraduate degree", "no requirements".
    public var credentialCategory: String?

    public init(text: String? = nil, credentialCategory: String? = nil) {
        self.text = text
        self.credentialCategory = credentialCategory
    }
}

public struct OccupationCode: Codable, Sendable, Hashable {
    /// An O*NET-SOC code (`15-1252.00`) or SOC code (`15-1252`), or the code a `CategoryCode` gives; nil when the
    /// occupation was given only in words.
    public var code: String?
    public var label: String?

    public init(code: String?, label: String? = nil) {
        self.code = code
        self.label = label
    }

    /// An occupation given as text: the SOC code in it, with the rest as its label ("15-1252.00 Software
    /// Developers"), or, with no code in it, the words alone as the label ("Software Engineering").
    public static func read(_ words: String) -> OccupationCode? {
        let words = words.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !words.isEmpty else { return nil }
        guard let r = words.range(of: #"\b\d{2}-\d{4}(\.\d{2})?\b"#, options: .regularExpression) else { return OccupationCode(code: nil, label: words) }
        let label = words.replacingCharacters(in: r, with: "").trimmingCharacters(in: CharacterSet(charactersIn: " ,:-–()"))
        return OccupationCode(code: String(words[r]), label: label.isEmpty ? nil : label)
    }

    /// As a page shows it: "Software Developers (15-1252.00)", the code or the words alone.
    public var text: String {
        switch (label, code) {
        case let (label?, code?): "\(label) (\(code))"
        case let (label?, nil): label
        case let (nil, code?): code
        case (nil, nil): ""
        }
    }
}

public struct PostingLocation: Codable, Sendable, Hashable {
    public var locality: String?
    public var region: String?
    public var postalCode: String?
    /// As given: usually an ISO 3166-1 alpha-2 code, sometimes a name.
    public var country: String?
    public var street: String?

    public init(locality: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil, street: String? = nil) {
        self.locality = locality
        self.region = region
        self.postalCode = postalCode
        self.country = country
        self.street = street
    }

    public var label: String { [locality, region, country].compactMap { $0 }.joined(separator: ", ") }
}

/// `baseSalary`: a `MonetaryAmount` whose value is a number or a `QuantitativeValue` range, per `unitText`.
public struct Salary: Codable, Sendable, Hashable {
    public var currency: String?
    public var minValue: Double?
    public var maxValue: Double?
    /// HOUR, DAY, WEEK, MONTH or YEAR.
    public var unit: String?
    /// The pay as the posting wrote it, when it wrote words ("Negotiable", "$100,000 - $150,000").
    public var text: String?

    public init(currency: String? = nil, minValue: Double? = nil, maxValue: Double? = nil, unit: String? = nil, text: String? = nil) {
        self.currency = currency
        self.minValue = minValue
        self.maxValue = maxValue
        self.unit = unit
        self.text = text
    }

    static let symbols: [(String, String)] = [("US$", "USD"), ("A$", "AUD"), ("C$", "CAD"), ("$", "USD"), ("£", "GBP"), ("€", "EUR"), ("₹", "INR"), ("¥", "JPY")]
    static let units: [(words: [String], unit: String)] = [
        (["/hr", "per hour", "an hour", "/hour", "hourly", " ph"], "HOUR"), (["per day", "/day", "daily", "a day"], "DAY"),
        (["per week", "/week", "weekly", "a week", "/wk"], "WEEK"), (["per month", "/month", "monthly", "a month", "/mo"], "MONTH"),
        (["per year", "/year", "/yr", "per annum", "p.a.", "a year", "annually", "annual", "yearly", " pa"], "YEAR"),
    ]

    /// A salary written in words: its text kept, and what numbers it holds read — a range ("$100,000 - $150,000",
    /// "50k–60k"), a ceiling ("Up to $43/hr plus super"), a floor ("From £30,000"), a currency from its symbol or code,
    /// a unit from its words. "Negotiable" keeps only the text.
    /// schema.org's `unitText` in its canonical spelling: YEARLY → YEAR, per hour → HOUR.
    public static func unit(_ text: String) -> String {
        let t = text.uppercased().replacingOccurrences(of: "PER ", with: "").trimmingCharacters(in: .whitespaces)
        let spellings = ["YEARLY": "YEAR", "ANNUAL": "YEAR", "ANNUALLY": "YEAR", "ANNUM": "YEAR", "A YEAR": "YEAR", "MONTHLY": "MONTH", "WEEKLY": "WEEK",
                         "DAILY": "DAY", "HOURLY": "HOUR", "HR": "HOUR", "YR": "YEAR", "MO": "MONTH", "WK": "WEEK"]
        return spellings[t] ?? t
    }

    public static func fromWords(_ words: String, currency: String? = nil) -> Salary {
        let text = words.trimmingCharacters(in: .whitespacesAndNewlines)
        var salary = Salary(currency: currency, text: text)
        let lower = " " + text.lowercased() + " "
        if salary.currency == nil {
            salary.currency = symbols.first { text.contains($0.0) }?.1
                ?? ["USD", "GBP", "EUR", "CAD", "AUD", "INR", "NZD", "SGD"].first { text.uppercased().contains($0) }
        }
        salary.unit = units.first { u in u.words.contains { lower.contains($0) } }?.unit
        // Numbers: digits with thousands separators and decimals, an optional k (thousands).
        var numbers: [Double] = []
        var current = "", scalars = Array(lower)
        scalars.append(" ")
        for (i, ch) in scalars.enumerated() {
            if ch.isNumber || (ch == "." && !current.isEmpty) || (ch == "," && !current.isEmpty) {
                current.append(ch)
                continue
            }
            guard !current.isEmpty else { continue }
            let cleaned = current.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "."))
            if var n = Double(cleaned) {
                if ch == "k" && (i + 1 >= scalars.count || !scalars[i + 1].isLetter) { n *= 1_000 }
                numbers.append(n)
            }
            current = ""
        }
        guard let first = numbers.first else { return salary }
        if numbers.count >= 2 {
            salary.minValue = min(first, numbers[1])
            salary.maxValue = max(first, numbers[1])
        } else if lower.contains("up to") || lower.contains("max") {
            salary.maxValue = first
        } else if lower.contains("from") || lower.contains("starting") || lower.contains("+") || lower.contains("min") {
            salary.minValue = first
        } else {
            salary.minValue = first
            salary.maxValue = first
        }
        return salary
    }

    /// The yearly equivalent of the range's middle (2,080 working hours, 260 days, 52 weeks, 12 months).
    public var annualMidpoint: Double? {
        guard let low = minValue ?? maxValue, let high = maxValue ?? minValue else { return nil }
        let mid = (low + high) / 2
        switch unit?.uppercased() {
        case "HOUR": return mid * 2080
        case "DAY": return mid * 260
        case "WEEK": return mid * 52
        case "MONTH": return mid * 12
        default: return mid
        }
    }
}

/// Turns HTML fragments into plain text.
public enum HTMLText {
    /// Tags that end a line of text: paragraphs, breaks, list items, headings, table rows.
    static let blocks: Set<String> = ["p", "br", "li", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "blockquote"]

    /// The text as paragraphs, one per block of the markup (or line of plain text), a list item starting with "• ";
    /// nothing of the markup survives, so a page may show them as text.
    public static func paragraphs(_ html: String) -> [String] {
        var out = ""
        var tag = "", inTag = false
        for ch in html {
            if inTag {
                if ch == ">" {
                    inTag = false
                    let name = tagName(tag)
                    if blocks.contains(name) { out.append("\n") }
                    if name == "li" && !tag.hasPrefix("/") { out.append("• ") }
                    if !inline.contains(name) { out.append(" ") }
                } else {
                    tag.append(ch)
                }
            } else if ch == "<" {
                inTag = true
                tag = ""
            } else {
                out.append(ch)
            }
        }
        return decodeEntities(out).split(whereSeparator: \.isNewline).map { collapse(String($0)) }.filter { !$0.isEmpty && $0 != "•" }
    }

    public static func plain(_ html: String) -> String {
        guard html.contains("<") || html.contains("&") else { return collapse(html) }
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var tag = "", inTag = false
        for ch in html {
            if inTag {
                if ch == ">" {
                    inTag = false
                    // Inline markup ("<strong>team</strong>.") joins the words it wraps; any other tag separates them.
                    if !inline.contains(tagName(tag)) { out.append(" ") }
                } else {
                    tag.append(ch)
                }
            } else if ch == "<" {
                inTag = true
                tag = ""
            } else {
                out.append(ch)
            }
        }
        return collapse(decodeEntities(out))
    }

    /// A tag's element name ("/P class=x" → "p").
    static func tagName(_ tag: String) -> String {
        String(tag.lowercased().drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber })
    }

    /// Tags that mark words up within a line; they never separate words.
    static let inline: Set<String> = ["a", "b", "strong", "em", "i", "u", "span", "small", "sup", "sub", "mark", "code", "abbr", "font"]

    static let entities: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "#39": "'", "rsquo": "’", "lsquo": "‘", "ndash": "–", "mdash": "—", "bull": "•"]

    /// A description published as escaped HTML ("&lt;p&gt;…", no tag of its own) made HTML again, once; any other
    /// text is kept as it came.
    public static func unescapingMarkup(_ text: String) -> String {
        guard !text.contains("<"), text.range(of: #"&lt;/?[A-Za-z][A-Za-z0-9]*( [^&]*)?&gt;"#, options: .regularExpression) != nil else { return text }
        return decodeEntities(text)
    }

    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(10).firstIndex(of: ";") {
                let name = String(after[..<semi])
                if let v = entities[name] {
                    out += v
                    rest = after[after.index(after: semi)...]
                    continue
                }
                if name.hasPrefix("#"), let n = name.hasPrefix("#x") ? UInt32(name.dropFirst(2), radix: 16) : UInt32(name.dropFirst()),
                   let scalar = Unicode.Scalar(n) {
                    out.unicodeScalars.append(scalar)
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        return out + rest
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
