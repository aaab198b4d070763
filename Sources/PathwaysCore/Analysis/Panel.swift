import Foundation

/// The panel across waves: who stays (attrition by wave and program) and how an answer changes for the same
/// learners between two waves (a transition table with R's `mcnemar.test`).
public enum Panel {
    /// One learner's case in one wave.
    public struct Case: Sendable, Equatable {
        public var learner: UUID
        public var wave: Int
        public var program: String
        /// The case's AAPOR disposition code (effective), `Disposition.rawValue`.
        public var disposition: String

        public init(learner: UUID, wave: Int, program: String, disposition: String) {
            self.learner = learner
            self.wave = wave
            self.program = program
            self.disposition = disposition
        }

        public var responded: Bool { Disposition(rawValue: disposition)?.isResponse == true }
    }

    public struct AttritionRow: Sendable, Equatable, Codable {
        public var wave: Int
        /// "" for all programs together.
        public var program: String
        /// Cases in the wave's frame.
        public var cases: Int
        /// Complete and partial interviews.
        public var respondents: Int
        /// Of the first wave's respondents in this program, how many were in this wave's frame and how many answered.
        public var firstWaveRespondents: Int
        public var stillInFrame: Int
        public var stillResponding: Int

        /// stillResponding / firstWaveRespondents: the share of the first wave's respondents kept.
        public var retention: Double? { firstWaveRespondents > 0 ? Double(stillResponding) / Double(firstWaveRespondents) : nil }
    }

    /// Retention per program, as a chart draws it: for each program in the order of the attrition rows (all
    /// programs first), its first-wave respondents, then for each wave how many of them still answered.
    public struct Retention: Sendable, Equatable {
        /// "All programs" for the programs together.
        public var program: String
        public var firstWaveRespondents: Int
        /// (wave, still answering), in wave order.
        public var stillResponding: [Stage]
        public struct Stage: Sendable, Equatable {
            public var wave: Int
            public var count: Int
            public init(wave: Int, count: Int) {
                self.wave = wave
                self.count = count
            }
        }
    }

    public static func retention(_ rows: [AttritionRow]) -> [Retention] {
        var order: [String] = []
        for r in rows where !order.contains(r.program) { order.append(r.program) }
        return order.compactMap { program in
            let mine = rows.filter { $0.program == program && $0.retention != nil }
            guard let first = mine.first else { return nil }
            return Retention(program: program.isEmpty ? "All programs" : program, firstWaveRespondents: first.firstWaveRespondents,
                             stillResponding: mine.map { .init(wave: $0.wave, count: $0.stillResponding) })
        }
    }

    /// Per wave, for all programs and for each program (by the program of the learner's first-wave case).
    public static func attrition(_ cases: [Case]) -> [AttritionRow] {
        let waves = Set(cases.map(\.wave)).sorted()
        guard let first = waves.first else { return [] }
        var firstProgram: [UUID: String] = [:]
        var firstResponders: Set<UUID> = []
        for c in cases where c.wave == first {
            firstProgram[c.learner] = c.program
            if c.responded { firstResponders.insert(c.learner) }
        }
        let programs = Set(cases.map(\.program)).sorted()
        var rows: [AttritionRow] = []
        for wave in waves {
            let inWave = cases.filter { $0.wave == wave }
            for program in [""] + programs {
                let mine = program.isEmpty ? inWave : inWave.filter { $0.program == program }
                let cohort = program.isEmpty ? firstResponders : firstResponders.filter { firstProgram[$0] == program }
                let frame = Set(inWave.map(\.learner)).intersection(cohort)
                let responding = Set(inWave.filter(\.responded).map(\.learner)).intersection(cohort)
                guard !mine.isEmpty || !cohort.isEmpty else { continue }
                rows.append(AttritionRow(wave: wave, program: program, cases: mine.count, respondents: mine.filter(\.responded).count,
                                         firstWaveRespondents: cohort.count, stillInFrame: frame.count, stillResponding: responding.count))
            }
        }
        return rows
    }

