import Foundation

/// Writes postings as schema.org `JobPosting` JSON-LD, in the shapes Google's and schema.org's examples use, so that
/// `JobPostingReader` reads back what was written: for a careers page's markup, and for files handed to the import.
public enum JobPostingWriter {
    /// One posting as a JSON-LD node (without `@context`).
    public static func node(_ p: JobPosting) -> [String: Any] {
        var n: [String: Any] = ["@type": "JobPosting", "title": p.title, "description": p.description]
        if let id = p.externalID { n["identifier"] = ["@type": "PropertyValue", "value": id] }
        if let url = p.url { n["url"] = url }
        if let name = p.hiringOrganization {
            var org: [String: Any] = ["@type": "Organization", "name": name]
            if let site = p.hiringOrganizationURL { org["sameAs"] = site }
            n["hiringOrganization"] = org
        }
        if !p.skills.isEmpty, p.skills.allSatisfy({ $0.code == nil && $0.termSet == nil }) {
            // Words, as most careers pages give them.
            n["skills"] = p.skills.map(\.name).joined(separator: ", ")
        } else if !p.skills.isEmpty {
            n["skills"] = p.skills.map { s -> [String: Any] in
                var term: [String: Any] = ["@type": "DefinedTerm", "name": s.name]
                if let code = s.code { term["termCode"] = code }
                if let set = s.termSet { term["inDefinedTermSet"] = set }
                return term
            }
        }
        let education = p.education.filter { $0.text != nil || $0.credentialCategory != nil }
        if !education.isEmpty {
            n["educationRequirements"] = education.map { e -> [String: Any] in
                var c: [String: Any] = ["@type": "EducationalOccupationalCredential"]
                if let category = e.credentialCategory { c["credentialCategory"] = category }
                if let text = e.text { c["name"] = text }
                return c
            }
        }
        if p.experienceMonths != nil || p.experienceText != nil {
            var e: [String: Any] = ["@type": "OccupationalExperienceRequirements"]
            if let m = p.experienceMonths { e["monthsOfExperience"] = m }
            if let text = p.experienceText { e["description"] = text }
            n["experienceRequirements"] = e
        }
        if let b = p.experienceInPlaceOfEducation { n["experienceInPlaceOfEducation"] = b }
        if let q = p.qualifications { n["qualifications"] = q }
        if !p.occupationalCategories.isEmpty {
            n["occupationalCategory"] = p.occupationalCategories.map { o -> [String: Any] in
                var c: [String: Any] = ["@type": "CategoryCode"]
                if let code = o.code { c["codeValue"] = code }
                if let label = o.label { c["name"] = label }
                return c
            }
        }
        if !p.employmentTypes.isEmpty { n["employmentType"] = p.employmentTypes }
        let places = p.locations.map { l -> [String: Any] in
            var a: [String: Any] = ["@type": "PostalAddress"]
            for (key, value) in [("streetAddress", l.street), ("addressLocality", l.locality), ("addressRegion", l.region),
                                 ("postalCode", l.postalCode), ("addressCountry", l.country)] {
                if let value { a[key] = value }
            }
            return ["@type": "Place", "address": a]
        }.filter { ($0["address"] as? [String: Any])?.count ?? 0 > 1 }
        if !places.isEmpty { n["jobLocation"] = places }
        if p.remote { n["jobLocationType"] = "TELECOMMUTE" }
        if !p.applicantLocations.isEmpty { n["applicantLocationRequirements"] = p.applicantLocations.map { ["@type": "Country", "name": $0] } }
        if let s = p.salary, s.minValue != nil || s.maxValue != nil {
            var value: [String: Any] = ["@type": "QuantitativeValue"]
            if let low = s.minValue { value["minValue"] = low }
            if let high = s.maxValue { value["maxValue"] = high }
            if let unit = s.unit { value["unitText"] = unit }
            var amount: [String: Any] = ["@type": "MonetaryAmount", "value": value]
            if let currency = s.currency { amount["currency"] = currency }
            n["baseSalary"] = amount
        }
        if let d = p.datePosted { n["datePosted"] = timestamp(d) }
        if let d = p.validThrough { n["validThrough"] = timestamp(d) }
        return n
    }

    /// A JSON-LD document holding every posting (one node, or a `@graph` of several).
    public static func document(_ postings: [JobPosting]) -> Data {
        var doc: [String: Any] = ["@context": "https://schema.org/"]
        if postings.count == 1 {
            doc.merge(node(postings[0])) { a, _ in a }
        } else {
            doc["@graph"] = postings.map(node)
        }
        return (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// To the second, in UTC: what `ISODate.parse` reads back.
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
