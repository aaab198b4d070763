import Foundation

/// A survey instrument in XLSForm, the survey-definition standard of ODK and KoboToolbox: a `survey`
/// sheet of questions, a `choices` sheet of option lists and an optional `settings` sheet.
///
/// The sheets are kept as read, so exporting gives back an equivalent form with every column, including
/// ones Pathways does not interpret; the typed view (`questions`, `choiceLists`) is derived from them.
public struct XLSForm: Sendable, Equatable {
    public var survey: XLSFormSheet
    public var choices: XLSFormSheet?
    public var settings: XLSFormSheet?

    public private(set) var questions: [Question] = []
    public private(set) var choiceLists: [String: [Choice]] = [:]
    /// Languages named in `label::Language (code)` columns, in column order; "" is the unlabelled default.
    public private(set) var languages: [String] = []

    /// The repeat each question in one is asked in, by question name (a repeat's own name maps to itself).
    public private(set) var repeatOf: [String: String] = [:]

    public var title: String? { settings?.rows.first?["form_title"] }
    public var formID: String? { settings?.rows.first?["form_id"] }
    public var version: String? { settings?.rows.first?["version"] }
    /// The language pages are shown in: the settings' `default_language` when the form has it, else the first.
    public var defaultLanguage: String {
        if let preferred = settings?.rows.first?["default_language"], languages.contains(preferred) { return preferred }
        return languages.first ?? ""
    }

    public enum QuestionType: Sendable, Equatable {
        case integer, decimal, text, date, note, calculate, acknowledge
        /// `time` (HH:MM), `dateTime` (a local date and time) and `geopoint` ("latitude longitude", as ODK stores it).
        case time, dateTime, geopoint
        /// `image`, `audio`, `video` or `file`: a file the respondent gives (`SurveyUpload`).
        case upload(String)
        case selectOne(list: String, orOther: Bool)
        case selectMultiple(list: String, orOther: Bool)
        case beginGroup, endGroup, beginRepeat, endRepeat
        /// Metadata questions ODK fills in itself (start, end, today, deviceid...); kept, not asked.
        case metadata(String)

        public var isSelect: Bool {
            switch self {
            case .selectOne, .selectMultiple: true
            default: false
            }
        }

        /// A file question's kind (image, audio, video, file); nil for any other row.
        public var uploadKind: String? {
            if case .upload(let kind) = self { kind } else { nil }
        }

        /// Whether the row asks the respondent for a value.
        public var isInput: Bool {
            switch self {
            case .integer, .decimal, .text, .date, .time, .dateTime, .geopoint, .selectOne, .selectMultiple, .acknowledge, .upload: true
            default: false
            }
        }
    }

    /// One row of the survey sheet, interpreted.
    public struct Question: Sendable, Equatable {
        public var row: Int
        public var type: QuestionType
        public var name: String
        /// Labels by language ("" when the column has no language).
        public var labels: [String: String]
        public var hints: [String: String]
        /// nil when not required; an expression when required only sometimes (`yes` is `true()`).
        public var required: Expression?
        public var requiredMessage: [String: String]
        public var relevant: Expression?
        public var constraint: Expression?
        public var constraintMessage: [String: String]
        public var choiceFilter: Expression?
        public var defaultValue: String?
        public var calculation: Expression?
        public var appearance: String?
        /// The group path the question sits in, outermost first.
        public var groups: [String]
        /// A `range` question's bounds: asked as a number (`integer` when every step is whole, else `decimal`).
        public var range: NumberRange? = nil
        /// The repeat the row is asked in, once per instance (nil outside any repeat; a `begin_repeat` row names itself).
        public var repeatName: String? = nil
        /// A `begin_repeat` row's `repeat_count` (`jr:count`): how many instances there are, instead of the respondent
        /// adding them.
        public var repeatCount: Expression? = nil

        /// The default as the question's field takes it. A spreadsheet's date cell reads as "2024-01-15 00:00:00"
        /// (as pyxform reads it); a date question starts at "2024-01-15", a time at "14:30:00", a date and time at
        /// "2024-01-15T14:30:00". The form keeps the default as written.
        public var defaultAnswer: String? {
            guard let value = defaultValue?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            let stamp = value.range(of: #"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$"#, options: .regularExpression) != nil
            switch type {
            case .date where stamp: return String(value.prefix(10))
            case .time where stamp: return String(value.dropFirst(11).prefix(8))
            case .dateTime where stamp: return String(value.prefix(10)) + "T" + String(value.dropFirst(11).prefix(8))
            default: return value
            }
        }
    }

