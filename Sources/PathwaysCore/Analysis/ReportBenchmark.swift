import Foundation

/// The report benchmark's study: the demo follow-up form with sixteen agreement statements added (41 questions,
/// screening, conditional follow-ups, a select_multiple asked only of some), answers for any number of
/// respondents written as a wide CSV, and the same tables stated for DuckDB so both can be timed and compared.
public enum ReportBenchmark {
    /// The day the benchmark wave opened: completion a year before it makes a respondent eligible.
    public static let today = CalendarDay.date(year: 2023, month: 4, day: 1)!
    public static let statements = 16

    public static func form() throws -> XLSForm {
        var survey = try DemoInstruments.text(.followup, "survey")
        if !survey.hasSuffix("\n") { survey += "\n" }
        survey += "begin group,experience,Your experience of the program,,,,${eligible} = 'yes',,,field-list,\n"
        for i in 1...statements { survey += "select_one agree,statement_\(i),\"Statement \(i) about the program\",,,,,,,,\n" }
        survey += "end group,,,,,,,,,,\n"
        var choices = try DemoInstruments.text(.followup, "choices")
        if !choices.hasSuffix("\n") { choices += "\n" }
        for (name, label) in [("1", "Strongly disagree"), ("2", "Disagree"), ("3", "Neither"), ("4", "Agree"), ("5", "Strongly agree")] {
            choices += "agree,\(name),\(label)\n"
        }
        return try XLSForm(survey: try XLSFormSheet.csv(survey, name: "survey"), choices: try XLSFormSheet.csv(choices, name: "choices"),
                           settings: try XLSFormSheet.csv(try DemoInstruments.text(.followup, "settings"), name: "settings"))
    }

    /// The data file's columns: every input and calculation, in form order.
    public static func columns(_ form: XLSForm) -> [String] {
        form.questions.filter { $0.type.isInput || $0.type == .calculate }.map(\.name)
    }

