import PathwaysCore
import SQLKit

/// AAPOR dispositions in SQL, built from `Disposition` so no code is written by hand in a query.
enum DispositionSQL {
    /// `Disposition.current` over `wave_cases c`: the stored disposition, else partial, break-off, nothing returned or
    /// not invited, in that order.
    static func current(partialShare: Double) -> SQLQueryString {
        """
        CASE WHEN c.disposition IS NOT NULL THEN c.disposition
             WHEN c.started_at IS NOT NULL AND c.answered_share >= \(bind: partialShare) THEN \(bind: Disposition.partial.rawValue)
             WHEN c.started_at IS NOT NULL OR c.opened_at IS NOT NULL THEN \(bind: Disposition.breakOff.rawValue)
             WHEN c.invited_at IS NOT NULL THEN \(bind: Disposition.nothingReturned.rawValue)
             ELSE \(bind: Disposition.notInvited.rawValue) END
        """
    }
}
