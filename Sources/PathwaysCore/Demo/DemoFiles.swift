import Foundation

extension DemoInitiative {
    /// The initiative as the CSV files a learning platform exports, one per import kind in the order they load
    /// (the columns of `ImportKind.columns`), so the demo is loaded exactly as a person's own files are: checked
    /// by the import's rules and written by it. Course progress rides in the completions file (a row with a
    /// `course_id`), as the import takes it.
    public func importFiles() -> [(kind: ImportKind, text: String)] {
        let providerKeys = Dictionary(uniqueKeysWithValues: providers.map { ($0.id, $0.key) })
        let programKeys = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0.key) })
        let courses = Dictionary(uniqueKeysWithValues: self.courses.map { ($0.id, $0) })
        let learnerKeys = Dictionary(uniqueKeysWithValues: learners.map { ($0.id, $0.key) })
        func day(_ d: Date?) -> String { d.map(CalendarDay.format) ?? "" }
        let number = ImportKind.cell
        func file(_ kind: ImportKind, _ rows: [[String]]) -> (kind: ImportKind, text: String) {
            let lines = [kind.columns.map(\.name)] + rows
            return (kind, lines.map { $0.map(CSVTable.field).joined(separator: ",") }.joined(separator: "\n") + "\n")
        }
        let providerRows = providers.map { [$0.key, $0.name, $0.kind.rawValue, $0.country ?? "", $0.website ?? ""] }
        let programRows = programs.map { p -> [String] in
            [p.key, providerKeys[p.providerID] ?? "", p.title, p.kind.rawValue, p.summary ?? "", p.typicalDurationMonths.map(String.init) ?? "",
             number(p.typicalCostUSD), number(p.creditValue), p.creditUnit ?? "", p.skills.map(\.importText).joined(separator: "; ")]
        }
        let courseRows = self.courses.map { c -> [String] in
            [c.key, programKeys[c.programID] ?? "", c.title, String(c.position), number(c.creditValue), c.effortHours.map(String.init) ?? ""]
        }
        let agreementRows = agreements.map { a -> [String] in
            [programKeys[a.programID] ?? "", a.institution, number(a.credits), a.degree ?? "", day(a.validFrom), day(a.validTo)]
        }
        let learnerRows = learners.map { l -> [String] in
            let p = l.profile
            let consented = l.profileConsentAt != nil
            func kept(_ s: String?) -> String { consented ? s ?? "" : "" }
            return [l.key, l.name ?? "", l.email ?? "", consented ? "yes" : "", day(l.profileConsentAt),
                    kept(p.gender?.rawValue), kept(p.birthYear.map(String.init)), kept(p.hispanic?.rawValue),
                    kept(p.races.isEmpty ? nil : p.races.map(\.rawValue).joined(separator: ";")), kept(p.country),
                    kept(p.englishProficiency?.rawValue), kept(p.highestEducation?.rawValue), kept(p.studentStatus?.rawValue),
                    kept(p.employmentStatus?.rawValue), kept(p.sector), kept(p.businessOwner.map { $0 ? "yes" : "no" }), kept(p.incomeBand?.rawValue),
                    ""]
        }
        let enrollmentRows = enrollments.map { e -> [String] in
            // A completed enrollment's status comes with its completion, from the completions file.
            [learnerKeys[e.learnerID] ?? "", programKeys[e.programID] ?? "", day(e.enrolledAt), e.status == .completed ? "" : e.status.rawValue]
        }
        var completionRows = enrollments.compactMap { e -> [String]? in
            guard let done = e.completedAt else { return nil }
            return [learnerKeys[e.learnerID] ?? "", programKeys[e.programID] ?? "", "", day(done), "", ""]
        }
        completionRows += progress.compactMap { p -> [String]? in
            guard let course = courses[p.courseID] else { return nil }
            return [learnerKeys[p.learnerID] ?? "", programKeys[course.programID] ?? "", course.key, day(p.completedAt),
                    p.completedAt == nil ? number(p.progressPercent) : "", number(p.grade)]
        }
        return [file(.providers, providerRows), file(.programs, programRows), file(.courses, courseRows), file(.creditAgreements, agreementRows),
                file(.learners, learnerRows), file(.enrollments, enrollmentRows), file(.completions, completionRows)]
    }
}

extension DemoInitiative {
    /// The initiative with the ids the store gave its learners and programs when their files were imported (matched
    /// by the platform's keys), so what the demo does next refers to the stored records.
    public func withStoredIDs(learners learnerIDs: [String: UUID], programs programIDs: [String: UUID]) -> DemoInitiative {
        var copy = self
        var learnerMap: [UUID: UUID] = [:], programMap: [UUID: UUID] = [:]
        for (i, l) in learners.enumerated() {
            guard let id = learnerIDs[l.key] else { continue }
            learnerMap[l.id] = id
            copy.learners[i].id = id
        }
        for (i, p) in programs.enumerated() {
            guard let id = programIDs[p.key] else { continue }
            programMap[p.id] = id
            copy.programs[i].id = id
        }
        for i in copy.enrollments.indices {
            copy.enrollments[i].learnerID = learnerMap[copy.enrollments[i].learnerID] ?? copy.enrollments[i].learnerID
            copy.enrollments[i].programID = programMap[copy.enrollments[i].programID] ?? copy.enrollments[i].programID
        }
        for i in copy.progress.indices { copy.progress[i].learnerID = learnerMap[copy.progress[i].learnerID] ?? copy.progress[i].learnerID }
        for i in copy.courses.indices { copy.courses[i].programID = programMap[copy.courses[i].programID] ?? copy.courses[i].programID }
        for i in copy.agreements.indices { copy.agreements[i].programID = programMap[copy.agreements[i].programID] ?? copy.agreements[i].programID }
        return copy
    }
}
