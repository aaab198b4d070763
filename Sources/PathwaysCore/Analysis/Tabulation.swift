import Foundation

/// Descriptive tables from respondent-level answers of one XLSForm, with bases stated the way a reader needs them:
/// a question's base is the respondents who were shown it (its `relevant` held for them) and answered it; item
/// nonresponse is left out of the base, never counted as "no".
public struct Tabulation: Sendable {
    public let form: XLSForm
    public let method: ProportionInterval
    public let level: Double
    /// The answers, column by column.
    public let data: ResponseColumns
    /// Who was shown which question.
    let visibility: Visibility
    /// Raked weights, one per respondent, when the tables are weighted; nil for unweighted tables.
    public var weighting: Weighting?

    /// Respondents' weights and how they were made.
    public struct Weighting: Sendable {
        public var raking: Raking.Result
        /// What the weights were raked to, for the note under the tables ("program kind, gender").
        public var margins: [String]
        /// When the raked weights were trimmed: the cap (times the mean weight), how many weights it capped, and the
        /// largest margin error the trimmed weights leave.
        public var trim: (ratio: Double, capped: Int, marginError: Double)? = nil

        public init(raking: Raking.Result, margins: [String]) {
            self.raking = raking
            self.margins = margins
        }
    }

    public var count: Int { data.count }

    /// From answers by question name, one dictionary per respondent (select_multiple as space-separated choice names).
    public init(form: XLSForm, respondents: [[String: String]], method: ProportionInterval = .wilson, level: Double = 0.95, today: Date = Date()) {
        self.init(form: form, columns: ResponseColumns(rows: respondents), method: method, level: level, today: today)
    }

    public init(form: XLSForm, columns: ResponseColumns, method: ProportionInterval = .wilson, level: Double = 0.95, today: Date = Date()) {
        self.form = form
        self.method = method
        self.level = level
        self.data = columns
        self.visibility = Visibility(form: form, data: columns, today: today)
    }

    /// The input questions a respondent was shown: whose `relevant` held, with stored calculations (a screening
    /// result decided when they answered) standing as stored.
    public static func shownQuestions(form: XLSForm, answers: [String: String], today: Date) -> Set<String> {
        var run = SurveyRun(form: form, answers: answers, today: today)
        var stored: [String: String] = [:]
        for q in form.questions where q.type == .calculate {
            if let value = answers[q.name], !value.isEmpty { stored[q.name] = value }
        }
        run.pin(stored)
        return Set(form.questions.filter { $0.type.isInput && run.isRelevant($0) }.map(\.name))
    }

    /// Per respondent (row), whether they were shown `item`.
    public func wasShown(_ item: String, row: Int) -> Bool { visibility.isShown(item, row: row) }

    /// Counts of a column's codes among the respondents shown `item`, split by the codes of `group`:
    /// `counts[g * width + code]`, g = 0 for respondents without a group value.
    func histogram(_ item: String, by group: String? = nil) -> (groups: Int, width: Int, counts: [Int]) {
        let column = data[item]
        let width = (column?.values.count ?? 0) + 1
        let groupColumn = group.flatMap { data[$0] }
        let groups = (groupColumn?.values.count ?? 0) + 1
        var counts = [Int](repeating: 0, count: width * groups)
        let n = data.count
        let zeros = [UInt32](repeating: 0, count: column == nil || groupColumn == nil ? n : 0)
        let codes = column?.codes ?? zeros
        let groupCodes = groupColumn?.codes ?? zeros
        let shown = visibility.vector(for: item)
        counts.withUnsafeMutableBufferPointer { c in
            codes.withUnsafeBufferPointer { v in
                groupCodes.withUnsafeBufferPointer { g in
                    switch (shown, groupColumn != nil) {
                    case (nil, false): for i in 0..<n { c[Int(v[i])] += 1 }
                    case (nil, true): for i in 0..<n { c[Int(g[i]) * width + Int(v[i])] += 1 }
                    case (let s?, false): s.withUnsafeBufferPointer { s in for i in 0..<n where s[i] != 0 { c[Int(v[i])] += 1 } }
                    case (let s?, true): s.withUnsafeBufferPointer { s in for i in 0..<n where s[i] != 0 { c[Int(g[i]) * width + Int(v[i])] += 1 } }
                    }
                }
            }
        }
        return (groups, width, counts)
    }

