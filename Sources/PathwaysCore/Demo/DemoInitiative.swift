import Foundation

/// A believable initiative for trying Pathways: the five MicroBachelors programs and three providers of the
/// 2023 pathway initiative (about 1,000 learners without a bachelor's degree), and MicroMasters and
/// Specializations from three U.S. universities (two public, one private; the names are invented) with a
/// larger cohort from 2017 on. Everything is drawn from `seed`, relative to `asOf`, so the same arguments
/// give the same data.
public struct DemoInitiative: Sendable {
    public var providers: [Provider] = []
    public var programs: [Program] = []
    public var courses: [Course] = []
    public var agreements: [CreditAgreement] = []
    public var learners: [Learner] = []
    public var enrollments: [Enrollment] = []
    public var progress: [CourseProgress] = []

    public static let defaultSeed: UInt64 = 2023
    public static let defaultAsOf = CalendarDay.date(year: 2026, month: 9, day: 1)!

    public init(seed: UInt64 = defaultSeed, asOf: Date = defaultAsOf, microBachelorsLearners: Int = 1_000, universityLearners: Int = 6_000) {
        var rng = SeededRandom(seed: seed)
        buildCatalog(&rng)
        let mbPrograms = programs.filter { $0.kind == .microBachelors }
        let uniPrograms = programs.filter { $0.kind != .microBachelors }
        let initiativeStart = CalendarDay.date(year: 2023, month: 7, day: 15)!
        for i in 0..<microBachelorsLearners {
            addLearner(&rng, index: i, cohort: .microBachelors, programs: mbPrograms,
                       from: initiativeStart, to: CalendarDay.date(year: 2024, month: 6, day: 30)!, asOf: asOf)
        }
        for i in 0..<universityLearners {
            addLearner(&rng, index: microBachelorsLearners + i, cohort: .university, programs: uniPrograms,
                       from: CalendarDay.date(year: 2017, month: 1, day: 10)!, to: CalendarDay.date(year: 2022, month: 6, day: 30)!, asOf: asOf)
        }
    }

    enum Cohort { case microBachelors, university }

    // MARK: catalog

    private static let onet: [String: SkillRef] = [
        "math": SkillRef(label: "Mathematics", scheme: .onet, code: "2.A.1.e"),
        "critical": SkillRef(label: "Critical Thinking", scheme: .onet, code: "2.A.2.a"),
        "writing": SkillRef(label: "Writing", scheme: .onet, code: "2.A.1.c"),
        "speaking": SkillRef(label: "Speaking", scheme: .onet, code: "2.A.1.d"),
        "listening": SkillRef(label: "Active Listening", scheme: .onet, code: "2.A.1.b"),
        "programming": SkillRef(label: "Programming", scheme: .onet, code: "2.B.3.e"),
        "persuasion": SkillRef(label: "Persuasion", scheme: .onet, code: "2.B.1.c"),
        "systems": SkillRef(label: "Systems Analysis", scheme: .onet, code: "2.B.4.g"),
        "judgment": SkillRef(label: "Judgment and Decision Making", scheme: .onet, code: "2.B.4.e"),
        "problem": SkillRef(label: "Complex Problem Solving", scheme: .onet, code: "2.B.2.i"),
        "time": SkillRef(label: "Time Management", scheme: .onet, code: "2.B.5.a"),
        "instructing": SkillRef(label: "Instructing", scheme: .onet, code: "2.B.1.e"),
        "coordination": SkillRef(label: "Coordination", scheme: .onet, code: "2.B.1.b"),
        "operations": SkillRef(label: "Operations Analysis", scheme: .onet, code: "2.B.3.a"),
    ]

    private static func skills(_ keys: [String], _ local: [String] = []) -> [SkillRef] {
        keys.map { onet[$0]! } + local.map { SkillRef(label: $0) }
    }

