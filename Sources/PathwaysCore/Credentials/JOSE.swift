import Crypto
import CryptoExtras
import Foundation

/// Base64url without padding (RFC 7515 §2), the encoding of every part of a compact JWS and of JWK members.
public enum Base64URL {
    public static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        switch s.count % 4 {
        case 0: break
        case 2: s += "=="
        case 3: s += "="
        default: return nil
        }
        return Data(base64Encoded: s)
    }
}

/// The two signature algorithms Pathways issues with: Ed25519 (`EdDSA`, the default) and RSA PKCS#1 v1.5 with
/// SHA-256 (`RS256`, the minimum the Open Badges 3.0 specification requires every verifier to accept).
public enum JWSAlgorithm: String, Sendable, CaseIterable, Codable {
    case eddsa = "EdDSA"
    case rs256 = "RS256"
}

/// A private key that signs credentials, with the key id (`kid`) published beside its public half.
public struct SigningKey: Sendable {
    public enum Material: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    public let id: String
    public let material: Material

    public var algorithm: JWSAlgorithm {
        switch material {
        case .ed25519: .eddsa
        case .rsa: .rs256
        }
    }

    public init(id: String, material: Material) {
        self.id = id
        self.material = material
    }

    /// A new key: Ed25519, or RSA of 2048 bits. The key id is the RFC 7638 thumbprint of its public JWK.
    public static func generate(_ algorithm: JWSAlgorithm) throws -> SigningKey {
        let material: Material = switch algorithm {
        case .eddsa: .ed25519(Curve25519.Signing.PrivateKey())
        case .rs256: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        }
        let provisional = SigningKey(id: "", material: material)
        return SigningKey(id: try provisional.publicKey.thumbprint(), material: material)
    }

    /// The private key as bytes to store (encrypted): the raw 32-byte seed for Ed25519, PKCS#8 DER for RSA.
    public var privateBytes: Data {
        switch material {
        case .ed25519(let k): k.rawRepresentation
        case .rsa(let k): k.derRepresentation
        }
    }

    public init(id: String, algorithm: JWSAlgorithm, privateBytes: Data) throws {
        self.id = id
        switch algorithm {
        case .eddsa: material = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: privateBytes))
        case .rs256: material = .rsa(try _RSA.Signing.PrivateKey(derRepresentation: privateBytes))
        }
    }

    public var publicKey: VerificationKey {
        switch material {
        case .ed25519(let k): VerificationKey(id: id, material: .ed25519(k.publicKey))
        case .rsa(let k): VerificationKey(id: id, material: .rsa(k.publicKey))
        }
    }

    func sign(_ input: Data) throws -> Data {
        switch material {
        case .ed25519(let k): return try k.signature(for: input)
        case .rsa(let k): return try k.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation
        }
    }
}

/// A public key that checks signatures, read from or written as a JWK (RFC 7517; OKP keys RFC 8037).
public struct VerificationKey: Sendable {
    public enum Material: Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    public let id: String
    public let material: Material

    public var algorithm: JWSAlgorithm {
        switch material {
        case .ed25519: .eddsa
        case .rsa: .rs256
        }
    }

    public init(id: String, material: Material) {
        self.id = id
        self.material = material
    }

    /// The JWK members that identify the key, without `kid`, `alg` or `use`.
    func requiredMembers() throws -> [String: String] {
        switch material {
        case .ed25519(let k):
            return ["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(k.rawRepresentation)]
        case .rsa(let k):
            let p = try k.getKeyPrimitives()
            return ["kty": "RSA", "n": Base64URL.encode(Self.trimmed(p.modulus)), "e": Base64URL.encode(Self.trimmed(p.publicExponent))]
        }
    }

    /// The public JWK with `kid`, `alg` and `use: sig`.
    public func jwk() throws -> [String: String] {
        var members = try requiredMembers()
        members["kid"] = id
        members["alg"] = algorithm.rawValue
        members["use"] = "sig"
        return members
    }

    /// RFC 7638: SHA-256 over the required members in lexicographic order, without whitespace.
    public func thumbprint() throws -> String {
        let members = try requiredMembers()
        let json = "{" + members.keys.sorted().map { "\"\($0)\":\"\(members[$0]!)\"" }.joined(separator: ",") + "}"
        return Base64URL.encode(Data(SHA256.hash(data: Data(json.utf8))))
    }

    public init(jwk: [String: Any]) throws(JOSEError) {
        let kid = jwk["kid"] as? String ?? ""
        switch jwk["kty"] as? String {
        case "OKP":
            guard jwk["crv"] as? String == "Ed25519" else { throw JOSEError("the JWK's curve \(jwk["crv"] ?? "(none)") is not Ed25519") }
            guard let x = (jwk["x"] as? String).flatMap(Base64URL.decode), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x) else {
                throw JOSEError("the JWK's x is not a 32-byte Ed25519 public key")
            }
            self.init(id: kid, material: .ed25519(key))
        case "RSA":
            guard let n = (jwk["n"] as? String).flatMap(Base64URL.decode), let e = (jwk["e"] as? String).flatMap(Base64URL.decode) else {
                throw JOSEError("the RSA JWK lacks n or e")
            }
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { throw JOSEError("the RSA JWK is not a key of 2048 bits or more") }
            self.init(id: kid, material: .rsa(key))
        default:
            throw JOSEError("the JWK's key type \(jwk["kty"] ?? "(none)") is neither OKP nor RSA")
        }
    }

