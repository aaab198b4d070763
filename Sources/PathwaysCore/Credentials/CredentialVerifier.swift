import Foundation

/// What checking a VC-JWT found, check by check, in words a learner or an admissions office can read.
public struct CredentialVerification: Sendable {
    public struct Check: Sendable, Equatable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public var checks: [Check] = []
    /// The credential's JSON (the payload, or its `vc` claim), when the JWS could be read.
    public var credential: Data?
    /// The issuer's identifier as the credential states it; only to be trusted when `verified`.
    public var issuerID: String?
    public var verified: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }
    /// The first failed check.
    public var failure: Check? { checks.first { !$0.passed } }

    mutating func add(_ name: String, _ passed: Bool, _ detail: String) { checks.append(Check(name: name, passed: passed, detail: detail)) }
}

/// Checks any Open Badges 3.0 VC-JWT (or CLR 2.0 record) without the network.
///
/// The signing key is resolved **from the issuer's identifier**, never from the token's header alone: a `did:key`
/// issuer is its own key, so it may sign only with that key; a `did:web` issuer's keys are the ones its DID document
/// lists, and the only DID documents this verifier can read are this deployment's own (`ownIssuers`, with every key it
/// ever published in `keys`). The header's `kid` must name a key of that issuer. A credential claiming one of this
/// deployment's identifiers always carries a status entry (every credential it issues has one), so one without it is
/// refused. Then the registered claims (`iss`, `jti`, `sub`, `nbf`, `exp`) must agree with the credential, the dates
/// hold at `now`, and revocation is read through `status` — or reported as not checked, never as "not revoked".
public struct CredentialVerifier: Sendable {
    /// Revocation bit of an entry in one of this deployment's status lists: true revoked, false not, nil when the list
    /// could not be read.
    public typealias StatusLookup = @Sendable (_ listCredential: String, _ index: Int) -> Bool?

    /// The `did:web` identifiers this deployment has issued under.
    public var ownIssuers: Set<String>
    /// Every key this deployment published, by key id (its RFC 7638 thumbprint).
    public var keys: [String: VerificationKey]
    public var status: StatusLookup

    public init(ownIssuers: Set<String>, keys: [VerificationKey], status: @escaping StatusLookup) {
        self.ownIssuers = ownIssuers
        self.keys = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.status = status
    }

    /// The key the issuer signs with, or why there is none the verifier may use.
    enum KeyResolution {
        case key(VerificationKey)
        case refused(String)
    }

