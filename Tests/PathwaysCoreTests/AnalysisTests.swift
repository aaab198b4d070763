import Foundation
@testable import PathwaysCore
import Testing

/// Runs R (Debian: r-base-core, r-cran-survey; scripts/test's .ci/run installs them) and returns what it printed.
/// A missing R is a failure, never a skip.
func runR(_ script: String) throws -> String {
    let candidates = ["/usr/bin/Rscript", "/usr/local/bin/Rscript"]
    guard let rscript = candidates.first(where: FileManager.default.isExecutableFile) else {
        throw RMissing()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: rscript)
    process.arguments = ["--vanilla", "-e", script]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw RFailed(message: String(decoding: errors, as: UTF8.self)) }
    return String(decoding: data, as: UTF8.self)
}

struct RMissing: Error, CustomStringConvertible {
    var description: String { "Rscript is not installed: install r-base-core and r-cran-survey (apt-get), as .ci/run does" }
}

struct RFailed: Error, CustomStringConvertible {
    var message: String
    var description: String { "R failed: \(message)" }
}

func agree(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    if a == b { return true }
    return abs(a - b) <= relative * max(abs(a), abs(b))
}

@Suite struct IntervalTests {
    static let cases: [(Int, Int)] = [(0, 10), (1, 10), (5, 10), (10, 10), (22, 67), (63, 67), (2, 67), (1, 1000), (999, 1000),
                                      (13, 22), (3, 5), (0, 1), (1, 1), (7, 59), (50_000, 1_000_000)]

    @Test func wilsonAndClopperPearsonAgreeWithR() throws {
        let xs = Self.cases.map { String($0.0) }.joined(separator: ","), ns = Self.cases.map { String($0.1) }.joined(separator: ",")
        let output = try runR("""
            x <- c(\(xs)); n <- c(\(ns))
            for (i in seq_along(x)) {
              w <- suppressWarnings(prop.test(x[i], n[i], correct = FALSE)$conf.int)
              b <- binom.test(x[i], n[i])$conf.int
              cat(sprintf("%.17g %.17g %.17g %.17g\\n", w[1], w[2], b[1], b[2]))
            }
            cat(sprintf("%.17g %.17g %.17g\\n", qnorm(0.975), qnorm(1e-10), qbeta(0.025, 22, 46)))
            """)
        let lines = output.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        #expect(lines.count == Self.cases.count + 1)
        for (i, (x, n)) in Self.cases.enumerated() {
            let wilson = try #require(ProportionInterval.wilson.interval(successes: x, of: n))
            let exact = try #require(ProportionInterval.clopperPearson.interval(successes: x, of: n))
            let r = lines[i]
            #expect(agree(wilson.lower, r[0]) && agree(wilson.upper, r[1]), "Wilson \(x)/\(n): \(wilson) vs R \(r[0]) \(r[1])")
            #expect(agree(exact.lower, r[2]) && agree(exact.upper, r[3]), "Clopper–Pearson \(x)/\(n): \(exact) vs R \(r[2]) \(r[3])")
        }
        let last = lines[Self.cases.count]
        #expect(agree(Intervals.normalQuantile(0.975), last[0], relative: 1e-14))
        #expect(agree(Intervals.normalQuantile(1e-10), last[1], relative: 1e-12))
        #expect(agree(Intervals.betaQuantile(0.025, 22, 46), last[2], relative: 1e-12))
    }

    @Test func noIntervalWithoutABase() {
        #expect(ProportionInterval.wilson.interval(successes: 0, of: 0) == nil)
        #expect(ProportionInterval.clopperPearson.interval(successes: 3, of: 2) == nil)
    }
}

@Suite struct TabulationTests {
    let today = CalendarDay.date(year: 2023, month: 4, day: 1)!
    static let table2Counts = [63, 22, 13, 11, 11, 10, 9, 9, 7, 5, 4, 3, 2, 2, 2, 2]
    static let table2Printed = ["94%", "33%", "19%", "16%", "16%", "15%", "13%", "13%", "10%", "7%", "6%", "4%", "3%", "3%", "3%", "3%"]

    /// 67 eligible respondents to the demo follow-up whose benefits give the seed's Table 2 counts (each of them
    /// chose at least one), and the 22 who chose improved performance pick 81 ways in all (3.7 each, as the seed says).
    func table2Respondents() throws -> [[String: String]] {
        let form = try DemoInstruments.form(.followup)
        let benefits = try #require(form.choiceLists["benefits"]).map(\.name)
        let ways = try #require(form.choiceLists["ways"]).map(\.name)
        var people: [[String: String]] = Array(repeating: ["completed_program": "yes", "completion_date": "2021-06-01"], count: 67)
        for (j, option) in benefits.enumerated() {
            // Improved performance goes to the last 22, so the four who did not learn something new chose it.
            let who = j == 1 ? Array(45..<67) : Array(0..<Self.table2Counts[j])
            for i in who { people[i]["benefits", default: ""] += (people[i]["benefits"] == nil ? "" : " ") + option }
        }
        let waysPerPerson = Array(repeating: 4, count: 15) + Array(repeating: 3, count: 7)  // 60 + 21 = 81 choices
        for (k, i) in (45..<67).enumerated() {
            people[i]["ways"] = (0..<waysPerPerson[k]).map { ways[($0 + k) % ways.count] }.joined(separator: " ")
        }
        return people
    }

