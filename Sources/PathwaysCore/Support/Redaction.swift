import Foundation

/// What never reaches a log line, from one list: secrets in paths (survey links, share links), passwords in
/// connection URLs, and the values a database driver logs (bound parameters, rows read back), which carry emails,
/// names and answers.
public enum Redaction {
    /// Route parameters whose value is a credential: whoever holds it gets in. A route with one of these in its path
    /// is masked in the request log; `RouteRedactionTests` fails when a route has a parameter in neither list.
    public static let secretPathParameters: Set<String> = ["token"]

    /// Route parameters that are ids, keys or numbers: they identify a record to those allowed to see it and are no
    /// credential, so they stay in the log for tracing requests.
    public static let plainPathParameters: Set<String> = [
        "id", "programId", "kind", "study", "number", "version", "item", "credential", "request", "posting", "event", "application",
        // A respondent id is a pseudonym: it names a case to the study's researchers, not a person to anyone else.
        "respondent",
        // A catalog record's platform id (provider, program, course, employer) or a credit agreement's id.
        "key",
    ]

    /// Log metadata that carries data rather than structure: SQLKit's bound values, PostgresNIO's wire messages and
    /// actions (rows, parameters) at trace level.
    public static let secretMetadataKeys: Set<String> = [
        "binds", "psql_binds", "psql_message", "psql_message_payload", "psql_connection_action", "psql_user_event", "psql_notice",
    ]

    /// What a masked value is replaced by.
    public static let mask = "[redacted]"

    /// `scheme://user:password@host…` with the password masked; also for text URLComponents cannot read
    /// (`smtp://user:secret@/x`). Text without a password comes back unchanged.
    public static func url(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return text }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return text }
        return String(text[..<scheme.upperBound]) + userinfo[..<colon] + ":" + mask + String(rest[at...])
    }

    /// A request path for the log: every segment that a route template puts a secret parameter in is masked, whether or
    /// not the request matched the route (a mistyped or expired link is a secret too).
    public struct PathMasker: Sendable {
        struct Pattern: Sendable {
            /// The template's segments, nil where a parameter stands.
            var literals: [String?]
            /// Positions and names of its secret parameters.
            var secrets: [(index: Int, name: String)]
        }
        let patterns: [Pattern]

        public init(templates: [String]) {
            var patterns: [Pattern] = []
            for template in templates {
                var pattern = Pattern(literals: [], secrets: [])
                for (i, segment) in template.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
                    if let name = Redaction.parameterName(segment) {
                        pattern.literals.append(nil)
                        if Redaction.secretPathParameters.contains(name) { pattern.secrets.append((i, name)) }
                    } else {
                        pattern.literals.append(String(segment))
                    }
                }
                if !pattern.secrets.isEmpty { patterns.append(pattern) }
            }
            self.patterns = patterns
        }

        public func mask(_ path: String) -> String {
            var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            for pattern in patterns {
                for secret in pattern.secrets where secret.index < segments.count {
                    let prefixMatches = (0..<secret.index).allSatisfy { pattern.literals[$0] == nil || pattern.literals[$0] == segments[$0] }
                    if prefixMatches { segments[secret.index] = "[\(secret.name)]" }
                }
            }
            return segments.joined(separator: "/")
        }
    }

    /// `token` for a template segment `{token}`; nil for a literal segment.
    public static func parameterName(_ segment: some StringProtocol) -> String? {
        guard segment.hasPrefix("{"), segment.hasSuffix("}"), segment.count > 2 else { return nil }
        return String(segment.dropFirst().dropLast())
    }
}
