import Foundation

/// The decisions behind saving a page of a survey, without I/O: which page comes next, whether the respondent is
/// screened out, when the response is complete. The use case loads the case, asks the records when
/// `screeningToDecide` says this page decides the screening, and stores what `progress` returns.
public enum SurveySubmission {
    /// The run as stored, with a screening already decided pinned, so that no calculation undoes it.
    public static func prepared(_ run: SurveyRun, wave: Wave, study: Study, case c: WaveCase) -> SurveyRun {
        var run = run
        if let item = wave.screenItem, let screening = c.screening { run.pin(item, to: screening.eligible(by: study.eligibilitySource) ? "yes" : "no") }
        return run
    }

    /// The screening item this submitted page decides, when the case has no screening yet and the page answered it:
    /// the records must be asked before `progress`.
    public static func screeningToDecide(_ run: SurveyRun, page: Int, wave: Wave, case c: WaveCase) -> String? {
        guard let item = wave.screenItem, c.screening == nil, run.decides(item, page: page), run.answers[item] != nil else { return nil }
        return item
    }

    /// What the page leads to, once its answers passed (`run.submit` found no errors). `recordEligible` is the records'
    /// answer when `screeningToDecide` named an item. The screening, once decided, is pinned into `run`.
    public static func progress(_ run: inout SurveyRun, page: Int, wave: Wave, study: Study, case c: WaveCase, recordEligible: Bool?,
                                language: String) -> SurveyProgress {
        var screening = c.screening
        if let item = screeningToDecide(run, page: page, wave: wave, case: c), let record = recordEligible {
            let decided = Screening(record: record, reported: run.answers[item] == "yes")
            screening = decided
            run.pin(item, to: decided.eligible(by: study.eligibilitySource) ? "yes" : "no")
        }
        let eligible = screening.map { $0.eligible(by: study.eligibilitySource) } ?? true
        let next = eligible ? run.nextPage(after: page) : nil
        var progress = SurveyProgress(currentPage: next ?? page, answeredShare: run.answeredShare,
                                      screening: screening != c.screening ? screening : nil)
        if !eligible {
            progress.disposition = .notEligible
        } else if next == nil {
            // The last page: complete when nothing anywhere is left to answer, else back to the first page with a gap.
            if let (firstPage, _) = run.remainingErrors(language: language).min(by: { $0.key < $1.key }) {
                progress.currentPage = firstPage
            } else {
                progress.disposition = .complete
            }
        }
        return progress
    }

    /// Saving to finish later stays on the page, so the link brings the respondent back to it; nothing is decided:
    /// no screening, no disposition (a case left so stays a partial or a break-off by its answered share).
    public static func later(_ run: SurveyRun, page: Int) -> SurveyProgress {
        SurveyProgress(currentPage: page, answeredShare: run.answeredShare)
    }

    /// Going back a page keeps what was typed and moves to the page before.
    public static func back(_ run: SurveyRun, from page: Int) -> SurveyProgress {
        SurveyProgress(currentPage: run.previousPage(before: page) ?? page, answeredShare: run.answeredShare)
    }
}
