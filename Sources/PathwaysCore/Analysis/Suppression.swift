import Foundation

/// Small-cell suppression with complementary suppression, for any table of counts tied together by published
/// totals (a column of options adding up to its base, a table split by group whose rows add up to the "All"
/// column, ...).
///
/// A count from 1 to `threshold − 1` is hidden (primary suppression). Then, while some hidden cell could be worked
/// out to fewer than `protection` possible values from what is printed — the totals, the other cells, that counts
/// are whole and not negative, and the rule itself (a hidden cell is either a small count, 1 to threshold − 1, or a
/// count of at least `threshold` hidden to protect one) — one more count of at least `threshold` is hidden, chosen
/// by the table's structure and the cells' positions, never by its value. Because every choice depends only on what
/// is printed and on which class each cell falls in, every table with the same printed cells and the same classes
/// prints the same way, so someone who knows the rule learns no more than the ranges checked here. Zero counts are
/// printed: they cannot identify anyone and hiding one would protect nothing.
public struct Suppression: Sendable, Equatable {
    public var threshold: Int
    /// The fewest values each hidden cell must still be able to take.
    public var protection: Int

    public init(threshold: Int = 10, protection: Int? = nil) {
        self.threshold = threshold
        self.protection = protection ?? max(2, (threshold + 1) / 2)
    }

    /// Counts and the totals that tie them: each line says Σ coefficient × cell = 0 (a total enters with −1).
    public struct Grid: Sendable, Equatable {
        public var cells: [Int]
        /// Cells that are always printed (bases, grand totals).
        public var fixed: Set<Int>
        public var lines: [[(cell: Int, coefficient: Int)]]
        /// What a reader knows bounds each cell from above beyond the lines (a select_multiple count is at most its
        /// base), nil where nothing does.
        public var caps: [Int?]

        public init(cells: [Int], fixed: Set<Int>, lines: [[(cell: Int, coefficient: Int)]], caps: [Int?]? = nil) {
            self.cells = cells
            self.fixed = fixed
            self.lines = lines
            self.caps = caps ?? Array(repeating: nil, count: cells.count)
        }

        public static func == (l: Self, r: Self) -> Bool {
            l.cells == r.cells && l.fixed == r.fixed && l.caps == r.caps
                && l.lines.map { $0.map(\.cell) } == r.lines.map { $0.map(\.cell) }
                && l.lines.map { $0.map(\.coefficient) } == r.lines.map { $0.map(\.coefficient) }
        }

        /// A column of option counts (`cells[0..<options]`) that adds up to `total` (stored last, always printed):
        /// a select_one's counts and its base, or a select_multiple's counts and its number of choices, each count
        /// at most `base`.
        public static func column(_ counts: [Int], total: Int, base: Int? = nil) -> Grid {
            let n = counts.count
            return Grid(cells: counts + [total], fixed: [n], lines: [counts.indices.map { ($0, 1) } + [(n, -1)]],
                        caps: Array(repeating: base, count: n) + [nil])
        }

        /// A table of `rows` × `groups` counts (row-major), its "All" column (one per row, hideable), each group's
        /// total (printed) and, when `columnTotals` is false (a select_multiple, whose counts do not add up to
        /// anything printed per group), no column lines. Cell order: interior, then All, then group totals.
        public static func split(_ counts: [[Int]], all: [Int], groupTotals: [Int], columnTotals: Bool, allTotal: Int? = nil) -> Grid {
            let rows = all.count, groups = groupTotals.count
            var cells = counts.flatMap { $0 } + all + groupTotals
            var lines: [[(cell: Int, coefficient: Int)]] = []
            for r in 0..<rows { lines.append((0..<groups).map { (r * groups + $0, 1) } + [(rows * groups + r, -1)]) }
            var fixed = Set((0..<groups).map { rows * groups + rows + $0 })
            if columnTotals {
                for g in 0..<groups { lines.append((0..<rows).map { ($0 * groups + g, 1) } + [(rows * groups + rows + g, -1)]) }
                // The All column adds up to the grand total, which is printed.
                cells.append(groupTotals.reduce(0, +))
                fixed.insert(cells.count - 1)
                lines.append((0..<rows).map { (rows * groups + $0, 1) } + [(cells.count - 1, -1)])
            } else if let allTotal {
                // A select_multiple's All column adds up to the choices made, printed in its note.
                cells.append(allTotal)
                fixed.insert(cells.count - 1)
                lines.append((0..<rows).map { (rows * groups + $0, 1) } + [(cells.count - 1, -1)])
            }
            var caps: [Int?] = Array(repeating: nil, count: cells.count)
            for r in 0..<rows {
                for g in 0..<groups { caps[r * groups + g] = groupTotals[g] }
                caps[rows * groups + r] = groupTotals.reduce(0, +)
            }
            return Grid(cells: cells, fixed: fixed, lines: lines, caps: caps)
        }
    }

