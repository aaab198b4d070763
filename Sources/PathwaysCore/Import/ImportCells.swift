import Foundation

/// Reads typed values out of records, noting each bad cell with its row and column.
struct CellReader {
    let index: [String: Int]
    let today: Date
    var errors: [ImportIssue] = []
    var warnings: [ImportIssue] = []

    init(index: [String: Int], today: Date) {
        self.index = index
        self.today = today
    }

    func raw(_ r: CSVTable.Record, _ column: String) -> String? {
        guard let i = index[column] else { return nil }
        let v = r.fields[i].trimmingCharacters(in: .whitespacesAndNewlines)
        return v.isEmpty ? nil : v
    }

    mutating func fail(_ r: CSVTable.Record, _ column: String, _ value: String?, _ message: String) {
        errors.append(ImportIssue(row: r.line, column: column, value: value, message: message))
    }

    mutating func required(_ r: CSVTable.Record, _ column: String) -> String? {
        guard let v = raw(r, column) else {
            fail(r, column, nil, "is required but empty")
            return nil
        }
        return v
    }

    mutating func identifier(_ r: CSVTable.Record, _ column: String) -> String? {
        guard let v = required(r, column) else { return nil }
        guard v.count <= 128, !v.contains(where: { $0.isNewline || $0 == "|" }) else {
            fail(r, column, v, "is not a usable id (at most 128 characters, no line breaks or '|')")
            return nil
        }
        return v
    }

    mutating func text(_ r: CSVTable.Record, _ column: String, max: Int = 10_000) -> String? {
        guard let v = raw(r, column) else { return nil }
        if v.count > max {
            fail(r, column, v, "is longer than \(max) characters")
            return nil
        }
        return v
    }

    /// Returns `.some(nil)` for an empty cell, `nil` for a bad one.
    mutating func coded<T: CodedValue>(_ r: CSVTable.Record, _ column: String, _: T.Type) -> T?? {
        guard let v = raw(r, column) else { return .some(nil) }
        guard let value = T(code: v) else {
            fail(r, column, v, "is not one of: \(T.codeList)")
            return nil
        }
        return .some(value)
    }

    mutating func date(_ r: CSVTable.Record, _ column: String) -> Date?? {
        guard let v = raw(r, column) else { return .some(nil) }
        guard let d = CalendarDay.parse(v) else {
            fail(r, column, v, "is not a date (expected YYYY-MM-DD)")
            return nil
        }
        if d > today {
            fail(r, column, v, "is in the future")
            return nil
        }
        return .some(d)
    }

    /// A date that may lie in the future (an agreement's last day).
    mutating func anyDate(_ r: CSVTable.Record, _ column: String) -> Date?? {
        guard let v = raw(r, column) else { return .some(nil) }
        guard let d = CalendarDay.parse(v) else {
            fail(r, column, v, "is not a date (expected YYYY-MM-DD)")
            return nil
        }
        return .some(d)
    }