    @Test func theSeedsTable2PercentsAndBase() throws {
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: try table2Respondents(), today: today)
        let table = try #require(t.choices("benefits"))
        #expect(table.shown == 67 && table.base == 67)
        #expect(table.rows.map(\.count) == Self.table2Counts)
        #expect(table.rows.map { Tabulation.percent($0.share) } == Self.table2Printed)
        #expect(table.baseNote.hasPrefix("Percent of the 67 respondents who answered (n = 67)"))
        let first = try #require(table.rows.first?.interval)
        #expect(first.lower < 63.0 / 67 && first.upper > 63.0 / 67)
    }

    @Test func itemNonresponseStaysOutOfTheBase() throws {
        var people = try table2Respondents()
        for i in 0..<3 { people[i]["benefits"] = nil }
        let table = try #require(Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: today).choices("benefits"))
        #expect(table.shown == 67 && table.base == 64)
        #expect(table.baseNote.contains("3 who were asked did not answer and are not in the base"))
        #expect(table.rows[0].count == 60 && table.rows[0].share == 60.0 / 64)
    }

    /// The seed's Table 3 cannot come from any data: its shares add up to 121% while 22 people chose 3.7 ways each.
    /// For such data Pathways prints a base of 22 (only those asked), percents adding up to 368%, and says why.
    @Test func aConditionalSelectMultipleStatesItsBaseAndDefinition() throws {
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: try table2Respondents(), today: today)
        let table = try #require(t.choices("ways"))
        #expect(table.shown == 22 && table.base == 22, "asked only of the 22 whose performance improved")
        #expect(table.selections == 81)
        #expect(String(format: "%.1f", try #require(table.meanChosen)) == "3.7")
        let total = table.rows.map(\.share).reduce(0, +)
        #expect(abs(total - 81.0 / 22) < 1e-12, "percent of respondents adds up to 368%, not 100%")
        #expect(abs(table.rows.map(\.shareOfSelections).reduce(0, +) - 1) < 1e-12, "percent of selections adds up to 100%")
        #expect(table.baseNote == "Percent of the 22 respondents who answered (n = 22). Respondents could choose more than one option, so percents add up to more than 100% (3.7 options each on average; 81 choices in all). 95% intervals: Wilson score interval.")
    }

    @Test func numbersDistinctValuesAndBaseRanges() throws {
        var people = try table2Respondents()
        for (i, _) in people.enumerated() {
            people[i]["birth_year"] = i < 62 ? String(1950 + i % 50) : nil
            people[i]["income"] = i < 46 ? String(20_000 + 1_000 * i) : nil
            people[i]["country"] = i < 60 ? ["US", "US", "CA", "DE", "us", "IN"][i % 6] : nil
            people[i]["gender"] = i < 59 ? (i % 3 == 0 ? "female" : "male") : nil
        }
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: today)
        let income = try #require(t.numeric("income"))
        #expect(income.n == 46 && income.median == 42_500 && income.min == 20_000 && income.max == 65_000)
        #expect(abs(income.mean - 42_500) < 1e-9)
        let age = try #require(t.numeric("birth_year") { 2023 - $0 })
        #expect(age.n == 62 && age.min == 24 && age.max == 73)
        let countries = t.distinct("country", top: 3) { $0.uppercased() }
        #expect(countries.distinct == 4 && countries.base == 60)
        #expect(countries.shown == people.count && people.count > 60, "shown is who was asked (\(countries.shown)), not who answered")
        #expect(countries.top.map(\.value) == ["US", "CA", "DE"] && countries.top[0].count == 30)
        #expect(Tabulation.rangeLabel(try #require(t.baseRange(["gender", "birth_year", "country"]))) == "n=59-62")
    }
}

@Suite struct WeightingTests {
    /// 240 respondents over three raking variables (gender 3, program 4, country group 3), with an outcome; the same
    /// numbers are handed to R.
    static let n = 240
    static let gender = (0..<n).map { ($0 * 7 + $0 / 11) % 3 }
    static let program = (0..<n).map { ($0 * 5 + $0 / 7) % 4 }
    static let country = (0..<n).map { ($0 * 3 + $0 / 13) % 3 == 2 ? 2 : (($0 % 10) < 6 ? 0 : 1) }
    static let outcome = (0..<n).map { ($0 * 13 + $0 / 3) % 7 < 3 }
    static let genderTotals = [5_200.0, 4_300.0, 500.0], programTotals = [3_000.0, 2_500.0, 2_700.0, 1_800.0],
               countryTotals = [6_000.0, 2_600.0, 1_400.0]

