@testable import PathwaysCore
import Testing

@Suite struct OutcomeRateTests {
    /// I=40, P=10, R=20 (12 refusals, 8 break-offs), NC=15, O=5, U=30 (25 silent, 5 bounced), NE=10.
    static func counts() -> OutcomeRates.Counts {
        var c = OutcomeRates.Counts()
        c.add(.complete, count: 40)
        c.add(.partial, count: 10)
        c.add(.refusal, count: 12)
        c.add(.breakOff, count: 8)
        c.add(.nonContact, count: 15)
        c.add(.other, count: 5)
        c.add(.nothingReturned, count: 25)
        c.add(.undeliverable, count: 5)
        c.add(.notEligible, count: 10)
        return c
    }

    @Test func ratesMatchHandComputedValues() throws {
        let r = OutcomeRates(Self.counts())
        // e = known eligible / determined = 90 / 100.
        #expect(r.e == 0.9 && r.eSource == .estimated)
        // Denominators: with all unknowns 50+40+30 = 120; with e·U 50+40+27 = 117; without U 90.
        let expected: [String: Double] = [
            "RR1": 40.0 / 120, "RR2": 50.0 / 120, "RR3": 40.0 / 117, "RR4": 50.0 / 117, "RR5": 40.0 / 90, "RR6": 50.0 / 90,
            "COOP1": 40.0 / 75, "COOP2": 50.0 / 75, "COOP3": 40.0 / 70, "COOP4": 50.0 / 70,
            "REF1": 20.0 / 120, "REF2": 20.0 / 117, "REF3": 20.0 / 90,
            "CON1": 75.0 / 120, "CON2": 75.0 / 117, "CON3": 75.0 / 90,
        ]
        for (name, value) in r.all {
            let v = try #require(value, "\(name) is defined")
            #expect(abs(v - expected[name]!) < 1e-12, "\(name): \(v) vs \(expected[name]!)")
        }
        #expect(r.all.count == 16)
    }

    @Test func eCanBeOverriddenAndIsClamped() {
        let r = OutcomeRates(Self.counts(), eOverride: 0.5)
        #expect(r.eSource == .override)
        #expect(r.rr3 == 40.0 / 105)
        #expect(OutcomeRates(Self.counts(), eOverride: 3).e == 1)
    }

    @Test func undefinedRatesAreNilNotZero() {
        let empty = OutcomeRates(OutcomeRates.Counts())
        #expect(empty.eSource == .assumedOne)
        #expect(empty.all.allSatisfy { $0.value == nil })
        let onlyUnknown = OutcomeRates(OutcomeRates.Counts(Array(repeating: Disposition.nothingReturned, count: 5)))
        #expect(onlyUnknown.rr1 == 0 && onlyUnknown.rr5 == nil && onlyUnknown.coop1 == nil)
    }

    @Test func theSeedsFollowUpInTheseTerms() {
        // The seed's 1-year follow-up: 67 usable answers from about 16,000 contacted. Rates are only as
        // honest as the dispositions behind them; with every non-answer unknown, RR1 is 67/16,000.
        var c = OutcomeRates.Counts()
        c.add(.complete, count: 67)
        c.add(.nothingReturned, count: 16_000 - 67)
        let r = OutcomeRates(c)
        #expect(abs(r.rr1! - 0.0041875) < 1e-9)
        #expect(r.eSource == .estimated && r.e == 1, "only eligible cases were determined")
    }
}
