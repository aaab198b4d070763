import Foundation
import PathwaysCore
import PathwaysStore

/// What a researcher does to run a study: create and edit it, upload its instruments, create and edit waves until
/// their first invitation, compute and preview a wave's frame and message, then launch, pause and close it. The
/// pages, the JSON API, the command line and the demo all do it through here. Each change is audited.
public struct StudyAdministration: Sendable {
    let store: Store
    let versions: VersionCache

    public init(store: Store, versions: VersionCache) {
        self.store = store
        self.versions = versions
    }

    var studies: StudyRepository { StudyRepository(store: store) }
    var fieldwork: FieldworkRepository { FieldworkRepository(store: store) }
    var audit: AuditRepository { AuditRepository(store: store) }

    // MARK: studies

    public func study(key: String) async throws -> Study {
        guard let study = try await studies.study(key: key) else { throw UseCaseError.notFound("There is no study \(key).") }
        return study
    }

    public func all() async throws -> [Study] { try await studies.studies() }

    public func create(_ settings: StudySettings, by user: UUID?) async throws -> Study {
        let settings = Self.tidy(settings)
        let taken = Set(try await studies.studies().map(\.key))
        try Self.check(settings.problems(takenKeys: taken))
        let study = try await studies.create(key: settings.key, title: settings.title, description: settings.description,
                                             eligibilitySource: settings.eligibilitySource, partialShare: settings.partialShare)
        try await audit.record(userID: user, action: "create_study", subject: "study:\(study.id)", detail: study.key)
        return study
    }

    public func edit(_ study: Study, _ settings: StudySettings, by user: UUID?) async throws -> Study {
        let settings = Self.tidy(settings)
        let taken = Set(try await studies.studies().map(\.key)).subtracting([study.key])
        try Self.check(settings.problems(takenKeys: taken))
        var edited = study
        edited.key = settings.key
        edited.title = settings.title
        edited.description = settings.description
        edited.eligibilitySource = settings.eligibilitySource
        edited.partialShare = settings.partialShare
        try await studies.update(edited)
        try await audit.record(userID: user, action: "edit_study", subject: "study:\(study.id)", detail: edited.key)
        return edited
    }

    static func tidy(_ s: StudySettings) -> StudySettings {
        var s = s
        s.key = s.key.trimmingCharacters(in: .whitespaces)
        s.title = s.title.trimmingCharacters(in: .whitespaces)
        s.description = s.description.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        return s
    }

    static func check(_ problems: [FieldProblem]) throws {
        if !problems.isEmpty { throw UseCaseError.rejected(problems) }
    }

    // MARK: instruments

    /// The outcome of an upload: the version stored, or the latest one when the form is unchanged.
    public struct Upload: Sendable {
        public var version: InstrumentVersion
        public var unchanged: Bool
    }

