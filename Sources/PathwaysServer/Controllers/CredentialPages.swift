import Foundation
import Hummingbird
import PathwaysApp
import PathwaysCore
import PathwaysStore

/// Open Badges: the issuer's keys and DID document, the revocation list, verification (API, page), a learner's
/// credential downloads and an administrator's revocation.
struct CredentialPages {
    let d: Dependencies

    struct VerifyRequest: Decodable { var credential: String }
    struct VerifyForm: Decodable { var credential: String? }
    struct RevokeForm: Decodable { var _csrf: String?; var reason: String? }

    struct VerifyResult: Encodable {
        struct Check: Encodable { var name: String; var passed: Bool; var detail: String }
        var verified: Bool
        var checks: [Check]
    }

    static func result(_ v: CredentialVerification) -> VerifyResult {
        VerifyResult(verified: v.verified, checks: v.checks.map { .init(name: $0.name, passed: $0.passed, detail: $0.detail) })
    }

    func register(on routes: RouteTable) {
        let d = self.d

        routes.get("/.well-known/jwks.json", access: "public") { _, _ -> Response in
            _ = try await d.credentials.signingKeys()
            let keys = try await d.credentials.publishedKeys().map { try $0.key.jwk() }
            return try Self.jsonObject(["keys": keys], type: "application/jwk-set+json")
        }

        // did:web: the issuer's DID document, listing every key (retired ones too, so old credentials verify).
        routes.get("/.well-known/did.json", access: "public") { _, _ -> Response in
            _ = try await d.credentials.signingKeys()
            let did = d.issuer.id
            let methods = try await d.credentials.publishedKeys().map { k -> [String: Any] in
                ["id": "\(did)#\(k.key.id)", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": try k.key.jwk()]
            }
            let ids = methods.compactMap { $0["id"] as? String }
            return try Self.jsonObject([
                "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"], "id": did,
                "verificationMethod": methods, "assertionMethod": ids,
            ], type: "application/did+json")
        }

        // The revocation list as a signed BitstringStatusListCredential (VC-JWT).
        routes.get("/credentials/status/1", access: "public") { _, _ -> Response in
            let keys = try await d.credentials.signingKeys()
            let key = keys.first { $0.algorithm == .eddsa }!
            let url = d.publicURL + "/credentials/status/1"
            let now = Date()
            var claims = try await d.credentials.statusList().credential(url: url, issuer: d.issuer, validFrom: now)
            claims["iss"] = d.issuer.id
            claims["jti"] = url
            claims["nbf"] = Int(now.timeIntervalSince1970)
            let jwt = try CompactJWS.sign(payload: try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]),
                                          key: key, keyID: "\(d.issuer.id)#\(key.id)")
            return Response(status: .ok, headers: [.contentType: "application/vc+jwt", .cacheControl: "public, max-age=300"],
                            body: .init(byteBuffer: ByteBuffer(string: jwt)))
        }

        routes.post("/api/credentials/verify", access: "public") { request, _ -> Response in
            let body = try await Forms.collect(request, limit: Forms.maxFormSize, what: "the credential")
            let text = String(buffer: body)
            let jwt: String
            if request.headers[.contentType]?.hasPrefix("application/json") == true {
                guard let r = try? JSONDecoder().decode(VerifyRequest.self, from: Data(text.utf8)) else {
                    throw AppError.badRequest("body: a JSON object with a \"credential\" string (the VC-JWT), or the VC-JWT as text/plain")
                }
                jwt = r.credential
            } else {
                jwt = text
            }
            let verification = try await d.credentials.verifier(currentIssuer: d.issuer.id).verify(jwt)
            return try APIController.json(Self.result(verification))
        }

        routes.get("/verify", access: "public") { _, context -> HTML in
            d.views.page("verify", title: "Verify a credential", ["checked": false], context: context)
        }

        // Verifying changes nothing, so the form needs no session; it is open to anyone holding a credential.
        routes.post("/verify", access: "public") { request, context -> HTML in
            let form = try await Forms.decode(VerifyForm.self, from: request)
            guard let text = form.credential?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw AppError.badRequest("credential: paste the credential (the contents of its .jwt file)")
            }
            let v = try await d.credentials.verifier(currentIssuer: d.issuer.id).verify(text)
            var summary: [[String: String]] = []
            // What a credential says of itself is shown only once it verified: a forged one may name any issuer.
            if v.verified, let json = v.credential, let c = try? JSONSerialization.jsonObject(with: json) as? [String: Any] {
                let name = (c["issuer"] as? [String: Any])?["name"] as? String
                let issuer = [name, v.issuerID.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
                let achievement = ((c["credentialSubject"] as? [String: Any])?["achievement"] as? [String: Any])?["name"] as? String
                summary = [["label": "Credential", "value": (c["name"] as? String) ?? achievement ?? "?"], ["label": "Issuer", "value": issuer],
                           ["label": "Valid from", "value": (c["validFrom"] as? String) ?? "?"]]
            }
            return d.views.page("verify", title: "Verify a credential", [
                "checked": true, "verified": v.verified, "credential": text, "summary": summary,
                "checks": v.checks.map { ["name": $0.name, "passed": $0.passed, "detail": $0.detail] },
            ], context: context)
        }

        // A learner's credential as a file: the VC-JWT signed with EdDSA, or RS256 with ?alg=RS256.
        routes.get("/learners/{id}/credentials/{credential}", access: "admin, learner (self)") { request, context -> Response in
            let p = try context.requirePrincipal()
            guard let learner = UUID(uuidString: context.parameters.get("id") ?? ""),
                  let id = UUID(uuidString: context.parameters.get("credential") ?? ""),
                  let c = try await d.credentials.credential(id: id), c.learnerID == learner
            else { throw AppError.notFound("There is no such credential.") }
            guard AccessPolicy.canSeeCredentials(of: learner, by: p) else { throw AppError.forbidden("only the learner and administrators can download a learner's credentials") }
            let alg = request.uri.queryParameters.get("alg") ?? "EdDSA"
            guard let algorithm = JWSAlgorithm(rawValue: alg) else { throw AppError.badRequest("alg: EdDSA or RS256") }
            try await d.audit.record(userID: p.userID, action: "download_credential", subject: "credential:\(id.uuidString)", detail: alg)
            let name = c.programTitle.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { $0.append($1) }
            return Response(status: .ok, headers: [.contentType: "application/vc+jwt",
                                                   .contentDisposition: "attachment; filename=\"\(name)-\(alg.lowercased()).jwt\""],
                            body: .init(byteBuffer: ByteBuffer(string: algorithm == .eddsa ? c.jwtEdDSA : c.jwtRS256)))
        }

        // The learner's record (CLR 2.0): every credential they hold with the courses behind it, signed.
        routes.get("/learners/{id}/record.jwt", access: "admin, learner (self)") { _, context -> Response in
            let p = try context.requirePrincipal()
            guard let learner = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("There is no learner with that id.") }
            guard AccessPolicy.canSeeCredentials(of: learner, by: p) else { throw AppError.forbidden("only the learner and administrators can download a learner's record") }
            guard let jwt = try await d.credentials.learnerRecord(learner: learner, issuer: d.issuer, publicURL: d.publicURL) else {
                throw AppError.notFound("This learner holds no credential yet, so there is no record to download.")
            }
            try await d.audit.record(userID: p.userID, action: "download_learner_record", subject: "learner:\(learner.uuidString)")
            return Response(status: .ok, headers: [.contentType: "application/vc+jwt", .contentDisposition: "attachment; filename=\"learner-record.jwt\""],
                            body: .init(byteBuffer: ByteBuffer(string: jwt)))
        }

        // Credit pathways: the learner sends their record to a partner that accepts a credential they hold.
        routes.post("/learners/{id}/credit-requests", access: "learner (self)") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            guard let learner = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("There is no learner with that id.") }
            struct Form: Decodable { var _csrf: String?; var credential: String?; var agreement: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            try await CreditPathways(store: d.store).send(learner: learner, credential: form.credential.flatMap(UUID.init(uuidString:)),
                                                          agreement: form.agreement.flatMap(UUID.init(uuidString:)), by: p)
            return SeeOther(location: "/learners/\(learner.uuidString)")
        }

        routes.post("/credit-requests/{request}/status", access: "admin") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            struct Form: Decodable { var _csrf: String?; var status: String?; var credits: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            guard let id = UUID(uuidString: context.parameters.get("request") ?? "") else { throw AppError.notFound("There is no such credit request.") }
            let learner = try await CreditPathways(store: d.store).recordAnswer(request: id, status: form.status, credits: form.credits, by: p)
            return SeeOther(location: "/learners/\(learner.uuidString)")
        }

        // A degree enrollment after the credential, from the learner or recorded by an administrator.
        routes.post("/learners/{id}/degrees", access: "admin, learner (self)") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            guard let learner = UUID(uuidString: context.parameters.get("id") ?? "") else { throw AppError.notFound("There is no learner with that id.") }
            struct Form: Decodable { var _csrf: String?; var institution: String?; var level: String?; var related: String?; var enrolled_on: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            try await CreditPathways(store: d.store).recordDegree(learner: learner, institution: form.institution, level: form.level, related: form.related == "yes",
                                                                  enrolledOn: form.enrolled_on, by: p)
            return SeeOther(location: "/learners/\(learner.uuidString)")
        }

        // Sharing is the learner's own choice: a new unguessable link (stored hashed), shown once, or none.
        routes.post("/learners/{id}/credentials/{credential}/share", access: "learner (self)") { request, context -> HTML in
            let p = try context.requirePrincipal()
            guard let learner = UUID(uuidString: context.parameters.get("id") ?? ""),
                  let id = UUID(uuidString: context.parameters.get("credential") ?? ""),
                  let c = try await d.credentials.credential(id: id), c.learnerID == learner
            else { throw AppError.notFound("There is no such credential.") }
            guard AccessPolicy.canShareCredential(of: learner, by: p) else { throw AppError.forbidden("only the learner can share their credential") }
            struct Form: Decodable { var _csrf: String?; var action: String? }
            let form = try await Forms.decode(Form.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            if form.action == "stop" {
                try await d.credentials.stopSharing(id: id)
                try await d.audit.record(userID: p.userID, action: "unshare_credential", subject: "credential:\(id.uuidString)")
                return d.views.page("shared_link", title: "Sharing stopped", ["stopped": true, "back": "/learners/\(learner.uuidString)"], context: context)
            }
            guard c.revokedAt == nil else { throw AppError.conflict("a revoked credential cannot be shared") }
            let token = try await d.credentials.share(id: id)
            try await d.audit.record(userID: p.userID, action: "share_credential", subject: "credential:\(id.uuidString)")
            return d.views.page("shared_link", title: "Your share link", [
                "stopped": false, "link": d.publicURL + "/c/" + token, "path": "/c/" + token, "back": "/learners/\(learner.uuidString)",
            ], context: context)
        }

        routes.get("/c/{token}", access: "public") { _, context -> HTML in
            let token = context.parameters.get("token") ?? ""
            guard let c = try await d.credentials.shared(token: token) else { throw AppError.notFound("This link is not shared, or no longer.") }
            return try await Self.sharedPage(c, token: token, d: d, context: context)
        }

        routes.get("/c/{token}/credential.jwt", access: "public") { _, context -> Response in
            let token = context.parameters.get("token") ?? ""
            guard let c = try await d.credentials.shared(token: token) else { throw AppError.notFound("This link is not shared, or no longer.") }
            return Response(status: .ok, headers: [.contentType: "application/vc+jwt", .contentDisposition: "attachment; filename=\"credential.jwt\""],
                            body: .init(byteBuffer: ByteBuffer(string: c.jwtEdDSA)))
        }

        routes.post("/credentials/{credential}/revoke", access: "admin") { request, context -> SeeOther in
            let p = try context.requirePrincipal()
            guard AccessPolicy.canRevokeCredentials(p) else { throw AppError.forbidden("only an administrator can revoke a credential") }
            let form = try await Forms.decode(RevokeForm.self, from: request)
            try FormCSRF.check(form._csrf, context: context)
            guard let id = UUID(uuidString: context.parameters.get("credential") ?? ""), let c = try await d.credentials.credential(id: id) else {
                throw AppError.notFound("There is no such credential.")
            }
            let reason = form.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !reason.isEmpty else { throw AppError.badRequest("reason: say why the credential is revoked; nothing was changed") }
            guard try await d.credentials.revoke(id: id, reason: String(reason.prefix(500))) else { throw AppError.conflict("this credential is already revoked") }
            try await d.audit.record(userID: p.userID, action: "revoke_credential", subject: "credential:\(id.uuidString)", detail: String(reason.prefix(200)))
            return SeeOther(location: "/learners/\(c.learnerID.uuidString)")
        }
    }

    /// A learner's shared credential page: what it is, that it verifies, the file, and the data LinkedIn's
    /// "Add licence or certification" form takes.
    static func sharedPage(_ c: CredentialRepository.Issued, token: String, d: Dependencies, context: AppContext) async throws -> HTML {
        let verification = try await d.credentials.verifier(currentIssuer: d.issuer.id).verify(c.jwtEdDSA)
        let credential = verification.credential.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        let subject = credential["credentialSubject"] as? [String: Any] ?? [:]
        let achievement = subject["achievement"] as? [String: Any] ?? [:]
        let issuer = (credential["issuer"] as? [String: Any])?["name"] as? String ?? d.configuration.issuerName
        let skills = (achievement["alignment"] as? [[String: Any]] ?? []).compactMap { $0["targetName"] as? String }
        let shareURL = d.publicURL + "/c/" + token
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: c.completedAt)
        var linkedIn = URLComponents(string: "https://www.linkedin.com/profile/add")!
        linkedIn.queryItems = [
            .init(name: "startTask", value: "CERTIFICATION_NAME"), .init(name: "name", value: c.programTitle),
            .init(name: "organizationName", value: issuer), .init(name: "issueYear", value: String(parts.year ?? 0)),
            .init(name: "issueMonth", value: String(parts.month ?? 0)), .init(name: "certUrl", value: shareURL),
            .init(name: "certId", value: c.id.uuidString.lowercased()),
        ]
        // Who awarded it: the program's provider (the issuer signs for the initiative).
        var provider = ""
        if let program = try await d.catalog.program(id: c.programID), let p = try await d.catalog.provider(id: program.providerID) {
            provider = "\(p.name), for its \(program.kind.label) \(program.title)"
        }
        return d.views.page("shared_credential", title: c.programTitle, [
            "name": c.programTitle, "issuer": issuer, "provider": provider, "description": achievement["description"] as? String ?? "",
            "criteria": (achievement["criteria"] as? [String: Any])?["narrative"] as? String ?? "",
            "type": achievement["achievementType"] as? String ?? "", "completed": Format.day(c.completedAt),
            "credits": (achievement["creditsAvailable"] as? NSNumber).map { String(format: "%g", $0.doubleValue) } ?? "",
            "skills": skills.joined(separator: ", "), "verified": verification.verified,
            "checks": verification.checks.map { ["name": $0.name, "passed": $0.passed, "detail": $0.detail] },
            "file": "/c/\(token)/credential.jwt", "linkedIn": linkedIn.url?.absoluteString ?? "", "shareURL": shareURL,
        ], context: context)
    }

    static func jsonObject(_ object: [String: Any], type: String) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