    private mutating func buildCatalog(_ rng: inout SeededRandom) {
        func provider(_ key: String, _ name: String, _ kind: ProviderKind, _ country: String, _ web: String?) -> Provider {
            let p = Provider(id: rng.uuid(), key: key, name: name, kind: kind, country: country, website: web)
            providers.append(p)
            return p
        }
        let lse = provider("lse", "The London School of Economics and Political Science", .university, "GB", "https://www.lse.ac.uk")
        let doane = provider("doane", "Doane University", .university, "US", "https://www.doane.edu")
        let ibm = provider("ibm", "IBM", .company, "US", "https://www.ibm.com")
        let lakeshore = provider("lakeshore-state", "Lakeshore State University", .university, "US", nil)
        let eastbrook = provider("eastbrook", "Eastbrook University", .university, "US", nil)
        let mesa = provider("mesa-state", "Mesa State University", .university, "US", nil)

        func program(_ key: String, _ p: Provider, _ title: String, _ kind: ProgramKind, months: Int, cost: Double, credit: Double?,
                     skills: [SkillRef], summary: String, courses titles: [String], agreements: [(String, Double, String)] = []) {
            let prog = Program(id: rng.uuid(), key: key, providerID: p.id, title: title, kind: kind, summary: summary,
                               typicalDurationMonths: months, typicalCostUSD: cost, creditValue: credit,
                               creditUnit: credit == nil ? nil : "US semester credits", skills: skills)
            programs.append(prog)
            for (i, t) in titles.enumerated() {
                let perCourse = credit.map { ($0 / Double(titles.count) * 10).rounded() / 10 }
                courses.append(Course(id: rng.uuid(), key: "\(key)-\(i + 1)", programID: prog.id, title: t, position: i + 1,
                                      creditValue: perCourse, effortHours: 30 + Int(rng.next() % 40)))
            }
            for (institution, credits, degree) in agreements {
                self.agreements.append(CreditAgreement(id: rng.uuid(), institution: institution, programID: prog.id, credits: credits,
                                                       degree: degree, validFrom: CalendarDay.date(year: 2023, month: 1, day: 1)!, validTo: nil))
            }
        }

        program("mb-statistics-fundamentals", lse, "Statistics Fundamentals", .microBachelors, months: 8, cost: 1_200, credit: 12,
                skills: Self.skills(["math", "critical", "judgment"], ["Statistical inference", "Probability", "Data analysis"]),
                summary: "Probability, inference and regression for people who work with data.",
                courses: ["Introduction to Statistics", "Probability and Distributions", "Statistical Inference", "Regression and Modelling"],
                agreements: [("Doane University", 12, "Bachelor of Applied Science")])
        program("mb-math-statistics-fundamentals", lse, "Mathematics and Statistics Fundamentals", .microBachelors, months: 9, cost: 1_500, credit: 15,
                skills: Self.skills(["math", "critical", "problem"], ["Calculus", "Linear algebra", "Statistical inference"]),
                summary: "The mathematics behind economics, data and finance, with the statistics to use it.",
                courses: ["Precalculus", "Calculus", "Linear Algebra", "Introduction to Statistics", "Statistical Inference"],
                agreements: [("Doane University", 15, "Bachelor of Applied Science")])
        program("mb-marketing-essentials", doane, "Marketing Essentials", .microBachelors, months: 6, cost: 1_000, credit: 9,
                skills: Self.skills(["persuasion", "writing", "critical"], ["Digital marketing", "Market research", "Branding"]),
                summary: "How organisations find, understand and keep customers.",
                courses: ["Principles of Marketing", "Consumer Behavior", "Digital Marketing"],
                agreements: [("Doane University", 9, "Bachelor of Business Administration")])
        program("mb-business-communication", doane, "Business and Professional Communication for Success", .microBachelors, months: 6, cost: 1_000, credit: 9,
                skills: Self.skills(["writing", "speaking", "listening", "persuasion"], ["Business writing", "Presentations"]),
                summary: "Writing, speaking and working well with others at work.",
                courses: ["Professional Writing", "Presentation Skills", "Interpersonal Communication"],
                agreements: [("Doane University", 9, "Bachelor of Business Administration")])
        program("mb-full-stack-development", ibm, "Full Stack Application Development", .microBachelors, months: 9, cost: 1_400, credit: 12,
                skills: Self.skills(["programming", "systems", "problem"], ["JavaScript", "Python", "Cloud computing", "Git", "Databases"]),
                summary: "Build, test and deploy web applications from front end to cloud.",
                courses: ["Introduction to Cloud Computing", "Web Development with HTML, CSS and JavaScript", "Python for Data Science and Development", "Back-end Development with Node.js", "Containers and Deployment"],
                agreements: [("Doane University", 12, "Bachelor of Applied Science")])

        program("mm-supply-chain", lakeshore, "Supply Chain Management", .microMasters, months: 14, cost: 1_350, credit: 12,
                skills: Self.skills(["operations", "systems", "judgment", "coordination"], ["Logistics", "Demand forecasting", "Inventory management"]),
                summary: "Graduate-level courses in supply chain analytics, design and operations.",
                courses: ["Supply Chain Analytics", "Supply Chain Fundamentals", "Supply Chain Design", "Supply Chain Dynamics", "Capstone Exam"],
                agreements: [("Lakeshore State University", 12, "Master of Supply Chain Management")])
        program("mm-data-science", eastbrook, "Data Science", .microMasters, months: 12, cost: 1_260, credit: 10,
                skills: Self.skills(["programming", "math", "critical", "problem"], ["Machine learning", "Python", "Statistical inference"]),
                summary: "Probability, machine learning and data analysis at graduate level.",
                courses: ["Python for Data Science", "Probability and Statistics in Data Science", "Machine Learning Fundamentals", "Big Data Analytics"],
                agreements: [("Eastbrook University", 10, "Master of Science in Data Science"), ("Lakeshore State University", 8, "Master of Science in Analytics")])
        program("sp-instructional-design", mesa, "Instructional Design", .specialization, months: 5, cost: 245, credit: nil,
                skills: Self.skills(["instructing", "writing"], ["Curriculum design", "E-learning"]),
                summary: "Design learning experiences that work, online and in person.",
                courses: ["Foundations of Instructional Design", "Learner Analysis", "Designing Online Courses", "Evaluating Learning"])
        program("sp-public-health-analytics", lakeshore, "Public Health Analytics", .specialization, months: 4, cost: 196, credit: nil,
                skills: Self.skills(["math", "critical"], ["Epidemiology", "Biostatistics", "R"]),
                summary: "Use data to understand and improve population health.",
                courses: ["Epidemiology for Analysts", "Biostatistics in Public Health", "Health Data with R"])
        program("sp-project-management", eastbrook, "Project Management Essentials", .specialization, months: 4, cost: 196, credit: nil,
                skills: Self.skills(["time", "coordination", "judgment"], ["Agile methods", "Risk management"]),
                summary: "Plan, run and close projects on time and on budget.",
                courses: ["Project Initiation and Planning", "Budgeting and Scheduling", "Managing Project Risks and Changes", "Agile Project Management"])
    }

