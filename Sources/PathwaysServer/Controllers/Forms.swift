import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import PathwaysCore

/// Reading form posts from Pathways' pages.
enum Forms {
    /// `application/x-www-form-urlencoded` with repeated keys kept (checkboxes).
    static func decodeForm(_ body: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            let key = decode(parts[0])
            result[key, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return result
    }

    /// A page's query string as a browser's GET form writes it ("+" for a space), first value of each key.
    static func query(_ request: Request) -> [String: String] {
        guard let raw = request.uri.query else { return [:] }
        var out: [String: String] = [:]
        for (key, values) in decodeForm(raw) where out[key] == nil { out[key] = values.first }
        return out
    }

    static let maxFormSize = 64 * 1024

    /// The largest JSON body the API reads.
    static let maxJSONSize = 1 << 20
    /// The largest upload (CSV imports, XLSForms, job postings).
    static let maxUploadSize = 32 << 20

    /// A size in the words the limit is stated in (SECURITY.md): "64 KiB", "32 MiB".
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }

    /// Reads a request body of at most `limit` bytes. A larger one is refused with 413 and the limit in words — before
    /// reading it when `Content-Length` says so, or as soon as a streamed body passes the limit.
    static func collect(_ request: Request, limit: Int, what: String) async throws -> ByteBuffer {
        let tooLarge = AppError.payloadTooLarge("\(what) is larger than the limit of \(size(limit))")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw tooLarge
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body.
    /// A form that carries nothing but its CSRF token (a button): read and checked against the session.
    static func checkCSRF(_ request: Request, context: AppContext) async throws {
        try FormCSRF.check(try await decode(AuthPages.CSRFForm.self, from: request)._csrf, context: context)
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let body = try await collect(request, limit: maxFormSize, what: "the form")
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: body))
        } catch let e as DecodingError {
            throw AppError.badRequest(ErrorMiddleware.describe(e))
        }
    }

    /// A file and the fields posted with it as `multipart/form-data`.
    struct Upload {
        var fields: [String: String]
        var fileName: String?
        var file: ByteBuffer?
    }

    static func upload(_ request: Request, context: AppContext, fileField: String) async throws -> Upload {
        var upload = Upload(fields: [:])
        for part in try await parts(request, limit: context.maxUploadSize, what: "the upload") {
            guard let name = parameter("name", in: part.headers["content-disposition"]) else { continue }
            if name == fileField {
                upload.file = part.body
                upload.fileName = fileName(from: part.headers["content-disposition"])
            } else {
                upload.fields[name] = String(buffer: part.body)
            }
        }
        return upload
    }

    /// A survey page as posted: URL-encoded fields (up to the form limit), or `multipart/form-data` when the page has a
    /// file question (up to `BodyLimit.surveyPage`), its files apart from its fields.
    static func surveyPage(_ request: Request) async throws -> (values: [String: [String]], uploads: [SurveyUpload]) {
        guard request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true else {
            let body = try await collect(request, limit: maxFormSize, what: "the form")
            return (decodeForm(String(buffer: body)), [])
        }
        var values: [String: [String]] = [:]
        var uploads: [SurveyUpload] = []
        for part in try await parts(request, limit: BodyLimit.surveyPage.bytes, what: BodyLimit.surveyPage.what) {
            guard let name = parameter("name", in: part.headers["content-disposition"]) else { continue }
            // A file field left empty comes with an empty file name, read as a field: nothing given.
            if let file = fileName(from: part.headers["content-disposition"]) {
                uploads.append(SurveyUpload(key: name, originalName: file, contentType: part.headers["content-type"] ?? "application/octet-stream",
                                            bytes: Data(part.body.readableBytesView)))
            } else {
                values[name, default: []].append(String(buffer: part.body))
            }
        }
        return (values, uploads)
    }

    /// The parts of a `multipart/form-data` body, each with its headers (lowercased names).
    static func parts(_ request: Request, limit: Int, what: String) async throws -> [(headers: [String: String], body: ByteBuffer)] {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundaryRange = type.range(of: "boundary=")
        else { throw AppError.badRequest("expected a multipart/form-data upload") }
        var boundary = String(type[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let body = try await collect(request, limit: limit, what: what)
        // Collect each part's headers and body, then sort them into fields and the file.
        final class Parts {
            var headers: [String: String] = [:]
            var body = ByteBuffer()
            var done: [(headers: [String: String], body: ByteBuffer)] = []
        }
        let parts = Parts()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in parts.headers[name.lowercased()] = value }
        parser.onBody = { chunk in parts.body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.done.append((parts.headers, parts.body))
            parts.headers = [:]
            parts.body = ByteBuffer()
        }
        do {
            try parser.execute(body)
        } catch {
            throw AppError.badRequest("the upload could not be read as multipart/form-data")
        }
        return parts.done
    }

    /// A parameter (`name`, `filename`) of a Content-Disposition header.
    static func parameter(_ key: String, in disposition: String?) -> String? {
        guard let disposition else { return nil }
        for item in disposition.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard item.lowercased().hasPrefix(key + "=") else { continue }
            var value = String(item.dropFirst(key.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The `filename` parameter of a Content-Disposition header, without any path.
    static func fileName(from disposition: String?) -> String? {
        guard let disposition, let range = disposition.range(of: "filename=") else { return nil }
        var name = String(disposition[range.upperBound...])
        if name.hasPrefix("\"") {
            name.removeFirst()
            if let end = name.firstIndex(of: "\"") { name = String(name[..<end]) }
        } else if let end = name.firstIndex(of: ";") {
            name = String(name[..<end])
        }
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return base.isEmpty ? nil : String(base.prefix(200))
    }

    /// A safe local redirect target: a path on this site, never another host.
    static func localPath(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\") else { return "/" }
        return next
    }
}
