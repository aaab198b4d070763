import Foundation

/// Descriptive tables from respondent-level answers of one XLSForm, with bases stated the way a reader needs them:
/// a question's base is the respondents who were shown it (its `relevant` held for them) and answered it; item
/// nonresponse is left out of the base, never counted as "no".
public struct Tabulation: Sendable {
    public let form: XLSForm
    public let method: ProportionInterval
    public let level: Double
    /// Answers by question name, one dictionary per respondent (select_multiple as space-separated choice names).
    public let respondents: [[String: String]]
    /// Per respondent, the questions whose `relevant` held.
    private let shown: [Set<String>]

    public init(form: XLSForm, respondents: [[String: String]], method: ProportionInterval = .wilson, level: Double = 0.95, today: Date = Date()) {
        self.form = form
        self.method = method
        self.level = level
        self.respondents = respondents
        self.shown = respondents.map { Self.shownQuestions(form: form, answers: $0, today: today) }
    }

    /// The input questions a respondent was shown: whose `relevant` held, with stored calculations (a screening
    /// result decided when they answered) standing as stored.
    public static func shownQuestions(form: XLSForm, answers: [String: String], today: Date) -> Set<String> {
        var run = SurveyRun(form: form, answers: answers, today: today)
        for q in form.questions where q.type == .calculate {
            if let value = answers[q.name] { run.pin(q.name, to: value) }
        }
        return Set(form.questions.filter { $0.type.isInput && run.isRelevant($0) }.map(\.name))
    }

    // MARK: choices

    public struct ChoiceRow: Sendable, Equatable {
        public var name: String
        public var label: String
        /// Respondents who chose it.
        public var count: Int
        /// count / base.
        public var share: Double
        public var interval: Interval?
        /// count / all selections (the other reading of a select_multiple table).
        public var shareOfSelections: Double
    }

    public struct ChoiceTable: Sendable, Equatable {
        public var item: String
        public var label: String
        public var multiple: Bool
        /// Respondents who were shown the question.
        public var shown: Int
        /// Of those, who answered: every percent in the table is of this base.
        public var base: Int
        public var rows: [ChoiceRow]
        /// All choices made; for a select_multiple, selections / base is the average number chosen.
        public var selections: Int
        public var meanChosen: Double? { multiple && base > 0 ? Double(selections) / Double(base) : nil }
        public var method: ProportionInterval
        public var level: Double

        /// The sentence printed under the table, so its percentages cannot be misread.
        public var baseNote: String {
            var note = "Percent of the \(base) respondents who answered (n = \(base))"
            if shown > base { note += "; \(shown - base) who were asked did not answer and are not in the base" }
            if multiple {
                note += ". Respondents could choose more than one option, so percents add up to more than 100%"
                if let mean = meanChosen { note += String(format: " (%.1f options each on average; %d choices in all)", mean, selections) }
            }
            return note + ". \(Int((level * 100).rounded()))% intervals: \(method.label)."
        }
    }

    /// A select_one or select_multiple question as percent of respondents choosing each option, in choice order.
    public func choices(_ item: String, language: String? = nil) -> ChoiceTable? {
        guard let q = form.question(named: item) else { return nil }
        let multiple: Bool
        let list: String
        switch q.type {
        case .selectOne(let l, _): multiple = false; list = l
        case .selectMultiple(let l, _): multiple = true; list = l
        default: return nil
        }
        var shownCount = 0, base = 0, selections = 0
        var counts: [String: Int] = [:]
        for (i, answers) in respondents.enumerated() where shown[i].contains(item) {
            shownCount += 1
            guard let value = answers[item], !value.isEmpty else { continue }
            base += 1
            let chosen = multiple ? Set(value.split(separator: " ").map(String.init)) : [value]
            for c in chosen { counts[c, default: 0] += 1 }
            selections += chosen.count
        }
        var options = (form.choiceLists[list] ?? []).map { ($0.name, XLSForm.text($0.labels, language: language) ?? $0.name) }
        if case .selectMultiple(_, true) = q.type, !options.contains(where: { $0.0 == "other" }) { options.append(("other", "Other")) }
        if case .selectOne(_, true) = q.type, !options.contains(where: { $0.0 == "other" }) { options.append(("other", "Other")) }
        let rows = options.map { name, text in
            let count = counts[name] ?? 0
            return ChoiceRow(name: name, label: text, count: count, share: base > 0 ? Double(count) / Double(base) : 0,
                             interval: method.interval(successes: count, of: base, level: level),
                             shareOfSelections: selections > 0 ? Double(count) / Double(selections) : 0)
        }
        return ChoiceTable(item: item, label: XLSForm.text(q.labels, language: language) ?? item, multiple: multiple, shown: shownCount, base: base,
                           rows: rows, selections: selections, method: method, level: level)
    }

