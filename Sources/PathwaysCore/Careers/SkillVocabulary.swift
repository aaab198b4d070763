import Foundation

/// A skills vocabulary that program skills and posting skills are mapped to: exact label, alternative labels, and
/// simple normalisation (case, punctuation, "&"/"and", a plural "s"). What cannot be mapped stays as text.
///
/// The shipped vocabulary (`SkillVocabulary.standard`) holds the 35 skills of the O*NET content model (element ids
/// 2.A.* and 2.B.*) and a set of technology and subject names; see `onetAttribution`.
public struct SkillVocabulary: Sendable {
    public struct Term: Sendable, Hashable, Codable {
        /// An O*NET element id ("2.B.3.e") or a local id ("tech:javascript").
        public var id: String
        public var label: String
        public var scheme: SkillScheme
        public var altLabels: [String]
        /// A broader term that knowing or needing this one implies (JavaScript → Programming), or nil.
        public var broader: String? = nil
    }

    public let terms: [Term]
    /// Normalised label or alternative label → index in `terms`.
    let byLabel: [String: Int]
    let byID: [String: Int]
    /// Labels of at most two characters ("R", "C") are matched only as a whole skill, never inside running text.
    let maxWords: Int
    /// First words of labels of more than one word: only there can a longer phrase start.
    let phraseStarts: Set<String>

    public init(_ terms: [Term]) {
        self.terms = terms
        var labels: [String: Int] = [:], ids: [String: Int] = [:], longest = 1
        var starts = Set<String>()
        for (i, t) in terms.enumerated() {
            ids[t.id] = i
            for label in [t.label] + t.altLabels {
                let n = Self.normalize(label)
                if labels[n] == nil { labels[n] = i }
                let words = n.split(separator: " ")
                longest = max(longest, words.count)
                if words.count > 1 { starts.insert(String(words[0])) }
            }
        }
        byLabel = labels
        byID = ids
        maxWords = longest
        phraseStarts = starts
    }

    public func term(id: String) -> Term? { byID[id].map { terms[$0] } }

    /// The broader terms a term implies, nearest first (at most three steps).
    public func broader(of id: String) -> [Term] {
        var out: [Term] = []
        var current = term(id: id)?.broader
        while let next = current, out.count < 3, let t = term(id: next) {
            out.append(t)
            current = t.broader
        }
        return out
    }

    /// The term a skill name is (label or alternative label after normalisation), or nil.
    public func map(_ name: String) -> Term? { byLabel[Self.normalize(name)].map { terms[$0] } }

    /// A program's skill: by its ESCO/O*NET code when the vocabulary has it, else by its label.
    public func map(_ skill: SkillRef) -> Term? {
        if let code = skill.code, let t = term(id: code) { return t }
        return map(skill.label)
    }

    /// Every term named in running text (whole words, longest phrase first), in order of first mention.
    public func find(in text: String) -> [Term] {
        let words = Self.normalize(text).split(separator: " ").map(String.init)
        var found: [Int] = [], seen = Set<Int>()
        var i = 0
        while i < words.count {
            var matched = 0
            let longest = phraseStarts.contains(words[i]) ? min(maxWords, words.count - i) : 1
            for n in stride(from: longest, through: 1, by: -1) {
                let phrase = words[i..<(i + n)].joined(separator: " ")
                if let t = byLabel[phrase], phrase.count > 2 || n > 1 {
                    if seen.insert(t).inserted { found.append(t) }
                    matched = n
                    break
                }
            }
            i += max(matched, 1)
        }
        return found.map { terms[$0] }
    }

    /// Lower case, "&" as "and", apostrophes dropped, other punctuation as spaces (keeping "+", "#" and a "." inside
    /// a word, as in C++, C#, Node.js), whitespace collapsed, a final plural "s" dropped.
    public static func normalize(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let chars = Array(text.lowercased().replacingOccurrences(of: "&", with: " and "))
        for (i, c) in chars.enumerated() {
            if c.isLetter || c.isNumber || c == "+" || c == "#" {
                out.append(c)
            } else if c == "." && i > 0 && i + 1 < chars.count && chars[i - 1].isLetter && chars[i + 1].isLetter {
                out.append(c)
            } else if c == "'" || c == "’" {
                continue
            } else {
                out.append(" ")
            }
        }
        return out.split(separator: " ").map { word -> String in
            if word.count > 4, word.hasSuffix("s"), !word.hasSuffix("ss"), !word.hasSuffix("us"), !word.hasSuffix("is") { return String(word.dropLast()) }
            return String(word)
        }.joined(separator: " ")
    }

