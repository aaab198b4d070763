import Foundation
import Hummingbird
import PathwaysCore
import PathwaysStore

/// The survey a learner takes from their personal link: one page per group, checked on the server, saved as they
/// go and resumable from the same link, with the study's eligibility screening checked against stored records.
/// The link is the only credential; a link that was never issued gets the same plain 404 as a mistyped one.
struct SurveyPages {
    let dependencies: Dependencies

    func register(on routes: RouteTable) {
        let d = dependencies

        routes.get("/s/{token}", access: "anyone with the link") { request, context in
            let (c, wave, study, version) = try await Self.load(d, context)
            let notice = request.uri.queryParameters.get("notice")
            if let finished = Self.finishedPage(c, wave: wave, d: d, context: context) { return finished }
            try await d.fieldwork.markOpened(c)
            let run = try await Self.run(c, wave: wave, study: study, version: version, d: d)
            let page = c.currentPage.flatMap { run.pages.indices.contains($0) && run.isShown(run.pages[$0]) ? $0 : nil } ?? run.nextPage(after: nil)
            guard let page else { return Self.message(d, context, title: "Nothing to answer", text: "This survey has no questions for you. Thank you.") }
            return Self.render(d, context, run: run, page: page, c: c, study: study, errors: [:], submitted: nil,
                               notice: notice == "updated" ? "This survey was changed in another window; here is where it stands now." : nil)
        }

        routes.post("/s/{token}", access: "anyone with the link") { request, context -> Response in
            let (c, wave, study, version) = try await Self.load(d, context)
            let location = "/s/\(context.parameters.get("token") ?? "")"
            guard c.isOpen, Date() < wave.closesAt else { return Self.redirect(location) }
            let body = try await Forms.collect(request, limit: Forms.maxFormSize, what: "the form")
            let values = Self.decodeForm(String(buffer: body))
            // A stale revision means another tab or a second click got there first: show where things stand.
            guard values["revision"]?.first == String(c.revision) else { return Self.redirect(location + "?notice=updated") }
            var run = try await Self.run(c, wave: wave, study: study, version: version, d: d)
            guard let page = values["page"]?.first.flatMap(Int.init), run.pages.indices.contains(page) else {
                throw AppError.badRequest("the form did not say which page it was")
            }
            let language = Self.language(version.form)
            var eligibility = Self.decided(c)
            if values["action"]?.first == "back" {
                let previous = run.previousPage(before: page) ?? page
                let saved = try await d.fieldwork.save(c, answers: run.answers, version: version,
                                                       progress: .init(currentPage: previous, answeredShare: run.answeredShare))
                return Self.redirect(saved ? location : location + "?notice=updated")
            }
            func winner(_ e: (record: Bool, reported: Bool, conflict: Bool)) -> Bool { Self.winner(e, study) }
            let errors = run.submit(page: page, values: values, language: language)
            if !errors.isEmpty {
                var shown = run
                shown.submitUnchecked(page: page, values: values)
                return try Self.render(d, context, run: shown, page: page, c: c, study: study, errors: errors, submitted: values, notice: nil)
                    .response(from: request, context: context)
            }
            // Screening: decided by the page that asks it, once, against the records as they are now.
            if let item = wave.screenItem, eligibility == nil, run.decides(item, page: page), let said = run.answers[item] {
                let record = try await Self.recordSaysEligible(learner: c.learnerID, months: wave.eligibilityMonths, d: d)
                let e = (record: record, reported: said == "yes", conflict: record != (said == "yes"))
                eligibility = e
                run.pin(item, to: winner(e) ? "yes" : "no")
            }
            let eligible = eligibility.map(winner) ?? true
            let next = eligible ? run.nextPage(after: page) : nil
            var progress = FieldworkRepository.Progress(currentPage: next ?? page, answeredShare: run.answeredShare, eligibility: eligibility)
            if !eligible {
                progress.disposition = .notEligible
            } else if next == nil {
                if let (firstPage, _) = run.remainingErrors(language: language).min(by: { $0.key < $1.key }) {
                    progress.currentPage = firstPage
                } else {
                    progress.disposition = .complete
                }
            }
            let saved = try await d.fieldwork.save(c, answers: run.answers, version: version, progress: progress)
            return Self.redirect(saved ? location : location + "?notice=updated")
        }

        routes.get("/s/{token}/opt-out", access: "anyone with the link") { _, context in
            let (c, _, study, _) = try await Self.load(d, context)
            return d.views.page("optout", title: "Stop messages", [
                "token": context.parameters.get("token") ?? "", "study": study.title, "done": c.optedOutAt != nil,
            ], context: context)
        }

        routes.post("/s/{token}/opt-out", access: "anyone with the link") { _, context -> SeeOther in
            let (c, _, _, _) = try await Self.load(d, context)
            try await d.fieldwork.optOut(c)
            return SeeOther(location: "/s/\(context.parameters.get("token") ?? "")/opt-out")
        }
    }

