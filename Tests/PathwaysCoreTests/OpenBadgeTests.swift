import Foundation
@testable import PathwaysCore
import PathwaysTestSupport
import Testing

@Suite struct OpenBadgeTests {
    static let issuedOn = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let issuer = OpenBadgeCredential.Issuer(id: "did:web:pathways.example", name: "Pathways demo issuer",
                                                   url: "https://pathways.example", email: "credentials@pathways.example")

    static func credential(until: Date? = nil, status: OpenBadgeCredential.Status? = nil) -> OpenBadgeCredential {
        OpenBadgeCredential(
            id: "urn:uuid:6f1c9a52-3c2e-4f55-9d3b-0a6c1e2b7f10", name: "Full-Stack Web Development MicroBachelors",
            issuer: issuer, subjectID: "urn:uuid:0b6e2c4d-91f3-4a8e-b1d2-5c7f9e3a1d44",
            achievement: .init(id: "https://pathways.example/achievements/full-stack", achievementType: "MicroCredential",
                               name: "Full-Stack Web Development", description: "Eight courses in web development.",
                               criteria: "Pass every course of the program with a verified certificate.", creditsAvailable: 12,
                               fieldOfStudy: "Computer Science",
                               alignments: [.init(targetName: "JavaScript", targetURL: "http://data.europa.eu/esco/skill/example-javascript",
                                                  targetFramework: "ESCO", targetType: "ext:ESCOSkill")]),
            validFrom: issuedOn, validUntil: until, creditsEarned: 12, status: status)
    }

    /// A verifier for which `issuer` is this deployment, publishing `keys`.
    static func verifier(_ keys: [VerificationKey], revoked: Bool? = false) -> CredentialVerifier {
        CredentialVerifier(ownIssuers: [issuer.id], keys: keys) { _, _ in revoked }
    }

    static let status = OpenBadgeCredential.Status(listCredential: "https://pathways.example/credentials/status/1", index: 7)

    /// Signed as this deployment signs: the header's kid names the issuer's verification method.
    static func sign(_ credential: OpenBadgeCredential, _ key: SigningKey) throws -> String {
        try credential.signed(with: key, keyID: "\(credential.issuer.id)#\(key.id)")
    }

    @Test(arguments: JWSAlgorithm.allCases)
    func aSignedCredentialVerifies(_ algorithm: JWSAlgorithm) throws {
        let key = try SigningKey.generate(algorithm)
        let jwt = try Self.sign(Self.credential(status: Self.status), key)
        let result = Self.verifier([key.publicKey]).verify(jwt, now: Self.issuedOn.addingTimeInterval(86_400))
        #expect(result.verified, "\(result.checks)")
        #expect(result.checks.map(\.name) == ["format", "key", "signature", "claims", "dates", "revocation"])
        let credential = try #require(result.credential.flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] })
        #expect((credential["type"] as? [String]) == ["VerifiableCredential", "OpenBadgeCredential"])
        #expect((credential["@context"] as? [String])?.first == "https://www.w3.org/ns/credentials/v2")
    }

