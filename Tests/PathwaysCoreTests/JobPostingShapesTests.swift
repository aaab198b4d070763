import Foundation
@testable import PathwaysCore
import Testing

/// JobPosting shapes real careers pages use: `@id` references inside a `@graph`, remote places as Google documents
/// them, a currency beside a bare-number salary, unitText spellings, nameless DefinedTerm skills, placeholder places.
@Suite struct JobPostingShapesTests {
    func read(_ json: String) throws -> JobPosting {
        let postings = try JobPostingReader.read(Data(json.utf8), file: "page.json")
        return try #require(postings.first)
    }

    @Test func referencesInsideTheDocumentAreFollowed() throws {
        let p = try read("""
            {"@context": "https://schema.org", "@graph": [
              {"@type": "Organization", "@id": "https://acme.example/#org", "name": "Acme Analytics", "sameAs": "https://acme.example"},
              {"@type": "Place", "@id": "#hq", "address": {"@type": "PostalAddress", "addressLocality": "Leeds", "addressCountry": "GB"}},
              {"@type": "JobPosting", "title": "Data Analyst", "description": "<p>Analyse data.</p>", "datePosted": "2026-11-02",
               "hiringOrganization": {"@id": "https://acme.example/#org"}, "jobLocation": [{"@id": "#hq"}]}
            ]}
            """)
        #expect(p.hiringOrganization == "Acme Analytics" && p.hiringOrganizationURL == "https://acme.example")
        #expect(p.locations == [PostingLocation(locality: "Leeds", country: "GB")])
    }

    @Test func aRemotePlaceCurrencyAndUnitAreRead() throws {
        let p = try read("""
            {"@type": "JobPosting", "title": "Support Engineer", "description": "Help customers.",
             "jobLocation": {"@type": "Place", "additionalProperty": {"@type": "PropertyValue", "value": "TELECOMMUTE"},
                             "address": {"@type": "PostalAddress", "addressLocality": "UNAVAILABLE", "addressRegion": ", Mountain View"}},
             "salaryCurrency": "eur", "baseSalary": 52000,
             "estimatedSalary": {"@type": "MonetaryAmount", "currency": "EUR", "value": {"@type": "QuantitativeValue", "value": 50000, "unitText": "YEARLY"}}}
            """)
        #expect(p.remote)
        #expect(p.locations == [PostingLocation(region: "Mountain View")], "placeholders and stray separators are not places")
        #expect(p.salary?.currency == "EUR" && p.salary?.minValue == 52_000)
        #expect(Salary.unit("YEARLY") == "YEAR" && Salary.unit("per hour") == "HOUR" && Salary.unit("MONTH") == "MONTH")
        let hourly = try read("""
            {"@type": "JobPosting", "title": "Barista", "description": "Coffee.",
             "baseSalary": {"@type": "MonetaryAmount", "currency": "USD", "value": {"@type": "QuantitativeValue", "minValue": 18, "maxValue": 22, "unitText": "HOURLY"}}}
            """)
        #expect(hourly.salary == Salary(currency: "USD", minValue: 18, maxValue: 22, unit: "HOUR"))
    }

    @Test func aSkillWithoutANameIsNamedByItsDescriptionOrCode() throws {
        let p = try read("""
            {"@type": "JobPosting", "title": "Analyst", "description": "Numbers.",
             "skills": [{"@type": "DefinedTerm", "termCode": "KS120P86XDXZJT3B7KVJ", "description": "SQL (Programming Language)"},
                        {"@type": "DefinedTerm", "termCode": "KS440W865GC4VRBW6LJP"}]}
            """)
        #expect(p.skills.map(\.name) == ["SQL (Programming Language)", "KS440W865GC4VRBW6LJP"])
        #expect(p.skills.first?.code == "KS120P86XDXZJT3B7KVJ")
    }

    @Test func aPostingWithoutIdentifierIsKeyedByItsContent() throws {
        let page = """
            {"@type": "JobPosting", "title": "Data  Analyst", "description": "Numbers.", "datePosted": "2026-11-02",
             "hiringOrganization": "Acme", "jobLocation": {"address": {"addressLocality": "Leeds", "addressCountry": "GB"}}}
            """
        let once = try read(page), again = try read(page)
        #expect(once.externalID == nil)
        #expect(once.dedupeKey(ownerKey: nil) == again.dedupeKey(ownerKey: nil))
        #expect(once.dedupeKey(ownerKey: nil) == "content|acme|data analyst|leeds//gb|2026-11-02")
        var moved = once
        moved.locations = [PostingLocation(locality: "York", country: "GB")]
        #expect(moved.dedupeKey(ownerKey: nil) != once.dedupeKey(ownerKey: nil), "the same title elsewhere is another posting")
        var identified = once
        identified.externalID = "R-17"
        #expect(identified.dedupeKey(ownerKey: nil) == "acme|R-17")
    }
}
