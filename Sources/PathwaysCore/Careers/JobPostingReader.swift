import Foundation

/// A posting file that cannot be read, naming the file, where in it (line and column, or the script block of an HTML
/// page) and which property: nothing from the file is kept.
public struct JobPostingImportError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The property path inside the JSON-LD, e.g. `@graph[1].baseSalary.value.minValue`.
    public var path: String?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, path: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ", line \(line)" + (column.map { ", column \($0)" } ?? "") }
        if let path { place += ", \(path)" }
        return "\(place): \(message)"
    }
}

/// Reads schema.org `JobPosting` JSON-LD: a single object, an array, a `@graph`, a page's `mainEntity`, or the
/// `<script type="application/ld+json">` blocks of an HTML page. Everything a matcher needs is kept; a posting
/// without a title or description, a date that is not ISO 8601, a salary that is not a number or JSON that does not
/// parse is an error that names where it is.
public enum JobPostingReader {
    public static func read(_ data: Data, file: String) throws -> [JobPosting] {
        var warnings: [JobPostingImportError] = []
        return try read(data, file: file, warnings: &warnings)
    }

    /// Reads the postings, adding a warning (named like an error: file, line, property) for each recommended field
    /// that could not be kept as given — an empty or unreadable closing date, a salary whose numbers are not
    /// numbers — while the posting itself is kept.
    public static func read(_ data: Data, file: String, warnings: inout [JobPostingImportError]) throws -> [JobPosting] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw JobPostingImportError(file: file, message: "the file is not UTF-8 text")
        }
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        var blocks: [(json: Substring, startLine: Int, startColumn: Int, label: String?)] = []
        if trimmed.first == "<" {
            let found = scriptBlocks(in: text)
            if found.isEmpty {
                throw JobPostingImportError(file: file, message: "the page has no <script type=\"application/ld+json\"> block")
            }
            for (n, block) in found.enumerated() {
                blocks.append((block.json, block.line, block.column, found.count > 1 ? "script \(n + 1)" : nil))
            }
        } else {
            blocks.append((Substring(text), 1, 1, nil))
        }
        var postings: [JobPosting] = []
        for block in blocks {
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(block.json.utf8), options: [])
            } catch {
                let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "\(error)"
                var line: Int?, column: Int?
                if let offset = characterOffset(in: detail) {
                    (line, column) = position(of: offset, in: block.json, startLine: block.startLine, startColumn: block.startColumn)
                }
                throw JobPostingImportError(file: file, line: line, column: column, path: block.label,
                                            message: "not valid JSON: \(detail.replacingOccurrences(of: #" around character \d+\."#, with: "", options: .regularExpression))")
            }
            var found: [(Any, String)] = []
            collect(object, path: block.label.map { "\($0): " } ?? "", into: &found)
            var nodes: [String: [String: Any]] = [:]
            identified(object, into: &nodes)
            for (node, path) in found {
                do {
                    var noted: [FieldError] = []
                    postings.append(try posting(from: resolving(node as! [String: Any], in: nodes), path: path, warnings: &noted))
                    warnings += noted.map { JobPostingImportError(file: file, line: block.label == nil ? nil : block.startLine, path: $0.path, message: $0.message) }
                } catch let error as FieldError {
                    throw JobPostingImportError(file: file, line: block.label == nil ? nil : block.startLine, path: error.path, message: error.message)
                }
            }
        }
        if postings.isEmpty {
            throw JobPostingImportError(file: file, message: "no JobPosting found anywhere in the document")
        }
        return postings
    }

    struct FieldError: Error {
        var path: String
        var message: String
    }

    // MARK: finding the postings

    /// Every node of the document that describes something under an `@id` (more than the reference itself).
    static func identified(_ value: Any, into nodes: inout [String: [String: Any]]) {
        if let array = value as? [Any] {
            for v in array { identified(v, into: &nodes) }
        } else if let node = value as? [String: Any] {
            if let id = node["@id"] as? String, node.keys.contains(where: { $0 != "@id" && $0 != "@type" }), nodes[id] == nil { nodes[id] = node }
            for (key, v) in node where key != "@id" { identified(v, into: &nodes) }
        }
    }

    /// A posting with each property that only points at a node (`"hiringOrganization": {"@id": "#org"}`) replaced by
    /// the node the document describes under that `@id`, one level deep.
    static func resolving(_ posting: [String: Any], in nodes: [String: [String: Any]]) -> [String: Any] {
        guard !nodes.isEmpty else { return posting }
        func resolved(_ value: Any) -> Any {
            if let array = value as? [Any] { return array.map(resolved) }
            if let ref = value as? [String: Any], let id = ref["@id"] as? String, !ref.keys.contains(where: { $0 != "@id" && $0 != "@type" }),
               let node = nodes[id] { return node }
            return value
        }
        return posting.mapValues(resolved)
    }

    static func isJobPosting(_ node: [String: Any]) -> Bool {
        let types = strings(node["@type"])
        // Some generators write the type in the wrong case (`jobPosting`).
        return types.contains { t in
            let l = t.lowercased()
            return l == "jobposting" || l == "schema:jobposting" || l.hasSuffix("schema.org/jobposting")
        }
    }

    static func collect(_ value: Any, path: String, into found: inout [(Any, String)]) {
        if let array = value as? [Any] {
            for (i, v) in array.enumerated() { collect(v, path: "\(path)[\(i)]", into: &found) }
        } else if let node = value as? [String: Any] {
            if isJobPosting(node) {
                found.append((node, path.isEmpty ? "JobPosting" : path))
                return
            }
            // Anywhere below: @graph, mainEntity, a feed's items[]._jobposting. Keys in order, so paths are stable.
            for key in node.keys.sorted() where key != "@context" {
                collect(node[key]!, path: path + (path.isEmpty || path.hasSuffix(" ") ? "" : ".") + key, into: &found)
            }
        } else if let text = value as? String, text.count < 5_000_000, text.first == "{" || text.first == "[", text.contains("obPosting"),
                  let inner = try? JSONSerialization.jsonObject(with: Data(text.utf8)) {
            // JSON-LD kept as a string inside another document's field.
            collect(inner, path: path, into: &found)
        }
    }

    /// The JSON inside each `<script type="application/ld+json">` element, with the line and column it starts at.
    static func scriptBlocks(in html: String) -> [(json: Substring, line: Int, column: Int)] {
        let pattern = #"<script\b[^>]*\btype\s*=\s*["']?application/ld\+json["']?[^>]*>(.*?)</script\s*>"#
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive, .dotMatchesLineSeparators]) else { return [] }
        let ns = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: ns.length)).compactMap { match in
            guard let range = Range(match.range(at: 1), in: html) else { return nil }
            let before = html[..<range.lowerBound]
            let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            var json = html[range]
            // Some pages wrap the JSON in an HTML comment or CDATA section.
            for (open, close) in [("<!--", "-->"), ("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>")] {
                let t = json.trimmingCharacters(in: .whitespacesAndNewlines)
                if t.hasPrefix(open) && t.hasSuffix(close) {
                    json = Substring(t.dropFirst(open.count).dropLast(close.count))
                }
            }
            return (json, line, column)
        }
    }

    static func characterOffset(in detail: String) -> Int? {
        guard let r = detail.range(of: #"character (\d+)"#, options: .regularExpression) else { return nil }
        return Int(detail[r].dropFirst("character ".count))
    }

    /// Line and column (1-based) of a UTF-8 byte offset in `text`, which starts at (`startLine`, `startColumn`).
    static func position(of offset: Int, in text: Substring, startLine: Int, startColumn: Int) -> (Int, Int) {
        var line = startLine, column = startColumn
        for (i, byte) in text.utf8.enumerated() {
            if i >= offset { break }
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    // MARK: reading one posting

    static func posting(from node: [String: Any], path: String, warnings: inout [FieldError]) throws -> JobPosting {
        func p(_ key: String) -> String { "\(path).\(key)" }
        guard let title = text(node["title"]) ?? text(node["name"]), !title.isEmpty else {
            throw FieldError(path: p("title"), message: "a JobPosting needs a title")
        }
        guard let description = text(node["description"]), !description.isEmpty else {
            throw FieldError(path: p("description"), message: "a JobPosting needs a description")
        }
        var posting = JobPosting(title: HTMLText.plain(title), description: HTMLText.unescapingMarkup(description))

        // Identity: the employer's identifier, else the node's @id, else its url.
        if let identifier = first(node["identifier"]) {
            if let o = identifier as? [String: Any] { posting.externalID = text(o["value"]) ?? text(o["@id"]) ?? text(o["name"]) }
            else { posting.externalID = text(identifier) }
        }
        posting.url = text(node["url"])
        if posting.externalID == nil { posting.externalID = text(node["@id"]) ?? posting.url }

        if let org = first(node["hiringOrganization"]) {
            if let o = org as? [String: Any] {
                posting.hiringOrganization = text(o["name"]).map(HTMLText.plain)
                posting.hiringOrganizationURL = text(o["sameAs"]) ?? text(o["url"])
            } else {
                posting.hiringOrganization = text(org)
            }
        }

        for (i, item) in array(node["skills"]).enumerated() {
            if let o = item as? [String: Any] {
                // A term without a name is named by its description, else its code.
                guard let name = text(o["name"]) ?? text(o["description"]).map(HTMLText.plain) ?? text(o["termCode"]) else {
                    throw FieldError(path: "\(p("skills"))[\(i)]", message: "a DefinedTerm skill needs a name, a description or a termCode")
                }
                let set = first(o["inDefinedTermSet"]).flatMap { ($0 as? [String: Any]).flatMap { text($0["name"]) ?? text($0["@id"]) ?? text($0["url"]) } ?? text($0) }
                posting.skills.append(PostingSkill(name: name, code: text(o["termCode"]) ?? text(o["@id"]) ?? text(o["url"]), termSet: set))
            } else if let words = text(item) {
                posting.skills += splitList(HTMLText.plain(words)).map { PostingSkill(name: $0) }
            }
        }

        for item in array(node["educationRequirements"]) {
            if let o = item as? [String: Any] {
                let category = credentialCategory(o)
                posting.education.append(EducationRequirement(text: text(o["name"]) ?? text(o["description"]), credentialCategory: category?.lowercased()))
            } else if let words = text(item) {
                posting.education.append(EducationRequirement(text: HTMLText.plain(words)))
            }
        }

        for (i, item) in array(node["experienceRequirements"]).enumerated() {
            if let o = item as? [String: Any] {
                if let months = o["monthsOfExperience"] {
                    if let m = number(months) {
                        posting.experienceMonths = max(posting.experienceMonths ?? 0, Int(m.rounded()))
                    } else {
                        warnings.append(FieldError(path: "\(p("experienceRequirements"))[\(i)].monthsOfExperience",
                                                   message: "monthsOfExperience must be a number, not \(describe(months)); the posting is kept without it"))
                    }
                }
                if let d = text(o["description"]) { posting.experienceText = d }
            } else if let words = text(item) {
                posting.experienceText = HTMLText.plain(words)
            }
        }
        if let v = first(node["experienceInPlaceOfEducation"]) {
            if isBoolean(v), let b = v as? Bool {
                posting.experienceInPlaceOfEducation = b
            } else if let s = text(v)?.lowercased(), s == "true" || s == "false" {
                posting.experienceInPlaceOfEducation = s == "true"
            } else {
                throw FieldError(path: p("experienceInPlaceOfEducation"), message: "must be true or false, not \(describe(v))")
            }
        }

        // The occupation: CategoryCodes or text, and a relevantOccupation (an Occupation named, with its own category).
        func occupations(_ value: Any?) -> [OccupationCode] {
            array(value).compactMap { item -> OccupationCode? in
                if let o = item as? [String: Any] {
                    let label = text(o["name"]).map(HTMLText.plain)
                    if let code = text(o["codeValue"]) ?? text(o["termCode"]) { return OccupationCode(code: code, label: label) }
                    return label.flatMap(OccupationCode.read)
                }
                return text(item).map(HTMLText.plain).flatMap(OccupationCode.read)
            }
        }
        posting.occupationalCategories = occupations(node["occupationalCategory"])
        for item in array(node["relevantOccupation"]) {
            guard let o = item as? [String: Any] else {
                posting.occupationalCategories += occupations(item)
                continue
            }
            let name = text(o["name"]).map(HTMLText.plain)
            let coded = occupations(o["occupationalCategory"])
            if coded.isEmpty { posting.occupationalCategories += name.flatMap(OccupationCode.read).map { [$0] } ?? [] }
            for c in coded { posting.occupationalCategories.append(OccupationCode(code: c.code, label: c.label ?? name)) }
        }
        var seenOccupations: Set<OccupationCode> = []
        posting.occupationalCategories = posting.occupationalCategories.filter { seenOccupations.insert($0).inserted }

        // Qualifications: text, or credentials by name and description.
        let qualifications = array(node["qualifications"]).compactMap { item -> String? in
            if let o = item as? [String: Any] {
                let words = [text(o["name"]), text(o["description"]), credentialCategory(o)].compactMap { $0 }.map(HTMLText.plain)
                return words.isEmpty ? nil : words.joined(separator: ": ")
            }
            return text(item).map(HTMLText.plain)
        }
        if !qualifications.isEmpty { posting.qualifications = qualifications.joined(separator: " ") }

        posting.employmentTypes = array(node["employmentType"]).compactMap(text).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: " ", with: "_") }
            .filter { !$0.isEmpty }

        var remoteByPlace = false
        for item in array(node["jobLocation"]) {
            guard let place = item as? [String: Any] else {
                if let words = placeText(item) { posting.locations.append(PostingLocation(locality: words)) }
                continue
            }
            // Google documents a remote place as `additionalProperty` TELECOMMUTE on the jobLocation.
            let telecommute = array(place["additionalProperty"]).contains { p in
                guard let o = p as? [String: Any] else { return false }
                return [text(o["name"]), text(o["value"])].contains { $0?.uppercased() == "TELECOMMUTE" }
            }
            if telecommute { remoteByPlace = true }
            let address = first(place["address"])
            if let a = address as? [String: Any] {
                let country = first(a["addressCountry"]).flatMap { ($0 as? [String: Any]).flatMap { text($0["name"]) } ?? text($0) }
                let location = PostingLocation(locality: placeText(a["addressLocality"]), region: placeText(a["addressRegion"]),
                                               postalCode: placeText(a["postalCode"]), country: placeText(country), street: placeText(a["streetAddress"]))
                if location != PostingLocation() { posting.locations.append(location) }
            } else if let words = placeText(address) ?? placeText(place["name"]) {
                posting.locations.append(PostingLocation(locality: words))
            }
        }
        posting.remote = remoteByPlace || array(node["jobLocationType"]).compactMap(text).contains { $0.uppercased() == "TELECOMMUTE" }
        posting.applicantLocations = array(node["applicantLocationRequirements"]).compactMap { v in
            (v as? [String: Any]).flatMap { text($0["name"]) } ?? text(v)
        }

        if let salary = first(node["baseSalary"]) ?? first(node["estimatedSalary"]) {
            // A recommended field: a salary that cannot be read is warned about, and the posting kept without it.
            do {
                posting.salary = try readSalary(salary, path: p(node["baseSalary"] == nil ? "estimatedSalary" : "baseSalary"))
            } catch let error as FieldError {
                warnings.append(FieldError(path: error.path, message: error.message + "; the posting is kept without a salary"))
            }
            // A bare-number salary may carry its currency at the posting's top level.
            if posting.salary?.currency == nil, let currency = text(node["salaryCurrency"]) { posting.salary?.currency = currency.uppercased() }
        }
        for (key, keyPath) in [("datePosted", \JobPosting.datePosted), ("validThrough", \JobPosting.validThrough)] {
            guard let v = first(node[key]) else { continue }
            // An empty value is no value; an unreadable closing date is warned about, as it is only recommended.
            if v is String, (v as! String).trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let s = text(v), let date = ISODate.parse(s) else {
                let message = "\(key) must be an ISO 8601 date, not \(describe(v))"
                if key == "validThrough" {
                    warnings.append(FieldError(path: p(key), message: message + "; the posting is kept with no closing date"))
                    continue
                }
                throw FieldError(path: p(key), message: message)
            }
            posting[keyPath: keyPath] = date
        }
        return posting
    }

    /// Place text as stored: trimmed of stray separators (", Mountain View"), and nil for placeholders a careers
    /// system writes where it has no value ("UNAVAILABLE", "N/A").
    static func placeText(_ value: Any?) -> String? {
        guard let words = text(value)?.trimmingCharacters(in: CharacterSet(charactersIn: " ,;-–|").union(.whitespacesAndNewlines)), !words.isEmpty else { return nil }
        let placeholders: Set<String> = ["UNAVAILABLE", "N/A", "NA", "NONE", "NULL", "UNKNOWN", "UNDEFINED", "TBD", "-", "NOT AVAILABLE", "NOT SPECIFIED"]
        return placeholders.contains(words.uppercased()) ? nil : words
    }

    static func readSalary(_ value: Any, path: String) throws -> Salary {
        if let n = number(value) { return Salary(minValue: n, maxValue: n) }
        // A salary in words keeps the posting: its text is stored and what numbers it holds are read.
        if let words = value as? String { return Salary.fromWords(words) }
        guard let o = value as? [String: Any] else { throw FieldError(path: path, message: "must be a MonetaryAmount or a number, not \(describe(value))") }
        var salary = Salary(currency: text(o["currency"]))
        let inner = first(o["value"])
        if let q = inner as? [String: Any] {
            for (key, keyPath) in [("minValue", \Salary.minValue), ("maxValue", \Salary.maxValue), ("value", \Salary.minValue)] {
                guard let v = q[key] else { continue }
                guard let n = number(v) else { throw FieldError(path: "\(path).value.\(key)", message: "\(key) must be a number, not \(describe(v))") }
                salary[keyPath: keyPath] = n
                if key == "value" { salary.maxValue = salary.maxValue ?? n }
            }
            salary.unit = text(q["unitText"]).map(Salary.unit)
        } else if let v = inner {
            if let n = number(v) {
                salary.minValue = n
                salary.maxValue = n
            } else if let words = v as? String {
                let read = Salary.fromWords(words, currency: salary.currency)
                salary = Salary(currency: read.currency, minValue: read.minValue, maxValue: read.maxValue, unit: read.unit, text: read.text)
            } else {
                throw FieldError(path: "\(path).value", message: "value must be a number or words, not \(describe(v))")
            }
        } else {
            for (key, keyPath) in [("minValue", \Salary.minValue), ("maxValue", \Salary.maxValue)] {
                guard let v = o[key] else { continue }
                guard let n = number(v) else { throw FieldError(path: "\(path).\(key)", message: "\(key) must be a number, not \(describe(v))") }
                salary[keyPath: keyPath] = n
            }
        }
        if salary.unit == nil { salary.unit = text(o["unitText"]).map(Salary.unit) }
        if let low = salary.minValue, let high = salary.maxValue, low > high {
            throw FieldError(path: path, message: "minValue \(low) is above maxValue \(high)")
        }
        return salary
    }

    // MARK: JSON-LD values

    /// The first value: JSON-LD allows one value or an array of them anywhere.
    static func first(_ value: Any?) -> Any? {
        if let a = value as? [Any] { return a.first }
        if value is NSNull { return nil }
        return value
    }

    static func array(_ value: Any?) -> [Any] {
        guard let value, !(value is NSNull) else { return [] }
        return value as? [Any] ?? [value]
    }

    /// A string value, a JSON-LD value object's `@value`, or a number as text.
    /// A credential's `credentialCategory`: a DefinedTerm's name or code, or the text.
    static func credentialCategory(_ credential: [String: Any]) -> String? {
        first(credential["credentialCategory"]).flatMap { c in (c as? [String: Any]).flatMap { text($0["name"]) ?? text($0["termCode"]) } ?? text(c) }
    }

    static func text(_ value: Any?) -> String? {
        guard let value = first(value) else { return nil }
        if let s = value as? String {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        if let o = value as? [String: Any], let v = o["@value"] { return text(v) }
        if let n = value as? NSNumber, !isBoolean(value) { return n.stringValue }
        return nil
    }

    /// JSON `true`/`false` (Foundation hands them over as a boolean NSNumber, which also casts to Double).
    static func isBoolean(_ value: Any) -> Bool { String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self }

    static func strings(_ value: Any?) -> [String] { array(value).compactMap { $0 as? String } }

    static func number(_ value: Any?) -> Double? {
        guard let value = first(value) else { return nil }
        if let o = value as? [String: Any], let v = o["@value"] { return number(v) }
        if isBoolean(value) { return nil }
        if let n = value as? NSNumber { return n.doubleValue }
        if let s = value as? String {
            let cleaned = s.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces)
            return Double(cleaned)
        }
        return nil
    }

    static func describe(_ value: Any) -> String {
        if let s = value as? String { return "\"\(s.prefix(40))\"" }
        if value is [String: Any] { return "an object" }
        if value is [Any] { return "an array" }
        return "\(value)"
    }

    /// A skills text split into its items: commas, semicolons, line breaks and bullets separate them.
    static func splitList(_ text: String) -> [String] {
        text.split { ",;\n•·|".contains($0) }.map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "-*."))) }
            .filter { !$0.isEmpty }
    }
}