    static var rData: String {
        func vector(_ xs: [Int]) -> String { "c(" + xs.map(String.init).joined(separator: ",") + ")" }
        return """
            suppressMessages(library(survey))
            d <- data.frame(g = factor(\(vector(gender))), p = factor(\(vector(program))), c = factor(\(vector(country))),
                            y = \(vector(outcome.map { $0 ? 1 : 0 })), w1 = 1, w2 = 1 + (0:\(n - 1)) %% 5)
            """
    }

    @Test func rakingGivesRsWeights() throws {
        let output = try runR(Self.rData + """

            des <- svydesign(ids = ~1, weights = ~w1, data = d)
            r <- rake(des, list(~g, ~p, ~c), list(data.frame(g = factor(0:2), Freq = c(5200, 4300, 500)),
                      data.frame(p = factor(0:3), Freq = c(3000, 2500, 2700, 1800)), data.frame(c = factor(0:2), Freq = c(6000, 2600, 1400))))
            cat(sprintf("%.17g", weights(r)), sep = "\\n")
            """)
        let expected = output.split(separator: "\n").compactMap { Double($0) }
        #expect(expected.count == Self.n)
        let result = try Raking().rake(Array(repeating: 1, count: Self.n), margins: [
            .init(name: "gender", category: Self.gender, totals: Self.genderTotals),
            .init(name: "program", category: Self.program, totals: Self.programTotals),
            .init(name: "country", category: Self.country, totals: Self.countryTotals),
        ])
        #expect(result.converged)
        #expect(result.weights.count == expected.count)
        let worst = zip(result.weights, expected).map { abs($0 - $1) / abs($1) }.max() ?? 1
        #expect(worst <= 1e-9, "largest relative difference from R: \(worst) after \(result.iterations) passes")
        // The margins hold to the tolerance R stops at.
        var sums = [0.0, 0.0, 0.0]
        for (i, g) in Self.gender.enumerated() { sums[g] += result.weights[i] }
        #expect(zip(sums, Self.genderTotals).allSatisfy { abs($0 - $1) < 1 })
    }

    /// What the report says of its weights: whether raking converged, in how many passes, the margin error left,
    /// and the weights' range, CV and Kish design effect (hand-worked below).
    @Test func rakingSaysHowItEndedAndWeightsAreSummarised() throws {
        let margins: [Raking.Margin] = [
            .init(name: "gender", category: Self.gender, totals: Self.genderTotals),
            .init(name: "program", category: Self.program, totals: Self.programTotals),
            .init(name: "country", category: Self.country, totals: Self.countryTotals),
        ]
        let full = try Raking().rake(Array(repeating: 1, count: Self.n), margins: margins)
        let cut = try Raking(maxIterations: 1).rake(Array(repeating: 1, count: Self.n), margins: margins)
        #expect(full.converged && full.largestMarginError < 1e-3, "\(full.largestMarginError)")
        #expect(!cut.converged && cut.largestMarginError > full.largestMarginError, "\(cut.largestMarginError)")
        #expect(Report.weightNote(cut).hasPrefix("Raking did not converge in 1 passes"))
        #expect(Report.weightNote(full).hasPrefix("Raking converged in \(full.iterations + 1) passes; the largest margin error left is "))
        // [1, 1, 2, 4]: mean 2, variance 22/4 − 4 = 1.5, CV √1.5 / 2, deff 4 · 22 / 8² = 1.375 = 1 + CV², effective n 64 / 22.
        let s = try #require(WeightSummary([1, 1, 2, 4]))
        #expect(s.min == 1 && s.max == 4 && s.mean == 2)
        #expect(abs(s.cv - 1.5.squareRoot() / 2) < 1e-15 && abs(s.kishDeff - 1.375) < 1e-15 && abs(s.effectiveN - 64.0 / 22) < 1e-12)
        #expect(abs(s.kishDeff - (1 + s.cv * s.cv)) < 1e-12)
        #expect(WeightSummary([]) == nil && WeightSummary([1, 1]).map(\.kishDeff) == 1)
    }

