import Foundation
import PathwaysCore
import SQLKit

/// Studies, their instruments (versioned XLSForms whose questions keep a stable identity) and waves.
public struct StudyRepository: Sendable {
    let store: Store
    var db: any SQLDatabase { store.sql }

    public init(store: Store) { self.store = store }

    // MARK: types

    public typealias EligibilitySource = PathwaysCore.EligibilitySource
    public typealias Study = PathwaysCore.Study
    public typealias InstrumentVersion = PathwaysCore.InstrumentVersion
    public typealias Wave = PathwaysCore.Wave

    public typealias NewWave = WaveSettings

    // MARK: studies

    public func create(key: String, title: String, description: String? = nil, eligibilitySource: EligibilitySource = .record,
                       partialShare: Double = 0.5) async throws -> Study {
        let study = Study(id: UUID(), key: key, title: title, description: description, eligibilitySource: eligibilitySource, partialShare: partialShare)
        try await db.raw("""
            INSERT INTO studies (id, study_key, title, description, eligibility_source, partial_share, created_at)
            VALUES (\(bind: study.id), \(bind: key), \(bind: title), \(bind: description), \(bind: eligibilitySource.rawValue), \(bind: partialShare), \(bind: Date()))
            """).run()
        return study
    }

    /// Stores a study's edited settings (its key included; its waves and data stay).
    public func update(_ study: Study) async throws {
        try await db.raw("""
            UPDATE studies SET study_key = \(bind: study.key), title = \(bind: study.title), description = \(bind: study.description),
                   eligibility_source = \(bind: study.eligibilitySource.rawValue), partial_share = \(bind: study.partialShare)
            WHERE id = \(bind: study.id)
            """).run()
    }

    public func studies() async throws -> [Study] {
        try await db.raw("SELECT * FROM studies ORDER BY study_key").all().map(Self.study)
    }

    public func study(key: String) async throws -> Study? {
        try await db.raw("SELECT * FROM studies WHERE study_key = \(bind: key)").first().map(Self.study)
    }

    public func study(id: UUID) async throws -> Study? {
        try await db.raw("SELECT * FROM studies WHERE id = \(bind: id)").first().map(Self.study)
    }

    // MARK: instruments

