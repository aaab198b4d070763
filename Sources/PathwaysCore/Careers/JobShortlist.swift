import Foundation

/// What a learner's Careers page lists from their ranked matches: each program the learner completed is represented
/// (a learner who finished a data program and a web program sees jobs for both, not twenty for the stronger one),
/// and near-identical postings (the same title at the same employer, posted for several cities) are one entry
/// with "and N more like it". Pure: the ranking comes in, the list goes out.
public enum JobShortlist {
    /// One ranking: the whole profile's (`program` nil), or one program's alone.
    public struct Source: Sendable {
        public var program: String?
        public var matches: [JobMatch]
        public init(program: String?, matches: [JobMatch]) {
            self.program = program
            self.matches = matches
        }
    }

    public struct Entry: Sendable, Equatable {
        public var match: JobMatch
        /// The program whose ranking brought this posting in, when it was not the whole profile's.
        public var forProgram: String?
        /// Postings like this one (same title and employer) left out of the list, by index into the postings.
        public var alike: [Int]
    }

    /// Postings that are "the same job": title and employer, case, spacing and punctuation aside.
    public static func likeness(_ posting: JobPosting) -> String {
        func words(_ s: String) -> String {
            String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : " " }).split(separator: " ").joined(separator: " ")
        }
        return words(posting.title) + "|" + words(posting.hiringOrganization ?? "")
    }

    /// Takes the sources in turn — the whole profile's next best, then each program's — skipping a posting already
    /// listed or like one listed (counted on that entry instead), until `k` entries. `posting` gives a match's posting.
    public static func pick(_ sources: [Source], k: Int, posting: (JobMatch) -> JobPosting) -> [Entry] {
        var entries: [Entry] = []
        var byLikeness: [String: Int] = [:]
        var seen = Set<UUID>()
        var cursors = [Int](repeating: 0, count: sources.count)
        func consider(_ m: JobMatch, from source: Source) -> Bool {
            guard seen.insert(m.postingID).inserted else { return false }
            let key = likeness(posting(m))
            if let at = byLikeness[key] {
                entries[at].alike.append(m.postingIndex)
                return false
            }
            guard entries.count < k else { return false }
            byLikeness[key] = entries.count
            entries.append(Entry(match: m, forProgram: source.program, alike: []))
            return true
        }
        var progressing = true
        while entries.count < k && progressing {
            progressing = false
            for (s, source) in sources.enumerated() where entries.count < k {
                while cursors[s] < source.matches.count {
                    let m = source.matches[cursors[s]]
                    cursors[s] += 1
                    progressing = true
                    if consider(m, from: source) { break }
                }
            }
        }
        // What is left of every ranking still counts toward the entries it is like.
        for (s, source) in sources.enumerated() {
            for m in source.matches[cursors[s]...] where !seen.contains(m.postingID) {
                if let at = byLikeness[likeness(posting(m))] {
                    seen.insert(m.postingID)
                    entries[at].alike.append(m.postingIndex)
                }
            }
        }
        return entries
    }
}
