import Foundation

/// A wave's responses exported from another tool (REDCap, KoboToolbox, ODK Central, LimeSurvey …) as CSV: one row
/// per respondent, a column that identifies the learner (`learner_id`, the platform's id, or `email`), optionally
/// `submitted_at`, and one column per question by its name in the instrument. A select_multiple is either one
/// column of space-separated choice names or one 0/1 column per choice named `question/choice` (as Kobo and ODK
/// export them). Every answer is checked against the instrument version as the survey would have checked it:
/// type, choice list, constraint, required, and relevance — an answer to a question the respondent was not shown
/// is an error. Problems name the file, row and column; a file with any problem is refused whole.
public enum ResponseFile {
    public struct Row: Sendable, Equatable {
        /// The line the row starts on in the file.
        public var line: Int
        /// `learner_id` or `email`, as the file says.
        public var learner: String
        public var submittedAt: Date?
        /// Stored answers by name, as the survey keeps them (calculations recomputed).
        public var answers: [String: String]
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        /// Row 1 is the header.
        public var line: Int
        public var column: String?
        public var message: String

        public init(file: String, line: Int, column: String?, message: String) {
            self.file = file
            self.line = line
            self.column = column
            self.message = message
        }

        public var description: String { "\(file), row \(line)\(column.map { ", column \($0)" } ?? ""): \(message)" }
    }

    /// How the learner is identified.
    public enum Identifier: String, Sendable { case learnerID = "learner_id", email }

    public struct Result: Sendable {
        public var identifier: Identifier
        public var rows: [Row]
        public var problems: [Problem]
    }

    /// Columns other tools add that carry no answer; they are read past.
    public static let metadataColumns: Set<String> = [
        "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "instanceid", "meta/instanceid",
        "meta/instancename", "_id", "_uuid", "_index", "_status", "_validation_status", "_submitted_by", "_notes", "_tags", "__version__",
        "_version_", "_xform_id_string", "_geolocation", "_attachments", "record_id", "redcap_survey_identifier", "id", "submitdate", "lastpage",
        "startlanguage", "seed", "startdate", "datestamp",
    ]

    /// The columns that say when the response was submitted (the first found is read).
    public static let submittedColumns = ["submitted_at", "_submission_time", "submissiondate", "completed_at"]

