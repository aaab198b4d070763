import Foundation
@testable import PathwaysCore
import PathwaysTestSupport
import Testing

@Suite struct JobPostingReaderTests {
    /// Google's and schema.org's published examples come from the corpus; postings written for these tests from the
    /// repository's fixtures.
    static func fixture(_ name: String) throws -> (Data, String) {
        if name.hasPrefix("google-") || name.hasPrefix("schemaorg-") { return (try Corpus.data("jobpostings/\(name)"), name) }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/jobpostings/\(name)", withExtension: nil))
        return (try Data(contentsOf: url), name)
    }

    static func read(_ name: String) throws -> [JobPosting] {
        let (data, file) = try fixture(name)
        return try JobPostingReader.read(data, file: file)
    }

    static func day(_ text: String) -> Date { ISODate.parse(text)! }

    /// Google's published example, embedded in an HTML page as search engines read it: every field kept.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func googlesExampleFromAPageKeepsEveryField() throws {
        let postings = try Self.read("google-software-engineer.html")
        let p = try #require(postings.first)
        #expect(postings.count == 1)
        #expect(p.title == "Software Engineer")
        #expect(p.description.hasPrefix("<p>Google aspires"))
        #expect(p.plainDescription.hasPrefix("Google aspires to be an organization"))
        #expect(p.externalID == "1234567")
        #expect(p.hiringOrganization == "Google" && p.hiringOrganizationURL == "https://www.google.com")
        #expect(p.employmentTypes == ["CONTRACTOR"])
        #expect(p.locations == [PostingLocation(locality: "Mountain View", region: "CA", postalCode: "94043", country: "US", street: "1600 Amphitheatre Pkwy")])
        #expect(p.salary == Salary(currency: "USD", minValue: 40, maxValue: 40, unit: "HOUR"))
        #expect(p.salary?.annualMidpoint == 83_200)
        #expect(p.datePosted == Self.day("2017-01-18"))
        #expect(p.validThrough == Self.day("2017-03-18T00:00:00Z"), "a date-time without seconds or zone is read")
        #expect(!p.remote)
    }

    /// Google's education and experience properties.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func educationAndExperienceAreKept() throws {
        let p = try #require(try Self.read("google-education-experience.json").first)
        #expect(p.education == [EducationRequirement(credentialCategory: "bachelor degree")])
        #expect(p.experienceMonths == 60)
        #expect(p.experienceInPlaceOfEducation == true)
        #expect(DegreeClassifier.classify(p) == DegreeClassification(.preferred, reason: "educationRequirements credentialCategory \"bachelor degree\", with experienceInPlaceOfEducation true", source: "structured"))
        // schema.org's own example writes the months as a string.
        let s = try #require(try Self.read("schemaorg-experience-in-place.html").first)
        #expect(s.experienceMonths == 60 && s.experienceInPlaceOfEducation == true)
    }

    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func remoteArraysAndRangesAreKept() throws {
        let p = try #require(try Self.read("google-remote.json").first)
        #expect(p.remote)
        #expect(p.applicantLocations == ["USA"])
        #expect(p.employmentTypes == ["FULL_TIME", "PART_TIME"])
        #expect(p.salary == Salary(currency: "USD", minValue: 18, maxValue: 22, unit: "HOUR"))
        #expect(p.validThrough == Self.day("2027-01-31T23:59:59-05:00"))
        #expect(p.education == [EducationRequirement(text: "no requirements")])
        #expect(DegreeClassifier.classify(p).requirement == .noDegree)
    }

    /// schema.org's JobPosting example: text skills, a text education requirement, an O*NET-SOC category.
    @Test(.enabled(if: Corpus.available, "needs ../shared/corpus")) func schemaOrgsExampleKeepsTextFields() throws {
        let p = try #require(try Self.read("schemaorg-software-engineer.json").first)
        #expect(p.occupationalCategories == [OccupationCode(code: "15-1132.00", label: "Software Developers, Application")])
        #expect(p.employmentTypes == ["FULL_TIME"])
        #expect(p.salary == Salary(currency: "USD", minValue: 100_000, maxValue: 100_000), "the top-level salaryCurrency is the bare number's currency")
        #expect(p.experienceText == "Minumum 3 years experience as a software engineer")
        #expect(p.skills.map(\.name).joined(separator: " ").contains("Web application development using Java/J2EE"))
        #expect(p.locations.first?.street == "555 Clancy St" && p.locations.first?.postalCode == "98033")
        let degree = DegreeClassifier.classify(p)
        #expect(degree.requirement == .bachelors)
        #expect(degree.reason.contains("Bachelor's Degree"))
        let terms = Set(MatchIndex(postings: [p]).vectors[0].map { SkillVocabulary.standard.terms[Int($0.term)].id })
        #expect(terms.isSuperset(of: ["tech:java", "tech:python"]), "skills named in the text are mapped: \(terms)")
        let javaLearner = MatchProfile(learnerID: UUID(), skills: ["tech:java": 1])
        #expect(MatchIndex(postings: [p]).top(1, for: javaLearner).first?.matchedSkills.contains("Java") == true)
        #expect(MatchIndex(postings: [p]).top(0, for: javaLearner).isEmpty, "asking for no matches gets none")
    }

    @Test func graphsDefinedTermsAndCategoryCodes() throws {
        let p = try #require(try Self.read("graph-with-defined-terms.jsonld").first)
        #expect(p.externalID == "https://careers.example.org/jobs/4411")
        #expect(p.skills.first == PostingSkill(name: "SQL", code: "tech:sql", termSet: "Pathways skills"))
        #expect(p.skills[1] == PostingSkill(name: "data visualisation", code: "http://data.europa.eu/esco/skill/example-data-visualisation", termSet: "ESCO"))
        #expect(p.skills.dropFirst(2).map(\.name) == ["Statistics", "Microsoft Excel", "stakeholder storytelling"])
        #expect(p.occupationalCategories == [OccupationCode(code: "15-2051.00", label: "Data Scientists")])
        #expect(p.locations.map(\.label) == ["Columbus, OH, US", "Cleveland, OH, US"])
        #expect(p.experienceMonths == 12)
        #expect(p.education.compactMap(\.credentialCategory) == ["high school", "bachelor degree"])
        #expect(p.datePosted == Self.day("2026-11-02T09:00:00Z") && p.validThrough == Self.day("2026-12-31"))
        #expect(p.plainDescription.contains("A bachelor's degree is preferred"), "entities decoded: \(p.plainDescription)")
        // Unmapped skills stay as text; mapped ones reach the vocabulary.
        let vocabulary = SkillVocabulary.standard
        #expect(vocabulary.map("stakeholder storytelling") == nil)
        #expect(vocabulary.map("Microsoft Excel")?.id == "tech:excel")
        #expect(vocabulary.map("Data Visualisation") == nil && vocabulary.map("data visualizations")?.id == "tech:data-visualization")
    }

    @Test(arguments: [
        ("{\n  \"@type\": \"JobPosting\",\n  \"title\": \"X\",\n  \"description\": oops\n}", "postings.json, line 4, column 18: not valid JSON"),
        ("[{\"@type\": \"JobPosting\", \"description\": \"d\"}]", "postings.json, [0].title: a JobPosting needs a title"),
        ("{\"@type\": \"JobPosting\", \"title\": \"T\", \"description\": \"d\", \"datePosted\": \"last Tuesday\"}", "postings.json, JobPosting.datePosted: datePosted must be an ISO 8601 date, not \"last Tuesday\""),
        ("{\"@type\": \"Organization\", \"name\": \"Acme\"}", "postings.json: no JobPosting found anywhere in the document"),
    ])
    func malformedJSONLDIsRefusedSayingWhere(_ input: String, _ expected: String) throws {
        #expect(throws: JobPostingImportError.self) { try JobPostingReader.read(Data(input.utf8), file: "postings.json") }
        do {
            _ = try JobPostingReader.read(Data(input.utf8), file: "postings.json")
        } catch let error as JobPostingImportError {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    @Test func aBrokenScriptBlockIsLocatedInThePage() throws {
        let page = "<html>\n<head>\n<script type=\"application/ld+json\">{\"@type\": \"WebSite\"}</script>\n<script type='application/ld+json'>\n{\"@type\": \"JobPosting\",\n \"title\": \"T\",, \"description\": \"d\"}\n</script>\n</head></html>"
        do {
            _ = try JobPostingReader.read(Data(page.utf8), file: "job.html")
            Issue.record("a broken block was accepted")
        } catch let error as JobPostingImportError {
            #expect(error.line == 6 && error.path == "script 2", "\(error)")
            #expect(error.description.hasPrefix("job.html, line 6, column 15, script 2: not valid JSON"), "\(error)")
        }
        #expect(throws: JobPostingImportError(file: "plain.html", message: "the page has no <script type=\"application/ld+json\"> block")) {
            try JobPostingReader.read(Data("<html><body>hi</body></html>".utf8), file: "plain.html")
        }
    }
}

