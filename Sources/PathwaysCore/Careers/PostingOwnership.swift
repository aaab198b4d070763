import Foundation

/// Who may write a job posting. An employer partner's account creates and updates only its own postings, and may
/// not post in another employer partner's name; an administrator may update any posting; an update never moves a
/// posting to another owner (its applicants and candidates go with it).
public enum PostingOwnership {
    /// An employer partner as the rule sees it.
    public struct Party: Sendable, Equatable {
        public var id: UUID
        public var key: String
        public var name: String
        public init(id: UUID, key: String, name: String) {
            self.id = id
            self.key = key
            self.name = name
        }

        /// Whether an organisation named in a posting is this employer partner (by name or key, ignoring case).
        public func isNamed(_ organisation: String) -> Bool {
            let o = organisation.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            return o == name.lowercased() || o == key.lowercased()
        }
    }

    /// Who is writing: an employer partner's account (for its employer), or an administrator (optionally filing the
    /// postings under an employer partner).
    public enum Writer: Sendable, Equatable {
        case employer(Party)
        case administrator(for: Party?)
    }

    /// Why `writer` may not write this posting, or nil when it may.
    /// - Parameters:
    ///   - existing: the stored posting with the same organisation and identifier, if there is one: its owner (nil when
    ///     no employer partner owns it).
    ///   - organisation: the hiring organisation the posting names.
    ///   - partners: every employer partner, to recognise one named in the posting.
    public static func refusal(writer: Writer, existing: (owner: Party?, found: Bool), organisation: String?, partners: [Party]) -> String? {
        switch writer {
        case .employer(let me):
            if let organisation, !me.isNamed(organisation), let other = partners.first(where: { $0.id != me.id && $0.isNamed(organisation) }) {
                return "it names \(other.name), another employer partner, as the hiring organisation; an employer partner posts only its own roles"
            }
            guard existing.found else { return nil }
            guard let owner = existing.owner else {
                return "a posting with this identifier already exists and belongs to no employer partner; only an administrator may change it"
            }
            return owner.id == me.id ? nil
                : "a posting with this identifier already belongs to another employer partner; an employer partner may update only its own postings"
        case .administrator(let filedUnder):
            guard existing.found, let filedUnder, existing.owner?.id != filedUnder.id else { return nil }
            return "a posting with this identifier already exists and belongs to \(existing.owner?.name ?? "no employer partner"), not \(filedUnder.name); a posting keeps its owner"
        }
    }

    /// Whether an employer partner's account manages a stored posting (its candidates, its applications): only when
    /// the posting is filed under that same partner; a posting no partner owns is an administrator's to manage.
    public static func mayManage(postingEmployer: UUID?, accountEmployer: UUID) -> Bool {
        postingEmployer == accountEmployer
    }
}
