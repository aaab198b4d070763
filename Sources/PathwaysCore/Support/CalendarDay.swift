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

extension UUID {
    /// A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made one after another sort one
    /// after another, so a bulk import appends to a table's id index instead of writing a random page of it per row.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        for i in 0..<6 { bytes[i] = UInt8((ms >> (8 * (5 - UInt64(i)))) & 0xff) }
        bytes[6] = (bytes[6] & 0x0f) | 0x70
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