    /// Stores `form` as the next version of the study's instrument `key` (creating the instrument on first use).
    ///
    /// Each stored question is tied to a study item, its identity across versions and waves: `renames` (new name →
    /// old name) carries an item over a rename; otherwise a question keeps the item its name had in the previous
    /// version, or the study's item of that name (so a panel question asked by two instruments is one item).
    /// A form identical to the latest version is not stored again; that version comes back.
    public func addVersion(study: Study, instrumentKey: String, title: String, form: XLSForm, renames: [String: String] = [:],
                           note: String? = nil, userID: UUID? = nil) async throws -> InstrumentVersion {
        let files = form.csvFiles()
        let digest = sha256Hex(files["survey.csv"]! + "\u{0}" + (files["choices.csv"] ?? "") + "\u{0}" + (files["settings.csv"] ?? ""))
        let names = Self.storedNames(form)
        for (new, old) in renames where !names.contains(where: { $0.name == new }) {
            throw StoreError.invalid("rename \(old) → \(new): the new version has no question named \(new)")
        }
        let versionID: UUID = try await store.transaction { db in
            let instrumentID: UUID
            if let row = try await db.raw("SELECT id FROM instruments WHERE study_id = \(bind: study.id) AND instrument_key = \(bind: instrumentKey)").first() {
                instrumentID = try row.decode(column: "id", as: UUID.self)
            } else {
                instrumentID = UUID()
                try await db.raw("""
                    INSERT INTO instruments (id, study_id, instrument_key, title, created_at)
                    VALUES (\(bind: instrumentID), \(bind: study.id), \(bind: instrumentKey), \(bind: title), \(bind: Date()))
                    """).run()
            }
            let latest = try await db.raw("""
                SELECT id, number, sha256 FROM instrument_versions WHERE instrument_id = \(bind: instrumentID) ORDER BY number DESC LIMIT 1
                """).first()
            if let latest, try latest.decode(column: "sha256", as: String.self) == digest, renames.isEmpty {
                return try latest.decode(column: "id", as: UUID.self)
            }
            let number = (try latest?.decode(column: "number", as: Int.self) ?? 0) + 1
            var previous: [String: UUID] = [:]
            if let latest {
                let id = try latest.decode(column: "id", as: UUID.self)
                for row in try await db.raw("SELECT name, item_id FROM version_items WHERE version_id = \(bind: id)").all() {
                    previous[try row.decode(column: "name", as: String.self)] = try row.decode(column: "item_id", as: UUID.self)
                }
            }
            var studyItems: [String: UUID] = [:]
            for row in try await db.raw("SELECT id, item_key FROM study_items WHERE study_id = \(bind: study.id)").all() {
                studyItems[try row.decode(column: "item_key", as: String.self)] = try row.decode(column: "id", as: UUID.self)
            }
            let versionID = UUID()
            try await db.raw("""
                INSERT INTO instrument_versions (id, instrument_id, number, survey_csv, choices_csv, settings_csv, sha256, note, created_by, created_at)
                VALUES (\(bind: versionID), \(bind: instrumentID), \(bind: number), \(bind: files["survey.csv"]!), \(bind: files["choices.csv"]),
                        \(bind: files["settings.csv"]), \(bind: digest), \(bind: note), \(bind: userID), \(bind: Date()))
                """).run()
            var used: [UUID: String] = [:]
            var rows: [[any Encodable & Sendable]] = []
            for (position, entry) in names.enumerated() {
                let item: UUID
                if let old = renames[entry.name] {
                    guard let id = previous[old] ?? studyItems[old] else {
                        throw StoreError.invalid("rename \(old) → \(entry.name): no earlier question of this study is named \(old)")
                    }
                    item = id
                } else if let id = previous[entry.name] ?? studyItems[entry.name] {
                    item = id
                } else {
                    item = UUID()
                    try await db.raw("""
                        INSERT INTO study_items (id, study_id, item_key, created_at) VALUES (\(bind: item), \(bind: study.id), \(bind: entry.name), \(bind: Date()))
                        """).run()
                    studyItems[entry.name] = item
                }
                if let other = used[item] {
                    throw StoreError.invalid("\(entry.name) and \(other) would both be the same question; rename only one onto an earlier name")
                }
                used[item] = entry.name
                rows.append([versionID, item, entry.name, entry.type, entry.label, position])
            }
            try await BulkWrite.insert(db, into: "version_items", columns: ["version_id", "item_id", "name", "item_type", "label", "position"], rows: rows)
            return versionID
        }
        guard let version = try await version(id: versionID) else { throw StoreError.notFound("instrument version") }
        return version
    }

    /// The names a version stores values under: inputs, calculations and the "specify" text of `or_other`.
    static func storedNames(_ form: XLSForm) -> [(name: String, type: String, label: String?)] {
        var result: [(String, String, String?)] = []
        for q in form.questions {
            let label = q.labels["English (en)"] ?? q.labels[""] ?? q.labels.values.first
            switch q.type {
            case .integer: result.append((q.name, "integer", label))
            case .decimal: result.append((q.name, "decimal", label))
            case .text: result.append((q.name, "text", label))
            case .date: result.append((q.name, "date", label))
            case .time: result.append((q.name, "time", label))
            case .dateTime: result.append((q.name, "dateTime", label))
            case .geopoint: result.append((q.name, "geopoint", label))
            case .acknowledge: result.append((q.name, "acknowledge", label))
            case .calculate: result.append((q.name, "calculate", label))
            // How many instances the repeat has; its questions are stored once per instance.
            case .beginRepeat: result.append((q.name, "repeat", label))
            case .upload: result.append((q.name, "file", label))
            case .selectOne(let list, let other):
                result.append((q.name, "select_one \(list)", label))
                if other { result.append((SurveyRun.otherName(q), "text", "Other (specify)")) }
            case .selectMultiple(let list, let other):
                result.append((q.name, "select_multiple \(list)", label))
                if other { result.append((SurveyRun.otherName(q), "text", "Other (specify)")) }
            default: break
            }
        }
        return result
    }

