import Foundation

/// Respondent-level data, one row per respondent, for R, Stata or a spreadsheet: no names or emails, only the
/// pseudonymous id the caller gives; open text left out unless asked for. A select_multiple comes as its
/// space-separated value and as one 0/1 column per choice (`name__choice`); a respondent who was not shown the
/// question, or did not answer it, is missing (empty) in all of them, never 0.
public enum RespondentExport {
    public struct Respondent: Sendable {
        public var id: String
        public var answers: [String: String]

        public init(id: String, answers: [String: String]) {
            self.id = id
            self.answers = answers
        }
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var label: String
        public var type: String
        /// For choice columns: value = label pairs, as the data dictionary prints them.
        public var values: String
        /// For a select_multiple's 0/1 column: the question and the choice it stands for.
        public var indicator: (item: String, choice: String)? = nil

        public static func == (l: Self, r: Self) -> Bool {
            l.name == r.name && l.label == r.label && l.type == r.type && l.values == r.values
                && l.indicator?.item == r.indicator?.item && l.indicator?.choice == r.indicator?.choice
        }
    }

    /// The columns, in form order, that `wide` writes.
    public static func columns(_ form: XLSForm, includeText: Bool, language: String? = nil) -> [Column] {
        var columns = [Column(name: "respondent_id", label: "Pseudonymous respondent id (stable within the study)", type: "text", values: "")]
        func text(_ labels: [String: String]) -> String { XLSForm.text(labels, language: language) ?? "" }
        for q in form.questions {
            switch q.type {
            case .integer: columns.append(Column(name: q.name, label: text(q.labels), type: "integer", values: ""))
            case .decimal: columns.append(Column(name: q.name, label: text(q.labels), type: "decimal", values: ""))
            case .date: columns.append(Column(name: q.name, label: text(q.labels), type: "date (YYYY-MM-DD)", values: ""))
            case .calculate: columns.append(Column(name: q.name, label: "calculated: \(q.name)", type: "calculated", values: ""))
            case .text where includeText: columns.append(Column(name: q.name, label: text(q.labels), type: "text", values: ""))
            case .selectOne(let list, let other):
                let values = (form.choiceLists[list] ?? []).map { "\($0.name) = \(text($0.labels))" }.joined(separator: "; ")
                columns.append(Column(name: q.name, label: text(q.labels), type: "select_one", values: values))
                if other && includeText { columns.append(Column(name: q.name + "_other", label: "Other, specified", type: "text", values: "")) }
            case .selectMultiple(let list, let other):
                let choices = form.choiceLists[list] ?? []
                columns.append(Column(name: q.name, label: text(q.labels), type: "select_multiple (space-separated)",
                                      values: choices.map { "\($0.name) = \(text($0.labels))" }.joined(separator: "; ")))
                var names = choices.map { ($0.name, text($0.labels)) }
                if other && !names.contains(where: { $0.0 == "other" }) { names.append(("other", "Other")) }
                for (name, label) in names {
                    columns.append(Column(name: "\(q.name)__\(name)", label: "\(text(q.labels)): \(label)", type: "0/1",
                                          values: "1 = chosen; 0 = not chosen; empty = not asked or not answered", indicator: (q.name, name)))
                }
                if other && includeText { columns.append(Column(name: q.name + "_other", label: "Other, specified", type: "text", values: "")) }
            default: continue
            }
        }
        return columns
    }

    /// Wide CSV with a header row.
    public static func wide(_ form: XLSForm, respondents: [Respondent], includeText: Bool = false, today: Date) -> String {
        let columns = columns(form, includeText: includeText)
        var out = columns.map(\.name).map(CSVTable.field).joined(separator: ",") + "\n"
        for r in respondents {
            let shown = Tabulation.shownQuestions(form: form, answers: r.answers, today: today)
            var cells: [String] = []
            for column in columns {
                if column.name == "respondent_id" { cells.append(CSVTable.field(r.id)); continue }
                if let (item, choice) = column.indicator {
                    guard shown.contains(item), let value = r.answers[item], !value.isEmpty else { cells.append(""); continue }
                    cells.append(value.split(separator: " ").contains(Substring(choice)) ? "1" : "0")
                } else {
                    cells.append(CSVTable.field(r.answers[column.name] ?? ""))
                }
            }
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// The data dictionary: one row per column of `wide`.
    public static func dictionary(_ form: XLSForm, includeText: Bool = false) -> String {
        "column,label,type,values\n" + columns(form, includeText: includeText).map { [$0.name, $0.label, $0.type, $0.values].map(CSVTable.field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
