import Foundation
import PathwaysCore
import PathwaysStore

/// Putting postings on the job board: files (schema.org JobPosting JSON-LD, careers pages carrying it, or CSV) and the
/// posting form. An employer partner's account writes only its own employer's postings; an administrator, or the
/// operator's command line, writes any and may file them under a partner. The Job postings page, `pathways
/// import-jobs` and the demo all come through here; each write is audited.
public struct JobBoard: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    var careers: CareerRepository { CareerRepository(store: store) }
    var audit: AuditRepository { AuditRepository(store: store) }

    /// Whom `p` writes postings as; `employerKey` files an administrator's postings under a partner.
    func writer(_ p: Principal, employerKey: String?) async throws -> CareerRepository.PostingWriter {
        guard AccessPolicy.canManagePostings(p) else { throw UseCaseError.forbidden("only administrators and employer partners put postings on the job board") }
        if AccessPolicy.actsForEmployer(p) {
            guard let mine = try await careers.employer(forUser: p.userID) else { throw UseCaseError.forbidden("your account is not tied to an employer partner") }
            return .employerAccount(key: mine.key)
        }
        if let key = employerKey, try await careers.employer(key: key) == nil { throw UseCaseError.notFound("There is no employer partner \(key).") }
        return .administrator(employerKey: employerKey)
    }

    /// Refuses, before any input is read, an account that may not write postings (an employer account tied to no partner).
    public func mayWrite(_ p: Principal) async throws {
        _ = try await writer(p, employerKey: nil)
    }

    /// The employer an employer partner's account acts for (nil for others).
    public func ownEmployer(_ p: Principal) async throws -> CareerRepository.Employer? {
        guard AccessPolicy.actsForEmployer(p) else { return nil }
        guard let mine = try await careers.employer(forUser: p.userID) else { throw UseCaseError.forbidden("your account is not tied to an employer partner") }
        return mine
    }

    /// Reads every file first — any error (`JobPostingImportError`) names file, line, column and property and stores
    /// nothing — then stores all postings at once; one seen before (same organisation and identifier) is replaced.
    public func importPostings(_ files: [(data: Data, name: String)], employerKey: String? = nil, by p: Principal,
                               now: Date = Date()) async throws -> CareerRepository.ImportSummary {
        let writer = try await writer(p, employerKey: employerKey)
        let summary = try await careers.importPostings(files, writer: writer, now: now)
        try await audit.record(userID: p.userID, action: "import_postings", subject: "file:\(files.map(\.name).joined(separator: ", "))", detail: summary.description)
        return summary
    }

    /// A posting typed into the form, by the import's column names (`JobPostingCSV.columns`); an employer partner's
    /// posting is its own employer's whatever the form says.
    public func enter(_ fields: [String: String?], by p: Principal, now: Date = Date()) async throws -> (JobPosting, CareerRepository.ImportSummary) {
        let writer = try await writer(p, employerKey: nil)
        var fields = fields
        if let mine = try await ownEmployer(p) { fields["employer"] = mine.name }
        fields["date_posted"] = fields["date_posted"] ?? CalendarDay.format(now)
        let posting = try JobPostingCSV.posting(line: 1, file: "the form") { fields[$0] ?? nil }
        let summary = try await careers.store([(posting, "entered by \(p.email)")], writer: writer, now: now)
        try await audit.record(userID: p.userID, action: "enter_posting", subject: "posting:\(posting.id.uuidString)")
        return (posting, summary)
    }
}

/// A learner's own career portal: goals and whether employer partners may see them, and the outcomes they report.
/// Only the learner's own account acts here (`AccessPolicy.hasCareerPortal`); the Careers page and the demo's
/// simulated learners come through here.
public struct CareerPortal: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    var careers: CareerRepository { CareerRepository(store: store) }

    func learner(_ p: Principal) throws -> UUID {
        guard AccessPolicy.hasCareerPortal(p), let learner = p.learnerID else { throw UseCaseError.forbidden("only a learner's own account has a career portal") }
        return learner
    }

    /// Goals as typed (separated by commas, at most 10 of at most 80 characters), a region, and whether employer
    /// partners hiring from the learner's programs may see them.
    public func setGoals(_ text: String, region: String?, shareWithEmployers: Bool, by p: Principal, now: Date = Date()) async throws {
        let learner = try learner(p)
        let goals = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard goals.count <= 10, goals.allSatisfy({ $0.count <= 80 }) else {
            throw UseCaseError.invalid("goals: at most 10, each at most 80 characters, separated by commas")
        }
        let region = region?.trimmingCharacters(in: .whitespaces)
        try await careers.setGoals(learner: learner, goals: goals, region: region?.isEmpty == false ? region : nil, shareWithEmployers: shareWithEmployers, now: now)
    }

    /// An outcome as the form gives it: kind, the day (YYYY-MM-DD), sector, salary band, annual salary (digits, commas
    /// allowed) and whether the role required no degree.
    public func recordOutcome(kind: String?, occurredOn: String?, sector: String?, salaryBand: String?, annualSalary: String?, noDegreeRole: Bool?,
                              source: String = "portal", by p: Principal, now: Date = Date()) async throws {
        let learner = try learner(p)
        guard let kind = kind.flatMap(CareerRepository.OutcomeKind.init(rawValue:)) else { throw UseCaseError.invalid("kind: new_job, promotion, raise or bonus") }
        guard let day = occurredOn.flatMap(CalendarDay.parse) else { throw UseCaseError.invalid("occurred_on: a date as YYYY-MM-DD") }
        var salary: Double?
        if let text = annualSalary?.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let value = Double(text) else { throw UseCaseError.invalid("annual_salary: a number, e.g. 52000") }
            salary = value
        }
        func clean(_ s: String?) -> String? { s.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : String($0.prefix(120)) } }
        do {
            try await careers.recordOutcome(learner: learner, kind: kind, occurredOn: day, sector: clean(sector), salaryBand: clean(salaryBand),
                                            annualSalary: salary, noDegreeRole: noDegreeRole, source: source, now: now)
        } catch StoreError.invalid(let message) {
            throw UseCaseError.invalid(message)
        }
    }
}
