import Foundation

/// A Comprehensive Learner Record 2.0 `ClrCredential`: the learner's program credentials (each enveloped as the
/// VC-JWT it was issued as) with the courses they completed on the way, each course an `Achievement` associated
/// to its program's achievement by `isChildOf`.
public struct ClrCredential: Sendable {
    public static let contexts = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]

    public struct Course: Sendable {
        public var achievementID: String
        public var name: String
        public var credits: Double?
        public var completedAt: Date
        /// The program achievement this course is part of.
        public var programAchievementID: String
        public init(achievementID: String, name: String, credits: Double?, completedAt: Date, programAchievementID: String) {
            self.achievementID = achievementID
            self.name = name
            self.credits = credits
            self.completedAt = completedAt
            self.programAchievementID = programAchievementID
        }
    }

    public var id: String
    public var name: String
    public var issuer: OpenBadgeCredential.Issuer
    public var subjectID: String
    public var validFrom: Date
    /// The program credentials as issued (VC-JWT).
    public var credentials: [String]
    /// Completed courses that have no credential of their own, as achievements.
    public var courses: [Course]
    /// `isChildOf` links from a course achievement (of a course credential, or in `courses`) to its program's.
    public var childOf: [(course: String, program: String)]

    public init(id: String, name: String, issuer: OpenBadgeCredential.Issuer, subjectID: String, validFrom: Date, credentials: [String],
                courses: [Course], childOf: [(course: String, program: String)] = []) {
        self.id = id
        self.name = name
        self.issuer = issuer
        self.subjectID = subjectID
        self.validFrom = validFrom
        self.credentials = credentials
        self.courses = courses
        self.childOf = childOf
    }

    public var json: [String: Any] {
        var issuerJSON: [String: Any] = ["id": issuer.id, "type": ["Profile"], "name": issuer.name]
        if let url = issuer.url { issuerJSON["url"] = url }
        let achievements = courses.map { c -> [String: Any] in
            var a: [String: Any] = ["id": c.achievementID, "type": ["Achievement"], "achievementType": "Course", "name": c.name,
                                    "criteria": ["narrative": "Completed the course on \(OpenBadgeCredential.timestamp(c.completedAt).prefix(10))."]]
            if let credits = c.credits { a["creditsAvailable"] = credits }
            return a
        }
        let links = courses.map { ($0.achievementID, $0.programAchievementID) } + childOf.map { ($0.course, $0.program) }
        let associations = links.map { link -> [String: Any] in
            ["type": "Association", "associationType": "isChildOf", "sourceId": link.0, "targetId": link.1]
        }
        var subject: [String: Any] = [
            "id": subjectID, "type": ["ClrSubject"],
            "verifiableCredential": credentials.map { ["@context": "https://www.w3.org/ns/credentials/v2", "id": "data:application/vc+jwt,\($0)",
                                                       "type": "EnvelopedVerifiableCredential"] },
        ]
        if !achievements.isEmpty { subject["achievement"] = achievements }
        if !associations.isEmpty { subject["association"] = associations }
        return ["@context": Self.contexts, "id": id, "type": ["VerifiableCredential", "ClrCredential"], "name": name, "issuer": issuerJSON,
                "validFrom": OpenBadgeCredential.timestamp(validFrom), "credentialSubject": subject]
    }

    /// Signed as a VC-JWT with the same registered claims as a badge.
    public func signed(with key: SigningKey, keyID: String? = nil) throws -> String {
        var claims = json
        claims["iss"] = issuer.id
        claims["jti"] = id
        claims["sub"] = subjectID
        claims["nbf"] = Int(validFrom.timeIntervalSince1970)
        return try CompactJWS.sign(payload: try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]),
                                   key: key, keyID: keyID)
    }
}