    public struct Change: Sendable, Equatable, Codable {
        public var item: String
        public var fromWave: Int
        public var toWave: Int
        /// Row and column categories (choice names) and their labels.
        public var levels: [String]
        public var labels: [String]
        /// counts[i][j]: learners who answered levels[i] in `fromWave` and levels[j] in `toWave`.
        public var counts: [[Int]]
        /// Learners who answered in both waves.
        public var n: Int
        public var unchanged: Int
        /// R's mcnemar.test: with continuity correction for 2 × 2 (McNemar), Bowker's symmetry test above; nil where
        /// R gives no number (no discordant pairs, or an empty pair of cells).
        public var statistic: Double?
        public var df: Int?
        public var p: Double?
    }

    /// How `item` changed between two waves for the learners who answered it in both.
    public static func change(item: String, from: (wave: Int, answers: [UUID: String]), to: (wave: Int, answers: [UUID: String]),
                              levels given: [(name: String, label: String)]) -> Change {
        var levels = given.map(\.name)
        var labels = given.map(\.label)
        let both = from.answers.keys.filter { to.answers[$0] != nil && !(from.answers[$0] ?? "").isEmpty && !(to.answers[$0] ?? "").isEmpty }
        // Values outside the choice list (an older version's choices) become levels of their own.
        for value in Set(both.flatMap { [from.answers[$0]!, to.answers[$0]!] }).subtracting(levels).sorted() {
            levels.append(value)
            labels.append(value)
        }
        let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        var counts = Array(repeating: Array(repeating: 0, count: levels.count), count: levels.count)
        for learner in both { counts[index[from.answers[learner]!]!][index[to.answers[learner]!]!] += 1 }
        let unchanged = levels.indices.reduce(0) { $0 + counts[$1][$1] }
        let test = mcnemar(counts)
        return Change(item: item, fromWave: from.wave, toWave: to.wave, levels: levels, labels: labels, counts: counts, n: both.count,
                      unchanged: unchanged, statistic: test?.statistic, df: test?.df, p: test?.p)
    }

    /// R's `mcnemar.test(x)` (correct = TRUE): (|b − c| − 1)² / (b + c) on 1 df for a 2 × 2 table; Bowker's
    /// Σ_{i<j} (n_ij − n_ji)² / (n_ij + n_ji) on k(k − 1)/2 df for k × k.
    /// A change a researcher can ask about: a select_one question asked in both waves (by name), with its label.
    public struct Comparison: Sendable, Equatable {
        public var item: String
        public var label: String
        public var from: Int
        public var to: Int
        public init(item: String, label: String, from: Int, to: Int) {
            self.item = item
            self.label = label
            self.from = from
            self.to = to
        }
        /// How the choice is named in a form or a link: `item:from:to`.
        public var code: String { "\(item):\(from):\(to)" }
        public init?(code: String, among all: [Comparison]) {
            guard let found = all.first(where: { $0.code == code }) else { return nil }
            self = found
        }
    }

    /// Every comparison the waves allow: each select_one question asked (by name) in two waves, for every pair of
    /// those waves, earlier to later; labelled from the later wave's form. By question in form order, then by waves.
    public static func comparisons(_ waves: [(number: Int, form: XLSForm)]) -> [Comparison] {
        let ordered = waves.sorted { $0.number < $1.number }
        var order: [String] = []
        var askedIn: [String: [(wave: Int, label: String)]] = [:]
        for w in ordered {
            for q in w.form.questions {
                guard case .selectOne = q.type else { continue }
                if askedIn[q.name] == nil { order.append(q.name) }
                askedIn[q.name, default: []].append((w.number, XLSForm.text(q.labels, language: nil) ?? q.name))
            }
        }
        var out: [Comparison] = []
        for item in order {
            let asked = askedIn[item] ?? []
            for (i, a) in asked.enumerated() {
                for b in asked[(i + 1)...] { out.append(Comparison(item: item, label: b.label, from: a.wave, to: b.wave)) }
            }
        }
        return out
    }

