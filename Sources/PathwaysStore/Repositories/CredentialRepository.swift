import Crypto
import Foundation
import PathwaysCore
import SQLKit

/// The key that seals credential signing keys at rest: 32 random bytes in a file kept outside the database
/// (mode 0600), so a copy of the database alone, or a backup of it, cannot sign anything.
public struct CredentialKeyring: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// A key for this process only: enough to verify, or for tests; keys sealed with it cannot be opened later.
    public static func ephemeral() -> CredentialKeyring { CredentialKeyring(key: SymmetricKey(size: .bits256)) }

    /// Reads the key file, or makes it when it does not exist yet.
    public static func load(path: String) throws -> CredentialKeyring {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
                throw StoreError.invalid("\(path): not a credential key file (one line: 32 bytes in base64)")
            }
            return CredentialKeyring(key: SymmetricKey(data: bytes))
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.invalid("\(path): the credential key file could not be created")
        }
        return CredentialKeyring(key: key)
    }

    func seal(_ data: Data, kid: String) throws -> String {
        // The key id is authenticated with the sealed key, so a sealed key cannot be moved to another row.
        try AES.GCM.seal(data, using: key, authenticating: Data(kid.utf8)).combined!.base64EncodedString()
    }

    func open(_ text: String, kid: String) throws -> Data {
        guard let data = Data(base64Encoded: text) else { throw StoreError.invalid("credential key \(kid): the sealed key is not base64") }
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: key, authenticating: Data(kid.utf8))
        } catch {
            throw StoreError.invalid("credential key \(kid) cannot be opened with this key file (a different --credential-key-file?)")
        }
    }
}

/// Issued Open Badges and the keys that sign them.
public struct CredentialRepository: Sendable {
    let store: Store
    let keyring: CredentialKeyring
    var db: any SQLDatabase { store.sql }

    public init(store: Store, keyring: CredentialKeyring) {
        self.store = store
        self.keyring = keyring
    }

    /// Who issues: the deployment, identified by a did:web made from its public URL.
    public static func issuer(publicURL: String, name: String) -> OpenBadgeCredential.Issuer {
        OpenBadgeCredential.Issuer(id: didWeb(publicURL), name: name, url: trimmed(publicURL))
    }

    /// `did:web:host` (a port is written `%3A`, a path's slashes become colons).
    public static func didWeb(_ publicURL: String) -> String {
        var rest = trimmed(publicURL)
        if let scheme = rest.range(of: "://") { rest = String(rest[scheme.upperBound...]) }
        let parts = rest.split(separator: "/").map(String.init)
        return "did:web:" + ([parts.first?.replacingOccurrences(of: ":", with: "%3A") ?? "localhost"] + parts.dropFirst()).joined(separator: ":")
    }

    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

    // MARK: keys

    public struct StoredKey: Sendable {
        public var key: VerificationKey
        public var createdAt: Date
        public var retiredAt: Date?
    }

    /// The current EdDSA and RS256 signing keys, made the first time they are needed.
    public func signingKeys(now: Date = Date()) async throws -> [SigningKey] {
        try await store.transaction { db in
            var keys: [SigningKey] = []
            for algorithm in JWSAlgorithm.allCases {
                if let row = try await db.raw("""
                    SELECT kid, private_sealed FROM credential_keys WHERE algorithm = \(bind: algorithm.rawValue) AND retired_at IS NULL
                    ORDER BY created_at DESC
                    """).first() {
                    let kid = try row.decode(column: "kid", as: String.self)
                    keys.append(try SigningKey(id: kid, algorithm: algorithm, privateBytes: try keyring.open(try row.decode(column: "private_sealed", as: String.self), kid: kid)))
                } else {
                    let key = try SigningKey.generate(algorithm)
                    let jwk = String(decoding: try JSONSerialization.data(withJSONObject: try key.publicKey.jwk(), options: [.sortedKeys]), as: UTF8.self)
                    try await db.raw("""
                        INSERT INTO credential_keys (kid, algorithm, public_jwk, private_sealed, created_at)
                        VALUES (\(bind: key.id), \(bind: algorithm.rawValue), \(bind: jwk), \(bind: try keyring.seal(key.privateBytes, kid: key.id)), \(bind: now))
                        """).run()
                    keys.append(key)
                }
            }
            return keys
        }
    }