    @Test(arguments: JWSAlgorithm.allCases)
    func aChangedPayloadFailsTheSignature(_ algorithm: JWSAlgorithm) throws {
        let key = try SigningKey.generate(algorithm)
        let jwt = try Self.sign(Self.credential(status: Self.status), key)
        let parts = jwt.split(separator: ".").map(String.init)
        var payload = String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self)
        payload = payload.replacingOccurrences(of: "\"creditsEarned\":12", with: "\"creditsEarned\":120")
        #expect(payload.contains("120"))
        let tampered = [parts[0], Base64URL.encode(Data(payload.utf8)), parts[2]].joined(separator: ".")
        let result = Self.verifier([key.publicKey]).verify(tampered, now: Self.issuedOn)
        #expect(!result.verified)
        #expect(result.failure?.name == "signature")
        #expect(result.failure?.detail.contains("changed after signing") == true)
    }

    @Test func anotherKeyUnderTheSameIDFailsAndAnUnknownKeyIsNamed() throws {
        let key = try SigningKey.generate(.eddsa)
        let other = try SigningKey.generate(.eddsa)
        let impostor = VerificationKey(id: key.id, material: other.publicKey.material)
        let jwt = try Self.sign(Self.credential(status: Self.status), key)
        let wrong = Self.verifier([impostor]).verify(jwt, now: Self.issuedOn)
        #expect(wrong.failure?.name == "signature")
        let unknown = Self.verifier([other.publicKey]).verify(jwt, now: Self.issuedOn)
        #expect(unknown.failure?.name == "key")
        #expect(unknown.failure?.detail.contains(key.id) == true)
        // An RSA key cannot stand in for an EdDSA one, even under the right kid.
        let rsa = try SigningKey.generate(.rs256)
        let mixed = Self.verifier([VerificationKey(id: key.id, material: rsa.publicKey.material)]).verify(jwt, now: Self.issuedOn)
        #expect(mixed.failure?.name == "signature")
        #expect(mixed.failure?.detail.contains("EdDSA") == true)
    }

    @Test func expiredNotYetValidAndRevokedFailWithTheirReason() throws {
        let key = try SigningKey.generate(.eddsa)
        let until = Self.issuedOn.addingTimeInterval(365 * 86_400)
        let jwt = try Self.sign(Self.credential(until: until, status: .init(listCredential: "https://pathways.example/credentials/status/1", index: 3)), key)
        let expired = Self.verifier([key.publicKey]).verify(jwt, now: until.addingTimeInterval(1))
        #expect(expired.failure?.name == "dates")
        #expect(expired.failure?.detail.hasPrefix("Expired on 2027-01-01") == true)
        let early = Self.verifier([key.publicKey]).verify(jwt, now: Self.issuedOn.addingTimeInterval(-60))
        #expect(early.failure?.detail.hasPrefix("Not valid before") == true)
        let revoked = Self.verifier([key.publicKey], revoked: true).verify(jwt, now: Self.issuedOn)
        #expect(revoked.failure?.name == "revocation")
        #expect(revoked.failure?.detail == "The issuer has revoked this credential.")
        let unreadable = Self.verifier([key.publicKey], revoked: nil).verify(jwt, now: Self.issuedOn)
        #expect(unreadable.failure?.name == "revocation")
        #expect(unreadable.failure?.detail.hasPrefix("Revocation could not be checked") == true)
        #expect(unreadable.checks.allSatisfy { !$0.detail.contains("Not revoked") })
        #expect(Self.verifier([key.publicKey]).verify(jwt, now: Self.issuedOn).verified)
    }

    @Test func claimsThatDisagreeWithTheCredentialFail() throws {
        let key = try SigningKey.generate(.eddsa)
        var claims = Self.credential(status: Self.status).jwtClaims
        claims["sub"] = "urn:uuid:someone-else"
        claims["nbf"] = 0
        let jwt = try CompactJWS.sign(payload: try JSONSerialization.data(withJSONObject: claims), key: key, keyID: "\(Self.issuer.id)#\(key.id)")
        let result = Self.verifier([key.publicKey]).verify(jwt, now: Self.issuedOn)
        #expect(result.failure?.name == "claims")
        #expect(result.failure?.detail.contains("sub is urn:uuid:someone-else") == true)
        #expect(result.failure?.detail.contains("nbf is 1970-01-01T00:00:00Z") == true)
    }

    @Test func aRotatedKeyStillVerifiesWhatItSigned() throws {
        let old = try SigningKey.generate(.eddsa)
        let before = try Self.sign(Self.credential(status: Self.status), old)
        let new = try SigningKey.generate(.eddsa)
        let after = try Self.sign(Self.credential(status: Self.status), new)
        #expect(old.id != new.id)
        let verifier = Self.verifier([new.publicKey, old.publicKey])
        #expect(verifier.verify(before, now: Self.issuedOn).verified)
        #expect(verifier.verify(after, now: Self.issuedOn).verified)
        // A stored private key reads back as the same key.
        let stored = try SigningKey(id: old.id, algorithm: .eddsa, privateBytes: old.privateBytes)
        #expect(try stored.publicKey.thumbprint() == old.id)
        let rsa = try SigningKey.generate(.rs256)
        #expect(try SigningKey(id: rsa.id, algorithm: .rs256, privateBytes: rsa.privateBytes).publicKey.thumbprint() == rsa.id)
    }

    @Test func aDIDKeyIssuerNeedsNoTrustList() throws {
        let key = try SigningKey.generate(.eddsa)
        let did = try #require(DIDKey.identifier(for: key.publicKey))
        #expect(did.hasPrefix("did:key:z6Mk"))
        let signer = SigningKey(id: did + "#" + did.dropFirst("did:key:".count), material: key.material)
        var credential = Self.credential()
        credential.issuer.id = did
        let result = Self.verifier([]).verify(try credential.signed(with: signer), now: Self.issuedOn)
        #expect(result.verified, "\(result.checks)")
        #expect(DIDKey.resolve("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").map { try? $0.thumbprint() } != nil)
        #expect(DIDKey.resolve("did:key:zNotBase58!") == nil)
    }

    @Test func garbageIsRefusedWithAReason() {
        let verifier = Self.verifier([])
        #expect(verifier.verify("not a token").failure?.detail.contains("1 parts") == true)
        #expect(verifier.verify("a.b").failure?.name == "format")
        #expect(verifier.verify("e30.e30.").failure?.detail.contains("not an OpenBadgeCredential") == true)
        #expect(verifier.verify("!!.e30.e30").failure?.detail.contains("header is not base64url") == true)
    }

    /// The RFC 7638 example: the thumbprint of the RSA key in its §3.1.
    @Test func thumbprintsFollowRFC7638() throws {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let key = try VerificationKey(jwk: ["kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"])
        #expect(try key.thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    /// An independent implementation (PyJWT over pyca/cryptography) verifies our EdDSA and RS256 tokens and
    /// rejects a tampered one and one checked against the wrong key.
    @Test func pyJWTVerifiesWhatWeSign() throws {
        var cases: [[String: Any]] = []
        for algorithm in JWSAlgorithm.allCases {
            let key = try SigningKey.generate(algorithm)
            let jwt = try Self.credential().signed(with: key)
            cases.append(["jwt": jwt, "jwk": try key.publicKey.jwk(), "expect": "valid"])
            let parts = jwt.split(separator: ".").map(String.init)
            let payload = String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self).replacingOccurrences(of: "Eight courses", with: "Nine courses")
            cases.append(["jwt": [parts[0], Base64URL.encode(Data(payload.utf8)), parts[2]].joined(separator: "."), "jwk": try key.publicKey.jwk(), "expect": "invalid"])
            let other = try SigningKey.generate(algorithm)
            var otherJWK = try other.publicKey.jwk()
            otherJWK["kid"] = key.id
            cases.append(["jwt": jwt, "jwk": otherJWK, "expect": "invalid"])
        }
        let outcome = try PythonCheck.run("scripts/check-vc-jwt.py", cases: cases)
        #expect(outcome.status == 0, "PyJWT (pip install pyjwt cryptography; .ci/run does) disagreed or is missing:\n\(outcome.output)")
        #expect(outcome.passedCases == 6, "\(outcome.output)")
    }
}

