import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers mail to an SMTP server (RFC 5321) over SwiftNIO: EHLO, STARTTLS when the server offers it (or
/// required), AUTH PLAIN when a user is configured (only over TLS unless explicitly allowed), then one message
/// per connection. A 5xx reply is a permanent failure (the address bounces); anything else can be retried.
public struct SMTPMailTransport: MailTransport {
    public enum TLSMode: String, Sendable {
        /// Plain text only (a relay on the same machine).
        case none
        /// STARTTLS when the server offers it.
        case opportunistic
        /// Refuse to send unless STARTTLS succeeds.
        case required
    }

    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var tls: TLSMode
        public var username: String?
        public var password: String?
        public var heloName: String
        public var timeout: TimeAmount
        public var allowAuthWithoutTLS: Bool

        public init(host: String, port: Int = 587, tls: TLSMode = .opportunistic, username: String? = nil, password: String? = nil,
                    heloName: String = "pathways.localhost", timeout: TimeAmount = .seconds(30), allowAuthWithoutTLS: Bool = false) {
            self.host = host
            self.port = port
            self.tls = tls
            self.username = username
            self.password = password
            self.heloName = heloName
            self.timeout = timeout
            self.allowAuthWithoutTLS = allowAuthWithoutTLS
        }
    }

    public let configuration: Configuration
    let group: any EventLoopGroup

    public init(_ configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    public func send(_ message: MailMessage) async throws(MailError) -> MailDelivery {
        // A relay cannot say whether it took this Message-ID before: after a crash between its acceptance and our
        // record of it, the message goes again with the same Message-ID (at least once, never lost).
        do {
            try await deliver(message)
            return .delivered
        } catch let error as MailError {
            throw error
        } catch {
            throw MailError(permanent: false, message: "SMTP \(configuration.host):\(configuration.port): \(error)")
        }
    }

    private func deliver(_ message: MailMessage) async throws {
        let config = configuration
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(config.timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler()) }
            }
            .connect(host: config.host, port: config.port).get()
        let session = SMTPSession(channel: channel, timeout: config.timeout)
        do {
            try await session.expect(nil, [220])
            var ehlo = try await session.expect("EHLO \(config.heloName)", [250])
            let offersTLS = ehlo.lines.contains { $0.uppercased().hasPrefix("STARTTLS") }
            var secure = false
            if config.tls != .none && offersTLS {
                try await session.expect("STARTTLS", [220])
                try await session.startTLS(serverHostname: config.host)
                secure = true
                ehlo = try await session.expect("EHLO \(config.heloName)", [250])
            } else if config.tls == .required {
                throw MailError(permanent: false, message: "\(config.host) does not offer STARTTLS and TLS is required")
            }
            if let user = config.username {
                guard secure || config.allowAuthWithoutTLS else {
                    throw MailError(permanent: false, message: "refusing to send the SMTP password to \(config.host) without TLS")
                }
                let plain = Data(("\u{0}" + user + "\u{0}" + (config.password ?? "")).utf8).base64EncodedString()
                try await session.expect("AUTH PLAIN \(plain)", [235], redact: "AUTH PLAIN")
            }
            try await session.expect("MAIL FROM:<\(MailMessage.headerSafe(message.from))>", [250])
            try await session.expect("RCPT TO:<\(MailMessage.headerSafe(message.to))>", [250, 251])
            try await session.expect("DATA", [354])
            // Dot-stuffing (RFC 5321 §4.5.2), then the end-of-data line.
            let data = message.rfc5322().components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
            try await session.expect(data + ".", [250], redact: "message body")
            _ = try? await session.expect("QUIT", [221])
            try? await channel.close()
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// One SMTP reply: the code and every line's text.
struct SMTPReply: Sendable, CustomStringConvertible {
    var code: Int
    var lines: [String]
    var description: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// Commands and replies on one connection.
struct SMTPSession {
    let channel: any Channel
    let timeout: TimeAmount

    /// Sends `command` (if any) and waits for a reply whose code is in `codes`.
    @discardableResult
    func expect(_ command: String?, _ codes: Set<Int>, redact: String? = nil) async throws -> SMTPReply {
        if let command {
            try await channel.writeAndFlush(ByteBuffer(string: command + "\r\n")).get()
        }
        let loop = channel.eventLoop
        let channel = self.channel
        let timeout = self.timeout
        let reply = try await loop.flatSubmit { () -> EventLoopFuture<SMTPReply> in
            guard let handler = try? channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self) else {
                return loop.makeFailedFuture(MailError(permanent: false, message: "the SMTP connection closed"))
            }
            let promise = loop.makePromise(of: SMTPReply.self)
            handler.wait(promise)
            let timer = loop.scheduleTask(in: timeout) { promise.fail(MailError(permanent: false, message: "no SMTP reply within \(timeout)")) }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            return promise.futureResult
        }.get()
        guard codes.contains(reply.code) else {
            let what = redact ?? command.map { String($0.prefix(40)) } ?? "greeting"
            throw MailError(permanent: reply.code >= 500, message: "SMTP \(what): \(reply)")
        }
        return reply
    }

    func startTLS(serverHostname: String) async throws {
        let channel = self.channel
        try await channel.eventLoop.submit {
            let context = try NIOSSLContext(configuration: .makeClientConfiguration())
            let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
    }
}

/// Reads CRLF lines and assembles multi-line replies ("250-…" continues, "250 …" ends). Lives on its channel's
/// event loop and is only touched there.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var pending = ""
    private var lines: [String] = []
    private var replies: [SMTPReply] = []
    private var waiters: [EventLoopPromise<SMTPReply>] = []
    private var failure: (any Error)?

    func wait(_ promise: EventLoopPromise<SMTPReply>) {
        if !replies.isEmpty { promise.succeed(replies.removeFirst()) } else if let failure { promise.fail(failure) } else { waiters.append(promise) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        while let end = pending.range(of: "\n") {
            var line = String(pending[..<end.lowerBound])
            pending = String(pending[end.upperBound...])
            if line.hasSuffix("\r") { line.removeLast() }
            guard line.count >= 3, let code = Int(line.prefix(3)) else { continue }
            let more = line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-"
            lines.append(line.count > 4 ? String(line.dropFirst(4)) : "")
            if !more {
                let reply = SMTPReply(code: code, lines: lines)
                lines = []
                if waiters.isEmpty { replies.append(reply) } else { waiters.removeFirst().succeed(reply) }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(MailError(permanent: false, message: "the SMTP server closed the connection"))
    }

    private func fail(_ error: any Error) {
        failure = failure ?? error
        for w in waiters { w.fail(error) }
        waiters = []
    }
}
