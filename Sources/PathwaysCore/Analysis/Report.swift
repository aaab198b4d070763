import Foundation

/// A descriptive report of one wave: a table for every choice question and a summary for every number question,
/// in form order, each with its base and the interval method stated. Renders as Markdown, CSV or JSON.
public struct Report: Sendable, Codable, Equatable {
    public var title: String
    public var respondents: Int
    public var method: String
    public var level: Double
    public var tables: [Table]
    /// The form's groups that hold tables, with the range of their tables' bases ("About you, n=59-62").
    public var sections: [Section] = []

    public struct Section: Sendable, Codable, Equatable {
        public var name: String
        public var label: String
        /// The items of the section that have tables, in order.
        public var items: [String]
        public var lowestBase: Int
        public var highestBase: Int

        public var heading: String { "\(label) (\(Tabulation.rangeLabel(lowestBase...highestBase)))" }
    }

    public struct Table: Sendable, Codable, Equatable {
        public var item: String
        public var label: String
        /// "select_one", "select_multiple", "number", "date" or "text" (distinct values and the most common).
        public var kind: String
        public var shown: Int
        public var base: Int
        public var rows: [Row]
        public var note: String
        /// The same table for each value of the report's grouping column, when it has one (respondents without a
        /// value last, as "No value", when there are any).
        public var groups: [Group]? = nil
        /// For a select_multiple: all choices made (printed in its note).
        public var selections: Int? = nil
    }

    public struct Group: Sendable, Codable, Equatable {
        public var name: String
        public var label: String
        public var shown: Int
        public var base: Int
        public var rows: [Row]
    }

    public struct Row: Sendable, Codable, Equatable {
        public var name: String
        public var label: String
        public var count: Int?
        public var base: Int
        public var percent: Double?
        public var lower: Double?
        public var upper: Double?
        /// For number summaries: the statistic's value.
        public var value: Double?
        /// Hidden by small-cell suppression: count, percent, interval and value left out.
        public var suppressed: Bool? = nil
        /// Weighted tables: the percent's standard error (in points), design effect and effective n.
        public var se: Double? = nil
        public var deff: Double? = nil
        public var effectiveN: Double? = nil

        /// The row with its figures taken out.
        var hidden: Row {
            Row(name: name, label: label, count: nil, base: base, percent: nil, lower: nil, upper: nil, value: nil, suppressed: true)
        }
    }

    /// The column tables are split by (a question or an attached column such as program kind), if any.
    public var groupedBy: String?
    /// The suppression threshold applied (nil when the tables are unsuppressed).
    public var threshold: Int?
    /// How the tables are weighted, in words; nil when unweighted.
    public var weighting: String?
    /// Respondents compared with the frame on its known characteristics (set by whoever has the frame).
    public var frameComparison: [NonresponseBias.Row] = []

    /// A weighted row's standard error (points), design effect and effective n as printed; ‡ when the row is hidden.
    static func designCells(_ row: Row) -> [String] {
        if row.suppressed == true { return ["‡", "‡", "‡"] }
        return [row.se.map { String(format: "%.2f", $0) } ?? "—", row.deff.map { String(format: "%.2f", $0) } ?? "—",
                row.effectiveN.map { String(format: "%.1f", $0) } ?? "—"]
    }

