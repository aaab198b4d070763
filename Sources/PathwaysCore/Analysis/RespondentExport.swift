import Foundation

/// Respondent-level data, one row per respondent, for R, Stata or a spreadsheet: no names or emails, only the
/// pseudonymous id the caller gives; open text left out unless asked for. A select_multiple comes as its
/// space-separated value and as one 0/1 column per choice (`name__choice`); a respondent who was not shown the
/// question, or did not answer it, is missing (empty) in all of them, never 0.
public enum RespondentExport {
    public struct Respondent: Sendable {
        public var id: String
        public var answers: [String: String]
        /// The language the respondent chose, when the form has several; nil for the form's default.
        public var language: String?
        /// The case's final disposition (AAPOR: complete, partial), when known.
        public var disposition: String? = nil
        /// With a weighted export: the respondent's raked weight and the frame's values of what it was raked on.
        public var weight: Double? = nil
        public var frame: [String: String] = [:]

        public init(id: String, answers: [String: String], language: String? = nil) {
            self.id = id
            self.answers = answers
            self.language = language
        }
    }

    /// The column that says which language a respondent took a multi-language form in (a name no XLSForm question
    /// can clash with, as Kobo's exports name their own columns).
    public static let languageColumn = "_language"
    /// Kobo-style columns the export adds of its own: disposition, weight and the frame values weights were raked on.
    public static let dispositionColumn = "_disposition"
    public static let weightColumn = "_weight"
    public static func frameColumn(_ trait: String) -> String { "_frame_" + trait }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var label: String
        public var type: String
        /// For choice columns: value = label pairs, as the data dictionary prints them.
        public var values: String
        /// For a select_multiple's 0/1 column: the question and the choice it stands for.
        public var indicator: (item: String, choice: String)? = nil
        /// For a select_one: its choices' names and labels, in order.
        public var choices: [(name: String, label: String)] = []