    /// Stores an XLSForm workbook as the next version of instrument `key`. `renames` is one `old_name -> new_name`
    /// per line, carrying a question's data over to its new name. Every problem with key, renames and workbook comes
    /// back together, each naming its field (and the workbook's sheet, row and column).
    public func upload(study: Study, key rawKey: String, title: String?, workbook: Data?, fileName: String?, renames renameText: String?,
                       note: String?, by user: UUID?) async throws -> Upload {
        let key = rawKey.trimmingCharacters(in: .whitespaces).lowercased()
        var problems: [FieldProblem] = []
        if key.isEmpty || key.count > 40 || !key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            problems.append(.init("instrument", "give a short key of letters, digits, _ or - (e.g. followup)"))
        }
        var renames: [String: String] = [:]
        for (i, line) in (renameText ?? "").split(whereSeparator: \.isNewline).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.replacingOccurrences(of: "→", with: "->").components(separatedBy: "->").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, XLSForm.isValidName(parts[0]), XLSForm.isValidName(parts[1]) else {
                problems.append(.init("renames", "line \(i + 1): write old_name -> new_name"))
                continue
            }
            renames[parts[1]] = parts[0]
        }
        let file = fileName ?? "workbook"
        var form: XLSForm?
        if let workbook, !workbook.isEmpty {
            switch Result(catching: { try XLSForm.read(workbook) }) {
            case .success(let read): form = read
            case .failure(let error as XLSFormErrors):
                for issue in error.issues { problems.append(FieldProblem("file", file + ": " + issue.description)) }
            case .failure(let error): throw error
            }
        } else {
            problems.append(.init("file", "choose an XLSForm file (.xlsx, .xls or CSV)"))
        }
        try Self.check(problems)
        guard let form else { throw UseCaseError.rejected(problems) }
        let previous = try await studies.versions(study: study).filter { $0.instrumentKey == key }.map(\.number).max()
        let title = (title ?? "").trimmingCharacters(in: .whitespaces)
        let version: InstrumentVersion
        do {
            version = try await studies.addVersion(study: study, instrumentKey: key, title: title.isEmpty ? form.title ?? key : title, form: form,
                                                   renames: renames, note: note.flatMap { $0.isEmpty ? nil : $0 }, userID: user)
        } catch StoreError.invalid(let message) {
            throw UseCaseError.rejected([.init("renames", message)])
        }
        let unchanged = version.number == previous
        if !unchanged {
            try await audit.record(userID: user, action: "add_instrument_version", subject: "study:\(study.id)",
                                   detail: "\(key) v\(version.number), \(renames.count) renames")
        }
        return Upload(version: version, unchanged: unchanged)
    }

    /// The study's instrument version with this id.
    public func version(_ id: UUID, of study: Study) async throws -> InstrumentVersion {
        guard try await studies.versions(study: study).contains(where: { $0.id == id }), let version = try await versions.version(id, studies) else {
            throw UseCaseError.notFound("There is no such instrument version in this study.")
        }
        return version
    }

    /// The study's latest version of instrument `key`, or the version "key v2" names.
    public func version(named name: String, of study: Study) async throws -> InstrumentVersion {
        let parts = name.split(separator: " ")
        let all = try await studies.versions(study: study)
        let key = parts.first.map(String.init) ?? ""
        let number = parts.count == 2 ? Int(parts[1].drop { $0 == "v" }) : nil
        guard let summary = all.filter({ $0.instrumentKey == key && (number == nil || $0.number == number) }).max(by: { $0.number < $1.number }) else {
            throw UseCaseError.rejected([.init("instrument", "the study has no instrument \(name); upload it first (\(Set(all.map(\.instrumentKey)).sorted().joined(separator: ", ")))")])
        }
        return try await version(summary.id, of: study)
    }

    // MARK: waves

    public func wave(_ study: Study, number: Int) async throws -> Wave {
        guard let wave = try await studies.wave(study: study, number: number) else { throw UseCaseError.notFound("The study has no wave \(number).") }
        return wave
    }

    public func waves(_ study: Study) async throws -> [Wave] { try await studies.waves(study: study) }

    public func createWave(_ study: Study, _ settings: WaveSettings, by user: UUID?) async throws -> Wave {
        let settings = Self.tidy(settings)
        let others = Set(try await studies.waves(study: study).map(\.number))
        let form = try await form(settings.instrumentVersionID, of: study)
        try Self.check(settings.problems(form: form, otherWaves: others))
        let wave = try await studies.addWave(study: study, settings, state: .draft)
        try await audit.record(userID: user, action: "create_wave", subject: "wave:\(wave.id)", detail: "\(study.key) wave \(wave.number)")
        return wave
    }

    /// Edits a wave until its first invitation. A changed rule or opening date drops the computed frame.
    public func editWave(_ study: Study, _ wave: Wave, _ settings: WaveSettings, by user: UUID?, now: Date = Date()) async throws -> Wave {
        try await refuse(.edit, wave, now: now)
        let settings = Self.tidy(settings)
        let others = Set(try await studies.waves(study: study).map(\.number)).subtracting([wave.number])
        let form = try await form(settings.instrumentVersionID, of: study)
        try Self.check(settings.problems(form: form, otherWaves: others))
        let edited = try await studies.updateWave(wave, settings)
        try await audit.record(userID: user, action: "edit_wave", subject: "wave:\(wave.id)", detail: "\(study.key) wave \(edited.number)")
        return edited
    }

    static func tidy(_ s: WaveSettings) -> WaveSettings {
        var s = s
        s.title = s.title.trimmingCharacters(in: .whitespaces)
        s.screenItem = s.screenItem.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        return s
    }

    func form(_ versionID: UUID, of study: Study) async throws -> XLSForm? {
        guard try await studies.versions(study: study).contains(where: { $0.id == versionID }) else { return nil }
        return try await versions.version(versionID, studies)?.form
    }

    /// What the wave's record says, for the lifecycle's decisions.
    public func facts(_ wave: Wave) async throws -> WaveLifecycle.Facts {
        WaveLifecycle.Facts(state: wave.state, frameComputed: wave.frameComputedAt != nil,
                            invited: try await fieldwork.invitedCount(wave: wave.id), closesAt: wave.closesAt)
    }

    /// Decided on the wave as stored now, not as the caller last read it.
    func refuse(_ action: WaveLifecycle.Action, _ wave: Wave, now: Date) async throws {
        let current = try await studies.wave(id: wave.id) ?? wave
        if let why = WaveLifecycle.refusal(action, try await facts(current), now: now) {
            throw UseCaseError.conflict("Wave \(wave.number) cannot be \(Self.pastTense(action)): \(why).")
        }
    }

    static func pastTense(_ action: WaveLifecycle.Action) -> String {
        switch action {
        case .edit: "edited"
        case .computeFrame: "given a new frame"
        case .launch: "launched"
        case .pause: "paused"
        case .close: "closed"
        }
    }

    // MARK: frame

    /// A frame as a researcher checks it before launch.
    public struct FramePreview: Sendable {
        public var counts: FieldworkRepository.FrameCounts
        /// A few cases, pseudonymous (the study's respondent id), with their program and country.
        public var examples: [(pseudonym: String, program: String, country: String)]
        public var computedAt: Date?
    }

    /// Computes (or recomputes, until the first invitation) the wave's frame and returns its preview.
    public func computeFrame(_ study: Study, _ wave: Wave, by user: UUID?, now: Date = Date()) async throws -> FramePreview {
        try await refuse(.computeFrame, wave, now: now)
        let counts = try await fieldwork.computeFrame(study: study, wave: wave, now: now)
        try await audit.record(userID: user, action: "compute_frame", subject: "wave:\(wave.id)", detail: "\(counts.cases) cases")
        return try await framePreview(study, try await self.wave(study, number: wave.number))
    }

    public func framePreview(_ study: Study, _ wave: Wave) async throws -> FramePreview {
        let counts = try await fieldwork.frameCounts(study: study, wave: wave)
        let key = try await RespondentData(store: store).pseudonymKey()
        let examples = try await fieldwork.frameExamples(wave: wave.id).map {
            (pseudonym: RespondentData.pseudonym(study: study.id, learner: $0.learnerID, key: key), program: $0.program ?? "(no program)",
             country: $0.country ?? "—")
        }
        return FramePreview(counts: counts, examples: examples, computedAt: wave.frameComputedAt)
    }

    // MARK: message

    /// The wave's invitation as one real case of its frame would receive it (the links shown as placeholders,
    /// since a link is only made when a message is written). `showName`: whether the asker may see learners' names;
    /// if not, the name fields show a placeholder.
    public struct MessagePreview: Sendable {
        public var subject: String
        public var body: String
        /// The pseudonym of the case it was filled in for, or nil when the frame is empty (sample values are used).
        public var pseudonym: String?
    }

    public func previewMessage(_ study: Study, _ wave: Wave, showName: Bool, reminder: Int? = nil) async throws -> MessagePreview {
        let example = try await fieldwork.frameExamples(wave: wave.id, limit: 1).first
        let key = try await RespondentData(store: store).pseudonymKey()
        let name: String? = example.map { showName ? ($0.name ?? nil) : "[name:\(RespondentData.pseudonym(study: study.id, learner: $0.learnerID, key: key))]" }
            ?? "Ana Example"
        let values = MessageTemplate.Values(name: name, program: example.map { $0.program } ?? "Example Program", study: study.title, wave: wave.title)
        let text = wave.message.message(values, reminder: reminder)
        return MessagePreview(subject: text.subject, body: MessageTemplate.withLinks(text.body, surveyLink: "[the case's own survey link]"),
                              pseudonym: example.map { RespondentData.pseudonym(study: study.id, learner: $0.learnerID, key: key) })
    }

    // MARK: lifecycle

    /// Launches a wave (its frame computed and checked) or resumes a paused one; the next planning pass writes
    /// its invitations.
    public func launch(_ study: Study, _ wave: Wave, by user: UUID?, now: Date = Date()) async throws -> Wave {
        try await move(.launch, study, wave, by: user, now: now)
    }

    /// Stops every message of a launched wave (those already written wait); links keep working.
    public func pause(_ study: Study, _ wave: Wave, by user: UUID?, now: Date = Date()) async throws -> Wave {
        try await move(.pause, study, wave, by: user, now: now)
    }

    /// Ends a wave now: no more messages, and links answer that the survey is closed.
    public func close(_ study: Study, _ wave: Wave, by user: UUID?, now: Date = Date()) async throws -> Wave {
        try await move(.close, study, wave, by: user, now: now)
    }

    func move(_ action: WaveLifecycle.Action, _ study: Study, _ wave: Wave, by user: UUID?, now: Date) async throws -> Wave {
        try await refuse(action, wave, now: now)
        let current = try await studies.wave(id: wave.id) ?? wave
        try await studies.setState(current, WaveLifecycle.next(action, from: current.state), now: now)
        try await audit.record(userID: user, action: "\(action.rawValue)_wave", subject: "wave:\(wave.id)", detail: "\(study.key) wave \(wave.number)")
        return try await self.wave(study, number: wave.number)
    }

    /// What a learner's withdrawal does to this study's answers, as its protocol says (`WithdrawalPolicy`): an
    /// administrator's decision, since it governs personal data. Audited.
    @discardableResult
    public func setWithdrawalPolicy(_ study: Study, _ text: String?, by p: Principal) async throws -> WithdrawalPolicy {
        guard AccessPolicy.canSetWithdrawalPolicy(p) else { throw UseCaseError.forbidden("only an administrator sets what a withdrawal does to a study's data") }
        guard let policy = text.flatMap(WithdrawalPolicy.init(rawValue:)) else {
            throw UseCaseError.invalid("policy: one of \(WithdrawalPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try await PrivacyRepository(store: store).setPolicy(study: study.id, policy)
        try await audit.record(userID: p.userID, action: "set_withdrawal_policy", subject: "study:\(study.id)", detail: policy.rawValue)
        return policy
    }

    // MARK: deployment

    /// At most `messages` messages to one learner in any `days` days, across every study and event.
    public func setContactCap(messages: Int, days: Int, by user: UUID?) async throws {
        var problems: [FieldProblem] = []
        if !(1...50).contains(messages) { problems.append(.init("cap_messages", "from 1 to 50 messages")) }
        if !(1...365).contains(days) { problems.append(.init("cap_days", "from 1 to 365 days")) }
        try Self.check(problems)
        try await OutboxRepository(store: store).setContactCap(.init(messages: messages, days: days))
        try await audit.record(userID: user, action: "set_contact_cap", subject: "deployment", detail: "\(messages) in \(days) days")
    }

    public func contactCap() async throws -> OutboxRepository.ContactCap { try await OutboxRepository(store: store).contactCap() }
}