@Suite struct JobPostingCSVTests {
    @Test func rowsBecomePostingsWithEveryField() throws {
        let csv = """
            id,title,description,employer,skills,education,experience_months,experience_in_place_of_education,occupation,employment_type,locality,region,country,remote,salary_min,salary_max,salary_currency,salary_unit,date_posted,valid_through,url
            W-1,Junior Web Developer,"Build pages, test them.",Contoso Cloud,JavaScript; HTML; CSS,bachelor degree,24,yes,15-1254.00,FULL_TIME; CONTRACTOR,Columbus,OH,US,no,52000,60000,USD,year,2026-11-01,2027-01-31,https://jobs.example/w1
            W-2,Support Specialist,Answer questions.,Contoso Cloud,,no requirements,,,,PART_TIME,,,,yes,18,22,USD,HOUR,,,
            """
        let postings = try JobPostingCSV.read(Data(csv.utf8), file: "jobs.csv")
        #expect(postings.count == 2)
        let w = postings[0]
        #expect(w.externalID == "W-1" && w.title == "Junior Web Developer" && w.description == "Build pages, test them.")
        #expect(w.skills.map(\.name) == ["JavaScript", "HTML", "CSS"])
        #expect(w.education == [EducationRequirement(credentialCategory: "bachelor degree")] && w.experienceMonths == 24 && w.experienceInPlaceOfEducation == true)
        #expect(w.occupationalCategories == [OccupationCode(code: "15-1254.00")] && w.employmentTypes == ["FULL_TIME", "CONTRACTOR"])
        #expect(w.locations == [PostingLocation(locality: "Columbus", region: "OH", country: "US")] && !w.remote)
        #expect(w.salary == Salary(currency: "USD", minValue: 52_000, maxValue: 60_000, unit: "YEAR"))
        #expect(w.datePosted == ISODate.parse("2026-11-01") && w.validThrough == ISODate.parse("2027-01-31") && w.url == "https://jobs.example/w1")
        #expect(DegreeClassifier.classify(w).requirement == .preferred)
        #expect(postings[1].remote && DegreeClassifier.classify(postings[1]).requirement == .noDegree)
    }

