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

    func context(current: String? = nil, instance: Int? = nil, of repeatName: String? = nil) -> ExpressionContext {
        var c = ExpressionContext(answers: answers, current: current, today: today)
        c.repeatOf = form.repeatOf
        // A repeat the respondent fills has one instance until they add or remove one; expressions count it so.
        for r in groupsByName.values where r.type == .beginRepeat && r.repeatCount == nil && answers[r.name] == nil { c.answers[r.name] = "1" }
        if let instance, let repeatName { c.instance = (repeatName, instance) }
        return c
    }

    func context(_ slot: Slot, current: String? = nil) -> ExpressionContext {
        context(current: current, instance: slot.instance, of: slot.question.repeatName)
    }

    // MARK: repeats

    /// One place a question is asked: once outside any repeat, once per instance inside one.
    public struct Slot: Sendable, Equatable {
        public var question: XLSForm.Question
        /// 1-based instance of the question's repeat; nil outside any repeat.
        public var instance: Int?
        /// The key the answer is kept under: the question's name, or `name[instance]`.
        public var key: String { instance.map { RepeatKey.key(question.name, $0) } ?? question.name }

        public init(_ question: XLSForm.Question, instance: Int? = nil) {
            self.question = question
            self.instance = instance
        }
    }

    /// The most instances a respondent can add to a repeat, or a `repeat_count` can ask for (SECURITY.md).
    public static let maxInstances = 50

    /// How many instances a repeat has now: its `repeat_count` (kept in the answers by `recalculate`), else as many as
    /// the respondent added (one to begin with, as ODK starts a repeat).
    public func instanceCount(_ repeatName: String) -> Int {
        guard groupsByName[repeatName]?.type == .beginRepeat else { return 0 }
        guard let stored = answers[repeatName], let n = Int(stored) else { return groupsByName[repeatName]?.repeatCount == nil ? 1 : 0 }
        return min(max(n, 0), Self.maxInstances)
    }

    /// Where `q` is asked: once, or once per instance of its repeat.
    public func slots(_ q: XLSForm.Question) -> [Slot] {
        guard let r = q.repeatName, q.type != .beginRepeat else { return [Slot(q)] }
        let n = instanceCount(r)
        return n == 0 ? [] : (1...n).map { Slot(q, instance: $0) }
    }

    /// Where `questions` are asked, in the order a page shows them: a repeat's questions for its first instance, then
    /// for its second, and so on.
    public func orderedSlots(_ questions: [XLSForm.Question]) -> [Slot] {
        var result: [Slot] = []
        var i = questions.startIndex
        while i < questions.endIndex {
            guard let r = questions[i].repeatName else { result.append(Slot(questions[i])); i += 1; continue }
            var end = i
            while end < questions.endIndex && questions[end].repeatName == r { end += 1 }
            let run = questions[i..<end]
            for instance in Swift.stride(from: 1, through: instanceCount(r), by: 1) { result += run.map { Slot($0, instance: instance) } }
            i = end
        }
        return result
    }

    /// A value as `${name}` reads it where `slot` is asked (its own instance's, inside a repeat): for labels.
    public func value(_ name: String, in slot: Slot?) -> String { (slot.map { context($0) } ?? context()).value(of: name) }

    /// Whether the respondent adds instances to `repeatName` themselves (no `repeat_count`), and may add one more.
    public func canAddInstance(_ repeatName: String) -> Bool {
        guard let r = groupsByName[repeatName], r.type == .beginRepeat, r.repeatCount == nil else { return false }
        return instanceCount(repeatName) < Self.maxInstances
    }

    /// Adds an instance at the end of a repeat the respondent fills (`canAddInstance`).
    public mutating func addInstance(_ repeatName: String) {
        guard canAddInstance(repeatName) else { return }
        answers[repeatName] = String(instanceCount(repeatName) + 1)
        recalculate()
    }

    /// Removes instance `index` of a repeat the respondent fills; later instances move up one.
    public mutating func removeInstance(_ repeatName: String, _ index: Int) {
        guard let r = groupsByName[repeatName], r.repeatCount == nil else { return }
        let n = instanceCount(repeatName)
        guard (1...max(n, 1)).contains(index), n > 0 else { return }
        let members = form.questions.filter { $0.repeatName == repeatName && $0.type != .beginRepeat }.flatMap { [$0.name, Self.otherName($0)] }
        for name in members {
            for i in index..<n { set(RepeatKey.key(name, i), answers[RepeatKey.key(name, i + 1)]) }
            set(RepeatKey.key(name, n), nil)
        }
        answers[repeatName] = String(n - 1)
        recalculate()
    }

    /// Whether a page's action keeps what the page holds and shows the same page again: refreshing cascading
    /// choices (`refresh:<question>`), adding or removing a repeat's instance.
    public static func redrawsPage(_ action: String?) -> Bool {
        guard let action else { return false }
        return action.hasPrefix("refresh") || action.hasPrefix("add:") || action.hasPrefix("remove:")
    }

    /// A page's `add:<repeat>` or `remove:<repeat>:<instance>` button: applies it (after the page's values were taken)
    /// and returns true; false for any other action, which is left to the caller.
    public mutating func applyInstanceAction(_ action: String?) -> Bool {
        guard let action else { return false }
        let parts = action.split(separator: ":").map(String.init)
        switch (parts.first, parts.count) {
        case ("add", 2): addInstance(parts[1]); return true
        case ("remove", 3):
            guard let index = Int(parts[2]) else { return false }
            removeInstance(parts[1], index)
            return true
        default: return false
        }
    }

    /// Keys of instances past a repeat's count (a `repeat_count` that fell), which no longer exist.
    private mutating func dropSurplusInstances() {
        for key in answers.keys {
            guard let (name, index) = RepeatKey.parse(key) else { continue }
            let base = name.hasSuffix("_other") && form.repeatOf[name] == nil ? String(name.dropLast(6)) : name
            if let r = form.repeatOf[base], index > instanceCount(r) { answers.removeValue(forKey: key) }
        }
    }

    // MARK: relevance

    /// A question is shown when its own `relevant` and those of every group around it hold.
    /// An expression that fails to evaluate counts as false, so a broken condition hides rather than crashes.
    public func isRelevant(_ q: XLSForm.Question) -> Bool {
        isRelevant(Slot(q, instance: q.repeatName == nil || q.type == .beginRepeat ? nil : 1))
    }

    /// Whether a question is shown in its instance (conditions inside a repeat read that instance's answers).
    public func isRelevant(_ slot: Slot) -> Bool {
        let ctx = context(slot)
        for name in slot.question.groups {
            if let group = groupsByName[name], let r = group.relevant, !((try? r.isTrue(ctx)) ?? false) { return false }
        }
        guard let r = slot.question.relevant else { return true }
        return (try? r.isTrue(ctx)) ?? false
    }

    public func visibleQuestions(on page: Page) -> [XLSForm.Question] {
        page.questions.filter(isRelevant)
    }

    /// Every place the page asks or says something that applies now, instances of its repeats included.
    public func visibleSlots(on page: Page) -> [Slot] {
        orderedSlots(page.questions).filter(isRelevant)
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
        // A repeat_count read from the same page: the page shows as many instances as the answer asks for.
        let inputs = Set(page.questions.filter { $0.type.isInput && $0.repeatName == nil }.map(\.name))
        for q in form.questions where q.type == .beginRepeat && page.questions.contains(where: { $0.repeatName == q.name }) {
            parents.formUnion(q.repeatCount?.references.intersection(inputs) ?? [])
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

    /// `displayedQuestions` per instance: what the page shows without JavaScript, each repeat instance in turn.
    public func displayedSlots(on page: Page) -> [Slot] {
        let names = namesDecided(by: page)
        return orderedSlots(page.questions).filter { isRelevant($0) || relevanceDepends($0.question, on: names) }
    }

    /// Repeats on `page` whose instances the respondent adds (no `repeat_count`), in form order.
    public func addableRepeats(on page: Page) -> [XLSForm.Question] {
        form.questions.filter { r in
            r.type == .beginRepeat && r.repeatCount == nil && page.questions.contains { $0.repeatName == r.name } && isRelevant(r)
        }
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
        return !visibleSlots(on: page).isEmpty || !addableRepeats(on: page).isEmpty
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
        choices(for: Slot(q, instance: q.repeatName == nil ? nil : 1))
    }

    /// Choices of a select question in its instance (a `choice_filter` inside a repeat reads that instance).
    public func choices(for slot: Slot) -> [XLSForm.Choice] {
        let q = slot.question
        let list: String
        let orOther: Bool
        switch q.type {
        case .selectOne(let l, let o), .selectMultiple(let l, let o): list = l; orOther = o
        default: return []
        }
        var choices = form.choiceLists[list] ?? []
        if let filter = q.choiceFilter {
            choices = choices.filter { choice in
                var ctx = context(slot, current: choice.name)
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

    /// The page field that asks to remove the file a file question holds.
    public static func removeKey(_ key: String) -> String { key + "__remove" }

    /// The name under which `or_other` keeps the "please specify" text.
    public static func otherName(_ q: XLSForm.Question) -> String { q.name + "_other" }

    /// The key of a slot's "please specify" text (`name_other`, or `name_other[2]` in a repeat).
    public static func otherKey(_ slot: Slot) -> String { slot.instance.map { RepeatKey.key(otherName(slot.question), $0) } ?? otherName(slot.question) }

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
        for slot in page.questions.filter(\.type.isInput).flatMap(slots) where isRelevant(slot) {
            if let message = check(slot, language: language) { errors[slot.key] = message }
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
        for slot in pages[index].questions.filter(\.type.isInput).flatMap(slots) where isRelevant(slot) && answers[slot.key] != nil {
            if let message = check(slot, language: language) {
                dropped[slot.key] = message
                set(slot.key, nil)
                set(Self.otherKey(slot), nil)
            }
        }
        recalculate()
        return dropped
    }

    /// Takes a page's values without checking them (to show a refused page back as it was typed).
    public mutating func submitUnchecked(page index: Int, values: [String: [String]]) {
        guard pages.indices.contains(index) else { return }
        for slot in pages[index].questions.filter(\.type.isInput).flatMap(slots) {
            let q = slot.question, key = slot.key
            let raw = (values[key] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            switch q.type {
            case .selectMultiple: set(key, raw.isEmpty ? nil : raw.joined(separator: " "))
            // A browser sends "2026-03-01T09:30"; a space between date and time is taken as well.
            case .dateTime: set(key, raw.first.map { $0.count > 10 && $0.dropFirst(10).first == " " ? String($0.prefix(10)) + "T" + $0.dropFirst(11) : $0 })
            case .geopoint: set(key, raw.first.map { Self.geopoint($0) ?? $0 })
            // A browser cannot send a file again: no new file keeps the one given, unless the respondent removes it.
            case .upload:
                if let name = raw.first { set(key, name) } else if values[Self.removeKey(key)]?.contains("yes") == true { set(key, nil) }
            default: set(key, raw.first)
            }
            if q.type.hasOther { set(Self.otherKey(slot), values[Self.otherKey(slot)]?.first?.trimmed) }
        }
        recalculate()
    }

    private mutating func set(_ name: String, _ value: String?) {
        if let value, !value.isEmpty { answers[name] = value } else { answers.removeValue(forKey: name) }
    }

    /// Checks one relevant question's stored value: required, type, choice list, constraint.
    func check(_ q: XLSForm.Question, language: String) -> String? {
        check(Slot(q, instance: q.repeatName == nil ? nil : 1), language: language)
    }

    /// Checks one relevant slot's stored value: required, type, choice list, constraint.
    func check(_ slot: Slot, language: String) -> String? {
        let q = slot.question
        func text(_ messages: [String: String], _ fallback: String) -> String {
            messages[language] ?? messages[""] ?? messages.values.first ?? fallback
        }
        let value = answers[slot.key]
        guard let value else {
            if let r = q.required, (try? r.isTrue(context(slot))) ?? false {
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
            guard choices(for: slot).contains(where: { $0.name == value }) else { return "Please choose one of the options." }
            if value == "other", q.type.hasOther, answers[Self.otherKey(slot)] == nil { return "Please say what “other” is." }
        case .selectMultiple:
            let allowed = Set(choices(for: slot).map(\.name))
            guard value.split(separator: " ").allSatisfy({ allowed.contains(String($0)) }) else { return "Please choose among the options." }
            if value.split(separator: " ").contains("other"), q.type.hasOther, answers[Self.otherKey(slot)] == nil { return "Please say what “other” is." }
        default: break
        }
        if let c = q.constraint {
            let ok = (try? c.isTrue(context(slot, current: value))) ?? false
            if !ok { return text(q.constraintMessage, "This answer is not allowed.") }
        }
        return nil
    }

    /// ODK keeps no value for a question that is not relevant.
    private mutating func dropIrrelevant() {
        for _ in 0..<2 {
            var changed = false
            for slot in form.questions.filter(\.type.isInput).flatMap(slots) where answers[slot.key] != nil && !isRelevant(slot) {
                answers.removeValue(forKey: slot.key)
                answers.removeValue(forKey: Self.otherKey(slot))
                changed = true
            }
            if !changed { break }
            recalculate()
        }
    }

    /// Reruns every `calculate` in form order (but pinned ones); twice, so one that reads a later calculation settles.
    public mutating func recalculate() {
        for _ in 0..<2 {
            for q in form.questions {
                // A repeat_count sets how many instances there are, before what is computed in them.
                if q.type == .beginRepeat, let count = q.repeatCount {
                    let n = (try? count.evaluate(context()).asNumber) ?? 0
                    answers[q.name] = String(n.isFinite ? min(max(Int(n.rounded(.down)), 0), Self.maxInstances) : 0)
                    continue
                }
                guard q.type == .calculate, pinned[q.name] == nil, let e = q.calculation else { continue }
                for slot in slots(q) {
                    guard let v = try? e.evaluate(context(slot, current: answers[slot.key])) else { continue }
                    set(slot.key, v.asString)
                }
            }
        }
        dropSurplusInstances()
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
            for slot in visibleSlots(on: pages[i]) where slot.question.type.isInput {
                if let m = check(slot, language: language) { errors[slot.key] = m }
            }
            if !errors.isEmpty { result[i] = errors }
        }
        return result
    }

    /// Share of the relevant input questions that have an answer: AAPOR's partial vs break-off line.
    public var answeredShare: Double {
        var relevant = 0, answered = 0
        for slot in form.questions.filter(\.type.isInput).flatMap(slots) where isRelevant(slot) {
            relevant += 1
            if answers[slot.key] != nil { answered += 1 }
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
            let rows = orderedSlots(page.questions).filter { $0.question.type.isInput }.map { slot -> SheetAnswer in
                let q = slot.question
                var label = XLSForm.text(q.labels, language: language) ?? q.name
                if let i = slot.instance, let r = q.repeatName {
                    label = "\(groupsByName[r].flatMap { XLSForm.text($0.labels, language: language) } ?? r) \(i): " + label
                }
                let asked = isRelevant(slot)
                guard let value = self.answers[slot.key], !value.isEmpty else { return SheetAnswer(name: slot.key, label: label, answer: nil, asked: asked) }
                let named = Dictionary(self.choices(for: slot).map { ($0.name, XLSForm.text($0.labels, language: language) ?? $0.name) }, uniquingKeysWith: { a, _ in a })
                let words: String
                switch q.type {
                case .selectOne: words = named[value] ?? value
                case .selectMultiple: words = value.split(separator: " ").map { named[String($0)] ?? String($0) }.joined(separator: "; ")
                default: words = value
                }
                return SheetAnswer(name: slot.key, label: label, answer: words, asked: asked)
            }
            return SheetPage(number: page.index + 1, title: title, answers: rows)
        }
    }
}
