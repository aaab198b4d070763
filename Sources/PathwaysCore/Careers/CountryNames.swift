import Foundation

/// Whether a place named in a posting's words ("US", "USA", "United States", "Anywhere in Canada", "Worldwide")
/// is the country a learner's profile holds as an ISO 3166 code.
public enum CountryNames {
    /// Other names postings use for a country, beside its code and its English name.
    static let aliases: [String: [String]] = [
        "US": ["usa", "u s", "u s a", "united states of america", "america"],
        "GB": ["uk", "u k", "britain", "great britain", "england", "scotland", "wales", "northern ireland"],
        "AE": ["uae"], "KR": ["south korea", "korea"], "RU": ["russia"], "CZ": ["czech republic"], "NL": ["holland"],
    ]
    /// Words that admit applicants anywhere.
    static let anywhere: Set<String> = ["worldwide", "anywhere", "global", "international", "any country", "earth"]

    /// Whether `text` names the country `code` (or anywhere).
    public static func names(_ code: String, _ text: String) -> Bool {
        let code = code.uppercased()
        let words = normalize(text)
        if words.isEmpty { return false }
        if anywhere.contains(words) || anywhere.contains(where: { words.hasPrefix($0 + " ") }) { return true }
        if words.split(separator: " ").contains(where: { $0.uppercased() == code }) && text.contains(code) { return true }
        var names = aliases[code] ?? []
        if let english = Locale(identifier: "en_US").localizedString(forRegionCode: code) { names.append(normalize(english)) }
        return names.contains { name in words == name || " \(words) ".contains(" \(name) ") }
    }

    static func normalize(_ text: String) -> String {
        let mapped = text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : " " }
        var words = String(mapped).split(separator: " ").map(String.init)
        if words.first == "the" { words.removeFirst() }
        return words.joined(separator: " ")
    }
}