    @Test(arguments: [
        ("title,description,salary_min\nA,B,lots\n", "jobs.csv, line 2, column salary_min: 'lots' is not a number"),
        ("title,description\nA,\n", "jobs.csv, line 2, column description: a posting needs a description"),
        ("title,description,valid_through\nA,B,31/01/2027\n", "jobs.csv, line 2, column valid_through: '31/01/2027' is not an ISO 8601 date (YYYY-MM-DD)"),
        ("title,description,occupation\nA,B,Developer\n", "jobs.csv, line 2, column occupation: 'Developer' is not an O*NET-SOC code such as 15-1252.00"),
        ("title,description,salary_min,salary_max\nA,B,9,5\n", "jobs.csv, line 2, column salary_max: salary_max 5.0 is below salary_min 9.0"),
        ("title,summary\nA,B\n", "jobs.csv, line 1: the header has no description column"),
        ("title,description,wage\nA,B,5\n", "jobs.csv, line 1, wage: unknown column wage"),
    ])
    func badRowsAreRefusedNamingRowAndColumn(_ csv: String, _ expected: String) throws {
        do {
            _ = try JobPostingCSV.read(Data(csv.utf8), file: "jobs.csv")
            Issue.record("accepted: \(csv)")
        } catch let error as JobPostingImportError {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }
}

@Suite struct DegreeClassifierTests {
    struct Labelled: Decodable {
        var label: String
        var title: String
        var education: String?
        var category: String?
        var educationText: String?
        var inPlace: Bool?
        var description: String
    }