@Suite struct StatusListTests {
    @Test func bitsRoundTripThroughTheEncodedListAndPythonReadsThem() throws {
        var list = BitstringStatusList()
        #expect(list.count == 131_072)
        for i in [0, 7, 8, 94_567, 131_071] { list[i] = true }
        list[8] = false
        let encoded = try list.encodedList()
        #expect(encoded.hasPrefix("u"))
        let back = try BitstringStatusList(encodedList: encoded)
        #expect(back == list)
        #expect(back[0] && back[7] && !back[8] && back[94_567] && back[131_071] && !back[1] && !back[200_000])
        // Index 0 is the left-most bit: the first byte is 1000_0001.
        #expect(back.bytes[0] == 0x81)
        // gzip and base64url as any other implementation reads them (Python's standard library).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import base64, gzip, sys
            s = sys.argv[1][1:]
            bits = gzip.decompress(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
            print(len(bits) * 8, [i for i in range(len(bits) * 8) if bits[i // 8] >> (7 - i % 8) & 1])
            """, encoded]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "131072 [0, 7, 94567, 131071]")
    }

    @Test func badListsAreRefusedWithAReason() throws {
        #expect(throws: JOSEError("the encodedList is not multibase base64url (it must begin with u)")) { try BitstringStatusList(encodedList: "zabc") }
        #expect(throws: JOSEError("the status list is not valid GZIP data")) { try BitstringStatusList(encodedList: "uAAAA") }
        let small = "u" + Base64URL.encode(try BitstringStatusList.gzip([UInt8](repeating: 0, count: 100)))
        #expect(throws: JOSEError("the status list has 800 bits, fewer than the minimum 131072")) { try BitstringStatusList(encodedList: small) }
        let bomb = "u" + Base64URL.encode(try BitstringStatusList.gzip([UInt8](repeating: 0, count: 20 << 20)))
        #expect(bomb.count < 40_000)
        #expect(throws: JOSEError("the status list expands to more than 16 MiB")) { try BitstringStatusList(encodedList: bomb) }
    }
}
