import Foundation
@testable import PathwaysCore
import Testing

/// The weighted export is enough for R: from respondents.csv, frame-margins.csv and weights.R alone, R's survey
/// package rakes to the same weights and reproduces every weighted percent, standard error and design effect the
/// report prints, to a relative 1e-9 — for a question asked of everyone and for one asked of some (a domain).
@Suite struct WeightedExportTests {
    static let n = 300

    func frame() -> [FrameWeighting.Member] {
        (0..<Self.n).map { i in
            let gender = ["woman", "man", "another"][(i * 7 + i / 13) % 3 == 2 && i % 5 != 0 ? 0 : (i * 7 + i / 13) % 3]
            let kind = ["MicroBachelors", "MicroMasters", "Specialization", "Professional Certificate"][(i * 5 + i / 7) % 4]
            return .init(responded: (i * 11 + i / 3) % 5 < 2 || i % 17 == 0, traits: ["gender": gender, "program_kind": kind])
        }
    }

    func answers(_ i: Int) -> [String: String] {
        var a = ["employed": ["yes", "no", "yes", "yes", "no", "unsure"][(i * 3 + i / 4) % 6]]
        if a["employed"] == "yes" { a["raise"] = i % 3 == 0 ? "no" : "yes" }
        return a
    }

    @Test(.timeLimit(.minutes(2)), arguments: [nil, 1.1]) func rReproducesEveryWeightedFigureFromTheExportAlone(trim: Double?) throws {
        let form = try XLSForm(survey: try XLSFormSheet.csv("""
            type,name,label,relevant
            select_one ynu,employed,Are you employed?,
            select_one yn,raise,Did you get a raise?,${employed} = 'yes'
            """, name: "survey"), choices: try XLSFormSheet.csv("""
            list_name,name,label
            ynu,yes,Yes
            ynu,no,No
            ynu,unsure,Not sure
            yn,yes,Yes
            yn,no,No
            """, name: "choices"))
        let frame = frame()
        let margins = ["gender", "program_kind"]
        let weighting = try FrameWeighting.weigh(frame: frame, margins: margins, characteristics: margins, trim: trim).weighting
        #expect(trim == nil || (weighting.trim?.capped ?? 0) > 0, "the trim caps some weights: \(String(describing: weighting.trim))")
        #expect(weighting.raking.converged)
        let members = frame.indices.filter { frame[$0].responded }
        var tabulation = Tabulation(form: form, respondents: members.map(answers), today: Date())
        tabulation.weighting = weighting
        let report = Report(title: "w", tabulation: tabulation, suppression: nil)

        let respondents = members.enumerated().map { k, i in
            var r = RespondentExport.Respondent(id: "r\(i)", answers: answers(i))
            r.disposition = "complete"
            r.weight = weighting.raking.weights[k]
            r.frame = frame[i].traits
            return r
        }
        let totals = margins.map { name in
            (name: name, totals: Dictionary(grouping: frame, by: { $0.traits[name]! }).map { (category: $0.key, total: Double($0.value.count)) }
                .sorted { $0.category < $1.category })
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weighted-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = [("respondents.csv", RespondentExport.wide(form, respondents: respondents, today: Date(), design: .init(margins: margins)))]
            + RespondentExport.designFiles(margins: totals, frameSize: frame.count, trim: trim)
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }

        // R, from the files alone: rake again (weights.R stops unless its weights are the exported ones), then each
        // option's share among those asked and answering, with its SE and design effect.
        let output = try runR("""
            setwd(\("\"" + folder.path + "\""))
            source("weights.R")
            for (q in c("employed", "raise")) {
              s <- subset(design, !is.na(design$variables[[q]]))
              for (o in sort(unique(na.omit(design$variables[[q]])))) {
                # A raked design's subset keeps every row, those outside it at weight 0.
                s$variables$.y <- as.numeric(!is.na(s$variables[[q]]) & s$variables[[q]] == o)
                m <- svymean(~.y, s, deff = TRUE)
                cat(q, o, sprintf("%.17g %.17g %.17g", coef(m), SE(m), deff(m)), "\\n")
              }
            }
            """)
        var compared = 0
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 5, let p = Double(parts[2]), let se = Double(parts[3]), let deff = Double(parts[4]) else { continue }
            let table = try #require(report.tables.first { $0.item == parts[0] })
            let row = try #require(table.rows.first { $0.name == parts[1] })
            #expect(agree((row.percent ?? .nan) / 100, p), "\(parts[0]) = \(parts[1]): \(row.percent ?? .nan)% vs R \(p)")
            #expect(agree((row.se ?? .nan) / 100, se), "\(parts[0]) = \(parts[1]): SE \(row.se ?? .nan) vs R \(se)")
            #expect(agree(row.deff ?? .nan, deff), "\(parts[0]) = \(parts[1]): deff \(row.deff ?? .nan) vs R \(deff)")
            compared += 1
        }
        // Every weighted row of the report was compared: three options asked of all, two of those employed.
        #expect(compared == 5 && report.tables.flatMap(\.rows).filter { $0.se != nil }.count == 5, "\(output)")
    }
}
