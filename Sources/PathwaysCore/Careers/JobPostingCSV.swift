import Foundation

/// Job postings as CSV, for employers whose systems export spreadsheets rather than JSON-LD: one posting per row,
/// the same fields as schema.org `JobPosting`. Errors name the file, row and column.
///
/// Columns (header names, any order; `title` and `description` required):
/// `id, title, description, employer, employer_url, skills` (separated by `;`), `education` (a credentialCategory such
/// as `bachelor degree`, or words), `experience_months, experience_in_place_of_education` (yes/no),
/// `occupation` (O*NET-SOC code), `employment_type` (`;`-separated), `locality, region, country, remote` (yes/no),
/// `applicant_country, salary_min, salary_max, salary_currency, salary_unit` (HOUR … YEAR), `date_posted,
/// valid_through` (ISO 8601), `url`.
public enum JobPostingCSV {
    public static let columns = ["id", "title", "description", "employer", "employer_url", "skills", "education", "experience_months",
                                 "experience_in_place_of_education", "occupation", "employment_type", "locality", "region", "country", "remote",
                                 "applicant_country", "salary_min", "salary_max", "salary_currency", "salary_unit", "date_posted", "valid_through", "url"]

    static let categories = ["high school", "associate degree", "bachelor degree", "postgraduate degree", "professional certificate", "no requirements"]

    public static func read(_ data: Data, file: String) throws -> [JobPosting] {
        guard let text = String(data: data, encoding: .utf8) else { throw JobPostingImportError(file: file, message: "the file is not UTF-8 text") }
        let table: CSVTable
        do { table = try CSVTable.parse(text) } catch { throw JobPostingImportError(file: file, line: error.line, message: error.message) }
        for required in ["title", "description"] where !table.header.contains(required) {
            throw JobPostingImportError(file: file, line: 1, message: "the header has no \(required) column")
        }
        if let unknown = table.header.first(where: { !columns.contains($0) }) {
            throw JobPostingImportError(file: file, line: 1, path: unknown, message: "unknown column \(unknown) (columns: \(columns.joined(separator: ", ")))")
        }
        var out: [JobPosting] = []
        for record in table.records {
            out.append(try posting(line: record.line, file: file) { column in
                guard let i = table.header.firstIndex(of: column), i < record.fields.count else { return nil }
                return record.fields[i]
            })
        }
        if out.isEmpty { throw JobPostingImportError(file: file, message: "the file has no postings") }
        return out
    }

    /// One posting from named fields (a CSV row, or the web form's fields), `line` being where it came from.
    public static func posting(line: Int, file: String, _ field: (String) -> String?) throws -> JobPosting {
        func value(_ column: String) -> String? {
            guard let v = field(column)?.trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
            return v.isEmpty ? nil : v
        }
        func fail(_ column: String, _ message: String) -> JobPostingImportError {
            JobPostingImportError(file: file, line: line, path: "column \(column)", message: message)
        }
        func number(_ column: String) throws -> Double? {
            guard let v = value(column) else { return nil }
            guard let n = Double(v.replacingOccurrences(of: ",", with: "")), n >= 0 else { throw fail(column, "'\(v)' is not a number") }
            return n
        }
        func yesNo(_ column: String) throws -> Bool? {
            guard let v = value(column)?.lowercased() else { return nil }
            switch v {
            case "yes", "true", "1": return true
            case "no", "false", "0": return false
            default: throw fail(column, "'\(v)' is not yes or no")
            }
        }
        func date(_ column: String) throws -> Date? {
            guard let v = value(column) else { return nil }
            guard let d = ISODate.parse(v) else { throw fail(column, "'\(v)' is not an ISO 8601 date (YYYY-MM-DD)") }
            return d
        }
        guard let title = value("title") else { throw fail("title", "a posting needs a title") }
        guard let description = value("description") else { throw fail("description", "a posting needs a description") }
        var p = JobPosting(externalID: value("id"), title: title, description: description, hiringOrganization: value("employer"),
                           hiringOrganizationURL: value("employer_url"))
        p.skills = (value("skills") ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { PostingSkill(name: $0) }
        if let e = value("education") {
            p.education = [categories.contains(e.lowercased()) ? EducationRequirement(credentialCategory: e.lowercased()) : EducationRequirement(text: e)]
        }
        if let months = try number("experience_months") { p.experienceMonths = Int(months.rounded()) }
        p.experienceInPlaceOfEducation = try yesNo("experience_in_place_of_education")
        if let o = value("occupation") {
            guard o.range(of: #"^\d{2}-\d{4}(\.\d{2})?$"#, options: .regularExpression) != nil else { throw fail("occupation", "'\(o)' is not an O*NET-SOC code such as 15-1252.00") }
            p.occupationalCategories = [OccupationCode(code: o)]
        }
        p.employmentTypes = (value("employment_type") ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: " ", with: "_") }.filter { !$0.isEmpty }
        if value("locality") != nil || value("region") != nil || value("country") != nil {
            p.locations = [PostingLocation(locality: value("locality"), region: value("region"), country: value("country"))]
        }
        p.remote = try yesNo("remote") ?? false
        p.applicantLocations = value("applicant_country").map { [$0] } ?? []
        let low = try number("salary_min"), high = try number("salary_max")
        if let l = low, let h = high, l > h { throw fail("salary_max", "salary_max \(h) is below salary_min \(l)") }
        if low != nil || high != nil {
            let unit = value("salary_unit")?.uppercased()
            if let unit, !["HOUR", "DAY", "WEEK", "MONTH", "YEAR"].contains(unit) { throw fail("salary_unit", "'\(unit)' is not HOUR, DAY, WEEK, MONTH or YEAR") }
            p.salary = Salary(currency: value("salary_currency"), minValue: low ?? high, maxValue: high ?? low, unit: unit)
        }
        p.datePosted = try date("date_posted")
        p.validThrough = try date("valid_through")
        p.url = value("url")
        return p
    }
}