    /// Retires the current keys (they stay published, so what they signed still verifies) and makes new ones.
    public func rotateKeys(now: Date = Date()) async throws -> [SigningKey] {
        try await db.raw("UPDATE credential_keys SET retired_at = \(bind: now) WHERE retired_at IS NULL").run()
        return try await signingKeys(now: now)
    }

    /// Every key that ever signed, newest first: the published JWKS and the local trust list.
    public func publishedKeys() async throws -> [StoredKey] {
        try await db.raw("SELECT public_jwk, created_at, retired_at FROM credential_keys ORDER BY created_at DESC, kid").all().map { row in
            let jwk = try JSONSerialization.jsonObject(with: Data(try row.decode(column: "public_jwk", as: String.self).utf8)) as? [String: Any] ?? [:]
            return StoredKey(key: try VerificationKey(jwk: jwk), createdAt: try row.decode(column: "created_at", as: Date.self),
                             retiredAt: try row.decode(column: "retired_at", as: Date?.self))
        }
    }

    // MARK: issuing

    public struct Issued: Sendable, Equatable {
        public var id: UUID
        public var learnerID: UUID
        public var programID: UUID
        /// Set for a course credential; nil for the program's.
        public var courseID: UUID?
        /// The program's title, or for a course credential the course's.
        public var programTitle: String
        public var completedAt: Date
        public var issuedAt: Date
        public var statusIndex: Int
        public var jwtEdDSA: String
        public var jwtRS256: String
        public var revokedAt: Date?
        public var revocationReason: String?
        public var sharedAt: Date?
    }

