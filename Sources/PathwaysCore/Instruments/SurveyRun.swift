import Foundation

/// Taking an XLSForm one page at a time, the way the server runs it: each top-level group is a page (a run
/// of questions outside any group is a page of its own), `relevant` hides questions and pages, values of
/// questions that stop being relevant are dropped as ODK drops them, `calculate` rows are recomputed after
/// every change, and a submitted page is checked for `required`, type and `constraint` before anything is kept.
public struct SurveyRun: Sendable {
    public let form: XLSForm
    public let today: Date
    /// Stored answers by question name, as ODK stores them (select_multiple: space-separated choice names).
    public private(set) var answers: [String: String]
    /// Values set from outside the form; see `pin`.
    public private(set) var pinned: [String: String] = [:]

    public struct Page: Sendable, Equatable {
        public var index: Int
        /// The group that forms the page, nil for a run of ungrouped questions.
        public var group: XLSForm.Question?
        /// Every row shown on the page (inputs, notes, nested groups' rows), in form order.
        public var questions: [XLSForm.Question]
    }

    public let pages: [Page]
    let groupsByName: [String: XLSForm.Question]

    public init(form: XLSForm, answers: [String: String] = [:], today: Date) {
        self.form = form
        self.today = today
        self.answers = answers
        var groups: [String: XLSForm.Question] = [:]
        var pages: [Page] = []
        var loose: [XLSForm.Question] = []
        func flushLoose() {
            if !loose.isEmpty { pages.append(Page(index: pages.count, group: nil, questions: loose)); loose = [] }
        }
        var current: Page?
        for q in form.questions {
            if q.type == .beginGroup || q.type == .beginRepeat { groups[q.name] = q }
            let shown = q.type.isInput || q.type == .note
            if q.groups.isEmpty {
                switch q.type {
                case .beginGroup, .beginRepeat:
                    flushLoose()
                    current = Page(index: 0, group: q, questions: [])
                case .endGroup, .endRepeat:
                    if var page = current {
                        page.index = pages.count
                        pages.append(page)
                        current = nil
                    }
                default:
                    if shown { loose.append(q) }
                }
            } else if shown {
                current?.questions.append(q)
            }
        }
        flushLoose()
        self.pages = pages
        self.groupsByName = groups
        recalculate()
    }

    // MARK: relevance

    func context(current: String? = nil) -> ExpressionContext {
        ExpressionContext(answers: answers, current: current, today: today)
    }

    /// A question is shown when its own `relevant` and those of every group around it hold.
    /// An expression that fails to evaluate counts as false, so a broken condition hides rather than crashes.
    public func isRelevant(_ q: XLSForm.Question) -> Bool {
        let ctx = context()
        for name in q.groups {
            if let group = groupsByName[name], let r = group.relevant, !((try? r.isTrue(ctx)) ?? false) { return false }
        }
        guard let r = q.relevant else { return true }
        return (try? r.isTrue(ctx)) ?? false
    }

    public func visibleQuestions(on page: Page) -> [XLSForm.Question] {
        page.questions.filter(isRelevant)
    }

    /// Names whose value the answers on `page` decide: its inputs, and calculations that read them.
    func namesDecided(by page: Page) -> Set<String> {
        var names = Set(page.questions.filter { $0.type.isInput }.map(\.name))
        var grew = true
        while grew {
            grew = false
            for q in form.questions where q.type == .calculate && !names.contains(q.name) {
                if let e = q.calculation, !e.references.isDisjoint(with: names) { names.insert(q.name); grew = true }
            }
        }
        return names
    }

    /// Questions on `page` whose answer filters the choices of another question on the same page (a cascading
    /// select: country, then its regions). The page offers to show the choices for what was picked — a round trip
    /// to the server, which keeps what was typed (the page's `action` "refresh:<name>"); with JavaScript, as soon as it changes.
    public func choiceParents(on page: Page) -> Set<String> {
        let decided = namesDecided(by: page)
        var parents: Set<String> = []
        for q in page.questions {
            guard let filter = q.choiceFilter else { continue }
            let read = filter.references.intersection(decided).subtracting([q.name])
            // A calculation the page decides stands for the questions it is computed from.
            for name in read {
                if page.questions.contains(where: { $0.name == name && $0.type.isInput }) { parents.insert(name); continue }
                if let calc = form.questions.first(where: { $0.name == name })?.calculation {
                    parents.formUnion(calc.references.intersection(Set(page.questions.filter { $0.type.isInput }.map(\.name))))
                }
            }
        }
        return parents
    }

    /// Whether answers on page `index` decide the value `name` (it is asked there, or calculated from what is).
    public func decides(_ name: String, page index: Int) -> Bool {
        pages.indices.contains(index) && namesDecided(by: pages[index]).contains(name)
    }