    // MARK: learners

    private static let firstNames = ["Aisha", "Alex", "Ana", "Andre", "Ben", "Carla", "Chen", "Daniel", "Deepa", "Diego", "Elena", "Emeka",
                                     "Fatima", "Grace", "Hassan", "Ines", "Jamal", "Jia", "Jose", "Kate", "Kwame", "Laura", "Lucas", "Maria",
                                     "Mei", "Miguel", "Nadia", "Nora", "Omar", "Priya", "Rosa", "Sam", "Sara", "Tariq", "Tom", "Valentina",
                                     "Wei", "Yusuf", "Zoe", "Marcus"]
    private static let lastNames = ["Adams", "Ahmed", "Alvarez", "Brown", "Chen", "Clark", "Diaz", "Evans", "Garcia", "Gupta", "Hall",
                                    "Hernandez", "Ibrahim", "Johnson", "Kim", "Kowalski", "Lee", "Lopez", "Martin", "Mensah", "Miller",
                                    "Moreno", "Nguyen", "Okafor", "Patel", "Reyes", "Rossi", "Santos", "Schmidt", "Singh", "Smith",
                                    "Tanaka", "Taylor", "Thomas", "Walker", "Wang", "Williams", "Wilson", "Young", "Zhang"]
    private static let sectors = ["Retail", "Healthcare", "Information technology", "Hospitality", "Manufacturing", "Finance",
                                  "Education", "Government", "Logistics", "Science, technology, engineering and mathematics", "Nonprofit"]