    /// A labelled set of postings written the way employers write them: every one classified as labelled, with a
    /// reason that quotes what it was read from.
    @Test func theLabelledSetIsClassifiedAsLabelled() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/jobpostings/degree-labelled", withExtension: "json"))
        let set = try JSONDecoder().decode([Labelled].self, from: Data(contentsOf: url))
        #expect(set.count >= 20)
        #expect(Set(set.map(\.label)) == Set(DegreeRequirement.allCases.map(\.rawValue)))
        var wrong: [String] = []
        for item in set {
            var education: [EducationRequirement] = []
            if let t = item.education { education.append(EducationRequirement(text: t)) }
            if let c = item.category { education.append(EducationRequirement(text: item.educationText, credentialCategory: c)) }
            let posting = JobPosting(title: item.title, description: item.description, education: education, experienceInPlaceOfEducation: item.inPlace)
            let c = DegreeClassifier.classify(posting)
            if c.requirement.rawValue != item.label { wrong.append("\(item.title): \(c.requirement.rawValue), expected \(item.label) (\(c.reason))") }
            #expect(!c.reason.isEmpty)
            if c.requirement != .unknown && c.source == "text" { #expect(c.reason.contains("\""), "the reason quotes the words: \(c.reason)") }
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }
}

@Suite struct PostingOwnershipTests {
    static let contoso = PostingOwnership.Party(id: UUID(), key: "contoso", name: "Contoso Cloud")
    static let other = PostingOwnership.Party(id: UUID(), key: "other", name: "Other Co")
    static let partners = [contoso, other]

    @Test func anEmployerWritesOnlyItsOwnPostings() {
        let me = PostingOwnership.Writer.employer(Self.contoso)
        #expect(PostingOwnership.refusal(writer: me, existing: (nil, false), organisation: "Contoso Cloud", partners: Self.partners) == nil)
        #expect(PostingOwnership.refusal(writer: me, existing: (nil, false), organisation: nil, partners: Self.partners) == nil)
        #expect(PostingOwnership.refusal(writer: me, existing: (nil, false), organisation: "A subsidiary we own", partners: Self.partners) == nil)
        #expect(PostingOwnership.refusal(writer: me, existing: (Self.contoso, true), organisation: "contoso cloud", partners: Self.partners) == nil)
        #expect(PostingOwnership.refusal(writer: me, existing: (nil, false), organisation: " other co ", partners: Self.partners)?
            .hasPrefix("it names Other Co, another employer partner") == true)
        #expect(PostingOwnership.refusal(writer: me, existing: (Self.other, true), organisation: "Contoso Cloud", partners: Self.partners)?
            .contains("already belongs to another employer partner") == true)
        #expect(PostingOwnership.refusal(writer: me, existing: (nil, true), organisation: "Board Co", partners: Self.partners)?
            .contains("belongs to no employer partner; only an administrator may change it") == true)
    }

    @Test func anAdministratorUpdatesAnyPostingButNeverMovesIt() {
        let admin = PostingOwnership.Writer.administrator(for: nil)
        #expect(PostingOwnership.refusal(writer: admin, existing: (Self.other, true), organisation: "Other Co", partners: Self.partners) == nil)
        #expect(PostingOwnership.refusal(writer: .administrator(for: Self.other), existing: (Self.other, true), organisation: nil, partners: Self.partners) == nil)
        #expect(PostingOwnership.refusal(writer: .administrator(for: Self.contoso), existing: (Self.other, true), organisation: nil, partners: Self.partners)
                == "a posting with this identifier already exists and belongs to Other Co, not Contoso Cloud; a posting keeps its owner")
        #expect(PostingOwnership.refusal(writer: .administrator(for: Self.contoso), existing: (nil, true), organisation: nil, partners: Self.partners)?
            .contains("belongs to no employer partner, not Contoso Cloud") == true)
    }

    @Test func anEmployerManagesOnlyPostingsFiledUnderIt() {
        #expect(PostingOwnership.mayManage(postingEmployer: Self.contoso.id, accountEmployer: Self.contoso.id))
        #expect(!PostingOwnership.mayManage(postingEmployer: Self.other.id, accountEmployer: Self.contoso.id))
        #expect(!PostingOwnership.mayManage(postingEmployer: nil, accountEmployer: Self.contoso.id))
    }

    @Test func theEmployersSideOfAnApplicationIsReadFromTheForm() throws {
        #expect(try ApplicationStatus.employerChange(status: "hired", interviewAt: nil) == (.hired, nil))
        #expect(try ApplicationStatus.employerChange(status: "interviewing", interviewAt: "  ").interviewAt == nil)
        #expect(try ApplicationStatus.employerChange(status: "interviewing", interviewAt: "2026-03-02T14:30").interviewAt == ISODate.parse("2026-03-02T14:30"))
        // The learner applies and withdraws; the employer cannot say either for them.
        for status in ["applied", "withdrawn", "Hired", "", nil] as [String?] {
            #expect(throws: FieldProblem("status", "interviewing, offered, hired or declined")) { try ApplicationStatus.employerChange(status: status, interviewAt: nil) }
        }
        #expect(throws: FieldProblem("interview_at", "a date and time as YYYY-MM-DDTHH:MM")) {
            try ApplicationStatus.employerChange(status: "interviewing", interviewAt: "next Tuesday")
        }
    }
}

