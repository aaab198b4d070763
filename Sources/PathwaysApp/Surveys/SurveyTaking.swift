import Foundation
import PathwaysCore
import PathwaysStore

/// Taking a survey from a personal link: the link is the only credential (one never issued is the same plain "not
/// found" as a mistyped one); pages are checked on the server, saved as the respondent goes and resumable from the same
/// link; the study's screening is checked against stored records.
public struct SurveyTaking: Sendable {
    let fieldwork: FieldworkRepository
    let studies: StudyRepository
    let learners: LearnerRepository
    let versions: VersionCache

    public init(store: Store, versions: VersionCache) {
        fieldwork = FieldworkRepository(store: store)
        studies = StudyRepository(store: store)
        learners = LearnerRepository(store: store)
        self.versions = versions
    }

    /// What a link reaches.
    public struct Link: Sendable {
        public var `case`: WaveCase
        public var wave: Wave
        public var study: Study
        public var version: InstrumentVersion
        /// The language pages are shown in: the one the respondent chose, else the form's default.
        public var language: String { `case`.language.flatMap { version.form.languages.contains($0) ? $0 : nil } ?? version.form.defaultLanguage }
    }

    /// Why a link shows no page.
    public enum Finished: Sendable, Equatable {
        case notEligible, submitted, optedOut, closed
    }

    public enum Opened: Sendable {
        case finished(Finished)
        case page(SurveyRun, index: Int)
        case nothingToAnswer
    }

    public enum Submitted: Sendable {
        /// Saved; `stale` when another window or a second click got there first and nothing was written.
        case saved(stale: Bool)
        /// The page's answers did not pass: show it again with the messages and what was typed.
        case refused(SurveyRun, page: Int, errors: SurveyRun.PageErrors)
        /// Kept to finish later (`SurveyRun.keepForLater`): the link reopens this page. `notKept` names typed values that
        /// failed their checks and were left out.
        case keptForLater(notKept: SurveyRun.PageErrors, closesAt: Date)
    }

    static let invalidLink = UseCaseError.notFound("This survey link is not valid. Please use the link from your most recent message.")

    public func link(token: String) async throws -> Link {
        guard let c = try await fieldwork.case(token: token),
              let wave = try await studies.wave(id: c.waveID), let study = try await studies.study(id: wave.studyID),
              let version = try await versions.version(wave.instrumentVersionID, studies)
        else { throw Self.invalidLink }
        return Link(case: c, wave: wave, study: study, version: version)
    }

    static func finished(_ link: Link, now: Date) -> Finished? {
        let c = link.case
        if c.disposition == .notEligible { return .notEligible }
        if c.submittedAt != nil { return .submitted }
        if c.optedOutAt != nil { return .optedOut }
        if now >= link.wave.closesAt { return .closed }
        return nil
    }

    /// The run as stored, with a screening already decided pinned.
    func run(_ link: Link, now: Date) async throws -> SurveyRun {
        let stored = SurveyRun(form: link.version.form, answers: try await fieldwork.answers(caseID: link.case.id, version: link.version), today: now)
        return SurveySubmission.prepared(stored, wave: link.wave, study: link.study, case: link.case)
    }

    /// Opens the link: the page where the respondent stands (recording that they opened it), or why there is none.
    public func open(token: String, now: Date = Date()) async throws -> (Link, Opened) {
        let link = try await link(token: token)
        if let finished = Self.finished(link, now: now) { return (link, .finished(finished)) }
        try await fieldwork.markOpened(link.case, now: now)
        let run = try await run(link, now: now)
        let c = link.case
        let page = c.currentPage.flatMap { run.pages.indices.contains($0) && run.isShown(run.pages[$0]) ? $0 : nil } ?? run.nextPage(after: nil)
        guard let page else { return (link, .nothingToAnswer) }
        return (link, .page(run, index: page))
    }