    func isValid(signature: Data, for input: Data) -> Bool {
        switch material {
        case .ed25519(let k): return k.isValidSignature(signature, for: input)
        case .rsa(let k):
            return k.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
        }
    }

    private static func trimmed(_ bytes: some DataProtocol) -> Data {
        let data = Data(bytes)
        guard let first = data.firstIndex(where: { $0 != 0 }) else { return Data([0]) }
        return data[first...]
    }
}

public struct JOSEError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A JWS in compact serialisation (RFC 7515 §7.1): header.payload.signature, each base64url.
public struct CompactJWS: Sendable {
    public let header: [String: any Sendable]
    public let headerJSON: Data
    public let payloadJSON: Data
    public let signingInput: Data
    public let signature: Data

    /// Signs `payload` (a JSON object) with `key`: header `{"alg", "kid", "typ"}`.
    public static func sign(payload: Data, key: SigningKey, keyID: String? = nil, type: String = "JWT") throws -> String {
        let header = try JSONSerialization.data(withJSONObject: ["alg": key.algorithm.rawValue, "kid": keyID ?? key.id, "typ": type],
                                                options: [.sortedKeys, .withoutEscapingSlashes])
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(try key.sign(Data(input.utf8)))
    }

    /// Splits and decodes a compact JWS; the signature is not checked here.
    public init(parsing text: String) throws(JOSEError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw JOSEError("not a compact JWS: \(parts.count) parts separated by dots, not 3") }
        guard let h = Base64URL.decode(parts[0]) else { throw JOSEError("the JWS header is not base64url") }
        guard let p = Base64URL.decode(parts[1]) else { throw JOSEError("the JWS payload is not base64url") }
        guard let s = Base64URL.decode(parts[2]) else { throw JOSEError("the JWS signature is not base64url") }
        guard let object = (try? JSONSerialization.jsonObject(with: h)) as? [String: Any] else { throw JOSEError("the JWS header is not a JSON object") }
        var header: [String: any Sendable] = [:]
        for (k, v) in object { if let v = v as? String { header[k] = v } else if let v = v as? NSNumber { header[k] = v.doubleValue } }
        self.header = header
        headerJSON = h
        payloadJSON = p
        signature = s
        signingInput = Data((parts[0] + "." + parts[1]).utf8)
    }

    public var algorithm: String? { header["alg"] as? String }

    /// Header members the signer marked as critical (`crit`, RFC 7515 §4.1.11), plus `b64` when it changes how the
    /// payload is signed (RFC 7797): a verifier that does not implement them must refuse the token.
    public var criticalHeaders: [String] {
        guard let object = (try? JSONSerialization.jsonObject(with: headerJSON)) as? [String: Any] else { return [] }
        var names = (object["crit"] as? [Any])?.map { "\($0)" } ?? (object["crit"] != nil ? ["crit"] : [])
        if object["b64"] != nil && !names.contains("b64") { names.append("b64") }
        return names
    }
    public var keyID: String? { header["kid"] as? String }

    /// Whether `key` made the signature, with the header's algorithm matching the key's.
    public func isSigned(by key: VerificationKey) -> Bool {
        algorithm == key.algorithm.rawValue && key.isValid(signature: signature, for: signingInput)
    }
}