    /// Trimming the raked weights (as R survey's trimWeights): none above the cap, the total kept, the note says how
    /// many were capped and the margin error left.
    @Test func trimmedWeightsAreCappedAndSaySo() throws {
        // 100 in the frame; of 10 respondents only one is a woman, so raking gives her a weight far above the rest.
        var frame: [FrameWeighting.Member] = []
        for i in 0..<100 {
            frame.append(.init(responded: i < 9 || i == 50, traits: ["gender": i < 50 ? "man" : "woman"]))
        }
        let raked = try FrameWeighting.weigh(frame: frame, margins: ["gender"], characteristics: ["gender"])
        #expect(raked.weighting.raking.weights.max().map { abs($0 - 50) < 1e-9 } == true && raked.weighting.trim == nil)
        let trimmed = try FrameWeighting.weigh(frame: frame, margins: ["gender"], characteristics: ["gender"], trim: 3)
        let w = trimmed.weighting.raking.weights
        let cap = 3 * 100.0 / 10
        #expect(w.allSatisfy { $0 <= cap + 1e-9 } && abs(w.reduce(0, +) - 100) < 1e-9, "\(w)")
        let t = try #require(trimmed.weighting.trim)
        #expect(t.ratio == 3 && t.capped == 1 && t.marginError > 0.3, "\(t)")
        let form = try XLSForm(survey: try XLSFormSheet.csv("type,name,label\ninteger,n,N\n", name: "survey"), choices: nil)
        var tabulation = Tabulation(form: form, respondents: Array(repeating: ["n": "1"], count: 10), today: Date())
        tabulation.weighting = trimmed.weighting
        let note = Report(title: "t", tabulation: tabulation).weighting ?? ""
        #expect(note.contains("Trimmed at 3 times the mean weight (as R survey's trimWeights): 1 weight capped"), "\(note)")
        #expect(note.contains("Weights: min ") && note.contains("Kish design effect"), "\(note)")
        // The one rule the report and the export apply to a trim before using it.
        #expect(FrameWeighting.trimProblem(nil, margins: []) == nil && FrameWeighting.trimProblem(3, margins: ["gender"]) == nil)
        #expect(FrameWeighting.trimProblem(1, margins: ["gender"]) == "trim: a number of times the mean weight, more than 1 and at most 100")
        #expect(FrameWeighting.trimProblem(.infinity, margins: ["gender"]) != nil && FrameWeighting.trimProblem(101, margins: ["gender"]) != nil)
        #expect(FrameWeighting.trimProblem(3, margins: []) == "trim: trimming applies to raked weights; choose what to rake to")
    }

    /// A weighted table prints each estimate's standard error, design effect and effective n beside it, the same
    /// numbers the estimator gives (which agree with R's svymean(deff = TRUE), above).
    @Test func weightedTablesPrintStandardErrorsAndDesignEffects() throws {
        var frame: [FrameWeighting.Member] = []
        for i in 0..<200 { frame.append(.init(responded: i % 4 == 0 || i < 20, traits: ["gender": i < 120 ? "man" : "woman"])) }
        let weighting = try FrameWeighting.weigh(frame: frame, margins: ["gender"], characteristics: ["gender"]).weighting
        let form = try XLSForm(survey: try XLSFormSheet.csv("type,name,label\nselect_one yn,working,Working?\n", name: "survey"),
                               choices: try XLSFormSheet.csv("list_name,name,label\nyn,yes,Yes\nyn,no,No\n", name: "choices"))
        let respondents = frame.indices.filter { frame[$0].responded }
        let answers = respondents.map { ["working": $0 % 3 == 0 ? "yes" : "no"] }
        var tabulation = Tabulation(form: form, respondents: answers, today: Date())
        tabulation.weighting = weighting
        let report = Report(title: "w", tabulation: tabulation, suppression: nil)
        let yes = try #require(report.tables.first?.rows.first)
        let estimate = try #require(WeightedProportion.logit(respondents.map { $0 % 3 == 0 }, weights: weighting.raking.weights, raking: weighting.raking))
        #expect(abs((yes.se ?? 0) - 100 * estimate.standardError) < 1e-12 && yes.deff == estimate.designEffect && yes.effectiveN == estimate.effectiveN)
        #expect((yes.deff ?? 0) > 0 && (yes.effectiveN ?? 0) > 0)
        #expect(report.markdown().contains("| SE | deff | effective n |"))
        #expect(report.htmlBody().contains(">effective n</th>"))
        let csv = report.csv().split(separator: "\n")
        #expect(csv[0].hasSuffix(",se,deff,effective_n") && csv[1].split(separator: ",", omittingEmptySubsequences: false).count == 17)
    }

