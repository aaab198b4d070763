import Foundation

/// An Open Badges 3.0 `OpenBadgeCredential` (W3C Verifiable Credentials Data Model 2.0) and its VC-JWT form.
public struct OpenBadgeCredential: Sendable, Equatable {
    public static let contexts = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    public static let schemaID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"

    /// The issuer's `Profile`.
    public struct Issuer: Sendable, Equatable {
        public var id: String
        public var name: String
        public var url: String?
        public var email: String?
        public init(id: String, name: String, url: String? = nil, email: String? = nil) {
            self.id = id
            self.name = name
            self.url = url
            self.email = email
        }
    }

    /// A skill or standard the achievement aligns to (an ESCO or O*NET target).
    public struct Alignment: Sendable, Equatable {
        public var targetName: String
        public var targetURL: String
        public var targetFramework: String?
        public var targetCode: String?
        public var targetType: String?
        public init(targetName: String, targetURL: String, targetFramework: String? = nil, targetCode: String? = nil, targetType: String? = nil) {
            self.targetName = targetName
            self.targetURL = targetURL
            self.targetFramework = targetFramework
            self.targetCode = targetCode
            self.targetType = targetType
        }
    }

    public struct Achievement: Sendable, Equatable {
        public var id: String
        /// An Open Badges `AchievementType` (`Certificate`, `Course`, `MicroCredential`, …) or `ext:` + a name.
        public var achievementType: String
        public var name: String
        public var description: String
        public var criteria: String
        public var creditsAvailable: Double?
        public var fieldOfStudy: String?
        public var alignments: [Alignment]
        public init(id: String, achievementType: String, name: String, description: String, criteria: String,
                    creditsAvailable: Double? = nil, fieldOfStudy: String? = nil, alignments: [Alignment] = []) {
            self.id = id
            self.achievementType = achievementType
            self.name = name
            self.description = description
            self.criteria = criteria
            self.creditsAvailable = creditsAvailable
            self.fieldOfStudy = fieldOfStudy
            self.alignments = alignments
        }
    }

    /// A `BitstringStatusListEntry`: where the credential's revocation bit lives.
    public struct Status: Sendable, Equatable {
        public var listCredential: String
        public var index: Int
        public init(listCredential: String, index: Int) {
            self.listCredential = listCredential
            self.index = index
        }
    }

    public var id: String
    public var name: String
    public var issuer: Issuer
    /// The earner: a URI (`urn:uuid:` of the learner's pseudonymous id, or their DID).
    public var subjectID: String
    public var achievement: Achievement
    public var validFrom: Date
    public var validUntil: Date?
    public var creditsEarned: Double?
    /// Completion as a `Result` with `ResultDescription`-free status (`Completed`).
    public var completed: Bool
    public var status: Status?

    public init(id: String, name: String, issuer: Issuer, subjectID: String, achievement: Achievement, validFrom: Date,
                validUntil: Date? = nil, creditsEarned: Double? = nil, completed: Bool = true, status: Status? = nil) {
        self.id = id
        self.name = name
        self.issuer = issuer
        self.subjectID = subjectID
        self.achievement = achievement
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.creditsEarned = creditsEarned
        self.completed = completed
        self.status = status
    }

