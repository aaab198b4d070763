import Foundation
import Hummingbird
import Logging
import PathwaysApp
import PathwaysCore
import PathwaysStore
import ServiceLifecycle

/// Where messages go and how links in them are written.
public struct MailSettings: Sendable {
    public var transport: any MailTransport
    /// What the transport is, for logs (never the password).
    public var transportDescription: String
    public var from: String
    /// The address respondents reach the server at, e.g. https://surveys.example.org.
    public var publicURL: String

    public init(transport: any MailTransport, transportDescription: String, from: String, publicURL: String) {
        self.transport = transport
        self.transportDescription = transportDescription
        self.from = from
        self.publicURL = publicURL
    }

    /// The folder messages are written to, for a file transport.
    public var folder: String? { (transport as? FileMailTransport)?.directory.path }

    /// Reads a transport address: `file:/some/folder`, or `smtp://[user:password@]host[:port][?tls=none|opportunistic|required]`.
    public static func transport(from address: String) throws -> (any MailTransport, String) {
        if address.hasPrefix("file:") {
            let path = String(address.dropFirst(5))
            guard !path.isEmpty else { throw MailError(permanent: true, message: "file: needs a folder, e.g. file:/var/spool/pathways") }
            return (try FileMailTransport(directory: URL(fileURLWithPath: path)), "files in \(path)")
        }
        guard let url = URLComponents(string: address), url.scheme == "smtp" || url.scheme == "smtps", let host = url.host, !host.isEmpty else {
            throw MailError(permanent: true, message: "the mail transport must be file:/folder or smtp://host[:port]; got \(Redaction.url(address))")
        }
        let tlsText = url.queryItems?.first { $0.name == "tls" }?.value ?? "opportunistic"
        guard let tls = SMTPMailTransport.TLSMode(rawValue: tlsText) else {
            throw MailError(permanent: true, message: "tls= must be none, opportunistic or required; got \(tlsText)")
        }
        let config = SMTPMailTransport.Configuration(host: host, port: url.port ?? 587, tls: tls, username: url.user?.removingPercentEncoding,
                                                     password: url.password?.removingPercentEncoding)
        return (SMTPMailTransport(config), "SMTP \(host):\(config.port) (TLS \(tls.rawValue))")
    }
}

/// Delivers what the outbox holds: claims a batch, sends each message, records the outcome.
public struct OutboxDelivery: Sendable {
    public let outbox: OutboxRepository
    public let settings: MailSettings
    /// This sender's name in claims, unique per process.
    public let worker: String
    /// How long a claim holds: a sender that dies mid-batch leaves its messages to others after this.
    public let lease: TimeInterval
    let logger: Logger

    public init(outbox: OutboxRepository, settings: MailSettings, worker: String = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))",
                lease: TimeInterval = 300, logger: Logger) {
        self.outbox = outbox
        self.settings = settings
        self.worker = worker
        self.lease = lease
        self.logger = logger
    }

    public typealias Result = Fieldwork.Delivered

    /// Sends until the outbox has nothing claimable (`Fieldwork.deliver`, through this transport).
    @discardableResult
    public func run(batch: Int = 50) async throws -> Result {
        try await Fieldwork(store: outbox.store).deliver(worker: worker, lease: lease, batch: batch) { message in
            let mail = MailMessage(from: settings.from, to: message.to, subject: message.subject,
                                   body: message.renderedBody(baseURL: settings.publicURL), messageID: message.messageID)
            do throws(MailError) {
                if try await settings.transport.send(mail) == .alreadyDelivered {
                    logger.warning("message was delivered before a restart; recorded as sent, not sent again", metadata: ["outbox_id": "\(message.id)"])
                    return .alreadyDelivered
                }
                return .sent
            } catch {
                logger.warning("delivery failed", metadata: ["outbox_id": "\(message.id)", "permanent": "\(error.permanent)", "error": "\(error.message)"])
                return .failed(error.message, permanent: error.permanent)
            }
        }
    }
}

/// Runs inside `serve`: every `interval`, writes due invitations and reminders to the outbox and delivers them.
/// Safe to run in several instances at once.
public struct FieldworkService: Service {
    let planner: Fieldwork
    let delivery: OutboxDelivery?
    let interval: Duration
    let logger: Logger

    public init(planner: Fieldwork, delivery: OutboxDelivery?, interval: Duration, logger: Logger) {
        self.planner = planner
        self.delivery = delivery
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let plan = try await planner.plan()
                if plan.invitations + plan.reminders > 0 {
                    logger.info("messages planned", metadata: ["invitations": "\(plan.invitations)", "reminders": "\(plan.reminders)", "held_by_cap": "\(plan.heldByCap)"])
                }
                if let delivery {
                    let sent = try await delivery.run()
                    if sent.sent + sent.failed > 0 { logger.info("messages delivered", metadata: ["sent": "\(sent.sent)", "failed": "\(sent.failed)"]) }
                }
            } catch {
                logger.error("fieldwork round failed", metadata: ["error": "\(error)"])
            }
            // The wait ends when the server begins to stop, so a stop never waits out an interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