    @Test func aCategoryWithoutRespondentsIsRefused() {
        #expect(throws: Raking.Failure.emptyCategory(margin: "gender", category: 2)) {
            try Raking().rake([1, 1], margins: [.init(name: "gender", category: [0, 1], totals: [1, 1, 1])])
        }
    }

    @Test func weightedLogitIntervalAgreesWithSvyciprop() throws {
        let output = try runR(Self.rData + """

            des <- svydesign(ids = ~1, weights = ~w2, data = d)
            ci <- svyciprop(~y, des, method = "logit")
            m <- svymean(~y, des)
            cat(sprintf("%.17g %.17g %.17g %.17g %.17g", coef(ci), attr(ci, "ci")[1], attr(ci, "ci")[2], SE(m), qt(0.975, 239)))
            """)
        let r = output.split(separator: " ").compactMap { Double($0) }
        #expect(r.count == 5)
        let weights = (0..<Self.n).map { 1 + Double($0 % 5) }
        let e = try #require(WeightedProportion.logit(Self.outcome, weights: weights))
        #expect(agree(e.proportion, r[0], relative: 1e-12))
        #expect(agree(e.interval.lower, r[1]) && agree(e.interval.upper, r[2]), "\(e.interval) vs R \(r[1]) \(r[2])")
        #expect(agree(e.standardError, r[3]))
        #expect(agree(Intervals.studentQuantile(0.975, degreesOfFreedom: 239), r[4], relative: 1e-11))
    }

    /// After raking, the interval is the raked design's: R's svyciprop on rake()'s design.
    @Test func rakedLogitIntervalAgreesWithSvyciprop() throws {
        let output = try runR(Self.rData + """

            des <- svydesign(ids = ~1, weights = ~w2, data = d)
            r <- rake(des, list(~g, ~p, ~c), list(data.frame(g = factor(0:2), Freq = c(5200, 4300, 500)),
                      data.frame(p = factor(0:3), Freq = c(3000, 2500, 2700, 1800)), data.frame(c = factor(0:2), Freq = c(6000, 2600, 1400))))
            ci <- svyciprop(~y, r, method = "logit")
            m <- svymean(~y, r)
            cat(sprintf("%.17g %.17g %.17g %.17g", coef(ci), attr(ci, "ci")[1], attr(ci, "ci")[2], SE(m)))
            """)
        let r = output.split(separator: " ").compactMap { Double($0) }
        #expect(r.count == 4)
        let start = (0..<Self.n).map { 1 + Double($0 % 5) }
        let raked = try Raking().rake(start, margins: [
            .init(name: "gender", category: Self.gender, totals: Self.genderTotals),
            .init(name: "program", category: Self.program, totals: Self.programTotals),
            .init(name: "country", category: Self.country, totals: Self.countryTotals),
        ])
        let e = try #require(WeightedProportion.logit(Self.outcome, weights: raked.weights, raking: raked))
        #expect(agree(e.proportion, r[0]))
        #expect(agree(e.standardError, r[3]), "SE \(e.standardError) vs R \(r[3])")
        #expect(agree(e.interval.lower, r[1]) && agree(e.interval.upper, r[2]), "\(e.interval) vs R \(r[1]) \(r[2])")
        let unraked = try #require(WeightedProportion.logit(Self.outcome, weights: raked.weights))
        #expect(abs(unraked.standardError - e.standardError) > 1e-6, "raking changes the standard error")
    }

    /// A question asked of only some respondents: the estimate over its domain of a raked design, as R's
    /// svyciprop on subset(rake(...), asked).
    @Test func aDomainOfARakedDesignAgreesWithSvyciprop() throws {
        let output = try runR(Self.rData + """

            d$asked <- (0:239) %% 3 != 0
            des <- svydesign(ids = ~1, weights = ~w2, data = d)
            r <- rake(des, list(~g, ~p, ~c), list(data.frame(g = factor(0:2), Freq = c(5200, 4300, 500)),
                      data.frame(p = factor(0:3), Freq = c(3000, 2500, 2700, 1800)), data.frame(c = factor(0:2), Freq = c(6000, 2600, 1400))))
            s <- subset(r, asked)
            ci <- svyciprop(~y, s, method = "logit")
            m <- svymean(~y, s, deff = TRUE)
            cat(sprintf("%.17g %.17g %.17g %.17g %.17g", coef(ci), attr(ci, "ci")[1], attr(ci, "ci")[2], SE(m), deff(m)))
            """)
        let r = output.split(separator: " ").compactMap { Double($0) }
        #expect(r.count == 5)
        let raked = try Raking().rake((0..<Self.n).map { 1 + Double($0 % 5) }, margins: [
            .init(name: "gender", category: Self.gender, totals: Self.genderTotals),
            .init(name: "program", category: Self.program, totals: Self.programTotals),
            .init(name: "country", category: Self.country, totals: Self.countryTotals),
        ])
        let asked = (0..<Self.n).map { $0 % 3 != 0 }
        let e = try #require(WeightedProportion.logit(Self.outcome, weights: raked.weights, raking: raked, domain: asked))
        #expect(e.n == 160)
        #expect(agree(e.proportion, r[0]))
        #expect(agree(e.standardError, r[3]), "SE \(e.standardError) vs R \(r[3])")
        #expect(agree(e.interval.lower, r[1]) && agree(e.interval.upper, r[2]), "\(e.interval) vs R \(r[1]) \(r[2])")
        #expect(e.designEffect.map { agree($0, r[4]) } == true, "deff \(String(describing: e.designEffect)) vs R \(r[4])")
        #expect(e.effectiveN.map { abs($0 - 160 / r[4]) < 1e-9 * 160 } == true)
    }

    @Test func trimmingCapsWeightsAndKeepsTheTotal() {
        let w = [1.0, 1, 1, 1, 16]
        let trimmed = Raking.trim(w, maxRatioToMean: 2)
        #expect(abs(trimmed.reduce(0, +) - 20) < 1e-9)
        #expect(trimmed.max()! <= 2 * 20 / 5 + 1e-9)
        #expect(trimmed[0] == trimmed[3], "the others share what was cut equally, as R's trimWeights shares it")
    }
}

