import Foundation

/// What a posting asks for in the way of a four-year degree.
public enum DegreeRequirement: String, Codable, Sendable, CaseIterable, Comparable {
    case noDegree = "no_degree_required"
    case preferred = "degree_preferred"
    case bachelors = "bachelors_required"
    case graduate = "graduate_required"
    case unknown

    public var label: String {
        switch self {
        case .noDegree: "No degree required"
        case .preferred: "Degree preferred"
        case .bachelors: "Bachelor's required"
        case .graduate: "Graduate degree required"
        case .unknown: "Not stated"
        }
    }

    var rank: Int {
        switch self {
        case .noDegree: 0
        case .preferred: 1
        case .unknown: 2
        case .bachelors: 3
        case .graduate: 4
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// A posting's degree requirement with the evidence it was read from.
public struct DegreeClassification: Codable, Sendable, Equatable {
    public var requirement: DegreeRequirement
    /// In words, quoting what was read: "educationRequirements: credentialCategory \"bachelor degree\"; …".
    public var reason: String
    /// `structured` (educationRequirements credentials, experienceInPlaceOfEducation) or `text`.
    public var source: String

    public init(_ requirement: DegreeRequirement, reason: String, source: String) {
        self.requirement = requirement
        self.reason = reason
        self.source = source
    }
}

/// Classifies a posting's degree requirement from the structured fields first (`educationRequirements` as
/// `EducationalOccupationalCredential` with a `credentialCategory`, `experienceInPlaceOfEducation`) and from the
/// text second (the education requirement's words, then the description), keeping the reason.
public enum DegreeClassifier {
    public static func classify(_ posting: JobPosting) -> DegreeClassification {
        let inPlace = posting.experienceInPlaceOfEducation == true
        let categories = posting.education.compactMap(\.credentialCategory)
        if !categories.isEmpty {
            let levels = categories.map { (category: $0, level: level(ofCategory: $0)) }
            // The lowest level the posting accepts is what it requires.
            if let lowest = levels.compactMap({ l in l.level.map { (l.category, $0) } }).min(by: { $0.1 < $1.1 }) {
                let quoted = "educationRequirements credentialCategory \"\(lowest.0)\""
                // Words beside the structure can still soften it ("… or equivalent experience", "preferred").
                let words = (posting.education.compactMap(\.text) + [posting.plainDescription]).joined(separator: " ")
                switch lowest.1 {
                case .noDegree:
                    return DegreeClassification(.noDegree, reason: quoted, source: "structured")
                case .bachelors, .graduate:
                    if inPlace {
                        return DegreeClassification(.preferred, reason: "\(quoted), with experienceInPlaceOfEducation true", source: "structured")
                    }
                    if let soft = firstMatch(softeners(for: lowest.1), in: words) {
                        return DegreeClassification(.preferred, reason: "\(quoted), but the text says \"\(soft)\"", source: "structured")
                    }
                    return DegreeClassification(lowest.1, reason: quoted, source: "structured")
                default:
                    break
                }
            }
        }
        // The words: the education requirement first, then the description.
        let sources = [("educationRequirements", posting.education.compactMap(\.text).joined(separator: " ")),
                       ("experienceRequirements", posting.experienceText ?? ""), ("qualifications", posting.qualifications ?? ""),
                       ("description", posting.plainDescription)]
        // "No requirements" as the whole education requirement means what the category of that name means.
        if let text = posting.education.compactMap(\.text).first(where: { firstMatch([#"^\W*(no (formal |educational |degree )?requirements?|none|not required)\W*$"#], in: $0) != nil }) {
            return DegreeClassification(.noDegree, reason: "educationRequirements: \"\(text)\"", source: "text")
        }
        for (field, words) in sources where !words.isEmpty {
            if let c = classifyText(words, field: field, inPlace: inPlace) { return c }
        }
        if inPlace {
            return DegreeClassification(.preferred, reason: "experienceInPlaceOfEducation true, no degree named", source: "structured")
        }
        return DegreeClassification(.unknown, reason: "no education requirement found in the structured fields or the text", source: "text")
    }

    /// The level a `credentialCategory` names. Words are matched whole: "ongoing undergraduate degree" holds
    /// "graduate" only inside "undergraduate", and is a bachelor's.
    static func level(ofCategory category: String) -> DegreeRequirement? {
        let c = category.lowercased()
        func has(_ pattern: String) -> Bool { firstMatch([pattern], in: c) != nil }
        if c.contains("no requirement") || c.trimmingCharacters(in: .whitespaces) == "none" { return .noDegree }
        if has(#"\bundergraduate\b"#) { return .bachelors }
        if has(#"\b(postgraduate|graduate degree|master'?s?|doctor(ate|al)?|ph\.?d)\b"#) { return .graduate }
        if has(#"\bbachelor"#) { return .bachelors }
        if c.contains("high school") || c.contains("secondary") || c.contains("associate") || c.contains("certificate") || c.contains("certification")
            || c.contains("diploma") || c.contains("ged") { return .noDegree }
        return nil
    }

    static func softeners(for level: DegreeRequirement) -> [String] {
        [#"(or|and/or) (an? )?equivalent (combination of )?(work |relevant |practical |professional )?(experience|training)"#,
         #"(or|and/or) \d+\+? years? of (relevant |related |equivalent )?(work |professional )?experience"#,
         #"(degree|bachelor'?s|ba/bs|bs/ba|master'?s|mba|ph\.?d\.?)[^.;]{0,40}\b(preferred|a plus|is a plus|nice to have|desired|desirable|an advantage)"#,
         #"(preferred|desired|nice to have)[^.;]{0,20}\b(degree|bachelor'?s|master'?s)"#,
         #"\b(equivalent experience|experience in lieu of (a )?degree|in lieu of (a )?degree)"#,
         // German: "oder vergleichbare Qualifikation", a completed vocational training, career changers welcome.
         #"\b(oder|or) (eine )?(vergleichbare|gleichwertige|ähnliche) (qualifikation|ausbildung|berufserfahrung)"#,
         #"\babgeschlossene[nm]? (berufs)?ausbildung"#, #"\bquereinsteiger"#]
    }

    static let noDegreePatterns = [
        #"\bno (college |university |four-year |4-year |bachelor'?s )?degree (is )?(required|needed|necessary)"#,
        #"\b(a )?(college |university |four-year |4-year |bachelor'?s )?degree (is )?not (required|needed|necessary)"#,
        #"\bdo(es)? not (require|need) (a |an )?(college |university |four-year |4-year |bachelor'?s )?degree"#,
        #"\bwithout (a |an )?(college |university |four-year |4-year )?degree"#,
        #"\b(degree|diploma) (is )?optional"#,
        #"\bskills[- ]based hiring\b"#,
    ]

    static let graduatePatterns = [
        #"\b(master'?s|ms|m\.s\.|mba|ph\.?d\.?|doctorate|doctoral|graduate) degree"#, #"\bph\.?d\.?\b"#, #"\bmaster'?s in\b"#,
        #"\bmba\b"#,
        // Beyond US English: máster, maestría, maîtrise, doctorado, doctorat, mestrado, Master-Abschluss, Promotion.
        #"\b(máster|maestría|maîtrise|doctorado|doctorat|mestrado|doutorado|master-?abschluss|masterabschluss)\b"#,
    ]

    static let bachelorsPatterns = [
        #"\bbachelor'?s( degree)?\b"#, #"\b(ba|bs|b\.a\.|b\.s\.|ba/bs|bs/ba|b\.sc\.?|bsc)\b( degree| in)"#, #"\bfour-year (college |university )?degree"#,
        #"\b4-year (college |university )?degree"#, #"\bundergraduate degree"#, #"\bcollege degree"#, #"\buniversity degree"#,
        #"\bdegree in (computer science|engineering|a related field|business|mathematics|statistics|information)"#,
        // "a degree in …", and bachelor's degrees by their names elsewhere: licence (en …; not a driving licence), licenciatura, grado, bacharelado,
        // Bachelor-Abschluss, Hochschulabschluss, diplôme de licence.
        #"\b(a|an) (university |college |relevant |related )?degree (in|from)\b"#,
        #"\bdegree from (an? )?(accredited|recognized|recognised)\b"#,
        #"\blicence (en|de|d'|professionnelle|bac)"#,
        #"\b(licenciatura|licenciado|título de grado|grado universitario|grado en|bacharelado|bachelor-?abschluss|bachelorabschluss|hochschulabschluss|studienabschluss|diplôme de licence|diplôme universitaire)\b"#,
    ]

    static let lowerCredentialPatterns = [
        #"\bhigh school (diploma|education|graduate)\b"#, #"\b(ged|hse)\b"#, #"\bassociate'?s? degree"#, #"\bsecondary school\b"#,
    ]

    /// Degrees a text names without asking them of applicants: one the position pays for or leads to ("to pursue a
    /// one-year master's degree"), one someone else holds ("Kate holds a Stanford PhD"). Matched with case, so
    /// "You hold a master's degree", which asks it, is kept.
    static let notAskedPatterns = [
        #"\bto (pursue|study for|earn|obtain|complete|fund) (a |an |your |their )?[^.;]{0,30}?\b(degree|master'?s|bachelor'?s|mba|ph\.?d\.?|doctorate)\b"#,
        #"\b(?!(?:You|Candidates?|Applicants?|We)\b)[A-Z][a-z]+ (holds|held|has|earned|received|completed) (a|an|his|her|their) [^.;]{0,40}?(Ph\.?D\.?|[Dd]octorate|[Mm]aster'?s|MBA|[Dd]egree)"#,
        #"\b([Hh]e|[Ss]he|[Tt]hey) (holds|held|has|earned|received|completed) (a|an|his|her|their) [^.;]{0,40}?(Ph\.?D\.?|[Dd]octorate|[Mm]aster'?s|MBA|[Dd]egree)"#,
    ]
    private static let notAskedRegexes = notAskedPatterns.compactMap { try? NSRegularExpression(pattern: $0) }

    /// The words with every degree they name without asking it taken out.
    static func withoutDegreesNotAsked(_ words: String) -> String {
        var out = words
        for regex in notAskedRegexes {
            out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: " ")
        }
        return out
    }

    static func classifyText(_ text: String, field: String, inPlace: Bool) -> DegreeClassification? {
        guard mentionsEducation(text) else { return nil }
        let words = withoutDegreesNotAsked(text)
        if let hit = firstMatch(noDegreePatterns, in: words) {
            return DegreeClassification(.noDegree, reason: "\(field): \"\(hit)\"", source: "text")
        }
        if let grad = firstMatch(graduatePatterns, in: words) {
            if let soft = firstMatch(softeners(for: .graduate), in: words) {
                // A graduate degree "preferred" over a bachelor's required is still a bachelor's requirement.
                if let bachelors = firstMatch(bachelorsPatterns, in: words), firstMatch(softeners(for: .bachelors), in: sentence(containing: bachelors, in: words)) == nil {
                    return DegreeClassification(.bachelors, reason: "\(field): \"\(bachelors)\" (the graduate degree is only preferred: \"\(soft)\")", source: "text")
                }
                return DegreeClassification(.preferred, reason: "\(field): \"\(grad)\" … \"\(soft)\"", source: "text")
            }
            if inPlace { return DegreeClassification(.preferred, reason: "\(field): \"\(grad)\", with experienceInPlaceOfEducation true", source: "text") }
            return DegreeClassification(.graduate, reason: "\(field): \"\(grad)\"", source: "text")
        }
        if let bachelors = firstMatch(bachelorsPatterns, in: words) {
            if let soft = firstMatch(softeners(for: .bachelors), in: words) {
                return DegreeClassification(.preferred, reason: "\(field): \"\(bachelors)\" … \"\(soft)\"", source: "text")
            }
            if inPlace { return DegreeClassification(.preferred, reason: "\(field): \"\(bachelors)\", with experienceInPlaceOfEducation true", source: "text") }
            return DegreeClassification(.bachelors, reason: "\(field): \"\(bachelors)\"", source: "text")
        }
        if let lower = firstMatch(lowerCredentialPatterns, in: words) {
            return DegreeClassification(.noDegree, reason: "\(field): asks for \"\(lower)\" and no four-year degree", source: "text")
        }
        return nil
    }

    /// The matched words of the first pattern that matches, case-insensitively. Patterns are compiled once.
    static func firstMatch(_ patterns: [String], in words: String) -> String? {
        let range = NSRange(words.startIndex..., in: words)
        for pattern in patterns {
            guard let regex = compiled(pattern) else { continue }
            if let m = regex.firstMatch(in: words, range: range), let r = Range(m.range, in: words) { return String(words[r]) }
        }
        return nil
    }

    private static let cache: [String: NSRegularExpression] = {
        var out: [String: NSRegularExpression] = [:]
        let all = noDegreePatterns + graduatePatterns + bachelorsPatterns + lowerCredentialPatterns + softeners(for: .bachelors)
        for p in all { out[p] = try? NSRegularExpression(pattern: p, options: [.caseInsensitive]) }
        return out
    }()

    static func compiled(_ pattern: String) -> NSRegularExpression? {
        cache[pattern] ?? (try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]))
    }

    /// Words without any of these say nothing about education, and skip the patterns.
    static let cues = ["degree", "bachelor", "master", "ph.d", "phd", "doctor", "diploma", "ged", "hse", "high school", "secondary", "associate",
                       "graduate", "college", "university", "mba", " ba", " bs", "b.a.", "b.s.", "bsc", "b.sc", "skills-based", "skills based", "equivalent", "lieu",
                       "licen", "grado", "diplôme", "abschluss", "máster", "maestría", "maîtrise", "doctorat", "mestrado", "bacharelado"]

    static func mentionsEducation(_ words: String) -> Bool {
        let lower = " " + words.lowercased()
        return cues.contains { lower.contains($0) }
    }

    static func sentence(containing phrase: String, in words: String) -> String {
        guard let r = words.range(of: phrase) else { return words }
        let start = words[..<r.lowerBound].lastIndex(where: { ".;\n".contains($0) }).map { words.index(after: $0) } ?? words.startIndex
        let end = words[r.upperBound...].firstIndex(where: { ".;\n".contains($0) }) ?? words.endIndex
        return String(words[start..<end])
    }
}