    /// Writes `respondents` rows of plausible answers, consistent with the form's conditions, streaming.
    public static func writeCSV(form: XLSForm, respondents: Int, to url: URL, seed: UInt64 = 2023) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        let names = columns(form)
        var out = Array((names.joined(separator: ",") + "\n").utf8)
        var rng = SeededRandom(seed: seed)
        let questions = Dictionary(form.questions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func choiceNames(_ q: XLSForm.Question) -> [String] {
            switch q.type {
            case .selectOne(let l, _), .selectMultiple(let l, _): (form.choiceLists[l] ?? []).map(\.name)
            default: []
            }
        }
        let options = questions.mapValues(choiceNames)
        let countries = ["US", "IN", "GB", "CA", "DE", "NG", "BR", "MX", "PK", "EG", "FR", "ES", "AU", "PH", "CN", "CO", "KE", "ZA", "IT", "NL"]
            + (0..<40).map { "X" + String(UnicodeScalar(UInt8(65 + $0 % 26))) }
        let sectors = ["Information technology", "Finance", "Health care", "Education", "Government", "Manufacturing", "Retail", "Consulting",
                       "Energy", "Nonprofit"]
        let comments = ["The credential helped me change careers.", "I could not find jobs that did not ask for a degree.",
                        "Flexible, \"self-paced\" courses fit around my job.", "I worry about AI replacing jobs like mine."]
        let eligibleBefore = CalendarDay.adding(days: -365, to: today)
        let start = CalendarDay.date(year: 2019, month: 1, day: 1)!
        let span = Int(today.timeIntervalSince(start) / 86_400)
        var row: [String: String] = [:]
        func pick(_ list: [String]) -> String { list[Int(rng.next() % UInt64(list.count))] }
        func skewed(_ list: [String]) -> String {
            // Earlier entries more common, as countries and sectors are.
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            return list[min(list.count - 1, Int(u * u * Double(list.count)))]
        }
        func answer(_ name: String, missing: Double = 0.03) {
            guard let q = questions[name], !rng.chance(missing) else { return }
            switch q.type {
            case .selectOne: row[name] = pick(options[name] ?? [])
            case .selectMultiple:
                let all = options[name] ?? []
                var chosen = all.filter { _ in rng.chance(0.25) }
                if chosen.isEmpty { chosen = [pick(all)] }
                row[name] = chosen.joined(separator: " ")
            default: break
            }
        }
        for _ in 0..<respondents {
            row.removeAll(keepingCapacity: true)
            row["completed_program"] = rng.chance(0.92) ? "yes" : "no"
            if row["completed_program"] == "yes" {
                let day = CalendarDay.adding(days: Int(rng.next() % UInt64(span)), to: start)
                row["completion_date"] = CalendarDay.format(day)
                row["eligible"] = day <= eligibleBefore ? "yes" : "no"
            } else {
                row["eligible"] = "no"
            }
            if row["eligible"] == "yes" {
                for name in ["gender", "hispanic", "race", "english", "education", "student", "employment", "business_owner", "knowledge"] { answer(name) }
                if !rng.chance(0.03) { row["birth_year"] = String(1950 + rng.next() % 56) }
                if !rng.chance(0.05) { row["country"] = skewed(countries) }
                if ["full_time", "part_time"].contains(row["employment"] ?? "") || row["business_owner"] == "yes" {
                    if !rng.chance(0.1) { row["sector"] = skewed(sectors) }
                }
                if !rng.chance(0.2) { row["income"] = String(15_000 + 500 * Int(rng.next() % 470)) }
                answer("benefits", missing: 0)
                if (row["benefits"] ?? "").split(separator: " ").contains("job_performance") { answer("ways", missing: 0) }
                row["ways_count"] = String((row["ways"] ?? "").split(separator: " ").count)
                answer("enrolled_degree", missing: 0)
                if row["enrolled_degree"] == "yes" { for name in ["degree_level", "same_university", "credit_accepted"] { answer(name) } }
                answer("other_credentials", missing: 0)
                if row["other_credentials"] == "yes" { answer("credential_kinds", missing: 0); answer("employer_support") }
                if rng.chance(0.1) {
                    row["comments"] = pick(comments)
                    row["quote_consent"] = rng.chance(0.6) ? "yes" : "no"
                }
                for i in 1...statements { answer("statement_\(i)", missing: 0.05) }
            }
            for (i, name) in names.enumerated() {
                if i > 0 { out.append(44) }
                if let v = row[name] { out += CSVTable.field(v).utf8 }
            }
            out.append(10)
            if out.count > 1 << 22 {
                try handle.write(contentsOf: out)
                out.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: out)
    }

    // MARK: the same tables in SQL

    /// Whether a respondent was shown a question, as a DuckDB condition over the data file's text columns.
    public static func shownSQL(_ q: XLSForm.Question, form: XLSForm) throws -> String {
        let groups = Dictionary(form.questions.filter { $0.type == .beginGroup }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let conditions = q.groups.compactMap { groups[$0]?.relevant } + (q.relevant.map { [$0] } ?? [])
        return conditions.isEmpty ? "TRUE" : try conditions.map { "(\(try sql($0)))" }.joined(separator: " AND ")
    }

    /// The XLSForm expressions `relevant` uses here, as SQL: an unanswered question reads as '' as in ODK.
    public static func sql(_ e: Expression) throws -> String {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        switch e {
        case .string(let s): return quote(s)
        case .number(let d): return String(d)
        case .reference(let name): return "coalesce(\"\(name)\", '')"
        case .binary(let op, let a, let b):
            switch op {
            case .and, .or: return "(\(try sql(a)) \(op.rawValue.uppercased()) \(try sql(b)))"
            case .equal, .notEqual: return "(\(try sql(a)) \(op == .equal ? "=" : "<>") \(try sql(b)))"
            default: throw ExpressionError(position: 0, message: "the benchmark's SQL has no \(op.rawValue)")
            }
        case .call("selected", let args) where args.count == 2:
            return "list_contains(string_split(\(try sql(args[0])), ' '), \(try sql(args[1])))"
        case .call("not", let args) where args.count == 1:
            return "(NOT \(try sql(args[0])))"
        default:
            throw ExpressionError(position: 0, message: "the benchmark's SQL has no translation for \(e)")
        }
    }

    /// The tables for DuckDB: each question's kind, shown condition and options, as JSON.
    public static func spec(_ form: XLSForm) throws -> Data {
        var tables: [[String: Any]] = []
        for q in form.questions {
            var kind: String
            var options: [String] = []
            switch q.type {
            case .selectOne(let l, _): kind = "select_one"; options = (form.choiceLists[l] ?? []).map(\.name)
            case .selectMultiple(let l, _): kind = "select_multiple"; options = (form.choiceLists[l] ?? []).map(\.name)
            case .integer, .decimal: kind = "number"
            case .date: kind = "date"
            case .text where !(q.appearance ?? "").contains("multiline"): kind = "text"
            default: continue
            }
            tables.append(["item": q.name, "kind": kind, "shown": try shownSQL(q, form: form), "options": options])
        }
        return try JSONSerialization.data(withJSONObject: ["tables": tables], options: [.sortedKeys])
    }

    /// Where the report and DuckDB's answer differ; empty when every count agrees exactly and every mean and
    /// standard deviation to 1e-9 (relative).
    public static func compare(_ report: Report, duckdb: [String: Any]) -> [String] {
        var problems: [String] = []
        let theirs = duckdb["tables"] as? [String: [String: Any]] ?? [:]
        func int(_ v: Any?) -> Int? { (v as? NSNumber)?.intValue }
        func double(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }
        func close(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
        }
        for table in report.tables {
            guard let t = theirs[table.item] else { problems.append("\(table.item): missing from DuckDB's answer"); continue }
            switch table.kind {
            case "select_one", "select_multiple":
                if int(t["shown"]) != table.shown || int(t["base"]) != table.base {
                    problems.append("\(table.item): shown/base \(table.shown)/\(table.base) vs \(t["shown"] ?? "-")/\(t["base"] ?? "-")")
                }
                let counts = t["counts"] as? [String: Any] ?? [:]
                for row in table.rows where row.suppressed != true && (int(counts[row.name]) ?? 0) != row.count {
                    problems.append("\(table.item)=\(row.name): \(row.count ?? -1) vs \(counts[row.name] ?? 0)")
                }
            case "number", "date":
                let stats = Dictionary(table.rows.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
                if int(t["n"]) != table.base { problems.append("\(table.item): n \(table.base) vs \(t["n"] ?? "-")") }
                for key in ["mean", "median", "min", "max", "sd"] where table.rows.first?.suppressed != true && !close(stats[key] ?? nil, double(t[key])) {
                    problems.append("\(table.item): \(key) \(String(describing: stats[key] ?? nil)) vs \(t[key] ?? "-")")
                }
            case "text":
                if int(t["base"]) != table.base || int(t["distinct"]) != table.rows.first?.count {
                    problems.append("\(table.item): base/distinct \(table.base)/\(table.rows.first?.count ?? -1) vs \(t["base"] ?? "-")/\(t["distinct"] ?? "-")")
                }
                let top = (t["top"] as? [[Any]] ?? []).map { "\($0.first ?? "")=\(int($0.last) ?? -1)" }
                let ours = table.rows.dropFirst().map { "\($0.name)=\($0.count ?? -1)" }
                if top != ours { problems.append("\(table.item): top \(ours) vs \(top)") }
            default: continue
            }
        }
        return problems
    }
}