    public static let onetAttribution = "This vocabulary includes skill names and element ids from the O*NET 29.0 Database by the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 license. O*NET® is a trademark of USDOL/ETA. Pathways has modified the data (alternative labels added) and USDOL/ETA has not approved, endorsed or tested these modifications."

    public static let standard = SkillVocabulary(onetSkills + localTerms)

    static func term(_ id: String, _ label: String, _ alt: [String] = [], scheme: SkillScheme = .onet) -> Term {
        Term(id: id, label: label, scheme: scheme, altLabels: alt)
    }

    /// The O*NET content model's skills.
    static let onetSkills: [Term] = [
        term("2.A.1.a", "Reading Comprehension", ["reading"]),
        term("2.A.1.b", "Active Listening", ["listening"]),
        term("2.A.1.c", "Writing", ["written communication", "technical writing"]),
        term("2.A.1.d", "Speaking", ["verbal communication", "oral communication", "public speaking"]),
        term("2.A.1.e", "Mathematics", ["math", "maths", "quantitative skills"]),
        term("2.A.1.f", "Science", ["scientific method"]),
        term("2.A.2.a", "Critical Thinking", ["analytical thinking", "analytical skills"]),
        term("2.A.2.b", "Active Learning", ["learning agility"]),
        term("2.A.2.c", "Learning Strategies"),
        term("2.A.2.d", "Monitoring", ["performance monitoring"]),
        term("2.B.1.a", "Social Perceptiveness", ["empathy"]),
        term("2.B.1.b", "Coordination", ["teamwork", "collaboration"]),
        term("2.B.1.c", "Persuasion", ["influencing"]),
        term("2.B.1.d", "Negotiation", ["negotiating"]),
        term("2.B.1.e", "Instructing", ["teaching", "training others", "mentoring"]),
        term("2.B.1.f", "Service Orientation", ["customer service", "client service"]),
        term("2.B.2.i", "Complex Problem Solving", ["problem solving", "problem-solving"]),
        term("2.B.3.a", "Operations Analysis", ["requirements analysis", "requirements gathering"]),
        term("2.B.3.b", "Technology Design", ["solution design"]),
        term("2.B.3.c", "Equipment Selection"),
        term("2.B.3.d", "Installation"),
        term("2.B.3.e", "Programming", ["coding", "computer programming", "software development", "software engineering"]),
        term("2.B.3.g", "Operations Monitoring"),
        term("2.B.3.h", "Operation and Control"),
        term("2.B.3.j", "Equipment Maintenance"),
        term("2.B.3.k", "Troubleshooting", ["debugging"]),
        term("2.B.3.l", "Repairing"),
        term("2.B.3.m", "Quality Control Analysis", ["quality assurance", "software testing", "qa testing"]),
        term("2.B.4.e", "Judgment and Decision Making", ["decision making", "decision-making"]),
        term("2.B.4.g", "Systems Analysis"),
        term("2.B.4.h", "Systems Evaluation"),
        term("2.B.5.a", "Time Management", ["prioritization"]),
        term("2.B.5.b", "Management of Financial Resources", ["budgeting", "budget management"]),
        term("2.B.5.c", "Management of Material Resources"),
        term("2.B.5.d", "Management of Personnel Resources", ["people management", "team leadership"]),
    ]

