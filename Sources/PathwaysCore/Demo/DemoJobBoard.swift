import Foundation

/// A synthetic job board for the demo and the matching benchmark: postings for the occupations the demo's programs
/// lead to, written the way employers write them (skills as lists and prose, degree requirements in the structured
/// fields or only in the text, ranges of pay, remote and on-site roles), and learner profiles drawn like the demo's.
public enum DemoJobBoard {
    struct Occupation {
        var title: String
        var soc: String
        var socTitle: String
        var skills: [String]
        var extra: [String]
        /// Weights for no degree, preferred, bachelor's, graduate, unstated.
        var degree: [Double]
        var pay: ClosedRange<Double>
    }

    static let occupations: [Occupation] = [
        .init(title: "Junior Web Developer", soc: "15-1254.00", socTitle: "Web Developers", skills: ["JavaScript", "HTML", "CSS", "Git"], extra: ["React", "REST APIs", "Troubleshooting"], degree: [4, 3, 2, 0, 1], pay: 52_000...72_000),
        .init(title: "Full Stack Developer", soc: "15-1252.00", socTitle: "Software Developers", skills: ["JavaScript", "Node.js", "SQL", "Git"], extra: ["React", "Docker", "Cloud computing", "Automated testing"], degree: [2, 4, 3, 0, 1], pay: 70_000...110_000),
        .init(title: "Software Engineer", soc: "15-1252.00", socTitle: "Software Developers", skills: ["Java", "Python", "SQL", "Git"], extra: ["Linux", "Automated testing", "Systems Analysis"], degree: [1, 3, 5, 1, 1], pay: 85_000...140_000),
        .init(title: "Cloud Support Associate", soc: "15-1232.00", socTitle: "Computer User Support Specialists", skills: ["Cloud computing", "Linux", "Troubleshooting"], extra: ["Computer networking", "customer service", "Python"], degree: [5, 3, 1, 0, 1], pay: 48_000...68_000),
        .init(title: "DevOps Engineer", soc: "15-1244.00", socTitle: "Network and Computer Systems Administrators", skills: ["Docker", "Kubernetes", "Linux", "Amazon Web Services"], extra: ["Git", "Python", "Cloud computing"], degree: [2, 4, 3, 0, 1], pay: 90_000...140_000),
        .init(title: "QA Tester", soc: "15-1253.00", socTitle: "Software Quality Assurance Analysts and Testers", skills: ["Automated testing", "software testing", "SQL"], extra: ["Python", "JavaScript", "Agile methods"], degree: [4, 3, 2, 0, 1], pay: 50_000...80_000),
        .init(title: "IT Support Technician", soc: "15-1232.00", socTitle: "Computer User Support Specialists", skills: ["Troubleshooting", "Computer networking", "customer service"], extra: ["Linux", "Microsoft Excel"], degree: [6, 2, 1, 0, 1], pay: 40_000...58_000),
        .init(title: "Data Analyst", soc: "15-2051.01", socTitle: "Business Intelligence Analysts", skills: ["SQL", "Microsoft Excel", "Tableau", "Data analysis"], extra: ["Statistics", "Data visualization", "Python"], degree: [2, 4, 3, 0, 1], pay: 58_000...85_000),
        .init(title: "Data Scientist", soc: "15-2051.00", socTitle: "Data Scientists", skills: ["Python", "Machine learning", "Statistics", "SQL"], extra: ["R", "Deep learning", "Statistical inference"], degree: [0, 2, 4, 4, 1], pay: 95_000...150_000),
        .init(title: "Statistical Assistant", soc: "43-9111.00", socTitle: "Statistical Assistants", skills: ["Statistics", "Microsoft Excel", "Probability"], extra: ["R", "Data analysis", "Mathematics"], degree: [3, 3, 3, 0, 1], pay: 42_000...60_000),
        .init(title: "Marketing Coordinator", soc: "13-1161.00", socTitle: "Market Research Analysts and Marketing Specialists", skills: ["Digital marketing", "Market research", "Writing"], extra: ["Branding", "Presentations", "Data analysis"], degree: [2, 4, 3, 0, 1], pay: 45_000...65_000),
        .init(title: "Communications Specialist", soc: "27-3031.00", socTitle: "Public Relations Specialists", skills: ["Writing", "Speaking", "Business writing"], extra: ["Presentations", "Persuasion", "Active Listening"], degree: [1, 4, 4, 0, 1], pay: 50_000...75_000),
        .init(title: "Supply Chain Analyst", soc: "13-1081.00", socTitle: "Logisticians", skills: ["Logistics", "Demand forecasting", "Inventory management"], extra: ["Microsoft Excel", "SQL", "Operations Analysis"], degree: [1, 3, 5, 1, 1], pay: 60_000...90_000),
        .init(title: "Instructional Designer", soc: "25-9031.00", socTitle: "Instructional Coordinators", skills: ["Curriculum design", "E-learning", "Writing"], extra: ["Instructing", "Project management"], degree: [1, 3, 4, 2, 1], pay: 58_000...85_000),
        .init(title: "Epidemiology Analyst", soc: "19-1041.00", socTitle: "Epidemiologists", skills: ["Epidemiology", "Biostatistics", "R"], extra: ["Statistics", "SQL", "Data visualization"], degree: [0, 1, 3, 6, 1], pay: 65_000...98_000),
        .init(title: "Project Coordinator", soc: "13-1082.00", socTitle: "Project Management Specialists", skills: ["Project management", "Agile methods", "Time Management"], extra: ["Risk management", "Coordination", "Microsoft Excel"], degree: [3, 4, 2, 0, 1], pay: 50_000...75_000),
        .init(title: "Customer Support Specialist", soc: "43-4051.00", socTitle: "Customer Service Representatives", skills: ["customer service", "Troubleshooting", "Active Listening"], extra: ["Writing", "Salesforce"], degree: [7, 1, 0, 0, 2], pay: 34_000...48_000),
        .init(title: "Financial Analyst", soc: "13-2051.00", socTitle: "Financial and Investment Analysts", skills: ["Financial analysis", "Microsoft Excel", "Accounting"], extra: ["SQL", "Statistics", "Presentations"], degree: [0, 2, 6, 1, 1], pay: 65_000...100_000),
    ]

