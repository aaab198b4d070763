import Foundation

/// A workshop or interview day as its organiser fills it in: local times in a named time zone, a place or an
/// online link, a capacity, and its audience by program, skill and region. Read the same from the page, the API
/// and the command line, with every problem named by its field.
public struct EventInput: Sendable, Equatable {
    public var kind: String?
    public var title: String?
    public var description: String?
    /// Local times, `YYYY-MM-DDTHH:MM` (or with a space), in `timeZone`.
    public var starts: String?
    public var ends: String?
    /// An IANA time zone, e.g. America/New_York (default UTC).
    public var timeZone: String?
    public var location: String?
    public var capacity: String?
    /// Program platform ids, skill ids, region or country codes: comma-separated.
    public var programs: String?
    public var skills: String?
    public var regions: String?
    /// The employer partner whose event it is (its id), named by an administrator; an employer account's events
    /// are always its own employer's.
    public var employer: String?

    public init(kind: String? = nil, title: String? = nil, description: String? = nil, starts: String? = nil, ends: String? = nil, timeZone: String? = nil,
                location: String? = nil, capacity: String? = nil, programs: String? = nil, skills: String? = nil, regions: String? = nil, employer: String? = nil) {
        self.employer = employer
        self.kind = kind
        self.title = title
        self.description = description
        self.starts = starts
        self.ends = ends
        self.timeZone = timeZone
        self.location = location
        self.capacity = capacity
        self.programs = programs
        self.skills = skills
        self.regions = regions
    }

    public struct Read: Sendable, Equatable {
        public var kind: String
        public var title: String
        public var description: String
        public var startsAt: Date
        public var endsAt: Date
        public var timeZone: String
        public var location: String
        public var capacity: Int
        public var programs: [String]
        public var skills: [String]
        public var regions: [String]
    }

    static func list(_ s: String?) -> [String] {
        (s ?? "").split(whereSeparator: { $0 == "," || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A local time in a time zone, or nil.
    public static func time(_ text: String, in zone: TimeZone) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        for pattern in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            f.dateFormat = pattern
            if let d = f.date(from: text.trimmingCharacters(in: .whitespaces)) { return d }
        }
        return nil
    }

    /// `date` as a local time in `zone`, as the form shows it.
    public static func local(_ date: Date, in zone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f.string(from: date)
    }

    /// Every field read and checked; `kinds` are the accepted kind codes.
    public func read(kinds: [String], now: Date) -> (Read?, [FieldProblem]) {
        var problems: [FieldProblem] = []
        let kind = (self.kind ?? "").trimmingCharacters(in: .whitespaces)
        if !kinds.contains(kind) { problems.append(.init("kind", "one of \(kinds.joined(separator: ", "))")) }
        let title = (self.title ?? "").trimmingCharacters(in: .whitespaces)
        if title.isEmpty || title.count > 200 { problems.append(.init("title", "give the event a title (at most 200 characters)")) }
        let zoneName = (timeZone ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? "UTC" : timeZone!.trimmingCharacters(in: .whitespaces)
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { problems.append(.init("time_zone", "\(zoneName) is not a time zone; use a name such as America/New_York or Europe/London")) }
        let startsAt = zone.flatMap { z in starts.flatMap { Self.time($0, in: z) } }
        let endsAt = zone.flatMap { z in ends.flatMap { Self.time($0, in: z) } }
        if zone != nil, startsAt == nil { problems.append(.init("starts", "a local date and time, YYYY-MM-DDTHH:MM")) }
        if zone != nil, endsAt == nil { problems.append(.init("ends", "a local date and time, YYYY-MM-DDTHH:MM")) }
        if let s = startsAt, let e = endsAt, e <= s { problems.append(.init("ends", "the event must end after it starts")) }
        if let s = startsAt, s < now { problems.append(.init("starts", "the event would start in the past")) }
        let location = (self.location ?? "").trimmingCharacters(in: .whitespaces)
        if location.isEmpty { problems.append(.init("location", "a place, or the online link")) }
        let capacity = Int((self.capacity ?? "").trimmingCharacters(in: .whitespaces))
        if capacity == nil || !(1...100_000).contains(capacity!) { problems.append(.init("capacity", "a whole number of places from 1")) }
        let programs = Self.list(self.programs), skills = Self.list(self.skills), regions = Self.list(self.regions).map { $0.uppercased() }
        if programs.isEmpty && skills.isEmpty && regions.isEmpty {
            problems.append(.init("programs", "name the audience: programs, skills or regions (at least one)"))
        }
        guard problems.isEmpty, let startsAt, let endsAt, let capacity else { return (nil, problems) }
        return (Read(kind: kind, title: title, description: (description ?? "").trimmingCharacters(in: .whitespacesAndNewlines), startsAt: startsAt,
                     endsAt: endsAt, timeZone: zoneName, location: location, capacity: capacity, programs: programs, skills: skills, regions: regions), [])
    }
}

/// Whose event it is: an administrator organises any event, an employer account only its own employer's.
public enum EventOwnership {
    public static func refusal(eventEmployer: UUID?, actorEmployer: UUID?, isAdmin: Bool) -> String? {
        if isAdmin { return nil }
        guard let actorEmployer else { return "your account is tied to no employer partner; an administrator ties it" }
        return eventEmployer == actorEmployer ? nil : "this event is another organiser's"
    }
}
