import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysCore
@testable import PathwaysServer
@testable import PathwaysStore
import PathwaysTestSupport
import SQLKit
import Testing

/// A learner downloads their Open Badge and anyone verifies it; the issuer's keys and revocation list are public.
@Suite struct CredentialWebTests {
    /// A credential claiming this deployment as issuer (under another institution's name), signed by an attacker's
    /// fresh did:key with no status entry: the API and the page refuse it and say why, and the page does not repeat
    /// the name it claims. The deployment's own credentials still verify.
    @Test(arguments: TestDatabase.allCases)
    func aForgedDIDKeyCredentialClaimingThisIssuerIsRefusedEverywhere(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let did = try #require(try await client.execute(uri: "/.well-known/did.json", method: .get).json() as? [String: Any])
            let issuerID = try #require(did["id"] as? String)
            let attacker = try SigningKey.generate(.eddsa)
            let attackerDID = try #require(DIDKey.identifier(for: attacker.publicKey))
            let forged = try OpenBadgeCredential(
                id: "urn:uuid:\(UUID().uuidString.lowercased())", name: "Doctor of Philosophy",
                issuer: .init(id: issuerID, name: "Ivy League University", url: nil), subjectID: "urn:uuid:\(UUID().uuidString.lowercased())",
                achievement: .init(id: "https://example.org/phd", achievementType: "Degree", name: "Doctor of Philosophy", description: "A doctorate.",
                                   criteria: "A thesis.", creditsAvailable: nil, fieldOfStudy: nil, alignments: []),
                validFrom: Date().addingTimeInterval(-86_400), validUntil: nil, creditsEarned: nil, status: nil)
                .signed(with: attacker, keyID: attackerDID + "#" + attackerDID.dropFirst("did:key:".count))

            let api = try await client.execute(uri: "/api/credentials/verify", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: forged))
            let result = try #require(try api.json() as? [String: Any])
            #expect(result["verified"] as? Bool == false)
            let failed = (result["checks"] as? [[String: Any]] ?? []).filter { $0["passed"] as? Bool == false }.compactMap { $0["detail"] as? String }
            #expect(failed.first?.hasPrefix("The signing key \(attackerDID)") == true && failed.first?.contains("does not belong to the issuer \(issuerID)") == true, "\(failed)")
            #expect(failed.contains { $0.contains("carries no status entry") }, "\(failed)")

