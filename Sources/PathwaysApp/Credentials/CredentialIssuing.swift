import Foundation
import PathwaysCore
import PathwaysStore

/// Issuing Open Badges 3.0 credentials: one for every completion that has none yet (after each import, from `pathways
/// issue-credentials`, and for the demo). Which programs' courses earn their own is the catalog's
/// (`CatalogAdministration.setCourseCredentials`).
public struct CredentialIssuing: Sendable {
    let store: Store
    let keyring: CredentialKeyring
    let issuer: OpenBadgeCredential.Issuer
    let publicURL: String

    public init(store: Store, keyring: CredentialKeyring, publicURL: String, issuerName: String) {
        self.store = store
        self.keyring = keyring
        self.publicURL = publicURL
        issuer = CredentialRepository.issuer(publicURL: publicURL, name: issuerName)
    }

    /// A credential for every completed program (and course, where its program says so) that has none yet.
    @discardableResult
    public func issueForCompletions(now: Date = Date()) async throws -> Int {
        try await CredentialRepository(store: store, keyring: keyring).issueForCompletions(issuer: issuer, publicURL: publicURL, now: now)
    }
}
