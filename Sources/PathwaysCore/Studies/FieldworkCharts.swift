import Foundation

/// A wave's fieldwork day by day — links opened, surveys started and submitted, with the days invitations and
/// reminders went out marked — drawn on the server as SVG, the view survey researchers look at first.
public enum ResponseTimeline {
    public struct Day: Sendable, Equatable {
        /// Days since 1970-01-01 (UTC).
        public var day: Int
        public var opened = 0, started = 0, submitted = 0, invitations = 0, reminders = 0
        public init(day: Int, opened: Int = 0, started: Int = 0, submitted: Int = 0, invitations: Int = 0, reminders: Int = 0) {
            self.day = day
            self.opened = opened
            self.started = started
            self.submitted = submitted
            self.invitations = invitations
            self.reminders = reminders
        }
        public var date: Date { Date(timeIntervalSince1970: Double(day) * 86_400) }
    }

    /// Every day from the first to the last with activity, the quiet ones as zeros; at most `limit` days (the latest).
    public static func filled(_ days: [Day], limit: Int = 180) -> [Day] {
        guard let first = days.map(\.day).min(), let last = days.map(\.day).max() else { return [] }
        let byDay = Dictionary(days.map { ($0.day, $0) }, uniquingKeysWith: { a, _ in a })
        return (max(first, last - limit + 1)...last).map { byDay[$0] ?? Day(day: $0) }
    }

    nonisolated(unsafe) static let series: [(name: String, path: KeyPath<Day, Int>, colour: String, dash: String)] = [
        ("Opened", \.opened, "#7a8ca3", "4 3"), ("Started", \.started, "#c27c0e", ""), ("Submitted", \.submitted, "#2f6b3a", ""),
    ]

    /// The chart: a line per series over the days, a solid mark on each invitation day and a dashed one on each
    /// reminder day, dates along the bottom; nil when there is nothing to draw.
    public static func svg(_ input: [Day]) -> String? {
        let days = filled(input)
        guard days.count > 0 else { return nil }
        let left = 44.0, right = 28.0, top = 28.0, bottom = 34.0, plotHeight = 180.0
        let step = max(8.0, min(40.0, 640.0 / Double(days.count)))
        let width = left + step * Double(max(days.count - 1, 1)) + right
        let height = top + plotHeight + bottom
        let peak = max(1, days.map { d in series.map { d[keyPath: $0.path] }.max() ?? 0 }.max() ?? 1)
        let scale = niceCeiling(peak)
        func x(_ i: Int) -> Double { left + step * Double(i) }
        func y(_ v: Int) -> Double { top + plotHeight * (1 - Double(v) / Double(scale)) }
        func f(_ d: Double) -> String { String(format: "%.1f", d) }
        let totals = series.map { s in "\(days.map { $0[keyPath: s.path] }.reduce(0, +)) \(s.name.lowercased())" }.joined(separator: ", ")
        var svg = "<svg class=\"report-chart timeline\" role=\"img\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "aria-label=\"Responses per day, \(CalendarDay.format(days[0].date)) to \(CalendarDay.format(days[days.count - 1].date)): \(totals)\">\n"
        for tick in [0, scale / 2, scale] {
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#d5dbe3\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(tick)</text>\n"
        }
        for (i, d) in days.enumerated() where d.invitations > 0 || d.reminders > 0 {
            let what = d.invitations > 0 ? "\(d.invitations) invitations" : "\(d.reminders) reminders"
            svg += "<line x1=\"\(f(x(i)))\" x2=\"\(f(x(i)))\" y1=\"\(f(top))\" y2=\"\(f(top + plotHeight))\" stroke=\"#3b6ea5\" stroke-width=\"1.5\""
                + (d.invitations > 0 ? "" : " stroke-dasharray=\"3 3\"") + "><title>\(CalendarDay.format(d.date)): \(what) sent</title></line>\n"
        }
        for s in series {
            let points = days.enumerated().map { "\(f(x($0.offset))),\(f(y($0.element[keyPath: s.path])))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"2\"" + (s.dash.isEmpty ? "" : " stroke-dasharray=\"\(s.dash)\"") + " points=\"\(points)\"/>\n"
        }
        // Dates: the first, the last, and about six between.
        let every = max(1, days.count / 6)
        for (i, d) in days.enumerated() where i % every == 0 || i == days.count - 1 {
            if i != days.count - 1 && days.count - 1 - i < every / 2 { continue }
            svg += "<text x=\"\(f(x(i)))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(CalendarDay.format(d.date).dropFirst(5))</text>\n"
        }
        var lx = left
        for s in series {
            svg += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 18))\" y1=\"12\" y2=\"12\" stroke=\"\(s.colour)\" stroke-width=\"2\"" + (s.dash.isEmpty ? "" : " stroke-dasharray=\"\(s.dash)\"") + "/>"
            svg += "<text x=\"\(f(lx + 22))\" y=\"16\">\(s.name)</text>\n"
            lx += 96
        }
        svg += "<line x1=\"\(f(lx))\" x2=\"\(f(lx))\" y1=\"4\" y2=\"20\" stroke=\"#3b6ea5\" stroke-width=\"1.5\"/><text x=\"\(f(lx + 5))\" y=\"16\">invitations</text>"
        svg += "<line x1=\"\(f(lx + 90))\" x2=\"\(f(lx + 90))\" y1=\"4\" y2=\"20\" stroke=\"#3b6ea5\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/><text x=\"\(f(lx + 95))\" y=\"16\">reminders</text>\n"
        return svg + "</svg>\n"
    }

    /// 1, 2 or 5 times a power of ten, at least `n`.
    static func niceCeiling(_ n: Int) -> Int {
        var power = 1
        while power * 10 < n { power *= 10 }
        for m in [1, 2, 5, 10] where m * power >= n { return m * power }
        return 10 * power
    }
}

