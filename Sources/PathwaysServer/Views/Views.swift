import Foundation
import Hummingbird
import Mustache
import PathwaysCore

/// Server-rendered pages: Mustache templates from the bundle, rendered into a shared layout.
public struct Views: Sendable {
    let library: MustacheLibrary

    /// Where the templates are.
    static var templatesPath: String? { Bundle.module.path(forResource: "Templates", ofType: nil) }

    /// Renders a template with exactly `values` (no layout context), for tests.
    func render(_ template: String, _ values: [String: Any]) -> HTML {
        HTML(body: library.render(Self.compacted(values), withTemplate: template) ?? "template \(template) is missing")
    }

    public static func load() async throws -> Views {
        guard let dir = templatesPath else {
            throw AppError.notFound("the Templates folder is missing from the PathwaysServer bundle")
        }
        return Views(library: try await MustacheLibrary(directory: dir))
    }

    /// The values without empty texts, at every depth. A Mustache section over "" is true, so an empty notice, error
    /// or date would show its box or sentence ("Withdrew from research on :"); without the key the section is false,
    /// and a variable renders nothing, as it would for "".
    static func compacted(_ values: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in values {
            switch value {
            case let s as String where s.isEmpty: continue
            case let d as [String: Any]: out[key] = compacted(d)
            case let list as [[String: Any]]: out[key] = list.map(compacted)
            default: out[key] = value
            }
        }
        return out
    }

    /// Renders `template` with `values` plus what every page needs (who is signed in, their CSRF token).
    public func page(_ template: String, title: String, _ values: [String: Any], context: AppContext, status: HTTPResponse.Status = .ok) -> HTML {
        var all = values
        // The document's title is its own key: a page's values may hold a record's "title" (a wave's, a study's),
        // which the page shows as it is.
        all["documentTitle"] = title
        if all["title"] == nil { all["title"] = title }
        if let p = context.principal {
            all["signedIn"] = true
            all["userEmail"] = p.email
            all["roleLabel"] = p.role.label
            let nav = AccessPolicy.navigation(p)
            all["isAdmin"] = nav.isAdmin
            all["seesLearners"] = nav.seesLearners
            all["canImport"] = nav.canImport
            all["isLearner"] = nav.isLearner
            all["runsStudies"] = nav.runsStudies
            all["managesPostings"] = nav.managesPostings
            all["organisesEvents"] = nav.organisesEvents
            all["hasCareerPortal"] = nav.hasCareerPortal
        }
        if let s = context.session { all["csrf"] = s.csrfToken }
        let body = library.render(Self.compacted(all), withTemplate: template) ?? "template \(template) is missing"
        return HTML(body: body, status: status)
    }
}

/// An HTML response.
public struct HTML: ResponseGenerator, Sendable {
    public var body: String
    public var status: HTTPResponse.Status = .ok

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A 303 redirect after a form post, so reloading the next page never posts again.
public struct SeeOther: ResponseGenerator, Sendable {
    public var location: String
    public var cookies: [Cookie] = []

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        for c in cookies { response.setCookie(c) }
        return response
    }
}

enum Format {
    static func day(_ d: Date?) -> String { d.map(CalendarDay.format) ?? "—" }

    static func number(_ d: Double?) -> String {
        guard let d else { return "—" }
        return d == d.rounded() ? String(Int(d)) : String(format: "%.1f", d)
    }

    static func money(_ d: Double?) -> String {
        guard let d else { return "—" }
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return "$" + (formatter.string(from: NSNumber(value: d)) ?? String(Int(d)))
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "—" : String(format: "%.0f%%", Double(part) / Double(whole) * 100)
    }
}
