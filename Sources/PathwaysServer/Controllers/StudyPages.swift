import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Studies for the people who run them: waves with their frames, messages and AAPOR rates as they come in,
/// the panel's paths across waves, and the instruments as XLSForm files.
struct StudyPages {
    let dependencies: Dependencies

    struct PolicyForm: Decodable {
        var _csrf: String?
        var policy: String?
    }

    static func mayRun(_ p: Principal) -> Bool { AccessPolicy.canRunStudies(p) }

    func register(on routes: RouteTable) {
        let d = dependencies

        routes.get("/studies", access: "admin, researcher") { _, context in
            _ = try context.require("see studies", Self.mayRun)
            let p = try context.requirePrincipal()
            let studies = try await d.app.studies.all()
            let cap = try await d.app.studies.contactCap()
            return d.views.page("studies", title: "Studies", [
                "studies": studies.map { ["key": $0.key, "title": $0.title, "description": $0.description ?? ""] },
                "capMessages": cap.messages, "capDays": cap.days, "canSetCap": AccessPolicy.canSetContactCap(p),
            ], context: context)
        }

        routes.get("/studies/{study}", access: "admin, researcher") { request, context in
            _ = try context.require("see studies", Self.mayRun)
            let study = try await Self.study(d, context)
            var upload: [String: Any] = [:]
            if let stored = request.uri.queryParameters.get("stored").flatMap(UUID.init(uuidString:)),
               let v = try await d.studies.versions(study: study).first(where: { $0.id == stored }) {
                upload["notice"] = request.uri.queryParameters.get("unchanged") == "1"
                    ? "The form is the same as \(v.instrumentKey) version \(v.number); no new version was made."
                    : "Stored \(v.instrumentKey) version \(v.number)."
            }
            let added = request.uri.queryParameters.get("outcomes").flatMap { Int($0) }
            return try await Self.renderStudy(d, study: study, upload: upload, context: context,
                                              outcomesNotice: added.map { "Recorded \($0) new career outcome\($0 == 1 ? "" : "s") from the answers." })
        }

        // The follow-up answers' promotions, raises, bonuses and new jobs as career outcomes per program.
        routes.post("/studies/{study}/career-outcomes", access: "admin, researcher") { request, context -> SeeOther in
            let p = try context.require("record career outcomes", Self.mayRun)
            let study = try await Self.study(d, context)
            struct Form: Decodable { var _csrf: String? }
            try FormCSRF.check(try await Forms.decode(Form.self, from: request)._csrf, context: context)
            let added = try await d.app.outcomes.fromSurvey(study: study.key, by: p)
            return SeeOther(location: "/studies/\(study.key)?outcomes=\(added)#career-outcomes")
        }

        // What a learner's withdrawal does to this study's data, as its protocol says.
        routes.post("/studies/{study}/withdrawal-policy", access: "admin") { request, context -> SeeOther in
            let p = try context.require("set a study's withdrawal policy", AccessPolicy.canSetWithdrawalPolicy)
            let study = try await Self.study(d, context)
            let form = try await Forms.decode(PolicyForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            try await d.app.studies.setWithdrawalPolicy(study, form.policy, by: p)
            return SeeOther(location: "/studies/\(study.key)")
        }

        // A new version of an instrument from an XLSForm workbook. Renames carry a question's data over to its new name.
        routes.post("/studies/{study}/instruments", access: "admin, researcher", body: .upload) { request, context -> Response in
            let p = try context.require("run studies", Self.mayRun)
            let study = try await Self.study(d, context)
            let upload = try await Forms.upload(request, context: context, fileField: "file")
            try FormCSRF.check(upload.fields["_csrf"], context: context)
            let problems: [String]
            do {
                let stored = try await d.app.studies.upload(study: study, key: upload.fields["instrument"] ?? "", title: upload.fields["title"],
                                                            workbook: upload.file.map { Data(buffer: $0) }, fileName: upload.fileName,
                                                            renames: upload.fields["renames"], note: upload.fields["note"], by: p.userID)
                return Response(status: .seeOther, headers: [.location: "/studies/\(study.key)?stored=\(stored.version.id.uuidString)\(stored.unchanged ? "&unchanged=1" : "")"])
            } catch UseCaseError.rejected(let found) {
                problems = found.map { $0.field == "file" ? $0.message : "\($0.field.capitalized)\($0.message.hasPrefix("line ") ? "," : ":") \($0.message)." }
            }
            let key = (upload.fields["instrument"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            let values: [String: Any] = [
                "errors": problems, "instrument": key, "title": upload.fields["title"] ?? "", "renames": upload.fields["renames"] ?? "",
                "note": upload.fields["note"] ?? "",
            ]
            return try await Self.renderStudy(d, study: study, upload: values, context: context, status: .unprocessableContent)
                .response(from: request, context: context)
        }

        routes.get("/studies/{study}/waves/{number}", access: "admin, researcher") { request, context in
            let p = try context.require("see studies", Self.mayRun)
            let study = try await Self.study(d, context)
            let wave = try await Self.wave(d, study, context)
            var extra: [String: Any] = [:]
            if let n = request.uri.queryParameters.get("imported").flatMap(Int.init) {
                extra["importNotice"] = "\(n) complete interviews stored from the file."
            }
            if request.uri.queryParameters.get("tested") == "1" {
                extra["testNotice"] = "A test message is in the outbox for \(p.email). Its link opens the survey as a test: no case, no rate."
            }
            return try await Self.renderWave(d, study: study, wave: wave, principal: p, context: context, extra: extra)
        }

        // Responses of a wave fielded in another tool, from its CSV export; all or nothing.
        routes.post("/studies/{study}/waves/{number}/responses", access: "admin, researcher", body: .upload) { request, context -> Response in
            let p = try context.require("import responses", Self.mayRun)
            let study = try await Self.study(d, context)
            let wave = try await Self.wave(d, study, context)
            let upload = try await Forms.upload(request, context: context, fileField: "file")
            try FormCSRF.check(upload.fields["_csrf"], context: context)
            guard let file = upload.file, file.readableBytes > 0 else { throw AppError.badRequest("file: choose the CSV export of the wave's responses") }
            let report = try await d.app.studies.importResponses(study, wave, text: String(buffer: file), file: upload.fileName ?? "responses.csv", by: p.userID)
            if report.stored {
                return Response(status: .seeOther, headers: [.location: "/studies/\(study.key)/waves/\(wave.number)?imported=\(report.interviews)#responses"])
            }
            return try await Self.renderWave(d, study: study, wave: wave, principal: p, context: context,
                                             extra: ["importErrors": report.problems.map(\.description), "hasImportErrors": true], status: .unprocessableContent)
                .response(from: request, context: context)
        }

        routes.post("/studies/{study}/waves/{number}", access: "admin, researcher") { request, context -> SeeOther in
            let p = try context.require("run studies", Self.mayRun)
            struct Form: Decodable { var _csrf: String?; var action: String; var e: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let study = try await Self.study(d, context)
            let wave = try await Self.wave(d, study, context)
            switch form.action {
            case "frame": _ = try await d.app.studies.computeFrame(study, wave, by: p.userID)
            case "launch": _ = try await d.app.studies.launch(study, wave, by: p.userID)
            case "pause": _ = try await d.app.studies.pause(study, wave, by: p.userID)
            case "close": _ = try await d.app.studies.close(study, wave, by: p.userID)
            case "plan": try await d.app.fieldwork.plan()
            case "e":
                let text = (form.e ?? "").trimmingCharacters(in: .whitespaces)
                let value: Double?
                if text.isEmpty { value = nil } else {
                    guard let v = Double(text), (0...1).contains(v) else { throw AppError.badRequest("e must be a number between 0 and 1, or empty to estimate it") }
                    value = v
                }
                try await d.studies.setEligibilityOverride(wave: wave, value)
            default:
                throw AppError.badRequest("unknown action \(form.action)")
            }
            return SeeOther(location: "/studies/\(study.key)/waves/\(wave.number)")
        }

        routes.get("/studies/{study}/panel", access: "admin, researcher") { request, context in
            _ = try context.require("see studies", Self.mayRun)
            let study = try await Self.study(d, context)
            let waves = try await d.studies.waves(study: study)
            // Only what can be compared is offered: a question asked in both waves of a pair, by its label.
            let panel = PanelAnalysis(store: d.store)
            let comparisons = try await panel.comparisons(study: study)
            let query = request.uri.queryParameters
            let chosen = query.get("comparison").flatMap { Panel.Comparison(code: $0, among: comparisons) }
                ?? query.get("item").flatMap { item in
                    Panel.Comparison(code: "\(item):\(query.get("from") ?? ""):\(query.get("to") ?? "")", among: comparisons)
                }
            var change: [String: Any]?
            var changeError = ""
            if let chosen {
                do {
                    let c = try await panel.change(study: study, item: chosen.item, from: chosen.from, to: chosen.to)
                    let test = c.statistic.map { String(format: "%@: χ² = %.3f, df = %d, p = %.4g.", (c.levels.count == 2 ? "McNemar's test" : "Bowker's test of symmetry") as NSString, $0, c.df ?? 0, c.p ?? .nan) }
                        ?? "No test: a pair of opposite changes has no learners."
                    change = ["fromWave": c.fromWave, "toWave": c.toWave, "labels": c.labels, "n": c.n, "unchanged": c.unchanged, "test": test,
                              "rows": c.labels.enumerated().map { i, label -> [String: Any] in
                                  let total = c.counts[i].reduce(0, +)
                                  return ["label": label, "total": total, "cells": c.counts[i].map { n in
                                      total > 0 ? "\(n) (\(Int((100 * Double(n) / Double(total)).rounded()))%)" : "0" }]
                              }]
                } catch UseCaseError.invalid(let message) {
                    changeError = message
                }
            }
            let attritionRows = Panel.attrition(try await d.fieldwork.panelCases(study: study))
            // Retention drawn per program: of its first-wave respondents, how many still answer each later wave.
            let retentionGroups = Panel.retention(attritionRows).map { r in
                CountBars.Group(label: r.program, bars: [("First-wave respondents", r.firstWaveRespondents)]
                                    + r.stillResponding.map { ("Wave \($0.wave) still answering", $0.count) })
            }
            let attrition = attritionRows.map { r -> [String: Any] in
                ["wave": r.wave, "program": r.program.isEmpty ? "All programs" : r.program, "cases": r.cases, "respondents": r.respondents,
                 "cohort": r.firstWaveRespondents, "inFrame": r.stillInFrame, "responding": r.stillResponding,
                 "retention": r.retention.map { String(format: "%.1f%%", 100 * $0) } ?? "—"]
            }
            let paths = try await d.fieldwork.panelPaths(study: study)
            // The funnel: in each wave's frame, and answered (complete or partial).
            let (funnelRows, allAnswered) = Panel.funnel(paths: paths, waves: waves.map(\.number))
            let titles = Dictionary(waves.map { ($0.number, $0.title) }, uniquingKeysWith: { a, _ in a })
            let funnel: [[String: Any]] = funnelRows.map {
                ["number": $0.wave, "title": titles[$0.wave] ?? "", "frame": $0.inFrame, "answered": $0.answered, "complete": $0.complete]
            }
            let funnelChart = CountBars.svg(funnelRows.map { w in
                CountBars.Group(label: "Wave \(w.wave)", bars: [("In the frame", w.inFrame), ("Answered", w.answered), ("Complete", w.complete)])
            }, description: "Funnel: for each wave, learners in the frame, answering (complete or partial) and complete")
            let retentionChart = CountBars.svg(retentionGroups, description: "Retention by program: first-wave respondents and how many answered each later wave")
            return d.views.page("panel", title: "\(study.title): panel", [
                "funnelChart": funnelChart ?? "", "retentionChart": retentionChart ?? "",
                "key": study.key, "title": study.title, "funnel": funnel, "allAnswered": allAnswered, "attrition": attrition,
                "comparisons": comparisons.map { ["code": $0.code, "label": "\($0.label) — wave \($0.from) to wave \($0.to)", "selected": $0 == chosen] },
                "hasComparisons": !comparisons.isEmpty, "change": change ?? false, "changeError": changeError,
                "waveHeads": waves.map { ["number": $0.number] },
                "paths": paths.prefix(40).map { path -> [String: Any] in
                    ["cells": waves.map { w -> [String: Any] in
                        let code = path.path[w.number] ?? ""
                        return ["label": code.isEmpty ? "—" : (Disposition(rawValue: code)?.label ?? code)]
                    }, "learners": path.learners]
                },
            ], context: context)
        }

        // A wave's descriptive tables with charts; ?format=md|csv|json|html downloads the same report.
        routes.get("/studies/{study}/waves/{number}/report", access: "admin, researcher") { request, context -> Response in
            _ = try context.require("see studies", Self.mayRun)
            let study = try await Self.study(d, context)
            let wave = try await Self.wave(d, study, context)
            guard let version = try await d.versionCache.version(wave.instrumentVersionID, d.studies) else {
                throw AppError.notFound("The wave's instrument version is missing.")
            }
            let query = request.uri.queryParameters
            let by = query.get("by").flatMap { $0.isEmpty ? nil : $0 }
            let groupings = [(value: "", label: "Nothing")] + WaveReporting.groupings(version.form)
            guard let minCell = Int(query.get("min_cell") ?? "10") else { throw AppError.badRequest("min_cell: a whole number from 0 to 1000.") }
            let format = query.get("format") ?? "page"
            guard format == "page" || WaveReporting.Format(rawValue: format) != nil else { throw AppError.badRequest("format: md, csv, json or html.") }
            let rake = query.getAll("rake").filter { !$0.isEmpty }
            var options = WaveReporting.Options(by: by, minCell: minCell, rake: rake)
            let trimText = query.get("trim").flatMap { $0.isEmpty ? nil : $0 }
            if let trimText {
                guard let trim = Double(trimText) else { throw AppError.badRequest("trim: a number of times the mean weight, e.g. 3.5.") }
                options.trim = trim
            }
            let report = try await d.app.reporting.report(study: study, wave: wave, version: version, options: options)
            let file = "\(study.key)-wave\(wave.number)-report"
            if let download = WaveReporting.Format(rawValue: format) {
                return Response(status: .ok, headers: [.contentType: download.contentType, .contentDisposition: "attachment; filename=\"\(file).\(download.rawValue)\""],
                                body: .init(byteBuffer: ByteBuffer(string: try download.render(report))))
            }
            var params = "min_cell=\(minCell)" + rake.map { "&rake=\($0)" }.joined() + (options.trim.map { "&trim=\(NumberRange.text($0))" } ?? "")
            if let by { params += "&by=\(by.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? by)" }
            let base = "/studies/\(study.key)/waves/\(wave.number)/report?\(params)&format="
            let downloads = [("html", "HTML"), ("md", "Markdown"), ("csv", "CSV"), ("json", "JSON")].enumerated().map { i, f -> [String: Any] in
                ["href": base + f.0, "label": f.1, "last": i == 3]
            }
            return try d.views.page("report", title: "Report: \(study.title), wave \(wave.number)", [
                "studyKey": study.key, "studyTitle": study.title, "number": wave.number, "heading": "Wave \(wave.number): \(wave.title) — report",
                "groupings": groupings.map { ["value": $0.value, "label": $0.label, "selected": $0.value == (by ?? "")] },
                "minCell": minCell, "trim": options.trim.map { NumberRange.text($0) } ?? "", "downloads": downloads, "body": report.htmlBody(),
                "characteristics": FieldworkRepository.frameCharacteristics.map { ["name": $0, "label": $0.replacingOccurrences(of: "_", with: " "), "checked": rake.contains($0)] },
            ], context: context).response(from: request, context: context)
        }

        // De-identified respondent-level data as a zip (wide and long CSV, dictionary, R and Stata scripts); audited.
        routes.post("/studies/{study}/waves/{number}/export", access: "admin, researcher") { request, context -> Response in
            let p = try context.require("export respondent data", Self.mayRun)
            struct Form: Decodable { var _csrf: String?; var include_text: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            let study = try await Self.study(d, context)
            let wave = try await Self.wave(d, study, context)
            let export = try await RespondentExports(store: d.store).exportWide(study: study, wave: wave, includeText: form.include_text == "yes",
                                                                             by: p.userID)
            return Response(status: .ok, headers: [
                .contentType: "application/zip",
                .contentDisposition: "attachment; filename=\"\(study.key)-wave\(wave.number)-respondents.zip\"",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: try export.zip())))
        }

        routes.get("/studies/{study}/instruments/{version}/xlsform.xlsx", access: "admin, researcher") { _, context -> Response in
            _ = try context.require("see studies", Self.mayRun)
            let study = try await Self.study(d, context)
            guard let id = UUID(uuidString: context.parameters.get("version") ?? ""),
                  let version = try await d.studies.version(id: id),
                  try await d.studies.versions(study: study).contains(where: { $0.id == id })
            else { throw AppError.notFound("There is no such instrument version in this study.") }
            let data = try version.form.xlsx()
            return Response(status: .ok, headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .contentDisposition: "attachment; filename=\"\(version.instrumentKey)-v\(version.number).xlsx\"",
            ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    static func renderStudy(_ d: Dependencies, study: StudyRepository.Study, upload: [String: Any], context: AppContext,
                            status: HTTPResponse.Status = .ok, outcomesNotice: String? = nil) async throws -> HTML {
        var waves: [[String: Any]] = []
        for wave in try await d.studies.waves(study: study) {
            let progress = try await d.fieldwork.progress(wave: wave.id)
            let counts = OutcomeRates.Counts(try await d.fieldwork.dispositions(study: study, wave: wave.id, byProgram: false)[""] ?? [:])
            let rates = OutcomeRates(counts, eOverride: wave.eligibilityOverride)
            waves.append([
                "number": wave.number, "title": wave.title, "opens": Format.day(wave.opensAt), "closes": Format.day(wave.closesAt),
                "frame": wave.frameComputedAt == nil ? "not computed" : String(progress.frame), "completes": counts.interviews,
                "rr2": Format.rate(rates.rr2), "status": WaveLifecycle.status(try await d.app.studies.facts(wave), opensAt: wave.opensAt, now: Date()),
            ])
        }
        let history = try await d.app.studies.versionHistory(study)
        let versions = history.map(\.version)
        return d.views.page("study", title: study.title, [
            "key": study.key, "title": study.title, "description": study.description ?? "", "waves": waves,
            "partialShare": String(format: "%.0f%%", study.partialShare * 100),
            "withdrawalPolicy": try await d.privacy.policy(study: study.id).label,
            "policies": try await { let current = try await d.privacy.policy(study: study.id)
                return WithdrawalPolicy.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0 == current] } }(),
            "canSetPolicy": AccessPolicy.canSetWithdrawalPolicy(try context.requirePrincipal()),
            "eligibilitySource": study.eligibilitySource == .record ? "the learner's records" : "the learner's answer",
            "versions": history.map { h -> [String: Any] in
                let v = h.version
                return ["id": v.id.uuidString, "instrument": v.instrumentKey, "title": v.title, "number": v.number, "created": Format.day(v.createdAt),
                        "changes": h.changes, "hasChanges": !h.changes.isEmpty, "later": v.number > 1]
            },
            "instruments": Array(Set(versions.map(\.instrumentKey))).sorted(),
            // Every field named, even empty, so the form never picks up the study's own title and the like.
            "upload": ["instrument": "", "title": "", "renames": "", "note": "", "errors": [String](), "notice": ""].merging(upload) { $1 },
            "hasErrors": !((upload["errors"] as? [String]) ?? []).isEmpty,
            "outcomeItems": SurveyOutcomeMapping.followUp.items.joined(separator: ", "), "outcomesNotice": outcomesNotice ?? "",
        ], context: context, status: status)
    }

    static func study(_ d: Dependencies, _ context: AppContext) async throws -> StudyRepository.Study {
        guard let study = try await d.studies.study(key: context.parameters.get("study") ?? "") else { throw AppError.notFound("There is no such study.") }
        return study
    }

    static func wave(_ d: Dependencies, _ study: StudyRepository.Study, _ context: AppContext) async throws -> StudyRepository.Wave {
        guard let n = Int(context.parameters.get("number") ?? ""), let wave = try await d.studies.wave(study: study, number: n) else {
            throw AppError.notFound("There is no such wave.")
        }
        return wave
    }

    static func rateRows(_ rates: OutcomeRates) -> [[String: Any]] {
        rates.all.map { ["name": $0.name, "value": Format.rate($0.value)] }
    }

    static func renderWave(_ d: Dependencies, study: StudyRepository.Study, wave: StudyRepository.Wave, principal: Principal, context: AppContext,
                           extra: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> HTML {
        let progress = try await d.fieldwork.progress(wave: wave.id)
        let frame = try await d.fieldwork.frameCounts(study: study, wave: wave)
        let messages = try await d.outbox.counts(wave: wave.id)
        let byProgram = try await d.fieldwork.dispositions(study: study, wave: wave.id, byProgram: true)
        // The wave's totals are the programs' added up; no second query.
        let overall = byProgram.values.reduce(into: [Disposition: Int]()) { total, part in total.merge(part, uniquingKeysWith: +) }
        let counts = OutcomeRates.Counts(overall)
        let rates = OutcomeRates(counts, eOverride: wave.eligibilityOverride)
        let version = try await d.versionCache.version(wave.instrumentVersionID, d.studies)
        let studyWide = OutcomeRates(OutcomeRates.Counts(try await d.fieldwork.dispositions(study: study, wave: nil, byProgram: false)[""] ?? [:]))
        let facts = try await d.app.studies.facts(wave)
        let now = Date()
        let actions = Set(WaveLifecycle.available(facts, now: now))
        let preview = try await d.app.studies.framePreview(study, wave)
        let message = try await d.app.studies.previewMessage(study, wave, showName: AccessPolicy.canSeeIdentifiers(principal))
        let timeline = ResponseTimeline.svg(try await d.fieldwork.dailyActivity(wave: wave.id))
        let values: [String: Any] = [
            "timeline": timeline ?? "",
            "studyKey": study.key, "studyTitle": study.title, "number": wave.number, "title": wave.title,
            "status": WaveLifecycle.status(facts, opensAt: wave.opensAt, now: now), "opens": Format.day(wave.opensAt), "closes": Format.day(wave.closesAt),
            "canEdit": actions.contains(.edit), "canLaunch": actions.contains(.launch), "canPause": actions.contains(.pause),
            "canClose": actions.contains(.close), "paused": wave.state == .paused, "isDraft": wave.state == .draft,
            "inField": wave.state == .launched && now < wave.closesAt,
            "hasExamples": !preview.examples.isEmpty,
            "examples": preview.examples.map { ["pseudonym": $0.pseudonym, "program": $0.program, "country": $0.country] },
            "previewSubject": message.subject, "previewBody": message.body, "previewFor": message.pseudonym ?? "",
            "importErrors": [String](), "importNotice": "",
            "rule": wave.frameRule.description, "reminders": wave.reminderDays.isEmpty ? "none" : wave.reminderDays.map { "day \($0)" }.joined(separator: ", "),
            "screen": wave.screenItem.map { item in "\(item), checked against a completion at least \(wave.eligibilityMonths ?? 0) months before answering" } ?? "",
            "instrument": version.map { "\($0.instrumentKey) v\($0.number)" } ?? "?", "versionID": wave.instrumentVersionID.uuidString,
            "frameComputed": wave.frameComputedAt != nil, "frameAt": Format.day(wave.frameComputedAt), "canRecompute": actions.contains(.computeFrame),
            "frame": frame.cases, "withoutEmail": frame.withoutEmail,
            "frameByProgram": frame.byProgram.map { ["program": $0.program, "cases": $0.cases] },
            "invited": progress.invited, "reminded": progress.reminded, "opened": progress.opened, "started": progress.started,
            "submitted": progress.submitted, "optedOut": progress.optedOut, "conflicts": progress.eligibilityConflicts,
            "sent": messages.sent, "pending": messages.pending + messages.sending, "failed": messages.failed,
            "dispositions": Disposition.allCases.map { ["code": $0.rawValue, "label": $0.label, "n": overall[$0] ?? 0] },
            "rates": rateRows(rates), "e": Format.rate(rates.e), "eSource": rates.eSource.rawValue,
            "eOverride": wave.eligibilityOverride.map { String($0) } ?? "",
            "studyRates": rateRows(studyWide),
            "programs": byProgram.keys.sorted().map { program -> [String: Any] in
                let c = OutcomeRates.Counts(byProgram[program] ?? [:])
                let r = OutcomeRates(c, eOverride: wave.eligibilityOverride)
                return ["program": program, "cases": c.total, "complete": c.interviews, "partial": c.partials, "rr2": Format.rate(r.rr2),
                        "rr4": Format.rate(r.rr4), "coop2": Format.rate(r.coop2), "con2": Format.rate(r.con2)]
            },
        ]
        return d.views.page("wave", title: "\(study.title): wave \(wave.number)", values.merging(extra) { $1 }, context: context, status: status)
    }
}

extension OutcomeRates.Counts {
    init(_ byDisposition: [Disposition: Int]) {
        self.init()
        for (d, n) in byDisposition { add(d, count: n) }
    }
}

extension Format {
    static func rate(_ r: Double?) -> String {
        guard let r else { return "—" }
        return String(format: "%.1f%%", r * 100)
    }
}
