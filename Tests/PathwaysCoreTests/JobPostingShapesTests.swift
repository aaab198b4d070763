import Foundation
@testable import PathwaysCore
import PathwaysTestSupport
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

    /// Every real careers page of the corpus is read: no page refused, no posting lost for a recommended field.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func everyRealPageOfTheCorpusIsRead() throws {
        let folder = try Corpus.url("jobpostings")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files.count >= 35)
        var counts: [String: Int] = [:]
        var warned: [String: [String]] = [:]
        for name in files {
            var warnings: [JobPostingImportError] = []
            let postings = try JobPostingReader.read(try Data(contentsOf: folder.appendingPathComponent(name)), file: name, warnings: &warnings)
            counts[name] = postings.count
            warned[name] = warnings.map(\.description)
            for p in postings {
                #expect(!p.title.isEmpty && !p.description.isEmpty, "\(name)")
            }
        }
        #expect(counts.values.allSatisfy { $0 >= 1 })
        // A Teamtailor feed carries its postings as items[]._jobposting; starspawn writes the type `jobPosting`, and
        // keeps JSON-LD as a string in a `gsd` field.
        #expect(counts["job-hunter-toolkit__job-hunter-toolkit__teamtailor_tibber_jobs.json"].map { $0 > 1 } == true)
        #expect(counts["autotrons__starspawn__demo.html"] == 1)
        #expect(counts["autotrons__starspawn__realJobSchemaed.json"] == 1)
        // Fursa's pages write validThrough "": no value, and no refusal.
        #expect(counts["joshua740__fursa_ke__chevening-scholarship-2024_index.html"] == 1)
    }

    @Test func occupationsInWordsQualificationsAndEscapedMarkupAreReadAsTheyAre() throws {
        let posting = try read("""
            {"@context": "https://schema.org", "@type": "JobPosting", "title": "Sales &amp; Marketing Lead",
             "description": "&lt;p&gt;Lead our &lt;strong&gt;team&lt;/strong&gt;.&lt;/p&gt;",
             "hiringOrganization": {"@type": "Organization", "name": "Smith &amp; Sons"},
             "occupationalCategory": ["Software Engineering", "15-1252.00 Software Developers", {"@type": "CategoryCode", "codeValue": "41-4011"}],
             "relevantOccupation": {"@type": "Occupation", "name": "Sales Manager", "occupationalCategory": {"@type": "CategoryCode", "codeValue": "11-2022.00"}},
             "qualifications": [{"@type": "EducationalOccupationalCredential", "credentialCategory": "degree", "description": "A bachelor's degree in marketing"},
                                "Fluent English"]}
            """)
        #expect(posting.title == "Sales & Marketing Lead" && posting.hiringOrganization == "Smith & Sons")
        #expect(posting.description == "<p>Lead our <strong>team</strong>.</p>", "escaped HTML is HTML again, once")
        #expect(posting.plainDescription == "Lead our team.")
        #expect(posting.occupationalCategories == [OccupationCode(code: nil, label: "Software Engineering"), OccupationCode(code: "15-1252.00", label: "Software Developers"),
                                                   OccupationCode(code: "41-4011"), OccupationCode(code: "11-2022.00", label: "Sales Manager")])
        #expect(posting.occupationalCategories.map(\.text) == ["Software Engineering", "Software Developers (15-1252.00)", "41-4011", "Sales Manager (11-2022.00)"])
        #expect(posting.qualifications == "A bachelor's degree in marketing: degree Fluent English")
        #expect(DegreeClassifier.classify(posting).requirement == .bachelors, "the qualifications are read for the degree asked")
        // Text that merely mentions an entity is not unescaped: only markup written as entities is.
        #expect(HTMLText.unescapingMarkup("Use 3 &lt; 4 in SQL") == "Use 3 &lt; 4 in SQL")
        #expect(HTMLText.unescapingMarkup("<p>Tom &amp; Jerry</p>") == "<p>Tom &amp; Jerry</p>")
    }

    /// The degree classifier against what a person read in each real page (`Fixtures/jobposting-degree-labels.tsv`,
    /// written before the classifier ran on them): every posting of the corpus is labelled, and every label held.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func theDegreeClassifierAgreesWithLabelsWrittenFirst() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/jobposting-degree-labels", withExtension: "tsv"))
        var labels: [String: DegreeRequirement] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(cells.count == 4, "\(line)")
            labels[cells[0] + "\t" + cells[1]] = try #require(DegreeRequirement(rawValue: cells[2]), "\(cells[2])")
        }
        let folder = try Corpus.url("jobpostings")
        var seen = 0, agreed = 0, disagreements: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ !$0.hasPrefix(".") && !$0.hasSuffix(".md") }).sorted() {
            for posting in try JobPostingReader.read(try Data(contentsOf: folder.appendingPathComponent(name)), file: name) {
                seen += 1
                let label = try #require(labels[name + "\t" + posting.title], "\(name): \(posting.title) has a label")
                let found = DegreeClassifier.classify(posting)
                if found.requirement == label { agreed += 1 } else { disagreements.append("\(posting.title): labelled \(label.rawValue), classified \(found.requirement.rawValue) (\(found.reason))") }
            }
        }
        #expect(seen == labels.count, "one label per posting")
        #expect(disagreements.isEmpty, "\(agreed) of \(seen) agree; \(disagreements.joined(separator: "; "))")
    }

    @Test func anUnreadableClosingDateOrSalaryIsWarnedAboutAndThePostingKept() throws {
        var warnings: [JobPostingImportError] = []
        let json = """
            {"@type": "JobPosting", "title": "Clerk", "description": "Files.", "validThrough": "end of March",
             "experienceRequirements": {"monthsOfExperience": "several"},
             "baseSalary": {"@type": "MonetaryAmount", "currency": "USD", "value": {"@type": "QuantitativeValue", "minValue": "lots"}}}
            """
        let postings = try JobPostingReader.read(Data(json.utf8), file: "clerk.json", warnings: &warnings)
        #expect(postings.count == 1 && postings[0].validThrough == nil && postings[0].salary == nil)
        #expect(warnings.map(\.description) == [
            "clerk.json, JobPosting.experienceRequirements[0].monthsOfExperience: monthsOfExperience must be a number, not \"several\"; the posting is kept without it",
            "clerk.json, JobPosting.baseSalary.value.minValue: minValue must be a number, not \"lots\"; the posting is kept without a salary",
            "clerk.json, JobPosting.validThrough: validThrough must be an ISO 8601 date, not \"end of March\"; the posting is kept with no closing date",
        ])
    }
}