/// ISO 8601 dates as postings write them: a date, or a date and time with or without seconds, fraction and zone
/// (a time without a zone is read as UTC).
public enum ISODate {
    public static func parse(_ text: String) -> Date? {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        func group(_ i: Int) -> String? { Range(m.range(at: i), in: text).map { String(text[$0]) } }
        var c = DateComponents()
        c.calendar = Calendar(identifier: .gregorian)
        c.year = Int(group(1)!)
        c.month = Int(group(2)!)
        c.day = Int(group(3)!)
        c.hour = group(4).flatMap(Int.init) ?? 0
        c.minute = group(5).flatMap(Int.init) ?? 0
        c.second = group(6).flatMap(Int.init) ?? 0
        var offset = 0
        if let zone = group(8), zone != "Z" {
            let digits = zone.dropFirst().replacingOccurrences(of: ":", with: "")
            guard let h = Int(digits.prefix(2)), let mm = Int(digits.suffix(2)) else { return nil }
            offset = (h * 3600 + mm * 60) * (zone.hasPrefix("-") ? -1 : 1)
        }
        c.timeZone = TimeZone(secondsFromGMT: offset)
        guard let month = c.month, (1...12).contains(month), let day = c.day, (1...31).contains(day),
              let hour = c.hour, hour < 24, let minute = c.minute, minute < 60, let second = c.second, second < 61,
              let date = c.date, Calendar(identifier: .gregorian).dateComponents(in: c.timeZone!, from: date).day == day else { return nil }
        return date
    }
}