    mutating func int(_ r: CSVTable.Record, _ column: String, _ range: ClosedRange<Int>) -> Int?? {
        guard let v = raw(r, column) else { return .some(nil) }
        guard let n = Int(v), range.contains(n) else {
            fail(r, column, v, "is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return .some(n)
    }

    mutating func number(_ r: CSVTable.Record, _ column: String, _ range: ClosedRange<Double>) -> Double?? {
        guard let v = raw(r, column) else { return .some(nil) }
        guard let n = Double(v), n.isFinite, range.contains(n) else {
            fail(r, column, v, "is not a number from \(Self.show(range.lowerBound)) to \(Self.show(range.upperBound))")
            return nil
        }
        return .some(n)
    }

    static func show(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    mutating func yesNo(_ r: CSVTable.Record, _ column: String) -> Bool?? {
        guard let v = raw(r, column) else { return .some(nil) }
        switch v.lowercased() {
        case "yes", "y", "true", "1": return .some(true)
        case "no", "n", "false", "0": return .some(false)
        default:
            fail(r, column, v, "is not yes or no")
            return nil
        }
    }

    mutating func country(_ r: CSVTable.Record, _ column: String) -> String?? {
        guard let v = raw(r, column) else { return .some(nil) }
        let code = v.uppercased()
        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            fail(r, column, v, "is not an ISO 3166-1 alpha-2 country code (e.g. US, CA, DE)")
            return nil
        }
        return .some(code)
    }

    // MARK: rows

    mutating func provider(_ r: CSVTable.Record) -> ProviderDraft? {
        let key = identifier(r, "provider_id"), name = required(r, "name")
        let kindText = required(r, "kind")
        var kind: ProviderKind?
        if let kindText { kind = ProviderKind(code: kindText); if kind == nil { fail(r, "kind", kindText, "is not one of: \(ProviderKind.codeList)") } }
        let country = country(r, "country")
        var website = text(r, "website", max: 500)
        if let w = website, !(w.hasPrefix("https://") || w.hasPrefix("http://")) {
            fail(r, "website", w, "is not an http(s) URL")
            website = nil
        }
        guard let key, let name, let kind, let country else { return nil }
        return ProviderDraft(row: r.line, key: key, name: name, kind: kind, country: country, website: website)
    }

    mutating func program(_ r: CSVTable.Record) -> ProgramDraft? {
        let key = identifier(r, "program_id"), provider = identifier(r, "provider_id"), title = required(r, "title")
        let kindText = required(r, "kind")
        var kind: ProgramKind?
        if let kindText { kind = ProgramKind(code: kindText); if kind == nil { fail(r, "kind", kindText, "is not one of: \(ProgramKind.codeList)") } }
        let duration = int(r, "duration_months", 1...120)
        let cost = number(r, "cost_usd", 0...1_000_000)
        let credit = number(r, "credit_value", 0...500)
        let skills = skillList(r, "skills")
        guard let key, let provider, let title, let kind, let duration, let cost, let credit, let skills else { return nil }
        return ProgramDraft(
            row: r.line, key: key, providerKey: provider, title: title, kind: kind, summary: text(r, "summary"),
            durationMonths: duration, costUSD: cost, creditValue: credit, creditUnit: text(r, "credit_unit", max: 100), skills: skills)
    }

    mutating func skillList(_ r: CSVTable.Record, _ column: String) -> [SkillRef]? {
        guard let v = raw(r, column) else { return [] }
        var skills: [SkillRef] = []
        for item in v.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let eq = item.firstIndex(of: "=") else {
                skills.append(SkillRef(label: item))
                continue
            }
            let label = item[..<eq].trimmingCharacters(in: .whitespaces)
            let ref = item[item.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard let colon = ref.firstIndex(of: ":"), let scheme = SkillScheme(code: String(ref[..<colon])), scheme != .local, !label.isEmpty
            else {
                fail(r, column, item, "is not 'Label', 'Label=esco:URI' or 'Label=onet:ID'")
                return nil
            }
            let code = String(ref[ref.index(after: colon)...])
            if scheme == .esco && !code.hasPrefix("http://data.europa.eu/esco/") {
                fail(r, column, item, "an ESCO identifier is a concept URI starting http://data.europa.eu/esco/")
                return nil
            }
            skills.append(SkillRef(label: label, scheme: scheme, code: code))
        }
        return skills
    }

    mutating func course(_ r: CSVTable.Record) -> CourseDraft? {
        let key = identifier(r, "course_id"), program = identifier(r, "program_id"), title = required(r, "title")
        let position = int(r, "position", 1...1000)
        let credit = number(r, "credit_value", 0...100)
        let effort = int(r, "effort_hours", 0...10_000)
        guard let key, let program, let title, let position, let credit, let effort else { return nil }
        return CourseDraft(row: r.line, key: key, programKey: program, title: title, position: position, creditValue: credit, effortHours: effort)
    }

    mutating func creditAgreement(_ r: CSVTable.Record) -> CreditAgreementDraft? {
        let program = identifier(r, "program_id"), institution = required(r, "institution")
        if let i = institution, i.count > 300 { fail(r, "institution", i, "is longer than 300 characters") }
        var credits: Double?? = nil
        if required(r, "credits") != nil { credits = number(r, "credits", 0...500) }
        if let c = credits.flatMap({ $0 }), c <= 0 { fail(r, "credits", raw(r, "credits"), "must be more than 0"); credits = nil }
        let degree = text(r, "degree", max: 300)
        var from: Date?? = nil
        if required(r, "valid_from") != nil { from = anyDate(r, "valid_from") }
        var to = anyDate(r, "valid_to")
        if let f = from.flatMap({ $0 }), let t = to.flatMap({ $0 }), t < f { fail(r, "valid_to", raw(r, "valid_to"), "is before valid_from"); to = nil }
        guard let program, let institution, institution.count <= 300, let credits = credits.flatMap({ $0 }), let validFrom = from.flatMap({ $0 }), let validTo = to
        else { return nil }
        return CreditAgreementDraft(row: r.line, programKey: program, institution: institution, credits: credits, degree: degree, validFrom: validFrom, validTo: validTo)
    }

    mutating func learner(_ r: CSVTable.Record) -> LearnerDraft? {
        let key = identifier(r, "learner_id")
        var email = text(r, "email", max: 320)
        if let e = email, !Self.looksLikeEmail(e) {
            fail(r, "email", e, "is not an email address")
            email = nil
        }
        let consent = yesNo(r, "consent_profile")
        let consentedOn = date(r, "consented_on")
        let gender = coded(r, "gender", Gender.self)
        let birthYear = int(r, "birth_year", 1900...CalendarDay.year(today))
        let hispanic = coded(r, "hispanic", YesNoUndisclosed.self)
        var races: [Race]? = []
        if let v = raw(r, "race") {
            for part in v.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
                if let race = Race(code: part) {
                    if !races!.contains(race) { races!.append(race) }
                } else {
                    fail(r, "race", part, "is not one of: \(Race.codeList)")
                    races = nil
                    break
                }
            }
        }
        let country = country(r, "country")
        let english = coded(r, "english_proficiency", EnglishProficiency.self)
        let education = coded(r, "highest_education", EducationLevel.self)
        let student = coded(r, "student_status", StudentStatus.self)
        let employment = coded(r, "employment_status", EmploymentStatus.self)
        let owner = yesNo(r, "business_owner")
        let income = coded(r, "income_band", IncomeBand.self)
        var invite = yesNo(r, "invite_account")
        if invite == .some(true), email == nil {
            fail(r, "invite_account", raw(r, "invite_account"), "needs an email address to send the invitation to")
            invite = nil
        }
        guard let key, let consent, let invite, let consentedOn, let gender, let birthYear, let hispanic, let races, let country,
              let english, let education, let student, let employment, let owner, let income
        else { return nil }

        let profile = LearnerProfile(
            gender: gender, birthYear: birthYear, hispanic: hispanic, races: races, country: country,
            englishProficiency: english, highestEducation: education, studentStatus: student, employmentStatus: employment,
            sector: text(r, "sector", max: 200), businessOwner: owner, incomeBand: income)
        if consent == true {
            return LearnerDraft(row: r.line, key: key, name: text(r, "name", max: 200), email: email, profileConsentAt: consentedOn ?? today, profile: profile,
                                invite: invite == true)
        }
        if !profile.isEmpty {
            // Profile data without recorded consent is not kept; the rest of the row is.
            warnings.append(ImportIssue(row: r.line, column: "consent_profile", value: raw(r, "consent_profile"),
                                        message: "profile columns are filled but consent_profile is not 'yes'; they were not imported"))
        }
        return LearnerDraft(row: r.line, key: key, name: text(r, "name", max: 200), email: email, profileConsentAt: nil, profile: .empty,
                            invite: invite == true)
    }

    static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !s.contains(where: \.isWhitespace)
    }