    /// Whether `q` (or a group around it) has a condition that answers on `page` can change.
    func relevanceDepends(_ q: XLSForm.Question, on names: Set<String>) -> Bool {
        if let r = q.relevant, !r.references.isDisjoint(with: names) { return true }
        return q.groups.contains { groupsByName[$0]?.relevant.map { !$0.references.isDisjoint(with: names) } ?? false }
    }

    /// What a page shows without JavaScript: relevant questions, plus those whose condition reads an answer on the
    /// same page (they apply or not once the page is submitted; a value given where it does not apply is dropped).
    public func displayedQuestions(on page: Page) -> [XLSForm.Question] {
        let names = namesDecided(by: page)
        return page.questions.filter { isRelevant($0) || relevanceDepends($0, on: names) }
    }

    /// Whether another page may follow `index`, now or once this page's answers are in.
    public func mayContinue(after index: Int) -> Bool {
        if nextPage(after: index) != nil { return true }
        let names = namesDecided(by: pages[index])
        return pages[(index + 1)...].contains { later in
            (later.group.map { relevanceDepends($0, on: names) } ?? false) || later.questions.contains { relevanceDepends($0, on: names) }
        }
    }

    /// A page is shown when it has something relevant to ask or say.
    public func isShown(_ page: Page) -> Bool {
        if let group = page.group, let r = group.relevant, !((try? r.isTrue(context())) ?? false) { return false }
        return !visibleQuestions(on: page).isEmpty
    }

    /// The first shown page after `index` (or the first at all when nil); nil when the survey is finished.
    public func nextPage(after index: Int?) -> Int? {
        let start = index.map { $0 + 1 } ?? 0
        return pages.indices.first { $0 >= start && isShown(pages[$0]) }
    }

    public func previousPage(before index: Int) -> Int? {
        pages.indices.last { $0 < index && isShown(pages[$0]) }
    }

    /// Shown pages in order.
    public var shownPageIndices: [Int] { pages.indices.filter { isShown(pages[$0]) } }

    /// Pages for the progress indicator on page `index`: those shown now, plus later ones whose condition still
    /// waits on answers from this page on (they may yet be asked), so the count does not leap once screening is passed.
    public func progressPages(at index: Int) -> [Int] {
        guard pages.indices.contains(index) else { return shownPageIndices }
        let open = pages[index...].reduce(into: Set<String>()) { $0.formUnion(namesDecided(by: $1)) }
        return pages.indices.filter { i in
            isShown(pages[i]) || (i > index && ((pages[i].group.map { relevanceDepends($0, on: open) } ?? false)
                || pages[i].questions.contains { relevanceDepends($0, on: open) }))
        }
    }

    /// Choices of a select question, after its `choice_filter`, with the "other" choice `or_other` adds.
    public func choices(for q: XLSForm.Question) -> [XLSForm.Choice] {
        let list: String
        let orOther: Bool
        switch q.type {
        case .selectOne(let l, let o), .selectMultiple(let l, let o): list = l; orOther = o
        default: return []
        }
        var choices = form.choiceLists[list] ?? []
        if let filter = q.choiceFilter {
            choices = choices.filter { choice in
                var ctx = context(current: choice.name)
                ctx.choice = choice.extra.merging(["name": choice.name]) { a, _ in a }
                return (try? filter.isTrue(ctx)) ?? false
            }
        }
        if orOther && !choices.contains(where: { $0.name == "other" }) {
            choices.append(XLSForm.Choice(row: 0, list: list, name: "other", labels: ["": "Other"], extra: [:]))
        }
        return choices
    }

    /// How a geopoint is typed in.
    public static let geopointHint = "Latitude and longitude in degrees, e.g. 40.7128 -74.0060."

    /// "HH:MM" or "HH:MM:SS" (24-hour) → seconds after midnight.
    static func clockTime(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        let s = parts.count == 3 ? Int(parts[2]) ?? -1 : 0
        guard (0..<60).contains(s) else { return nil }
        return h * 3_600 + m * 60 + s
    }

