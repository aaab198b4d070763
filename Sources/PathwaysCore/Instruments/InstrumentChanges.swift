import Foundation

/// What changed from one version of an instrument to the next, by the study's items (so a rename is a rename, not
/// a removal and an addition): questions added, removed and renamed, types changed, choice lists changed.
public struct InstrumentChanges: Sendable, Equatable {
    public var added: [String] = []
    public var removed: [String] = []
    public var renamed: [(from: String, to: String)] = []
    public var retyped: [(name: String, from: String, to: String)] = []
    /// Per select question: choice names added and removed.
    public var choices: [(name: String, added: [String], removed: [String])] = []
    public var relabelled: [String] = []

    public static func == (a: Self, b: Self) -> Bool { a.lines == b.lines }

    public var isEmpty: Bool { lines.isEmpty }

    /// The changes in words, one line each.
    public var lines: [String] {
        var out: [String] = []
        if !added.isEmpty { out.append("added " + added.joined(separator: ", ")) }
        if !removed.isEmpty { out.append("removed " + removed.joined(separator: ", ")) }
        for r in renamed { out.append("renamed \(r.from) → \(r.to)") }
        for t in retyped { out.append("\(t.name): type \(t.from) → \(t.to)") }
        for c in choices {
            var parts: [String] = []
            if !c.added.isEmpty { parts.append("added " + c.added.joined(separator: ", ")) }
            if !c.removed.isEmpty { parts.append("removed " + c.removed.joined(separator: ", ")) }
            out.append("\(c.name): choices " + parts.joined(separator: "; "))
        }
        if !relabelled.isEmpty { out.append("reworded " + relabelled.joined(separator: ", ")) }
        return out
    }

    /// Compares two versions; `items` map each version's stored names to the study's item ids.
    public static func between(_ old: XLSForm, items oldItems: [String: UUID], and new: XLSForm, items newItems: [String: UUID]) -> InstrumentChanges {
        var changes = InstrumentChanges()
        let oldQuestions = Dictionary(old.questions.filter(\.type.isInput).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newQuestions = Dictionary(new.questions.filter(\.type.isInput).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let oldByItem = Dictionary(oldItems.filter { oldQuestions[$0.key] != nil }.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        var matched: Set<String> = []
        for q in new.questions where q.type.isInput {
            guard let item = newItems[q.name], let oldName = oldByItem[item] ?? (oldQuestions[q.name] != nil ? q.name : nil),
                  let before = oldQuestions[oldName] else {
                changes.added.append(q.name)
                continue
            }
            matched.insert(oldName)
            if oldName != q.name { changes.renamed.append((oldName, q.name)) }
            let (from, to) = (typeName(before.type), typeName(q.type))
            if baseType(before.type) != baseType(q.type) { changes.retyped.append((q.name, from, to)) }
            let oldChoices = choiceNames(before, in: old), newChoices = choiceNames(q, in: new)
            if oldChoices != newChoices, !(oldChoices.isEmpty && newChoices.isEmpty) {
                let added = newChoices.filter { !oldChoices.contains($0) }, removed = oldChoices.filter { !newChoices.contains($0) }
                if !added.isEmpty || !removed.isEmpty { changes.choices.append((q.name, added, removed)) }
            }
            if before.labels != q.labels { changes.relabelled.append(q.name) }
        }
        changes.removed = old.questions.filter { $0.type.isInput && !matched.contains($0.name) }.map(\.name)
        return changes
    }

    static func choiceNames(_ q: XLSForm.Question, in form: XLSForm) -> [String] {
        switch q.type {
        case .selectOne(let list, _), .selectMultiple(let list, _): (form.choiceLists[list] ?? []).map(\.name)
        default: []
        }
    }

    static func baseType(_ t: XLSForm.QuestionType) -> String {
        switch t {
        case .selectOne: "select_one"
        case .selectMultiple: "select_multiple"
        default: typeName(t)
        }
    }

    static func typeName(_ t: XLSForm.QuestionType) -> String {
        switch t {
        case .selectOne(let l, _): "select_one \(l)"
        case .selectMultiple(let l, _): "select_multiple \(l)"
        case .integer: "integer"
        case .decimal: "decimal"
        case .text: "text"
        case .date: "date"
        case .calculate: "calculate"
        case .acknowledge: "acknowledge"
        default: "\(t)"
        }
    }
}
