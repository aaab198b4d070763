import Foundation

/// Which respondents were shown which question, worked out from their stored answers the way the survey
/// decided it (`Tabulation.shownQuestions`), but once per distinct combination of the answers a condition reads
/// rather than once per respondent: questions with the same conditions share one vector, and a condition that
/// reads two select_one answers is evaluated at most (choices + 1)² times for a million respondents.
struct Visibility: Sendable {
    /// Per question with a condition, its vector in `vectors`; a question without one was shown to everyone.
    private let vectorIndex: [String: Int]
    /// 1 where the respondent was shown the questions of that condition.
    private let vectors: [[UInt8]]

    func vector(for item: String) -> [UInt8]? { vectorIndex[item].map { vectors[$0] } }

    func isShown(_ item: String, row: Int) -> Bool { vectorIndex[item].map { vectors[$0][row] != 0 } ?? true }

    init(form: XLSForm, data: ResponseColumns, today: Date) {
        var groups: [String: XLSForm.Question] = [:]
        for q in form.questions where q.type == .beginGroup || q.type == .beginRepeat { groups[q.name] = q }
        func conditions(_ q: XLSForm.Question) -> [Expression] {
            q.groups.compactMap { groups[$0]?.relevant } + (q.relevant.map { [$0] } ?? [])
        }
        // Questions under the same conditions share a vector.
        var signatures: [String: Int] = [:]
        var members: [[XLSForm.Question]] = []
        var index: [String: Int] = [:]
        for q in form.questions where q.type.isInput && q.repeatName == nil {
            let c = conditions(q)
            guard !c.isEmpty else { continue }
            let key = c.map { String(describing: $0) }.joined(separator: "\u{1}")
            let k = signatures[key] ?? {
                signatures[key] = members.count
                members.append([])
                return members.count - 1
            }()
            members[k].append(q)
            index[q.name] = k
        }
        // The answers a condition can depend on: what it reads; for an input it reads, that input's own conditions
        // (its value is dropped where it was not shown); a stored calculation stands as stored.
        let byName = Dictionary(form.questions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func inputs(of expressions: [Expression]) -> [String] {
            var seen: Set<String> = []
            var pending = expressions.flatMap(\.references)
            while let name = pending.popLast() {
                guard seen.insert(name).inserted else { continue }
                if let q = byName[name], q.type.isInput { pending += conditions(q).flatMap(\.references) }
            }
            return seen.sorted()
        }
        // Where a calculation was not stored the survey works it out again: then the condition also depends on what
        // the calculation reads and on the conditions of it and of everything it reads, transitively.
        func closure(of expressions: [Expression]) -> [String] {
            var seen: Set<String> = []
            var pending = expressions.flatMap(\.references)
            while let name = pending.popLast() {
                guard seen.insert(name).inserted, let q = byName[name] else { continue }
                if q.type.isInput || q.type == .calculate { pending += conditions(q).flatMap(\.references) }
                if q.type == .calculate { pending += q.calculation?.references ?? [] }
            }
            return seen.sorted()
        }
        let calculations = Set(form.questions.filter { $0.type == .calculate }.map(\.name))
        let work = members.map { members -> Work in
            let fields = inputs(of: conditions(members[0]))
            let inputConditions = form.questions.filter { $0.type.isInput && fields.contains($0.name) }.map { ($0.name, conditions($0)) }
            return Work(item: members[0].name, conditions: conditions(members[0]), fields: fields, inputs: inputConditions,
                        closure: closure(of: conditions(members[0])))
        }
        var vectors = [[UInt8]](repeating: [], count: work.count)
        vectors.withUnsafeMutableBufferPointer { out in
            let out = UncheckedBuffer(out)
            DispatchQueue.concurrentPerform(iterations: work.count) { k in
                out.buffer[k] = Self.evaluate(work[k], calculations: calculations, form: form, data: data, today: today)
            }
        }
        self.vectorIndex = index
        self.vectors = vectors
    }

    struct Work: Sendable {
        var item: String
        var conditions: [Expression]
        /// The answers the conditions can depend on.
        var fields: [String]
        /// The inputs among `fields`, in form order, with their own conditions.
        var inputs: [(name: String, conditions: [Expression])]
        /// Everything the conditions can depend on when a calculation among `fields` was not stored.
        var closure: [String]
    }

    /// The shown vector of `work.item`, evaluating its conditions once per distinct combination of `work.fields`.
    private static func evaluate(_ work: Work, calculations: Set<String>, form: XLSForm, data: ResponseColumns, today: Date) -> [UInt8] {
        let (item, fields) = (work.item, work.fields)
        let n = data.count
        let columns = fields.map { data[$0] }
        let codes = columns.map { $0?.codes ?? [] }
        let radices = columns.map { UInt64(($0?.values.count ?? 0) + 1) }
        // A calculation with no stored value is worked out from everything the respondent answered.
        let mustBeStored = fields.indices.filter { calculations.contains(fields[$0]) }
        func decide(_ answers: [String: String]) -> UInt8 {
            Tabulation.shownQuestions(form: form, answers: answers, today: today).contains(item) ? 1 : 0
        }
        // With every calculation it reads stored, a condition needs only `fields`: drop the inputs among them whose
        // own conditions fail, in form order and at most twice over, as the survey does, then evaluate.
        func holds(_ conditions: [Expression], _ answers: [String: String]) -> Bool {
            let context = ExpressionContext(answers: answers, today: today)
            return conditions.allSatisfy { (try? $0.isTrue(context)) ?? false }
        }
        func decide(codes key: [UInt32]) -> UInt8 {
            var answers: [String: String] = [:]
            for (i, code) in key.enumerated() where code > 0 { answers[fields[i]] = columns[i]!.values[Int(code) - 1] }
            for _ in 0..<2 {
                var changed = false
                for input in work.inputs where answers[input.name] != nil && !holds(input.conditions, answers) {
                    answers.removeValue(forKey: input.name)
                    changed = true
                }
                if !changed { break }
            }
            return holds(work.conditions, answers) ? 1 : 0
        }
        var result = [UInt8](repeating: 0, count: n)
        var key = [UInt32](repeating: 0, count: fields.count)
        var packedFits = true
        var product: UInt64 = 1
        for r in radices {
            let (p, overflow) = product.multipliedReportingOverflow(by: r)
            if overflow { packedFits = false; break }
            product = p
        }
        var packedMemo: [UInt64: UInt8] = [:]
        var memo: [[UInt32]: UInt8] = [:]
        // Rows missing a stored calculation: the survey's own decision, once per distinct combination of the
        // answers in `work.closure` (the rest of a respondent's answers cannot change it).
        let closureColumns = work.closure.map { data[$0] }
        var closureMemo: [[UInt32]: UInt8] = [:]
        var closureKey = [UInt32](repeating: 0, count: work.closure.count)
        for row in 0..<n {
            var complete = true
            for f in mustBeStored where codes[f].isEmpty || codes[f][row] == 0 { complete = false }
            if !complete {
                for (i, column) in closureColumns.enumerated() { closureKey[i] = column.map { $0.codes.isEmpty ? 0 : $0.codes[row] } ?? 0 }
                if let known = closureMemo[closureKey] {
                    result[row] = known
                } else {
                    var answers: [String: String] = [:]
                    for (i, code) in closureKey.enumerated() where code > 0 { answers[work.closure[i]] = closureColumns[i]!.values[Int(code) - 1] }
                    let value = decide(answers)
                    closureMemo[closureKey] = value
                    result[row] = value
                }
                continue
            }
            if packedFits {
                var packed: UInt64 = 0
                for f in fields.indices { packed = packed &* radices[f] &+ UInt64(codes[f].isEmpty ? 0 : codes[f][row]) }
                if let known = packedMemo[packed] {
                    result[row] = known
                } else {
                    for f in fields.indices { key[f] = codes[f].isEmpty ? 0 : codes[f][row] }
                    let value = decide(codes: key)
                    packedMemo[packed] = value
                    result[row] = value
                }
            } else {
                for f in fields.indices { key[f] = codes[f].isEmpty ? 0 : codes[f][row] }
                if let known = memo[key] {
                    result[row] = known
                } else {
                    let value = decide(codes: key)
                    memo[key] = value
                    result[row] = value
                }
            }
        }
        return result
    }
}

/// A buffer that parallel workers write to at distinct indices.
struct UncheckedBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