    /// A geopoint as ODK stores it, "latitude longitude[ altitude accuracy]", from two to four numbers separated by
    /// spaces or commas; nil unless the latitude and longitude are in range.
    static func geopoint(_ text: String) -> String? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" }).map(String.init)
        guard (2...4).contains(parts.count) else { return nil }
        let numbers = parts.compactMap(Double.init)
        guard numbers.count == parts.count, numbers.allSatisfy(\.isFinite), abs(numbers[0]) <= 90, abs(numbers[1]) <= 180 else { return nil }
        return parts.joined(separator: " ")
    }

    /// The name under which `or_other` keeps the "please specify" text.
    public static func otherName(_ q: XLSForm.Question) -> String { q.name + "_other" }

    // MARK: answering

    /// Problems with a submitted page, by question name.
    public typealias PageErrors = [String: String]

    /// Applies a submitted page (values by field name; select_multiple and checkboxes may repeat) and checks it.
    /// On any problem nothing changes and the messages come back by question name; otherwise the answers are
    /// kept, values of questions no longer relevant are dropped and calculations rerun.
    public mutating func submit(page index: Int, values: [String: [String]], language: String = "") -> PageErrors {
        guard pages.indices.contains(index) else { return [:] }
        let before = answers
        var errors: PageErrors = [:]
        let page = pages[index]
        // Take every value of the page first, so expressions on the page see each other's answers.
        submitUnchecked(page: index, values: values)
        for q in page.questions where q.type.isInput && isRelevant(q) {
            if let message = check(q, language: language) { errors[q.name] = message }
        }
        if !errors.isEmpty {
            answers = before
            return errors
        }
        dropIrrelevant()
        return [:]
    }

    /// "Save and finish later": takes what the page holds so far without asking for what is missing, but keeps no
    /// value that fails its own checks (type, choice list, constraint), so nothing stored ever broke a rule. Returns
    /// the questions whose typed values were not kept, with their messages, for the page to say so.
    public mutating func keepForLater(page index: Int, values: [String: [String]], language: String = "") -> PageErrors {
        guard pages.indices.contains(index) else { return [:] }
        submitUnchecked(page: index, values: values)
        var dropped: PageErrors = [:]
        for q in pages[index].questions where q.type.isInput && isRelevant(q) && answers[q.name] != nil {
            if let message = check(q, language: language) {
                dropped[q.name] = message
                set(q.name, nil)
                set(Self.otherName(q), nil)
            }
        }
        recalculate()
        return dropped
    }

    /// Takes a page's values without checking them (to show a refused page back as it was typed).
    public mutating func submitUnchecked(page index: Int, values: [String: [String]]) {
        guard pages.indices.contains(index) else { return }
        for q in pages[index].questions where q.type.isInput {
            let raw = (values[q.name] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            switch q.type {
            case .selectMultiple: set(q.name, raw.isEmpty ? nil : raw.joined(separator: " "))
            // A browser sends "2026-03-01T09:30"; a space between date and time is taken as well.
            case .dateTime: set(q.name, raw.first.map { $0.count > 10 && $0.dropFirst(10).first == " " ? String($0.prefix(10)) + "T" + $0.dropFirst(11) : $0 })
            case .geopoint: set(q.name, raw.first.map { Self.geopoint($0) ?? $0 })
            default: set(q.name, raw.first)
            }
            if case .selectOne(_, true) = q.type { set(Self.otherName(q), values[Self.otherName(q)]?.first?.trimmed) }
            if case .selectMultiple(_, true) = q.type { set(Self.otherName(q), values[Self.otherName(q)]?.first?.trimmed) }
        }
        recalculate()
    }

    private mutating func set(_ name: String, _ value: String?) {
        if let value, !value.isEmpty { answers[name] = value } else { answers.removeValue(forKey: name) }
    }

    /// Checks one relevant question's stored value: required, type, choice list, constraint.
    func check(_ q: XLSForm.Question, language: String) -> String? {
        func text(_ messages: [String: String], _ fallback: String) -> String {
            messages[language] ?? messages[""] ?? messages.values.first ?? fallback
        }
        let value = answers[q.name]
        guard let value else {
            if let r = q.required, (try? r.isTrue(context())) ?? false {
                return text(q.requiredMessage, "This question needs an answer.")
            }
            return nil
        }
        switch q.type {
        case .integer:
            guard let n = Int(value) else { return "Please enter a whole number." }
            if let r = q.range, !r.allows(Double(n)) { return "Please enter a number \(r.words)." }
        case .decimal:
            guard let d = Double(value), d.isFinite else { return "Please enter a number." }
            if let r = q.range, !r.allows(d) { return "Please enter a number \(r.words)." }
        case .date:
            guard CalendarDay.parse(value) != nil, value.count == 10 else { return "Please enter a date as YYYY-MM-DD." }
        case .time:
            guard Self.clockTime(value) != nil else { return "Please enter a time as HH:MM." }
        case .dateTime:
            let parts = value.split(separator: "T", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].count == 10, CalendarDay.parse(parts[0]) != nil, Self.clockTime(parts[1]) != nil else {
                return "Please enter a date and time as YYYY-MM-DD HH:MM."
            }
        case .geopoint:
            guard Self.geopoint(value) != nil else { return "Please enter a latitude (−90 to 90) and a longitude (−180 to 180) in degrees, e.g. 40.7128 -74.0060." }
        case .selectOne:
            guard choices(for: q).contains(where: { $0.name == value }) else { return "Please choose one of the options." }
            if value == "other", q.type.hasOther, answers[Self.otherName(q)] == nil { return "Please say what “other” is." }
        case .selectMultiple:
            let allowed = Set(choices(for: q).map(\.name))
            guard value.split(separator: " ").allSatisfy({ allowed.contains(String($0)) }) else { return "Please choose among the options." }
            if value.split(separator: " ").contains("other"), q.type.hasOther, answers[Self.otherName(q)] == nil { return "Please say what “other” is." }
        default: break
        }
        if let c = q.constraint {
            let ok = (try? c.isTrue(context(current: value))) ?? false
            if !ok { return text(q.constraintMessage, "This answer is not allowed.") }
        }
        return nil
    }

    /// ODK keeps no value for a question that is not relevant.
    private mutating func dropIrrelevant() {
        for _ in 0..<2 {
            var changed = false
            for q in form.questions where q.type.isInput && answers[q.name] != nil && !isRelevant(q) {
                answers.removeValue(forKey: q.name)
                answers.removeValue(forKey: Self.otherName(q))
                changed = true
            }
            if !changed { break }
            recalculate()
        }
    }

    /// Reruns every `calculate` in form order (but pinned ones); twice, so one that reads a later calculation settles.
    public mutating func recalculate() {
        for _ in 0..<2 {
            for q in form.questions where q.type == .calculate && pinned[q.name] == nil {
                guard let e = q.calculation, let v = try? e.evaluate(context(current: answers[q.name])) else { continue }
                set(q.name, v.asString)
            }
        }
    }

    /// Fixes a value from outside the form (a screening result the study's records decide): no calculation
    /// overwrites it afterwards, on this page or the next. The rest is recalculated around it.
    public mutating func pin(_ name: String, to value: String) {
        pin([name: value])
    }

    /// Fixes several values at once, then recalculates and drops what no longer applies once, so the outcome does
    /// not depend on the order they are pinned in.
    public mutating func pin(_ values: [String: String]) {
        for (name, value) in values {
            pinned[name] = value
            set(name, value)
        }
        recalculate()
        dropIrrelevant()
    }

    /// Errors on every shown page, for a final check before the response is called complete.
    public func remainingErrors(language: String = "") -> [Int: PageErrors] {
        var result: [Int: PageErrors] = [:]
        for i in shownPageIndices {
            var errors: PageErrors = [:]
            for q in visibleQuestions(on: pages[i]) where q.type.isInput {
                if let m = check(q, language: language) { errors[q.name] = m }
            }
            if !errors.isEmpty { result[i] = errors }
        }
        return result
    }

    /// Share of the relevant input questions that have an answer: AAPOR's partial vs break-off line.
    public var answeredShare: Double {
        var relevant = 0, answered = 0
        for q in form.questions where q.type.isInput && isRelevant(q) {
            relevant += 1
            if answers[q.name] != nil { answered += 1 }
        }
        return relevant == 0 ? 0 : Double(answered) / Double(relevant)
    }
}