    /// The labels of a grouping column's codes (a question's choice labels, else the values themselves).
    public func groupLabels(_ group: String, language: String? = nil) -> [(name: String, label: String)] {
        let values = data[group]?.values ?? []
        var labels: [String: String] = [:]
        if let q = form.question(named: group), case .selectOne(let list, _) = q.type {
            for c in form.choiceLists[list] ?? [] { labels[c.name] = XLSForm.text(c.labels, language: language) ?? c.name }
        }
        return values.map { ($0, labels[$0] ?? $0) }
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
        /// With weights: the weighted share of the base and its logit interval on the raked design (R's svyciprop).
        public var weightedShare: Double? = nil
        public var weightedInterval: Interval? = nil
        /// With weights: the estimate's standard error, design effect and effective n (R's svymean with deff = TRUE).
        public var weightedEstimate: WeightedProportion.Estimate? = nil
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
        /// Whether the rows carry weighted shares (and the note speaks of them).
        public var weighted: Bool = false

        /// The sentence printed under the table, so its percentages cannot be misread.
        public var baseNote: String {
            var note = "Percent of the \(base) respondents who answered (n = \(base))"
            if shown > base { note += "; \(shown - base) who were asked did not answer and are not in the base" }
            if multiple {
                note += ". Respondents could choose more than one option, so percents add up to more than 100%"
                if let mean = meanChosen { note += String(format: " (%.1f options each on average; %d choices in all)", mean, selections) }
            }
            if weighted {
                return note + ". Percents are weighted; \(Int((level * 100).rounded()))% intervals: logit on the raked design (R survey's svyciprop)."
            }
            return note + ". \(Int((level * 100).rounded()))% intervals: \(method.label)."
        }
    }

    /// A select_one or select_multiple question as percent of respondents choosing each option, in choice order.
    public func choices(_ item: String, language: String? = nil) -> ChoiceTable? {
        choiceTables(item, by: nil, language: language)?.all
    }

    /// The same table for each value of `group` (a question or an attached column such as program kind), in the
    /// order the values first appear; respondents without a group value are only in the overall table.
    public func choices(_ item: String, by group: String, language: String? = nil) -> [(group: String, label: String, table: ChoiceTable)]? {
        guard let tables = choiceTables(item, by: group, language: language) else { return nil }
        return zip(groupLabels(group, language: language), tables.groups).map { ($0.name, $0.label, $1) }
    }

