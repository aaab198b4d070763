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

    public func preview(_ study: Study, version id: UUID, values: [String: [String]]?, now: Date = Date()) async throws -> (InstrumentVersion, PreviewStep) {
        let version = try await version(id, of: study)
        let answers = Self.decodeState(values?["state"]?.first)
        var run = SurveyRun(form: version.form, answers: answers, today: now)
        guard let values, let page = values["page"]?.first.flatMap(Int.init), run.pages.indices.contains(page) else {
            guard let first = run.nextPage(after: nil) else { return (version, .finished(run)) }
            return (version, .page(run, first, errors: [:], submitted: nil))
        }
        if values["action"]?.first == "back" {
            run.submitUnchecked(page: page, values: values)
            return (version, .page(run, run.previousPage(before: page) ?? page, errors: [:], submitted: nil))
        }
        let errors = run.submit(page: page, values: values, language: version.form.defaultLanguage)
        if !errors.isEmpty {
            var shown = run
            shown.submitUnchecked(page: page, values: values)
            return (version, .page(shown, page, errors: errors, submitted: values))
        }
        guard let next = run.nextPage(after: page) else { return (version, .finished(run)) }
        return (version, .page(run, next, errors: [:], submitted: nil))
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
