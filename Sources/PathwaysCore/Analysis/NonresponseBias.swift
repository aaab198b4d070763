import Foundation

/// Who answered, compared with who was asked: for every known characteristic of the frame (program, gender, country
/// group...), each category's share in the frame and among respondents — unweighted, and weighted when weights are
/// given — with the standardized difference (difference of shares over the pooled standard deviation), the usual
/// yardstick where |d| above 0.1 is read as a notable imbalance.
public enum NonresponseBias {
    public struct Row: Sendable, Equatable, Codable {
        public var characteristic: String
        public var category: String
        public var frameShare: Double
        /// Respondents in the category; nil (with the shares below) when hidden by suppression.
        public var respondents: Int?
        public var respondentShare: Double?
        public var standardizedDifference: Double?
        public var weightedShare: Double?
        public var weightedStandardizedDifference: Double?
        public var suppressed: Bool? = nil
    }

    /// The rows with respondent counts below the rule's threshold hidden, and within each characteristic enough
    /// others hidden that none can be worked out from the respondents' total (see `Suppression`).
    public static func protect(_ rows: [Row], _ rule: Suppression) -> [Row] {
        var out = rows
        var start = 0
        while start < out.count {
            var end = start
            while end < out.count && out[end].characteristic == out[start].characteristic { end += 1 }
            let counts = out[start..<end].map { $0.respondents ?? 0 }
            let hidden = rule.hide(.column(counts, total: counts.reduce(0, +))) ?? Array(repeating: true, count: counts.count + 1)
            for (k, i) in (start..<end).enumerated() where hidden[k] {
                out[i].respondents = nil
                out[i].respondentShare = nil
                out[i].standardizedDifference = nil
                out[i].weightedShare = nil
                out[i].weightedStandardizedDifference = nil
                out[i].suppressed = true
            }
            start = end
        }
        return out
    }

    /// `frame`: each frame member's category by characteristic. `responded`: which members answered (same order).
    /// `weights`: one per member, used for respondents only (nil for an unweighted table).
    public static func table(characteristics: [String], frame: [[String: String]], responded: [Bool], weights: [Double]? = nil,
                             missing: String = "(unknown)") -> [Row] {
        precondition(frame.count == responded.count && (weights?.count ?? frame.count) == frame.count, "one entry per frame member")
        var rows: [Row] = []
        let respondentWeightTotal = weights.map { w in zip(w, responded).reduce(0) { $0 + ($1.1 ? $1.0 : 0) } }
        let frameCount = Double(frame.count)
        let respondentCount = Double(responded.filter { $0 }.count)
        for characteristic in characteristics {
            var inFrame: [String: Double] = [:], inRespondents: [String: Double] = [:], weighted: [String: Double] = [:]
            for (i, member) in frame.enumerated() {
                let category = member[characteristic].flatMap { $0.isEmpty ? nil : $0 } ?? missing
                inFrame[category, default: 0] += 1
                if responded[i] {
                    inRespondents[category, default: 0] += 1
                    if let weights { weighted[category, default: 0] += weights[i] }
                }
            }
            for category in inFrame.keys.sorted() {
                let pf = inFrame[category]! / frameCount
                let pr = respondentCount > 0 ? (inRespondents[category] ?? 0) / respondentCount : 0
                let pw = respondentWeightTotal.map { $0 > 0 ? (weighted[category] ?? 0) / $0 : 0 }
                rows.append(Row(characteristic: characteristic, category: category, frameShare: pf, respondents: Int(inRespondents[category] ?? 0), respondentShare: pr,
                                standardizedDifference: difference(pr, pf), weightedShare: pw, weightedStandardizedDifference: pw.map { difference($0, pf) }))
            }
        }
        return rows
    }

    /// (p₁ − p₂) / √((p₁(1 − p₁) + p₂(1 − p₂)) / 2); 0 when both shares are 0 or 1.
    public static func difference(_ p1: Double, _ p2: Double) -> Double {
        let pooled = ((p1 * (1 - p1) + p2 * (1 - p2)) / 2).squareRoot()
        return pooled > 0 ? (p1 - p2) / pooled : 0
    }
    /// The comparison as a Markdown table: shares in percent, standardized differences to two decimals.
    public static func markdown(_ rows: [Row]) -> String {
        let weighted = rows.contains { $0.weightedShare != nil }
        var out = "| characteristic | category | frame | respondents | d |" + (weighted ? " weighted | weighted d |" : "") + "\n"
        out += "| --- | --- | ---: | ---: | ---: |" + (weighted ? " ---: | ---: |" : "") + "\n"
        for r in rows {
            out += "| \(r.characteristic) | \(r.category) | \(String(format: "%.1f%%", 100 * r.frameShare)) | \(percent(r.respondentShare, r)) | "
                + number(r.standardizedDifference, r) + " |"
            if weighted {
                out += " \(percent(r.weightedShare, r)) | \(number(r.weightedStandardizedDifference, r)) |"
            }
            out += "\n"
        }
        return out + "\nd: the difference of shares over their pooled standard deviation; |d| above 0.1 is a notable imbalance.\n"
    }

    public static func html(_ rows: [Row]) -> String {
        let weighted = rows.contains { $0.weightedShare != nil }
        var out = "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Respondents compared with the frame: table\"><table class=\"report-table\"><thead><tr><th scope=\"col\">Characteristic</th><th scope=\"col\">Category</th><th scope=\"col\" class=\"num\">Frame</th>"
            + "<th scope=\"col\" class=\"num\">Respondents</th><th scope=\"col\" class=\"num\">d</th>"
            + (weighted ? "<th scope=\"col\" class=\"num\">Weighted</th><th scope=\"col\" class=\"num\">Weighted d</th>" : "") + "</tr></thead><tbody>\n"
        for r in rows {
            out += "<tr><td>\(XLSXWriter.escape(r.characteristic))</td><td>\(XLSXWriter.escape(r.category))</td>"
                + "<td class=\"num\">\(String(format: "%.1f%%", 100 * r.frameShare))</td><td class=\"num\">\(percent(r.respondentShare, r))</td>"
                + "<td class=\"num\">\(number(r.standardizedDifference, r))</td>"
            if weighted {
                out += "<td class=\"num\">\(percent(r.weightedShare, r))</td><td class=\"num\">\(number(r.weightedStandardizedDifference, r))</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody></table></div>\n<p class=\"report-note\">d: the difference of shares over their pooled standard deviation; |d| above 0.1 is a notable imbalance.</p>\n"
    }

    static func percent(_ share: Double?, _ row: Row) -> String {
        row.suppressed == true ? "‡" : share.map { String(format: "%.1f%%", 100 * $0) } ?? "—"
    }

    static func number(_ d: Double?, _ row: Row) -> String {
        row.suppressed == true ? "‡" : d.map { String(format: "%.2f", $0) } ?? "—"
    }
}
