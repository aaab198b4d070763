import Foundation

/// What happened in a learner's career after a credential: reported in the portal, taken from survey answers, or
/// recorded by an administrator.
public enum CareerOutcomeKind: String, Sendable, CaseIterable {
    case newJob = "new_job", promotion, raise, bonus

    public var label: String {
        switch self {
        case .newJob: "New job"
        case .promotion: "Promotion"
        case .raise: "Raise"
        case .bonus: "Bonus"
        }
    }

    /// A new job or a promotion: what "jobs obtained" counts.
    public var isJob: Bool { self == .newJob || self == .promotion }
}

public struct CareerOutcome: Sendable, Equatable {
    public var id: UUID
    public var kind: CareerOutcomeKind
    public var occurredOn: Date
    public var sector: String?
    public var salaryBand: String?
    public var annualSalary: Double?
    public var noDegreeRole: Bool?
    public var source: String

    public init(id: UUID, kind: CareerOutcomeKind, occurredOn: Date, sector: String? = nil, salaryBand: String? = nil, annualSalary: Double? = nil,
                noDegreeRole: Bool? = nil, source: String) {
        self.id = id
        self.kind = kind
        self.occurredOn = occurredOn
        self.sector = sector
        self.salaryBand = salaryBand
        self.annualSalary = annualSalary
        self.noDegreeRole = noDegreeRole
        self.source = source
    }
}

/// An outcome about to be recorded.
public struct NewCareerOutcome: Sendable, Equatable {
    public var learner: UUID
    public var kind: CareerOutcomeKind
    public var occurredOn: Date
    public var sector: String?
    public var salaryBand: String?
    public var annualSalary: Double?
    public var noDegreeRole: Bool?
    public var posting: UUID?
    public var source: String

    public init(learner: UUID, kind: CareerOutcomeKind, occurredOn: Date, sector: String? = nil, salaryBand: String? = nil, annualSalary: Double? = nil,
                noDegreeRole: Bool? = nil, posting: UUID? = nil, source: String) {
        self.learner = learner
        self.kind = kind
        self.occurredOn = occurredOn
        self.sector = sector
        self.salaryBand = salaryBand
        self.annualSalary = annualSalary
        self.noDegreeRole = noDegreeRole
        self.posting = posting
        self.source = source
    }

    /// Why an outcome a person entered cannot be recorded, or nil.
    public static func problem(occurredOn: Date, annualSalary: Double?, now: Date) -> String? {
        if occurredOn > now.addingTimeInterval(86_400) { return "occurred_on: the outcome's date cannot be in the future" }
        if let annualSalary, !(annualSalary >= 0 && annualSalary < 10_000_000) { return "annual_salary: a yearly amount from 0 to 10,000,000" }
        return nil
    }
}

/// Outcomes per program at some months after completion, in the shape of Credential Engine's AggregateDataProfile:
/// number awarded (completers whose window has passed), jobs obtained within the months (a new job or promotion
/// dated after completion and within the window), median yearly salary of those jobs (withheld under five).
public struct OutcomeProfile: Sendable, Equatable {
    public var programKey: String
    public var programTitle: String
    public var postReceiptMonths: Int
    public var numberAwarded: Int
    public var jobsObtained: Int
    public var noDegreeRoles: Int
    public var medianEarnings: Double?
    public var earningsReported: Int
    /// Completers counted who attended at least one workshop or interview day by the end of their window: the
    /// career support they took up, beside what came of it.
    public var attendedEvents: Int = 0

    /// A median of fewer salaries than this would come close to showing someone's pay: withheld.
    public static let minimumSalaries = 5

    /// As CTDL JSON-LD (`ceterms:AggregateDataProfile`).
    public var ctdl: [String: Any] {
        var o: [String: Any] = [
            "@type": "ceterms:AggregateDataProfile", "ceterms:description": ["en": "Outcomes of \(programTitle) completers \(postReceiptMonths) months after completion"],
            "ceterms:numberAwarded": numberAwarded, "ceterms:postReceiptMonths": postReceiptMonths,
            "ceterms:jobsObtained": [["@type": "schema:QuantitativeValue", "schema:value": jobsObtained]],
            "ceterms:currency": "USD",
        ]
        if let medianEarnings { o["ceterms:medianEarnings"] = medianEarnings }
        return o
    }

