import Foundation

/// A descriptive report of one wave: a table for every choice question and a summary for every number question,
/// in form order, each with its base and the interval method stated. Renders as Markdown, CSV or JSON.
public struct Report: Sendable, Codable, Equatable {
    public var title: String
    public var respondents: Int
    public var method: String
    public var level: Double
    public var tables: [Table]

    public struct Table: Sendable, Codable, Equatable {
        public var item: String
        public var label: String
        /// "select_one", "select_multiple" or "number".
        public var kind: String
        public var shown: Int
        public var base: Int
        public var rows: [Row]
        public var note: String
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
    }

    public init(title: String, tabulation t: Tabulation, language: String? = nil) {
        self.title = title
        self.respondents = t.count
        self.method = t.method.label
        self.level = t.level
        var tables: [Table] = []
        for q in t.form.questions {
            switch q.type {
            case .selectOne, .selectMultiple:
                guard let c = t.choices(q.name, language: language) else { continue }
                tables.append(Table(
                    item: q.name, label: c.label, kind: c.multiple ? "select_multiple" : "select_one", shown: c.shown, base: c.base,
                    rows: c.rows.map { Row(name: $0.name, label: $0.label, count: $0.count, base: c.base, percent: c.base > 0 ? 100 * $0.share : nil,
                                           lower: $0.interval.map { 100 * $0.lower }, upper: $0.interval.map { 100 * $0.upper }, value: nil) },
                    note: c.baseNote))
            case .integer, .decimal:
                guard let s = t.numeric(q.name) else { continue }
                let label = XLSForm.text(q.labels, language: language) ?? q.name
                let stats: [(String, Double?)] = [("mean", s.mean), ("median", s.median), ("min", s.min), ("max", s.max), ("sd", s.sd)]
                tables.append(Table(
                    item: q.name, label: label, kind: "number", shown: s.shown, base: s.n,
                    rows: stats.map { Row(name: $0.0, label: $0.0, count: nil, base: s.n, percent: nil, lower: nil, upper: nil, value: $0.1) },
                    note: "Of the \(s.n) respondents who answered (n = \(s.n))" + (s.shown > s.n ? "; \(s.shown - s.n) who were asked did not answer." : ".")))
            default:
                continue
            }
        }
        self.tables = tables
    }

    // MARK: rendering

    public func markdown() -> String {
        var out = "# \(title)\n\n\(respondents) respondents (complete and partial interviews).\n"
        for table in tables {
            out += "\n## \(escape(table.label))\n\n"
            if table.kind == "number" {
                out += "| statistic | value |\n| --- | ---: |\n"
                for row in table.rows { out += "| \(row.label) | \(row.value.map(Self.number) ?? "—") |\n" }
            } else {
                out += "| option | n | % of respondents (n = \(table.base)) | \(Int((level * 100).rounded()))% interval |\n| --- | ---: | ---: | ---: |\n"
                for row in table.rows {
                    let percent = row.percent.map { String(format: "%.0f%%", $0) } ?? "—"
                    var interval = "—"
                    if let lower = row.lower, let upper = row.upper { interval = String(format: "%.1f–%.1f%%", lower, upper) }
                    out += "| \(escape(row.label)) | \(row.count ?? 0) | \(percent) | \(interval) |\n"
                }
            }
            out += "\n\(table.note)\n"
        }
        return out
    }

    /// One line per table row: every table of the report in one file, long format.
    public func csv() -> String {
        var out = "item,label,kind,option,option_label,count,base,shown,percent,lower,upper,value\n"
        let field = CSVTable.field
        func num(_ d: Double?) -> String { d.map { String(format: "%.10g", $0) } ?? "" }
        for t in tables {
            for r in t.rows {
                out += [field(t.item), field(t.label), t.kind, field(r.name), field(r.label), r.count.map(String.init) ?? "", String(r.base),
                        String(t.shown), num(r.percent), num(r.lower), num(r.upper), num(r.value)].joined(separator: ",") + "\n"
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