@Suite struct ReportTests {
    @Test func aReportPrintsEveryTableWithItsBase() throws {
        let people = try TabulationTests().table2Respondents()
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: CalendarDay.date(year: 2023, month: 4, day: 1)!)
        let report = Report(title: "Follow-up", tabulation: t)
        let benefits = try #require(report.tables.first { $0.item == "benefits" })
        #expect(benefits.kind == "select_multiple" && benefits.base == 67 && benefits.rows.count == 16)
        let md = report.markdown()
        #expect(md.contains("| option | n | % of respondents (n = 67) | 95% interval |"))
        #expect(md.contains("| Learned something new | 63 | 94% |"))
        #expect(md.contains("Percent of the 22 respondents who answered (n = 22). Respondents could choose more than one option"))
        let csv = report.csv()
        #expect(csv.hasPrefix("item,label,kind,group,option,option_label,count,base,shown,percent,lower,upper,value,suppressed,se,deff,effective_n\n"))
        #expect(csv.contains("benefits,") && csv.contains(",63,67,67,94.02985075,"))
        let decoded = try JSONDecoder().decode(Report.self, from: Data(try report.json().utf8))
        #expect(decoded == report)
    }

    @Test func aStoredScreeningResultDecidesRelevanceInTables() throws {
        // Answered "completed a year ago" but the record screened them out: the stored result stands.
        let people: [[String: String]] = [["completed_program": "yes", "completion_date": "2021-01-01", "eligible": "no", "gender": "female"]]
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: CalendarDay.date(year: 2023, month: 4, day: 1)!)
        #expect(t.choices("gender")?.shown == 0, "the demographics were never shown to a screened-out respondent")
    }

    /// The seed published counts of 2 of 67; Pathways prints them exactly when suppression is turned off (as for
    /// a table checked and released by hand), and by default hides every count under 10 so none can be worked out.
    @Test func theSeedsTable2PrintsExactlyUnsuppressedAndProtectedByDefault() throws {
        let people = try TabulationTests().table2Respondents()
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: CalendarDay.date(year: 2023, month: 4, day: 1)!)
        let open = Report(title: "Follow-up", tabulation: t, suppression: nil)
        let benefits = try #require(open.tables.first { $0.item == "benefits" })
        #expect(benefits.rows.map { Tabulation.percent(($0.percent ?? -100) / 100) } == TabulationTests.table2Printed)
        #expect(open.threshold == nil && !open.markdown().contains("‡"))

        let protected = Report(title: "Follow-up", tabulation: t)
        let hidden = try #require(protected.tables.first { $0.item == "benefits" })
        #expect(hidden.rows.map { $0.suppressed == true } == TabulationTests.table2Counts.map { $0 < 10 })
        #expect(hidden.rows.allSatisfy { $0.suppressed == true ? $0.count == nil && $0.percent == nil && $0.lower == nil : $0.count != nil })
        #expect(hidden.base == 67)
        let md = protected.markdown()
        #expect(md.contains("| Learned something new | 63 | 94% |"))
        #expect(md.contains("Counts below 10 are hidden (‡)"))
        // The twenty-two who were asked about ways of improving: every count there is small or hides one.
        let ways = try #require(protected.tables.first { $0.item == "ways" })
        #expect(ways.rows.allSatisfy { ($0.count ?? 10) >= 10 || $0.count == 0 })
    }

    /// The seed's Table 1 heads its demographics "n=59-62": each item's base differs by nonresponse, and the report
    /// heads the form's group with that range.
    @Test func aGroupOfItemsIsHeadedWithTheRangeOfItsBases() throws {
        var people = try TabulationTests().table2Respondents()
        let answered = ["gender": 59, "birth_year": 62, "hispanic": 61, "race": 60, "country": 60, "english": 62, "education": 61, "student": 59]
        let values = ["gender": "female", "birth_year": "1985", "hispanic": "no", "race": "white", "country": "US", "english": "fluent",
                      "education": "bachelors", "student": "not_student"]
        for (item, n) in answered { for i in 0..<n { people[i][item] = values[item] } }
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: CalendarDay.date(year: 2023, month: 4, day: 1)!)
        let report = Report(title: "Follow-up", tabulation: t)
        let about = try #require(report.sections.first { $0.name == "about_you" })
        #expect(about.heading == "About you (n=59-62)")
        #expect(about.items == ["gender", "birth_year", "hispanic", "race", "country", "english", "education", "student"])
        #expect(report.markdown().contains("\n## About you (n=59-62)\n\n### What is your gender?"))
        #expect(report.htmlBody().contains("<h2 class=\"report-section\">About you (n=59-62)</h2>"))
    }

    /// Weighted shares are taken over the same base as the counts: with equal weights they are the unweighted shares,
    /// for a conditional question and one with item nonresponse alike.
    @Test func equalWeightsGiveTheUnweightedSharesOverTheSameBase() throws {
        var people = try TabulationTests().table2Respondents()
        for i in 0..<3 { people[i]["benefits"] = nil }
        var t = Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: CalendarDay.date(year: 2023, month: 4, day: 1)!)
        let raking = try Raking().rake(Array(repeating: 2, count: people.count), margins: [.init(name: "all", category: Array(repeating: 0, count: people.count), totals: [134])])
        t.weighting = .init(raking: raking, margins: ["all"])
        for item in ["benefits", "ways"] {
            let table = try #require(t.choices(item))
            #expect(table.weighted && table.baseNote.contains("Percents are weighted"))
            for row in table.rows {
                let w = try #require(row.weightedShare)
                #expect(abs(w - row.share) < 1e-12, "\(item)=\(row.name): \(w) vs \(row.share)")
            }
        }
    }

    @Test func splitTablesPrintNoSmallCountAndKeepRespondentsWithoutAGroup() throws {
        let people = try ResponseColumnsTests().randomRespondents(400, seed: 21)
        let t = Tabulation(form: try DemoInstruments.form(.followup), respondents: people, today: CalendarDay.date(year: 2023, month: 4, day: 1)!)
        let report = Report(title: "By gender", tabulation: t, by: "gender")
        var hiddenCells = 0
        for table in report.tables where table.kind.hasPrefix("select") {
            let groups = try #require(table.groups)
            #expect(groups.last?.label == "No value", "\(table.item): respondents without a gender have a column")
            for row in table.rows + groups.flatMap(\.rows) {
                if row.suppressed == true { hiddenCells += 1 } else { #expect(!(1..<10).contains(row.count ?? 0), "\(table.item): \(row)") }
            }
            #expect(groups.map(\.base).reduce(0, +) == table.base)
        }
        #expect(hiddenCells > 20)
        #expect(report.markdown().contains("| No value (n = "))
    }
}

