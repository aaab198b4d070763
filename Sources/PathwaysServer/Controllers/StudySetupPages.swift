import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Setting a study up in pages: a new study and its settings, new waves and their edits until the first
/// invitation, the deployment's contact cap. Each form posts to one use case of `StudyAdministration`; a refusal
/// shows the form again with every problem named by its field.
struct StudySetupPages {
    let dependencies: Dependencies

    struct StudyForm: Decodable {
        var _csrf: String?
        var key: String?
        var title: String?
        var description: String?
        var eligibility_source: String?
        var partial_share: String?

        var input: StudyInput {
            StudyInput(key: key ?? "", title: title ?? "", description: description ?? "", eligibilitySource: eligibility_source ?? "record",
                       partialShare: partial_share ?? "")
        }
    }

    struct WaveForm: Decodable {
        var _csrf: String?
        var number: String?
        var title: String?
        var instrument: String?
        var opens: String?
        var closes: String?
        var frame: String?
        var reminders: String?
        var screen_item: String?
        var eligibility_months: String?
        var message_subject: String?
        var message_body: String?

        var input: WaveInput {
            WaveInput(number: number ?? "", title: title ?? "", instrument: instrument ?? "", opens: opens ?? "", closes: closes ?? "", frame: frame ?? "",
                      reminders: reminders ?? "", screenItem: screen_item ?? "", eligibilityMonths: eligibility_months ?? "",
                      messageSubject: message_subject ?? "", messageBody: message_body ?? "")
        }
    }

