import Foundation
import Testing
@testable import PathwaysCore

/// Suppression is checked the way an attacker would attack it: enumerate every table of whole, non-negative counts
/// that agrees with what is printed (the shown cells, the totals, the caps), keep those the rule itself would have
/// printed the same way, and see how many values each hidden cell can still take.
@Suite struct SuppressionTests {
    /// Every table consistent with the printed cells and the lines, as values of the hidden cells.
    func candidates(_ grid: Suppression.Grid, hidden: [Bool]) -> [[Int]] {
        let unknowns = grid.cells.indices.filter { hidden[$0] }
        let cap = grid.cells.reduce(0) { max($0, $1) } * 2 + 10
        var values = grid.cells
        var out: [[Int]] = []
        func consistent(upTo k: Int) -> Bool {
            let assigned = Set(unknowns.prefix(k))
            for line in grid.lines where line.allSatisfy({ !hidden[$0.cell] || assigned.contains($0.cell) }) {
                if line.reduce(0, { $0 + $1.coefficient * values[$1.cell] }) != 0 { return false }
            }
            return true
        }
        let order = Dictionary(uniqueKeysWithValues: unknowns.enumerated().map { ($1, $0) })
        func assign(_ k: Int) {
            if k == unknowns.count { out.append(unknowns.map { values[$0] }); return }
            let cell = unknowns[k]
            var range = 0...(grid.caps[cell] ?? cap)
            // A line whose other hidden cells are all set decides this one.
            for line in grid.lines {
                guard let mine = line.first(where: { $0.cell == cell }),
                      line.allSatisfy({ $0.cell == cell || !hidden[$0.cell] || order[$0.cell]! < k }) else { continue }
                let rest = line.filter { $0.cell != cell }.reduce(0) { $0 + $1.coefficient * values[$1.cell] }
                guard rest % mine.coefficient == 0, range.contains(-rest / mine.coefficient) else { return }
                range = (-rest / mine.coefficient)...(-rest / mine.coefficient)
            }
            for v in range {
                values[cell] = v
                if consistent(upTo: k + 1) { assign(k + 1) }
            }
            values[cell] = grid.cells[cell]
        }
        assign(0)
        return out
    }

    /// Hidden cells and, for each, the values it could have among the tables the rule prints identically.
    func attack(_ grid: Suppression.Grid, _ rule: Suppression) throws -> (hidden: [Bool], possible: [Int: Set<Int>]) {
        let hidden = try #require(rule.hide(grid))
        var possible: [Int: Set<Int>] = [:]
        for candidate in candidates(grid, hidden: hidden) {
            var other = grid
            for (cell, v) in zip(grid.cells.indices.filter { hidden[$0] }, candidate) { other.cells[cell] = v }
            guard rule.hide(other) == hidden else { continue }
            for (cell, v) in zip(grid.cells.indices.filter { hidden[$0] }, candidate) { possible[cell, default: []].insert(v) }
        }
        return (hidden, possible)
    }

    @Test func aCellJustUnderTheThresholdCannotBeWorkedOutBySomeoneWhoKnowsTheRule() throws {
        // Hiding "the smallest other cell" would give this one away: only 10 + 9 prints that way.
        let rule = Suppression(threshold: 10)
        let grid = Suppression.Grid.column([10, 10, 9], total: 29)
        let (hidden, possible) = try attack(grid, rule)
        #expect(hidden[2] && hidden.filter { $0 }.count == 2)
        for (cell, values) in possible {
            #expect(values.count >= rule.protection, "cell \(cell) could only be \(values.sorted())")
            #expect(values.contains(grid.cells[cell]))
        }
    }

