import Foundation

/// Fills in a form the way a respondent might, page by page through `SurveyRun`, so every answer the demo
/// stores passed the same required/constraint/relevance checks a real one would.
public enum SimulatedRespondent {
    /// Answers pages in order until the form ends or `stopAfterPages` pages are done. `fixed` values are used as
    /// given (e.g. a screener answer matching the learner's record).
    public static func answer(_ form: XLSForm, rng: inout SeededRandom, today: Date, fixed: [String: String] = [:],
                              stopAfterPages: Int? = nil) -> SurveyRun {
        var run = SurveyRun(form: form, today: today)
        var page = run.nextPage(after: nil)
        var done = 0
        while let index = page {
            if let stop = stopAfterPages, done >= stop { break }
            var ok = false
            for _ in 0..<6 where !ok {
                let typed = values(run, page: index, rng: &rng, today: today, fixed: fixed)
                ok = run.submit(page: index, values: typed).isEmpty
            }
            if !ok { break }
            done += 1
            page = run.nextPage(after: index)
        }
        return run
    }

    /// What a respondent types on one page of `run`: questions whose condition reads this page are answered with it,
    /// as a person would; `fixed` values are used as given.
    public static func values(_ run: SurveyRun, page index: Int, rng: inout SeededRandom, today: Date, fixed: [String: String] = [:]) -> [String: [String]] {
        var values: [String: [String]] = [:]
        for q in run.displayedQuestions(on: run.pages[index]) where q.type.isInput {
            if let v = fixed[q.name] { values[q.name] = [v]; continue }
            values[q.name] = propose(q, run: run, rng: &rng, today: today)
        }
        return values
    }

    static func propose(_ q: XLSForm.Question, run: SurveyRun, rng: inout SeededRandom, today: Date) -> [String] {
        let skip = q.required == nil && rng.chance(0.1)
        if skip { return [] }
        switch q.type {
        case .integer:
            if q.name.contains("year") { return [String(1950 + Int(rng.next() % 55))] }
            return [String(Int(rng.next() % 10))]
        case .decimal: return [String(Double(rng.next() % 150_000))]
        case .date:
            return [CalendarDay.format(CalendarDay.adding(days: -Int(rng.next() % 1_400), to: today))]
        case .text:
            if q.name == "country" { return [["US", "IN", "GB", "NG", "BR", "DE", "MX"][Int(rng.next() % 7)]] }
            if q.appearance?.contains("multiline") == true {
                // Most leave an open question empty; those who write say what learners in the seed study said.
                return rng.chance(0.35) ? [comments[Int(rng.next() % UInt64(comments.count))]] : []
            }
            return [["Retail", "Healthcare", "Information technology", "Education", "Finance"][Int(rng.next() % 5)]]
        case .acknowledge: return ["OK"]
        case .selectOne:
            let choices = run.choices(for: q).filter { $0.name != "other" }
            return choices.isEmpty ? [] : [choices[Int(rng.next() % UInt64(choices.count))].name]
        case .selectMultiple:
            let choices = run.choices(for: q).filter { $0.name != "other" && $0.name != "none" && $0.name != "prefer_not_to_say" }
            guard !choices.isEmpty else { return [] }
            let n = 1 + Int(rng.next() % UInt64(min(3, choices.count)))
            return Array(choices.shuffled(using: &rng).prefix(n).map(\.name))
        default: return []
        }
    }

    /// What respondents write in open questions, in the words learners use about these credentials.
    static let comments = [
        "I worry that AI will take over the kind of work I trained for.",
        "Automation is already replacing entry-level analyst jobs where I live.",
        "Every job I looked at still asked for a bachelor's degree, even with the credential.",
        "Without a four-year degree my applications are screened out before anyone reads them.",
        "Studying at night around my job and my kids was the only way I could do this.",
        "The self-paced format made it possible while working full time.",
        "I needed help finding jobs that match what I learned; the job board had nothing relevant.",
        "I did not know about the workshops or interview days until it was too late.",
        "A mentor or career coach would have helped me turn this into a new job.",
        "My employer noticed and gave me more responsibility.",
        "The courses were harder than I expected but worth it.",
        "I got a raise six months after finishing.",
    ]
}