    public struct Completion: Sendable {
        public var learner: UUID
        public var programKey: String
        public var programTitle: String
        public var completedAt: Date
        public init(learner: UUID, programKey: String, programTitle: String, completedAt: Date) {
            self.learner = learner
            self.programKey = programKey
            self.programTitle = programTitle
            self.completedAt = completedAt
        }
    }

    public struct ReportedOutcome: Sendable {
        public var kind: CareerOutcomeKind
        public var occurredOn: Date
        public var annualSalary: Double?
        public var noDegreeRole: Bool?
        public init(kind: CareerOutcomeKind, occurredOn: Date, annualSalary: Double?, noDegreeRole: Bool?) {
            self.kind = kind
            self.occurredOn = occurredOn
            self.annualSalary = annualSalary
            self.noDegreeRole = noDegreeRole
        }
    }

    /// Every program's profile at each of `months`, as of `now`. Only completers whose window has fully passed are
    /// counted, so the share is not diluted by recent ones; each completer counts their first job in the window.
    /// `attendance`: when each learner attended an event (from the organisers' attendance lists).
    public static func compute(completions: [Completion], outcomes: [UUID: [ReportedOutcome]], months: [Int], asOf now: Date,
                               attendance: [UUID: [Date]] = [:]) -> [OutcomeProfile] {
        let calendar = Calendar(identifier: .gregorian)
        var out: [OutcomeProfile] = []
        let byProgram = Dictionary(grouping: completions, by: \.programKey)
        for key in byProgram.keys.sorted() {
            let list = byProgram[key]!
            for m in months {
                let eligible = list.filter { calendar.date(byAdding: .month, value: m, to: $0.completedAt)! <= now }
                var jobs = 0, noDegree = 0, attended = 0
                var salaries: [Double] = []
                for c in eligible {
                    let end = calendar.date(byAdding: .month, value: m, to: c.completedAt)!
                    if (attendance[c.learner] ?? []).contains(where: { $0 <= end }) { attended += 1 }
                    let first = (outcomes[c.learner] ?? []).filter { $0.kind.isJob && $0.occurredOn >= c.completedAt && $0.occurredOn <= end }
                        .min { $0.occurredOn < $1.occurredOn }
                    guard let first else { continue }
                    jobs += 1
                    if first.noDegreeRole == true { noDegree += 1 }
                    if let s = first.annualSalary { salaries.append(s) }
                }
                out.append(OutcomeProfile(programKey: key, programTitle: list[0].programTitle, postReceiptMonths: m, numberAwarded: eligible.count,
                                          jobsObtained: jobs, noDegreeRoles: noDegree, medianEarnings: median(salaries), earningsReported: salaries.count,
                                          attendedEvents: attended))
            }
        }
        return out
    }