    func choiceTables(_ item: String, by group: String?, language: String?) -> (all: ChoiceTable, groups: [ChoiceTable])? {
        guard let q = form.question(named: item) else { return nil }
        let multiple: Bool
        let list: String
        let other: Bool
        switch q.type {
        case .selectOne(let l, let o): multiple = false; list = l; other = o
        case .selectMultiple(let l, let o): multiple = true; list = l; other = o
        default: return nil
        }
        var options = (form.choiceLists[list] ?? []).map { ($0.name, XLSForm.text($0.labels, language: language) ?? $0.name) }
        if other, !options.contains(where: { $0.0 == "other" }) { options.append(("other", "Other")) }
        let optionIndex = Dictionary(options.enumerated().map { ($1.0, $0) }, uniquingKeysWith: { a, _ in a })
        // Each distinct stored value once: which options it chose, and how many choices it made.
        let values = data[item]?.values ?? []
        let chosen: [(options: [Int], selections: Int)] = values.map { value in
            let names = multiple ? Array(Set(value.split(separator: " ").map(String.init))) : [value]
            return (names.compactMap { optionIndex[$0] }, names.count)
        }
        let label = XLSForm.text(q.labels, language: language) ?? item
        let (groups, width, counts) = histogram(item, by: group)
        let codes = data[item]?.codes ?? []
        let groupCodes = group.flatMap { data[$0]?.codes }
        let shownVector = visibility.vector(for: item)
        /// Weighted shares over the respondents shown the question who answered it (and are in group `g`, if given).
        func weighted(_ g: Int?, options count: Int) -> [WeightedProportion.Estimate?] {
            guard let weighting, !codes.isEmpty else { return Array(repeating: nil, count: count) }
            let domain = (0..<data.count).map { i in
                codes[i] != 0 && (shownVector.map { $0[i] != 0 } ?? true) && (g.map { groupCodes?[i] == UInt32($0) } ?? true)
            }
            return (0..<count).map { o in
                let y = codes.map { $0 != 0 && chosen[Int($0) - 1].options.contains(o) }
                return WeightedProportion.logit(y, weights: weighting.raking.weights, raking: weighting.raking, domain: domain, level: level)
            }
        }
        func table(_ rowCounts: ArraySlice<Int>, group g: Int? = nil) -> ChoiceTable {
            let start = rowCounts.startIndex
            let shown = rowCounts.reduce(0, +)
            let base = shown - rowCounts[start]
            var optionCounts = [Int](repeating: 0, count: options.count)
            var selections = 0
            for code in 1..<width where rowCounts[start + code] > 0 {
                let n = rowCounts[start + code]
                for o in chosen[code - 1].options { optionCounts[o] += n }
                selections += n * chosen[code - 1].selections
            }
            let weights = weighted(g, options: options.count)
            let rows = options.enumerated().map { i, option in
                ChoiceRow(name: option.0, label: option.1, count: optionCounts[i], share: base > 0 ? Double(optionCounts[i]) / Double(base) : 0,
                          interval: method.interval(successes: optionCounts[i], of: base, level: level),
                          shareOfSelections: selections > 0 ? Double(optionCounts[i]) / Double(selections) : 0,
                          weightedShare: weights[i]?.proportion, weightedInterval: weights[i]?.interval, weightedEstimate: weights[i])
            }
            return ChoiceTable(item: item, label: label, multiple: multiple, shown: shown, base: base, rows: rows, selections: selections,
                               method: method, level: level, weighted: weighting != nil)
        }
        return Self.split((groups, width, counts), grouped: group != nil) { table($0, group: $1) }
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
    /// e.g. birth year to age; a date reads as days since 1970-01-01).
    public func numeric(_ item: String, transform: (Double) -> Double = { $0 }) -> NumericSummary? {
        numericSummaries(item, by: nil, transform: transform).all
    }

    /// The same summary for each value of `group`, as `choices(_:by:)` orders them (nil where a group has no values).
    public func numeric(_ item: String, by group: String, transform: (Double) -> Double = { $0 }) -> [NumericSummary?] {
        Array(numericSummaries(item, by: group, transform: transform).groups.dropLast())
    }

    func numericSummaries(_ item: String, by group: String?, transform: (Double) -> Double) -> (all: NumericSummary?, groups: [NumericSummary?]) {
        let isDate: Bool = if case .date = form.question(named: item)?.type { true } else { false }
        let numbers: [Double?] = (data[item]?.values ?? []).map { text in
            let v = isDate ? CalendarDay.parse(text).map { ($0.timeIntervalSince1970 / 86_400).rounded(.down) } : Double(text)
            return v.flatMap { $0.isFinite ? transform($0) : nil }
        }
        let (groups, width, counts) = histogram(item, by: group)
        func summary(_ rowCounts: ArraySlice<Int>) -> NumericSummary? {
            let start = rowCounts.startIndex
            let shown = rowCounts.reduce(0, +)
            var pairs: [(value: Double, count: Int)] = []
            for code in 1..<width where rowCounts[start + code] > 0 {
                if let v = numbers[code - 1] { pairs.append((v, rowCounts[start + code])) }
            }
            guard !pairs.isEmpty else { return nil }
            pairs.sort { $0.value < $1.value }
            let n = pairs.reduce(0) { $0 + $1.count }
            // Two passes (mean, then squared deviations), as R's var() does, so large values do not cancel.
            let mean = pairs.reduce(0) { $0 + $1.value * Double($1.count) } / Double(n)
            let sd = n > 1 ? (pairs.reduce(0) { $0 + ($1.value - mean) * ($1.value - mean) * Double($1.count) } / Double(n - 1)).squareRoot() : nil
            func nth(_ k: Int) -> Double {
                var seen = 0
                for p in pairs { seen += p.count; if k < seen { return p.value } }
                return pairs[pairs.count - 1].value
            }
            let median = n % 2 == 1 ? nth(n / 2) : (nth(n / 2 - 1) + nth(n / 2)) / 2
            return NumericSummary(item: item, shown: shown, n: n, mean: mean, median: median, min: pairs[0].value, max: pairs[pairs.count - 1].value, sd: sd)
        }
        return Self.split((groups, width, counts), grouped: group != nil) { rowCounts, _ in summary(rowCounts) }
    }

    /// A histogram made into one result over everyone and, when grouped, one per group value (by code), with the
    /// respondents without a value last.
    static func split<T>(_ h: (groups: Int, width: Int, counts: [Int]), grouped: Bool, _ make: (ArraySlice<Int>, Int?) -> T) -> (all: T, groups: [T]) {
        var total = [Int](repeating: 0, count: h.width)
        for g in 0..<h.groups { for k in 0..<h.width { total[k] += h.counts[g * h.width + k] } }
        let byGroup = grouped ? (Array(1..<h.groups) + [0]).map { g in make(h.counts[(g * h.width)..<((g + 1) * h.width)], g) } : []
        return (make(total[...], nil), byGroup)
    }

    // MARK: text and ranges

    public struct Distinct: Sendable, Equatable {
        public var item: String
        public var base: Int
        public var distinct: Int
        /// The most common values, most frequent first (ties by value), with their share of the base.
        public var top: [(value: String, count: Int, share: Double)]
        /// Respondents who were asked it, answered or not.
        public var shown: Int = 0

        public static func == (l: Self, r: Self) -> Bool {
            l.item == r.item && l.base == r.base && l.distinct == r.distinct && l.shown == r.shown
                && l.top.map(\.value) == r.top.map(\.value) && l.top.map(\.count) == r.top.map(\.count)
        }
    }

    /// How many different answers a question got (e.g. countries) and the `top` most common.
    public func distinct(_ item: String, top k: Int = 3, normalize: (String) -> String = { $0 }) -> Distinct {
        let values = data[item]?.values ?? []
        let (_, width, counts) = histogram(item)
        var merged: [String: Int] = [:]
        var base = 0
        for code in 1..<width where counts[code] > 0 {
            merged[normalize(values[code - 1]), default: 0] += counts[code]
            base += counts[code]
        }
        let top = merged.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(k)
            .map { (value: $0.key, count: $0.value, share: Double($0.value) / Double(max(base, 1))) }
        return Distinct(item: item, base: base, distinct: merged.count, top: top, shown: counts.reduce(0, +))
    }

    /// Respondents shown `item` who answered it.
    public func base(_ item: String) -> Int {
        let counts = histogram(item).counts
        return counts.reduce(0, +) - counts[0]
    }

    /// The smallest and largest base over a group of questions, printed as "n=59-62" over a table of them.
    public func baseRange(_ items: [String]) -> ClosedRange<Int>? {
        let bases = items.map(base)
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
