import Foundation
import Hummingbird
import PathwaysCore
import PathwaysApp
import PathwaysStore

/// The survey a learner takes from their personal link: one page per group, checked on the server, saved as they
/// go and resumable from the same link, with the study's eligibility screening checked against stored records.
/// The link is the only credential; a link that was never issued gets the same plain 404 as a mistyped one.
struct SurveyPages {
    let dependencies: Dependencies

    func register(on routes: RouteTable) {
        let d = dependencies
        let surveys = d.app.surveys

        routes.get("/s/{token}", access: "anyone with the link") { request, context in
            let (link, opened) = try await surveys.open(token: context.parameters.get("token") ?? "")
            switch opened {
            case .finished(let why): return Self.finishedPage(why, d: d, context: context)
            case .nothingToAnswer: return Self.message(d, context, title: "Nothing to answer", text: "This survey has no questions for you. Thank you.")
            case .page(let run, let page):
                let notice = request.uri.queryParameters.get("notice") == "updated" ? "This survey was changed in another window; here is where it stands now." : nil
                return Self.render(d, context, run: run, page: page, link: link, errors: [:], submitted: nil, notice: notice)
            }
        }

        routes.post("/s/{token}", access: "anyone with the link", body: .surveyPage) { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            let (values, uploads) = try await Forms.surveyPage(request)
            switch try await surveys.submit(token: token, values: values, uploads: uploads) {
            case (_, .saved(let stale)):
                // Back at the question whose answer filtered the choices, when that is why the page was sent.
                let anchor = values["action"]?.first.flatMap { $0.hasPrefix("refresh:") ? String($0.dropFirst(8)) : nil }
                    .map { "#" + Self.fieldID($0) + "-block" } ?? ""
                return Self.redirect("/s/\(token)" + (stale ? "?notice=updated" : "") + anchor)
            case (_, .keptForLater(let notKept, let closesAt)):
                var text = "Your answers so far are saved. To finish, open the link in your invitation again: it brings you back to this page. The survey closes on \(Format.day(closesAt))."
                if !notKept.isEmpty {
                    text += notKept.count == 1 ? " One answer did not pass its check and was not kept; you can give it when you come back."
                        : " \(notKept.count) answers did not pass their checks and were not kept; you can give them when you come back."
                }
                return try Self.message(d, context, title: "Saved for later", text: text).response(from: request, context: context)
            case (let link, .refused(let shown, let page, let errors)):
                return try Self.render(d, context, run: shown, page: page, link: link, errors: errors, submitted: values, notice: nil)
                    .response(from: request, context: context)
            }
        }

        routes.get("/s/{token}/opt-out", access: "anyone with the link") { _, context in
            let link = try await surveys.link(token: context.parameters.get("token") ?? "")
            return d.views.page("optout", title: "Stop messages", [
                "token": context.parameters.get("token") ?? "", "study": link.study.title, "done": link.case.optedOutAt != nil,
            ], context: context)
        }

        routes.post("/s/{token}/opt-out", access: "anyone with the link") { _, context -> SeeOther in
            try await surveys.optOut(token: context.parameters.get("token") ?? "")
            return SeeOther(location: "/s/\(context.parameters.get("token") ?? "")/opt-out")
        }
    }

    /// Pages for a link whose survey is over: done, screened out, opted out or closed.
    static func finishedPage(_ why: SurveyTaking.Finished, d: Dependencies, context: AppContext) -> HTML {
        switch why {
        case .notEligible:
            message(d, context, title: "Thank you", text: "Thank you for your time. This survey is for people whose situation differs from yours, so there is nothing more to answer. Your answers so far are kept.")
        case .submitted:
            message(d, context, title: "Thank you", text: "Your answers are saved. Thank you for taking part; you can close this page.", done: true)
        case .optedOut:
            message(d, context, title: "You have opted out", text: "You will get no more messages about this study.")
        case .closed:
            message(d, context, title: "This survey has closed", text: "Thank you for your interest; this survey no longer takes answers.")
        }
    }

