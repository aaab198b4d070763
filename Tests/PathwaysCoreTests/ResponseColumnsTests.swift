import Foundation
import Testing
@testable import PathwaysCore

@Suite struct ResponseColumnsTests {
    let today = CalendarDay.date(year: 2023, month: 4, day: 1)!

    /// Random answers to the follow-up form, some consistent with its conditions and some not (a screening result
    /// missing, an answer where the question did not apply), so the shared evaluation must agree with the
    /// per-respondent one everywhere, not only on tidy data.
    func randomRespondents(_ count: Int, seed: UInt64) throws -> [[String: String]] {
        let form = try DemoInstruments.form(.followup)
        var rng = SeededRandom(seed: seed)
        func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
        return (0..<count).map { _ in
            var a: [String: String] = [:]
            for q in form.questions {
                guard rng.next() % 5 != 0 else { continue }
                switch q.type {
                case .selectOne(let list, _): a[q.name] = pick((form.choiceLists[list] ?? []).map(\.name))
                case .selectMultiple(let list, _):
                    let names = (form.choiceLists[list] ?? []).map(\.name)
                    a[q.name] = names.filter { _ in rng.next() % 3 == 0 }.joined(separator: " ")
                case .date: a[q.name] = pick(["2020-01-15", "2022-12-01", "2023-03-30"])
                case .calculate where q.name == "eligible": a[q.name] = pick(["yes", "no", ""])
                case .integer: a[q.name] = String(1950 + rng.next() % 50)
                case .text: a[q.name] = pick(["US", "DE", "IN"])
                default: continue
                }
            }
            return a
        }
    }

    @Test func sharedRelevanceAgreesWithEachRespondentsOwn() throws {
        let form = try DemoInstruments.form(.followup)
        let people = try randomRespondents(1_500, seed: 7)
        let t = Tabulation(form: form, respondents: people, today: today)
        var disagreements = 0
        var shownSomewhere = 0, hiddenSomewhere = 0
        for (row, answers) in people.enumerated() {
            let shown = Tabulation.shownQuestions(form: form, answers: answers, today: today)
            for q in form.questions where q.type.isInput {
                if t.wasShown(q.name, row: row) != shown.contains(q.name) { disagreements += 1 }
                if q.relevant != nil || !q.groups.isEmpty { if shown.contains(q.name) { shownSomewhere += 1 } else { hiddenSomewhere += 1 } }
            }
        }
        #expect(disagreements == 0)
        #expect(shownSomewhere > 100 && hiddenSomewhere > 100, "the data exercises both outcomes")
    }

    @Test func aWideCSVReadsBackTheSameAnswers() throws {
        let csv = "id,name,note\r\n1,\"Smith, Ann\",\"said \"\"yes\"\"\"\r\n2,,\r\n\r\n3,Lee,\"two\nlines\"\n"
        let data = try ResponseColumns.readCSV(Array(csv.utf8), file: "people.csv")
        #expect(data.count == 3)
        #expect(data["name"]?.value(at: 0) == "Smith, Ann" && data["name"]?.value(at: 1) == nil)
        #expect(data["note"]?.value(at: 0) == "said \"yes\"" && data["note"]?.value(at: 2) == "two\nlines")
        #expect(data["id"]?.values == ["1", "2", "3"])
    }

    @Test func aBrokenRowIsNamedWithItsFileAndRow() throws {
        #expect(throws: ResponseFileError(file: "w.csv", row: 3, message: "has 2 fields but the header has 3")) {
            try ResponseColumns.readCSV(Array("a,b,c\n1,2,3\n4,5\n".utf8), file: "w.csv")
        }
        #expect(throws: ResponseFileError(file: "w.csv", row: 2, message: "a quoted field is not closed")) {
            try ResponseColumns.readCSV(Array("a,b\n1,\"open\n".utf8), file: "w.csv")
        }
        #expect(throws: ResponseFileError(file: "w.csv", row: 1, message: "column 3 repeats the header \"a\"")) {
            try ResponseColumns.readCSV(Array("a,b,a\n".utf8), file: "w.csv")
        }
    }

    /// A file big enough to be read in parallel chunks gives the same columns, and an error in a later chunk
    /// still names its row in the whole file.
    @Test func chunkedReadingKeepsOrderCodesAndRowNumbers() throws {
        var text = "n,group,quoted\n"
        let rows = 120_000
        for i in 0..<rows { text += "\(i),g\(i % 7),\"q,\(i % 3)\"\n" }
        let data = try ResponseColumns.readCSV(Array(text.utf8))
        #expect(data.count == rows)
        for i in [0, 1, 59_999, 60_000, 119_999] {
            #expect(data["n"]?.value(at: i) == String(i))
            #expect(data["group"]?.value(at: i) == "g\(i % 7)")
            #expect(data["quoted"]?.value(at: i) == "q,\(i % 3)")
        }
        #expect(data["group"]?.values.count == 7)
        let broken = text + "1,2\n"
        #expect(throws: ResponseFileError(file: "input", row: rows + 2, message: "has 2 fields but the header has 3")) {
            try ResponseColumns.readCSV(Array(broken.utf8))
        }
    }

    @Test func tablesSplitByAGroupAddUpToTheWhole() throws {
        let form = try DemoInstruments.form(.followup)
        let people = try randomRespondents(800, seed: 11)
        let t = Tabulation(form: form, respondents: people, today: today)
        let whole = try #require(t.choices("employment"))
        let parts = try #require(t.choices("employment", by: "gender"))
        #expect(parts.count == (form.choiceLists["gender"] ?? []).count)
        let answeredWithoutGender = people.indices.filter { t.wasShown("employment", row: $0) && people[$0]["employment"] != nil && people[$0]["gender"] == nil }.count
        #expect(parts.map(\.table.base).reduce(0, +) + answeredWithoutGender == whole.base)
        for (i, row) in whole.rows.enumerated() {
            let inGroups = parts.map { $0.table.rows[i].count }.reduce(0, +)
            let outside = people.indices.filter { t.wasShown("employment", row: $0) && people[$0]["gender"] == nil && people[$0]["employment"] == row.name }.count
            #expect(inGroups + outside == row.count)
        }
        let female = try #require(parts.first { $0.group == "female" })
        let direct = people.indices.filter { t.wasShown("employment", row: $0) && people[$0]["gender"] == "female" && people[$0]["employment"] != nil }.count
        #expect(female.table.base == direct)
    }
}