    private mutating func addLearner(_ rng: inout SeededRandom, index: Int, cohort: Cohort, programs choices: [Program], from: Date, to: Date, asOf: Date) {
        let first = Self.firstNames[Int(rng.next() % UInt64(Self.firstNames.count))]
        let last = Self.lastNames[Int(rng.next() % UInt64(Self.lastNames.count))]
        let key = String(format: "L%06d", index + 1)
        let consent = rng.chance(0.86)
        let enrolledAt = CalendarDay.adding(days: Int(rng.next() % UInt64(max(1, Int(to.timeIntervalSince(from) / 86_400)))), to: from)

        var profile = LearnerProfile()
        if consent {
            profile = cohort == .microBachelors ? microBachelorsProfile(&rng) : universityProfile(&rng)
            profile.studentStatus = rng.weighted([(.notStudent, 0.82), (.partTime, 0.15), (.fullTime, 0.03)])
        }
        let learner = Learner(
            id: rng.uuid(), key: key, name: "\(first) \(last)", email: "\(first).\(last).\(index + 1)@example.org".lowercased(),
            profileConsentAt: consent ? CalendarDay.adding(days: -Int(rng.next() % 20), to: enrolledAt) : nil, profile: profile)
        learners.append(learner)

        let program = choices[Int(rng.next() % UInt64(choices.count))]
        enroll(&rng, learner: learner, program: program, at: enrolledAt, cohort: cohort, asOf: asOf)
        // Some learners take a second program later.
        if rng.chance(cohort == .microBachelors ? 0.08 : 0.12) {
            let other = choices[Int(rng.next() % UInt64(choices.count))]
            let later = CalendarDay.adding(months: 3 + Int(rng.next() % 18), to: enrolledAt)
            if other.id != program.id && later < asOf {
                enroll(&rng, learner: learner, program: other, at: later, cohort: cohort, asOf: asOf)
            }
        }
    }

    private mutating func enroll(_ rng: inout SeededRandom, learner: Learner, program: Program, at enrolledAt: Date, cohort: Cohort, asOf: Date) {
        let programCourses = courses.filter { $0.programID == program.id }.sorted { $0.position < $1.position }
        let completionRate = cohort == .microBachelors ? 0.38 : 0.16
        let completes = rng.chance(completionRate)
        let coursesDone = completes ? programCourses.count : Int(rng.next() % UInt64(programCourses.count))
        var day = enrolledAt
        var lastDone: Date? = nil
        var doneCount = 0
        let monthsPerCourse = max(1, (program.typicalDurationMonths ?? 8) / max(1, programCourses.count))
        for (i, course) in programCourses.enumerated() {
            if i < coursesDone {
                day = CalendarDay.adding(days: monthsPerCourse * 30 + Int(rng.next() % 40) - 10, to: day)
                if day > asOf { break }
                progress.append(CourseProgress(learnerID: learner.id, courseID: course.id, progressPercent: 100,
                                               grade: Double(60 + Int(rng.next() % 40)), completedAt: day))
                lastDone = day
                doneCount += 1
            } else if i == coursesDone {
                if rng.chance(0.7) {
                    progress.append(CourseProgress(learnerID: learner.id, courseID: course.id, progressPercent: Double(rng.next() % 95), grade: nil, completedAt: nil))
                }
                break
            }
        }
        let finished = completes && lastDone != nil && doneCount == programCourses.count
        let stale = asOf.timeIntervalSince(enrolledAt) > 2 * 365 * 86_400
        let status: EnrollmentStatus = finished ? .completed : (stale && rng.chance(0.6) ? .withdrawn : .active)
        enrollments.append(Enrollment(id: rng.uuid(), learnerID: learner.id, programID: program.id, enrolledAt: enrolledAt,
                                      status: status, completedAt: finished ? lastDone : nil))
    }

