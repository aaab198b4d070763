import Crypto
import Foundation
@testable import PathwaysCore
import Testing

/// Tokens an attacker would try on a verifier, each refused with the exact reason, beside the genuine credential
/// they are made from (which verifies). The deployment here is `did:web:pathways.example` publishing one key.
@Suite struct HostileCredentialTests {
    static let now = OpenBadgeTests.issuedOn.addingTimeInterval(86_400)
    static let ours = OpenBadgeTests.issuer

    struct Deployment {
        let key: SigningKey
        var verifier: CredentialVerifier { OpenBadgeTests.verifier([key.publicKey]) }
        init() throws { key = try SigningKey.generate(.eddsa) }
        /// A credential as this deployment issues it: its kid, a status entry.
        func genuine(_ credential: OpenBadgeCredential = OpenBadgeTests.credential(status: OpenBadgeTests.status)) throws -> String {
            try OpenBadgeTests.sign(credential, key)
        }
    }

    /// A compact JWS with any header, signed by `sign` over the signing input.
    static func token(header: [String: Any], claims: [String: Any], sign: (Data) throws -> Data) throws -> String {
        let h = Base64URL.encode(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        let p = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]))
        let input = h + "." + p
        return input + "." + Base64URL.encode(try sign(Data(input.utf8)))
    }

    static func didKeySigner() throws -> (key: SigningKey, did: String) {
        let key = try SigningKey.generate(.eddsa)
        return (key, try #require(DIDKey.identifier(for: key.publicKey)))
    }

    @Test func theGenuineCredentialVerifies() throws {
        let d = try Deployment()
        let result = d.verifier.verify(try d.genuine(), now: Self.now)
        #expect(result.verified, "\(result.checks)")
        #expect(result.issuerID == Self.ours.id)
    }

    /// The attack that worked: this deployment's did:web as issuer (under a real university's name), signed by a fresh
    /// key whose did:key is in the kid, with no status entry.
    @Test func aDIDKeySigningForThisDeploymentIsRefused() throws {
        let d = try Deployment()
        let (attacker, did) = try Self.didKeySigner()
        var credential = OpenBadgeTests.credential()
        credential.issuer.name = "Massachusetts Institute of Technology"
        let forged = try credential.signed(with: attacker, keyID: did + "#" + did.dropFirst("did:key:".count))
        let result = d.verifier.verify(forged, now: Self.now)
        #expect(!result.verified)
        #expect(result.failure?.name == "key")
        #expect(result.failure?.detail == "The signing key \(did)#\(did.dropFirst("did:key:".count)) does not belong to the issuer did:web:pathways.example: its DID document lists only the keys it published, as did:web:pathways.example#<key id>.")
        // The same with a status entry, and with the did:key alone as kid: still not the issuer's key.
        let withStatus = try OpenBadgeTests.credential(status: OpenBadgeTests.status).signed(with: attacker, keyID: did)
        #expect(d.verifier.verify(withStatus, now: Self.now).failure?.detail.contains("does not belong to the issuer did:web:pathways.example") == true)
        // And with no kid at all, so that only iss or issuer.id could name a key.
        let bare = try Self.token(header: ["alg": "EdDSA", "typ": "JWT"], claims: credential.jwtClaims) { try attacker.sign($0) }
        #expect(d.verifier.verify(bare, now: Self.now).failure?.detail == "The header names no key (kid); did:web:pathways.example signs with a key its DID document lists.")
    }

    @Test func aKidOfAnotherIssuerIsRefused() throws {
        let (issuerKey, issuerDID) = try Self.didKeySigner()
        let (other, otherDID) = try Self.didKeySigner()
        var credential = OpenBadgeTests.credential()
        credential.issuer.id = issuerDID
        // Signed by another did:key and named by it.
        let result = OpenBadgeTests.verifier([]).verify(try credential.signed(with: other, keyID: otherDID), now: Self.now)
        #expect(result.failure?.detail == "The signing key \(otherDID) does not belong to the issuer \(issuerDID): a did:key issuer signs only with its own key.")
        // The issuer's own did:key verifies, with its fragment or without.
        #expect(OpenBadgeTests.verifier([]).verify(try credential.signed(with: issuerKey, keyID: issuerDID), now: Self.now).verified)
        // This deployment's key named under another did:web: the kid does not belong to the issuer.
        let d = try Deployment()
        let borrowed = try OpenBadgeTests.credential(status: OpenBadgeTests.status).signed(with: d.key, keyID: "did:web:elsewhere.example#\(d.key.id)")
        #expect(d.verifier.verify(borrowed, now: Self.now).failure?.detail.hasPrefix("The signing key did:web:elsewhere.example#\(d.key.id) does not belong to the issuer did:web:pathways.example") == true)
        // A key id this deployment never published.
        let stranger = try SigningKey.generate(.eddsa)
        let unknown = try OpenBadgeTests.sign(OpenBadgeTests.credential(status: OpenBadgeTests.status), stranger)
        #expect(d.verifier.verify(unknown, now: Self.now).failure?.name == "key")
    }

    @Test func anotherDIDWebIssuerCannotBeResolvedFromHere() throws {
        let d = try Deployment()
        var credential = OpenBadgeTests.credential(status: OpenBadgeTests.status)
        credential.issuer.id = "did:web:university.example"
        let result = d.verifier.verify(try OpenBadgeTests.sign(credential, d.key), now: Self.now)
        #expect(result.failure?.detail == "The issuer did:web:university.example publishes its keys in a DID document that cannot be fetched from here, so the signature cannot be checked.")
        credential.issuer.id = "https://university.example/issuer"
        #expect(d.verifier.verify(try OpenBadgeTests.sign(credential, d.key), now: Self.now).failure?.detail
                == "The issuer https://university.example/issuer is neither a did:key nor a did:web whose keys are known here, so the signature cannot be checked.")
    }

    @Test func algNoneSharedSecretsAndSwappedAlgorithmsAreRefused() throws {
        let d = try Deployment()
        let claims = OpenBadgeTests.credential(status: OpenBadgeTests.status).jwtClaims
        let kid = "\(Self.ours.id)#\(d.key.id)"
        let none = try Self.token(header: ["alg": "none", "kid": kid], claims: claims) { _ in Data() }
        #expect(d.verifier.verify(none, now: Self.now).failure?.detail
                == "The header's algorithm none is not accepted: only EdDSA and RS256 signatures are (an unsigned or shared-secret token proves nothing about its issuer).")
        // HS256 keyed with the issuer's public key, the classic confusion attack.
        let publicBytes = Data(Base64URL.decode(try d.key.publicKey.jwk()["x"]!)!)
        let hs256 = try Self.token(header: ["alg": "HS256", "kid": kid], claims: claims) {
            Data(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: publicBytes)))
        }
        #expect(d.verifier.verify(hs256, now: Self.now).failure?.detail.hasPrefix("The header's algorithm HS256 is not accepted") == true)
        // The header says RS256 over an EdDSA key's signature.
        let swapped = try Self.token(header: ["alg": "RS256", "kid": kid], claims: claims) { try d.key.sign($0) }
        #expect(d.verifier.verify(swapped, now: Self.now).failure?.detail == "The header names algorithm RS256, but key \(d.key.id) is EdDSA.")
        // A critical header extension this verifier does not implement.
        let crit = try Self.token(header: ["alg": "EdDSA", "kid": kid, "crit": ["exp"], "exp": 1], claims: claims) { try d.key.sign($0) }
        #expect(d.verifier.verify(crit, now: Self.now).failure?.detail == "The header marks exp as critical (crit), which this verifier does not understand.")
        let unencoded = try Self.token(header: ["alg": "EdDSA", "kid": kid, "b64": false], claims: claims) { try d.key.sign($0) }
        #expect(d.verifier.verify(unencoded, now: Self.now).failure?.name == "key")
    }

    /// Signed with this deployment's own key but without the status entry every credential it issues carries.
    @Test func aCredentialOfThisIssuerWithoutStatusIsNotOurs() throws {
        let d = try Deployment()
        let result = d.verifier.verify(try d.genuine(OpenBadgeTests.credential()), now: Self.now)
        #expect(result.failure?.name == "revocation")
        #expect(result.failure?.detail == "The credential names did:web:pathways.example as its issuer but carries no status entry; every credential did:web:pathways.example issues has one, so this one was not issued there.")
    }

    @Test func revocationThatCannotBeCheckedIsNeverReportedAsNotRevoked() throws {
        let d = try Deployment()
        let unreachable = OpenBadgeTests.verifier([d.key.publicKey], revoked: nil).verify(try d.genuine(), now: Self.now)
        #expect(unreachable.failure?.detail == "Revocation could not be checked: the status list https://pathways.example/credentials/status/1 could not be read.")
        // Another issuer's list is not fetched from here.
        let (key, did) = try Self.didKeySigner()
        var credential = OpenBadgeTests.credential(status: .init(listCredential: "https://university.example/status/3", index: 4))
        credential.issuer.id = did
        let foreign = OpenBadgeTests.verifier([]).verify(try credential.signed(with: key, keyID: did), now: Self.now)
        #expect(foreign.failure?.detail == "Revocation could not be checked: the status list https://university.example/status/3 is not this deployment's and cannot be fetched from here.")
        for result in [unreachable, foreign] {
            #expect(!result.verified)
            #expect(result.checks.allSatisfy { !$0.detail.contains("Not revoked") })
        }
    }

    @Test func expiredNotYetValidAndRevokedSayWhich() throws {
        let d = try Deployment()
        let until = OpenBadgeTests.issuedOn.addingTimeInterval(30 * 86_400)
        let jwt = try d.genuine(OpenBadgeTests.credential(until: until, status: OpenBadgeTests.status))
        #expect(d.verifier.verify(jwt, now: until).failure?.detail == "Expired on 2026-01-31T00:00:00Z.")
        #expect(d.verifier.verify(jwt, now: OpenBadgeTests.issuedOn.addingTimeInterval(-1)).failure?.detail == "Not valid before 2026-01-01T00:00:00Z.")
        #expect(OpenBadgeTests.verifier([d.key.publicKey], revoked: true).verify(jwt, now: Self.now).failure?.detail == "The issuer has revoked this credential.")
        #expect(d.verifier.verify(jwt, now: Self.now).verified)
    }

    /// A learner record is only as good as every credential inside it.
    @Test func aRecordEnvelopingAForgedCredentialFails() throws {
        let d = try Deployment()
        let (attacker, did) = try Self.didKeySigner()
        let forged = try OpenBadgeTests.credential(status: OpenBadgeTests.status).signed(with: attacker, keyID: did)
        func record(_ credentials: [String]) throws -> String {
            try ClrCredential(id: "urn:uuid:1", name: "Learner record", issuer: Self.ours, subjectID: "urn:uuid:0b6e2c4d-91f3-4a8e-b1d2-5c7f9e3a1d44",
                              validFrom: OpenBadgeTests.issuedOn, credentials: credentials, courses: [])
                .signed(with: d.key, keyID: "\(Self.ours.id)#\(d.key.id)")
        }
        let good = d.verifier.verify(try record([try d.genuine()]), now: Self.now)
        #expect(good.verified, "\(good.checks)")
        let bad = d.verifier.verify(try record([try d.genuine(), forged]), now: Self.now)
        #expect(bad.failure?.name == "credentials")
        #expect(bad.failure?.detail.hasPrefix("Not every credential it holds verifies: credential 2: The signing key \(did) does not belong") == true)
    }
}