extension XLSForm.QuestionType {
    var hasOther: Bool {
        switch self {
        case .selectOne(_, let o), .selectMultiple(_, let o): o
        default: false
        }
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension SurveyRun {
    /// One page of a respondent's answers as a researcher reads them.
    public struct SheetPage: Sendable, Equatable {
        public var number: Int
        public var title: String
        public var answers: [SheetAnswer]
    }

    public struct SheetAnswer: Sendable, Equatable {
        public var name: String
        public var label: String
        /// The answer in words (choice labels, not codes); nil when there is none.
        public var answer: String?
        /// Whether the question applied, given the other answers (a question that did not apply was never asked).
        public var asked: Bool
    }

    /// The stored answers page by page, in the form's order and `language`: each input question with its label, its
    /// answer in words, and whether it applied. Notes are left out.
    public func answerSheet(language: String?) -> [SheetPage] {
        pages.map { page in
            let title = page.group.flatMap { XLSForm.text($0.labels, language: language) } ?? "Page \(page.index + 1)"
            let rows = page.questions.filter { $0.type.isInput }.map { q -> SheetAnswer in
                let label = XLSForm.text(q.labels, language: language) ?? q.name
                let asked = isRelevant(q)
                guard let value = self.answers[q.name], !value.isEmpty else { return SheetAnswer(name: q.name, label: label, answer: nil, asked: asked) }
                let named = Dictionary(self.choices(for: q).map { ($0.name, XLSForm.text($0.labels, language: language) ?? $0.name) }, uniquingKeysWith: { a, _ in a })
                let words: String
                switch q.type {
                case .selectOne: words = named[value] ?? value
                case .selectMultiple: words = value.split(separator: " ").map { named[String($0)] ?? String($0) }.joined(separator: "; ")
                default: words = value
                }
                return SheetAnswer(name: q.name, label: label, answer: words, asked: asked)
            }
            return SheetPage(number: page.index + 1, title: title, answers: rows)
        }
    }
}
