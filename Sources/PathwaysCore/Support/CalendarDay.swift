import Foundation

/// Calendar dates as the imports and pages use them: `YYYY-MM-DD`, midnight UTC when stored as a `Date`.
public enum CalendarDay {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Parses `YYYY-MM-DD`, or an ISO 8601 timestamp whose date part is used. Rejects impossible dates (2023-02-30).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let datePart = trimmed.count > 10 && (trimmed.dropFirst(10).first == "T" || trimmed.dropFirst(10).first == " ")
            ? String(trimmed.prefix(10)) : trimmed
        let parts = datePart.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        return date(year: year, month: month, day: day)
    }

    /// The UTC midnight of a real calendar day, or nil for an impossible one.
    public static func date(year: Int, month: Int, day: Int) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (1000...9999).contains(year) else { return nil }
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = utc.date(from: components) else { return nil }
        let back = utc.dateComponents([.year, .month, .day], from: date)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        return date
    }

    /// `YYYY-MM-DD` in UTC.
    public static func format(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// The year of `date` in UTC.
    public static func year(_ date: Date) -> Int {
        utc.component(.year, from: date)
    }

    /// `date` moved by whole months (negative goes back), in UTC.
    public static func adding(months: Int, to date: Date) -> Date {
        utc.date(byAdding: .month, value: months, to: date)!
    }

    /// `date` moved by whole days, in UTC.
    public static func adding(days: Int, to date: Date) -> Date {
        utc.date(byAdding: .day, value: days, to: date)!
    }
}