    static let employers = ["Northwind Health", "Contoso Cloud", "Fabrikam Logistics", "Tailspin Analytics", "Adventure Works", "Litware Learning",
                            "Proseware Systems", "Wide World Importers", "Woodgrove Financial", "Blue Yonder Labs", "Coho Retail", "Lamna Health",
                            "Trey Research", "Alpine Ski House", "Fourth Coffee", "Graphic Design Institute", "Humongous Insurance", "Margie's Travel",
                            "Relecloud", "VanArsdel Media"]

    static let places: [(PostingLocation, Double)] = [
        (PostingLocation(locality: "Columbus", region: "OH", country: "US"), 3), (PostingLocation(locality: "Austin", region: "TX", country: "US"), 3),
        (PostingLocation(locality: "Atlanta", region: "GA", country: "US"), 3), (PostingLocation(locality: "Seattle", region: "WA", country: "US"), 2),
        (PostingLocation(locality: "Chicago", region: "IL", country: "US"), 3), (PostingLocation(locality: "Boston", region: "MA", country: "US"), 2),
        (PostingLocation(locality: "Denver", region: "CO", country: "US"), 2), (PostingLocation(locality: "Raleigh", region: "NC", country: "US"), 2),
        (PostingLocation(locality: "New York", region: "NY", country: "US"), 3), (PostingLocation(locality: "San Jose", region: "CA", country: "US"), 2),
        (PostingLocation(locality: "Toronto", region: "ON", country: "CA"), 2), (PostingLocation(locality: "Bengaluru", region: "KA", country: "IN"), 3),
        (PostingLocation(locality: "London", region: "ENG", country: "GB"), 2), (PostingLocation(locality: "Berlin", region: "BE", country: "DE"), 1),
        (PostingLocation(locality: "São Paulo", region: "SP", country: "BR"), 1), (PostingLocation(locality: "Mexico City", region: "CMX", country: "MX"), 1),
    ]

