import Foundation
import PathwaysCore
import PathwaysStore

/// Parsed instrument versions, kept in memory: a version never changes once stored. Requests that arrive while a
/// version is being read wait for that one read instead of each parsing the form again.
public actor VersionCache {
    private var versions: [UUID: Task<InstrumentVersion?, any Error>] = [:]

    public init() {}

    public func version(_ id: UUID, _ studies: StudyRepository) async throws -> InstrumentVersion? {
        let load = versions[id] ?? Task { try await studies.version(id: id) }
        versions[id] = load
        do {
            guard let v = try await load.value else { versions[id] = nil; return nil }
            return v
        } catch {
            versions[id] = nil
            throw error
        }
    }
}