    /// The median of at least `minimumSalaries` values; nil for fewer.
    public static func median(_ values: [Double]) -> Double? {
        guard values.count >= minimumSalaries else { return nil }
        let sorted = values.sorted(), n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

/// How a study's answers become career outcomes: the select_multiple item whose choices name outcomes, which choice
/// means which outcome, and the items holding the sector and yearly income.
public struct SurveyOutcomeMapping: Sendable {
    public var item: String
    public var choices: [String: CareerOutcomeKind]
    public var sectorItem: String?
    public var incomeItem: String?

    public init(item: String, choices: [String: CareerOutcomeKind], sectorItem: String? = nil, incomeItem: String? = nil) {
        self.item = item
        self.choices = choices
        self.sectorItem = sectorItem
        self.incomeItem = incomeItem
    }

    /// The follow-up survey's benefits question (as in the seed survey): promotion, raise, bonus, and a new or first
    /// job the courses helped to get.
    public static let followUp = SurveyOutcomeMapping(
        item: "benefits",
        choices: ["promotion": .promotion, "raise": .raise, "bonus": .bonus, "got_first_job": .newJob, "moved_job_internal": .newJob],
        sectorItem: "sector", incomeItem: "income")

    /// The items whose answers are read.
    public var items: [String] { [item] + [sectorItem, incomeItem].compactMap { $0 } }

    public struct Answered: Sendable {
        public var caseID: Int64
        public var learner: UUID
        public var submittedAt: Date
        public var values: [String: String]
        public init(caseID: Int64, learner: UUID, submittedAt: Date, values: [String: String]) {
            self.caseID = caseID
            self.learner = learner
            self.submittedAt = submittedAt
            self.values = values
        }
    }

    /// Where an outcome taken from a case's answers says it came from (also what makes it once per case and kind).
    public static func source(caseID: Int64) -> String { "survey case \(caseID)" }

    /// An outcome for each outcome choice in each submitted case (dated at submission, the survey not asking when),
    /// leaving out those already recorded (`recorded`: "learner|kind|source"); the salary goes with jobs only.
    public func outcomes(from cases: [Answered], recorded: Set<String>) -> [NewCareerOutcome] {
        var found: [NewCareerOutcome] = []
        for c in cases.sorted(by: { $0.caseID < $1.caseID }) {
            let chosen = Set((c.values[item] ?? "").split(separator: " ").map(String.init))
            let kinds = Set(chosen.compactMap { choices[$0] })
            let source = Self.source(caseID: c.caseID)
            let sector = sectorItem.flatMap { c.values[$0] }.flatMap { $0.isEmpty ? nil : String($0.prefix(120)) }
            let income = incomeItem.flatMap { c.values[$0] }.flatMap(Double.init)
            for kind in kinds.sorted(by: { $0.rawValue < $1.rawValue }) where !recorded.contains("\(c.learner)|\(kind.rawValue)|\(source)") {
                found.append(NewCareerOutcome(learner: c.learner, kind: kind, occurredOn: c.submittedAt, sector: sector,
                                              annualSalary: kind.isJob ? income : nil, source: source))
            }
        }
        return found
    }
}

/// Where a learner's application to a posting stands.
public enum ApplicationStatus: String, Sendable, CaseIterable {
    case applied, interviewing, offered, hired, declined, withdrawn
    public var label: String { rawValue.capitalized }

    /// What the employer records; the learner applies and withdraws.
    public static let employerSide: [ApplicationStatus] = [.interviewing, .offered, .hired, .declined]

    /// The employer's change to an application as a form gives it: a status of `employerSide` and, optionally, the
    /// interview's date and time (ISO 8601, e.g. 2026-03-02T14:30). An error names the field.
    public static func employerChange(status: String?, interviewAt: String?) throws(FieldProblem) -> (status: ApplicationStatus, interviewAt: Date?) {
        guard let status = status.flatMap(ApplicationStatus.init(rawValue:)), employerSide.contains(status) else {
            throw FieldProblem("status", "interviewing, offered, hired or declined")
        }
        guard let text = interviewAt?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return (status, nil) }
        guard let at = ISODate.parse(text) else { throw FieldProblem("interview_at", "a date and time as YYYY-MM-DDTHH:MM") }
        return (status, at)
    }
}

public struct JobApplication: Sendable, Equatable {
    public var id: UUID
    public var postingID: UUID
    public var title: String
    public var status: ApplicationStatus
    public var appliedAt: Date
    public var interviewAt: Date?
    public var statusAt: Date

    public init(id: UUID, postingID: UUID, title: String, status: ApplicationStatus, appliedAt: Date, interviewAt: Date? = nil, statusAt: Date) {
        self.id = id
        self.postingID = postingID
        self.title = title
        self.status = status
        self.appliedAt = appliedAt
        self.interviewAt = interviewAt
        self.statusAt = statusAt
    }
}
