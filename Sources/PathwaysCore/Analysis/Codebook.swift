import Foundation

/// Open-text answers coded with a study's themes: keyword suggestions to speed up coding, theme frequencies with
/// their base stated, and example quotes taken only from respondents who agreed to be quoted.
public enum Codebook {
    public struct Theme: Sendable, Equatable, Codable {
        public var id: UUID
        public var name: String
        public var description: String
        /// Words or phrases that suggest the theme; a word matches any word that starts with it ("automat" finds
        /// "automation"; a word of three letters or fewer, like "AI", only itself), a phrase matches as written.
        /// Case, accents and punctuation are ignored.
        public var keywords: [String]

        public init(id: UUID = UUID(), name: String, description: String = "", keywords: [String]) {
            self.id = id
            self.name = name
            self.description = description
            self.keywords = keywords
        }
    }

    /// One answer to code.
    public struct Answer: Sendable, Equatable {
        public var caseID: Int64
        public var text: String
        /// Whether the respondent agreed to be quoted (the form's `quote_consent` item answered "yes").
        public var mayQuote: Bool

        public init(caseID: Int64, text: String, mayQuote: Bool) {
            self.caseID = caseID
            self.text = text
            self.mayQuote = mayQuote
        }
    }

    /// The name of the item a form asks for consent to quote with.
    public static let consentItem = "quote_consent"

    /// Lower case, accents folded, everything but letters and digits a space.
    static func normalize(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        return String(folded.map { $0.isLetter || $0.isNumber ? $0 : " " })
    }

    /// The themes whose keywords appear in `text`, in codebook order, each with the keyword that matched.
    public static func suggest(_ text: String, themes: [Theme]) -> [(theme: UUID, keyword: String)] {
        let normalized = " " + normalize(text).split(separator: " ").joined(separator: " ") + " "
        var out: [(UUID, String)] = []
        for theme in themes {
            for keyword in theme.keywords {
                let k = normalize(keyword).split(separator: " ").joined(separator: " ")
                guard !k.isEmpty else { continue }
                // A word matches at the start of a word (a short one, like "AI", only as a whole word); a phrase matches
                // from the start of a word.
                let short = !k.contains(" ") && k.count <= 3
                if normalized.contains(" " + k + (short ? " " : "")) {
                    out.append((theme.id, keyword))
                    break
                }
            }
        }
        return out
    }

    public struct Frequency: Sendable, Equatable, Codable {
        public var theme: UUID
        public var name: String
        /// Answers carrying the theme; nil when hidden by suppression.
        public var count: Int?
        /// Percent of the coded answers.
        public var percent: Double?
        /// Up to `quotes` answers with the theme from respondents who agreed to be quoted.
        public var quotes: [String]
    }

    public struct Summary: Sendable, Equatable, Codable {
        /// Answers given (non-empty).
        public var answers: Int
        /// Answers with at least one theme: the base of every percent.
        public var coded: Int
        public var frequencies: [Frequency]
        /// Of the answers, how many may be quoted.
        public var quotable: Int

        public var note: String {
            "Percent of the \(coded) coded answers (of \(answers) given); an answer can carry several themes, so percents can add up to more than 100%. "
                + "Quotes come only from the \(quotable) respondents who agreed to be quoted."
        }
    }

    /// Theme frequencies over `answers` coded as `tags` (case id → theme ids), with example quotes.
    public static func summary(_ answers: [Answer], tags: [Int64: Set<UUID>], themes: [Theme], quotes k: Int = 3,
                               suppression: Suppression? = Suppression()) -> Summary {
        let given = answers.filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        let coded = given.filter { !(tags[$0.caseID] ?? []).isEmpty }
        var counts = themes.map { theme in coded.filter { tags[$0.caseID]!.contains(theme.id) }.count }
        var hidden = [Bool](repeating: false, count: themes.count)
        if let suppression, !themes.isEmpty {
            // No total ties the counts (an answer can carry several themes, and the sum is not printed); each is at
            // most the number of coded answers.
            let grid = Suppression.Grid(cells: counts, fixed: [], lines: [], caps: counts.map { _ in coded.count })
            hidden = suppression.hide(grid) ?? Array(repeating: true, count: themes.count)
        }
        for i in counts.indices where hidden[i] { counts[i] = -1 }
        let frequencies = themes.enumerated().map { i, theme -> Frequency in
            let examples = coded.filter { $0.mayQuote && tags[$0.caseID]!.contains(theme.id) }.prefix(k).map(\.text)
            return Frequency(theme: theme.id, name: theme.name, count: counts[i] >= 0 ? counts[i] : nil,
                             percent: counts[i] >= 0 && !coded.isEmpty ? 100 * Double(counts[i]) / Double(coded.count) : nil,
                             quotes: hidden[i] ? [] : Array(examples))
        }
        return Summary(answers: given.count, coded: coded.count, frequencies: frequencies, quotable: given.filter(\.mayQuote).count)
    }

    /// The codebook as CSV: theme, description, keywords, and (when given) how many answers carry it.
    public static func csv(_ themes: [Theme], summary: Summary? = nil) -> String {
        var out = "theme,description,keywords,answers\n"
        for theme in themes {
            let count = summary?.frequencies.first { $0.theme == theme.id }?.count.map(String.init) ?? ""
            out += [theme.name, theme.description, theme.keywords.joined(separator: "; ")].map { CSVTable.field(CSVTable.inert($0)) }.joined(separator: ",")
                + "," + count + "\n"
        }
        return out
    }
}
