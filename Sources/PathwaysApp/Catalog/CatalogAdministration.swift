import Foundation
import PathwaysCore
import PathwaysStore

/// What an administrator does to the catalog one record at a time (a page, the API, the command line): providers,
/// programs with their skills, courses and credit agreements are saved as a one-row import of their kind, so a
/// form is checked by exactly the rules a CSV file is, and stored the same way (matched by id: a record that
/// exists is updated). Employer partners, with the programs they hire from and the accounts acting for them, have
/// their own rules. Audited.
public struct CatalogAdministration: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    var catalog: CatalogRepository { CatalogRepository(store: store) }
    var careers: CareerRepository { CareerRepository(store: store) }

    /// The kinds of record the catalog pages edit.
    public static let kinds: [ImportKind] = [.providers, .programs, .courses, .creditAgreements]

    func requireEditor(_ p: Principal) throws {
        guard AccessPolicy.canEditCatalog(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) may not edit the catalog") }
    }

    /// Saves one record of `kind` from its fields (named as the import file's columns), every field as it is: an
    /// empty one clears the stored value. Refused with every problem by field; nothing is stored then.
    @discardableResult
    public func save(_ kind: ImportKind, fields: [String: String], by p: Principal, now: Date = Date()) async throws -> ImportReport {
        try requireEditor(p)
        guard Self.kinds.contains(kind) else { throw UseCaseError.invalid("\(kind.rawValue) are not edited one at a time; import them") }
        let columns = kind.columns.map(\.name)
        let text = columns.joined(separator: ",") + "\n" + columns.map { CSVTable.field(fields[$0] ?? "") }.joined(separator: ",") + "\n"
        // The form shows every stored value, so a field left empty is meant empty: it clears what was stored.
        let report = try await ImportRepository(store: store, emptyClears: true).run(kind: kind, fileName: "the \(kind.rawValue) form", text: text,
                                                                   by: .init(userID: p.accountID, programScope: nil), today: now)
        guard report.errors.isEmpty else {
            throw UseCaseError.rejected(report.errors.map { FieldProblem($0.column ?? "form", $0.message) })
        }
        let key = fields[columns[0]] ?? ""
        try await AuditRepository(store: store).record(userID: p.userID, action: "edit_catalog", subject: "\(kind.rawValue):\(key)")
        return report
    }

    /// Creates one record of `kind` from its fields, as `save` does, but refuses (a conflict) when the record is
    /// already there: one with its id, or for an agreement one with its program, institution and first day.
    @discardableResult
    public func create(_ kind: ImportKind, fields: [String: String], by p: Principal, now: Date = Date()) async throws -> ImportReport {
        try requireEditor(p)
        if let existing = try await existing(kind, fields) { throw UseCaseError.conflict("\(existing) already exists; change it instead") }
        return try await save(kind, fields: fields, by: p, now: now)
    }

    /// The stored record the fields name, described, if there is one.
    func existing(_ kind: ImportKind, _ fields: [String: String]) async throws -> String? {
        func field(_ name: String) -> String { (fields[name] ?? "").trimmingCharacters(in: .whitespaces) }
        switch kind {
        case .providers: return try await catalog.provider(key: field("provider_id")) != nil ? "provider '\(field("provider_id"))'" : nil
        case .programs: return try await catalog.program(key: field("program_id")) != nil ? "program '\(field("program_id"))'" : nil
        case .courses: return try await catalog.course(key: field("course_id")) != nil ? "course '\(field("course_id"))'" : nil
        case .creditAgreements:
            guard let program = try await catalog.program(key: field("program_id")) else { return nil }
            let same = try await catalog.agreements(programID: program.id).contains {
                $0.institution.caseInsensitiveCompare(field("institution")) == .orderedSame && CalendarDay.format($0.validFrom) == field("valid_from")
            }
            return same ? "an agreement with \(field("institution")) from \(field("valid_from"))" : nil
        default: return nil
        }
    }

    /// A stored record's fields as its form shows them; nil when there is none.
    public func fields(_ kind: ImportKind, key: String) async throws -> [String: String]? {
        let number = ImportKind.cell
        switch kind {
        case .providers:
            guard let p = try await catalog.provider(key: key) else { return nil }
            return ["provider_id": p.key, "name": p.name, "kind": p.kind.rawValue, "country": p.country ?? "", "website": p.website ?? ""]
        case .programs:
            guard let p = try await catalog.program(key: key), let provider = try await catalog.provider(id: p.providerID) else { return nil }
            return ["program_id": p.key, "provider_id": provider.key, "title": p.title, "kind": p.kind.rawValue, "summary": p.summary ?? "",
                    "duration_months": p.typicalDurationMonths.map(String.init) ?? "", "cost_usd": number(p.typicalCostUSD),
                    "credit_value": number(p.creditValue), "credit_unit": p.creditUnit ?? "",
                    "skills": p.skills.map(\.importText).joined(separator: "; ")]
        case .courses:
            guard let c = try await catalog.course(key: key), let program = try await catalog.program(id: c.programID) else { return nil }
            return ["course_id": c.key, "program_id": program.key, "title": c.title, "position": String(c.position),
                    "credit_value": number(c.creditValue), "effort_hours": c.effortHours.map(String.init) ?? ""]
        case .creditAgreements:
            guard let id = UUID(uuidString: key), let a = try await catalog.agreement(id: id), let program = try await catalog.program(id: a.programID) else { return nil }
            return ["program_id": program.key, "institution": a.institution, "credits": number(a.credits), "degree": a.degree ?? "",
                    "valid_from": CalendarDay.format(a.validFrom), "valid_to": a.validTo.map(CalendarDay.format) ?? ""]
        default:
            return nil
        }
    }

    // MARK: credentials

    /// Each course of the program earns its own credential (`on`), or only the program as a whole. Credentials already
    /// issued stay; with on, completed courses get theirs at the next issuing. Audited.
    @discardableResult
    public func setCourseCredentials(program key: String, _ on: Bool, by p: Principal) async throws -> Program {
        try requireEditor(p)
        guard let program = try await catalog.program(key: key) else { throw UseCaseError.notFound("There is no program with id '\(key)'.") }
        try await catalog.setCourseCredentials(programID: program.id, on)
        try await AuditRepository(store: store).record(userID: p.userID, action: "course_credentials", subject: "program:\(key)", detail: on ? "on" : "off")
        return program
    }

    // MARK: employers

    /// Creates or updates an employer partner: the programs it hires from, and the employer accounts that act for it
    /// (each must exist with the employer role; an account acts for one employer, so naming it here moves it).
    /// `created`: whether it is new.
    @discardableResult
    public func saveEmployer(_ input: EmployerInput, by p: Principal) async throws -> (employer: CareerRepository.Employer, created: Bool) {
        try requireEditor(p)
        let (read, problems) = input.read()
        guard let read else { throw UseCaseError.rejected(problems) }
        var more: [FieldProblem] = []
        for key in read.programs where try await catalog.program(key: key) == nil { more.append(.init("programs", "no program with id '\(key)'")) }
        let accounts = AccountRepository(store: store)
        for email in read.accounts {
            if let a = try await accounts.account(email: email) {
                if a.role != .employer { more.append(.init("accounts", "\(email) is a \(a.role.label) account, not an employer's; change its role first")) }
            } else {
                more.append(.init("accounts", "no account with the address \(email); create it first (role: employer)"))
            }
        }
        guard more.isEmpty else { throw UseCaseError.rejected(more) }
        let created = try await careers.employer(key: read.key) == nil
        let saved = try await careers.saveEmployer(key: read.key, name: read.name, website: read.website, description: read.description, programKeys: read.programs)
        for email in read.accounts { try await careers.linkAccount(email: email, employerKey: read.key) }
        try await AuditRepository(store: store).record(userID: p.userID, action: "edit_employer", subject: "employer:\(read.key)",
                                                       detail: read.accounts.isEmpty ? nil : "accounts: \(read.accounts.joined(separator: ", "))")
        return (saved, created)
    }

    /// Employer partners an account may see: every one for an administrator, its own for an employer account.
    public func employers(for p: Principal) async throws -> [CareerRepository.Employer] {
        if AccessPolicy.canEditCatalog(p) { return try await careers.employers() }
        guard AccessPolicy.actsForEmployer(p) else { throw UseCaseError.forbidden("your role (\(p.role.label)) sees no employer partners") }
        return try await careers.employer(forUser: p.userID).map { [$0] } ?? []
    }

    public func employerFields(key: String) async throws -> [String: String]? {
        guard let e = try await careers.employer(key: key) else { return nil }
        let programs = try await catalog.programs(ids: Set(e.programIDs)).map(\.key)
        return ["employer_id": e.key, "name": e.name, "website": e.website ?? "", "description": e.description ?? "",
                "programs": programs.joined(separator: ", "), "accounts": try await careers.accountEmails(employer: e.id).joined(separator: ", ")]
    }
}