    @Test func randomColumnsKeepEveryHiddenCellAmbiguous() throws {
        var rng = SeededRandom(seed: 5)
        let rule = Suppression(threshold: 5)
        var checked = 0
        for _ in 0..<150 {
            let counts = (0..<(3 + Int(rng.next() % 3))).map { _ in Int(rng.next() % 4 == 0 ? rng.next() % 5 : rng.next() % 16) }
            let multiple = rng.next() % 2 == 0
            let grid = multiple ? Suppression.Grid.column(counts, total: counts.reduce(0, +), base: (counts.max() ?? 0) + Int(rng.next() % 4))
                                : Suppression.Grid.column(counts, total: counts.reduce(0, +))
            guard let hidden = rule.hide(grid) else {
                // Withheld: then nothing of the column is printed, which gives nothing away.
                continue
            }
            guard hidden.contains(true) else {
                #expect(!counts.contains { (1..<5).contains($0) }, "a small count was printed: \(counts)")
                continue
            }
            let (_, possible) = try attack(grid, rule)
            for cell in grid.cells.indices where hidden[cell] {
                #expect((possible[cell] ?? []).count >= rule.protection, "\(counts): cell \(cell) could only be \((possible[cell] ?? []).sorted())")
            }
            checked += 1
        }
        #expect(checked > 40, "the random tables exercise suppression")
    }

    @Test func randomSplitTablesKeepEveryHiddenCellAmbiguous() throws {
        var rng = SeededRandom(seed: 9)
        let rule = Suppression(threshold: 4)
        var checked = 0, withheld = 0
        for _ in 0..<60 {
            let counts = (0..<3).map { _ in (0..<2).map { _ in Int(rng.next() % 3 == 0 ? rng.next() % 4 : 3 + rng.next() % 8) } }
            let all = counts.map { $0.reduce(0, +) }
            let totals = (0..<2).map { g in counts.map { $0[g] }.reduce(0, +) }
            let grid = Suppression.Grid.split(counts, all: all, groupTotals: totals, columnTotals: true)
            guard let hidden = rule.hide(grid) else { withheld += 1; continue }
            #expect(!grid.cells.indices.contains { !hidden[$0] && !grid.fixed.contains($0) && (1..<4).contains(grid.cells[$0]) })
            guard hidden.contains(true) else { continue }
            let (_, possible) = try attack(grid, rule)
            for cell in grid.cells.indices where hidden[cell] {
                #expect((possible[cell] ?? []).count >= rule.protection, "\(counts): cell \(cell) could only be \((possible[cell] ?? []).sorted())")
            }
            checked += 1
        }
        #expect(checked > 20, "the random tables exercise suppression (\(withheld) withheld)")
    }

    /// The ranges the rule checks are exactly those of whole-number tables with the classes' bounds.
    @Test func theLinearProgramsRangesAreTheWholeNumberRanges() throws {
        var rng = SeededRandom(seed: 3)
        let rule = Suppression(threshold: 4)
        for _ in 0..<40 {
            let counts = (0..<3).map { _ in (0..<2).map { _ in Int(rng.next() % 9) } }
            let grid = Suppression.Grid.split(counts, all: counts.map { $0.reduce(0, +) },
                                              groupTotals: (0..<2).map { g in counts.map { $0[g] }.reduce(0, +) }, columnTotals: true)
            let hidden = grid.cells.indices.map { !grid.fixed.contains($0) && (grid.cells[$0] > 0 && rng.next() % 2 == 0) }
            let ranges = rule.ranges(grid, hidden: hidden)
            var seen: [Int: Set<Int>] = [:]
            for candidate in candidates(grid, hidden: hidden) {
                let cells = grid.cells.indices.filter { hidden[$0] }
                // Keep the tables whose hidden cells stay in their classes.
                guard zip(cells, candidate).allSatisfy({ rule.classify($0.1) == rule.classify(grid.cells[$0.0]) }) else { continue }
                for (cell, v) in zip(cells, candidate) { seen[cell, default: []].insert(v) }
            }
            for cell in grid.cells.indices where hidden[cell] {
                let values = try #require(seen[cell])
                #expect(ranges[cell] == values.min()!...values.max()!, "\(counts) cell \(cell)")
            }
        }
    }
}