        public static func == (l: Self, r: Self) -> Bool {
            l.name == r.name && l.label == r.label && l.type == r.type && l.values == r.values
                && l.indicator?.item == r.indicator?.item && l.indicator?.choice == r.indicator?.choice
        }
    }

    /// The columns, in form order, that `wide` writes.
    public static func columns(_ form: XLSForm, includeText: Bool, language: String? = nil, design: Design? = nil) -> [Column] {
        var columns = [Column(name: "respondent_id", label: "Pseudonymous respondent id (stable within the study)", type: "text", values: "")]
        if let design {
            columns.append(Column(name: dispositionColumn, label: "Final disposition (AAPOR code)", type: "text", values: "1.1 = complete interview; 1.2 = partial interview"))
            if !design.margins.isEmpty {
                columns.append(Column(name: weightColumn, label: "Weight raked to the wave's frame on \(design.margins.joined(separator: ", "))", type: "decimal",
                                      values: "frame-margins.csv holds the frame's counts; weights.R rakes them again"))
                for trait in design.margins {
                    columns.append(Column(name: frameColumn(trait), label: "The frame's \(trait.replacingOccurrences(of: "_", with: " ")) (raked on)", type: "text", values: ""))
                }
            }
        }
        if form.languages.count > 1 {
            columns.append(Column(name: languageColumn, label: "Language the survey was taken in", type: "text",
                                  values: form.languages.map { $0.isEmpty ? "(default)" : $0 }.joined(separator: "; ")))
        }
        return columns + questionColumns(form.questions.filter { $0.repeatName == nil || $0.type == .beginRepeat }, form: form,
                                         includeText: includeText, language: language)
    }

    /// The columns of `questions` (a form's, or one repeat's), in form order.
    static func questionColumns(_ questions: [XLSForm.Question], form: XLSForm, includeText: Bool, language: String?) -> [Column] {
        var columns: [Column] = []
        func text(_ labels: [String: String]) -> String { XLSForm.text(labels, language: language) ?? "" }
        for q in questions {
            switch q.type {
            case .beginRepeat:
                columns.append(Column(name: q.name, label: "Number of instances: \(text(q.labels))", type: "integer",
                                      values: "one row per instance in \(repeatFileName(q.name))"))
            case .integer: columns.append(Column(name: q.name, label: text(q.labels), type: "integer", values: ""))
            case .decimal: columns.append(Column(name: q.name, label: text(q.labels), type: "decimal", values: ""))
            case .date: columns.append(Column(name: q.name, label: text(q.labels), type: "date (YYYY-MM-DD)", values: ""))
            case .calculate: columns.append(Column(name: q.name, label: "calculated: \(q.name)", type: "calculated", values: ""))
            case .time: columns.append(Column(name: q.name, label: text(q.labels), type: "time (HH:MM)", values: ""))
            case .dateTime: columns.append(Column(name: q.name, label: text(q.labels), type: "date and time (YYYY-MM-DDTHH:MM)", values: ""))
            // A place can identify a respondent, so it goes out only with the free text.
            case .geopoint where includeText:
                columns.append(Column(name: q.name, label: text(q.labels), type: "geopoint (latitude longitude)", values: ""))
            // A file can identify as free text can; its name goes out with the file, under media/<respondent_id>/.
            case .upload(let kind) where includeText:
                columns.append(Column(name: q.name, label: text(q.labels), type: "file (\(kind))",
                                      values: "the file's name; the file is media/<respondent_id>/<name> in the export"))
            case .text where includeText:
                columns.append(Column(name: q.name, label: text(q.labels), type: "text",
                                      values: "free text; one that begins with = + - or @ has a leading ' so spreadsheets show it as text"))
            case .selectOne(let list, let other):
                var choices = (form.choiceLists[list] ?? []).map { (name: $0.name, label: text($0.labels)) }
                if other && !choices.contains(where: { $0.name == "other" }) { choices.append(("other", "Other")) }
                let values = choices.map { "\($0.name) = \($0.label)" }.joined(separator: "; ")
                columns.append(Column(name: q.name, label: text(q.labels), type: "select_one", values: values, choices: choices))
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

    /// The file a repeat's instances are written to.
    public static func repeatFileName(_ repeatName: String) -> String { "repeat-\(repeatName).csv" }

    /// Each repeat of the form in long format, one row per respondent and instance (`respondent_id`, `_index` from 1,
    /// then the repeat's questions as the wide file writes them), as ODK Central and Kobo export repeats.
    public static func repeatFiles(_ form: XLSForm, respondents: [Respondent], includeText: Bool = false) -> [(name: String, text: String)] {
        form.questions.filter { $0.type == .beginRepeat }.map { r in
            let columns = questionColumns(form.questions.filter { $0.repeatName == r.name && $0.type != .beginRepeat }, form: form,
                                          includeText: includeText, language: nil)
            var out = (["respondent_id", "_index"] + columns.map(\.name)).map(CSVTable.field).joined(separator: ",") + "\n"
            for respondent in respondents {
                for index in Swift.stride(from: 1, through: instances(of: r.name, form: form, in: respondent.answers), by: 1) {
                    let cells = columns.map { column -> String in
                        if let (item, choice) = column.indicator {
                            guard let value = respondent.answers[RepeatKey.key(item, index)], !value.isEmpty else { return "" }
                            return value.split(separator: " ").contains(Substring(choice)) ? "1" : "0"
                        }
                        let value = respondent.answers[RepeatKey.key(column.name, index)] ?? ""
                        return CSVTable.field(column.type == "text" ? CSVTable.inert(value) : value)
                    }
                    out += ([CSVTable.field(respondent.id), String(index)] + cells).joined(separator: ",") + "\n"
                }
            }
            return (repeatFileName(r.name), out)
        }
    }

    /// How many instances of a repeat a respondent's answers hold: the stored count, else as many as have answers.
    static func instances(of repeatName: String, form: XLSForm, in answers: [String: String]) -> Int {
        if let n = answers[repeatName].flatMap(Int.init) { return max(0, n) }
        return answers.keys.compactMap { RepeatKey.parse($0) }.filter { form.repeatOf[$0.name] == repeatName }.map(\.index).max() ?? 0
    }

    /// What a weighted export carries of the design: the characteristics raked on (empty: dispositions only).
    public struct Design: Sendable, Equatable {
        public var margins: [String]
        public init(margins: [String]) { self.margins = margins }
    }

    /// Wide CSV with a header row; with `design`, each respondent's disposition (and weight and frame values) too.
    public static func wide(_ form: XLSForm, respondents: [Respondent], includeText: Bool = false, today: Date, design: Design? = nil) -> String {
        let columns = columns(form, includeText: includeText, design: design)
        var out = columns.map(\.name).map(CSVTable.field).joined(separator: ",") + "\n"
        for r in respondents { out += cells(r, columns: columns, form: form, today: today).joined(separator: ",") + "\n" }
        return out
    }

    /// One respondent's row: CSV-ready cells for `columns`.
    static func cells(_ r: Respondent, columns: [Column], form: XLSForm, today: Date) -> [String] {
        let shown = Tabulation.shownQuestions(form: form, answers: r.answers, today: today)
        return columns.map { column in
            if column.name == "respondent_id" { return CSVTable.field(r.id) }
            if column.name == languageColumn { return CSVTable.field(r.language.flatMap { form.languages.contains($0) ? $0 : nil } ?? form.defaultLanguage) }
            if column.name == dispositionColumn { return CSVTable.field(r.disposition ?? "") }
            if column.name == weightColumn { return r.weight.map { String(format: "%.17g", $0) } ?? "" }
            if column.name.hasPrefix("_frame_") { return CSVTable.field(r.frame[String(column.name.dropFirst(7))] ?? "") }
            if let (item, choice) = column.indicator {
                guard shown.contains(item), let value = r.answers[item], !value.isEmpty else { return "" }
                return value.split(separator: " ").contains(Substring(choice)) ? "1" : "0"
            }
            if form.repeatOf[column.name] == column.name {
                let n = instances(of: column.name, form: form, in: r.answers)
                return n == 0 && r.answers[column.name] == nil ? "" : String(n)
            }
            let value = r.answers[column.name] ?? ""
            return CSVTable.field(column.type == "text" ? CSVTable.inert(value) : value)
        }
    }

    /// One wave of a panel export.
    public struct Wave: Sendable {
        public var number: Int
        public var form: XLSForm
        public var respondents: [Respondent]
        public var today: Date

        public init(number: Int, form: XLSForm, respondents: [Respondent], today: Date) {
            self.number = number
            self.form = form
            self.respondents = respondents
            self.today = today
        }
    }

    /// The panel side by side: one row per learner who answered any wave (by pseudonymous id), and for each wave a
    /// `wN_responded` 0/1 column and that wave's columns prefixed `wN_`, empty where the learner did not answer it.
    public static func panelWide(_ waves: [Wave], includeText: Bool = false) -> (csv: String, dictionary: String) {
        let ids = Set(waves.flatMap { $0.respondents.map(\.id) }).sorted()
        var header = ["respondent_id"]
        var dictionary = "column,label,type,values\n" + ["respondent_id", "Pseudonymous respondent id (stable within the study)", "text", ""].map(CSVTable.field).joined(separator: ",") + "\n"
        var byWave: [(columns: Int, rows: [String: [String]])] = []
        for wave in waves {
            let columns = Array(columns(wave.form, includeText: includeText).dropFirst())
            header.append("w\(wave.number)_responded")
            dictionary += ["w\(wave.number)_responded", "Answered wave \(wave.number)", "0/1", "1 = a complete or partial interview"].map(CSVTable.field).joined(separator: ",") + "\n"
            for c in columns {
                header.append("w\(wave.number)_\(c.name)")
                dictionary += ["w\(wave.number)_\(c.name)", "Wave \(wave.number): \(c.label)", c.type, c.values].map(CSVTable.field).joined(separator: ",") + "\n"
            }
            var rows: [String: [String]] = [:]
            for r in wave.respondents { rows[r.id] = Array(cells(r, columns: [Column(name: "respondent_id", label: "", type: "", values: "")] + columns, form: wave.form, today: wave.today).dropFirst()) }
            byWave.append((columns.count, rows))
        }
        var out = header.map(CSVTable.field).joined(separator: ",") + "\n"
        for id in ids {
            var cells = [CSVTable.field(id)]
            for wave in byWave {
                if let row = wave.rows[id] { cells += ["1"] + row } else { cells += ["0"] + Array(repeating: "", count: wave.columns) }
            }
            out += cells.joined(separator: ",") + "\n"
        }
        return (out, dictionary)
    }

    /// The frame's counts by each characteristic the weights were raked on (`margin,category,total`), and an R script
    /// that rakes the exported respondents to them again with the survey package (the same start, passes and
    /// stopping rule), so every weighted figure can be reproduced from the export alone.
    public static func designFiles(margins: [(name: String, totals: [(category: String, total: Double)])], frameSize: Int, trim: Double?) -> [(name: String, text: String)] {
        var csv = "margin,category,total\n"
        for m in margins { for t in m.totals { csv += [m.name, t.category, NumberRange.text(t.total)].map(CSVTable.field).joined(separator: ",") + "\n" } }
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var r = """
        # Rakes respondents.csv to the frame's counts in frame-margins.csv as Pathways did: equal start weights summing to
        # the frame's size (\(frameSize)), survey::rake's passes and stopping rule\(trim.map { ", then trimWeights at \(NumberRange.text($0)) times the mean" } ?? "").
        library(survey)
        d <- read.csv("respondents.csv", na.strings = "", colClasses = "character", check.names = FALSE, encoding = "UTF-8")
        m <- read.csv("frame-margins.csv", colClasses = c("character", "character", "numeric"), encoding = "UTF-8")
        d$.start <- \(frameSize) / nrow(d)

        """
        var formulas: [String] = [], tables: [String] = []
        for (i, margin) in margins.enumerated() {
            let column = frameColumn(margin.name)
            r += "d$.m\(i) <- factor(d[[\(q(column))]], levels = m$category[m$margin == \(q(margin.name))])\n"
            formulas.append("~.m\(i)")
            tables.append("data.frame(.m\(i) = factor(m$category[m$margin == \(q(margin.name))], levels = m$category[m$margin == \(q(margin.name))]), Freq = m$total[m$margin == \(q(margin.name))])")
        }
        r += "design <- rake(svydesign(ids = ~1, weights = ~.start, data = d), list(\(formulas.joined(separator: ", "))),\n"
        r += "               list(\(tables.joined(separator: ",\n                    "))))\n"
        if let trim {
            // trimWeights(strict = TRUE) repeats by recursion, which a cap close to the mean can take deeper than R's
            // stack; the same passes, in a loop, until no weight is over the cap by more than rounding.
            r += "upper <- \(NumberRange.text(trim)) * mean(weights(design))\n"
            r += "while (any(weights(design) > upper * (1 + 1e-12))) design <- trimWeights(design, upper = upper)\n"
        }
        r += "stopifnot(isTRUE(all.equal(unname(weights(design)), as.numeric(d[[\(q(weightColumn))]]), tolerance = 1e-9)))\n"
        return [("frame-margins.csv", csv), ("weights.R", r)]
    }

    /// The data dictionary: one row per column of `wide`.
    public static func dictionary(_ form: XLSForm, includeText: Bool = false, design: Design? = nil) -> String {
        "column,label,type,values\n" + columns(form, includeText: includeText, design: design).map { [$0.name, $0.label, $0.type, $0.values].map(CSVTable.field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
    /// Long CSV: one row per respondent and answered question (`respondent_id,item,value`), select_multiple as its
    /// space-separated value; open text only when asked for.
    public static func long(_ form: XLSForm, respondents: [Respondent], includeText: Bool = false) -> String {
        let items = columns(form, includeText: includeText).filter { $0.indicator == nil && $0.name != "respondent_id" }
        var out = "respondent_id,item,value\n"
        for r in respondents {
            for item in items {
                guard let value = r.answers[item.name], !value.isEmpty else { continue }
                out += CSVTable.field(r.id) + "," + CSVTable.field(item.name) + ","
                    + CSVTable.field(item.type == "text" ? CSVTable.inert(value) : value) + "\n"
            }
        }
        return out
    }

    /// An R script that reads `respondents.csv` with every column typed: numbers as numbers, dates as Dates,
    /// select_one as factors with the form's labels, 0/1 columns as integers, and each column's label as its
    /// "label" attribute (as haven and labelled read it).
    public static func rScript(_ form: XLSForm, includeText: Bool = false, language: String? = nil, design: Design? = nil) -> String {
        func quote(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        var out = """
        # Reads respondents.csv as Pathways exported it: pseudonymous ids, one row per respondent.
        # Empty cells are missing (NA): a question not asked or not answered, never 0.
        d <- read.csv("respondents.csv", na.strings = "", colClasses = "character", check.names = FALSE, encoding = "UTF-8")

        """
        for c in columns(form, includeText: includeText, language: language, design: design) {
            let v = "d[[\(quote(c.name))]]"
            switch c.type {
            case "integer", "0/1": out += "\(v) <- as.integer(\(v))\n"
            case "decimal": out += "\(v) <- as.numeric(\(v))\n"
            case "date (YYYY-MM-DD)": out += "\(v) <- as.Date(\(v))\n"
            case "select_one":
                out += "\(v) <- factor(\(v), levels = c(\(c.choices.map { quote($0.name) }.joined(separator: ", "))), labels = c(\(c.choices.map { quote($0.label) }.joined(separator: ", "))))\n"
            default: break
            }
            out += "attr(\(v), \"label\") <- \(quote(c.label))\n"
        }
        return out
    }

    /// A Stata do-file that reads `respondents.csv`, names every variable (Stata names: 32 characters at most),
    /// makes numbers numeric, dates %td, select_one coded 1, 2, ... with value labels, and labels every variable.
    public static func stataScript(_ form: XLSForm, includeText: Bool = false, language: String? = nil, design: Design? = nil) -> String {
        let columns = columns(form, includeText: includeText, language: language, design: design)
        func quote(_ s: String) -> String {
            // Compound quotes hold any text but a line break; labels are cut to Stata's 80 characters.
            "`\"" + String(s.replacingOccurrences(of: "\n", with: " ").prefix(80)) + "\"'"
        }
        var used: Set<String> = []
        let names: [String] = columns.map { c in
            var name = String(c.name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }.prefix(32))
            if name.first?.isNumber == true { name = "_" + name.prefix(31) }
            var k = 2
            while used.contains(name) {
                let suffix = "_\(k)"
                name = String(name.prefix(32 - suffix.count)) + suffix
                k += 1
            }
            used.insert(name)
            return name
        }
        var out = """
        * Reads respondents.csv as Pathways exported it: pseudonymous ids, one row per respondent.
        * Empty cells are missing: a question not asked or not answered, never 0.
        import delimited using "respondents.csv", varnames(nonames) rowrange(2) stringcols(_all) encoding("utf-8") bindquote(strict) clear

        """
        for (i, name) in names.enumerated() { out += "rename v\(i + 1) \(name)\n" }
        for (c, name) in zip(columns, names) {
            switch c.type {
            case "integer", "decimal", "0/1": out += "destring \(name), replace\n"
            case "date (YYYY-MM-DD)":
                out += "generate double __d = date(\(name), \"YMD\")\nformat __d %td\ndrop \(name)\nrename __d \(name)\n"
            case "select_one":
                let label = String(("l_" + name).prefix(32))
                out += "label define \(label) " + c.choices.enumerated().map { "\($0.offset + 1) \(quote($0.element.label))" }.joined(separator: " ") + "\n"
                out += "generate byte __c = .\n"
                for (k, choice) in c.choices.enumerated() { out += "replace __c = \(k + 1) if \(name) == \(quote(choice.name))\n" }
                out += "drop \(name)\nrename __c \(name)\nlabel values \(name) \(label)\n"
            default: break
            }
            out += "label variable \(name) \(quote(c.label))\n"
        }
        out += "order \(names.joined(separator: " "))\n"
        return out
    }
}