    public static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    static func date(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    /// The credential as a JSON-LD object.
    public var json: [String: Any] {
        var issuerJSON: [String: Any] = ["id": issuer.id, "type": ["Profile"], "name": issuer.name]
        if let url = issuer.url { issuerJSON["url"] = url }
        if let email = issuer.email { issuerJSON["email"] = email }
        var achievementJSON: [String: Any] = [
            "id": achievement.id, "type": ["Achievement"], "achievementType": achievement.achievementType, "name": achievement.name,
            "description": achievement.description, "criteria": ["narrative": achievement.criteria],
        ]
        if let credits = achievement.creditsAvailable { achievementJSON["creditsAvailable"] = credits }
        if let field = achievement.fieldOfStudy { achievementJSON["fieldOfStudy"] = field }
        if !achievement.alignments.isEmpty {
            achievementJSON["alignment"] = achievement.alignments.map { a -> [String: Any] in
                var o: [String: Any] = ["type": ["Alignment"], "targetName": a.targetName, "targetUrl": a.targetURL]
                if let v = a.targetFramework { o["targetFramework"] = v }
                if let v = a.targetCode { o["targetCode"] = v }
                if let v = a.targetType { o["targetType"] = v }
                return o
            }
        }
        var subject: [String: Any] = ["id": subjectID, "type": ["AchievementSubject"], "achievement": achievementJSON]
        if let credits = creditsEarned { subject["creditsEarned"] = credits }
        if completed {
            subject["result"] = [["type": ["Result"], "status": "Completed"]]
        }
        var object: [String: Any] = [
            "@context": Self.contexts, "id": id, "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": name,
            "issuer": issuerJSON, "validFrom": Self.timestamp(validFrom), "credentialSubject": subject,
            "credentialSchema": [["id": Self.schemaID, "type": "1EdTechJsonSchemaValidator2019"]],
        ]
        if let until = validUntil { object["validUntil"] = Self.timestamp(until) }
        if let status {
            object["credentialStatus"] = [
                "id": "\(status.listCredential)#\(status.index)", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                "statusListIndex": String(status.index), "statusListCredential": status.listCredential,
            ]
        }
        return object
    }

    /// The VC-JWT claims: the credential's own properties with `iss`, `jti`, `sub`, `nbf` and `exp` (when it has a
    /// `validUntil`) set from them, as the Open Badges 3.0 JWT proof format asks.
    public var jwtClaims: [String: Any] {
        var claims = json
        claims["iss"] = issuer.id
        claims["jti"] = id
        claims["sub"] = subjectID
        claims["nbf"] = Int(validFrom.timeIntervalSince1970)
        if let until = validUntil { claims["exp"] = Int(until.timeIntervalSince1970) }
        return claims
    }

    /// Signs the credential as a compact JWS; `keyID` is the header's `kid` (default the key's thumbprint; an
    /// issuer with a DID names the verification method, `did:web:…#thumbprint`).
    public func signed(with key: SigningKey, keyID: String? = nil) throws -> String {
        try CompactJWS.sign(payload: try JSONSerialization.data(withJSONObject: jwtClaims, options: [.sortedKeys, .withoutEscapingSlashes]),
                            key: key, keyID: keyID)
    }
}

extension OpenBadgeCredential {
    /// The Open Badges `achievementType` for a program kind.
    public static func achievementType(_ kind: ProgramKind) -> String {
        switch kind {
        case .microBachelors, .microMasters, .xSeries, .nanodegree, .masterTrack: "MicroCredential"
        case .specialization, .professionalCertificate, .certificateOfAdvancedStudy: "Certificate"
        case .other: "Achievement"
        }
    }

    /// A skill as an alignment: ESCO by its concept URI, O*NET by its element's page; a skill with no external
    /// identifier has no URL to align to and is left out.
    public static func alignment(_ skill: SkillRef) -> Alignment? {
        guard let code = skill.code, !code.isEmpty else { return nil }
        switch skill.scheme {
        case .esco: return Alignment(targetName: skill.label, targetURL: code, targetFramework: "ESCO", targetType: "ceasn:Competency")
        case .onet:
            return Alignment(targetName: skill.label, targetURL: "https://www.onetonline.org/find/descriptor/result/\(code)",
                             targetFramework: "O*NET", targetCode: code, targetType: "ceasn:Competency")
        case .local: return nil
        }
    }

    /// The credential for a learner's completion of a program.
    public static func programCompletion(id: UUID, learnerID: UUID, program: Program, providerName: String, issuer: Issuer,
                                         baseURL: String, completedAt: Date, statusIndex: Int) -> OpenBadgeCredential {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let credits = program.creditValue.map { " Recommended for \(String(format: "%g", $0)) \(program.creditUnit ?? "credits")." } ?? ""
        return OpenBadgeCredential(
            id: "urn:uuid:\(id.uuidString.lowercased())", name: program.title, issuer: issuer,
            subjectID: "urn:uuid:\(learnerID.uuidString.lowercased())",
            achievement: Achievement(
                id: "\(base)/achievements/\(program.key)", achievementType: achievementType(program.kind), name: program.title,
                description: (program.summary ?? "\(program.kind.label) from \(providerName).") + credits,
                criteria: "Completed every course of the \(program.kind.label) \(program.title), offered by \(providerName).",
                creditsAvailable: program.creditValue, alignments: program.skills.compactMap(alignment)),
            validFrom: completedAt, creditsEarned: program.creditValue,
            status: Status(listCredential: "\(base)/credentials/status/1", index: statusIndex))
    }
}

extension OpenBadgeCredential {
    /// The achievement id of a program's course: under the program's.
    public static func courseAchievementID(baseURL: String, programKey: String, courseKey: String) -> String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return "\(base)/achievements/\(programKey)/courses/\(courseKey)"
    }

    /// The credential for a course of a program that issues one per course.
    public static func courseCompletion(id: UUID, learnerID: UUID, program: Program, course: Course, providerName: String, issuer: Issuer,
                                        baseURL: String, completedAt: Date, statusIndex: Int) -> OpenBadgeCredential {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return OpenBadgeCredential(
            id: "urn:uuid:\(id.uuidString.lowercased())", name: course.title, issuer: issuer,
            subjectID: "urn:uuid:\(learnerID.uuidString.lowercased())",
            achievement: Achievement(
                id: courseAchievementID(baseURL: base, programKey: program.key, courseKey: course.key), achievementType: "Course",
                name: course.title, description: "A course of the \(program.kind.label) \(program.title), offered by \(providerName).",
                criteria: "Passed the course \(course.title) with a verified certificate.", creditsAvailable: course.creditValue),
            validFrom: completedAt, creditsEarned: course.creditValue,
            status: Status(listCredential: "\(base)/credentials/status/1", index: statusIndex))
    }
}
