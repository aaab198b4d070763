import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// A file larger than one chunk is checked at once and written by a background job the API and the Imports page follow.
@Suite struct ImportWebTests {
    static var smallChunks: AppConfiguration {
        var c = TestWorld.configuration
        c.importChunkRows = 3
        return c
    }

    @Test(arguments: TestDatabase.allCases)
    func aLargeUploadIsWrittenInTheBackgroundAndFollowed(_ db: TestDatabase) async throws {
        try await TestWorld.run(db, configuration: Self.smallChunks) { w, client in
            var headers = w.auth("admin")
            headers[.contentType] = "text/csv"
            let text = "learner_id,name\n" + (1...10).map { "N\($0),Name \($0)" }.joined(separator: "\n") + "\n"
            let started = try await client.execute(uri: "/api/v1/imports/learners?file=ten.csv", method: .post, headers: headers, body: ByteBuffer(string: text))
            #expect(started.status == .accepted)
            let location = try #require(started.headers[.location])
            #expect(location.hasPrefix("/api/v1/import-jobs/"))
            var job: [String: Any] = [:]
            for _ in 0..<200 {
                job = try #require(try await client.execute(uri: location, method: .get, headers: w.auth("admin")).json() as? [String: Any])
                if job["status"] as? String != "applying" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(job["status"] as? String == "applied" && job["appliedRows"] as? Int == 10 && job["totalRows"] as? Int == 10)
            #expect((job["report"] as? [String: Any])?["inserted"] as? Int == 10)
            #expect(try await LearnerRepository(store: w.store).learner(key: "N10") != nil)
            // Another importer's job is not theirs to see.
            #expect(try await client.execute(uri: location, method: .get, headers: w.auth("staff")).status == .notFound)

            // The page never reloads itself (a timed refresh takes the page from under a person reading it).
            let session = try await WebTests.signIn(w, "admin", client: client)
            let still = try await client.execute(uri: "/imports", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(still.status == .ok && !still.text.contains("http-equiv=\"refresh\""))
            // A job still being written shows on the Imports page with its progress, and a link to see it again.
            let imports = ImportRepository(store: w.store, chunkRows: 3)
            _ = try await imports.check(kind: .learners, fileName: "waiting.csv", text: text.replacingOccurrences(of: "N", with: "M"),
                                        by: .init(userID: nil, programScope: nil), claim: true)
            let page = try await client.execute(uri: "/imports", method: .get, headers: [.cookie: "pw_session=\(session)"])
            #expect(page.text.contains("<strong>waiting.csv</strong>") && page.text.contains("0 of 10 rows written"))
            #expect(page.text.contains(#"<a href="/imports">Show the progress now</a>"#) && !page.text.contains("http-equiv=\"refresh\""))
        }
    }
}