@Suite struct NonresponseBiasTests {
    @Test func respondentsAreComparedWithTheFrameBeforeAndAfterWeighting() throws {
        let genders = ["F", "F", "F", "F", "M", "M", "M", "M", "M", "M"]
        let frame = genders.enumerated().map { i, g in ["gender": g, "program": i == 9 ? "" : (i % 2 == 0 ? "stats" : "econ")] }
        let responded = [true, true, true, false, true, true, false, false, false, false]
        // Weights that restore the frame's gender shares: 4 women carried by 3, 6 men by 2.
        let weights = genders.map { $0 == "F" ? 4.0 / 3 : 3.0 }
        let rows = NonresponseBias.table(characteristics: ["gender", "program"], frame: frame, responded: responded, weights: weights)
        let women = try #require(rows.first { $0.characteristic == "gender" && $0.category == "F" })
        let share = try #require(women.respondentShare), d = try #require(women.standardizedDifference)
        #expect(abs(women.frameShare - 0.4) < 1e-12 && abs(share - 0.6) < 1e-12)
        #expect(abs(d - 0.2 / 0.24.squareRoot()) < 1e-12)
        #expect(abs(try #require(women.weightedShare) - 0.4) < 1e-12)
        #expect(abs(try #require(women.weightedStandardizedDifference)) < 1e-12, "weighting removes the imbalance it was built on")
        #expect(rows.contains { $0.characteristic == "program" && $0.category == "(unknown)" && abs($0.frameShare - 0.1) < 1e-12 },
                "a member with no recorded program is counted as unknown, not dropped")
        #expect(NonresponseBias.table(characteristics: ["gender"], frame: frame, responded: responded).allSatisfy { $0.weightedShare == nil })
    }
}