    func register(on routes: RouteTable) {
        let d = dependencies
        let admin = d.app.studies

        routes.get("/studies/new", access: "admin, researcher") { _, context in
            _ = try context.require("create studies", AccessPolicy.canRunStudies)
            return Self.studyForm(d, input: StudyInput(key: "", title: "", description: "", eligibilitySource: "record", partialShare: "0.5"),
                                  study: nil, problems: [], context: context)
        }

        routes.post("/studies", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("create studies", AccessPolicy.canRunStudies)
            let form = try await Forms.decode(StudyForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            do {
                let study = try await admin.create(form.input, by: p.userID)
                return Response(status: .seeOther, headers: [.location: "/studies/\(study.key)"])
            } catch UseCaseError.rejected(let problems) {
                return try Self.studyForm(d, input: form.input, study: nil, problems: problems, context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        }

        routes.get("/studies/{study}/settings", access: "admin, researcher") { _, context in
            _ = try context.require("edit studies", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let s = study.settings
            return Self.studyForm(d, input: StudyInput(key: s.key, title: s.title, description: s.description ?? "", eligibilitySource: s.eligibilitySource.rawValue,
                                                       partialShare: String(s.partialShare)), study: study, problems: [], context: context)
        }

        routes.post("/studies/{study}/settings", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("edit studies", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let form = try await Forms.decode(StudyForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            do {
                let edited = try await admin.edit(study, form.input, by: p.userID)
                return Response(status: .seeOther, headers: [.location: "/studies/\(edited.key)"])
            } catch UseCaseError.rejected(let problems) {
                return try Self.studyForm(d, input: form.input, study: study, problems: problems, context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        }

        routes.get("/studies/{study}/waves/new", access: "admin, researcher") { _, context in
            _ = try context.require("create waves", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let waves = try await admin.waves(study)
            let versions = try await admin.versionList(study)
            let latest = versions.last.map { $0.id.uuidString } ?? ""
            let opens = CalendarDay.format(CalendarDay.adding(days: 7, to: Date()))
            let input = WaveInput(number: String((waves.map(\.number).max() ?? 0) + 1), title: "", instrument: latest, opens: opens,
                                  closes: CalendarDay.format(CalendarDay.adding(days: 67, to: Date())), frame: "enrolled in a program", reminders: "7, 14",
                                  screenItem: "", eligibilityMonths: "", messageSubject: "", messageBody: Self.defaultBody)
            return try await Self.waveForm(d, study: study, wave: nil, input: input, problems: [], context: context)
        }

        routes.post("/studies/{study}/waves", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("create waves", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let form = try await Forms.decode(WaveForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            do {
                let wave = try await admin.createWave(study, form.input, by: p.userID)
                return Response(status: .seeOther, headers: [.location: "/studies/\(study.key)/waves/\(wave.number)"])
            } catch UseCaseError.rejected(let problems) {
                return try await Self.waveForm(d, study: study, wave: nil, input: form.input, problems: problems, context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        }

        routes.get("/studies/{study}/waves/{number}/edit", access: "admin, researcher") { _, context in
            _ = try context.require("edit waves", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let wave = try await admin.wave(study, number: Int(context.parameters.get("number") ?? "") ?? -1)
            return try await Self.waveForm(d, study: study, wave: wave, input: WaveInput(wave, instrument: wave.instrumentVersionID.uuidString),
                                           problems: [], context: context)
        }

        routes.post("/studies/{study}/waves/{number}/edit", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("edit waves", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let wave = try await admin.wave(study, number: Int(context.parameters.get("number") ?? "") ?? -1)
            let form = try await Forms.decode(WaveForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            do {
                let edited = try await admin.editWave(study, wave, form.input, by: p.userID)
                return Response(status: .seeOther, headers: [.location: "/studies/\(study.key)/waves/\(edited.number)"])
            } catch UseCaseError.rejected(let problems) {
                return try await Self.waveForm(d, study: study, wave: wave, input: form.input, problems: problems, context: context, status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        }

        // An instrument version as respondents see it, page by page with its logic live; nothing is stored.
        @Sendable func preview(_ request: Request, _ context: AppContext, values: [String: [String]]?, uploads: [SurveyUpload] = []) async throws -> Response {
            _ = try context.require("preview instruments", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            guard let id = UUID(uuidString: context.parameters.get("version") ?? "") else { throw UseCaseError.notFound("There is no such instrument version in this study.") }
            return try await Self.preview(d, request, context, study: study, version: id, values: values, uploads: uploads,
                                          here: "/studies/\(study.key)/instruments/\(id.uuidString)/preview", back: "/studies/\(study.key)")
        }
        routes.get("/studies/{study}/instruments/{version}/preview", access: "admin, researcher") { request, context in
            try await preview(request, context, values: nil)
        }
        routes.post("/studies/{study}/instruments/{version}/preview", access: "admin, researcher", body: .surveyPage) { request, context in
            let (values, uploads) = try await Forms.surveyPage(request)
            try FormCSRF.check(values["_csrf"]?.first, context: context)
            return try await preview(request, context, values: values, uploads: uploads)
        }

        // A test link for colleagues without an account, and a test message to oneself.
        routes.post("/studies/{study}/instruments/{version}/test-link", access: "admin, researcher") { request, context in
            let p = try context.requirePrincipal()
            try await Forms.checkCSRF(request, context: context)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            guard let id = UUID(uuidString: context.parameters.get("version") ?? "") else { throw UseCaseError.notFound("There is no such instrument version in this study.") }
            let path = try await admin.testLink(study, version: id, by: p)
            return AccountLinkPages.page(d, context, title: "Test link",
                                         text: "Anyone with this link can take the instrument as a respondent would, without signing in, for 14 days: no case is made, nothing is stored and no rate counts it. It is shown once.",
                                         link: d.publicURL + path,
                                         back: ("/studies/\(study.key)", "Back to the study"))
        }
        routes.post("/studies/{study}/waves/{number}/test-message", access: "admin, researcher") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            try await Forms.checkCSRF(request, context: context)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let wave = try await admin.wave(study, number: Int(context.parameters.get("number") ?? "") ?? -1)
            try await admin.sendTestMessage(study, wave, to: p)
            return SeeOther(location: "/studies/\(study.key)/waves/\(wave.number)?tested=1")
        }

        // A wave's invitation log: filter, search, download; resend or cancel for one case.
        routes.get("/studies/{study}/waves/{number}/invitations", access: "admin, researcher") { request, context -> Response in
            _ = try context.require("see invitation logs", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let wave = try await admin.wave(study, number: Int(context.parameters.get("number") ?? "") ?? -1)
            let query = request.uri.queryParameters
            if query.get("format") == "csv" {
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(study.key)-wave\(wave.number)-invitations.csv\"",
                                                       .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: try await admin.invitationLogCSV(study, wave))))
            }
            let filter = query.get("state").flatMap { StudyAdministration.logFilters.contains($0) ? $0 : nil }
            let q = Forms.query(request)["q"] ?? ""
            let rows = try await admin.invitationLog(study, wave, filter: filter, search: q)
            let total = filter == nil && q.isEmpty ? rows.count : try await admin.invitationLog(study, wave).count
            let notice = query.get("done").map { $0 == "resend" ? "The invitation was written again with a fresh link." : "That case's messages are cancelled." } ?? ""
            return try d.views.page("invitations", title: "Invitation log: wave \(wave.number)", [
                "studyKey": study.key, "studyTitle": study.title, "number": wave.number, "total": total, "shown": min(rows.count, 200),
                "filtered": filter != nil || !q.isEmpty, "more": rows.count > 200, "q": q, "notice": notice,
                "filters": StudyAdministration.logFilters.map { ["value": $0, "selected": $0 == filter] },
                "rows": rows.prefix(200).map { r -> [String: Any] in
                    ["respondent": r.respondentID, "program": r.program, "disposition": r.disposition, "next": r.next,
                     "messages": r.messages.map { ["kind": $0.kind, "state": $0.state.rawValue, "written": Format.day($0.written), "error": $0.error ?? ""] }]
                },
            ], context: context).response(from: request, context: context)
        }
        // One respondent's answers page by page, by the respondent id: pseudonymous, and audited.
        routes.get("/studies/{study}/waves/{number}/cases/{respondent}", access: "admin, researcher") { _, context -> HTML in
            let p = try context.require("read a respondent's answers", AccessPolicy.canRunStudies)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let wave = try await admin.wave(study, number: Int(context.parameters.get("number") ?? "") ?? -1)
            let c = try await admin.caseAnswers(study, wave, respondent: context.parameters.get("respondent") ?? "", by: p.accountID)
            func when(_ d: Date?) -> String { d.map { Format.day($0) + " " + CareerPages.time($0) + " UTC" } ?? "—" }
            return d.views.page("case_answers", title: "Wave \(wave.number): respondent \(c.respondentID)", [
                "studyKey": study.key, "number": wave.number, "respondent": c.respondentID, "program": c.program, "disposition": c.disposition,
                "opened": when(c.openedAt), "started": when(c.startedAt), "submitted": when(c.submittedAt),
                "share": String(format: "%.0f%%", 100 * c.answeredShare),
                "pages": c.pages.map { page -> [String: Any] in
                    ["number": page.number, "title": page.title,
                     "answers": page.answers.map { ["name": $0.name, "label": $0.label, "answer": $0.answer ?? "", "asked": $0.asked] }]
                },
            ], context: context)
        }
        routes.post("/studies/{study}/waves/{number}/invitations", access: "admin, researcher") { request, context -> SeeOther in
            let p = try context.require("resend or cancel messages", AccessPolicy.canRunStudies)
            struct Form: Decodable { var _csrf: String?; var respondent: String?; var action: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let study = try await admin.study(key: context.parameters.get("study") ?? "")
            let wave = try await admin.wave(study, number: Int(context.parameters.get("number") ?? "") ?? -1)
            let respondent = form.respondent ?? ""
            switch form.action {
            case "resend": try await admin.resend(study, wave, respondent: respondent, by: p.userID)
            case "cancel": try await admin.cancelMessages(study, wave, respondent: respondent, by: p.userID)
            default: throw AppError.badRequest("action: resend or cancel")
            }
            return SeeOther(location: "/studies/\(study.key)/waves/\(wave.number)/invitations?q=\(respondent)&done=\(form.action ?? "")")
        }

        // The deployment's cap on messages to one learner, across every study and event.
        routes.post("/admin/contact-cap", access: "admin") { request, context -> SeeOther in
            let p = try context.require("set the contact cap", AccessPolicy.canSetContactCap)
            struct Form: Decodable { var _csrf: String?; var cap_messages: String?; var cap_days: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            guard let messages = Int(form.cap_messages ?? ""), let days = Int(form.cap_days ?? "") else {
                throw AppError.badRequest("cap_messages and cap_days: whole numbers")
            }
            try await admin.setContactCap(messages: messages, days: days, by: p.userID)
            return SeeOther(location: "/studies")
        }
    }

    static let defaultBody = """
        Dear {{first_name}},

        You are part of the {{study}}. This wave ({{wave}}) takes about 10 minutes. Your answers are confidential and reported only in aggregate.

        Take the survey: {{survey_link}}

        Thank you,
        The research team

        To stop receiving messages about this study: {{opt_out_link}}
        """

    static func studyForm(_ d: Dependencies, input: StudyInput, study: Study?, problems: [FieldProblem], context: AppContext,
                          status: HTTPResponse.Status = .ok) -> HTML {
        d.views.page("study_form", title: study == nil ? "New study" : "Settings: \(study!.title)", [
            "heading": study == nil ? "New study" : "Settings of \(study!.title)", "editing": study != nil,
            "currentKey": study?.key ?? "", "currentTitle": study?.title ?? "",
            "action": study.map { "/studies/\($0.key)/settings" } ?? "/studies", "submit": study == nil ? "Create the study" : "Save",
            "key": input.key ?? "", "title": input.title ?? "", "description": input.description ?? "",
            "sourceRecord": (input.eligibilitySource ?? "record") != EligibilitySource.selfReport.rawValue, "partialShare": input.partialShare ?? "",
            "errors": problems.map(\.description), "hasErrors": !problems.isEmpty,
        ], context: context, status: status)
    }

    static func waveForm(_ d: Dependencies, study: Study, wave: Wave?, input: WaveInput, problems: [FieldProblem], context: AppContext,
                         status: HTTPResponse.Status = .ok) async throws -> HTML {
        let versions = try await d.app.studies.versionList(study)
        return d.views.page("wave_form", title: wave.map { "Edit wave \($0.number)" } ?? "New wave", [
            "studyKey": study.key, "studyTitle": study.title,
            "heading": wave.map { "Edit wave \($0.number): \($0.title)" } ?? "New wave of \(study.title)",
            "action": wave.map { "/studies/\(study.key)/waves/\($0.number)/edit" } ?? "/studies/\(study.key)/waves",
            "submit": wave == nil ? "Create the wave (a draft)" : "Save", "hasVersions": !versions.isEmpty,
            "versions": versions.map { v -> [String: Any] in
                ["id": v.id.uuidString, "label": "\(v.title) (\(v.instrumentKey)) version \(v.number)", "selected": v.id.uuidString == input.instrument]
            },
            "number": input.number ?? "", "title": input.title ?? "", "opens": input.opens ?? "", "closes": input.closes ?? "", "frame": input.frame ?? "",
            "reminders": input.reminders ?? "", "screenItem": input.screenItem ?? "", "eligibilityMonths": input.eligibilityMonths ?? "",
            "messageSubject": input.messageSubject ?? "", "messageBody": input.messageBody ?? "",
            "mergeFields": MessageTemplate.fields.map { ["code": "{{\($0.name)}}", "meaning": $0.meaning] },
            "errors": problems.map(\.description), "hasErrors": !problems.isEmpty,
        ], context: context, status: status)
    }
    /// One step of an instrument's preview, for a signed-in researcher or a test link (`back`: nil, since a test
    /// link's holder has no study page to go back to).
    static func preview(_ d: Dependencies, _ request: Request, _ context: AppContext, study: Study, version id: UUID,
                        values: [String: [String]]?, uploads: [SurveyUpload] = [], here: String, back: String?) async throws -> Response {
        let (version, step, language) = try await d.app.studies.preview(study, version: id, values: values, uploads: uploads)
        switch step {
        case .finished(let run):
            return try d.views.page("preview_done", title: "End of the preview", [
                "studyKey": study.key, "studyTitle": study.title, "instrument": "\(version.instrumentKey) v\(version.number)", "again": here,
                "back": back ?? "", "answers": run.answers.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
            ], context: context).response(from: request, context: context)
        case .page(let run, let page, let errors, let submitted):
            let frame = SurveyPages.Frame(language: language, studyTitle: study.title, action: here, revision: 0,
                                          consentText: ConsentText.study(title: study.title), token: "",
                                          state: StudyAdministration.encodeState(run.answers),
                                          previewOf: "\(version.instrumentKey) version \(version.number)", backToStudy: back ?? "")
            return try SurveyPages.render(d, context, run: run, page: page, frame: frame, errors: errors, submitted: submitted, notice: nil)
                .response(from: request, context: context)
        }
    }
}