    // MARK: loading

    static func load(_ d: Dependencies, _ context: AppContext) async throws
        -> (FieldworkRepository.Case, StudyRepository.Wave, StudyRepository.Study, StudyRepository.InstrumentVersion) {
        let notFound = AppError.notFound("This survey link is not valid. Please use the link from your most recent message.")
        guard let token = context.parameters.get("token"), let c = try await d.fieldwork.case(token: token) else { throw notFound }
        guard let wave = try await d.studies.wave(id: c.waveID), let study = try await d.studies.study(id: wave.studyID),
              let version = try await d.versionCache.version(wave.instrumentVersionID, d.studies)
        else { throw notFound }
        return (c, wave, study, version)
    }

    /// The case's survey as stored, with a screening result already decided pinned, so no calculation undoes it.
    static func run(_ c: FieldworkRepository.Case, wave: StudyRepository.Wave, study: StudyRepository.Study,
                    version: StudyRepository.InstrumentVersion, d: Dependencies) async throws -> SurveyRun {
        var run = SurveyRun(form: version.form, answers: try await d.fieldwork.answers(caseID: c.id, version: version), today: Date())
        if let item = wave.screenItem, let e = decided(c) { run.pin(item, to: winner(e, study) ? "yes" : "no") }
        return run
    }

    /// Which side decides eligibility is the study's setting.
    static func winner(_ e: (record: Bool, reported: Bool, conflict: Bool), _ study: StudyRepository.Study) -> Bool {
        study.eligibilitySource == .record ? e.record : e.reported
    }

    static func decided(_ c: FieldworkRepository.Case) -> (record: Bool, reported: Bool, conflict: Bool)? {
        guard let r = c.recordEligible, let s = c.reportedEligible else { return nil }
        return (r, s, c.eligibilityConflict)
    }

    /// Whether the learner's records show a program completed at least `months` months ago (any, when nil); an
    /// issued credential's completion date is the record of truth where there is one.
    static func recordSaysEligible(learner: UUID, months: Int?, d: Dependencies) async throws -> Bool {
        let cutoff = CalendarDay.adding(months: -(months ?? 0), to: Date())
        return try await d.learners.recordCompletions(learnerID: learner).values.contains { $0 <= cutoff }
    }

    static func language(_ form: XLSForm) -> String {
        if let preferred = form.settings?.rows.first?["default_language"], form.languages.contains(preferred) { return preferred }
        return form.languages.first ?? ""
    }

    /// Pages for a link whose survey is over: done, screened out, opted out or closed.
    static func finishedPage(_ c: FieldworkRepository.Case, wave: StudyRepository.Wave, d: Dependencies, context: AppContext) -> HTML? {
        if c.disposition == .notEligible {
            return message(d, context, title: "Thank you", text: "Thank you for your time. This survey is for people whose situation differs from yours, so there is nothing more to answer. Your answers so far are kept.")
        }
        if c.submittedAt != nil {
            return message(d, context, title: "Thank you", text: "Your answers are saved. Thank you for taking part; you can close this page.", done: true)
        }
        if c.optedOutAt != nil {
            return message(d, context, title: "You have opted out", text: "You will get no more messages about this study.")
        }
        if Date() >= wave.closesAt {
            return message(d, context, title: "This survey has closed", text: "Thank you for your interest; this survey no longer takes answers.")
        }
        return nil
    }

