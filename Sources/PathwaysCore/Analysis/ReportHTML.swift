import Foundation

/// A report as HTML: every table, and for every choice question a bar chart drawn on the server as SVG — a bar per
/// option with its interval as a whisker and its count and base beside it, hidden cells marked, not drawn.
extension Report {
    /// A complete page that needs nothing else (styles inline, no scripts), for saving or sending.
    public func htmlDocument() -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>
        body { font: 15px/1.45 system-ui, sans-serif; color: #1d2733; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
        \(Self.styles)
        </style></head><body>
        <h1>\(Self.escape(title))</h1>
        \(htmlBody())
        </body></html>

        """
    }

    /// Styles for the report's tables and charts.
    public static let styles = """
    .report-table { border-collapse: collapse; margin: .5rem 0; }
    .report-table th, .report-table td { padding: .2rem .6rem; border-bottom: 1px solid #d5dbe3; text-align: left; }
    .report-table td.num, .report-table th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .report-note { color: #4a5868; font-size: .9em; max-width: 48rem; }
    .report-chart { max-width: 46rem; display: block; }
    .report-chart text { font: 12px system-ui, sans-serif; fill: #1d2733; }
    """

    /// The report's summary line and tables, for a page that has its own heading.
    public func htmlBody() -> String {
        var out = "<p class=\"report-note\">\(respondents) respondents (complete and partial interviews)."
        if let weighting { out += " " + Self.escape(weighting) }
        if let threshold {
            out += " Counts below \(threshold) are hidden (‡), with others where needed so that none can be worked out from the totals; bases are always shown."
        }
        out += "</p>\n"
        let sectionStarts = Dictionary(sections.map { ($0.items[0], $0) }, uniquingKeysWith: { a, _ in a })
        for table in tables {
            if let section = sectionStarts[table.item] { out += "<h2 class=\"report-section\">\(Self.escape(section.heading))</h2>\n" }
            out += html(table)
        }
        if !frameComparison.isEmpty {
            out += "<h2 class=\"report-section\">Respondents compared with the frame</h2>\n" + NonresponseBias.html(frameComparison)
        }
        return out
    }

    func html(_ table: Table) -> String {
        let e = Self.escape
        var out = "<section class=\"report-item\" id=\"item-\(e(table.item))\">\n<h3>\(e(table.label))</h3>\n"
        let groups = table.groups ?? []
        let groupHeads = groups.map { "<th scope=\"col\" class=\"num\">\(e($0.label)) (n = \($0.base))</th>" }.joined()
        // A table split by many groups scrolls inside its own box (reachable from the keyboard), never the page.
        let wrap = "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"\(e(table.label)): table\">"
        switch table.kind {
        case "select_one", "select_multiple":
            out += chart(table)
            out += wrap + "<table class=\"report-table\"><thead><tr><th scope=\"col\">Option</th><th scope=\"col\" class=\"num\">n</th>"
            out += "<th scope=\"col\" class=\"num\">% of respondents (n = \(table.base))</th><th scope=\"col\" class=\"num\">\(Int((level * 100).rounded()))% interval</th>"
            if weighting != nil { out += "<th scope=\"col\" class=\"num\">SE</th><th scope=\"col\" class=\"num\">deff</th><th scope=\"col\" class=\"num\">effective n</th>" }
            out += "\(groupHeads)</tr></thead><tbody>\n"
            for (i, row) in table.rows.enumerated() {
                out += "<tr><th scope=\"row\">\(e(row.label))</th>" + cells(row)
                    + (weighting != nil ? Self.designCells(row).map { "<td class=\"num\">\($0)</td>" }.joined() : "") + groups.map { "<td class=\"num\">\(groupCell($0.rows[i]))</td>" }.joined() + "</tr>\n"
            }
        case "number", "date":
            out += wrap + "<table class=\"report-table\"><thead><tr><th scope=\"col\">Statistic</th><th scope=\"col\" class=\"num\">All (n = \(table.base))</th>\(groupHeads)</tr></thead><tbody>\n"
            for (i, row) in table.rows.enumerated() {
                let show = { (r: Row) -> String in
                    if r.suppressed == true { return "‡" }
                    guard let v = r.value else { return "—" }
                    if table.kind == "date" { return r.name == "sd" ? Self.number(v) + " days" : CalendarDay.format(Date(timeIntervalSince1970: v * 86_400)) }
                    return Self.number(v)
                }
                out += "<tr><th scope=\"row\">\(e(row.label))</th><td class=\"num\">\(show(row))</td>" + groups.map { "<td class=\"num\">\(show($0.rows[i]))</td>" }.joined() + "</tr>\n"
            }
        default:
            out += wrap + "<table class=\"report-table\"><thead><tr><th scope=\"col\">Answer</th><th scope=\"col\" class=\"num\">n</th><th scope=\"col\" class=\"num\">% (n = \(table.base))</th></tr></thead><tbody>\n"
            for row in table.rows {
                out += "<tr><th scope=\"row\">\(e(row.label))</th><td class=\"num\">\(row.count.map(String.init) ?? "")</td><td class=\"num\">\(row.percent.map { String(format: "%.0f%%", $0) } ?? "")</td></tr>\n"
            }
        }
        out += "</tbody></table></div>\n<p class=\"report-note\">\(e(table.note))</p>\n</section>\n"
        return out
    }

    private func cells(_ row: Row) -> String {
        if row.suppressed == true { return "<td class=\"num\">‡</td><td class=\"num\">‡</td><td class=\"num\">‡</td>" }
        let percent = row.percent.map { String(format: "%.0f%%", $0) } ?? "—"
        var interval = "—"
        if let lower = row.lower, let upper = row.upper { interval = String(format: "%.1f–%.1f%%", lower, upper) }
        return "<td class=\"num\">\(row.count.map(String.init) ?? "—")</td><td class=\"num\">\(percent)</td><td class=\"num\">\(interval)</td>"
    }

    private func groupCell(_ row: Row) -> String {
        if row.suppressed == true { return "‡" }
        guard let count = row.count else { return "—" }
        return "\(row.percent.map { String(format: "%.0f%%", $0) } ?? "—") (\(count))"
    }

    /// Horizontal bars on a 0–100% axis; the whisker is the row's interval; "63 of 67" beside each bar.
    func chart(_ table: Table) -> String {
        let e = Self.escape
        let labelWidth = 270.0, plotWidth = 300.0, rowHeight = 24.0, top = 8.0
        let width = labelWidth + plotWidth + 110
        let height = top + rowHeight * Double(table.rows.count) + 28
        func x(_ percent: Double) -> Double { labelWidth + plotWidth * min(max(percent, 0), 100) / 100 }
        func f(_ d: Double) -> String { String(format: "%.1f", d) }
        var svg = "<svg class=\"report-chart\" role=\"img\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "aria-label=\"\(e(table.label)): percent of the \(table.base) respondents who answered, by option\">\n"
        for tick in stride(from: 0.0, through: 100, by: 25) {
            svg += "<line x1=\"\(f(x(tick)))\" x2=\"\(f(x(tick)))\" y1=\"\(f(top))\" y2=\"\(f(height - 20))\" stroke=\"#d5dbe3\"/>"
            svg += "<text x=\"\(f(x(tick)))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(Int(tick))%</text>\n"
        }
        for (i, row) in table.rows.enumerated() {
            let y = top + rowHeight * Double(i)
            let label = row.label.count > 38 ? String(row.label.prefix(36)) + "…" : row.label
            svg += "<text x=\"\(f(labelWidth - 8))\" y=\"\(f(y + 16))\" text-anchor=\"end\"><title>\(e(row.label))</title>\(e(label))</text>"
            guard row.suppressed != true, let percent = row.percent, let count = row.count else {
                svg += "<text x=\"\(f(x(0) + 4))\" y=\"\(f(y + 16))\">‡ hidden (n = \(row.base))</text>\n"
                continue
            }
            svg += "<rect x=\"\(f(x(0)))\" y=\"\(f(y + 5))\" width=\"\(f(x(percent) - x(0)))\" height=\"14\" fill=\"#3b6ea5\"/>"
            var end = percent
            if let lower = row.lower, let upper = row.upper {
                end = max(end, upper)
                let mid = y + 12
                svg += "<line x1=\"\(f(x(lower)))\" x2=\"\(f(x(upper)))\" y1=\"\(f(mid))\" y2=\"\(f(mid))\" stroke=\"#1d2733\" stroke-width=\"1.5\"/>"
                svg += "<line x1=\"\(f(x(lower)))\" x2=\"\(f(x(lower)))\" y1=\"\(f(mid - 5))\" y2=\"\(f(mid + 5))\" stroke=\"#1d2733\" stroke-width=\"1.5\"/>"
                svg += "<line x1=\"\(f(x(upper)))\" x2=\"\(f(x(upper)))\" y1=\"\(f(mid - 5))\" y2=\"\(f(mid + 5))\" stroke=\"#1d2733\" stroke-width=\"1.5\"/>"
            }
            svg += "<text x=\"\(f(x(end) + 6))\" y=\"\(f(y + 16))\">\(String(format: "%.0f%%", percent)) · \(count) of \(row.base)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Text for HTML and SVG: the XML entities, as the workbook writer escapes them.
    static func escape(_ s: String) -> String { XLSXWriter.escape(s) }
}
