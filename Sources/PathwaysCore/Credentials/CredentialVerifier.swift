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
    public var verified: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }
    /// The first failed check.
    public var failure: Check? { checks.first { !$0.passed } }

    mutating func add(_ name: String, _ passed: Bool, _ detail: String) { checks.append(Check(name: name, passed: passed, detail: detail)) }
}

/// Checks any Open Badges 3.0 VC-JWT: ours or another issuer's whose key is in the trust list (by `kid`) or is a
/// `did:key` (Ed25519). Checks the signature, that `iss`, `jti`, `sub`, `nbf` and `exp` agree with the credential,
/// the validity dates against `now`, and the revocation status through `status`.
public struct CredentialVerifier: Sendable {
    /// Revocation bit of a status list entry: true revoked, false not, nil when the list could not be read.
    /// `trustedKey` says whether the credential was signed with a key from the trust list (not a did:key).
    public typealias StatusLookup = @Sendable (_ listCredential: String, _ index: Int, _ trustedKey: Bool) -> Bool?

    public var trusted: [String: VerificationKey]
    public var status: StatusLookup

    public init(trusted: [VerificationKey], status: @escaping StatusLookup) {
        self.trusted = Dictionary(trusted.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.status = status
    }

    public func verify(_ text: String, now: Date = Date()) -> CredentialVerification {
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

        // The key: by kid in the trust list, else a did:key in kid or iss.
        let issuerID = (credential["issuer"] as? [String: Any])?["id"] as? String ?? credential["issuer"] as? String
        var key: VerificationKey?
        var trustedKey = false
        if let kid = jws.keyID, let k = trusted[kid] ?? kid.split(separator: "#", maxSplits: 1).dropFirst().first.flatMap({ trusted[String($0)] }) {
            key = k
            trustedKey = true
        } else if let did = [jws.keyID, payload["iss"] as? String, issuerID].compactMap({ $0 }).first(where: { $0.hasPrefix("did:key:") }) {
            key = DIDKey.resolve(did)
        }
        if let key {
            result.add("key", true, "Signed with key \(key.id) (\(key.algorithm.rawValue)).")
            let algorithmMatches = jws.algorithm == key.algorithm.rawValue
            let ok = jws.isSigned(by: key)
            result.add("signature", ok, ok ? "The signature is valid: nothing was changed since it was signed."
                       : algorithmMatches ? "The signature does not match: the credential was changed after signing, or another key signed it."
                       : "The header names algorithm \(jws.algorithm ?? "(none)"), but key \(key.id) is \(key.algorithm.rawValue).")
        } else {
            result.add("key", false, "The signing key \(jws.keyID ?? "(no kid)") is not in the trust list and is not a did:key.")
            result.add("signature", false, "The signature could not be checked without the issuer's key.")
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
        } else if validFrom == nil {
            result.add("dates", false, "The credential has no validFrom date.")
        } else {
            result.add("dates", true, validUntil.map { "Valid from \(OpenBadgeCredential.timestamp(validFrom!)) until \(OpenBadgeCredential.timestamp($0))." }
                       ?? "Valid from \(OpenBadgeCredential.timestamp(validFrom!)), with no end date.")
        }

        // Revocation.
        if let entry = credential["credentialStatus"] as? [String: Any] {
            let list = entry["statusListCredential"] as? String
            let index = (entry["statusListIndex"] as? String).flatMap(Int.init) ?? (entry["statusListIndex"] as? NSNumber)?.intValue
            if entry["type"] as? String != "BitstringStatusListEntry" || list == nil || index == nil {
                result.add("revocation", false, "The status entry is not a BitstringStatusListEntry with a list and an index.")
            } else {
                switch status(list!, index!, trustedKey && result.checks.first { $0.name == "signature" }?.passed == true) {
                case .some(true): result.add("revocation", false, "The issuer has revoked this credential.")
                case .some(false): result.add("revocation", true, "Not revoked (status list \(list!), entry \(index!)).")
                case .none: result.add("revocation", false, "The status list \(list!) could not be read, so revocation was not checked.")
                }
            }
        } else {
            result.add("revocation", true, "The credential has no status entry; it cannot be revoked.")
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
