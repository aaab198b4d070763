import Foundation
import Logging
import Mustache
import PathwaysApp
import PathwaysCore
import PathwaysStore
import Prometheus

/// What controllers and middleware need, built once in `buildApplication` and passed in.
public struct Dependencies: Sendable {
    public let configuration: AppConfiguration
    public let store: Store
    public let catalog: CatalogRepository
    public let learners: LearnerRepository
    public let accounts: AccountRepository
    public let imports: ImportRepository
    /// Imports of CSV exports, for the Imports page, the API and the background service.
    public let dataImports: DataImports
    public let audit: AuditRepository
    public let studies: StudyRepository
    public let fieldwork: FieldworkRepository
    public let outbox: OutboxRepository
    public let privacy: PrivacyRepository
    public let credentials: CredentialRepository
    public let views: Views
    /// The use cases the doors call.
    public let app: UseCases
    var versionCache: VersionCache { app.versions }
    public let metrics: PrometheusCollectorRegistry
    public let passwords: Passwords
    public var publicURL: String { configuration.resolvedPublicURL }
    public var issuer: OpenBadgeCredential.Issuer { CredentialRepository.issuer(publicURL: publicURL, name: configuration.issuerName) }

    public init(configuration: AppConfiguration, store: Store, views: Views, metrics: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.store = store
        self.app = UseCases(store: store)
        self.catalog = CatalogRepository(store: store)
        self.learners = LearnerRepository(store: store)
        self.accounts = AccountRepository(store: store)
        self.dataImports = DataImports(store: store, chunkRows: configuration.importChunkRows,
                                       issuing: CredentialIssuing(store: store, keyring: configuration.credentialKeyring,
                                                                  publicURL: configuration.resolvedPublicURL, issuerName: configuration.issuerName))
        self.imports = dataImports.repository
        self.audit = AuditRepository(store: store)
        self.studies = StudyRepository(store: store)
        self.fieldwork = FieldworkRepository(store: store)
        self.outbox = OutboxRepository(store: store)
        self.privacy = PrivacyRepository(store: store)
        self.credentials = CredentialRepository(store: store, keyring: configuration.credentialKeyring)
        self.views = views
        self.metrics = metrics
        self.passwords = Passwords(cost: configuration.bcryptCost)
    }
}
