import SQLKit

/// Multi-row inserts and upserts in chunks, so a large import or the demo costs few round trips on either
/// dialect while staying under each one's limit on bound parameters.
enum BulkWrite {
    /// An update on conflict: either take the new value, or keep the stored one when the new one is NULL.
    enum Update {
        case replace(String)
        case keepStoredWhenNull(String)
    }

    static func insert(_ db: any SQLDatabase, into table: String, columns: [String], rows: [[any Encodable & Sendable]],
                       conflictTarget: [String]? = nil, updates: [Update] = [], ignoreConflicts: Bool = false) async throws {
        guard !rows.isEmpty else { return }
        let perChunk = max(1, 8_000 / max(1, columns.count))
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perChunk)]
            var builder = db.insert(into: table).columns(columns)
            for row in chunk { builder = builder.values(row) }
            if ignoreConflicts {
                builder = builder.ignoringConflicts(with: conflictTarget ?? [])
            } else if let conflictTarget, !updates.isEmpty {
                builder = builder.onConflict(with: conflictTarget) { update in
                    var u = update
                    for item in updates {
                        switch item {
                        case .replace(let c):
                            u = u.set(excludedValueOf: c)
                        case .keepStoredWhenNull(let c):
                            u = u.set(c, to: SQLFunction("COALESCE", args: SQLExcludedColumn(c), SQLColumn(c, table: table)))
                        }
                    }
                    return u
                }
            }
            try await builder.run()
            start += perChunk
        }
    }
}

extension Array {
    /// Splits a large key list so `IN (...)` lists stay well under the bound-parameter limits.
    func chunked(_ size: Int = 1_000) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min(count, $0 + size)]) }
    }
}
