import Foundation
import PathwaysCore
import PathwaysStore

/// The panel over a study's waves: how an answer changed between two of them.
public struct PanelAnalysis: Sendable {
    let studies: StudyRepository
    let fieldwork: FieldworkRepository

    public init(store: Store) {
        studies = StudyRepository(store: store)
        fieldwork = FieldworkRepository(store: store)
    }

    /// The changes the study's waves allow a researcher to ask about (`Panel.comparisons` over their forms).
    public func comparisons(study: StudyRepository.Study) async throws -> [Panel.Comparison] {
        var forms: [(number: Int, form: XLSForm)] = []
        for wave in try await studies.waves(study: study) {
            if let version = try await studies.version(id: wave.instrumentVersionID) { forms.append((wave.number, version.form)) }
        }
        return Panel.comparisons(forms)
    }

    /// How `item` changed between waves `from` and `to` for the learners who answered it in both, with the
    /// categories of the later wave's form. Throws when a wave is missing or its form does not ask the item.
    public func change(study: StudyRepository.Study, item: String, from: Int, to: Int) async throws -> Panel.Change {
        var answers: [[UUID: String]] = []
        var levels: [(name: String, label: String)] = []
        for number in [from, to] {
            guard let wave = try await studies.wave(study: study, number: number) else { throw UseCaseError.invalid("there is no wave \(number)") }
            guard let version = try await studies.version(id: wave.instrumentVersionID) else { throw UseCaseError.invalid("wave \(number)'s instrument version is missing") }
            guard let q = version.form.question(named: item) else { throw UseCaseError.invalid("wave \(number)'s form does not ask \(item)") }
            if case .selectOne(let list, _) = q.type {
                levels = (version.form.choiceLists[list] ?? []).map { ($0.name, XLSForm.text($0.labels, language: nil) ?? $0.name) }
            } else {
                throw UseCaseError.invalid("\(item) is not a select_one question in wave \(number)")
            }
            let rows = try await fieldwork.respondents(study: study, wave: wave.id, version: version)
            answers.append(Dictionary(rows.compactMap { r in r.answers[item].map { (r.learnerID, $0) } }, uniquingKeysWith: { a, _ in a }))
        }
        return Panel.change(item: item, from: (from, answers[0]), to: (to, answers[1]), levels: levels)
    }
}
