import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One email, plain text.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    public var messageID: String

    public init(from: String, to: String, subject: String, body: String, messageID: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
    }

    /// The message in Internet Message Format (RFC 5322) with MIME headers: UTF-8 text sent as base64, the subject
    /// encoded per RFC 2047 when it is not plain ASCII, lines ending in CRLF.
    public func rfc5322(date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let subjectHeader = subject.allSatisfy { $0.isASCII && !$0.isNewline }
            ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let encoded = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return [
            "Date: \(formatter.string(from: date))",
            "From: \(Self.headerSafe(from))",
            "To: \(Self.headerSafe(to))",
            "Subject: \(subjectHeader)",
            "Message-ID: <\(Self.headerSafe(messageID))>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
            "",
            encoded,
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// No header injection: a value never carries a line break.
    static func headerSafe(_ s: String) -> String {
        String(s.filter { !$0.isNewline })
    }
}

/// Why a delivery failed, and whether trying again could help.
public struct MailError: Error, Sendable, CustomStringConvertible {
    /// The receiving server refused the message or address for good (an SMTP 5xx reply).
    public var permanent: Bool
    public var message: String

    public init(permanent: Bool, message: String) {
        self.permanent = permanent
        self.message = message
    }

    public var description: String { message }
}

/// Somewhere messages go.
public protocol MailTransport: Sendable {
    /// Delivers the message, or reports that a message with its Message-ID was delivered before (a retry after a
    /// crash between delivering and recording it), where the transport can tell.
    @discardableResult
    func send(_ message: MailMessage) async throws(MailError) -> MailDelivery
}

public enum MailDelivery: Sendable, Equatable {
    case delivered
    case alreadyDelivered
}

/// Writes each message as an .eml file named by its Message-ID into a folder (a pickup folder for a mail server, or
/// for reading in development). Exactly once per Message-ID: the message is written and synced under a temporary
/// name, then linked to its own name, which fails if a previous attempt got there first; a crash at any point
/// leaves either no message or the whole one.
public struct FileMailTransport: MailTransport {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The file a message is written to: its Message-ID with anything but letters, digits, '-' and '.' replaced.
    public static func fileName(messageID: String) -> String {
        String(messageID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }) + ".eml"
    }

    /// Removes the copies of these messages from the folder (a learner withdrew); returns how many there were.
    @discardableResult
    public static func remove(messageIDs: [String], from directory: URL) -> Int {
        var removed = 0
        for id in messageIDs where unlink(directory.appendingPathComponent(fileName(messageID: id)).path) == 0 { removed += 1 }
        return removed
    }

    public func send(_ message: MailMessage) async throws(MailError) -> MailDelivery {
        let target = directory.appendingPathComponent(Self.fileName(messageID: message.messageID)).path
        // Dot-files are not messages to a pickup folder; one left by a crash is never delivered.
        let partial = directory.appendingPathComponent(".partial-\(UUID().uuidString)").path
        defer { unlink(partial) }
        func failure(_ what: String) -> MailError {
            MailError(permanent: false, message: "could not \(what) \(target): \(String(cString: strerror(errno)))")
        }
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw failure("write") }
        let bytes = Array(message.rfc5322().utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { close(fd); throw failure("write") }
            written += n
        }
        guard fsync(fd) == 0 else { close(fd); throw failure("sync") }
        close(fd)
        guard link(partial, target) == 0 else {
            if errno == EEXIST { return .alreadyDelivered }
            throw failure("link")
        }
        let folder = open(directory.path, O_RDONLY)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
        return .delivered
    }
}
