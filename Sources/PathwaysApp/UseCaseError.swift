import PathwaysCore

/// Why a use case did not do what was asked, in words the person can act on. Doors turn these into their own
/// answers (a status and page, a JSON error, an exit code).
public enum UseCaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing of that name, or nothing the asker may know exists.
    case notFound(String)
    /// The asker may not do this.
    case forbidden(String)
    /// What was sent cannot be used as it is.
    case invalid(String)
    /// It clashes with what is stored (already done, already taken).
    case conflict(String)
    /// What a person filled in has these problems, each naming its field; nothing was stored.
    case rejected([FieldProblem])

    public var description: String {
        switch self {
        case .notFound(let m), .forbidden(let m), .invalid(let m), .conflict(let m): m
        case .rejected(let problems): problems.map(\.description).joined(separator: "; ")
        }
    }
}
