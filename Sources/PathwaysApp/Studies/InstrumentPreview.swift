import Foundation
import PathwaysCore
import PathwaysStore

/// An instrument version taken as a respondent takes it, page by page with its logic live, by a researcher or a
/// colleague testing it: no case, no stored answer, no message, and no rate counts it. The answers so far travel
/// in the page itself (`state`), since there is no case to keep them.
extension StudyAdministration {
    public enum PreviewStep: Sendable {
        /// A page to show; `errors` and `submitted` when the page was refused.
        case page(SurveyRun, Int, errors: SurveyRun.PageErrors, submitted: [String: [String]]?)
        /// Past the last page: what would have been stored.
        case finished(SurveyRun)
    }

    /// A file given for a file question is checked and named as a survey would name it; the preview keeps only the name.
    /// A form in several languages is previewed in any of them (`action` "language:<name>", then carried in the page's
    /// `language` field); the language comes back with the step.
    public func preview(_ study: Study, version id: UUID, values posted: [String: [String]]?, uploads: [SurveyUpload] = [],
                        now: Date = Date()) async throws -> (InstrumentVersion, PreviewStep, language: String) {
        let version = try await version(id, of: study)
        let form = version.form
        var language = posted?["language"]?.first.flatMap { form.languages.contains($0) ? $0 : nil } ?? form.defaultLanguage
        let answers = Self.decodeState(posted?["state"]?.first)
        var run = SurveyRun(form: form, answers: answers, today: now)
        guard let posted, let page = posted["page"]?.first.flatMap(Int.init), run.pages.indices.contains(page) else {
            guard let first = run.nextPage(after: nil) else { return (version, .finished(run), language) }
            return (version, .page(run, first, errors: [:], submitted: nil), language)
        }
        let (values, _, fileErrors) = run.takingUploads(posted, uploads, page: page)
        let action = values["action"]?.first
        if let action, action.hasPrefix("language:") {
            let chosen = String(action.dropFirst(9))
            guard form.languages.contains(chosen) else { throw UseCaseError.invalid("language: this form has no language \(chosen)") }
            language = chosen
            run.submitUnchecked(page: page, values: values)
            return (version, .page(run, page, errors: [:], submitted: nil), language)
        }
        if SurveyRun.redrawsPage(action) {
            run.submitUnchecked(page: page, values: values)
            _ = run.applyInstanceAction(action)
            return (version, .page(run, page, errors: [:], submitted: nil), language)
        }
        if action == "back" {
            run.submitUnchecked(page: page, values: values)
            return (version, .page(run, run.previousPage(before: page) ?? page, errors: [:], submitted: nil), language)
        }
        let before = run
        var errors = run.submit(page: page, values: values, language: language)
        if !fileErrors.isEmpty {
            run = before
            errors.merge(fileErrors) { _, file in file }
        }
        if !errors.isEmpty {
            var shown = run
            shown.submitUnchecked(page: page, values: values)
            return (version, .page(shown, page, errors: errors, submitted: values), language)
        }
        guard let next = run.nextPage(after: page) else { return (version, .finished(run), language) }
        return (version, .page(run, next, errors: [:], submitted: nil), language)
    }

    /// The preview's answers as a page field: base64url of their JSON.
    public static func encodeState(_ answers: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: answers, options: [.sortedKeys])) ?? Data("{}".utf8)
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decodeState(_ text: String?) -> [String: String] {
        guard let text, !text.isEmpty,
              let data = Data(base64Encoded: text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return [:] }
        return object
    }
}

extension StudyAdministration {
    /// Every version of the study's instruments with what changed since the one before it (empty for a first version).
    public func versionHistory(_ study: Study) async throws -> [(version: StudyRepository.VersionSummary, changes: [String])] {
        var result: [(version: StudyRepository.VersionSummary, changes: [String])] = []
        var previous: [String: InstrumentVersion] = [:]
        for summary in try await versionList(study) {
            guard let v = try await versions.version(summary.id, studies) else { continue }
            let changes = previous[summary.instrumentKey].map { InstrumentChanges.between($0.form, items: $0.items, and: v.form, items: v.items).lines } ?? []
            result.append((summary, changes))
            previous[summary.instrumentKey] = v
        }
        return result
    }
}

extension StudyAdministration {
    /// A test link to an instrument version, for a colleague who has no account: it opens the same preview (no case,
    /// nothing stored, no rate) for 14 days. Returns the link's path under the deployment's address.
    public func testLink(_ study: Study, version id: UUID, by p: Principal, now: Date = Date()) async throws -> String {
        guard AccessPolicy.canRunStudies(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) does not run studies") }
        let version = try await version(id, of: study)
        let token = try await AccountLinkRepository(store: store).create(.trial, userID: p.userID, subject: Self.trialSubject(study, version.id), now: now)
        try await audit.record(userID: p.userID, action: "create_test_link", subject: "study:\(study.key)", detail: "\(version.instrumentKey) v\(version.number)")
        return AccountLinkPurpose.trial.path(token)
    }

    /// The study and instrument version a test link opens; refused with the reason once it has expired.
    public func trial(_ token: String, now: Date = Date()) async throws -> (Study, UUID) {
        let link = try await AccountLinkRepository(store: store).usable(token, purpose: .trial, now: now)
        let parts = (link.subject ?? "").split(separator: ":").map(String.init)
        guard parts.count == 3, parts[0] == "version", let studyID = UUID(uuidString: parts[1]), let id = UUID(uuidString: parts[2]),
              let study = try await studies.study(id: studyID)
        else { throw UseCaseError.notFound("The instrument this link tested is no longer stored.") }
        return (study, id)
    }

    /// What a test link opens: "version:<study>:<instrument version>".
    static func trialSubject(_ study: Study, _ version: UUID) -> String {
        "version:\(study.id.uuidString.lowercased()):\(version.uuidString.lowercased())"
    }

    /// The wave's invitation, filled in for a real case of its frame as the preview shows it, sent to the signed-in
    /// person's own address through the outbox; its survey link is a test link (no case, no rate).
    public func sendTestMessage(_ study: Study, _ wave: Wave, to p: Principal, now: Date = Date()) async throws {
        guard AccessPolicy.canRunStudies(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) does not run studies") }
        let preview = try await previewMessage(study, wave, showName: AccessPolicy.canSeeIdentifiers(p))
        try await AccountLinkRepository(store: store).send(.init(kind: "test", learnerID: nil, to: p.email, subject: "[Test] " + preview.subject,
                                                                 body: Self.testBody(preview.body)),
                                                           with: .trial, userID: p.userID, subject: Self.trialSubject(study, wave.instrumentVersionID), now: now)
        try await audit.record(userID: p.userID, action: "send_test_message", subject: "study:\(study.key)", detail: "wave \(wave.number) to \(p.email)")
    }

    /// The previewed body keeps its merge fields filled for the example case; its link placeholders are put back
    /// so the sender fills in the test link.
    static func testBody(_ previewed: String) -> String {
        previewed.replacingOccurrences(of: "[the case's own survey link]/opt-out", with: "{{opt_out_link}}")
            .replacingOccurrences(of: "[the case's own survey link]", with: "{{survey_link}}")
    }
}