@Suite struct RespondentExportTests {
    @Test func aSelectMultipleIsMissingWhereItWasNotAskedAndTextStaysOutByDefault() throws {
        let form = try DemoInstruments.form(.followup)
        let asked = ["completed_program": "yes", "completion_date": "2021-06-01", "benefits": "job_performance raise", "ways": "quality", "comments": "Thanks, \"great\""]
        let notAsked = ["completed_program": "yes", "completion_date": "2021-06-01", "benefits": "raise"]
        let csv = RespondentExport.wide(form, respondents: [.init(id: "r-1", answers: asked), .init(id: "r-2", answers: notAsked)],
                                        today: CalendarDay.date(year: 2023, month: 4, day: 1)!)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        func cell(_ row: Int, _ column: String) throws -> String { lines[row][try #require(header.firstIndex(of: column))] }
        #expect(try cell(1, "ways__quality") == "1" && cell(1, "ways__speed") == "0")
        #expect(try cell(2, "ways__quality") == "" && cell(2, "ways__speed") == "", "never shown: missing, not 0")
        #expect(try cell(2, "benefits__raise") == "1" && cell(2, "benefits__job_performance") == "0")
        #expect(try cell(1, "benefits") == "job_performance raise")
        #expect(!header.contains("comments") && !csv.contains("Thanks"), "open text only when asked for")
        #expect(!header.contains { $0.contains("name") || $0.contains("email") })
        let withText = RespondentExport.wide(form, respondents: [.init(id: "r-1", answers: asked)], includeText: true, today: Date())
        #expect(withText.contains("\"Thanks, \"\"great\"\"\""))
        // CSV injection: a text answer that a spreadsheet would run as a formula is written as text.
        var formula = asked
        formula["comments"] = "=HYPERLINK(\"http://x.test\",\"click\")"
        formula["sector"] = "@SUM(A1)"
        let safe = RespondentExport.wide(form, respondents: [.init(id: "r-1", answers: formula)], includeText: true, today: Date())
        #expect(safe.contains(",\"'=HYPERLINK(\"\"http://x.test\"\",\"\"click\"\")\"") && !safe.contains(",=HYPERLINK"))
        let long = RespondentExport.long(form, respondents: [.init(id: "r-1", answers: formula)], includeText: true)
        #expect(long.contains("r-1,comments,\"'=HYPERLINK"))
        #expect(CSVTable.inert("-5") == "'-5" && CSVTable.inert("5") == "5" && CSVTable.inert("") == "")
        let dictionary = RespondentExport.dictionary(form)
        #expect(dictionary.contains("ways__quality,") && dictionary.contains("empty = not asked or not answered"))
    }

    @Test func thePanelExportPutsWavesSideBySide() throws {
        let start = try DemoInstruments.form(.start), followup = try DemoInstruments.form(.followup)
        let today = CalendarDay.date(year: 2023, month: 4, day: 1)!
        let w1 = RespondentExport.Wave(number: 1, form: start, respondents: [
            .init(id: "p-a", answers: ["employment": "full_time"]), .init(id: "p-b", answers: ["employment": "unemployed_looking"]),
        ], today: today)
        let w3 = RespondentExport.Wave(number: 3, form: followup, respondents: [
            .init(id: "p-b", answers: ["completed_program": "yes", "completion_date": "2021-06-01", "eligible": "yes", "employment": "full_time"]),
            .init(id: "p-c", answers: ["completed_program": "no", "eligible": "no"]),
        ], today: today)
        let (csv, dictionary) = RespondentExport.panelWide([w1, w3])
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        func cell(_ id: String, _ column: String) throws -> String {
            let row = try #require(lines.first { $0.first == id })
            return row[try #require(header.firstIndex(of: column))]
        }
        #expect(lines.count == 4 && lines.dropFirst().map { $0[0] } == ["p-a", "p-b", "p-c"])
        #expect(lines.allSatisfy { $0.count == header.count })
        #expect(try cell("p-a", "w1_responded") == "1" && cell("p-a", "w3_responded") == "0" && cell("p-a", "w3_employment") == "")
        #expect(try cell("p-b", "w1_employment") == "unemployed_looking" && cell("p-b", "w3_employment") == "full_time")
        #expect(try cell("p-c", "w1_responded") == "0" && cell("p-c", "w3_completed_program") == "no")
        #expect(dictionary.contains("w3_employment,Wave 3: What is your current employment situation?,select_one,"))
    }

    /// The R import script, run by R on the exported file, gives typed columns with the form's labels.
    @Test func theRScriptReadsTheExportWithTypesAndLabels() throws {
        let form = try DemoInstruments.form(.followup)
        let people: [RespondentExport.Respondent] = [
            .init(id: "p1", answers: ["completed_program": "yes", "completion_date": "2021-06-01", "eligible": "yes", "gender": "female",
                                      "birth_year": "1980", "income": "52000.5", "benefits": "job_performance raise", "ways": "quality",
                                      "comments": "Said \"yes\", then\nleft"]),
            .init(id: "p2", answers: ["completed_program": "no", "eligible": "no"]),
        ]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-r-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let today = CalendarDay.date(year: 2023, month: 4, day: 1)!
        try RespondentExport.wide(form, respondents: people, includeText: true, today: today).write(to: folder.appendingPathComponent("respondents.csv"), atomically: true, encoding: .utf8)
        try RespondentExport.rScript(form, includeText: true).write(to: folder.appendingPathComponent("import.R"), atomically: true, encoding: .utf8)
        let out = try runR("""
            setwd("\(folder.path)"); source("import.R")
            cat(nrow(d), class(d$gender), levels(d$gender)[1], as.character(d$gender[1]), is.na(d$gender[2]), "\\n")
            cat(class(d$birth_year), d$birth_year[1], class(d$income), format(d$income[1], nsmall = 1), class(d$completion_date), format(d$completion_date[1]), "\\n")
            cat(d$benefits__raise, d$ways__quality, d$ways__speed, class(d$ways__quality), "\\n")
            cat(attr(d$gender, "label"), "|", gsub("\\n", "/", d$comments[1]), "\\n")
            """)
        let lines = out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.count == 4)
        #expect(lines[0] == "2 factor Female Female TRUE")
        #expect(lines[1] == "integer 1980 numeric 52000.5 Date 2021-06-01")
        #expect(lines[2] == "1 NA 1 NA 0 NA integer", "a question not asked is NA, not 0")
        #expect(lines[3] == "What is your gender? | Said \"yes\", then/left")
        let long = RespondentExport.long(form, respondents: people)
        #expect(long.hasPrefix("respondent_id,item,value\n") && long.contains("p1,benefits,job_performance raise\n") && !long.contains("comments"))
        let stata = RespondentExport.stataScript(form, includeText: true)
        #expect(stata.contains("rename v1 respondent_id") && stata.contains("label define l_gender 1 `\"Female\"'"))
        let longest = stata.split(separator: "\n").filter { $0.hasPrefix("rename v") }.map { $0.split(separator: " ")[2].count }.max() ?? 0
        #expect(longest <= 32, "Stata names are 32 characters at most")
    }
}