    public static func mcnemar(_ x: [[Int]]) -> (statistic: Double, df: Int, p: Double)? {
        let k = x.count
        guard k >= 2 else { return nil }
        var statistic = 0.0
        for i in 0..<k {
            for j in (i + 1)..<k {
                let b = Double(x[i][j]), c = Double(x[j][i])
                guard b + c > 0 else { return nil }
                statistic += k == 2 ? pow(abs(b - c) - 1, 2) / (b + c) : pow(b - c, 2) / (b + c)
            }
        }
        let df = k * (k - 1) / 2
        return (statistic, df, Intervals.chiSquaredUpper(statistic, df: Double(df)))
    }
    /// Attrition as a Markdown table.
    public static func markdown(_ rows: [AttritionRow]) -> String {
        var out = "| wave | program | cases | respondents | first-wave respondents | still in frame | still responding | retention |\n"
        out += "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for r in rows {
            out += "| \(r.wave) | \(r.program.isEmpty ? "All programs" : r.program) | \(r.cases) | \(r.respondents) | \(r.firstWaveRespondents) | "
                + "\(r.stillInFrame) | \(r.stillResponding) | \(r.retention.map { String(format: "%.1f%%", 100 * $0) } ?? "—") |\n"
        }
        return out + "\nRetention: the share of the first wave's respondents (by their first-wave program) who answered this wave.\n"
    }
}

extension Panel.Change {
    /// Rows: the answer in the first wave; columns: in the second; each cell a count and its row percent.
    public func markdown() -> String {
        var out = "| wave \(fromWave) ↓ / wave \(toWave) → |" + labels.map { " \($0) |" }.joined() + " n |\n"
        out += "| --- |" + String(repeating: " ---: |", count: labels.count + 1) + "\n"
        for (i, label) in labels.enumerated() {
            let total = counts[i].reduce(0, +)
            out += "| \(label) |" + counts[i].map { c in
                " \(c)" + (total > 0 ? String(format: " (%.0f%%)", 100 * Double(c) / Double(total)) : "") + " |"
            }.joined() + " \(total) |\n"
        }
        out += "\n\(n) learners answered `\(item)` in both waves; \(unchanged) gave the same answer"
        if n > 0 { out += String(format: " (%.0f%%)", 100 * Double(unchanged) / Double(n)) }
        out += ". Row percents: of those who gave that answer in wave \(fromWave).\n"
        if let statistic, let df, let p {
            out += String(format: "%@: χ² = %.3f, df = %d, p = %.4g (as R's mcnemar.test).\n",
                          (levels.count == 2 ? "McNemar's test with continuity correction" : "Bowker's test of symmetry") as NSString, statistic, df, p)
        } else {
            out += "No test of change: a pair of opposite changes has no learners.\n"
        }
        return out
    }
}

extension Panel {
    /// One wave of the panel's funnel: learners in its frame, answering it (complete or partial), completing it.
    public struct FunnelRow: Sendable, Equatable {
        public var wave: Int
        public var inFrame: Int, answered: Int, complete: Int
    }

    /// The funnel from the panel's paths (each learner's AAPOR code per wave, with how many learners share it), and
    /// how many learners answered every wave.
    public static func funnel(paths: [(path: [Int: String], learners: Int)], waves: [Int]) -> (rows: [FunnelRow], answeredEvery: Int) {
        func responded(_ code: String?) -> Bool { Disposition(rawValue: code ?? "")?.isResponse == true }
        let rows = waves.map { w in
            FunnelRow(wave: w,
                      inFrame: paths.filter { $0.path[w] != nil }.reduce(0) { $0 + $1.learners },
                      answered: paths.filter { responded($0.path[w]) }.reduce(0) { $0 + $1.learners },
                      complete: paths.filter { $0.path[w] == Disposition.complete.rawValue }.reduce(0) { $0 + $1.learners })
        }
        let every = paths.filter { p in waves.allSatisfy { responded(p.path[$0]) } }.reduce(0) { $0 + $1.learners }
        return (rows, every)
    }
}
