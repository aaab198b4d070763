import Foundation
@testable import PathwaysCore
import Testing

@Suite struct RedactionTests {
    @Test func passwordsInURLsAreMasked() {
        #expect(Redaction.url("smtp://user:secret@mail.example:587?tls=required") == "smtp://user:[redacted]@mail.example:587?tls=required")
        #expect(Redaction.url("smtp://user:secret@/nowhere") == "smtp://user:[redacted]@/nowhere")
        #expect(Redaction.url("postgres://pathways:p%40ss@db:5432/pathways") == "postgres://pathways:[redacted]@db:5432/pathways")
        #expect(Redaction.url("smtp://mail.example") == "smtp://mail.example")
        #expect(Redaction.url("smtp://user@mail.example") == "smtp://user@mail.example")
        #expect(Redaction.url("file:/var/spool") == "file:/var/spool")
    }

    @Test func secretPathSegmentsAreMaskedMatchedOrNot() {
        let masker = Redaction.PathMasker(templates: ["/s/{token}", "/s/{token}/opt-out", "/c/{token}/credential.jwt", "/learners/{id}", "/studies/{study}/waves/{number}"])
        #expect(masker.mask("/s/AbC123") == "/s/[token]")
        #expect(masker.mask("/s/AbC123/opt-out") == "/s/[token]/opt-out")
        #expect(masker.mask("/c/xYz/credential.jwt") == "/c/[token]/credential.jwt")
        // A path no route matches still loses its secret: a mistyped link is a secret too.
        #expect(masker.mask("/c/xYz") == "/c/[token]")
        #expect(masker.mask("/s/AbC123/unknown/tail") == "/s/[token]/unknown/tail")
        #expect(masker.mask("/learners/7c1e") == "/learners/7c1e")
        #expect(masker.mask("/studies/outcomes/waves/3") == "/studies/outcomes/waves/3")
        #expect(masker.mask("/") == "/")
    }
}
