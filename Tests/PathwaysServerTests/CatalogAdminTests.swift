import Foundation
import Hummingbird
import HummingbirdTesting
import PathwaysApp
import PathwaysCore
@testable import PathwaysServer
import PathwaysStore
import PathwaysTestSupport
import Testing

/// The catalog made and changed in pages and the API, on both databases: every form is checked by the import's
/// own rules (a refusal names each field and stores nothing), records are edited in place, employer partners get
/// their programs and accounts, and only administrators may.
@Suite struct CatalogAdminTests {
    @Test(arguments: TestDatabase.allCases)
    func anAdministratorBuildsTheCatalogInPages(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            let session = try await WebTests.signIn(w, "admin", client: client)
            let headers: HTTPFields = [.cookie: "pw_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
            let overview = try await client.execute(uri: "/admin/catalog", method: .get, headers: headers)
            #expect(overview.status == .ok && overview.text.contains("Statistics Fundamentals") && overview.text.contains("href=\"/admin/catalog/providers/new\""))
            let csrf = try #require(WebTests.csrf(in: overview.text))
            func post(_ kind: String, _ fields: [(String, String)]) async throws -> TestResponse {
                try await client.execute(uri: "/admin/catalog/\(kind)", method: .post, headers: headers, body: WebTests.form([("_csrf", csrf)] + fields))
            }
            let catalog = CatalogRepository(store: w.store)

            // A provider: refused with each field named, then stored.
            let newForm = try await client.execute(uri: "/admin/catalog/providers/new", method: .get, headers: headers)
            #expect(newForm.status == .ok && newForm.text.contains("<input id=\"f-provider_id\" name=\"provider_id\"") && newForm.text.contains("<option value=\"university\""),
                    "a new provider's id is typed, not chosen")
            let programForm = try await client.execute(uri: "/admin/catalog/programs/new", method: .get, headers: headers)
            #expect(programForm.text.contains("<select id=\"f-provider_id\"") && programForm.text.contains("<input id=\"f-program_id\""), "a program's provider is chosen")
            let refused = try await post("providers", [("provider_id", "acme"), ("name", ""), ("kind", "guild"), ("website", "ftp://acme")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("name: is required but empty") && refused.text.contains("kind: is not one of") && refused.text.contains("website: is not an http(s) URL"))
            #expect(try await catalog.provider(key: "acme") == nil, "nothing stored")
            #expect(try await post("providers", [("provider_id", "acme"), ("name", "Acme Institute"), ("kind", "nonprofit"), ("country", "us")]).status == .seeOther)
            #expect(try await catalog.provider(key: "acme")?.country == "US")

            // A program with its skills, then edited in place.
            let skills = "SQL=esco:http://data.europa.eu/esco/skill/598de1a8; Data cleaning"
            #expect(try await post("programs", [("program_id", "acme-data"), ("provider_id", "acme"), ("title", "Data Basics"), ("kind", "specialization"),
                                                ("skills", skills)]).status == .seeOther)
            let program = try #require(try await catalog.program(key: "acme-data"))
            #expect(program.skills.map(\.label) == ["SQL", "Data cleaning"] && program.skills[0].scheme == .esco)
            let edit = try await client.execute(uri: "/admin/catalog/programs/acme-data/edit", method: .get, headers: headers)
            #expect(edit.status == .ok && edit.text.contains("value=\"Data Basics\"") && edit.text.contains("SQL=esco:http://data.europa.eu/esco/skill/598de1a8") && edit.text.contains("readonly"))
            // The form shows every stored value, so what is sent is the record: a field emptied there is cleared.
            #expect(try await post("programs", [("program_id", "acme-data"), ("provider_id", "acme"), ("title", "Data Basics II"), ("kind", "specialization"),
                                                ("summary", "Tables and cleaning."), ("cost_usd", "300"), ("skills", "Data cleaning"), ("editing", "1")]).status == .seeOther)
            let edited = try await catalog.program(key: "acme-data")
            #expect(edited?.title == "Data Basics II" && edited?.skills.map(\.label) == ["Data cleaning"] && edited?.typicalCostUSD == 300)
            #expect(try await post("programs", [("program_id", "acme-data"), ("provider_id", "acme"), ("title", "Data Basics II"), ("kind", "specialization"),
                                                ("summary", ""), ("cost_usd", ""), ("skills", ""), ("editing", "1")]).status == .seeOther)
            let emptied = try await catalog.program(key: "acme-data")
            #expect(emptied?.summary == nil && emptied?.typicalCostUSD == nil && emptied?.skills.isEmpty == true, "emptied fields are cleared")
            #expect(try await client.execute(uri: "/admin/catalog/programs/nothing/edit", method: .get, headers: headers).status == .notFound)

            // A course and a credit agreement.
            #expect(try await post("courses", [("course_id", "acme-1"), ("program_id", "acme-data"), ("title", "Tables")]).status == .seeOther)
            #expect(try await catalog.course(key: "acme-1")?.position == 1)
            let badAgreement = try await post("credit_agreements", [("program_id", "acme-data"), ("institution", "State University"), ("credits", "0"),
                                                                   ("valid_from", "2026-09-01"), ("valid_to", "2026-01-01")])
            #expect(badAgreement.status == .unprocessableContent && badAgreement.text.contains("credits: must be more than 0") && badAgreement.text.contains("valid_to: is before valid_from"))
            #expect(try await post("credit_agreements", [("program_id", "acme-data"), ("institution", "State University"), ("credits", "6"),
                                                         ("degree", "BS Data Science"), ("valid_from", "2026-09-01")]).status == .seeOther)
            let agreement = try #require(try await catalog.agreements(programID: program.id).first)
            #expect(agreement.credits == 6 && agreement.degree == "BS Data Science")
            let agreementEdit = try await client.execute(uri: "/admin/catalog/credit_agreements/\(agreement.id.uuidString.lowercased())/edit", method: .get, headers: headers)
            #expect(agreementEdit.status == .ok && agreementEdit.text.contains("value=\"2026-09-01\""))
            #expect(try await post("credit_agreements", [("program_id", "acme-data"), ("institution", "State University"), ("credits", "9"), ("valid_from", "2026-09-01")]).status == .seeOther)
            #expect(try await catalog.agreements(programID: program.id).map(\.credits) == [9], "the same institution, program and day: updated, not doubled")
            #expect(try await catalog.agreements(programID: program.id).first?.degree == nil, "the degree left empty on the form is cleared")
            // A file, though, never clears: an export that lacks a column loses nothing.
            _ = try await ImportRepository(store: w.store).run(kind: .creditAgreements, fileName: "a.csv",
                                                               text: "program_id,institution,credits,degree,valid_from\nacme-data,State University,9,BS Data,2026-09-01\n",
                                                               by: .init(userID: nil, programScope: nil))
            _ = try await ImportRepository(store: w.store).run(kind: .creditAgreements, fileName: "b.csv",
                                                               text: "program_id,institution,credits,valid_from\nacme-data,State University,10,2026-09-01\n",
                                                               by: .init(userID: nil, programScope: nil))
            #expect(try await catalog.agreements(programID: program.id).first?.degree == "BS Data")

            // An employer partner with its programs and its account; a learner's account cannot act for it.
            let wrongAccount = try await post("employers", [("employer_id", "acme-jobs"), ("name", "Acme Jobs"), ("programs", "acme-data, nosuch"), ("accounts", "learnerA@pathways.test")])
            #expect(wrongAccount.status == .unprocessableContent
                    && (wrongAccount.text.contains("no program with id &#39;nosuch&#39;") || wrongAccount.text.contains("no program with id 'nosuch'")))
            #expect(wrongAccount.text.contains("is a Learner account"))
            #expect(try await post("employers", [("employer_id", "acme-jobs"), ("name", "Acme Jobs"), ("programs", "acme-data, stats"), ("accounts", "employer@pathways.test")]).status == .seeOther)
            let employer = try #require(try await CareerRepository(store: w.store).employer(key: "acme-jobs"))
            #expect(employer.programIDs.count == 2)
            let employerAccount = try #require(try await AccountRepository(store: w.store).account(email: "employer@pathways.test"))
            #expect(try await CareerRepository(store: w.store).employer(forUser: employerAccount.id)?.key == "acme-jobs")
            let after = try await client.execute(uri: "/admin/catalog?saved=employers", method: .get, headers: headers)
            #expect(after.text.contains("The employer partner is saved.") && after.text.contains("Acme Jobs") && after.text.contains("State University"))

            // Nobody else.
            #expect(try await client.execute(uri: "/admin/catalog", method: .get, headers: w.auth("researcher")).status == .forbidden)
            #expect(try await AuditRepository(store: w.store).recent(limit: 30).filter { $0.action == "edit_catalog" }.count == 7)
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func employerPartnersAndAgreementsThroughTheAPI(_ db: TestDatabase) async throws {
        try await TestWorld.run(db) { w, client in
            func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String, as who: String = "admin", type: String = "application/json") async throws -> TestResponse {
                var headers = w.auth(who)
                headers[.contentType] = type
                return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
            }
            let body = #"{"employerId": "contoso", "name": "Contoso", "website": "https://contoso.example", "programs": ["stats"], "accounts": ["employer@pathways.test"]}"#
            let created = try await call(.post, "/api/v1/employers", body)
            #expect(created.status == .created)
            let object = try #require(try created.json() as? [String: Any])
            #expect(object["employerId"] as? String == "contoso" && object["programs"] as? [String] == ["stats"] && object["accounts"] as? [String] == ["employer@pathways.test"])
            #expect(try await call(.post, "/api/v1/employers", body).status == .ok, "the same id again updates it")
            let bad = try await call(.post, "/api/v1/employers", #"{"employerId": "Not An Id", "website": "contoso"}"#)
            #expect(bad.status == .unprocessableContent)
            let problems = try #require(((try bad.json() as? [String: Any])?["error"] as? [String: Any])?["problems"] as? [[String: Any]])
            #expect(Set(problems.compactMap { $0["field"] as? String }) == ["employer_id", "name", "website"])
            #expect(try await call(.post, "/api/v1/employers", body, as: "employer").status == .forbidden)
            let own = try await client.execute(uri: "/api/v1/employers", method: .get, headers: w.auth("employer"))
            #expect((try own.json() as? [[String: Any]])?.compactMap { $0["employerId"] as? String } == ["contoso"], "an employer account sees its own")
            #expect(try await client.execute(uri: "/api/v1/employers", method: .get, headers: w.auth("researcher")).status == .forbidden)

            // Credit agreements as an import kind, all or nothing.
            let csv = "program_id,institution,credits,degree,valid_from,valid_to\nstats,Open University,12,BSc Mathematics,2025-01-01,\nstats,Open University,15,,2025-01-01,\n"
            let duplicate = try await call(.post, "/api/v1/imports/credit_agreements", csv, type: "text/csv")
            #expect(duplicate.status == .unprocessableContent && duplicate.text.contains("duplicate agreement of this institution for this program from this day"))
            let good = "program_id,institution,credits,degree,valid_from,valid_to\nstats,Open University,12,BSc Mathematics,2025-01-01,2030-12-31\nfullstack,Open University,10,,2025-01-01,\n"
            #expect(try await call(.post, "/api/v1/imports/credit_agreements", good, type: "text/csv").status == .ok)
            #expect(try await CatalogRepository(store: w.store).allAgreements().filter { $0.institution == "Open University" }.count == 2)
            #expect(try await call(.post, "/api/v1/imports/credit_agreements", good, as: "staff", type: "text/csv").status == .forbidden)

            // Learners of a program invited to create accounts.
            let invited = try await call(.post, "/api/v1/learner-invitations", #"{"programId": "stats"}"#)
            let count = (try invited.json() as? [String: Any])?["invited"] as? Int ?? 0
            #expect(invited.status == .accepted && count >= 1)
        }
    }
}