    public static func read(_ text: String, file: String, form: XLSForm, defaultDate: Date, maxProblems: Int = 1_000) -> Result {
        var problems: [Problem] = []
        func problem(_ line: Int, _ column: String?, _ message: String) {
            if problems.count < maxProblems { problems.append(Problem(file: file, line: line, column: column, message: message)) }
        }
        let table: CSVTable
        do { table = try CSVTable.parse(text, keepHeaderCase: true) } catch {
            return Result(identifier: .learnerID, rows: [], problems: [Problem(file: file, line: error.line, column: nil, message: error.message)])
        }
        let header = table.header.map { $0.trimmingCharacters(in: .whitespaces) }
        let lower = header.map { $0.lowercased() }
        let identifier: Identifier
        let idIndex: Int
        if let i = lower.firstIndex(of: "learner_id") { identifier = .learnerID; idIndex = i }
        else if let i = lower.firstIndex(of: "email") { identifier = .email; idIndex = i }
        else {
            return Result(identifier: .learnerID, rows: [], problems: [Problem(file: file, line: 1, column: nil,
                message: "no column says who answered: add learner_id (the platform's learner id) or email")])
        }
        let submittedIndex = submittedColumns.lazy.compactMap { lower.firstIndex(of: $0) }.first

        // What each column holds.
        enum Column { case ignored, answer(XLSForm.Question, stored: String), choice(XLSForm.Question, String) }
        let inputs = Dictionary(form.questions.filter { $0.type.isInput && $0.type != .calculate }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let others = Dictionary(inputs.values.filter(\.type.hasOther).map { (SurveyRun.otherName($0), $0) }, uniquingKeysWith: { a, _ in a })
        let run0 = SurveyRun(form: form, today: defaultDate)
        var columns: [Column] = []
        var seen: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if let first = seen[name] { problem(1, name, "appears twice (columns \(first + 1) and \(i + 1))") }
            seen[name] = i
            if i == idIndex || i == submittedIndex || metadataColumns.contains(lower[i]) || name.isEmpty { columns.append(.ignored); continue }
            if let q = inputs[name] { columns.append(.answer(q, stored: name)); continue }
            if let q = others[name] { columns.append(.answer(q, stored: name)); continue }
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count == 2, let q = inputs[parts[0]], case .selectMultiple = q.type {
                if run0.choices(for: q).contains(where: { $0.name == parts[1] }) { columns.append(.choice(q, parts[1])) } else {
                    problem(1, name, "\(parts[1]) is not a choice of \(q.name) (\(run0.choices(for: q).map(\.name).joined(separator: ", ")))")
                    columns.append(.ignored)
                }
                continue
            }
            if form.questions.contains(where: { $0.name == name && $0.type == .calculate }) {
                columns.append(.ignored)  // recomputed from the answers, as the survey does
                continue
            }
            problem(1, name, "is not a question of the instrument; name a column by its question's name (or question/choice for one choice of a select_multiple)")
            columns.append(.ignored)
        }

        var rows: [Row] = []
        var who: [String: Int] = [:]
        for record in table.records {
            let line = record.line
            func field(_ i: Int) -> String { i < record.fields.count ? record.fields[i].trimmingCharacters(in: .whitespacesAndNewlines) : "" }
            let learner = field(idIndex)
            if learner.isEmpty { problem(line, header[idIndex], "empty: say who answered"); continue }
            let key = identifier == .email ? learner.lowercased() : learner
            if let first = who[key] { problem(line, header[idIndex], "\(learner) answered already on row \(first)"); continue }
            who[key] = line
            var submitted: Date?
            if let s = submittedIndex, !field(s).isEmpty {
                submitted = Self.time(field(s))
                if submitted == nil { problem(line, header[s], "'\(field(s))' is not a date (YYYY-MM-DD) or an ISO 8601 time") }
            }
            var answers: [String: String] = [:]
            var picked: [String: [String]] = [:]
            var pickedColumns: [String: String] = [:]
            for (i, column) in columns.enumerated() {
                let value = field(i)
                switch column {
                case .ignored: continue
                case .answer(let q, let stored):
                    guard !value.isEmpty else { continue }
                    if case .selectMultiple = q.type, stored == q.name {
                        answers[stored] = value.split(whereSeparator: { $0 == " " || $0 == "," }).joined(separator: " ")
                    } else {
                        answers[stored] = value
                    }
                case .choice(let q, let choice):
                    switch value.lowercased() {
                    case "1", "true", "yes": picked[q.name, default: []].append(choice); pickedColumns[q.name] = header[i]
                    case "0", "false", "no", "": pickedColumns[q.name] = pickedColumns[q.name] ?? header[i]
                    default: problem(line, header[i], "'\(value)': a choice column holds 1 (chosen) or 0")
                    }
                }
            }
            for (name, choices) in picked {
                if answers[name] != nil { problem(line, pickedColumns[name], "\(name) is given both as one column and as choice columns"); continue }
                answers[name] = choices.joined(separator: " ")
            }
            let run = SurveyRun(form: form, answers: answers, today: submitted ?? defaultDate)
            for q in form.questions where q.type.isInput && q.type != .calculate {
                let column = seen[q.name] != nil ? q.name : pickedColumns[q.name] ?? q.name
                if answers[q.name] != nil, !run.isRelevant(q) {
                    let why = q.relevant.map { "its condition on " + $0.references.sorted().map { "${\($0)}" }.joined(separator: ", ") } ?? "its group's condition"
                    problem(line, column, "answered, but the question is not shown to this respondent (\(why) does not hold)")
                    continue
                }
                guard run.isRelevant(q), let message = run.check(q, language: "") else { continue }
                if let value = run.answers[q.name] {
                    let detail: String
                    switch q.type {
                    case .selectOne, .selectMultiple:
                        detail = message.hasPrefix("Please choose") ? "not among the choices (\(run.choices(for: q).map(\.name).joined(separator: ", ")))" : message
                    default: detail = message
                    }
                    problem(line, column, "'\(value)': \(detail)")
                } else {
                    problem(line, column, "empty, but the question is required for this respondent")
                }
            }
            rows.append(Row(line: line, learner: learner, submittedAt: submitted, answers: run.answers))
        }
        if table.records.isEmpty { problem(2, nil, "the file has no responses") }
        return Result(identifier: identifier, rows: rows, problems: problems)
    }

    static func time(_ text: String) -> Date? {
        if text.count == 10, let day = CalendarDay.parse(text) { return day }
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: text) { return d }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = iso.date(from: text) { return d }
        // "2024-05-01 13:45:00" (REDCap, LimeSurvey), read as UTC.
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        for pattern in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            f.dateFormat = pattern
            if let d = f.date(from: text) { return d }
        }
        return nil
    }
}
