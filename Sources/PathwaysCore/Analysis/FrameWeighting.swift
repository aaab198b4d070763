import Foundation

/// Weights for a wave's respondents, raked to the frame's counts on chosen characteristics, and the comparison of
/// respondents with the frame that goes with them (unweighted and weighted).
public enum FrameWeighting {
    /// One case of the frame: whether it is a respondent (complete or partial interview), and what the frame knows of it.
    public struct Member: Sendable, Equatable {
        public var responded: Bool
        public var traits: [String: String]
        public init(responded: Bool, traits: [String: String]) {
            self.responded = responded
            self.traits = traits
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownCharacteristic(String, known: [String])
        case tooFewRespondents
        case emptyCategory(margin: String, category: String)
        case raking(String)

        public var description: String {
            switch self {
            case .unknownCharacteristic(let name, let known): "cannot rake on \(name): the frame knows \(known.joined(separator: ", "))"
            case .tooFewRespondents: "the wave has too few respondents to weight"
            case .emptyCategory(let margin, let category): "cannot rake on \(margin): \(category) is in the frame but has no respondents; choose other margins"
            case .raking(let why): why
            }
        }
    }

    /// Why a trim cannot be used with these margins (nil when it can): a cap of more than 1 and at most 100 times the
    /// mean weight, and only on raked weights.
    public static func trimProblem(_ trim: Double?, margins: [String]) -> String? {
        guard let trim else { return nil }
        guard trim.isFinite, trim > 1, trim <= 100 else { return "trim: a number of times the mean weight, more than 1 and at most 100" }
        return margins.isEmpty ? "trim: trimming applies to raked weights; choose what to rake to" : nil
    }

    /// Rakes the respondents (in frame order) to the frame's counts on `margins`, starting from equal weights that
    /// sum to the frame's size.
    /// With `trim`, the raked weights are then capped at that many times their mean, what is cut shared by the others
    /// (R survey's `trimWeights`), and the note says how many were capped and what margin error that leaves.
    public static func weigh(frame: [Member], margins: [String], characteristics: [String], trim: Double? = nil) throws(Failure)
        -> (weighting: Tabulation.Weighting, comparison: [NonresponseBias.Row]) {
        if let unknown = margins.first(where: { !characteristics.contains($0) }) { throw .unknownCharacteristic(unknown, known: characteristics) }
        let respondents = frame.filter(\.responded)
        guard respondents.count > 1 else { throw .tooFewRespondents }
        var rakingMargins: [Raking.Margin] = []
        var categoriesOf: [String: [String]] = [:]
        for name in margins {
            let categories = Array(Set(frame.map { $0.traits[name] ?? "" })).sorted()
            categoriesOf[name] = categories
            let index = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
            var totals = [Double](repeating: 0, count: categories.count)
            for member in frame { totals[index[member.traits[name] ?? ""]!] += 1 }
            rakingMargins.append(Raking.Margin(name: name, category: respondents.map { index[$0.traits[name] ?? ""]! }, totals: totals))
        }
        var result: Raking.Result
        do {
            result = try Raking().rake(Array(repeating: Double(frame.count) / Double(respondents.count), count: respondents.count), margins: rakingMargins)
        } catch {
            if case .emptyCategory(let margin, let category) = error { throw .emptyCategory(margin: margin, category: categoriesOf[margin]?[category] ?? "?") }
            throw .raking("\(error)")
        }
        var trimmed: (ratio: Double, capped: Int, marginError: Double)?
        if let trim {
            let capped = Raking.trim(result.weights, maxRatioToMean: trim)
            let cap = trim * result.weights.reduce(0, +) / Double(result.weights.count)
            trimmed = (trim, result.weights.filter { $0 > cap * (1 + 1e-12) }.count, Raking.marginError(capped, rakingMargins))
            result.weights = capped
        }
        var weights = [Double](repeating: 0, count: frame.count)
        var k = 0
        for (i, member) in frame.enumerated() where member.responded { weights[i] = result.weights[k]; k += 1 }
        let comparison = NonresponseBias.table(characteristics: characteristics, frame: frame.map(\.traits), responded: frame.map(\.responded), weights: weights)
        var weighting = Tabulation.Weighting(raking: result, margins: margins)
        weighting.trim = trimmed
        return (weighting, comparison)
    }
}

extension Report {
    /// A wave's report as the report page and command build it: the respondents' answers with their program columns,
    /// weighted when `weighting` is given, split by `group`, the frame comparison beside it, `suppression` applied to
    /// both.
    public static func wave(title: String, form: XLSForm, columns: ResponseColumns, method: ProportionInterval, today: Date, group: String?,
                            weighting: (weighting: Tabulation.Weighting, comparison: [NonresponseBias.Row])?, suppression: Suppression?) -> Report {
        var tabulation = Tabulation(form: form, columns: columns, method: method, today: today)
        tabulation.weighting = weighting?.weighting
        var report = Report(title: title, tabulation: tabulation, by: group, suppression: suppression)
        let comparison = weighting?.comparison ?? []
        report.frameComparison = suppression.map { NonresponseBias.protect(comparison, $0) } ?? comparison
        return report
    }
}