            let page = try await client.execute(uri: "/verify", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "credential=" + forged))
            #expect(page.text.contains("Not verified.") && page.text.contains("does not belong to the issuer"))
            #expect(!page.text.contains("Ivy League University"), "a forged credential's claimed issuer is not repeated as if it were true")

            // What this deployment issued still verifies.
            let a1Credential = try #require(w.credentialIDs["A1"])
            let genuine = try #require(try await CredentialRepository(store: w.store, keyring: TestWorld.keyring).credential(id: a1Credential))
            for jwt in [genuine.jwtEdDSA, genuine.jwtRS256] {
                let ok = try await client.execute(uri: "/api/credentials/verify", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: jwt))
                #expect((try ok.json() as? [String: Any])?["verified"] as? Bool == true)
            }
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func aLearnerDownloadsAndAnyoneVerifiesUntilAnAdministratorRevokes(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let a1 = w.learnerIDs["A1"]!
            let credential = try #require(w.credentialIDs["A1"])
            #expect(w.credentialIDs["B2"] == nil, "B2 has not completed a program")

            // The learner's record lists it with both downloads.
            let session = try await WebTests.signIn(w, "learnerA", client: client)
            let cookie: HTTPFields = [.cookie: "pw_session=\(session)"]
            let record = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: cookie)
            let href = "/learners/\(a1)/credentials/\(credential)"
            #expect(record.text.contains(href) && record.text.contains("?alg=RS256"))
            #expect(!record.text.contains("/revoke"), "a learner cannot revoke")

            var jwts: [String] = []
            for alg in ["EdDSA", "RS256"] {
                let r = try await client.execute(uri: href + "?alg=\(alg)", method: .get, headers: cookie)
                #expect(r.status == .ok && r.headers[.contentType] == "application/vc+jwt")
                #expect(r.headers[.contentDisposition]?.contains("\(alg.lowercased()).jwt") == true)
                let jwt = r.text
                #expect(try CompactJWS(parsing: jwt).algorithm == alg)
                jwts.append(jwt)
                // Anyone verifies it through the API, without signing in.
                let v = try await client.execute(uri: "/api/credentials/verify", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: jwt))
                let result = try #require(try v.json() as? [String: Any])
                #expect(result["verified"] as? Bool == true, "\(result)")
                #expect((result["checks"] as? [[String: Any]])?.count == 6)
            }
            let audited = try await w.store.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'download_credential'").first()!.decode(column: "n", as: Int.self)
            #expect(audited == 2)

            // The verification page, as JSON body too.
            let page = try await client.execute(uri: "/verify", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "credential=" + jwts[0]))
            #expect(page.status == .ok && page.text.contains("Verified.") && page.text.contains("Statistics"))
            let json = try await client.execute(uri: "/api/credentials/verify", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"credential":"\#(jwts[1])"}"#))
            #expect((try json.json() as? [String: Any])?["verified"] as? Bool == true)

            // A changed credential fails, and says why.
            let parts = jwts[0].split(separator: ".").map(String.init)
            let forged = [parts[0], Base64URL.encode(Data(String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self)
                .replacingOccurrences(of: "Statistics", with: "Astrophysics").utf8)), parts[2]].joined(separator: ".")
            let bad = try await client.execute(uri: "/verify", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                               body: ByteBuffer(string: "credential=" + forged))
            #expect(bad.text.contains("Not verified.") && bad.text.contains("changed after signing"))

            // The issuer's keys: a JWKS and a did:web document naming both.
            let jwks = try #require(try await client.execute(uri: "/.well-known/jwks.json", method: .get).json() as? [String: Any])
            let keys = try #require(jwks["keys"] as? [[String: Any]])
            #expect(Set(keys.compactMap { $0["alg"] as? String }) == ["EdDSA", "RS256"])
            let did = try #require(try await client.execute(uri: "/.well-known/did.json", method: .get).json() as? [String: Any])
            #expect(did["id"] as? String == "did:web:127.0.0.1%3A0")
            #expect((did["assertionMethod"] as? [String])?.count == 2)

            // The learner record (CLR 2.0): the credential enveloped as issued, the courses behind it as its children.
            let clr = try await client.execute(uri: "/learners/\(a1)/record.jwt", method: .get, headers: cookie)
            #expect(clr.status == .ok)
            let clrCheck = try await client.execute(uri: "/api/credentials/verify", method: .post, headers: [.contentType: "text/plain"], body: clr.body)
            #expect((try clrCheck.json() as? [String: Any])?["verified"] as? Bool == true)
            let clrClaims = try #require(try JSONSerialization.jsonObject(with: CompactJWS(parsing: clr.text).payloadJSON) as? [String: Any])
            #expect((clrClaims["type"] as? [String]) == ["VerifiableCredential", "ClrCredential"])
            let clrSubject = try #require(clrClaims["credentialSubject"] as? [String: Any])
            let enveloped = try #require((clrSubject["verifiableCredential"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(enveloped == "data:application/vc+jwt," + jwts[0])
            let courses = try #require(clrSubject["achievement"] as? [[String: Any]])
            #expect(courses.compactMap { $0["name"] as? String }.count == 2, "A1 completed two stats courses")
            let links = try #require(clrSubject["association"] as? [[String: Any]])
            #expect(links.allSatisfy { $0["associationType"] as? String == "isChildOf" && ($0["targetId"] as? String)?.hasSuffix("/achievements/stats") == true })

            // The learner shares it: a link shown once, a public page that verifies it, with LinkedIn's data.
            let csrfA = try #require(WebTests.csrf(in: record.text))
            let (hs, bs) = PrivacyTests.form(session, "_csrf=\(csrfA)&action=share")
            let shared = try await client.execute(uri: href + "/share", method: .post, headers: hs, body: bs)
            #expect(shared.status == .ok)
            let path = try #require(shared.text.range(of: #"/c/[A-Za-z0-9_-]{43}"#, options: .regularExpression).map { String(shared.text[$0]) })
            let stored = try await w.store.sql.raw("SELECT share_sha256 FROM credentials WHERE id = \(bind: credential)").first()!.decode(column: "share_sha256", as: String.self)
            #expect(!stored.contains(path.dropFirst(3)) && stored.count == 64, "the link is stored as a hash")
            let publicPage = try await client.execute(uri: path, method: .get)
            #expect(publicPage.status == .ok && publicPage.text.contains("<strong>Verified</strong>"))
            #expect(publicPage.text.contains("<dt>Awarded by</dt><dd>"), "the page names the provider that awarded it")
            #expect(publicPage.text.contains("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&amp;name=Statistics"))
            #expect(publicPage.text.contains("certId=\(credential.uuidString.lowercased())"))
            let file = try await client.execute(uri: path + "/credential.jwt", method: .get)
            #expect(file.text == jwts[0])
            let (hx, bx) = PrivacyTests.form(session, "_csrf=\(csrfA)&action=stop")
            #expect(try await client.execute(uri: href + "/share", method: .post, headers: hx, body: bx).status == .ok)
            #expect(try await client.execute(uri: path, method: .get).status == .notFound, "a link no longer shared is gone")

            // An administrator revokes it; the signed status list then carries its bit, and verification fails.
            let admin = try await WebTests.signIn(w, "admin", client: client)
            let adminPage = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            let csrf = try #require(WebTests.csrf(in: adminPage.text))
            let (h, b) = PrivacyTests.form(admin, "_csrf=\(csrf)&reason=")
            #expect(try await client.execute(uri: "/credentials/\(credential)/revoke", method: .post, headers: h, body: b).status == .badRequest)
            let (h2, b2) = PrivacyTests.form(admin, "_csrf=\(csrf)&reason=issued+in+error")
            let revoked = try await client.execute(uri: "/credentials/\(credential)/revoke", method: .post, headers: h2, body: b2)
            #expect(revoked.status == .seeOther)
            let revokedRecord = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            #expect(revokedRecord.text.contains(": issued in error</td>"), "the record says why it was revoked")
            let after = try await client.execute(uri: "/api/credentials/verify", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: jwts[0]))
            let afterResult = try #require(try after.json() as? [String: Any])
            #expect(afterResult["verified"] as? Bool == false)
            #expect((afterResult["checks"] as? [[String: Any]])?.last?["detail"] as? String == "The issuer has revoked this credential.")

            let status = try await client.execute(uri: "/credentials/status/1", method: .get)
            let statusJWS = try CompactJWS(parsing: status.text)
            let signer = try VerificationKey(jwk: try #require(keys.first { $0["alg"] as? String == "EdDSA" }))
            #expect(statusJWS.isSigned(by: signer))
            let claims = try #require(try JSONSerialization.jsonObject(with: statusJWS.payloadJSON) as? [String: Any])
            let encoded = try #require((claims["credentialSubject"] as? [String: Any])?["encodedList"] as? String)
            let index = try #require(try await CredentialRepository(store: w.store, keyring: TestWorld.keyring).credential(id: credential)).statusIndex
            #expect(try BitstringStatusList(encodedList: encoded)[index])
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func aLearnerSendsTheirRecordToACreditPartnerAndRecordsADegree(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let a1 = w.learnerIDs["A1"]!
            let stats = try #require(try await CatalogRepository(store: w.store).program(key: "stats"))
            try await CatalogRepository(store: w.store).createAgreement(CreditAgreement(
                institution: "Doane University", programID: stats.id, credits: 15, degree: "Bachelor of Applied Science",
                validFrom: CalendarDay.date(year: 2020, month: 1, day: 1)!))
            let session = try await WebTests.signIn(w, "learnerA", client: client)
            var page = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(page.text.contains("credential is accepted for 15 credits at Doane University toward a Bachelor of Applied Science."))
            let csrf = try #require(WebTests.csrf(in: page.text))
            let agreement = try #require(page.text.range(of: #"name="agreement" value="[0-9A-F-]{36}""#, options: .regularExpression)
                .map { String(page.text[$0].dropFirst(#"name="agreement" value=""#.count).dropLast()) })
            let credential = w.credentialIDs["A1"]!.uuidString
            let (h, b) = PrivacyTests.form(session, "_csrf=\(csrf)&credential=\(credential)&agreement=\(agreement)")
            #expect(try await client.execute(uri: "/learners/\(a1)/credit-requests", method: .post, headers: h, body: b).status == .seeOther)
            page = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(page.text.contains("; sent ("))

            // The administrator records the partner's answer.
            let admin = try await WebTests.signIn(w, "admin", client: client)
            let adminPage = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(admin)"])
            let request = try #require(adminPage.text.range(of: #"/credit-requests/[0-9A-F-]{36}/status"#, options: .regularExpression).map { String(adminPage.text[$0]) })
            let adminCSRF = try #require(WebTests.csrf(in: adminPage.text))
            let (h2, b2) = PrivacyTests.form(admin, "_csrf=\(adminCSRF)&status=accepted&credits=15")
            #expect(try await client.execute(uri: request, method: .post, headers: h2, body: b2).status == .seeOther)

            // The learner records the degree they enrolled in, at the partner.
            let (h3, b3) = PrivacyTests.form(session, "_csrf=\(csrf)&institution=doane+university&level=bachelors&related=yes&enrolled_on=2025-01-15")
            #expect(try await client.execute(uri: "/learners/\(a1)/degrees", method: .post, headers: h3, body: b3).status == .seeOther)
            let (h4, b4) = PrivacyTests.form(session, "_csrf=\(csrf)&institution=Elsewhere&level=phd&related=yes&enrolled_on=2025-01-15")
            #expect(try await client.execute(uri: "/learners/\(a1)/degrees", method: .post, headers: h4, body: b4).status == .badRequest)
            page = try await client.execute(uri: "/learners/\(a1)", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(page.text.contains("accepted, 15 credits awarded"))
            #expect(page.text.contains("Bachelor&#39;s at doane university, from 2025-01-15, related to the credential — an institution that accepts its credit")
                    || page.text.contains("Bachelor's at doane university, from 2025-01-15, related to the credential — an institution that accepts its credit"))
            let outcomes = try await CreditPathwayRepository(store: w.store).degreeOutcomes()
            #expect(outcomes.first { $0.program == stats.title }.map { $0.atPartner == 1 && $0.elsewhere == 0 } == true)
        }
    }
}
