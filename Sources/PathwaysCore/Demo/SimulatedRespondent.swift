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
                var values: [String: [String]] = [:]
                // What the page shows: questions whose condition reads this page are answered with it, as a person would.
                for q in run.displayedQuestions(on: run.pages[index]) where q.type.isInput {
                    if let v = fixed[q.name] { values[q.name] = [v]; continue }
                    values[q.name] = propose(q, run: run, rng: &rng, today: today)
                }
                ok = run.submit(page: index, values: values).isEmpty
            }
            if !ok { break }
            done += 1
            page = run.nextPage(after: index)
        }
        return run
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
}