    /// Submits a page (`action` "back" goes to the page before, keeping what was typed). A closed or finished link,
    /// or a stale revision, saves nothing.
    /// `uploads` are the files the page sent for its file questions (`SurveyRun.takingUploads` decides which are taken).
    public func submit(token: String, values posted: [String: [String]], uploads: [SurveyUpload] = [], now: Date = Date()) async throws -> (Link, Submitted) {
        let link = try await link(token: token)
        let c = link.case
        guard c.isOpen, now < link.wave.closesAt else { return (link, .saved(stale: false)) }
        guard posted["revision"]?.first == String(c.revision) else { return (link, .saved(stale: true)) }
        var run = try await run(link, now: now)
        guard let page = posted["page"]?.first.flatMap(Int.init), run.pages.indices.contains(page) else {
            throw UseCaseError.invalid("the form did not say which page it was")
        }
        let (values, files, fileErrors) = run.takingUploads(posted, uploads, page: page)
        if values["action"]?.first == "back" {
            let saved = try await fieldwork.save(c, answers: run.answers, version: link.version, progress: SurveySubmission.back(run, from: page), files: files, now: now)
            return (link, .saved(stale: !saved))
        }
        // Another of the form's languages: what the page holds is kept (as for later), and the case keeps the choice.
        if let chosen = values["action"]?.first, chosen.hasPrefix("language:") {
            let language = String(chosen.dropFirst(9))
            guard run.form.languages.contains(language) else { throw UseCaseError.invalid("language: this form has no language \(language)") }
            _ = run.keepForLater(page: page, values: values, language: link.language)
            var progress = SurveySubmission.later(run, page: page)
            progress.language = language
            let saved = try await fieldwork.save(c, answers: run.answers, version: link.version, progress: progress, files: files, now: now)
            return (link, .saved(stale: !saved))
        }
        // Cascading choices, a repeat's add and remove: what the page holds is kept (as for later) and the same page
        // comes back, its choice lists filtered by it, its instances as asked.
        if SurveyRun.redrawsPage(values["action"]?.first) {
            _ = run.keepForLater(page: page, values: values, language: link.language)
            // A repeat's "add another" or "remove": the same page comes back with one instance more or less.
            _ = run.applyInstanceAction(values["action"]?.first)
            let saved = try await fieldwork.save(c, answers: run.answers, version: link.version, progress: SurveySubmission.later(run, page: page), files: files, now: now)
            return (link, .saved(stale: !saved))
        }
        if values["action"]?.first == "later" {
            let notKept = run.keepForLater(page: page, values: values, language: link.language).merging(fileErrors) { a, _ in a }
            let saved = try await fieldwork.save(c, answers: run.answers, version: link.version, progress: SurveySubmission.later(run, page: page), files: files, now: now)
            return (link, saved ? .keptForLater(notKept: notKept, closesAt: link.wave.closesAt) : .saved(stale: true))
        }
        let before = run
        // A file that was not taken refuses the page as a wrong answer does (its message beside the question).
        let errors = run.submit(page: page, values: values, language: link.language).merging(fileErrors) { _, file in file }
        if !errors.isEmpty {
            // The answers that pass are kept as "save and finish later" keeps them, so leaving now loses only the
            // ones refused; the page comes back as typed, at the revision just written.
            var kept = before
            _ = kept.keepForLater(page: page, values: values, language: link.language)
            var shownLink = link
            if try await fieldwork.save(c, answers: kept.answers, version: link.version, progress: SurveySubmission.later(kept, page: page), files: files, now: now) {
                shownLink.case.revision += 1
            }
            var shown = before
            shown.submitUnchecked(page: page, values: values)
            return (shownLink, .refused(shown, page: page, errors: errors))
        }
        // Screening: decided by the page that asks it, once, against the records as they are now.
        var record: Bool?
        if SurveySubmission.screeningToDecide(run, page: page, wave: link.wave, case: c) != nil {
            let completions = Array(try await learners.recordCompletions(learnerID: c.learnerID).values)
            record = Screening.recordSaysEligible(completions: completions, months: link.wave.eligibilityMonths, now: now)
        }
        let progress = SurveySubmission.progress(&run, page: page, wave: link.wave, study: link.study, case: c, recordEligible: record, language: link.language)
        let saved = try await fieldwork.save(c, answers: run.answers, version: link.version, progress: progress, files: files, now: now)
        return (link, .saved(stale: !saved))
    }

    /// Opts out of the study from its link (`FieldworkRepository.optOut`).
    public func optOut(token: String, now: Date = Date()) async throws {
        try await fieldwork.optOut(try await link(token: token).case, now: now)
    }
}
