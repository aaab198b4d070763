import Foundation

/// The three instruments of the demo study, shipped as XLSForm CSV files (survey, choices, settings) so
/// they open in any spreadsheet: beginning of program, end of program, and one year or more after
/// completion — the last with the seed study's screening and the questions behind its Tables 1–3.
public enum DemoInstruments {
    public enum Wave: String, CaseIterable, Sendable {
        case start, end, followup
    }

    /// The form for `wave`, read and checked.
    public static func form(_ wave: Wave) throws -> XLSForm {
        func sheet(_ part: String) throws -> XLSFormSheet {
            guard let url = Bundle.module.url(forResource: "\(wave.rawValue)-\(part)", withExtension: "csv", subdirectory: "Instruments") else {
                throw XLSFormIssue(sheet: part, message: "\(wave.rawValue)-\(part).csv is missing from the PathwaysCore bundle")
            }
            return try XLSFormSheet.csv(String(contentsOf: url, encoding: .utf8), name: part)
        }
        return try XLSForm(survey: try sheet("survey"), choices: try sheet("choices"), settings: try sheet("settings"))
    }
}