    public enum Class: Sendable, Equatable { case zero, small, large }

    public func classify(_ v: Int) -> Class { v <= 0 ? .zero : v < threshold ? .small : .large }

    /// Which cells to hide; nil when no pattern protects the small cells, so the table's counts must be withheld.
    public func hide(_ grid: Grid) -> [Bool]? {
        guard threshold > 1 else { return Array(repeating: false, count: grid.cells.count) }
        var hidden = grid.cells.indices.map { !grid.fixed.contains($0) && classify(grid.cells[$0]) == .small }
        guard hidden.contains(true) else { return hidden }
        while true {
            let ranges = self.ranges(grid, hidden: hidden)
            let weak = grid.cells.indices.filter { hidden[$0] && ranges[$0].map { $0.upperBound - $0.lowerBound + 1 < protection } ?? true }
            if weak.isEmpty { return hidden }
            // The printed large count that shares the most lines with the weak cells; ties go to the first.
            let weakSet = Set(weak)
            var best: (cell: Int, score: Int)?
            for c in grid.cells.indices where !hidden[c] && !grid.fixed.contains(c) && classify(grid.cells[c]) == .large {
                let score = grid.lines.reduce(0) { sum, line in
                    line.contains { $0.cell == c } ? sum + line.filter { weakSet.contains($0.cell) }.count : sum
                }
                if score > 0, best.map({ score > $0.score }) ?? true { best = (c, score) }
            }
            guard let chosen = best else { return nil }
            hidden[chosen.cell] = true
        }
    }

    /// For each hidden cell, the whole numbers it could be given the printed cells, the lines and the classes
    /// (nil for printed cells, and for a hidden cell when the printed table is impossible, which cannot happen
    /// for a real table).
    public func ranges(_ grid: Grid, hidden: [Bool]) -> [ClosedRange<Int>?] {
        let unknowns = grid.cells.indices.filter { hidden[$0] }
        let position = Dictionary(uniqueKeysWithValues: unknowns.enumerated().map { ($1, $0) })
        var equations: [([Double], Double)] = []
        for line in grid.lines {
            var row = [Double](repeating: 0, count: unknowns.count)
            var rhs = 0.0
            for (cell, coefficient) in line {
                if let p = position[cell] { row[p] += Double(coefficient) } else { rhs -= Double(coefficient * grid.cells[cell]) }
            }
            if row.contains(where: { $0 != 0 }) { equations.append((row, rhs)) }
        }
        let bounds: [(Double, Double?)] = unknowns.map { c in
            classify(grid.cells[c]) == .small ? (1, Double(min(threshold - 1, grid.caps[c] ?? Int.max)))
                                               : (Double(threshold), grid.caps[c].map(Double.init))
        }
        var out = [ClosedRange<Int>?](repeating: nil, count: grid.cells.count)
        guard let lp = BoundedLP(equations: equations, bounds: bounds) else { return out }
        for (k, cell) in unknowns.enumerated() {
            let low = lp.optimum(of: k, maximize: false)
            let high = lp.optimum(of: k, maximize: true)
            guard let low else { continue }
            let lower = Int((low - 1e-7).rounded(.up))
            let upper = high.map { Int(($0 + 1e-7).rounded(.down)) } ?? Int.max / 2
            out[cell] = lower...max(lower, upper)
        }
        return out
    }
}

/// Linear programs over a few dozen variables: minimise or maximise one variable subject to equations and bounds
/// lo ≤ x ≤ hi (hi may be absent). Dense two-phase simplex with Bland's rule, so it cannot cycle.
struct BoundedLP {
    /// Phase-one result: a feasible tableau in the shifted variables y = x − lo, plus slacks for upper bounds.
    private var tableau: [[Double]]
    private var basis: [Int]
    private let columns: Int
    private let variables: Int
    private let lows: [Double]