    public struct Choice: Sendable, Equatable {
        public var row: Int
        public var list: String
        public var name: String
        public var labels: [String: String]
        /// Other columns (used by `choice_filter`, e.g. a `program` column).
        public var extra: [String: String]
    }

    /// Valid XLSForm types a web survey here does not ask (yet); refused by name, never as unknown.
    public static let unsupportedTypes: Set<String> = ["select_one_from_file", "select_multiple_from_file", "select_one_external", "osm", "geoshape", "geotrace",
                                                       "rank", "xml-external", "csv-external", "background-audio",
                                                       "background-geopoint", "begin_loop", "end_loop"]

    static let metadataTypes: Set<String> = ["start", "end", "today", "deviceid", "username", "email", "phonenumber", "audit", "simserial", "subscriberid", "start-geopoint"]

    /// Reads and checks a form. Every problem is collected and thrown together.
    public init(survey: XLSFormSheet, choices: XLSFormSheet?, settings: XLSFormSheet? = nil) throws(XLSFormErrors) {
        var issues: [XLSFormIssue] = []
        self.survey = XLSFormSyntax.modernSurvey(survey, &issues)
        self.choices = choices.map { XLSFormSyntax.renamingColumns($0, XLSFormSyntax.choiceColumns, &issues) }.flatMap { $0.rows.isEmpty ? nil : $0 }
        self.settings = settings
        readChoices(&issues)
        readSurvey(&issues)
        if !issues.isEmpty { throw XLSFormErrors(issues: issues) }
    }

    /// Reads a form from its CSV files, keyed `survey.csv`, `choices.csv` and `settings.csv`.
    public init(csvFiles files: [String: String]) throws(XLSFormErrors) {
        func sheet(_ name: String) throws(XLSFormErrors) -> XLSFormSheet? {
            guard let text = files["\(name).csv"] else { return nil }
            do { return try XLSFormSheet.csv(text, name: name) } catch { throw XLSFormErrors(issues: [error]) }
        }
        guard let survey = try sheet("survey") else {
            throw XLSFormErrors(issues: [XLSFormIssue(sheet: "survey", message: "the form has no survey sheet")])
        }
        try self.init(survey: survey, choices: try sheet("choices"), settings: try sheet("settings"))
    }

    /// The form as three CSV files (survey, choices, settings), each column kept.
    public func csvFiles() -> [String: String] {
        var files = ["survey.csv": survey.csv()]
        if let choices { files["choices.csv"] = choices.csv() }
        if let settings { files["settings.csv"] = settings.csv() }
        return files
    }

    public func question(named name: String) -> Question? { questions.first { $0.name == name } }

    /// A label (or hint) in `language`, else the one without a language, else the first by language name.
    public static func text(_ labels: [String: String], language: String?) -> String? {
        if let language, let l = labels[language] { return l }
        return labels[""] ?? labels.sorted { $0.key < $1.key }.first?.value
    }

    // MARK: reading

    /// `label`, `label::English (en)` → ("label", "English (en)").
    static func split(_ column: String) -> (base: String, language: String) {
        guard let range = column.range(of: "::") else { return (column.lowercased(), "") }
        return (String(column[..<range.lowerBound]).lowercased(), String(column[range.upperBound...]).trimmingCharacters(in: .whitespaces))
    }

    static func localized(_ row: XLSFormSheet.Row, _ base: String, header: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for column in header where split(column).base == base {
            if let v = row[column] { result[split(column).language] = v }
        }
        return result
    }

    static func value(_ row: XLSFormSheet.Row, _ base: String, header: [String]) -> (column: String, text: String)? {
        for column in header where split(column).base == base {
            if let v = row[column] { return (column, v) }
        }
        return nil
    }

