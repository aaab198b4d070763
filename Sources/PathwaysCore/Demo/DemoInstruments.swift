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
        func sheet(_ part: String) throws -> XLSFormSheet { try XLSFormSheet.csv(try text(wave, part), name: part) }
        return try XLSForm(survey: try sheet("survey"), choices: try sheet("choices"), settings: try sheet("settings"))
    }

    /// One sheet of a wave's form as its CSV text: "survey", "choices" or "settings".
    public static func text(_ wave: Wave, _ part: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "\(wave.rawValue)-\(part)", withExtension: "csv", subdirectory: "Instruments") else {
            throw XLSFormIssue(sheet: part, message: "\(wave.rawValue)-\(part).csv is missing from the PathwaysCore bundle")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