    private func country(_ rng: inout SeededRandom, _ weights: [(String, Double)]) -> String { rng.weighted(weights) }

    private func microBachelorsProfile(_ rng: inout SeededRandom) -> LearnerProfile {
        LearnerProfile(
            gender: rng.weighted([(.female, 0.52), (.male, 0.45), (.nonBinary, 0.02), (.preferNotToSay, 0.01)]),
            birthYear: 1965 + Int(rng.next() % 38),
            hispanic: rng.weighted([(.yes, 0.2), (.no, 0.76), (.preferNotToSay, 0.04)]),
            races: [rng.weighted([(.white, 0.48), (.blackOrAfricanAmerican, 0.24), (.asian, 0.1), (.other, 0.1), (.preferNotToSay, 0.08)])],
            country: "US",
            englishProficiency: rng.weighted([(.native, 0.8), (.fluent, 0.12), (.veryGood, 0.06), (.good, 0.02)]),
            highestEducation: rng.weighted([(.lessThanSecondary, 0.03), (.secondary, 0.3), (.someCollege, 0.47), (.associate, 0.2)]),
            employmentStatus: rng.weighted([(.fullTime, 0.55), (.partTime, 0.18), (.selfEmployed, 0.07), (.unemployedLooking, 0.17), (.other, 0.03)]),
            sector: Self.sectors[Int(rng.next() % UInt64(Self.sectors.count))],
            businessOwner: rng.chance(0.06),
            incomeBand: rng.weighted([(.under25k, 0.3), (.from25kTo50k, 0.38), (.from50kTo75k, 0.2), (.from75kTo100k, 0.07), (.preferNotToSay, 0.05)]))
    }

    private func universityProfile(_ rng: inout SeededRandom) -> LearnerProfile {
        let countries: [(String, Double)] = [("US", 0.23), ("IN", 0.12), ("CA", 0.08), ("DE", 0.06), ("GB", 0.05), ("BR", 0.05), ("MX", 0.04),
                                             ("NG", 0.04), ("ES", 0.04), ("CN", 0.04), ("FR", 0.03), ("AU", 0.03), ("EG", 0.03), ("PK", 0.03),
                                             ("CO", 0.03), ("NL", 0.02), ("ZA", 0.02), ("PH", 0.02), ("JP", 0.02), ("IT", 0.02)]
        return LearnerProfile(
            gender: rng.weighted([(.female, 0.28), (.male, 0.7), (.preferNotToSay, 0.02)]),
            birthYear: 1950 + Int(rng.next() % 48),
            hispanic: rng.weighted([(.yes, 0.08), (.no, 0.9), (.preferNotToSay, 0.02)]),
            races: [rng.weighted([(.white, 0.62), (.asian, 0.23), (.blackOrAfricanAmerican, 0.05), (.other, 0.05), (.preferNotToSay, 0.05)])],
            country: rng.weighted(countries),
            englishProficiency: rng.weighted([(.native, 0.45), (.fluent, 0.35), (.veryGood, 0.18), (.good, 0.02)]),
            highestEducation: rng.weighted([(.secondary, 0.04), (.associate, 0.05), (.bachelor, 0.25), (.master, 0.55), (.doctorate, 0.08), (.professional, 0.03)]),
            employmentStatus: rng.weighted([(.fullTime, 0.69), (.partTime, 0.06), (.selfEmployed, 0.12), (.unemployedLooking, 0.06), (.retired, 0.04), (.other, 0.03)]),
            sector: Self.sectors[Int(rng.next() % UInt64(Self.sectors.count))],
            businessOwner: rng.chance(0.21),
            incomeBand: rng.weighted([(.under25k, 0.08), (.from25kTo50k, 0.14), (.from50kTo75k, 0.18), (.from75kTo100k, 0.22), (.from100kTo150k, 0.24), (.over150k, 0.1), (.preferNotToSay, 0.04)]))
    }
}
