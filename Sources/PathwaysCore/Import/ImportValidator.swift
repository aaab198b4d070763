import Foundation

/// Checks an import's references against what is stored, and the importer's program scope.
public enum ImportValidator {
    /// - Parameter scope: program ids the importer may touch; nil for an administrator (all programs).
    public static func check(_ batch: ImportBatch, against refs: ImportReferences, scope: Set<String>?) -> [ImportIssue] {
        var issues: [ImportIssue] = []
        func program(_ row: Int, _ key: String) -> Bool {
            guard refs.programs.contains(key) else {
                issues.append(ImportIssue(row: row, column: "program_id", value: key, message: "unknown program (import it first)"))
                return false
            }
            if let scope, !scope.contains(key) {
                issues.append(ImportIssue(row: row, column: "program_id", value: key, message: "is not one of your programs"))
                return false
            }
            return true
        }
        func learner(_ row: Int, _ key: String) -> Bool {
            guard refs.learners.contains(key) else {
                issues.append(ImportIssue(row: row, column: "learner_id", value: key, message: "unknown learner (import learners first)"))
                return false
            }
            return true
        }

        switch batch {
        case .providers:
            break
        case .programs(let rows):
            for r in rows where !refs.providers.contains(r.providerKey) {
                issues.append(ImportIssue(row: r.row, column: "provider_id", value: r.providerKey, message: "unknown provider (import it first)"))
            }
        case .courses(let rows):
            for r in rows { _ = program(r.row, r.programKey) }
        case .creditAgreements(let rows):
            for r in rows { _ = program(r.row, r.programKey) }
        case .learners(let rows):
            if scope != nil {
                for r in rows where refs.learners.contains(r.key) && !refs.learnersInScope.contains(r.key) {
                    issues.append(ImportIssue(row: r.row, column: "learner_id", value: r.key,
                                              message: "this learner is not enrolled in any of your programs; only an administrator can update them"))
                }
            }
        case .enrollments(let rows):
            for r in rows {
                _ = learner(r.row, r.learnerKey)
                _ = program(r.row, r.programKey)
            }
        case .completions(let rows):
            for r in rows {
                guard learner(r.row, r.learnerKey), program(r.row, r.programKey) else { continue }
                if let course = r.courseKey {
                    guard let owner = refs.courseProgram[course] else {
                        issues.append(ImportIssue(row: r.row, column: "course_id", value: course, message: "unknown course (import courses first)"))
                        continue
                    }
                    if owner != r.programKey {
                        issues.append(ImportIssue(row: r.row, column: "course_id", value: course, message: "belongs to program \(owner), not \(r.programKey)"))
                        continue
                    }
                }
                guard let enrolledAt = refs.enrollments[ImportReferences.pair(r.learnerKey, r.programKey)] else {
                    issues.append(ImportIssue(row: r.row, column: "program_id", value: r.programKey,
                                              message: "learner \(r.learnerKey) is not enrolled in this program (import enrollments first)"))
                    continue
                }
                if let done = r.completedAt, done < enrolledAt {
                    issues.append(ImportIssue(row: r.row, column: "completed_on", value: CalendarDay.format(done),
                                              message: "is before the enrollment date \(CalendarDay.format(enrolledAt))"))
                }
            }
        }
        return issues.sorted { ($0.row ?? 0, $0.column ?? "") < ($1.row ?? 0, $1.column ?? "") }
    }
}
