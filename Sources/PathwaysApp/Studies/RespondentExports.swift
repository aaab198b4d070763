import Foundation
import PathwaysCore
import PathwaysStore

/// De-identified respondent-level data of a wave or a whole study: pseudonymous ids in place of learners, no names or
/// emails, open text only when asked for, and an audit entry for every export.
public struct RespondentExports: Sendable {
    let studies: StudyRepository
    let fieldwork: FieldworkRepository
    let pseudonyms: RespondentData
    let audit: AuditRepository

    public init(store: Store) {
        studies = StudyRepository(store: store)
        fieldwork = FieldworkRepository(store: store)
        pseudonyms = RespondentData(store: store)
        audit = AuditRepository(store: store)
    }

    public struct Export: Sendable {
        public var csv: String
        public var dictionary: String
        public var respondents: Int
        /// One row per respondent and answered question.
        public var long: String = ""
        public var rScript: String = ""
        public var stataScript: String = ""
        /// Each repeat's instances, one row each (`RespondentExport.repeatFiles`).
        public var repeats: [(name: String, text: String)] = []
        /// With a weighted export: the frame's counts and the R script that rakes to them again.
        public var design: [(name: String, text: String)] = []
        /// Files respondents gave (`media/<respondent_id>/<name>`), only with open text.
        public var media: [(name: String, data: Data)] = []

        /// The files of the export, as they are written to a folder or a zip.
        public var files: [(name: String, text: String)] {
            [("respondents.csv", csv), ("respondents-long.csv", long)] + repeats + [("dictionary.csv", dictionary), ("import.R", rScript), ("import.do", stataScript)]
                + design
        }

        public func zip() throws -> Data {
            try ZipFile.make(files.map { ($0.name, Data($0.text.utf8)) } + media.map { ($0.name, $0.data) })
        }
    }

    /// The wave's complete and partial interviews as a wide CSV with its data dictionary, each with its disposition.
    /// With `rake`, each respondent's weight raked to the frame on those characteristics (trimmed at `trim` times the
    /// mean when given) and the frame's values of them, with the frame's counts and an R script that rakes again.
    public func exportWide(study: StudyRepository.Study, wave: StudyRepository.Wave, includeText: Bool, rake: [String] = [], trim: Double? = nil,
                           by userID: UUID?) async throws -> Export {
        guard let version = try await studies.version(id: wave.instrumentVersionID) else {
            throw UseCaseError.invalid("the wave's instrument version is missing")
        }
        let key = try await pseudonyms.pseudonymKey()
        let rows = try await fieldwork.respondents(study: study, wave: wave.id, version: version)
        var respondents = rows.map {
            var r = RespondentExport.Respondent(id: RespondentData.pseudonym(study: study.id, learner: $0.learnerID, key: key), answers: $0.answers, language: $0.language)
            r.disposition = $0.disposition
            return r
        }
        var designFiles: [(name: String, text: String)] = []
        if let problem = FrameWeighting.trimProblem(trim, margins: rake) { throw UseCaseError.invalid(problem) }
        if !rake.isEmpty {
            let weighting: Tabulation.Weighting
            do {
                weighting = try await fieldwork.weighting(study: study, wave: wave.id, margins: rake, trim: trim).weighting
            } catch StoreError.invalid(let message) {
                throw UseCaseError.invalid("rake: \(message)")
            }
            // The frame's respondents come in case order, as the export's rows do.
            let frame = try await fieldwork.frameCases(study: study, wave: wave.id)
            let responding = frame.filter(\.responded)
            guard responding.map(\.learnerID) == rows.map(\.learnerID), weighting.raking.weights.count == rows.count else {
                throw UseCaseError.conflict("the wave changed while it was exported; export again")
            }
            for i in respondents.indices {
                respondents[i].weight = weighting.raking.weights[i]
                respondents[i].frame = responding[i].traits.filter { rake.contains($0.key) }
            }
            let margins = rake.map { name in
                (name: name, totals: Dictionary(grouping: frame, by: { $0.traits[name] ?? "" }).map { (category: $0.key, total: Double($0.value.count)) }
                    .sorted { $0.category < $1.category })
            }
            designFiles = RespondentExport.designFiles(margins: margins, frameSize: frame.count, trim: trim)
        }
        let design = RespondentExport.Design(margins: rake)
        let form = version.form
        var media: [(name: String, data: Data)] = []
        if includeText {
            let ids = Dictionary(rows.map { ($0.learnerID, RespondentData.pseudonym(study: study.id, learner: $0.learnerID, key: key)) }, uniquingKeysWith: { a, _ in a })
            media = try await fieldwork.files(wave: wave.id).compactMap { file in ids[file.learnerID].map { ("media/\($0)/\(file.fileName)", file.data) } }
        }
        var export = Export(csv: RespondentExport.wide(form, respondents: respondents, includeText: includeText, today: wave.opensAt, design: design),
                            dictionary: RespondentExport.dictionary(form, includeText: includeText, design: design), respondents: respondents.count,
                            long: RespondentExport.long(form, respondents: respondents, includeText: includeText),
                            rScript: RespondentExport.rScript(form, includeText: includeText, design: design),
                            stataScript: RespondentExport.stataScript(form, includeText: includeText, design: design),
                            repeats: RespondentExport.repeatFiles(form, respondents: respondents, includeText: includeText))
        export.media = media
        export.design = designFiles
        try await audit.record(userID: userID, action: "export_respondents", subject: "wave:\(wave.id)",
                               detail: "wide and long CSV, \(export.respondents) respondents, open text \(includeText ? "included" : "left out")"
                                   + (rake.isEmpty ? "" : ", weighted on \(rake.joined(separator: ", "))")
                                   + (media.isEmpty ? "" : ", \(media.count) files"))
        return export
    }

    /// Every wave of the study side by side, one row per learner who answered any of them, with its dictionary;
    /// audited like a wave's export.
    public func exportPanel(study: StudyRepository.Study, includeText: Bool, by userID: UUID?) async throws
        -> (csv: String, dictionary: String, respondents: Int) {
        let key = try await pseudonyms.pseudonymKey()
        var waves: [RespondentExport.Wave] = []
        for wave in try await studies.waves(study: study) {
            guard let version = try await studies.version(id: wave.instrumentVersionID) else { throw UseCaseError.invalid("wave \(wave.number)'s instrument version is missing") }
            let rows = try await fieldwork.respondents(study: study, wave: wave.id, version: version)
            waves.append(.init(number: wave.number, form: version.form, respondents: rows.map {
                RespondentExport.Respondent(id: RespondentData.pseudonym(study: study.id, learner: $0.learnerID, key: key), answers: $0.answers, language: $0.language)
            }, today: wave.opensAt))
        }
        let (csv, dictionary) = RespondentExport.panelWide(waves, includeText: includeText)
        let count = Set(waves.flatMap { $0.respondents.map(\.id) }).count
        try await audit.record(userID: userID, action: "export_respondents", subject: "study:\(study.id)",
                               detail: "panel wide CSV, \(waves.count) waves, \(count) respondents, open text \(includeText ? "included" : "left out")")
        return (csv, dictionary, count)
    }
}