/// Outcome profiles per program and outcomes taken from survey answers, computed without a database.
@Suite struct OutcomeProfileTests {
    static func day(_ y: Int, _ m: Int, _ d: Int) -> Date { CalendarDay.date(year: y, month: m, day: d)! }

    @Test func jobsAreCountedInTheWindowAndTheMedianIsWithheldUnderFive() {
        let done = Self.day(2025, 1, 1)
        let learners = (0..<8).map { _ in UUID() }
        var completions = learners.map { OutcomeProfile.Completion(learner: $0, programKey: "p", programTitle: "Program", completedAt: done) }
        // A recent completer whose 12-month window has not passed is not counted at 12 months.
        let recent = UUID()
        completions.append(.init(learner: recent, programKey: "p", programTitle: "Program", completedAt: Self.day(2025, 11, 1)))
        var outcomes: [UUID: [OutcomeProfile.ReportedOutcome]] = [:]
        // Learners 0–5: a job 2 months after completion with salaries 40…65k; learner 6: a raise only; learner 7: a job
        // 10 months after, and a promotion later still (only the first job counts); the recent one: a job at once.
        for (i, l) in learners.prefix(6).enumerated() {
            outcomes[l] = [.init(kind: i % 2 == 0 ? .newJob : .promotion, occurredOn: Self.day(2025, 3, 1), annualSalary: Double(40_000 + i * 5_000),
                                 noDegreeRole: i < 2)]
        }
        outcomes[learners[6]] = [.init(kind: .raise, occurredOn: Self.day(2025, 2, 1), annualSalary: 99_000, noDegreeRole: nil)]
        outcomes[learners[7]] = [.init(kind: .promotion, occurredOn: Self.day(2025, 12, 1), annualSalary: 1, noDegreeRole: nil),
                                 .init(kind: .newJob, occurredOn: Self.day(2025, 11, 1), annualSalary: nil, noDegreeRole: true)]
        outcomes[recent] = [.init(kind: .newJob, occurredOn: Self.day(2025, 11, 2), annualSalary: 10, noDegreeRole: true)]
        let profiles = OutcomeProfile.compute(completions: completions, outcomes: outcomes, months: [3, 12], asOf: Self.day(2026, 1, 15))
        #expect(profiles.map(\.postReceiptMonths) == [3, 12])
        let three = profiles[0], twelve = profiles[1]
        #expect(three.numberAwarded == 8 && three.jobsObtained == 6, "the recent completer's window has not passed; learner 7's job came later")
        #expect(twelve.numberAwarded == 8 && twelve.jobsObtained == 7 && twelve.noDegreeRoles == 3)
        #expect(twelve.earningsReported == 6 && twelve.medianEarnings == 52_500, "the median of 40, 45, 50, 55, 60, 65 thousand")
        #expect(OutcomeProfile.median([1, 2, 3, 4]) == nil, "fewer than five salaries: withheld")
        #expect(OutcomeProfile.median([5, 1, 3, 2, 4]) == 3)
        #expect((twelve.ctdl["ceterms:numberAwarded"] as? Int) == 8 && twelve.ctdl["ceterms:medianEarnings"] as? Double == 52_500)

        // Attendance counts as the career support taken up: by the end of each completer's window.
        let attendance = [learners[0]: [Self.day(2025, 2, 1)], learners[1]: [Self.day(2025, 10, 1)], recent: [Self.day(2025, 11, 5)]]
        let withEvents = OutcomeProfile.compute(completions: completions, outcomes: outcomes, months: [3, 12], asOf: Self.day(2026, 1, 15), attendance: attendance)
        #expect(withEvents.map(\.attendedEvents) == [1, 2], "at 3 months only learner 0 had attended; the recent completer is not counted")
        #expect(profiles.allSatisfy { $0.attendedEvents == 0 })
    }

