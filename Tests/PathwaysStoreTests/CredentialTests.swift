import Crypto
import Foundation
import PathwaysCore
@testable import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

@Suite struct CredentialTests {
    static let url = "https://pathways.example:8443"

    @Test(arguments: TestDatabase.allCases)
    func completersGetVerifiableCredentialsOnceAndRevocationAndRotationWork(_ db: TestDatabase) async throws {
        try await db.withStore { (store: Store) async throws in
            let demo = DemoInitiative(seed: 11, microBachelorsLearners: 40, universityLearners: 40)
            _ = try await DemoLoader.load(demo, into: store)
            let completions = demo.enrollments.filter { $0.completedAt != nil }
            #expect(completions.count > 5, "the demo has completers")
            let repo = CredentialRepository(store: store, keyring: CredentialKeyring(key: SymmetricKey(size: .bits256)))
            let issuer = CredentialRepository.issuer(publicURL: Self.url, name: "Pathways demo")
            #expect(issuer.id == "did:web:pathways.example%3A8443")

            // A withdrawn learner gets none.
            let withdrawn = completions[0].learnerID
            _ = try await PrivacyRepository(store: store).withdraw(learner: withdrawn, by: nil, via: "test")
            let expected = completions.filter { $0.learnerID != withdrawn }.count
            #expect(try await repo.issueForCompletions(issuer: issuer, publicURL: Self.url) == expected)
            #expect(try await repo.issueForCompletions(issuer: issuer, publicURL: Self.url) == 0, "issuing again issues nothing")
            #expect(try await repo.credentials(learner: withdrawn).isEmpty)

            let someone = completions[1]
            let mine = try #require(try await repo.credentials(learner: someone.learnerID).first)
            var verifier = try await repo.verifier()
            for jwt in [mine.jwtEdDSA, mine.jwtRS256] {
                let result = verifier.verify(jwt)
                #expect(result.verified, "\(result.checks)")
                let credential = try #require(result.credential.flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] })
                #expect((credential["issuer"] as? [String: Any])?["id"] as? String == issuer.id)
                let subject = try #require(credential["credentialSubject"] as? [String: Any])
                #expect(subject["id"] as? String == "urn:uuid:\(someone.learnerID.uuidString.lowercased())")
                let achievement = try #require(subject["achievement"] as? [String: Any])
                #expect(achievement["name"] as? String == mine.programTitle)
                #expect((achievement["alignment"] as? [[String: Any]])?.isEmpty == false, "skills become alignments")
            }
            #expect(abs(mine.completedAt.timeIntervalSince(someone.completedAt!)) < 1)

            // Revocation sets the bit the credential points to.
            #expect(try await repo.revoke(id: mine.id, reason: "issued in error"))
            #expect(try await repo.revoke(id: mine.id, reason: "again") == false)
            #expect(try await repo.statusList()[mine.statusIndex])
            verifier = try await repo.verifier()
            #expect(verifier.verify(mine.jwtEdDSA).failure?.detail == "The issuer has revoked this credential.")

            // Rotation: new keys sign from now on; what the old ones signed still verifies.
            let before = try await repo.signingKeys()
            let after = try await repo.rotateKeys()
            #expect(Set(before.map(\.id)).isDisjoint(with: after.map(\.id)))
            #expect(try await repo.publishedKeys().count == 4)
            verifier = try await repo.verifier()
            let other = try #require(try await repo.credentials(learner: completions[2].learnerID).first)
            #expect(verifier.verify(other.jwtEdDSA).verified)
            #expect(verifier.verify(other.jwtRS256).verified)

            // The private keys are sealed: another key file cannot open them, and says so.
            let stranger = CredentialRepository(store: store, keyring: CredentialKeyring(key: SymmetricKey(size: .bits256)))
            await #expect(throws: StoreError.self) { try await stranger.signingKeys() }
            let sealed = try await store.sql.raw("SELECT private_sealed FROM credential_keys").all().map { try $0.decode(column: "private_sealed", as: String.self) }
            for key in after { #expect(!sealed.contains(key.privateBytes.base64EncodedString())) }
        }
    }

    @Test func theKeyFileIsMadeOnceWithOwnerOnlyAccess() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pathways-keyfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("credential.key").path
        let first = try CredentialKeyring.load(path: path)
        let again = try CredentialKeyring.load(path: path)
        #expect(first.key == again.key)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StoreError.invalid("\(path): not a credential key file (one line: 32 bytes in base64)")) { try CredentialKeyring.load(path: path) }
    }
}
