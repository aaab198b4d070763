import Foundation
@testable import PathwaysCore
import Testing

/// Costs by the ingredients method against figures worked out by hand (below each expectation): ten participants,
/// four completers, two who reported a new job, priced in 2023 dollars.
@Suite struct ProgramCostsTests {
    func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-9 * max(1, abs(b)) } ?? false }

    let ingredients: [ProgramCosts.Ingredient] = [
        // Fees of $1,000: half the participants paid themselves, 30% had them paid by an employer, 20% had a free
        // initiative place.
        .init("Fees paid by the learner", bearer: .learner, quantity: 0.5, unit: "fee", price: 1_000, priceYear: 2023, source: "program catalog"),
        .init("Fees paid by an employer", bearer: .employer, quantity: 0.3, unit: "fee", price: 1_000, priceYear: 2023, source: "survey: who paid"),
        .init("Free places", bearer: .initiative, quantity: 0.2, unit: "fee", price: 1_000, priceYear: 2023, source: "initiative records"),
        // 120 hours of study at a $20 shadow wage.
        .init("Study time", bearer: .learner, quantity: 120, unit: "hour", price: 20, priceYear: 2023, source: "survey: hours per week", isTime: true),
        // Six months of connectivity at $10 a month in 2020 dollars: 10 × 304.702 / 258.811 = 11.7731… in 2023.
        .init("Connectivity", bearer: .learner, quantity: 6, unit: "month", price: 10, priceYear: 2020, source: "survey: equipment"),
        .init("A laptop priced in 2012", bearer: .learner, quantity: 0.1, unit: "laptop", price: 600, priceYear: 2012, source: "no index year"),
    ]

    @Test func costsPerParticipantCompleterAndOutcomeAreTheHandWorkedOnes() {
        let e = ProgramCosts.estimate(ingredients, participants: 10, completers: 4, outcomes: ["new job": 2, "promotion": 0], priceYear: 2023,
                                      sensitivity: .init(lowWage: 15, highWage: 30, hoursShare: 0.2))
        // Per participant: 500 + 300 + 200 + 120 × 20 + 6 × 11.7731… = 3,470.6388…
        #expect(close(e.perParticipant.central, 3_470.6388832004823))
        #expect(close(e.total.central, 34_706.38883200482))
        // Per completer: 34,706.39 / 4; per new job: / 2; no promotion reported, so no cost per promotion.
        #expect(close(e.perCompleter?.central, 8_676.597208001205))
        #expect(close(e.perOutcome["new job"]??.central, 17_353.19441600241))
        #expect(e.perOutcome["promotion"] == .some(nil))
        // Sensitivity: hours −20% at $15 (1,440) and +20% at $30 (4,320), the rest unchanged (1,000 + 70.64).
        #expect(close(e.perParticipant.low, 2_510.6388832004823) && close(e.perParticipant.high, 5_390.638883200482))
        #expect(close(e.perCompleter?.low, 6_276.597208001205) && close(e.perCompleter?.high, 13_476.597208001205))
        // Who bears it: learners their fees, time and connectivity; employers and the initiative the rest.
        #expect(close(e.byBearer[.learner], 29_706.38883200482) && close(e.byBearer[.employer], 3_000) && close(e.byBearer[.initiative], 2_000))
        #expect(e.byBearer[.provider] == nil)
        // What the index cannot price is left out and named, not guessed.
        #expect(e.unpriced == ["A laptop priced in 2012"])
    }

    @Test func nobodyCompletedMeansNoCostPerCompleter() {
        let e = ProgramCosts.estimate(Array(ingredients.prefix(1)), participants: 3, completers: 0, outcomes: [:], priceYear: 2023,
                                      sensitivity: .init(lowWage: 15, highWage: 30, hoursShare: 0.2))
        #expect(e.perCompleter == nil && close(e.total.central, 1_500) && close(e.perParticipant.low, 500) && close(e.perParticipant.high, 500))
    }

    @Test func pricesMoveByTheShippedIndex() {
        let index = ProgramCosts.PriceIndex.cpiU
        #expect(close(index.convert(100, from: 2019, to: 2024), 100 * 313.689 / 255.657))
        #expect(index.convert(100, from: 2010, to: 2024) == nil)
        #expect(close(index.convert(100, from: 2022, to: 2022), 100))
        #expect(ProgramCosts.hourlyWage(bandLow: 40_000, bandHigh: 60_000) == 50_000.0 / 2_080)
        #expect(ProgramCosts.hourlyWage(bandLow: 100_000, bandHigh: nil) == nil)
    }
}
