import Foundation
@testable import PathwaysCore
import Testing

@Suite struct CSVTests {
    @Test func quotedFieldsCommasQuotesAndLineBreaks() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",z\n\n3,,\n"
        let table = try CSVTable.parse(text)
        #expect(table.header == ["a", "b", "c"])
        #expect(table.records.map(\.fields) == [["1", "x, y", "say \"hi\""], ["2", "two\nlines", "z"], ["3", "", ""]])
        #expect(table.records.map(\.line) == [2, 3, 6], "rows are numbered by the line they start on")
    }

    @Test func wrongFieldCountNamesTheRow() {
        #expect(throws: CSVError(line: 3, message: "has 2 fields but the header has 3")) {
            try CSVTable.parse("a,b,c\n1,2,3\n4,5\n")
        }
    }

    @Test func unterminatedQuoteNamesWhereTheRecordStarts() {
        #expect(throws: CSVError(line: 2, message: "a quoted field is not closed before the end of the file")) {
            try CSVTable.parse("a,b\n1,\"open\n2,3\n")
        }
    }

    @Test func strayQuoteIsAnError() {
        #expect(throws: CSVError.self) { try CSVTable.parse("a,b\n1,ab\"c\n") }
        #expect(throws: CSVError.self) { try CSVTable.parse("a,b\n1,\"ab\"c\n") }
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: CSVError(line: 1, message: "the file is empty; expected a header row")) { try CSVTable.parse("") }
    }
}

@Suite struct ImportParserTests {
    let today = CalendarDay.date(year: 2025, month: 1, day: 1)!

    @Test func cellErrorsNameRowColumnAndValue() {
        let text = """
            learner_id,email,consent_profile,gender,birth_year,country,highest_education,race
            A1,not-an-email,yes,femme,1890,USA,phd,martian
            ,a@b.org,yes,,,,,
            """
        let result = ImportParser(kind: .learners, today: today).parse(text)
        let errors = Set(result.errors.map { "\($0.row!):\($0.column!)" })
        #expect(errors == ["2:email", "2:gender", "2:birth_year", "2:country", "2:highest_education", "2:race", "3:learner_id"])
        let gender = result.errors.first { $0.column == "gender" }!
        #expect(gender.value == "femme")
        #expect(gender.description.hasPrefix("row 2, column gender: 'femme' is not one of: female, male"))
    }

    @Test func futureAndImpossibleDatesAreRejected() {
        let text = "learner_id,program_id,enrolled_on\nA,p,2025-02-29\nB,p,2030-01-01\nC,p,01/02/2024\nD,p,2024-02-29\n"
        let result = ImportParser(kind: .enrollments, today: today).parse(text)
        #expect(result.errors.map(\.row) == [2, 3, 4])
        #expect(result.errors[1].message == "is in the future")
        guard case .enrollments(let rows) = result.batch else { Issue.record("wrong batch"); return }
        #expect(rows.map(\.learnerKey) == ["D"], "2024 is a leap year")
    }

    @Test func unknownColumnsWarnButDuplicateColumnsFail() {
        let r1 = ImportParser(kind: .providers, today: today).parse("provider_id,name,kind,colour\np,P,university,red\n")
        #expect(r1.errors.isEmpty)
        #expect(r1.warnings == [ImportIssue(row: 1, column: "colour", message: "is not a providers column and is ignored")])
        let r2 = ImportParser(kind: .providers, today: today).parse("provider_id,name,name,kind\np,P,Q,university\n")
        #expect(r2.errors == [ImportIssue(row: 1, column: "name", message: "the column appears twice")])
    }

    @Test func programKindsAcceptCommonSpellings() {
        #expect(ProgramKind(code: "MicroBachelors") == .microBachelors)
        #expect(ProgramKind(code: "Professional Certificate") == .professionalCertificate)
        #expect(ProgramKind(code: "certificate-of-advanced-study") == .certificateOfAdvancedStudy)
        #expect(ProgramKind(code: "XSeries") == .xSeries)
        #expect(ProgramKind(code: "degree") == nil)
        #expect(ProgramKind.allCases.count == 9)
    }

    @Test func skillsParseWithIdentifiers() {
        let text = "program_id,provider_id,title,kind,skills\np,x,T,micromasters,Python;Mathematics=onet:2.A.1.e;Bad=esco:not-a-uri\n"
        let result = ImportParser(kind: .programs, today: today).parse(text)
        #expect(result.errors.count == 1)
        #expect(result.errors[0].column == "skills" && result.errors[0].value == "Bad=esco:not-a-uri")
    }

    @Test func referencesAreCheckedAgainstStoredRecords() {
        var refs = ImportReferences()
        refs.learners = ["A"]
        refs.programs = ["p", "q"]
        refs.courseProgram = ["c1": "p", "c2": "q"]
        refs.enrollments[ImportReferences.pair("A", "p")] = CalendarDay.date(year: 2024, month: 1, day: 1)!
        let batch = ImportBatch.completions([
            CompletionDraft(row: 2, learnerKey: "A", programKey: "p", courseKey: "c1", completedAt: CalendarDay.date(year: 2024, month: 3, day: 1)),
            CompletionDraft(row: 3, learnerKey: "A", programKey: "p", courseKey: "c2", completedAt: CalendarDay.date(year: 2024, month: 3, day: 1)),
            CompletionDraft(row: 4, learnerKey: "A", programKey: "q", courseKey: nil, completedAt: CalendarDay.date(year: 2024, month: 3, day: 1)),
            CompletionDraft(row: 5, learnerKey: "B", programKey: "p", courseKey: nil, completedAt: CalendarDay.date(year: 2024, month: 3, day: 1)),
            CompletionDraft(row: 6, learnerKey: "A", programKey: "p", courseKey: nil, completedAt: CalendarDay.date(year: 2023, month: 3, day: 1)),
        ])
        let issues = ImportValidator.check(batch, against: refs, scope: nil)
        #expect(issues.map { "\($0.row!):\($0.column!)" } == ["3:course_id", "4:program_id", "5:learner_id", "6:completed_on"])
        #expect(issues[0].message == "belongs to program q, not p")
    }
}

@Suite struct ImportStreamTests {
    @Test func chunksHoldAtMostTheirRowsAndResumeFromAMark() {
        let today = CalendarDay.date(year: 2025, month: 6, day: 1)!
        let text = "learner_id,name\n" + (1...10).map { "L\($0),\"Name\n\($0)\"" }.joined(separator: "\r\n") + "\r\n"
        var stream = ImportStream(kind: .learners, today: today, bytes: Array(text.utf8))
        var sizes: [Int] = []
        var marks: [(offset: Int, line: Int)] = []
        while let chunk = stream.next(max: 4) {
            sizes.append(chunk.batch.count)
            marks.append(stream.mark!)
        }
        #expect(sizes == [4, 4, 2])
        #expect(stream.rows == 10 && stream.atEnd)
        // Resuming after the first chunk reads rows 5 to 10, with their lines (two per row: the names hold a line break).
        var resumed = ImportStream(kind: .learners, today: today, bytes: Array(text.utf8))
        resumed.resume(at: marks[0], rowsBefore: 4)
        guard case .learners(let rows) = resumed.next(max: 100)?.batch else { Issue.record("no rows"); return }
        #expect(rows.map(\.key) == (5...10).map { "L\($0)" })
        #expect(rows.first?.row == 10)
        #expect(resumed.rows == 10)
    }
}