    @Test func surveyAnswersBecomeOutcomesOncePerCaseAndKind() {
        let learner = UUID(), at = Self.day(2026, 5, 1)
        let cases = [SurveyOutcomeMapping.Answered(caseID: 7, learner: learner, submittedAt: at,
                                                   values: ["benefits": "promotion raise learned_new", "sector": "Retail", "income": "52000"])]
        let found = SurveyOutcomeMapping.followUp.outcomes(from: cases, recorded: [])
        #expect(found.map(\.kind) == [.promotion, .raise])
        #expect(found[0].annualSalary == 52_000 && found[1].annualSalary == nil, "the salary goes with the job only")
        #expect(found.allSatisfy { $0.sector == "Retail" && $0.occurredOn == at && $0.source == "survey case 7" })
        let again = SurveyOutcomeMapping.followUp.outcomes(from: cases, recorded: ["\(learner)|promotion|survey case 7"])
        #expect(again.map(\.kind) == [.raise])
        #expect(NewCareerOutcome.problem(occurredOn: at.addingTimeInterval(3 * 86_400), annualSalary: nil, now: at) != nil)
        #expect(NewCareerOutcome.problem(occurredOn: at, annualSalary: -1, now: at)?.hasPrefix("annual_salary") == true)
        #expect(NewCareerOutcome.problem(occurredOn: at, annualSalary: 50_000, now: at) == nil)
    }
}

@Suite struct JobPostingWriterTests {
    /// What the writer puts on a page the reader takes back whole: every field of every generated posting (skills as
    /// words or defined terms, structured and worded education, remote with applicant countries, salary ranges).
    @Test func whatIsWrittenIsReadBack() throws {
        let written = DemoJobBoard.postings(count: 300, seed: 11, now: Date(timeIntervalSince1970: 1_795_000_000))
        let read = try JobPostingReader.read(JobPostingWriter.document(written), file: "board.jsonld")
        try #require(read.count == written.count)
        for (w, r) in zip(written, read) {
            var expected = w
            expected.id = r.id
            expected.datePosted = w.datePosted.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
            expected.validThrough = w.validThrough.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
            // A careers page gives plain skills as one list of words; the reader splits it.
            if w.skills.allSatisfy({ $0.code == nil && $0.termSet == nil }) {
                expected.skills = w.skills.flatMap { $0.name.components(separatedBy: ", ") }.map { PostingSkill(name: $0) }
            }
            #expect(r == expected, "\(w.externalID ?? w.title)")
        }
        // One posting is written as a single node, and Google's required properties are there.
        let one = try #require(JSONSerialization.jsonObject(with: JobPostingWriter.document([written[0]])) as? [String: Any])
        #expect(one["@context"] as? String == "https://schema.org/" && one["@type"] as? String == "JobPosting")
        for key in ["title", "description", "datePosted", "hiringOrganization", "identifier"] { #expect(one[key] != nil, "\(key)") }
        #expect(try JobPostingReader.read(JobPostingWriter.document([written[0]]), file: "one.jsonld").count == 1)
    }
}

@Suite struct JobShortlistTests {
    /// Data postings d1…d4, a web posting w1 and the same web job in four more cities (w2…w5 like w1), a web posting w6.
    static let postings: [JobPosting] = (1...4).map { JobPosting(title: "Data Analyst \($0)", description: "", hiringOrganization: "Tailspin") }
        + ["Columbus", "Dayton", "Akron", "Toledo", "Cleveland"].map {
            JobPosting(title: "Junior Web Developer", description: "", hiringOrganization: "Contoso Cloud", locations: [PostingLocation(locality: $0)])
        }
        + [JobPosting(title: "Front-end Developer", description: "", hiringOrganization: "Fabrikam")]