    /// `count` postings, the same for the same seed; posted in the 60 days before `now`, open 30–90 days.
    public static func postings(count: Int, seed: UInt64 = 42, now: Date = Date(timeIntervalSince1970: 1_795_000_000)) -> [JobPosting] {
        var rng = SeededRandom(seed: seed)
        var out: [JobPosting] = []
        out.reserveCapacity(count)
        for n in 0..<count {
            let o = occupations[Int(rng.next() % UInt64(occupations.count))]
            let employer = employers[Int(rng.next() % UInt64(employers.count))]
            let level = rng.weighted([("", 5.0), ("Junior ", 1.0), ("Senior ", 1.0), ("Associate ", 1.0)])
            let title = o.title.hasPrefix("Junior") ? o.title : level + o.title
            var skills = o.skills.shuffled(using: &rng)
            let extras = o.extra.shuffled(using: &rng).prefix(Int(rng.next() % 3))
            let asDefinedTerms = rng.chance(0.3)
            var posting = JobPosting(id: rng.uuid(), externalID: "DJB-\(seed)-\(n)", title: title, description: "",
                                     hiringOrganization: employer, hiringOrganizationURL: "https://\(employer.lowercased().filter(\.isLetter)).example")
            if asDefinedTerms {
                posting.skills = skills.map { s in PostingSkill(name: s, code: SkillVocabulary.standard.map(s)?.id, termSet: "Pathways skills") }
            } else if rng.chance(0.5) {
                posting.skills = [PostingSkill(name: skills.joined(separator: ", "))]
            } else {
                posting.skills = skills.map { PostingSkill(name: $0) }
            }
            skills = Array(extras)
            let degree = rng.weighted(Array(zip([DegreeRequirement.noDegree, .preferred, .bachelors, .graduate, .unknown], o.degree)))
            var requirementText = ""
            let structured = rng.chance(0.5)
            switch degree {
            case .noDegree:
                if structured { posting.education = [EducationRequirement(credentialCategory: rng.chance(0.5) ? "high school" : "no requirements")] }
                else { requirementText = rng.chance(0.5) ? "No degree required: we hire for skills." : "A high school diploma or GED is all you need." }
            case .preferred:
                if structured {
                    posting.education = [EducationRequirement(credentialCategory: "bachelor degree")]
                    posting.experienceInPlaceOfEducation = true
                    posting.experienceMonths = [24, 36, 48][Int(rng.next() % 3)]
                } else { requirementText = "Bachelor's degree or equivalent experience." }
            case .bachelors:
                if structured { posting.education = [EducationRequirement(credentialCategory: "bachelor degree")] }
                else { requirementText = "Bachelor's degree in a related field required." }
            case .graduate:
                if structured { posting.education = [EducationRequirement(credentialCategory: "postgraduate degree")] }
                else { requirementText = "Master's degree in a related field required." }
            case .unknown:
                break
            }
            let extraText = skills.isEmpty ? "" : " Experience with \(skills.joined(separator: " and ")) helps."
            posting.description = "<p>\(employer) is hiring a \(title.lowercased()) to join a growing team.</p><p>You will use \(o.skills.prefix(2).joined(separator: " and ")) every day.\(extraText)</p>"
                + (requirementText.isEmpty ? "" : "<p>\(requirementText)</p>")
            posting.occupationalCategories = [OccupationCode(code: o.soc, label: o.socTitle)]
            posting.employmentTypes = [rng.weighted([("FULL_TIME", 7.0), ("PART_TIME", 1.0), ("CONTRACTOR", 1.0), ("INTERN", 1.0)])]
            if rng.chance(0.25) {
                posting.remote = true
                posting.applicantLocations = [rng.weighted([("US", 3.0), ("CA", 1.0), ("IN", 1.0), ("GB", 1.0)])]
            } else {
                posting.locations = [rng.weighted(places)]
            }
            let low = (Double.random(in: o.pay, using: &rng) / 1000).rounded() * 1000
            posting.salary = Salary(currency: "USD", minValue: low, maxValue: low + 10_000, unit: "YEAR")
            posting.datePosted = now.addingTimeInterval(-Double(rng.next() % 60) * 86_400)
            posting.validThrough = posting.datePosted!.addingTimeInterval(Double(30 + rng.next() % 61) * 86_400)
            out.append(posting)
        }
        return out
    }

