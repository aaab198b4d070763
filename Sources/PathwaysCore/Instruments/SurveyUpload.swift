import Crypto
import Foundation

/// A file a respondent gives for an `image`, `audio`, `video` or `file` question. The answer keeps a name made from
/// the question, the instance and the file's digest (as ODK keeps the file's name in the answer); the bytes are stored
/// beside the answers, and go out with the export only when open text does (a photo or a voice can identify).
public struct SurveyUpload: Sendable, Equatable {
    /// The answer's key (`photo`, or `photo[2]` in a repeat).
    public var key: String
    /// The name the respondent's device gave it (kept for its extension only).
    public var originalName: String
    public var contentType: String
    public var bytes: Data

    public init(key: String, originalName: String, contentType: String, bytes: Data) {
        self.key = key
        self.originalName = originalName
        self.contentType = contentType
        self.bytes = bytes
    }

    /// The largest file a question takes (SECURITY.md): a page with files is read up to this and a little more.
    public static let maxBytes = 10 << 20

    /// `photo-3f2a9c01d4e5.jpg`: the question (and instance), twelve hex digits of the SHA-256, the extension when it
    /// is a plain one. Nothing of the device's own name but that.
    public var storedName: String {
        let base = key.replacingOccurrences(of: "[", with: "-").replacingOccurrences(of: "]", with: "")
        let digest = SHA256.hash(data: bytes).prefix(6).map { String(format: "%02x", $0) }.joined()
        return base + "-" + digest + (Self.fileExtension(originalName).map { "." + $0 } ?? "")
    }

    static func fileExtension(_ name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        return (1...5).contains(ext.count) && ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) ? ext : nil
    }

    static let extensions: [String: Set<String>] = [
        "image": ["jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff"],
        "audio": ["mp3", "m4a", "aac", "wav", "ogg", "oga", "opus", "flac", "amr", "3gp", "webm"],
        "video": ["mp4", "mov", "m4v", "webm", "3gp", "avi", "mkv", "ogv"],
    ]

    /// What the question's file field tells a browser to offer.
    public static func accept(_ kind: String) -> String? {
        ["image": "image/*", "audio": "audio/*", "video": "video/*"][kind]
    }

    /// Why a file is not taken for a question of `kind` (image, audio, video, file); nil when it is.
    public func problem(kind: String) -> String? {
        if bytes.isEmpty { return "The file is empty; please choose it again." }
        if bytes.count > Self.maxBytes { return "The file is larger than \(Self.maxBytes >> 20) MB; please choose a smaller one." }
        guard let allowed = Self.extensions[kind] else { return nil }
        let type = contentType.lowercased()
        if type.hasPrefix(kind + "/") || Self.fileExtension(originalName).map(allowed.contains) == true { return nil }
        return ["image": "Please choose an image (a photo or a picture file).", "audio": "Please choose a sound recording.",
                "video": "Please choose a video."][kind]
    }
}

extension SurveyRun {
    /// The answer keys of the page's file questions (every instance of those in a repeat).
    public func uploadKeys(on index: Int) -> Set<String> {
        guard pages.indices.contains(index) else { return [] }
        return Set(pages[index].questions.filter { $0.type.uploadKind != nil }.flatMap(slots).map(\.key))
    }

    /// A posted page with its files: a file question's value is only ever the name of a file given now (a field that
    /// claims one is dropped), or nothing, which keeps the file already given. Files for keys the page does not ask, or
    /// that fail their question's rule, are not taken; the rule's message comes back by key.
    public func takingUploads(_ values: [String: [String]], _ uploads: [SurveyUpload], page index: Int)
        -> (values: [String: [String]], taken: [SurveyUpload], errors: PageErrors) {
        let keys = uploadKeys(on: index)
        var values = values.filter { !keys.contains($0.key) }
        var taken: [SurveyUpload] = []
        var errors: PageErrors = [:]
        let kinds = Dictionary(form.questions.compactMap { q in q.type.uploadKind.map { (q.name, $0) } }, uniquingKeysWith: { a, _ in a })
        for upload in uploads where keys.contains(upload.key) {
            let name = RepeatKey.parse(upload.key)?.name ?? upload.key
            if let problem = upload.problem(kind: kinds[name] ?? "file") {
                errors[upload.key] = problem
                continue
            }
            values[upload.key] = [upload.storedName]
            taken.append(upload)
        }
        return (values, taken, errors)
    }
}