    static func message(_ d: Dependencies, _ context: AppContext, title: String, text: String, done: Bool = false) -> HTML {
        d.views.page("survey_message", title: title, ["heading": title, "text": text, "done": done], context: context)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: rendering

    /// Where a rendered survey page comes from: a case's link, or a researcher's preview that stores nothing.
    struct Frame {
        var language: String
        var studyTitle: String
        var action: String
        var revision: Int
        var consentText: String
        var token: String
        /// The preview's answers so far, carried in the page (a preview has no case to keep them).
        var state: String = ""
        var previewOf: String = ""
        var backToStudy: String = ""
    }

    static func render(_ d: Dependencies, _ context: AppContext, run: SurveyRun, page index: Int, link: SurveyTaking.Link,
                       errors: SurveyRun.PageErrors, submitted: [String: [String]]?, notice: String?) -> HTML {
        let token = context.parameters.get("token") ?? ""
        // Until the first page is saved, the page says what answering agrees to; saving it records that consent.
        let frame = Frame(language: link.language, studyTitle: link.study.title, action: "/s/\(token)", revision: link.case.revision,
                          consentText: link.case.startedAt == nil ? ConsentText.study(title: link.study.title) : "", token: token)
        return render(d, context, run: run, page: index, frame: frame, errors: errors, submitted: submitted, notice: notice)
    }

    static func render(_ d: Dependencies, _ context: AppContext, run: SurveyRun, page index: Int, frame: Frame,
                       errors: SurveyRun.PageErrors, submitted: [String: [String]]?, notice: String?) -> HTML {
        let language = frame.language
        let page = run.pages[index]
        var slot: SurveyRun.Slot?
        func text(_ labels: [String: String]) -> String? {
            let raw = labels[language] ?? labels[""] ?? labels.values.first
            return raw.map { label in interpolate(label) { run.value($0, in: slot) } }
        }
        let shown = run.progressPages(at: index)
        let position = (shown.firstIndex(of: index) ?? 0) + 1
        var questions: [[String: Any]] = []
        let parents = run.choiceParents(on: page)
        let slots = run.displayedSlots(on: page)
        let addable = run.addableRepeats(on: page)
        for (n, current) in slots.enumerated() {
            slot = current
            let q = current.question, key = current.key
            let value = run.answers[key] ?? (submitted == nil ? q.defaultAnswer : nil) ?? ""
            let selected = Set(value.split(separator: " ").map(String.init))
            let id = fieldID(q.name) + (current.instance.map { "-\($0)" } ?? "")
            var item: [String: Any] = [
                "name": key, "id": id, "label": text(q.labels) ?? q.name, "hint": text(q.hints) ?? "",
                "error": errors[key] ?? "", "value": value, "required": q.required != nil,
                "showIf": run.clientCondition(for: q, on: page)?.json ?? "",
                "refreshes": parents.contains(q.name), "refreshName": q.name,
            ]
            // A repeat's instance begins with its heading (and, where the respondent adds them, a way to remove it); its
            // last instance ends with a way to add another.
            if let r = q.repeatName, let i = current.instance {
                let repeatLabel = run.form.question(named: r).flatMap { XLSForm.text($0.labels, language: language) } ?? r
                if n == 0 || slots[n - 1].instance != i || slots[n - 1].question.repeatName != r {
                    item["repeatHeading"] = "\(repeatLabel) \(i)"
                    if addable.contains(where: { $0.name == r }) { item["removeAction"] = "remove:\(r):\(i)"; item["removeLabel"] = "Remove \(repeatLabel) \(i)" }
                }
                if n == slots.count - 1 || slots[n + 1].question.repeatName != r, i == run.instanceCount(r), run.canAddInstance(r) {
                    item["addAction"] = "add:\(r)"; item["addLabel"] = "Add another \(repeatLabel)"
                }
            }
            switch q.type {
            case .note: item["isNote"] = true
            case .integer: item["isInput"] = true; item["inputType"] = "number"; item["inputMode"] = "numeric"; item["step"] = "1"
            case .decimal: item["isInput"] = true; item["inputType"] = "number"; item["inputMode"] = "decimal"; item["step"] = "any"
            default: break
            }
            // A range is a number input with its bounds, said in the hint too (a slider needs a script to show its value).
            if let r = q.range {
                item["min"] = NumberRange.text(r.low); item["max"] = NumberRange.text(r.high); item["step"] = NumberRange.text(r.step)
                item["hint"] = [text(q.hints) ?? "", "A number \(r.words)."].filter { !$0.isEmpty }.joined(separator: " ")
            }
            switch q.type {
            case .integer, .decimal, .note: break
            case .date: item["isInput"] = true; item["inputType"] = "date"
            case .time: item["isInput"] = true; item["inputType"] = "time"
            case .dateTime: item["isInput"] = true; item["inputType"] = "datetime-local"
            case .geopoint:
                item["isInput"] = true; item["inputType"] = "text"; item["inputMode"] = "decimal"
                item["hint"] = [text(q.hints) ?? "", SurveyRun.geopointHint].filter { !$0.isEmpty }.joined(separator: " ")
            case .text:
                if (q.appearance ?? "").contains("multiline") { item["isTextarea"] = true } else { item["isInput"] = true; item["inputType"] = "text" }
            case .upload(let kind):
                // The file given so far is kept until another is chosen or it is removed; a browser cannot show it again.
                item["isFile"] = true; item["accept"] = SurveyUpload.accept(kind) ?? ""
                item["hint"] = [text(q.hints) ?? "", "At most \(SurveyUpload.maxBytes >> 20) MB."].filter { !$0.isEmpty }.joined(separator: " ")
                if !value.isEmpty { item["kept"] = value; item["removeName"] = SurveyRun.removeKey(key); item["removeID"] = "\(id)-remove" }
            case .acknowledge:
                item["isChoices"] = true; item["inputType"] = "checkbox"
                item["choices"] = [["value": "OK", "label": "OK", "checked": value == "OK", "id": "\(id)-ok"]]
            case .selectOne(_, let other), .selectMultiple(_, let other):
                let multiple: Bool = { if case .selectMultiple = q.type { true } else { false } }()
                let choices = run.choices(for: current)
                if !multiple && (q.appearance ?? "").contains("minimal") {
                    item["isDropdown"] = true
                } else {
                    item["isChoices"] = true
                }
                item["inputType"] = multiple ? "checkbox" : "radio"
                item["choices"] = choices.enumerated().map { i, choice -> [String: Any] in
                    ["value": choice.name, "label": text(choice.labels) ?? choice.name, "checked": selected.contains(choice.name), "id": "\(id)-\(i)"]
                }
                if other {
                    item["other"] = ["name": SurveyRun.otherKey(current), "id": "\(id)-other", "value": run.answers[SurveyRun.otherKey(current)] ?? ""]
                }
            default: continue
            }
            questions.append(item.filter { ($0.value as? String) != "" })
        }
        // A repeat with no instance left (all removed) still offers to add one.
        let emptyRepeats: [[String: Any]] = addable.filter { r in run.instanceCount(r.name) == 0 }.map { r in
            let label = XLSForm.text(r.labels, language: language) ?? r.name
            return ["action": "add:\(r.name)", "label": "Add \(label)", "heading": label]
        }
        let isLast = !run.mayContinue(after: index)
        let values: [String: Any] = [
            "formTitle": run.form.title ?? frame.studyTitle, "pageTitle": page.group.flatMap { text($0.labels) } ?? "",
            "questions": questions, "emptyRepeats": emptyRepeats, "page": index,
            "hasFiles": slots.contains { $0.question.type.uploadKind != nil }, "revision": frame.revision, "position": position, "pages": shown.count,
            "percent": shown.isEmpty ? 0 : Int(Double(position - 1) / Double(shown.count) * 100),
            "canGoBack": run.previousPage(before: index) != nil, "isLast": isLast, "hasErrors": !errors.isEmpty,
            "errorCount": errors.count, "notice": notice ?? "", "token": frame.token, "action": frame.action,
            "consentText": frame.consentText, "state": frame.state, "previewOf": frame.previewOf, "backToStudy": frame.backToStudy,
            // A form in several languages is taken in any of them; the case keeps the choice.
            "hasLanguages": run.form.languages.count > 1, "language": frame.previewOf.isEmpty ? "" : language,
            "languages": run.form.languages.map { ["value": $0, "label": $0.isEmpty ? "Default" : $0, "current": $0 == language] },
        ]
        // Mustache treats "" as a value, so empty texts are left out rather than rendered as empty elements.
        return d.views.page("survey", title: run.form.title ?? frame.studyTitle, values.filter { ($0.value as? String) != "" }, context: context,
                            status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// The HTML id of a question's field: `q-name`, a name in two groups (`group/name`) as `q-group--name`, and
    /// nothing but letters, digits, `_`, `-` and `.`.
    static func fieldID(_ name: String) -> String {
        "q-" + name.replacingOccurrences(of: "/", with: "--").filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// `${name}` in a label reads the answer, as in XLSForm: what `value` reads for it (inside a repeat, the
    /// instance's own answer).
    static func interpolate(_ text: String, value: (String) -> String?) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { result += rest[start.lowerBound...]; return result }
            result += value(String(rest[start.upperBound..<end])) ?? ""
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

}