    /// Resolves the signing key from the issuer's identifier and checks that the header's `kid` names it.
    func resolveKey(issuer: String?, kid: String?) -> KeyResolution {
        guard let issuer, !issuer.isEmpty else { return .refused("The credential names no issuer, so no key can be checked against it.") }
        let kidDID = kid.map { String($0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }
        if issuer.hasPrefix("did:key:") {
            guard let key = DIDKey.resolve(issuer) else { return .refused("The issuer \(issuer) is not an Ed25519 did:key.") }
            if let kid, kidDID != issuer {
                return .refused("The signing key \(kid) does not belong to the issuer \(issuer): a did:key issuer signs only with its own key.")
            }
            return .key(key)
        }
        if ownIssuers.contains(issuer) {
            guard let kid else { return .refused("The header names no key (kid); \(issuer) signs with a key its DID document lists.") }
            let fragment = kid.split(separator: "#", maxSplits: 1).dropFirst().first.map(String.init)
            guard kidDID == issuer, let fragment, let key = keys[fragment] else {
                return .refused("The signing key \(kid) does not belong to the issuer \(issuer): its DID document lists only the keys it published, as \(issuer)#<key id>.")
            }
            return .key(key)
        }
        if issuer.hasPrefix("did:web:") {
            return .refused("The issuer \(issuer) publishes its keys in a DID document that cannot be fetched from here, so the signature cannot be checked.")
        }
        return .refused("The issuer \(issuer) is neither a did:key nor a did:web whose keys are known here, so the signature cannot be checked.")
    }

    public func verify(_ text: String, now: Date = Date()) -> CredentialVerification {
        verify(text, now: now, depth: 0)
    }

    func verify(_ text: String, now: Date, depth: Int) -> CredentialVerification {
        var result = CredentialVerification()
        let jws: CompactJWS
        do {
            jws = try CompactJWS(parsing: text)
        } catch {
            result.add("format", false, "This is not a signed credential (VC-JWT): \(error.description).")
            return result
        }
        guard let payload = (try? JSONSerialization.jsonObject(with: jws.payloadJSON)) as? [String: Any] else {
            result.add("format", false, "The signed content is not a JSON object.")
            return result
        }
        let credential = payload["vc"] as? [String: Any] ?? payload
        result.credential = try? JSONSerialization.data(withJSONObject: credential, options: [.sortedKeys, .withoutEscapingSlashes])
        let types = Self.strings(credential["type"])
        let isBadge = types.contains("VerifiableCredential") && (types.contains("OpenBadgeCredential") || types.contains("AchievementCredential"))
        let isRecord = types.contains("VerifiableCredential") && types.contains("ClrCredential")
        result.add("format", isBadge || isRecord, isBadge ? "A VC-JWT holding an Open Badges 3.0 credential."
                   : isRecord ? "A VC-JWT holding a Comprehensive Learner Record 2.0."
                   : "The credential's type is \(types.joined(separator: ", ")), not an OpenBadgeCredential.")

        // The key, from the issuer's identifier; the header may only name it.
        let issuerID = (credential["issuer"] as? [String: Any])?["id"] as? String ?? credential["issuer"] as? String
        result.issuerID = issuerID
        let ours = issuerID.map(ownIssuers.contains) ?? false
        let algorithm = jws.algorithm ?? "(none)"
        var signatureValid = false
        if !JWSAlgorithm.allCases.map(\.rawValue).contains(algorithm) {
            result.add("key", false, "The header's algorithm \(algorithm) is not accepted: only EdDSA and RS256 signatures are (an unsigned or shared-secret token proves nothing about its issuer).")
            result.add("signature", false, "The signature was not checked.")
        } else if !jws.criticalHeaders.isEmpty {
            result.add("key", false, "The header marks \(jws.criticalHeaders.joined(separator: ", ")) as critical (crit), which this verifier does not understand.")
            result.add("signature", false, "The signature was not checked.")
        } else {
            switch resolveKey(issuer: issuerID, kid: jws.keyID) {
            case .refused(let why):
                result.add("key", false, why)
                result.add("signature", false, "The signature was not checked.")
            case .key(let key):
                result.add("key", true, "Signed with key \(key.id) (\(key.algorithm.rawValue)) of \(issuerID!).")
                signatureValid = jws.isSigned(by: key)
                result.add("signature", signatureValid, signatureValid ? "The signature is valid: nothing was changed since it was signed."
                           : algorithm == key.algorithm.rawValue ? "The signature does not match: the credential was changed after signing, or another key signed it."
                           : "The header names algorithm \(algorithm), but key \(key.id) is \(key.algorithm.rawValue).")
            }
        }

        // Registered claims against the credential.
        var mismatches: [String] = []
        let subjectID = (credential["credentialSubject"] as? [String: Any])?["id"] as? String
        let validFrom = (credential["validFrom"] as? String ?? credential["issuanceDate"] as? String).flatMap(OpenBadgeCredential.date)
        let validUntil = (credential["validUntil"] as? String ?? credential["expirationDate"] as? String).flatMap(OpenBadgeCredential.date)
        func same(_ claim: String, _ value: String?) {
            guard let c = payload[claim] else { mismatches.append("\(claim) is missing"); return }
            if c as? String != value { mismatches.append("\(claim) is \(c), the credential says \(value ?? "nothing")") }
        }
        func sameTime(_ claim: String, _ value: Date?, required: Bool) {
            guard let c = (payload[claim] as? NSNumber)?.doubleValue else {
                if required || value != nil { mismatches.append("\(claim) is missing") }
                return
            }
            guard let value else { mismatches.append("\(claim) is set but the credential has no matching date"); return }
            if abs(c - value.timeIntervalSince1970) >= 1 { mismatches.append("\(claim) is \(OpenBadgeCredential.timestamp(Date(timeIntervalSince1970: c))), the credential says \(OpenBadgeCredential.timestamp(value))") }
        }
        same("iss", issuerID)
        same("jti", credential["id"] as? String)
        same("sub", subjectID)
        sameTime("nbf", validFrom, required: true)
        sameTime("exp", validUntil, required: false)
        result.add("claims", mismatches.isEmpty, mismatches.isEmpty ? "iss, jti, sub, nbf\(validUntil == nil ? "" : " and exp") agree with the credential."
                   : "The token's claims disagree with the credential: " + mismatches.joined(separator: "; ") + ".")

        // Dates.
        if let validFrom, now < validFrom {
            result.add("dates", false, "Not valid before \(OpenBadgeCredential.timestamp(validFrom)).")
        } else if let validUntil, now >= validUntil {
            result.add("dates", false, "Expired on \(OpenBadgeCredential.timestamp(validUntil)).")
        } else if let validFrom {
            result.add("dates", true, validUntil.map { "Valid from \(OpenBadgeCredential.timestamp(validFrom)) until \(OpenBadgeCredential.timestamp($0))." }
                       ?? "Valid from \(OpenBadgeCredential.timestamp(validFrom)), with no end date.")
        } else {
            result.add("dates", false, "The credential has no validFrom date.")
        }

        // Revocation.
        if let entry = credential["credentialStatus"] as? [String: Any] {
            let list = entry["statusListCredential"] as? String
            let index = (entry["statusListIndex"] as? String).flatMap(Int.init) ?? (entry["statusListIndex"] as? NSNumber)?.intValue
            if entry["type"] as? String != "BitstringStatusListEntry" || list == nil || index == nil || index! < 0 {
                result.add("revocation", false, "The status entry is not a BitstringStatusListEntry with a list and an index.")
            } else if !ours {
                result.add("revocation", false, "Revocation could not be checked: the status list \(list!) is not this deployment's and cannot be fetched from here.")
            } else if !signatureValid {
                result.add("revocation", false, "Revocation could not be checked: the signature did not verify, so the status entry cannot be trusted.")
            } else {
                switch status(list!, index!) {
                case .some(true): result.add("revocation", false, "The issuer has revoked this credential.")
                case .some(false): result.add("revocation", true, "Not revoked (status list \(list!), entry \(index!)).")
                case .none: result.add("revocation", false, "Revocation could not be checked: the status list \(list!) could not be read.")
                }
            }
        } else if ours && isBadge {
            result.add("revocation", false, "The credential names \(issuerID!) as its issuer but carries no status entry; every credential \(issuerID!) issues has one, so this one was not issued there.")
        } else {
            result.add("revocation", true, isRecord ? "A learner record carries no status entry; each credential it holds is checked on its own."
                       : "The credential has no status entry; its issuer cannot revoke it.")
        }

        // A learner record: every credential it envelops must verify on its own.
        if isRecord && depth == 0 {
            let enveloped = ((credential["credentialSubject"] as? [String: Any])?["verifiableCredential"] as? [[String: Any]] ?? []).map { entry -> String in
                let id = entry["id"] as? String ?? ""
                return id.hasPrefix("data:application/vc+jwt,") ? String(id.dropFirst("data:application/vc+jwt,".count)) : id
            }
            let failures = enveloped.enumerated().compactMap { i, jwt -> String? in
                let inner = verify(jwt, now: now, depth: depth + 1)
                return inner.verified ? nil : "credential \(i + 1): \(inner.failure?.detail ?? "not verified")"
            }
            result.add("credentials", failures.isEmpty, failures.isEmpty ? "Each of the \(enveloped.count) credentials it holds verifies."
                       : "Not every credential it holds verifies: " + failures.joined(separator: " "))
        }
        return result
    }

    static func strings(_ value: Any?) -> [String] {
        if let s = value as? String { return [s] }
        return value as? [String] ?? []
    }
}

/// `did:key` for Ed25519 public keys: multibase base58btc (`z`) of the multicodec prefix 0xed 0x01 and the key.
public enum DIDKey {
    public static func resolve(_ did: String) -> VerificationKey? {
        let id = did.split(separator: "#").first.map(String.init) ?? did
        guard id.hasPrefix("did:key:z"), let bytes = Base58.decode(String(id.dropFirst("did:key:z".count))),
              bytes.count == 34, bytes[0] == 0xed, bytes[1] == 0x01,
              let key = try? VerificationKey(jwk: ["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(bytes[2...]), "kid": did])
        else { return nil }
        return key
    }

    public static func identifier(for key: VerificationKey) -> String? {
        guard case .ed25519(let k) = key.material else { return nil }
        return "did:key:z" + Base58.encode([0xed, 0x01] + [UInt8](k.rawRepresentation))
    }
}

/// Base58 with the Bitcoin alphabet.
enum Base58 {
    static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")

    static func encode(_ bytes: [UInt8]) -> String {
        var digits: [Int] = [0]
        for byte in bytes {
            var carry = Int(byte)
            for i in digits.indices {
                carry += digits[i] << 8
                digits[i] = carry % 58
                carry /= 58
            }
            while carry > 0 { digits.append(carry % 58); carry /= 58 }
        }
        let zeros = bytes.prefix { $0 == 0 }.count
        let body = bytes.count == zeros ? "" : String(digits.reversed().drop { $0 == 0 }.map { alphabet[$0] })
        return String(repeating: "1", count: zeros) + body
    }

    static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = [0]
        for ch in text {
            guard let value = alphabet.firstIndex(of: ch) else { return nil }
            var carry = value
            for i in bytes.indices {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 { bytes.append(UInt8(carry & 0xff)); carry >>= 8 }
        }
        let zeros = text.prefix { $0 == "1" }.count
        let body = Array(bytes.reversed().drop { $0 == 0 })
        return [UInt8](repeating: 0, count: zeros) + body
    }
}