    init?(equations: [([Double], Double)], bounds: [(Double, Double?)]) {
        let n = bounds.count
        lows = bounds.map(\.0)
        variables = n
        var rows: [([Double], Double)] = []
        // Equations in y: A y = b − A lo.
        let upperRows = bounds.enumerated().filter { $0.element.1 != nil }
        let slackCount = upperRows.count
        for (a, b) in equations {
            var row = a + [Double](repeating: 0, count: slackCount)
            var rhs = b
            for i in 0..<n { rhs -= a[i] * lows[i] }
            if rhs < 0 { row = row.map { -$0 }; rhs = -rhs }
            rows.append((row, rhs))
        }
        for (s, (i, bound)) in upperRows.enumerated() {
            var row = [Double](repeating: 0, count: n + slackCount)
            row[i] = 1
            row[n + s] = 1
            let rhs = bound.1! - bound.0
            if rhs < -1e-9 { return nil }
            rows.append((row, max(0, rhs)))
        }
        let m = rows.count
        let structural = n + slackCount
        columns = structural
        // Phase one: an artificial per row, minimise their sum.
        tableau = rows.enumerated().map { r, row in
            var artificial = [Double](repeating: 0, count: m)
            artificial[r] = 1
            return row.0 + artificial + [row.1]
        }
        basis = (0..<m).map { structural + $0 }
        var objective = [Double](repeating: 0, count: structural + m + 1)
        for row in tableau { for j in 0..<structural { objective[j] -= row[j] }; objective[structural + m] -= row[structural + m] }
        Self.run(&tableau, &basis, objective: &objective, allowed: structural)
        if -objective[structural + m] > 1e-7 { return nil }
        // Drive artificials out of the basis where possible, then drop their columns.
        for r in basis.indices where basis[r] >= structural {
            if let j = (0..<structural).first(where: { abs(tableau[r][$0]) > 1e-9 }) {
                var dummy = [Double](repeating: 0, count: structural + m + 1)
                Self.pivot(&tableau, &basis, &dummy, row: r, column: j)
            }
        }
        var kept: [[Double]] = []
        var keptBasis: [Int] = []
        for r in tableau.indices where basis[r] < structural {
            kept.append(Array(tableau[r][0..<structural]) + [tableau[r][structural + m]])
            keptBasis.append(basis[r])
        }
        tableau = kept
        basis = keptBasis
    }

    /// The least or greatest value of variable `k`; nil when unbounded.
    func optimum(of k: Int, maximize: Bool) -> Double? {
        var t = tableau
        var b = basis
        // Minimise c·y with c = ±e_k, expressed in the current basis.
        var objective = [Double](repeating: 0, count: columns + 1)
        objective[k] = maximize ? -1 : 1
        for (r, j) in b.enumerated() where objective[j] != 0 {
            let f = objective[j]
            for c in 0...columns { objective[c] -= f * t[r][c] }
        }
        guard Self.run(&t, &b, objective: &objective, allowed: columns) else { return nil }
        var value = 0.0
        if let r = b.firstIndex(of: k) { value = t[r][columns] }
        return value + lows[k]
    }

    /// Minimises; false when unbounded. The last column holds the right-hand sides (and −objective value).
    @discardableResult
    private static func run(_ t: inout [[Double]], _ basis: inout [Int], objective: inout [Double], allowed: Int) -> Bool {
        let rhs = objective.count - 1
        while true {
            guard let entering = (0..<allowed).first(where: { objective[$0] < -1e-9 }) else { return true }
            var leaving: Int?
            var best = Double.infinity
            for r in t.indices where t[r][entering] > 1e-9 {
                let ratio = t[r][rhs] / t[r][entering]
                if ratio < best - 1e-12 || (abs(ratio - best) <= 1e-12 && basis[r] < basis[leaving!]) {
                    best = ratio
                    leaving = r
                }
            }
            guard let row = leaving else { return false }
            pivot(&t, &basis, &objective, row: row, column: entering)
        }
    }

    private static func pivot(_ t: inout [[Double]], _ basis: inout [Int], _ objective: inout [Double], row: Int, column: Int) {
        let p = t[row][column]
        for c in t[row].indices { t[row][c] /= p }
        for r in t.indices where r != row && t[r][column] != 0 {
            let f = t[r][column]
            for c in t[r].indices { t[r][c] -= f * t[row][c] }
        }
        let f = objective[column]
        if f != 0 { for c in objective.indices { objective[c] -= f * t[row][c] } }
        basis[row] = column
    }
}