    /// How the raking ended and what the weights look like, in words.
    static func weightNote(_ r: Raking.Result) -> String {
        func number(_ d: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", d) }
        let passes = r.converged ? r.iterations + 1 : r.iterations
        var out = r.converged ? "Raking converged in \(passes) pass\(passes == 1 ? "" : "es")" : "Raking did not converge in \(passes) passes"
        out += "; the largest margin error left is \(number(100 * r.largestMarginError, 4))%."
        if let s = WeightSummary(r.weights) {
            out += " Weights: min \(number(s.min, 3)), max \(number(s.max, 3)), CV \(number(s.cv, 3)), Kish design effect \(number(s.kishDeff, 3))"
                + " (effective n \(number(s.effectiveN, 1)) of \(s.n))."
        }
        return out
    }

    /// A table for every choice question, a summary for every number and date question and the distinct values of
    /// every short text question, in form order; built in parallel, one question per task.
    public init(title: String, tabulation t: Tabulation, language: String? = nil, by group: String? = nil,
                suppression: Suppression? = Suppression()) {
        self.title = title
        self.threshold = suppression?.threshold
        self.weighting = t.weighting.map { w in
            "Weighted: raked to the wave's frame on \(w.margins.joined(separator: ", ")) (as R survey's rake). Percents and intervals are weighted; "
                + "n is the unweighted count. Intervals: logit on the raked design (as R survey's svyciprop). " + Self.weightNote(w.raking)
                + (w.trim.map { t in
                    " Trimmed at \(NumberRange.text(t.ratio)) times the mean weight (as R survey's trimWeights): \(t.capped) weight\(t.capped == 1 ? "" : "s") capped, "
                        + "what was cut shared equally by the others; the margins then hold to \(String(format: "%.4f", 100 * t.marginError))%."
                } ?? "")
        }
        self.respondents = t.count
        self.method = t.method.label
        self.level = t.level
        self.groupedBy = group
        // A repeat's questions are answered once per instance; they are in the export's repeat files, not these tables.
        let questions = t.form.questions.filter { $0.repeatName == nil }
        var built = [Table?](repeating: nil, count: questions.count)
        built.withUnsafeMutableBufferPointer { out in
            let out = UncheckedBuffer(out)
            DispatchQueue.concurrentPerform(iterations: questions.count) { i in
                out.buffer[i] = Self.table(questions[i], t, language: language, by: group).map { table in
                    guard let suppression else { return table }
                    return Self.protect(table, suppression)
                }
            }
        }
        self.tables = built.compactMap { $0 }
        // Sections: the innermost named group of each table's question.
        let byName = Dictionary(questions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for table in tables {
            guard let groupName = byName[table.item]?.groups.last, let group = byName[groupName] else { continue }
            if sections.last?.name == groupName {
                sections[sections.count - 1].items.append(table.item)
                sections[sections.count - 1].lowestBase = min(sections[sections.count - 1].lowestBase, table.base)
                sections[sections.count - 1].highestBase = max(sections[sections.count - 1].highestBase, table.base)
            } else {
                sections.append(Section(name: groupName, label: XLSForm.text(group.labels, language: language) ?? groupName, items: [table.item],
                                        lowestBase: table.base, highestBase: table.base))
            }
        }
    }

    static func table(_ q: XLSForm.Question, _ t: Tabulation, language: String?, by group: String?) -> Table? {
        let label = XLSForm.text(q.labels, language: language) ?? q.name
        switch q.type {
        case .selectOne, .selectMultiple:
            guard let (all, parts) = t.choiceTables(q.name, by: group, language: language) else { return nil }
            func rows(_ c: Tabulation.ChoiceTable) -> [Row] {
                c.rows.map { r in
                    if t.weighting != nil {
                        return Row(name: r.name, label: r.label, count: r.count, base: c.base, percent: r.weightedShare.map { 100 * $0 },
                                   lower: r.weightedInterval.map { 100 * $0.lower }, upper: r.weightedInterval.map { 100 * $0.upper }, value: nil,
                                   se: r.weightedEstimate.map { 100 * $0.standardError }, deff: r.weightedEstimate?.designEffect,
                                   effectiveN: r.weightedEstimate?.effectiveN)
                    }
                    return Row(name: r.name, label: r.label, count: r.count, base: c.base, percent: c.base > 0 ? 100 * r.share : nil,
                               lower: r.interval.map { 100 * $0.lower }, upper: r.interval.map { 100 * $0.upper }, value: nil)
                }
            }
            var table = Table(item: q.name, label: all.label, kind: all.multiple ? "select_multiple" : "select_one", shown: all.shown, base: all.base,
                              rows: rows(all), note: all.baseNote)
            if let group {
                table.groups = zip(t.groupLabels(group, language: language) + [("", "No value")], parts)
                    .filter { $0.0.name != "" || $0.1.shown > 0 }
                    .map { Group(name: $0.name, label: $0.label, shown: $1.shown, base: $1.base, rows: rows($1)) }
            }
            table.selections = all.multiple ? all.selections : nil
            return table
        case .integer, .decimal, .date:
            let isDate = q.type == .date
            let (all, parts) = t.numericSummaries(q.name, by: group, transform: { $0 })
            guard let s = all else { return nil }
            func rows(_ s: Tabulation.NumericSummary?) -> [Row] {
                let stats: [(String, Double?)] = [("mean", s?.mean), ("median", s?.median), ("min", s?.min), ("max", s?.max), ("sd", s?.sd)]
                return stats.map { Row(name: $0.0, label: $0.0, count: nil, base: s?.n ?? 0, percent: nil, lower: nil, upper: nil, value: $0.1) }
            }
            var table = Table(item: q.name, label: label, kind: isDate ? "date" : "number", shown: s.shown, base: s.n, rows: rows(s),
                              note: "Of the \(s.n) respondents who answered (n = \(s.n))" + (s.shown > s.n ? "; \(s.shown - s.n) who were asked did not answer." : ".")
                                + (isDate ? " Dates are days since 1970-01-01 in the CSV and JSON." : ""))
            if let group {
                table.groups = zip(t.groupLabels(group, language: language) + [("", "No value")], parts)
                    .filter { $0.0.name != "" || ($0.1?.shown ?? 0) > 0 }
                    .map { g, s in Group(name: g.name, label: g.label, shown: s?.shown ?? 0, base: s?.n ?? 0, rows: rows(s)) }
            }
            return table
        case .text where !(q.appearance ?? "").contains("multiline"):
            let d = t.distinct(q.name, top: 5)
            guard d.base > 0 else { return nil }
            var rows = [Row(name: "distinct", label: "different answers", count: d.distinct, base: d.base, percent: nil, lower: nil, upper: nil, value: nil)]
            rows += d.top.map { Row(name: $0.value, label: $0.value, count: $0.count, base: d.base, percent: 100 * $0.share, lower: nil, upper: nil, value: nil) }
            // Shown is who was asked; the base, who answered.
            return Table(item: q.name, label: label, kind: "text", shown: d.shown, base: d.base, rows: rows,
                         note: "\(d.distinct) different answers from \(d.base) respondents; the \(d.top.count) most common with their percent of the \(d.base)."
                             + (d.shown > d.base ? " \(d.shown - d.base) who were asked did not answer." : ""))
        default:
            return nil
        }
    }

    // MARK: suppression

    /// The table with small counts hidden and enough others hidden with them that none can be worked out from what
    /// is printed (see `Suppression`); bases stay. Number summaries of fewer than `threshold` respondents are hidden,
    /// with the next smallest group's when only one would be (its mean would follow from the others'); the most
    /// common text answers given by fewer than `threshold` are left out.
    static func protect(_ table: Table, _ rule: Suppression) -> Table {
        var table = table
        switch table.kind {
        case "select_one", "select_multiple":
            let multiple = table.kind == "select_multiple"
            let all = table.rows.map { $0.count ?? 0 }
            let groups = table.groups ?? []
            let grid: Suppression.Grid
            if groups.isEmpty {
                grid = multiple ? .column(all, total: table.selections ?? all.reduce(0, +), base: table.base) : .column(all, total: all.reduce(0, +))
            } else {
                let counts = table.rows.indices.map { r in groups.map { $0.rows[r].count ?? 0 } }
                let totals = multiple ? groups.map(\.base) : groups.map { $0.rows.reduce(0) { $0 + ($1.count ?? 0) } }
                grid = .split(counts, all: all, groupTotals: totals, columnTotals: !multiple, allTotal: multiple ? table.selections : nil)
            }
            let rows = table.rows.count, width = groups.count
            guard let hidden = rule.hide(grid) else {
                table.rows = table.rows.map(\.hidden)
                table.groups = table.groups?.map { g in var g = g; g.rows = g.rows.map(\.hidden); return g }
                table.note += " Counts withheld: no pattern of hidden cells keeps the counts below \(rule.threshold) from being worked out."
                return table
            }
            if groups.isEmpty {
                for r in 0..<rows where hidden[r] { table.rows[r] = table.rows[r].hidden }
            } else {
                for r in 0..<rows {
                    for g in 0..<width where hidden[r * width + g] { table.groups![g].rows[r] = table.groups![g].rows[r].hidden }
                    if hidden[rows * width + r] { table.rows[r] = table.rows[r].hidden }
                }
            }
        case "number", "date":
            if table.base < rule.threshold { table.rows = table.rows.map(\.hidden) }
            if var groups = table.groups {
                var small = groups.indices.filter { groups[$0].base > 0 && groups[$0].base < rule.threshold }
                if small.count == 1, let next = groups.indices.filter({ !small.contains($0) && groups[$0].base > 0 }).min(by: { groups[$0].base < groups[$1].base }) {
                    small.append(next)
                }
                for g in small { groups[g].rows = groups[g].rows.map(\.hidden) }
                table.groups = groups
            }
        case "text":
            let kept = table.rows.prefix(1) + table.rows.dropFirst().filter { ($0.count ?? 0) >= rule.threshold }
            if kept.count < table.rows.count {
                table.note += " Answers given by fewer than \(rule.threshold) respondents are not listed."
            }
            table.rows = Array(kept)
        default:
            break
        }
        return table
    }

    // MARK: rendering

    public func markdown() -> String {
        var out = "# \(title)\n\n\(respondents) respondents (complete and partial interviews)."
        if let weighting { out += " " + weighting }
        if let threshold { out += " Counts below \(threshold) are hidden (‡), with others where needed so that none can be worked out from the totals; bases are always shown." }
        if let groupedBy { out += " Columns split by \(groupedBy.hasPrefix("_") ? String(groupedBy.dropFirst()).replacingOccurrences(of: "_", with: " ") : groupedBy); respondents without a value have a \"No value\" column." }
        out += "\n"
        let level = "\(Int((self.level * 100).rounded()))% interval"
        let sectionStarts = Dictionary(sections.map { ($0.items[0], $0) }, uniquingKeysWith: { a, _ in a })
        for table in tables {
            if let section = sectionStarts[table.item] { out += "\n## \(escape(section.heading))\n" }
            out += "\n### \(escape(table.label))\n\n"
            let groups = table.groups ?? []
            let heads = groups.map { " \(escape($0.label)) (n = \($0.base)) |" }.joined()
            let rule = String(repeating: " ---: |", count: groups.count)
            switch table.kind {
            case "number", "date":
                let show: (Double?) -> String = { v in
                    guard let v else { return "—" }
                    return table.kind == "date" ? CalendarDay.format(Date(timeIntervalSince1970: v * 86_400)) : Self.number(v)
                }
                out += "| statistic | All (n = \(table.base)) |\(heads)\n| --- | ---: |\(rule)\n"
                for (i, row) in table.rows.enumerated() {
                    let format: (Double?) -> String = table.kind == "date" && row.name == "sd" ? { $0.map { Self.number($0) + " days" } ?? "—" } : show
                    func value(_ r: Row) -> String { r.suppressed == true ? "‡" : format(r.value) }
                    out += "| \(row.label) | \(value(row)) |" + groups.map { " \(value($0.rows[i])) |" }.joined() + "\n"
                }
            case "text":
                out += "| answer | n | % of respondents (n = \(table.base)) |\n| --- | ---: | ---: |\n"
                for row in table.rows {
                    out += "| \(escape(row.label)) | \(row.count ?? 0) | \(row.percent.map { String(format: "%.0f%%", $0) } ?? "") |\n"
                }
            default:
                func cell(_ row: Row) -> String {
                    if row.suppressed == true { return "‡" }
                    guard let count = row.count else { return "—" }
                    return "\(row.percent.map { String(format: "%.0f%%", $0) } ?? "—") (\(count))"
                }
                let weighted = weighting != nil
                out += "| option | n | % of respondents (n = \(table.base)) | \(level) |" + (weighted ? " SE | deff | effective n |" : "") + "\(heads)\n| --- | ---: | ---: | ---: |"
                    + (weighted ? " ---: | ---: | ---: |" : "") + "\(rule)\n"
                for (i, row) in table.rows.enumerated() {
                    let percent = row.percent.map { String(format: "%.0f%%", $0) } ?? "—"
                    var interval = "—"
                    if let lower = row.lower, let upper = row.upper { interval = String(format: "%.1f–%.1f%%", lower, upper) }
                    let hide = row.suppressed == true
                    out += "| \(escape(row.label)) | \(hide ? "‡" : row.count.map(String.init) ?? "—") | \(hide ? "‡" : percent) | \(hide ? "‡" : interval) |"
                    if weighted { out += Self.designCells(row).map { " \($0) |" }.joined() }
                    out += groups.map { " \(cell($0.rows[i])) |" }.joined() + "\n"
                }
            }
            out += "\n\(table.note)\n"
        }
        if !frameComparison.isEmpty { out += "\n## Respondents compared with the frame\n\n" + NonresponseBias.markdown(frameComparison) }
        return out
    }

    /// One line per table row: every table of the report in one file, long format.
    public func csv() -> String {
        var out = "item,label,kind,group,option,option_label,count,base,shown,percent,lower,upper,value,suppressed,se,deff,effective_n\n"
        let field = CSVTable.field
        func num(_ d: Double?) -> String { d.map { String(format: "%.10g", $0) } ?? "" }
        for t in tables {
            for (group, shown, rows) in [("", t.shown, t.rows)] + (t.groups ?? []).map({ ($0.name, $0.shown, $0.rows) }) {
                for r in rows {
                    let name = t.kind == "text" ? CSVTable.inert(r.name) : r.name, label = t.kind == "text" ? CSVTable.inert(r.label) : r.label
                    out += [field(t.item), field(t.label), t.kind, field(group), field(name), field(label), r.count.map(String.init) ?? "", String(r.base),
                            String(shown), num(r.percent), num(r.lower), num(r.upper), num(r.value), r.suppressed == true ? "1" : "",
                            num(r.se), num(r.deff), num(r.effectiveN)].joined(separator: ",") + "\n"
                }
            }
        }
        return out
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(format: "%.2f", d)
    }

    private func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
}
