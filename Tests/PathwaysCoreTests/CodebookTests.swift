import Foundation
import Testing
@testable import PathwaysCore

@Suite struct CodebookTests {
    let ai = Codebook.Theme(name: "AI-driven job displacement", keywords: ["AI", "automat"])
    let degree = Codebook.Theme(name: "Degree as a barrier", keywords: ["bachelor", "four-year degree"])
    let flexible = Codebook.Theme(name: "Flexibility", keywords: ["self-paced", "flexib"])

    @Test func keywordsSuggestThemesByWordStartPhraseAndWholeShortWords() {
        let themes = [ai, degree, flexible]
        func names(_ text: String) -> [String] {
            Codebook.suggest(text, themes: themes).map { s in themes.first { $0.id == s.theme }!.name }
        }
        #expect(names("Automation is replacing jobs like mine") == ["AI-driven job displacement"])
        #expect(names("I fear AI, and its tools") == ["AI-driven job displacement"], "punctuation ignored")
        #expect(names("I said it again and again") == [], "a short keyword only as a whole word")
        #expect(names("They want a Bachelor’s; a FOUR-YEAR degree!") == ["Degree as a barrier"])
        #expect(names("Self-paced and flexible, around my job") == ["Flexibility"])
        #expect(names("A four year degree") == ["Degree as a barrier"], "hyphen or space alike")
        #expect(names("nothing here") == [])
    }

    @Test func frequenciesStateTheirBaseAndQuoteOnlyThoseWhoAgreed() {
        let themes = [ai, degree]
        var answers: [Codebook.Answer] = []
        var tags: [Int64: Set<UUID>] = [:]
        for i in 0..<30 {
            answers.append(.init(caseID: Int64(i), text: "answer \(i)", mayQuote: i % 2 == 0))
            if i < 20 { tags[Int64(i)] = [ai.id] }
            if i >= 15 && i < 27 { tags[Int64(i), default: []].insert(degree.id) }
        }
        answers.append(.init(caseID: 99, text: "   ", mayQuote: true))
        let s = Codebook.summary(answers, tags: tags, themes: themes, quotes: 3, suppression: nil)
        #expect(s.answers == 30 && s.coded == 27 && s.quotable == 15)
        #expect(s.frequencies.map(\.count) == [20, 12])
        #expect(s.frequencies[0].percent.map { abs($0 - 2000.0 / 27) < 1e-9 } == true)
        #expect(s.frequencies[0].quotes == ["answer 0", "answer 2", "answer 4"])
        #expect(s.frequencies[1].quotes == ["answer 16", "answer 18", "answer 20"], "only even (consenting) respondents are quoted")
        #expect(s.note.contains("of the 27 coded answers (of 30 given)"))

        // A theme carried by fewer than 10 answers is hidden, quotes and all.
        var few = tags
        for i in 15..<27 { few[Int64(i)]?.remove(degree.id) }
        for i in 0..<4 { few[Int64(i), default: []].insert(degree.id) }
        let hidden = Codebook.summary(answers, tags: few, themes: themes)
        #expect(hidden.frequencies[1].count == nil && hidden.frequencies[1].quotes.isEmpty)
        #expect(hidden.frequencies[0].count == 20)
        let csv = Codebook.csv(themes, summary: s)
        #expect(csv.hasPrefix("theme,description,keywords,answers\n") && csv.contains("AI-driven job displacement,,AI; automat,20\n"))
    }
}