    mutating func enrollment(_ r: CSVTable.Record) -> EnrollmentDraft? {
        let learner = identifier(r, "learner_id"), program = identifier(r, "program_id")
        var enrolled: Date?? = nil
        if required(r, "enrolled_on") != nil { enrolled = date(r, "enrolled_on") }
        let status = coded(r, "status", EnrollmentStatus.self)
        guard let learner, let program, let enrolledOn = enrolled.flatMap({ $0 }), let status else { return nil }
        return EnrollmentDraft(row: r.line, learnerKey: learner, programKey: program, enrolledAt: enrolledOn, status: status)
    }

    mutating func completion(_ r: CSVTable.Record) -> CompletionDraft? {
        let learner = identifier(r, "learner_id"), program = identifier(r, "program_id")
        let course = raw(r, "course_id")
        let completed = date(r, "completed_on")
        let progress = number(r, "progress_percent", 0...100)
        let grade = number(r, "grade", 0...100)
        guard let learner, let program, let completed, let progress, let grade else { return nil }
        if course == nil && completed == nil {
            fail(r, "completed_on", nil, "is required for a program completion (course_id is empty)")
            return nil
        }
        if course != nil && completed == nil && progress == nil {
            fail(r, "progress_percent", nil, "give completed_on or progress_percent for a course")
            return nil
        }
        return CompletionDraft(row: r.line, learnerKey: learner, programKey: program, courseKey: course, completedAt: completed, progressPercent: progress, grade: grade)
    }
}
