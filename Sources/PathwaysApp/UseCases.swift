import Foundation
import PathwaysCore
import PathwaysStore

/// Every area of work's use cases over one store, built once by whoever serves them (the web server, a command).
public struct UseCases: Sendable {
    public let store: Store
    /// Parsed instrument versions, shared by every area that reads forms.
    public let versions: VersionCache
    public let surveys: SurveyTaking
    public let matching: CareerMatching
    public let reporting: WaveReporting
    public let studies: StudyAdministration
    public let events: CareerEvents
    public let fieldwork: Fieldwork
    public let coding: Coding
    public let jobBoard: JobBoard
    public let portal: CareerPortal
    public let applications: JobApplications
    public let outcomes: SurveyOutcomes

    public init(store: Store) {
        self.store = store
        versions = VersionCache()
        surveys = SurveyTaking(store: store, versions: versions)
        matching = CareerMatching(store: store)
        reporting = WaveReporting(store: store)
        studies = StudyAdministration(store: store, versions: versions)
        events = CareerEvents(store: store, matching: matching)
        fieldwork = Fieldwork(store: store)
        coding = Coding(store: store, versions: versions)
        jobBoard = JobBoard(store: store)
        portal = CareerPortal(store: store)
        applications = JobApplications(store: store, matching: matching)
        outcomes = SurveyOutcomes(store: store)
    }
}

extension Principal {
    /// Whoever runs a `pathways` command on the database itself: its operator, who holds the database and so acts
    /// as an administrator. The audit log names it by the all-zero account id, which no account has.
    public static let commandLine = Principal(userID: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), email: "the command line", role: .admin)

    /// The account a stored row may point to: none for the command line, whose id no account has.
    public var accountID: UUID? { userID == Self.commandLine.userID ? nil : userID }
}
