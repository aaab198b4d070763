import Foundation
import Logging
import PathwaysStore
import ServiceLifecycle

/// Takes up import jobs nobody is writing: the server that checked a file writes it at once, but when that server
/// stopped or crashed mid-way the job's claim runs out, and this service (on any instance) resumes it where its last
/// committed chunk left off.
struct ImportService: Service {
    let dependencies: Dependencies
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await dependencies.dataImports.resumeStalled()
            } catch {
                dependencies.store.logger.error("import round failed", metadata: ["error": "\(error)"])
            }
            // The wait ends when the server begins to stop, so a stop never waits out an interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
