import Foundation
import Testing
@testable import PathwaysCore

@Suite struct PanelTests {
    static let tables: [[[Int]]] = [
        [[794, 86], [150, 570]],
        [[10, 3], [9, 12]],
        [[5, 0], [1, 7]],
        [[20, 5, 2], [7, 30, 4], [1, 9, 15]],
        [[3, 1, 1, 2], [2, 8, 1, 1], [4, 1, 6, 3], [1, 2, 5, 9]],
    ]

    /// Only a question asked in both waves of a pair is offered, once per pair, labelled from the later form.
    @Test func comparisonsAreTheQuestionsAskedInBothWaves() throws {
        func form(_ rows: String) throws -> XLSForm {
            try XLSForm(survey: try XLSFormSheet.csv("type,name,label\n" + rows, name: "survey"),
                        choices: try XLSFormSheet.csv("list_name,name,label\nyn,yes,Yes\nyn,no,No\n", name: "choices"), settings: nil)
        }
        let w1 = try form("select_one yn,employed,Employed?\nselect_one yn,student,Student?\ntext,notes,Notes\n")
        let w2 = try form("select_one yn,employed,Are you employed now?\n")
        let w3 = try form("select_one yn,employed,Employed today?\nselect_one yn,student,Still a student?\nselect_multiple yn,many,Many\n")
        let all = Panel.comparisons([(3, w3), (1, w1), (2, w2)])
        #expect(all.map(\.code) == ["employed:1:2", "employed:1:3", "employed:2:3", "student:1:3"])
        #expect(all[0].label == "Are you employed now?" && all[3].label == "Still a student?")
        #expect(Panel.Comparison(code: "student:1:3", among: all)?.item == "student")
        #expect(Panel.Comparison(code: "student:1:2", among: all) == nil, "wave 2 does not ask it")
        #expect(Panel.comparisons([(1, w1)]).isEmpty)
    }

    @Test func mcnemarAgreesWithR() throws {
        let r = Self.tables.map { t -> String in
            let k = t.count
            let values = (0..<k).flatMap { j in (0..<k).map { i in String(t[i][j]) } }.joined(separator: ",")
            return "r <- mcnemar.test(matrix(c(\(values)), nrow = \(k))); cat(sprintf('%.17g %d %.17g', r$statistic, r$parameter, r$p.value), '\\n')"
        }.joined(separator: "\n")
        let lines = try runR(r).split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        #expect(lines.count == Self.tables.count)
        for (t, expected) in zip(Self.tables, lines) {
            let ours = try #require(Panel.mcnemar(t))
            #expect(agree(ours.statistic, expected[0]), "statistic \(ours.statistic) vs R \(expected[0])")
            #expect(Double(ours.df) == expected[1])
            #expect(agree(ours.p, expected[2]), "p \(ours.p) vs R \(expected[2])")
        }
        #expect(Panel.mcnemar([[4, 0], [0, 6]]) == nil, "no discordant pairs: R gives NaN, Pathways no number")
    }

    @Test func chiSquaredTailsAgreeWithR() throws {
        let cases: [(Double, Double)] = [(0.5, 1), (3.84, 1), (12.3, 3), (40, 6), (0.01, 10), (150, 45), (2, 0.5)]
        let out = try runR(cases.map { "cat(sprintf('%.17g', pchisq(\($0.0), \($0.1), lower.tail = FALSE)), '\\n')" }.joined(separator: "\n"))
        let expected = out.split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        #expect(expected.count == cases.count)
        for (c, e) in zip(cases, expected) {
            #expect(agree(Intervals.chiSquaredUpper(c.0, df: c.1), e), "pchisq(\(c.0), \(c.1)) = \(e)")
        }
    }