    private mutating func readChoices(_ issues: inout [XLSFormIssue]) {
        guard let sheet = choices else { return }
        guard sheet.header.contains("list_name") else {
            issues.append(XLSFormIssue(sheet: sheet.name, row: 1, column: "list_name", message: "the choices sheet needs a list_name column"))
            return
        }
        if !sheet.header.contains("name") {
            issues.append(XLSFormIssue(sheet: sheet.name, row: 1, column: "name", message: "the choices sheet needs a name column"))
            return
        }
        let listColumn = "list_name"
        let duplicatesAllowed = ["yes", "true", "true()", "1"].contains(settings?.rows.first?["allow_choice_duplicates"]?.lowercased() ?? "")
        var seen: [String: Int] = [:]
        let known: Set<String> = [listColumn, "name"]
        for row in sheet.rows {
            // A row with neither list nor name is a note to the form's authors, as pyxform reads it.
            if row[listColumn] == nil && row["name"] == nil { continue }
            guard let list = row[listColumn] else {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: listColumn, message: "is empty; every choice belongs to a list"))
                continue
            }
            guard let name = row["name"] else {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "name", message: "is empty; every choice needs a name (the value stored)"))
                continue
            }
            if let first = seen[list + "\u{0}" + name], !duplicatesAllowed {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "name", message: "choice '\(name)' appears twice in list '\(list)' (also row \(first)); set allow_choice_duplicates to yes on the settings sheet if that is meant"))
                continue
            }
            seen[list + "\u{0}" + name] = row.line
            var extra: [String: String] = [:]
            for (column, value) in row.cells where !known.contains(column) && Self.split(column).base != "label" { extra[column] = value }
            choiceLists[list, default: []].append(Choice(row: row.line, list: list, name: name, labels: Self.localized(row, "label", header: sheet.header), extra: extra))
        }
    }

    private mutating func readSurvey(_ issues: inout [XLSFormIssue]) {
        let sheet = survey
        let missing = ["type", "name"].filter { !sheet.header.contains($0) }
        for required in missing {
            issues.append(XLSFormIssue(sheet: sheet.name, row: 1, column: required, message: "the survey sheet needs a \(required) column"))
        }
        guard missing.isEmpty else { return }
        var languageSet: [String] = []
        for column in sheet.header {
            let (base, language) = Self.split(column)
            if base == "label" && !languageSet.contains(language) { languageSet.append(language) }
        }
        languages = languageSet

        var names: [String: Int] = [:]
        // A name used in more than one group (ODK names a question by its path) is known by its group's name and its
        // own, `group/name`, as Kobo's exports name it; a `${name}` reference to it would be ambiguous.
        var occurrences: [String: Int] = [:]
        for row in sheet.rows {
            if let name = row["name"], let type = row["type"], !type.lowercased().hasPrefix("end") { occurrences[name, default: 0] += 1 }
        }
        let shared = Set(occurrences.filter { $0.value > 1 }.keys)
        var groupStack: [(kind: String, name: String, row: Int)] = []
        var parsed: [(question: Question, expressions: [(String, Expression)])] = []

        for row in sheet.rows {
            guard let typeText = row["type"] else {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "type", message: "is empty, but the row has a name or label; give it a type, or clear the row"))
                continue
            }
            var range: NumberRange?
            guard let type = parseType(typeText, row: row, range: &range, &issues) else {
                // Its name still counts, so rows that refer to it are not reported as well.
                if let name = row["name"] { names[name] = names[name] ?? row.line }
                continue
            }
            var name = row["name"] ?? ""
            switch type {
            case .endGroup, .endRepeat:
                let kind = type == .endGroup ? "group" : "repeat"
                // An end with nothing open closes nothing, as pyxform reads it.
                guard let open = groupStack.popLast() else { continue }
                if open.kind != kind {
                    issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "type", message: "end \(kind) closes begin \(open.kind) '\(open.name)' from row \(open.row)"))
                }
                name = open.name
            default:
                guard !name.isEmpty else {
                    issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "name", message: "is empty; every question needs a name"))
                    continue
                }
                if !Self.isValidName(name) {
                    issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "name", message: "'\(name)' is not a valid name (start with a letter or _, then letters, digits, _, - or .)"))
                    continue
                }
                if shared.contains(name), let group = groupStack.last?.name { name = group + "/" + name }
                if let first = names[name] {
                    issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "name", message: groupStack.isEmpty
                        ? "'\(name)' is already used on row \(first); names must be unique"
                        : "'\(row["name"] ?? name)' is already used on row \(first) in the same group; names must be unique within a group"))
                    continue
                }
                names[name] = row.line
            }

            var expressions: [(String, Expression)] = []
            func expression(_ base: String) -> Expression? {
                guard let (column, text) = Self.value(row, base, header: sheet.header) else { return nil }
                do {
                    let e = try Expression.parse(text, choiceColumns: base == "choice_filter")
                    expressions.append((column, e))
                    return e
                } catch {
                    issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: column, position: error.position, message: error.message))
                    return nil
                }
            }
            var required: Expression? = nil
            if let text = Self.value(row, "required", header: sheet.header)?.text {
                switch text.lowercased() {
                case "yes", "true", "true()", "1": required = .call("true", [])
                case "no", "false", "false()", "0": required = nil
                default: required = expression("required")
                }
            }
            let groups = groupStack.map(\.name)
            let enclosingRepeat = groupStack.last(where: { $0.kind == "repeat" })?.name
            if type == .beginRepeat, let outer = enclosingRepeat {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "type",
                                           message: "a repeat inside a repeat (begin_repeat '\(name)' within '\(outer)') is valid XLSForm but not supported yet"))
            }
            var question = Question(
                row: row.line, type: type, name: name, labels: Self.localized(row, "label", header: sheet.header),
                hints: Self.localized(row, "hint", header: sheet.header), required: required,
                requiredMessage: Self.localized(row, "required_message", header: sheet.header), relevant: expression("relevant"),
                constraint: expression("constraint"), constraintMessage: Self.localized(row, "constraint_message", header: sheet.header),
                choiceFilter: expression("choice_filter"), defaultValue: row["default"], calculation: expression("calculation"),
                appearance: row["appearance"], groups: groups, range: range)
            question.repeatName = type == .beginRepeat ? name : enclosingRepeat
            if type == .beginRepeat { question.repeatCount = expression("repeat_count") }
            if type == .calculate && question.calculation == nil && Self.value(row, "calculation", header: sheet.header) == nil {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "calculation", message: "a calculate row needs a calculation"))
            }
            if type.isInput || type == .note, question.labels.isEmpty,
               sheet.header.contains(where: { ["image", "audio", "video", "big-image", "media"].contains(Self.split($0).base) && row[$0] != nil }) {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "label",
                                           message: "'\(name)' has only an image, audio or video and no label; media in questions is valid XLSForm but not supported yet"))
            } else if type.isInput || type == .note, question.labels.isEmpty {
                issues.append(XLSFormIssue(sheet: sheet.name, row: row.line, column: "label", message: "'\(name)' has no label"))
            }
            switch type {
            case .beginGroup: groupStack.append(("group", name, row.line))
            case .beginRepeat: groupStack.append(("repeat", name, row.line))
            default: break
            }
            parsed.append((question, expressions))
        }
        for open in groupStack {
            issues.append(XLSFormIssue(sheet: sheet.name, row: open.row, column: "type", message: "begin \(open.kind) '\(open.name)' is never closed"))
        }
        // A path names the question its longest tail names: `/data/g/age` is `age`, or `g/age` where two groups ask `age`.
        func resolved(_ reference: String) -> String {
            guard reference.contains("/"), names[reference] == nil else { return reference }
            var steps = reference.split(separator: "/").map(String.init)
            while steps.count > 1 {
                steps.removeFirst()
                let tail = steps.joined(separator: "/")
                if names[tail] != nil || shared.contains(tail) { return tail }
            }
            return reference
        }
        parsed = parsed.map { question, expressions in
            var q = question
            let resolve = { (e: Expression?) in e?.renamingReferences(resolved) }
            q.relevant = resolve(q.relevant); q.constraint = resolve(q.constraint); q.calculation = resolve(q.calculation)
            q.choiceFilter = resolve(q.choiceFilter); q.required = resolve(q.required); q.repeatCount = resolve(q.repeatCount)
            return (q, expressions.map { ($0.0, $0.1.renamingReferences(resolved)) })
        }
        // References must name questions of this form.
        for (question, expressions) in parsed {
            for (column, e) in expressions {
                for ambiguous in e.references.intersection(shared).sorted() {
                    let where_ = names.keys.filter { $0 == ambiguous || $0.hasSuffix("/" + ambiguous) }.sorted().joined(separator: ", ")
                    issues.append(XLSFormIssue(sheet: sheet.name, row: question.row, column: column, message:
                        "${\(ambiguous)} could mean any of \(where_); a reference to the same name in two groups is valid XLSForm but not supported yet (rename one)"))
                }
                for missing in e.references.subtracting(names.keys).subtracting(shared).sorted() {
                    issues.append(XLSFormIssue(sheet: sheet.name, row: question.row, column: column, message: "${\(missing)} does not name a question in this form"))
                }
            }
        }
        questions = parsed.map(\.question)
        repeatOf = Dictionary(questions.compactMap { q in q.repeatName.map { (q.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// `range` is set for a `range` row: its bounds, read from the parameters column.
    private func parseType(_ text: String, row: XLSFormSheet.Row, range: inout NumberRange?, _ issues: inout [XLSFormIssue]) -> QuestionType? {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        let head = words[0].lowercased()
        func list(_ kind: String) -> (String, Bool)? {
            guard words.count >= 2 else {
                issues.append(XLSFormIssue(sheet: survey.name, row: row.line, column: "type", message: "\(kind) needs a choice list name, e.g. '\(kind) yes_no'"))
                return nil
            }
            let name = words[1]
            let orOther = words.count >= 3 && words[2].lowercased() == "or_other"
            if choiceLists[name] == nil {
                // Reported, and the row read on, so its other columns are checked in the same report.
                issues.append(XLSFormIssue(sheet: survey.name, row: row.line, column: "type", message: "choice list '\(name)' is not on the choices sheet"))
            }
            return (name, orOther)
        }
        switch head {
        case "integer", "int": return .integer
        case "decimal": return .decimal
        // A barcode is typed in on the web; the sheet keeps the type as written.
        case "text", "string", "barcode": return .text
        case "date": return .date
        case "time": return .time
        case "datetime": return .dateTime
        case "geopoint": return .geopoint
        // A range is a number between bounds (`NumberRange`, from the parameters column); the row's type stays `range`.
        case "range":
            switch NumberRange.parse(row["parameters"]) {
            case .success(let r):
                range = r
                return r.isWhole ? .integer : .decimal
            case .failure(let error):
                issues.append(XLSFormIssue(sheet: survey.name, row: row.line, column: "parameters", message: error.message))
                return nil
            }
        case "image", "audio", "video", "file": return .upload(head)
        case "hidden": return .metadata("hidden")
        case "note": return .note
        case "calculate": return .calculate
        case "acknowledge", "trigger": return .acknowledge
        case "select_one", "select1": return list("select_one").map { .selectOne(list: $0.0, orOther: $0.1) }
        case "select_multiple": return list("select_multiple").map { .selectMultiple(list: $0.0, orOther: $0.1) }
        case "begin_group", "begin": return words.count >= 2 && words[1].lowercased() == "repeat" ? .beginRepeat : .beginGroup
        case "end_group", "end":
            if head == "end" && words.count == 1 { return .metadata("end") }
            return words.count >= 2 && words[1].lowercased() == "repeat" ? .endRepeat : .endGroup
        case "begin_repeat": return .beginRepeat
        case "end_repeat": return .endRepeat
        default:
            if Self.metadataTypes.contains(head) { return .metadata(head) }
            if Self.unsupportedTypes.contains(head) {
                issues.append(XLSFormIssue(sheet: survey.name, row: row.line, column: "type", message: "type '\(words[0])' is valid XLSForm but not supported by Pathways web surveys yet"))
                return nil
            }
            issues.append(XLSFormIssue(sheet: survey.name, row: row.line, column: "type", message: "'\(text)' is not an XLSForm question type"))
            return nil
        }
    }
}

/// A `range` question's bounds from its `parameters` ("start=0 end=10 step=1"; pyxform's defaults are 1, 10 and 1).
/// Other parameters (tick labels, placeholders) are a device's display and are left alone.
public struct NumberRange: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var step: Double

    public init(start: Double = 1, end: Double = 10, step: Double = 1) {
        self.start = start
        self.end = end
        self.step = step
    }

    public static func parse(_ parameters: String?) -> Result<NumberRange, XLSFormRangeError> {
        var range = NumberRange()
        for part in (parameters ?? "").split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == ";" }) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pair.count == 2, ["start", "end", "step"].contains(pair[0]) else { continue }
            guard let number = Double(pair[1]), number.isFinite else {
                return .failure(XLSFormRangeError(message: "range \(pair[0]) '\(pair[1])' is not a number"))
            }
            switch pair[0] {
            case "start": range.start = number
            case "end": range.end = number
            default: range.step = number
            }
        }
        guard range.step > 0 else { return .failure(XLSFormRangeError(message: "a range's step must be more than 0")) }
        guard range.start != range.end else { return .failure(XLSFormRangeError(message: "a range's start and end must differ")) }
        return .success(range)
    }

    public var low: Double { min(start, end) }
    public var high: Double { max(start, end) }

    /// Whether every value the range allows is a whole number.
    public var isWhole: Bool { [start, end, step].allSatisfy { $0.rounded() == $0 } }

    /// Whether `value` is within the bounds and on a step from the start.
    public func allows(_ value: Double) -> Bool {
        guard value >= low - 1e-9, value <= high + 1e-9 else { return false }
        let steps = abs(value - start) / step
        return abs(steps - steps.rounded()) < 1e-6
    }

    /// A number as a spreadsheet shows it unformatted (whole numbers without ".0"): a range's bounds, and the
    /// numbers of an `.xls` cell.
    public static func text(_ d: Double) -> String { d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d) }

    /// "from 0 to 10" (and "in steps of 0.5" when the step is not 1).
    public var words: String {
        "from \(Self.text(low)) to \(Self.text(high))" + (step == 1 ? "" : " in steps of \(Self.text(step))")
    }
}

public struct XLSFormRangeError: Error, Sendable, Equatable {
    public var message: String
}

