import Crypto
import Foundation
import PathwaysCore
import SQLKit

/// Pseudonymous ids for respondent-level data: an HMAC of study and learner under a key kept in the database.
public struct RespondentData: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// A learner's id within a study: HMAC-SHA256 of the study and learner under this database's pseudonym key,
    /// so it is stable across exports and waves of the study, differs between studies, and cannot be turned back
    /// into the learner without the key.
    public static func pseudonym(study: UUID, learner: UUID, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((study.uuidString + ":" + learner.uuidString).utf8), using: key)
        return "p" + hex(Array(mac).prefix(12))
    }

    /// 32 random bytes made once per database and kept in its settings; concurrent first uses agree on one.
    public func pseudonymKey() async throws -> SymmetricKey { try await Self.pseudonymKey(on: store.sql) }

    /// This database's pseudonym key, made the first time it is needed.
    static func pseudonymKey(on db: any SQLDatabase) async throws -> SymmetricKey {
        let candidate = AccountRepository.newSecret()
        try await db.raw("""
            INSERT INTO settings (setting_key, value) VALUES ('pseudonym_key', \(bind: candidate)) ON CONFLICT (setting_key) DO NOTHING
            """).run()
        let stored = try await db.raw("SELECT value FROM settings WHERE setting_key = 'pseudonym_key'").first()!
            .decode(column: "value", as: String.self)
        return SymmetricKey(data: Data(stored.utf8))
    }
}
