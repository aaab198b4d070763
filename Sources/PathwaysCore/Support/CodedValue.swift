/// An enumeration stored and imported by a short code (its raw value).
///
/// Parsing is forgiving about case, spaces, hyphens and apostrophes, so "Professional Certificate",
/// "professional-certificate" and "professional_certificate" all name the same value.
public protocol CodedValue: RawRepresentable, CaseIterable where RawValue == String {
    var label: String { get }
}

extension CodedValue {
    public init?(code: String) {
        let wanted = Self.normalise(code)
        guard let match = Self.allCases.first(where: { Self.normalise($0.rawValue) == wanted || Self.normalise($0.label) == wanted })
        else { return nil }
        self = match
    }

    /// The accepted codes, for error messages.
    public static var codeList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    static func normalise(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { CharacterSetLite.isAlphanumeric($0) }.map(Character.init))
    }
}

enum CharacterSetLite {
    static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        s.properties.isAlphabetic || ("0"..."9").contains(s)
    }
}