    /// Technology and subject names that programs teach and postings ask for.
    static let localTerms: [Term] = [
        ("javascript", "JavaScript", ["js", "ecmascript", "es6"]), ("typescript", "TypeScript", []),
        ("python", "Python", []), ("java", "Java", []), ("csharp", "C#", []), ("cplusplus", "C++", []),
        ("r", "R", ["r programming", "r language"]), ("sql", "SQL", ["structured query language", "postgresql", "mysql"]),
        ("databases", "Databases", ["database", "relational database", "database design", "data modeling"]),
        ("html", "HTML", ["html5"]), ("css", "CSS", ["css3", "sass"]), ("react", "React", ["react.js", "reactjs"]),
        ("node", "Node.js", ["nodejs", "node js"]), ("rest", "REST APIs", ["rest api", "restful api", "web api"]),
        ("git", "Git", ["github", "version control"]), ("linux", "Linux", ["unix"]),
        ("cloud", "Cloud computing", ["cloud", "cloud services", "cloud platform"]), ("aws", "Amazon Web Services", ["aws"]),
        ("azure", "Microsoft Azure", ["azure"]), ("docker", "Docker", ["containers"]), ("kubernetes", "Kubernetes", ["k8s"]),
        ("excel", "Microsoft Excel", ["excel", "spreadsheets"]), ("tableau", "Tableau", []), ("powerbi", "Power BI", []),
        ("data-analysis", "Data analysis", ["data analytics", "analytics", "analyzing data"]),
        ("data-visualization", "Data visualization", ["dashboards", "data viz"]),
        ("statistics", "Statistics", ["statistical analysis"]), ("statistical-inference", "Statistical inference", ["hypothesis testing", "inferential statistics"]),
        ("probability", "Probability", []), ("calculus", "Calculus", []), ("linear-algebra", "Linear algebra", []),
        ("machine-learning", "Machine learning", ["ml", "predictive modeling"]), ("deep-learning", "Deep learning", ["neural networks"]),
        ("digital-marketing", "Digital marketing", ["online marketing", "seo", "sem", "social media marketing"]),
        ("market-research", "Market research", ["consumer research"]), ("branding", "Branding", ["brand management"]),
        ("business-writing", "Business writing", ["business communication"]), ("presentations", "Presentations", ["presentation skills"]),
        ("logistics", "Logistics", ["supply chain", "supply chain management"]), ("demand-forecasting", "Demand forecasting", ["forecasting"]),
        ("inventory", "Inventory management", ["inventory control"]), ("curriculum", "Curriculum design", ["instructional design"]),
        ("elearning", "E-learning", ["online learning", "lms"]), ("epidemiology", "Epidemiology", []), ("biostatistics", "Biostatistics", []),
        ("agile", "Agile methods", ["agile", "scrum", "kanban"]), ("risk", "Risk management", ["risk assessment"]),
        ("project-management", "Project management", ["pmp", "project planning"]), ("crm", "Salesforce", ["crm"]),
        ("accounting", "Accounting", ["bookkeeping"]), ("financial-analysis", "Financial analysis", ["financial modeling"]),
        ("cybersecurity", "Cybersecurity", ["information security", "network security"]), ("networking", "Computer networking", ["networking", "tcp/ip"]),
        ("testing", "Automated testing", ["unit testing", "test automation"]), ("ux", "User experience design", ["ux", "ui/ux", "user research"]),
    ].map { term("tech:\($0.0)", $0.1, $0.2, scheme: .local) }.map { t in
        var t = t
        t.broader = broaderTerms[t.id]
        return t
    }

    /// What each technology or subject implies.
    static let broaderTerms: [String: String] = [
        "tech:javascript": "2.B.3.e", "tech:typescript": "tech:javascript", "tech:python": "2.B.3.e", "tech:java": "2.B.3.e", "tech:csharp": "2.B.3.e",
        "tech:cplusplus": "2.B.3.e", "tech:r": "2.B.3.e", "tech:html": "2.B.3.e", "tech:css": "2.B.3.e", "tech:react": "tech:javascript", "tech:node": "tech:javascript",
        "tech:rest": "2.B.3.e", "tech:testing": "2.B.3.m", "tech:sql": "tech:databases", "tech:aws": "tech:cloud", "tech:azure": "tech:cloud",
        "tech:docker": "tech:cloud", "tech:kubernetes": "tech:docker", "tech:tableau": "tech:data-visualization", "tech:powerbi": "tech:data-visualization",
        "tech:data-visualization": "tech:data-analysis", "tech:statistical-inference": "tech:statistics", "tech:biostatistics": "tech:statistics",
        "tech:statistics": "2.A.1.e", "tech:probability": "2.A.1.e", "tech:calculus": "2.A.1.e", "tech:linear-algebra": "2.A.1.e",
        "tech:machine-learning": "tech:statistics", "tech:deep-learning": "tech:machine-learning", "tech:financial-analysis": "tech:accounting",
        "tech:demand-forecasting": "tech:logistics", "tech:inventory": "tech:logistics", "tech:curriculum": "2.B.1.e", "tech:elearning": "tech:curriculum",
        "tech:agile": "tech:project-management", "tech:business-writing": "2.A.1.c", "tech:presentations": "2.A.1.d",
    ]
}