    @Test func employmentAtTheStartAgainstAYearAfter() {
        var from: [UUID: String] = [:], to: [UUID: String] = [:]
        // 6 unemployed → full-time, 2 full-time → unemployed, 5 stay full-time, 3 stay unemployed; 1 answered only once.
        func add(_ n: Int, _ a: String, _ b: String) { for _ in 0..<n { let id = UUID(); from[id] = a; to[id] = b } }
        add(6, "unemployed_looking", "full_time"); add(2, "full_time", "unemployed_looking")
        add(5, "full_time", "full_time"); add(3, "unemployed_looking", "unemployed_looking")
        from[UUID()] = "full_time"
        let change = Panel.change(item: "employment", from: (1, from), to: (3, to),
                                  levels: [("full_time", "Employed full-time"), ("unemployed_looking", "Unemployed and looking")])
        #expect(change.n == 16 && change.unchanged == 8)
        #expect(change.counts == [[5, 2], [6, 3]])
        #expect(change.df == 1 && change.statistic.map { abs($0 - 9.0 / 8) < 1e-12 } == true)
    }

    @Test func attritionFollowsTheFirstWavesRespondentsByProgram() {
        let ids = (0..<10).map { _ in UUID() }
        var cases: [Panel.Case] = []
        for (i, id) in ids.enumerated() {
            let program = i < 6 ? "Statistics" : "Economics"
            cases.append(.init(learner: id, wave: 1, program: program, disposition: i % 5 == 4 ? "2.11" : "1.1"))
            if i < 8 { cases.append(.init(learner: id, wave: 2, program: program, disposition: i % 2 == 0 ? "1.1" : "2.11")) }
        }
        let rows = Panel.attrition(cases)
        let all2 = rows.first { $0.wave == 2 && $0.program == "" }
        // First wave: 8 responded (all but 4 and 9). Wave 2 frame holds 0...7; of the first-wave respondents 0...3, 5...7
        // are in it, and 0, 2, 6 answered.
        #expect(all2?.firstWaveRespondents == 8 && all2?.stillInFrame == 7 && all2?.stillResponding == 3)
        #expect(all2?.cases == 8 && all2?.respondents == 4)
        let stats2 = rows.first { $0.wave == 2 && $0.program == "Statistics" }
        #expect(stats2?.firstWaveRespondents == 5 && stats2?.stillResponding == 2 && stats2?.retention == 0.4)
        #expect(rows.first { $0.wave == 1 && $0.program == "" }?.retention == 1)
    }

    @Test func retentionIsDrawnPerProgramAllProgramsFirst() {
        let row = { (wave: Int, program: String, cohort: Int, answering: Int) in
            Panel.AttritionRow(wave: wave, program: program, cases: 10, respondents: answering, firstWaveRespondents: cohort, stillInFrame: cohort, stillResponding: answering)
        }
        let rows = [row(1, "", 8, 8), row(1, "Statistics", 5, 5), row(1, "Economics", 3, 3), row(2, "", 8, 3), row(2, "Statistics", 5, 2),
                    row(2, "Economics", 3, 1), row(2, "Newcomers", 0, 0)]
        let retention = Panel.retention(rows)
        #expect(retention.map(\.program) == ["All programs", "Statistics", "Economics"], "a program with no first-wave respondents has no retention")
        #expect(retention[1].firstWaveRespondents == 5 && retention[1].stillResponding == [.init(wave: 1, count: 5), .init(wave: 2, count: 2)])
    }
}

@Suite struct PanelFunnelTests {
    /// Learners in each wave's frame, answering it (complete or partial) and completing it, from their paths.
    @Test func theFunnelCountsFrameAnswersAndCompletesPerWave() {
        let paths: [(path: [Int: String], learners: Int)] = [
            ([1: "1.1", 2: "1.1"], 5), ([1: "1.2", 2: "3.19"], 3), ([1: "2.11"], 2), ([1: "3.19", 2: "1.2"], 4),
        ]
        let (rows, every) = Panel.funnel(paths: paths, waves: [1, 2])
        #expect(rows == [Panel.FunnelRow(wave: 1, inFrame: 14, answered: 8, complete: 5), Panel.FunnelRow(wave: 2, inFrame: 12, answered: 9, complete: 5)])
        #expect(every == 5, "only the first path answered both waves")
    }
}
