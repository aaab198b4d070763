import Foundation
import PathwaysCore
import PathwaysStore

/// A wave's report, the same from the report page and the `report` command: its options checked the same way, built
/// from the stored respondents and frame (`Report.wave`), in any of its formats.
public struct WaveReporting: Sendable {
    let fieldwork: FieldworkRepository

    public init(store: Store) { fieldwork = FieldworkRepository(store: store) }

    public struct Options: Sendable {
        public var interval: ProportionInterval
        /// A program column (program, program_kind, provider) or a select_one question of the wave's form.
        public var by: String?
        /// Counts below this are hidden with what would reveal them; 0 or 1 shows every count.
        public var minCell: Int
        /// Frame characteristics to rake to.
        public var rake: [String]

        /// Trim the raked weights at this many times their mean (from more than 1 to 100); needs `rake`.
        public var trim: Double? = nil

        public init(interval: ProportionInterval = .wilson, by: String? = nil, minCell: Int = 10, rake: [String] = []) {
            self.interval = interval
            self.by = by
            self.minCell = minCell
            self.rake = rake
        }
    }

    public enum Format: String, Sendable, CaseIterable {
        case md, csv, json, html

        public var contentType: String {
            switch self {
            case .md: "text/markdown; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            case .json: "application/json"
            case .html: "text/html; charset=utf-8"
            }
        }

        public func render(_ report: Report) throws -> String {
            switch self {
            case .md: report.markdown()
            case .csv: report.csv()
            case .json: try report.json()
            case .html: report.htmlDocument()
            }
        }
    }

    /// What a report can be split by: the program columns, then the form's select_one questions.
    public static func groupings(_ form: XLSForm) -> [(value: String, label: String)] {
        [("program", "Program"), ("program_kind", "Program kind"), ("provider", "Provider")]
            + form.questions.compactMap { q in
                guard case .selectOne = q.type, q.repeatName == nil else { return nil }
                return (q.name, "Question: " + (XLSForm.text(q.labels, language: nil) ?? q.name))
            }
    }

    /// The report, or why its options cannot be used (naming the option).
    public func report(study: Study, wave: Wave, version: InstrumentVersion, options: Options) async throws -> Report {
        if let by = options.by, !Self.groupings(version.form).contains(where: { $0.value == by }) {
            throw UseCaseError.invalid("by: \(by) is not a program column (program, program_kind, provider) or a select_one question of this wave's form")
        }
        guard (0...1000).contains(options.minCell) else { throw UseCaseError.invalid("min_cell: a whole number from 0 to 1000") }
        if let problem = FrameWeighting.trimProblem(options.trim, margins: options.rake) { throw UseCaseError.invalid(problem) }
        let columns = try await fieldwork.respondentColumns(study: study, wave: wave.id, version: version)
        var weighting: (weighting: Tabulation.Weighting, comparison: [NonresponseBias.Row])?
        if !options.rake.isEmpty {
            do {
                weighting = try await fieldwork.weighting(study: study, wave: wave.id, margins: options.rake, trim: options.trim)
            } catch StoreError.invalid(let message) {
                throw UseCaseError.invalid("rake: \(message)")
            }
        }
        return Report.wave(title: "\(study.title) — wave \(wave.number): \(wave.title)", form: version.form, columns: columns, method: options.interval,
                           today: wave.opensAt, group: options.by.map { FieldworkRepository.programColumns[$0] ?? $0 }, weighting: weighting,
                           suppression: options.minCell > 1 ? Suppression(threshold: options.minCell) : nil)
    }
}
