import Logging
import PathwaysCore

/// Wraps the process's log handler so that no level, trace included, writes what `Redaction` lists: the values a
/// database driver attaches to its log lines (bound parameters, rows and wire messages) are replaced by a mask.
/// SQL text stays (it holds no values: every value is bound).
public struct RedactingLogHandler: LogHandler {
    var inner: any LogHandler

    public init(_ inner: any LogHandler) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = Self.redacted(newValue) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map { Redaction.secretMetadataKeys.contains(key) ? .string(Redaction.mask) : $0 } }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.metadata = event.metadata.map(Self.redacted)
        inner.log(event: event)
    }

    static func redacted(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var out = metadata
        for key in metadata.keys where Redaction.secretMetadataKeys.contains(key) { out[key] = .string(Redaction.mask) }
        return out
    }
}