    /// Issues a credential for every completed program enrollment that has none yet (learners who withdrew get
    /// none). Returns how many were issued.
    @discardableResult
    public func issueForCompletions(issuer: OpenBadgeCredential.Issuer, publicURL: String, now: Date = Date()) async throws -> Int {
        let keys = try await signingKeys(now: now)
        try await recordIssuer(issuer.id, now: now)
        let programs = Dictionary(try await CatalogRepository.programs(on: db).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let providers = Dictionary(try await db.raw("SELECT id, name FROM providers").all().map {
            (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "name", as: String.self))
        }, uniquingKeysWith: { a, _ in a })
        let due = try await db.raw("""
            SELECT e.learner_id, e.program_id, e.completed_at FROM enrollments e JOIN learners l ON l.id = e.learner_id
            WHERE e.completed_at IS NOT NULL AND l.withdrawn_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.learner_id = e.learner_id AND c.program_id = e.program_id AND c.course_id IS NULL)
            ORDER BY e.completed_at, e.learner_id
            """).all()
        var issued = 0
        for chunk in stride(from: 0, to: due.count, by: 500) {
            let rows = due[chunk..<min(chunk + 500, due.count)]
            issued += try await store.transaction { db in
                var count = 0
                var next = try await db.raw("SELECT COALESCE(MAX(status_index), -1) + 1 AS n FROM credentials").first()!.decode(column: "n", as: Int.self)
                for row in rows {
                    let learner = try row.decode(column: "learner_id", as: UUID.self)
                    guard let program = programs[try row.decode(column: "program_id", as: UUID.self)] else { continue }
                    let id = UUID()
                    let completed = try row.decode(column: "completed_at", as: Date.self)
                    let credential = OpenBadgeCredential.programCompletion(
                        id: id, learnerID: learner, program: program, providerName: providers[program.providerID] ?? "its provider",
                        issuer: issuer, baseURL: publicURL, completedAt: completed, statusIndex: next)
                    var jwts: [JWSAlgorithm: String] = [:]
                    for key in keys { jwts[key.algorithm] = try credential.signed(with: key, keyID: "\(issuer.id)#\(key.id)") }
                    try await db.raw("""
                        INSERT INTO credentials (id, learner_id, program_id, completed_at, issued_at, status_index, jwt_eddsa, jwt_rs256)
                        VALUES (\(bind: id), \(bind: learner), \(bind: program.id), \(bind: completed), \(bind: now), \(bind: next),
                                \(bind: jwts[.eddsa]!), \(bind: jwts[.rs256]!))
                        """).run()
                    next += 1
                    count += 1
                }
                return count
            }
        }
        // Courses of programs that issue a credential per course, each completed course once.
        let courses = try await db.raw("""
            SELECT cp.learner_id, k.id AS course_id, k.external_id, k.title, k.position, k.credit_value, k.program_id, cp.completed_at
            FROM course_progress cp JOIN courses k ON k.id = cp.course_id JOIN programs p ON p.id = k.program_id
            JOIN learners l ON l.id = cp.learner_id
            WHERE p.course_credentials AND cp.completed_at IS NOT NULL AND l.withdrawn_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.learner_id = cp.learner_id AND c.course_id = k.id)
            ORDER BY cp.completed_at, cp.learner_id, k.position
            """).all()
        for chunk in stride(from: 0, to: courses.count, by: 500) {
            let rows = courses[chunk..<min(chunk + 500, courses.count)]
            issued += try await store.transaction { db in
                var count = 0
                var next = try await db.raw("SELECT COALESCE(MAX(status_index), -1) + 1 AS n FROM credentials").first()!.decode(column: "n", as: Int.self)
                for row in rows {
                    guard let program = programs[try row.decode(column: "program_id", as: UUID.self)] else { continue }
                    let learner = try row.decode(column: "learner_id", as: UUID.self)
                    let course = Course(id: try row.decode(column: "course_id", as: UUID.self), key: try row.decode(column: "external_id", as: String.self),
                                        programID: program.id, title: try row.decode(column: "title", as: String.self),
                                        position: try row.decode(column: "position", as: Int.self), creditValue: try row.decode(column: "credit_value", as: Double?.self))
                    let id = UUID()
                    let completed = try row.decode(column: "completed_at", as: Date.self)
                    let credential = OpenBadgeCredential.courseCompletion(
                        id: id, learnerID: learner, program: program, course: course, providerName: providers[program.providerID] ?? "its provider",
                        issuer: issuer, baseURL: publicURL, completedAt: completed, statusIndex: next)
                    var jwts: [JWSAlgorithm: String] = [:]
                    for key in keys { jwts[key.algorithm] = try credential.signed(with: key, keyID: "\(issuer.id)#\(key.id)") }
                    try await db.raw("""
                        INSERT INTO credentials (id, learner_id, program_id, course_id, completed_at, issued_at, status_index, jwt_eddsa, jwt_rs256)
                        VALUES (\(bind: id), \(bind: learner), \(bind: program.id), \(bind: course.id), \(bind: completed), \(bind: now), \(bind: next),
                                \(bind: jwts[.eddsa]!), \(bind: jwts[.rs256]!))
                        """).run()
                    next += 1
                    count += 1
                }
                return count
            }
        }
        return issued
    }

    static let columns = """
        c.id, c.learner_id, c.program_id, c.course_id, COALESCE(k.title, p.title) AS title, c.completed_at, c.issued_at, c.status_index, c.jwt_eddsa, c.jwt_rs256,
        c.revoked_at, c.revocation_reason, c.shared_at
        """

    static func issued(_ row: any SQLRow) throws -> Issued {
        Issued(id: try row.decode(column: "id", as: UUID.self), learnerID: try row.decode(column: "learner_id", as: UUID.self),
               programID: try row.decode(column: "program_id", as: UUID.self), courseID: try row.decode(column: "course_id", as: UUID?.self),
               programTitle: try row.decode(column: "title", as: String.self),
               completedAt: try row.decode(column: "completed_at", as: Date.self), issuedAt: try row.decode(column: "issued_at", as: Date.self),
               statusIndex: try row.decode(column: "status_index", as: Int.self), jwtEdDSA: try row.decode(column: "jwt_eddsa", as: String.self),
               jwtRS256: try row.decode(column: "jwt_rs256", as: String.self), revokedAt: try row.decode(column: "revoked_at", as: Date?.self),
               revocationReason: try row.decode(column: "revocation_reason", as: String?.self),
               sharedAt: try row.decode(column: "shared_at", as: Date?.self))
    }