    static func message(_ d: Dependencies, _ context: AppContext, title: String, text: String, done: Bool = false) -> HTML {
        d.views.page("survey_message", title: title, ["heading": title, "text": text, "done": done], context: context)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: rendering

    static func render(_ d: Dependencies, _ context: AppContext, run: SurveyRun, page index: Int, c: FieldworkRepository.Case,
                       study: StudyRepository.Study, errors: SurveyRun.PageErrors, submitted: [String: [String]]?, notice: String?) -> HTML {
        let language = language(run.form)
        let page = run.pages[index]
        func text(_ labels: [String: String]) -> String? {
            let raw = labels[language] ?? labels[""] ?? labels.values.first
            return raw.map { interpolate($0, run.answers) }
        }
        let shown = run.progressPages(at: index)
        let position = (shown.firstIndex(of: index) ?? 0) + 1
        var questions: [[String: Any]] = []
        for q in run.displayedQuestions(on: page) {
            let value = run.answers[q.name] ?? (submitted == nil ? q.defaultValue : nil) ?? ""
            let selected = Set(value.split(separator: " ").map(String.init))
            var item: [String: Any] = [
                "name": q.name, "id": "q-\(q.name)", "label": text(q.labels) ?? q.name, "hint": text(q.hints) ?? "",
                "error": errors[q.name] ?? "", "value": value, "required": q.required != nil,
            ]
            switch q.type {
            case .note: item["isNote"] = true
            case .integer: item["isInput"] = true; item["inputType"] = "number"; item["inputMode"] = "numeric"; item["step"] = "1"
            case .decimal: item["isInput"] = true; item["inputType"] = "number"; item["inputMode"] = "decimal"; item["step"] = "any"
            case .date: item["isInput"] = true; item["inputType"] = "date"
            case .text:
                if (q.appearance ?? "").contains("multiline") { item["isTextarea"] = true } else { item["isInput"] = true; item["inputType"] = "text" }
            case .acknowledge:
                item["isChoices"] = true; item["inputType"] = "checkbox"
                item["choices"] = [["value": "OK", "label": "OK", "checked": value == "OK", "id": "q-\(q.name)-ok"]]
            case .selectOne(_, let other), .selectMultiple(_, let other):
                let multiple: Bool = { if case .selectMultiple = q.type { true } else { false } }()
                let choices = run.choices(for: q)
                if !multiple && (q.appearance ?? "").contains("minimal") {
                    item["isDropdown"] = true
                } else {
                    item["isChoices"] = true
                }
                item["inputType"] = multiple ? "checkbox" : "radio"
                item["choices"] = choices.enumerated().map { i, choice -> [String: Any] in
                    ["value": choice.name, "label": text(choice.labels) ?? choice.name, "checked": selected.contains(choice.name), "id": "q-\(q.name)-\(i)"]
                }
                if other {
                    item["other"] = ["name": SurveyRun.otherName(q), "id": "q-\(SurveyRun.otherName(q))", "value": run.answers[SurveyRun.otherName(q)] ?? ""]
                }
            default: continue
            }
            questions.append(item.filter { ($0.value as? String) != "" })
        }
        let isLast = !run.mayContinue(after: index)
        let values: [String: Any] = [
            "formTitle": run.form.title ?? study.title, "pageTitle": page.group.flatMap { text($0.labels) } ?? "",
            "questions": questions, "page": index, "revision": c.revision, "position": position, "pages": shown.count,
            "percent": shown.isEmpty ? 0 : Int(Double(position - 1) / Double(shown.count) * 100),
            "canGoBack": run.previousPage(before: index) != nil, "isLast": isLast, "hasErrors": !errors.isEmpty,
            "errorCount": errors.count, "notice": notice ?? "", "token": context.parameters.get("token") ?? "",
            // Until the first page is saved, the page says what answering agrees to; saving it records that consent.
            "consentText": c.startedAt == nil ? ConsentText.study(title: study.title) : "",
        ]
        // Mustache treats "" as a value, so empty texts are left out rather than rendered as empty elements.
        return d.views.page("survey", title: run.form.title ?? study.title, values.filter { ($0.value as? String) != "" }, context: context,
                            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// `${name}` in a label reads the answer, as in XLSForm.
    static func interpolate(_ text: String, _ answers: [String: String]) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { result += rest[start.lowerBound...]; return result }
            result += answers[String(rest[start.upperBound..<end])] ?? ""
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    /// `application/x-www-form-urlencoded` with repeated keys kept (checkboxes).
    static func decodeForm(_ body: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            let key = decode(parts[0])
            result[key, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return result
    }
}

/// Parsed instrument versions, kept in memory: a version never changes once stored. Requests that arrive while a
/// version is being read wait for that one read instead of each parsing the form again.
actor VersionCache {
    private var versions: [UUID: Task<StudyRepository.InstrumentVersion?, any Error>] = [:]

    func version(_ id: UUID, _ studies: StudyRepository) async throws -> StudyRepository.InstrumentVersion? {
        let load = versions[id] ?? Task { try await studies.version(id: id) }
        versions[id] = load
        do {
            guard let v = try await load.value else { versions[id] = nil; return nil }
            return v
        } catch {
            versions[id] = nil
            throw error
        }
    }
}