    static func ranked(_ indexes: [Int]) -> [JobMatch] {
        indexes.enumerated().map { rank, p in
            JobMatch(postingIndex: p, postingID: postings[p].id, score: 1 - Double(rank) / 100, matchedSkills: [], missingSkills: [],
                     degree: DegreeClassification(.unknown, reason: "", source: ""), notes: [], skillsAsked: 0, skillsAskedHeld: 0)
        }
    }

    /// A learner who completed a data program and a web program: the whole profile's ranking is all data at the top,
    /// yet the list holds the web program's best; the same web job in five cities is one entry with four more like it.
    @Test func eachCompletedProgramIsRepresentedAndTheSameJobInManyCitiesIsOneEntry() {
        let overall = Self.ranked([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        let onlyOverall = JobShortlist.pick([JobShortlist.Source(program: nil, matches: overall)], k: 3) { Self.postings[$0.postingIndex] }
        #expect(onlyOverall.map(\.match.postingIndex) == [0, 1, 2], "ranked on the whole profile alone, the top three are data jobs")
        let sources = [JobShortlist.Source(program: nil, matches: overall),
                       JobShortlist.Source(program: "Web development", matches: Self.ranked([4, 5, 6, 7, 8, 9])),
                       JobShortlist.Source(program: "Data analysis", matches: Self.ranked([0, 1, 2, 3]))]
        let list = JobShortlist.pick(sources, k: 3) { Self.postings[$0.postingIndex] }
        #expect(list.map(\.match.postingIndex) == [0, 4, 1])
        #expect(list.map(\.forProgram) == [nil, "Web development", "Data analysis"])
        #expect(list[1].alike == [5, 6, 7, 8], "the other four cities of the same job are counted on its entry")
        // With room for everything, every posting is listed or counted once, and the same job is never listed twice.
        let all = JobShortlist.pick(sources, k: 50) { Self.postings[$0.postingIndex] }
        #expect(all.count + all.map(\.alike.count).reduce(0, +) == Self.postings.count)
        #expect(all.filter { Self.postings[$0.match.postingIndex].title == "Junior Web Developer" }.count == 1)
    }

    @Test func theSameJobIsTheSameTitleAndEmployerWhateverTheirSpelling() {
        let a = JobPosting(title: "Junior  Web Developer", description: "", hiringOrganization: "Contoso Cloud")
        let b = JobPosting(title: "junior web-developer", description: "", hiringOrganization: "CONTOSO CLOUD")
        let c = JobPosting(title: "Junior Web Developer", description: "", hiringOrganization: "Fabrikam")
        #expect(JobShortlist.likeness(a) == JobShortlist.likeness(b))
        #expect(JobShortlist.likeness(a) != JobShortlist.likeness(c))
    }

    /// A remote posting for applicants in India is not shown to a learner in the United States; one open to the US
    /// (as "USA", "United States" or "Worldwide") is; a learner whose country is unknown is not turned away.
    @Test func remotePostingsForApplicantsElsewhereAreNotShown() {
        func remote(_ title: String, _ places: [String]) -> JobPosting {
            JobPosting(title: title, description: "SQL.", skills: [PostingSkill(name: "SQL")], remote: true, applicantLocations: places)
        }
        let postings = [remote("India only", ["IN"]), remote("USA", ["USA"]), remote("United States", ["United States"]),
                        remote("Anywhere", ["Worldwide"]), remote("No limits", []), remote("Canada or US", ["Canada", "US"])]
        let index = MatchIndex(postings: postings)
        let us = MatchProfile(learnerID: UUID(), skills: ["tech:sql": 1], country: "US")
        let shown = Set(index.top(10, for: us).map { postings[$0.postingIndex].title })
        #expect(shown == ["USA", "United States", "Anywhere", "No limits", "Canada or US"])
        let india = MatchProfile(learnerID: UUID(), skills: ["tech:sql": 1], country: "IN")
        #expect(Set(index.top(10, for: india).map { postings[$0.postingIndex].title }) == ["India only", "Anywhere", "No limits"])
        let unknown = MatchProfile(learnerID: UUID(), skills: ["tech:sql": 1])
        #expect(index.top(10, for: unknown).count == postings.count)
    }

    @Test func countryNamesAreReadAsPostingsWriteThem() {
        #expect(CountryNames.names("US", "US") && CountryNames.names("us", "U.S.A.") && CountryNames.names("US", "the United States"))
        #expect(CountryNames.names("GB", "UK") && CountryNames.names("GB", "United Kingdom") && CountryNames.names("CA", "Anywhere in Canada"))
        #expect(!CountryNames.names("US", "IN") && !CountryNames.names("IN", "Applicants in the US") && !CountryNames.names("US", ""))
    }

    /// The fit a recruiter reads: of the skills the posting asks for, how many the learner has.
    @Test func fitIsSaidInWords() throws {
        let posting = JobPosting(title: "Data Analyst", description: "Reporting.", skills: [PostingSkill(name: "SQL"), PostingSkill(name: "Statistics"), PostingSkill(name: "Python")])
        let match = try #require(MatchIndex(postings: [posting]).top(1, for: MatchProfile(learnerID: UUID(), skills: ["tech:sql": 1, "tech:statistics": 1])).first)
        #expect(match.skillsAsked >= 3)
        #expect(match.fitInWords == "Has \(match.skillsAskedHeld) of the \(match.skillsAsked) skills the posting asks for")
        #expect(match.skillsAskedHeld == match.skillsAsked - match.missingSkills.count && match.missingSkills.contains("Python"))
    }

    @Test func aPostingsMarkupBecomesParagraphsOfText() {
        let html = "<p>We build <b>tools</b> &amp; more.</p><ul><li>SQL</li><li>Python</li></ul>Apply by Friday.<script>x</script>"
        let paragraphs = HTMLText.paragraphs(html)
        #expect(paragraphs.first == "We build tools & more.")
        #expect(paragraphs.contains("• SQL") && paragraphs.contains("• Python"))
        #expect(!paragraphs.joined().contains("<"))
        #expect(HTMLText.paragraphs("Line one\n\nLine two") == ["Line one", "Line two"])
    }
}

@Suite struct SalaryInWordsTests {
    @Test(arguments: [
        ("Negotiable", Salary(text: "Negotiable")),
        ("$100,000 - $150,000", Salary(currency: "USD", minValue: 100_000, maxValue: 150_000, text: "$100,000 - $150,000")),
        ("Up to $43/hr plus super", Salary(currency: "USD", maxValue: 43, unit: "HOUR", text: "Up to $43/hr plus super")),
        ("£50k–60k per annum", Salary(currency: "GBP", minValue: 50_000, maxValue: 60_000, unit: "YEAR", text: "£50k–60k per annum")),
        ("From 30,000 EUR a year", Salary(currency: "EUR", minValue: 30_000, unit: "YEAR", text: "From 30,000 EUR a year")),
    ])
    func aSalaryInWordsIsKeptAndItsNumbersRead(_ words: String, _ expected: Salary) {
        #expect(Salary.fromWords(words) == expected)
    }

    /// A posting whose salary is words is kept, never refused for it.
    @Test func aPostingWithASalaryInWordsIsKept() throws {
        let json = #"[{"@type": "JobPosting", "title": "T", "description": "d", "baseSalary": "Negotiable"},"#
            + #"{"@type": "JobPosting", "title": "U", "description": "d", "baseSalary": {"@type": "MonetaryAmount", "currency": "AUD", "value": "Up to $43/hr plus super"}}]"#
        let postings = try JobPostingReader.read(Data(json.utf8), file: "words.json")
        #expect(postings.map(\.salary) == [Salary(text: "Negotiable"), Salary(currency: "AUD", maxValue: 43, unit: "HOUR", text: "Up to $43/hr plus super")])
    }
}