    public func credentials(learner: UUID) async throws -> [Issued] {
        try await db.raw("""
            SELECT \(unsafeRaw: Self.columns) FROM credentials c JOIN programs p ON p.id = c.program_id LEFT JOIN courses k ON k.id = c.course_id
            WHERE c.learner_id = \(bind: learner) ORDER BY c.course_id IS NOT NULL, c.completed_at
            """).all().map(Self.issued)
    }

    public func credential(id: UUID) async throws -> Issued? {
        try await db.raw("""
            SELECT \(unsafeRaw: Self.columns) FROM credentials c JOIN programs p ON p.id = c.program_id LEFT JOIN courses k ON k.id = c.course_id WHERE c.id = \(bind: id)
            """).first().map(Self.issued)
    }

    // MARK: learner record

    /// The learner's Comprehensive Learner Record 2.0, signed (EdDSA): their credentials that are not revoked and
    /// the courses of those programs they completed. Nil when they hold no credential.
    public func learnerRecord(learner: UUID, issuer: OpenBadgeCredential.Issuer, publicURL: String, now: Date = Date()) async throws -> String? {
        let held = try await credentials(learner: learner).filter { $0.revokedAt == nil }
        guard !held.isEmpty else { return nil }
        let base = Self.trimmed(publicURL)
        let programs = Dictionary(try await CatalogRepository.programs(ids: Set(held.map(\.programID)), on: db).map { ($0.id, $0) },
                                  uniquingKeysWith: { a, _ in a })
        var courses: [ClrCredential.Course] = []
        var childOf: [(course: String, program: String)] = []
        let credentialed = Set(held.compactMap(\.courseID))
        let programsHeld = Set(held.filter { $0.courseID == nil }.map(\.programID))
        for row in try await db.raw("""
            SELECT c.id, c.external_id, c.title, c.credit_value, c.program_id, cp.completed_at FROM course_progress cp JOIN courses c ON c.id = cp.course_id
            WHERE cp.learner_id = \(bind: learner) AND cp.completed_at IS NOT NULL AND c.program_id IN (\(binds: Array(Set(held.map(\.programID)))))
            ORDER BY c.program_id, c.position
            """).all() {
            guard let program = programs[try row.decode(column: "program_id", as: UUID.self)] else { continue }
            let programAchievement = "\(base)/achievements/\(program.key)"
            let courseAchievement = OpenBadgeCredential.courseAchievementID(baseURL: base, programKey: program.key,
                                                                            courseKey: try row.decode(column: "external_id", as: String.self))
            if credentialed.contains(try row.decode(column: "id", as: UUID.self)) {
                // The course's own credential carries the achievement; link it to the program's when that is held too.
                if programsHeld.contains(program.id) { childOf.append((courseAchievement, programAchievement)) }
            } else if programsHeld.contains(program.id) {
                courses.append(.init(achievementID: courseAchievement, name: try row.decode(column: "title", as: String.self),
                                     credits: try row.decode(column: "credit_value", as: Double?.self),
                                     completedAt: try row.decode(column: "completed_at", as: Date.self), programAchievementID: programAchievement))
            }
        }
        let record = ClrCredential(id: "urn:uuid:\(UUID().uuidString.lowercased())", name: "Learner record", issuer: issuer,
                                   subjectID: "urn:uuid:\(learner.uuidString.lowercased())", validFrom: now,
                                   credentials: held.map(\.jwtEdDSA), courses: courses, childOf: childOf)
        let key = try await signingKeys(now: now).first { $0.algorithm == .eddsa }!
        try await recordIssuer(issuer.id, now: now)
        return try record.signed(with: key, keyID: "\(issuer.id)#\(key.id)")
    }

    // MARK: sharing