    /// `count` learner profiles over `programs` (1–2 programs each, 45% completed, courses completed in order),
    /// with goals for a third, country and region as the demo's learners are spread.
    public static func learners(count: Int, programs: [Program], courses: [Course], seed: UInt64 = 7) -> [MatchProfile] {
        var rng = SeededRandom(seed: seed)
        let coursesByProgram = Dictionary(grouping: courses, by: \.programID).mapValues { $0.sorted { $0.position < $1.position } }
        let regions = places.map { ($0.0, $0.1) }
        var out: [MatchProfile] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var enrolled: [(Program, Bool)] = []
            var completedCourses: [Course] = []
            for _ in 0..<(rng.chance(0.25) ? 2 : 1) {
                let p = programs[Int(rng.next() % UInt64(programs.count))]
                let done = rng.chance(0.45)
                enrolled.append((p, done))
                let list = coursesByProgram[p.id] ?? []
                completedCourses += list.prefix(done ? list.count : Int(rng.next() % UInt64(list.count + 1)))
            }
            let place = rng.weighted(regions)
            let goals = rng.chance(0.33) ? [occupations[Int(rng.next() % UInt64(occupations.count))].title] : []
            let education = rng.weighted([(EducationLevel?.none, 1.0), (.secondary, 3.0), (.someCollege, 3.0), (.associate, 1.0), (.bachelor, 2.0), (.master, 1.0)])
            out.append(MatchProfile.from(learnerID: rng.uuid(), programs: enrolled, completedCourses: completedCourses, goals: goals,
                                         country: place.country, region: place.region, education: education))
        }
        return out
    }
}

extension DemoJobBoard {
    public struct ReportedOutcome: Sendable {
        public var learner: UUID
        public var promotion: Bool
        public var on: Date
        public var sector: String
        public var salary: Double?
        public var noDegree: Bool
    }

    /// Outcomes completers might report: about a third a new job and one in eight a promotion, 1–14 months after
    /// completing, in the occupations their program leads to; MicroBachelors completers more often in roles that
    /// require no degree. Only dates up to `now`.
    public static func outcomes(completions: [(learner: UUID, program: UUID, completed: Date)], programs: [Program], seed: UInt64, now: Date) -> [ReportedOutcome] {
        var rng = SeededRandom(seed: seed &+ 99)
        let kinds = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0.kind) })
        let sectors = ["Information technology", "Finance", "Health care", "Education", "Retail", "Logistics", "Government", "Manufacturing"]
        var out: [ReportedOutcome] = []
        for c in completions {
            let roll = Double.random(in: 0..<1, using: &rng)
            guard roll < 0.45 else { continue }
            let promotion = roll >= 0.33
            let months = 1 + Int(rng.next() % 14)
            guard let on = Calendar(identifier: .gregorian).date(byAdding: .day, value: months * 30 + Int(rng.next() % 20), to: c.completed), on <= now else { continue }
            let o = occupations[Int(rng.next() % UInt64(occupations.count))]
            let micro = kinds[c.program] == .microBachelors
            out.append(ReportedOutcome(learner: c.learner, promotion: promotion, on: on, sector: sectors[Int(rng.next() % UInt64(sectors.count))],
                                       salary: rng.chance(0.7) ? (Double.random(in: o.pay, using: &rng) / 500).rounded() * 500 : nil,
                                       noDegree: rng.chance(micro ? 0.55 : 0.2)))
        }
        return out
    }
}