/// Horizontal bars for counts (a panel's funnel, wave by wave), each labelled with its number, for a page's table
/// to stand beside.
public enum CountBars {
    public struct Group: Sendable {
        public var label: String
        public var bars: [(label: String, count: Int)]
        public init(label: String, bars: [(label: String, count: Int)]) {
            self.label = label
            self.bars = bars
        }
    }

    static let colours = ["#9fb3c8", "#3b6ea5", "#2f6b3a", "#c27c0e"]

    public static func svg(_ groups: [Group], description: String) -> String? {
        let rows = groups.reduce(0) { $0 + $1.bars.count }
        guard rows > 0 else { return nil }
        let labelWidth = 200.0, plotWidth = 320.0, barHeight = 16.0, gap = 14.0
        let peak = Double(max(1, groups.flatMap { $0.bars.map(\.count) }.max() ?? 1))
        let height = Double(rows) * (barHeight + 3) + Double(groups.count) * gap + 10
        func f(_ d: Double) -> String { String(format: "%.1f", d) }
        func e(_ s: String) -> String { XLSXWriter.escape(s) }
        var svg = "<svg class=\"report-chart\" role=\"img\" viewBox=\"0 0 \(f(labelWidth + plotWidth + 90)) \(f(height))\" width=\"\(f(labelWidth + plotWidth + 90))\" "
            + "height=\"\(f(height))\" aria-label=\"\(e(description))\">\n"
        var y = 6.0
        for group in groups {
            let label = group.label.count > 30 ? String(group.label.prefix(28)) + "…" : group.label
            svg += "<text x=\"\(f(labelWidth - 8))\" y=\"\(f(y + 12))\" text-anchor=\"end\" font-weight=\"600\"><title>\(e(group.label))</title>\(e(label))</text>\n"
            for (i, bar) in group.bars.enumerated() {
                let w = plotWidth * Double(bar.count) / peak
                svg += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(barHeight))\" fill=\"\(colours[i % colours.count])\"><title>\(e(bar.label)): \(bar.count)</title></rect>"
                svg += "<text x=\"\(f(labelWidth + w + 6))\" y=\"\(f(y + 12))\">\(bar.count) \(e(bar.label.lowercased()))</text>\n"
                y += barHeight + 3
            }
            y += gap
        }
        return svg + "</svg>\n"
    }
}
