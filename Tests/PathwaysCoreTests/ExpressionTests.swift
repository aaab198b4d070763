import Foundation
@testable import PathwaysCore
import Testing

@Suite struct ExpressionTests {
    let today = CalendarDay.date(year: 2023, month: 4, day: 15)!

    func eval(_ text: String, _ answers: [String: String] = [:], current: String? = nil) throws -> ExpressionValue {
        try Expression.parse(text).evaluate(ExpressionContext(answers: answers, current: current, today: today))
    }

    @Test func precedenceFollowsXPath() throws {
        #expect(try eval("1 + 2 * 3") == .number(7))
        #expect(try eval("(1 + 2) * 3") == .number(9))
        #expect(try eval("10 div 4") == .number(2.5))
        #expect(try eval("10 mod 4") == .number(2))
        #expect(try eval("-2 + 5") == .number(3))
        #expect(try eval("1 < 2 and 2 < 1 or 3 = 3") == .boolean(true))
        #expect(try Expression.parse("1 or 2 and 3") == .binary(.or, .number(1), .binary(.and, .number(2), .number(3))))
    }

    @Test func followUpShownOnlyToThoseWhoChoseImprovedPerformance() throws {
        let relevant = try Expression.parse("selected(${benefits}, 'job_performance')")
        #expect(relevant.references == ["benefits"])
        let chose = ExpressionContext(answers: ["benefits": "learned_new job_performance networked"], today: today)
        let didNot = ExpressionContext(answers: ["benefits": "learned_new"], today: today)
        #expect(try relevant.isTrue(chose))
        #expect(try !relevant.isTrue(didNot))
        #expect(try !relevant.isTrue(ExpressionContext(answers: [:], today: today)), "unanswered reads as empty")
        #expect(try eval("count-selected(.) >= 1 and count-selected(.) <= 7", current: "a b c") == .boolean(true))
        #expect(try eval("count-selected(.) >= 1", current: "") == .boolean(false))
    }

    @Test func datesCompareAsDays() throws {
        // The seed's screening rule: completed at least one year before answering.
        let rule = "${completed_on} <= today() - 365"
        #expect(try eval(rule, ["completed_on": "2022-04-15"]) == .boolean(true))
        #expect(try eval(rule, ["completed_on": "2022-06-01"]) == .boolean(false))
        #expect(try eval(". <= today()", current: "2023-04-15") == .boolean(true))
        #expect(try eval("date('2023-04-16') > today()") == .boolean(true))
        #expect(try eval("format-date(date(today() - 1), '%Y-%m-%d')") == .string("2023-04-14"))
        #expect(try eval("today() = date('2023-04-15')") == .boolean(true))
    }

    @Test func comparisonsConvertLikeXPath() throws {
        #expect(try eval("${age} >= 18", ["age": "43"]) == .boolean(true))
        #expect(try eval("${age} >= 18", ["age": ""]) == .boolean(false), "empty is NaN, and NaN compares false")
        #expect(try eval("${answer} = 'yes'", ["answer": "yes"]) == .boolean(true))
        #expect(try eval("${answer} != 'yes'", ["answer": "no"]) == .boolean(true))
        #expect(try eval("${n} = 5", ["n": "5.0"]) == .boolean(true))
        #expect(try eval("not(${x} = '')", ["x": "a"]) == .boolean(true))
    }

    @Test func functions() throws {
        #expect(try eval("if(${a} = 'y', 'yes', 'no')", ["a": "y"]) == .string("yes"))
        #expect(try eval("string-length(.) <= 5", current: "héllo") == .boolean(true))
        #expect(try eval("regex(., '^[0-9]{5}$')", current: "02139") == .boolean(true))
        #expect(try eval("regex(., '^[0-9]{5}$')", current: "0213") == .boolean(false))
        #expect(try eval("concat(${a}, '-', 2)", ["a": "x"]) == .string("x-2"))
        #expect(try eval("round(2.456, 2)") == .number(2.46))
        #expect(try eval("int(-2.7)") == .number(-2))
        #expect(try eval("coalesce(${a}, 'none')") == .string("none"))
        #expect(try eval("selected-at('a b c', 1)") == .string("b"))
    }

    @Test func errorsNameThePosition() {
        func error(_ text: String) -> ExpressionError? {
            do { _ = try Expression.parse(text); return nil } catch { return error }
        }
        #expect(error("${age} >") == ExpressionError(position: 9, message: "the expression ends where a value was expected"))
        #expect(error("selected(${a}, 'x'") == ExpressionError(position: 1, message: "the call to selected( is not closed"))
        #expect(error("${a} = 'yes") == ExpressionError(position: 8, message: "text started with ' is not closed"))
        #expect(error("count_selected(.)") == ExpressionError(position: 1, message: "unknown function count_selected() (not one of ODK's XPath functions)"))
        #expect(error("not(1, 2)") == ExpressionError(position: 1, message: "not() takes 1 argument, not 2"))
        #expect(error("${a} == 1") == ExpressionError(position: 7, message: "unexpected '=' where a value was expected"))
        #expect(error("${1abc} = 1") == ExpressionError(position: 1, message: "'${1abc}' is not a valid question name"))
        #expect(error("age > 18") == ExpressionError(position: 1, message: "'age' is not a value; did you mean ${age} or 'age'?"))
        #expect(error("(1 + 2") == ExpressionError(position: 1, message: "'(' is not closed"))
        #expect(error("1 2") == ExpressionError(position: 3, message: "unexpected number 2 after a complete expression"))
    }
}
