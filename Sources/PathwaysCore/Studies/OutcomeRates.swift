/// AAPOR outcome rates from counts of final dispositions: response rates RR1–RR6, cooperation rates
/// COOP1–COOP4, refusal rates REF1–REF3 and contact rates CON1–CON3.
///
/// Cases of unknown eligibility (U) count in full in RR1, RR2, REF1 and CON1, weighted by `e` (the estimated
/// share of them that is eligible) in RR3, RR4, REF2 and CON2, and not at all in RR5, RR6, REF3 and CON3.
/// A rate whose denominator is zero is nil, never 0 or NaN.
public struct OutcomeRates: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var interviews = 0, partials = 0, refusals = 0, nonContacts = 0, others = 0, unknown = 0, notEligible = 0

        public init() {}

        public init(_ dispositions: some Sequence<Disposition>) {
            for d in dispositions { add(d) }
        }

        public mutating func add(_ d: Disposition, count: Int = 1) {
            switch d.category {
            case .interview: interviews += count
            case .partial: partials += count
            case .refusal: refusals += count
            case .nonContact: nonContacts += count
            case .other: others += count
            case .unknown: unknown += count
            case .notEligible: notEligible += count
            }
        }

        /// Cases known to be eligible: I + P + R + NC + O.
        public var knownEligible: Int { interviews + partials + refusals + nonContacts + others }
        public var total: Int { knownEligible + unknown + notEligible }
    }

    /// Where `e` came from, printed beside the rates that use it.
    public enum EligibilitySource: String, Sendable, Equatable {
        /// Proportional allocation: the eligible share among cases whose eligibility was determined.
        case estimated
        /// Set by the researcher.
        case override
        /// No case had its eligibility determined; e = 1 is the conservative choice.
        case assumedOne
    }

    public var counts: Counts
    public var e: Double
    public var eSource: EligibilitySource

    public init(_ counts: Counts, eOverride: Double? = nil) {
        self.counts = counts
        if let eOverride {
            e = min(max(eOverride, 0), 1)
            eSource = .override
        } else if counts.knownEligible + counts.notEligible > 0 {
            e = Double(counts.knownEligible) / Double(counts.knownEligible + counts.notEligible)
            eSource = .estimated
        } else {
            e = 1
            eSource = .assumedOne
        }
    }

    private func ratio(_ numerator: Int, _ denominator: Double) -> Double? {
        denominator > 0 ? Double(numerator) / denominator : nil
    }

    private var ip: Int { counts.interviews + counts.partials }
    private var eligibleNonInterviews: Int { counts.refusals + counts.nonContacts + counts.others }
    private var u: Double { Double(counts.unknown) }

    private func base(_ unknownWeight: Double) -> Double { Double(ip + eligibleNonInterviews) + unknownWeight * u }

    public var rr1: Double? { ratio(counts.interviews, base(1)) }
    public var rr2: Double? { ratio(ip, base(1)) }
    public var rr3: Double? { ratio(counts.interviews, base(e)) }
    public var rr4: Double? { ratio(ip, base(e)) }
    public var rr5: Double? { ratio(counts.interviews, base(0)) }
    public var rr6: Double? { ratio(ip, base(0)) }

    public var coop1: Double? { ratio(counts.interviews, Double(ip + counts.refusals + counts.others)) }
    public var coop2: Double? { ratio(ip, Double(ip + counts.refusals + counts.others)) }
    public var coop3: Double? { ratio(counts.interviews, Double(ip + counts.refusals)) }
    public var coop4: Double? { ratio(ip, Double(ip + counts.refusals)) }

    public var ref1: Double? { ratio(counts.refusals, base(1)) }
    public var ref2: Double? { ratio(counts.refusals, base(e)) }
    public var ref3: Double? { ratio(counts.refusals, base(0)) }

    private var contacted: Int { ip + counts.refusals + counts.others }
    public var con1: Double? { ratio(contacted, Double(contacted + counts.nonContacts) + u) }
    public var con2: Double? { ratio(contacted, Double(contacted + counts.nonContacts) + e * u) }
    public var con3: Double? { ratio(contacted, Double(contacted + counts.nonContacts)) }

    /// Every rate by its AAPOR name, in the order reports print them.
    public var all: [(name: String, value: Double?)] {
        [("RR1", rr1), ("RR2", rr2), ("RR3", rr3), ("RR4", rr4), ("RR5", rr5), ("RR6", rr6),
         ("COOP1", coop1), ("COOP2", coop2), ("COOP3", coop3), ("COOP4", coop4),
         ("REF1", ref1), ("REF2", ref2), ("REF3", ref3), ("CON1", con1), ("CON2", con2), ("CON3", con3)]
    }
}