    /// Makes a new public link for the credential (replacing any earlier one) and returns its token, which is
    /// stored only as a SHA-256 hash: 256 random bits, base64url.
    public func share(id: UUID, now: Date = Date()) async throws -> String {
        let token = Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        try await db.raw("""
            UPDATE credentials SET share_sha256 = \(bind: Self.hash(token)), shared_at = \(bind: now) WHERE id = \(bind: id)
            """).run()
        return token
    }

    public func stopSharing(id: UUID) async throws {
        try await db.raw("UPDATE credentials SET share_sha256 = NULL, shared_at = NULL WHERE id = \(bind: id)").run()
    }

    /// The credential a share link points to, while it is shared.
    public func shared(token: String) async throws -> Issued? {
        guard token.count >= 40, token.count <= 60 else { return nil }
        return try await db.raw("""
            SELECT \(unsafeRaw: Self.columns) FROM credentials c JOIN programs p ON p.id = c.program_id LEFT JOIN courses k ON k.id = c.course_id WHERE c.share_sha256 = \(bind: Self.hash(token))
            """).first().map(Self.issued)
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Sets the credential's revocation bit. Returns false when it was revoked already or does not exist.
    public func revoke(id: UUID, reason: String, now: Date = Date()) async throws -> Bool {
        let before = try await credential(id: id)
        guard let before, before.revokedAt == nil else { return false }
        try await db.raw("""
            UPDATE credentials SET revoked_at = \(bind: now), revocation_reason = \(bind: reason) WHERE id = \(bind: id) AND revoked_at IS NULL
            """).run()
        return true
    }

    /// The revocation list: one bit per status index, set for revoked credentials.
    public func statusList() async throws -> BitstringStatusList {
        let top = try await db.raw("SELECT COALESCE(MAX(status_index), 0) AS n FROM credentials").first()!.decode(column: "n", as: Int.self)
        var list = BitstringStatusList(bits: top + 1)
        for row in try await db.raw("SELECT status_index FROM credentials WHERE revoked_at IS NOT NULL").all() {
            list[try row.decode(column: "status_index", as: Int.self)] = true
        }
        return list
    }

    /// Remembers an identifier this deployment signs as, so that what it signed verifies after the public address
    /// changes.
    func recordIssuer(_ did: String, now: Date) async throws {
        try await db.raw("""
            INSERT INTO credential_issuers (did, first_used_at) VALUES (\(bind: did), \(bind: now)) ON CONFLICT (did) DO NOTHING
            """).run()
    }

    /// Every identifier this deployment issued under. Credentials issued before identifiers were recorded
    /// (migration 10) are read once to find theirs.
    public func ownIssuers() async throws -> Set<String> {
        var issuers = Set(try await db.raw("SELECT did FROM credential_issuers").all().map { try $0.decode(column: "did", as: String.self) })
        if issuers.isEmpty {
            for row in try await db.raw("SELECT jwt_eddsa, issued_at FROM credentials").all() {
                guard let jws = try? CompactJWS(parsing: try row.decode(column: "jwt_eddsa", as: String.self)),
                      let payload = (try? JSONSerialization.jsonObject(with: jws.payloadJSON)) as? [String: Any],
                      let iss = payload["iss"] as? String, !issuers.contains(iss) else { continue }
                issuers.insert(iss)
                try await recordIssuer(iss, now: try row.decode(column: "issued_at", as: Date.self))
            }
        }
        return issuers
    }

    /// A verifier that resolves this deployment's own identifiers (every one it issued under, and `currentIssuer`)
    /// to every key it published, and reads revocation from its own status list; another issuer's did:web document
    /// or status list cannot be fetched from here and is reported as not checked.
    public func verifier(currentIssuer: String? = nil) async throws -> CredentialVerifier {
        let keys = try await publishedKeys().map(\.key)
        var issuers = try await ownIssuers()
        if let currentIssuer { issuers.insert(currentIssuer) }
        let list = try await statusList()
        return CredentialVerifier(ownIssuers: issuers, keys: keys) { url, index in
            url.hasSuffix("/credentials/status/1") ? list[index] : nil
        }
    }
}