    public func version(id: UUID) async throws -> InstrumentVersion? {
        guard let row = try await db.raw("""
            SELECT v.*, i.instrument_key FROM instrument_versions v JOIN instruments i ON i.id = v.instrument_id WHERE v.id = \(bind: id)
            """).first() else { return nil }
        var files = ["survey.csv": try row.decode(column: "survey_csv", as: String.self)]
        if let c = try row.decode(column: "choices_csv", as: String?.self) { files["choices.csv"] = c }
        if let s = try row.decode(column: "settings_csv", as: String?.self) { files["settings.csv"] = s }
        let form = try XLSForm(csvFiles: files)
        var items: [String: UUID] = [:]
        for r in try await db.raw("SELECT name, item_id FROM version_items WHERE version_id = \(bind: id)").all() {
            items[try r.decode(column: "name", as: String.self)] = try r.decode(column: "item_id", as: UUID.self)
        }
        return InstrumentVersion(id: id, instrumentID: try row.decode(column: "instrument_id", as: UUID.self),
                                 instrumentKey: try row.decode(column: "instrument_key", as: String.self),
                                 number: try row.decode(column: "number", as: Int.self), form: form,
                                 sha256: try row.decode(column: "sha256", as: String.self), items: items,
                                 createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    public struct VersionSummary: Sendable {
        public var id: UUID
        public var instrumentKey: String
        public var title: String
        public var number: Int
        public var createdAt: Date
    }

    public func versions(study: Study) async throws -> [VersionSummary] {
        try await db.raw("""
            SELECT v.id, i.instrument_key, i.title, v.number, v.created_at FROM instrument_versions v
            JOIN instruments i ON i.id = v.instrument_id WHERE i.study_id = \(bind: study.id) ORDER BY i.instrument_key, v.number
            """).all().map {
            VersionSummary(id: try $0.decode(column: "id", as: UUID.self), instrumentKey: try $0.decode(column: "instrument_key", as: String.self),
                           title: try $0.decode(column: "title", as: String.self), number: try $0.decode(column: "number", as: Int.self),
                           createdAt: try $0.decode(column: "created_at", as: Date.self))
        }
    }

    // MARK: waves

    public func addWave(study: Study, _ new: NewWave, state: WaveState = .draft) async throws -> Wave {
        guard new.closesAt > new.opensAt else { throw StoreError.invalid("wave \(new.number) closes before it opens") }
        if let item = new.screenItem {
            guard let version = try await version(id: new.instrumentVersionID) else { throw StoreError.notFound("instrument version") }
            guard version.form.question(named: item) != nil else {
                throw StoreError.invalid("wave \(new.number): the screening item \(item) is not a question of its instrument")
            }
        }
        let id = UUID()
        let rule = String(decoding: try JSONEncoder().encode(new.frameRule), as: UTF8.self)
        let days = String(decoding: try JSONEncoder().encode(new.reminderDays), as: UTF8.self)
        try await db.raw("""
            INSERT INTO waves (id, study_id, number, title, instrument_version_id, opens_at, closes_at, frame_rule, reminder_days,
                               screen_item, eligibility_months, message_subject, message_body, state, created_at)
            VALUES (\(bind: id), \(bind: study.id), \(bind: new.number), \(bind: new.title), \(bind: new.instrumentVersionID), \(bind: new.opensAt),
                    \(bind: new.closesAt), \(bind: rule), \(bind: days), \(bind: new.screenItem), \(bind: new.eligibilityMonths),
                    \(bind: new.messageSubject), \(bind: new.messageBody), \(bind: state.rawValue), \(bind: Date()))
            """).run()
        guard let wave = try await wave(id: id) else { throw StoreError.notFound("wave") }
        return wave
    }

    /// Stores a wave's edited settings. A changed rule or opening date makes its frame stale, so it is dropped with
    /// the frame's cases (callers allow edits only before the first invitation).
    public func updateWave(_ wave: Wave, _ new: NewWave) async throws -> Wave {
        let rule = String(decoding: try JSONEncoder().encode(new.frameRule), as: UTF8.self)
        let days = String(decoding: try JSONEncoder().encode(new.reminderDays), as: UTF8.self)
        let frameStale = new.frameRule != wave.frameRule || new.opensAt != wave.opensAt
        try await store.transaction { db in
            if frameStale { try await db.raw("DELETE FROM wave_cases WHERE wave_id = \(bind: wave.id)").run() }
            try await db.raw("""
                UPDATE waves SET number = \(bind: new.number), title = \(bind: new.title), instrument_version_id = \(bind: new.instrumentVersionID),
                       opens_at = \(bind: new.opensAt), closes_at = \(bind: new.closesAt), frame_rule = \(bind: rule), reminder_days = \(bind: days),
                       screen_item = \(bind: new.screenItem), eligibility_months = \(bind: new.eligibilityMonths),
                       message_subject = \(bind: new.messageSubject), message_body = \(bind: new.messageBody)
                WHERE id = \(bind: wave.id)
                """).run()
            if frameStale { try await db.raw("UPDATE waves SET frame_computed_at = NULL WHERE id = \(bind: wave.id)").run() }
        }
        guard let updated = try await self.wave(id: wave.id) else { throw StoreError.notFound("wave") }
        return updated
    }

    /// Moves a wave to `state`; closing also ends it now if it would have run on.
    public func setState(_ wave: Wave, _ state: WaveState, now: Date = Date()) async throws {
        try await db.raw("UPDATE waves SET state = \(bind: state.rawValue) WHERE id = \(bind: wave.id)").run()
        if state == .closed, wave.closesAt > now {
            try await db.raw("UPDATE waves SET closes_at = \(bind: now) WHERE id = \(bind: wave.id)").run()
        }
    }

    public func waves(study: Study) async throws -> [Wave] {
        try await db.raw("SELECT * FROM waves WHERE study_id = \(bind: study.id) ORDER BY number").all().map(Self.wave)
    }

    public func wave(id: UUID) async throws -> Wave? {
        try await db.raw("SELECT * FROM waves WHERE id = \(bind: id)").first().map(Self.wave)
    }

    public func wave(study: Study, number: Int) async throws -> Wave? {
        try await db.raw("SELECT * FROM waves WHERE study_id = \(bind: study.id) AND number = \(bind: number)").first().map(Self.wave)
    }

    public func setEligibilityOverride(wave: Wave, _ e: Double?) async throws {
        if let e, !(0...1).contains(e) { throw StoreError.invalid("e must be between 0 and 1") }
        try await db.raw("UPDATE waves SET eligibility_override = \(bind: e) WHERE id = \(bind: wave.id)").run()
    }

    // MARK: rows

    static func study(_ row: any SQLRow) throws -> Study {
        Study(id: try row.decode(column: "id", as: UUID.self), key: try row.decode(column: "study_key", as: String.self),
              title: try row.decode(column: "title", as: String.self), description: try row.decode(column: "description", as: String?.self),
              eligibilitySource: EligibilitySource(rawValue: try row.decode(column: "eligibility_source", as: String.self)) ?? .record,
              partialShare: try row.decode(column: "partial_share", as: Double.self))
    }

    static func wave(_ row: any SQLRow) throws -> Wave {
        Wave(id: try row.decode(column: "id", as: UUID.self), studyID: try row.decode(column: "study_id", as: UUID.self),
             number: try row.decode(column: "number", as: Int.self), title: try row.decode(column: "title", as: String.self),
             instrumentVersionID: try row.decode(column: "instrument_version_id", as: UUID.self),
             opensAt: try row.decode(column: "opens_at", as: Date.self), closesAt: try row.decode(column: "closes_at", as: Date.self),
             frameRule: try JSONDecoder().decode(FrameRule.self, from: Data(try row.decode(column: "frame_rule", as: String.self).utf8)),
             reminderDays: try JSONDecoder().decode([Int].self, from: Data(try row.decode(column: "reminder_days", as: String.self).utf8)),
             screenItem: try row.decode(column: "screen_item", as: String?.self),
             eligibilityMonths: try row.decode(column: "eligibility_months", as: Int?.self),
             messageSubject: try row.decode(column: "message_subject", as: String.self),
             messageBody: try row.decode(column: "message_body", as: String.self),
             frameComputedAt: try row.decode(column: "frame_computed_at", as: Date?.self),
             eligibilityOverride: try row.decode(column: "eligibility_override", as: Double?.self),
             state: WaveState(rawValue: try row.decode(column: "state", as: String.self)) ?? .draft)
    }
}