    // MARK: numbers

    public struct NumericSummary: Sendable, Equatable {
        public var item: String
        public var shown: Int
        public var n: Int
        public var mean: Double
        public var median: Double
        public var min: Double
        public var max: Double
        /// Sample standard deviation (n − 1), nil below two values.
        public var sd: Double?
    }

    /// An integer or decimal question (or any whose answers read as numbers, with `transform` applied to each,
    /// e.g. birth year to age).
    public func numeric(_ item: String, transform: (Double) -> Double = { $0 }) -> NumericSummary? {
        var values: [Double] = []
        var shownCount = 0
        for (i, answers) in respondents.enumerated() where shown[i].contains(item) {
            shownCount += 1
            if let v = answers[item].flatMap(Double.init), v.isFinite { values.append(transform(v)) }
        }
        guard !values.isEmpty else { return nil }
        values.sort()
        let n = values.count
        // Two passes (mean, then squared deviations), as R's var() does, so large values do not cancel.
        let mean = values.reduce(0, +) / Double(n)
        let sd = n > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot() : nil
        let median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
        return NumericSummary(item: item, shown: shownCount, n: n, mean: mean, median: median, min: values[0], max: values[n - 1], sd: sd)
    }

    // MARK: text and ranges

    public struct Distinct: Sendable, Equatable {
        public var item: String
        public var base: Int
        public var distinct: Int
        /// The most common values, most frequent first (ties by value), with their share of the base.
        public var top: [(value: String, count: Int, share: Double)]

        public static func == (l: Self, r: Self) -> Bool {
            l.item == r.item && l.base == r.base && l.distinct == r.distinct
                && l.top.map(\.value) == r.top.map(\.value) && l.top.map(\.count) == r.top.map(\.count)
        }
    }

    /// How many different answers a question got (e.g. countries) and the `top` most common.
    public func distinct(_ item: String, top k: Int = 3, normalize: (String) -> String = { $0 }) -> Distinct {
        var counts: [String: Int] = [:]
        var base = 0
        for (i, answers) in respondents.enumerated() where shown[i].contains(item) {
            guard let raw = answers[item], !raw.isEmpty else { continue }
            base += 1
            counts[normalize(raw), default: 0] += 1
        }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(k)
            .map { (value: $0.key, count: $0.value, share: Double($0.value) / Double(max(base, 1))) }
        return Distinct(item: item, base: base, distinct: counts.count, top: top)
    }

    /// The smallest and largest base over a group of questions, printed as "n=59-62" over a table of them.
    public func baseRange(_ items: [String]) -> ClosedRange<Int>? {
        let bases = items.map { item in respondents.indices.filter { shown[$0].contains(item) && !(respondents[$0][item] ?? "").isEmpty }.count }
        guard let low = bases.min(), let high = bases.max() else { return nil }
        return low...high
    }

    public static func rangeLabel(_ range: ClosedRange<Int>) -> String {
        range.lowerBound == range.upperBound ? "n=\(range.lowerBound)" : "n=\(range.lowerBound)-\(range.upperBound)"
    }

    /// A share as a whole percent, rounded half away from zero as tables are.
    public static func percent(_ share: Double) -> String {
        "\(Int((share * 100).rounded(.toNearestOrAwayFromZero)))%"
    }
}
