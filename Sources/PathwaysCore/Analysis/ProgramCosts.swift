import Foundation

/// What a program cost the people who took it, by the ingredients method (Levin & McEwan, *Cost-Effectiveness
/// Analysis*; CBCSE's CostOut): each resource a learner's participation uses — fees, the hours studied valued at a
/// shadow wage, equipment and connectivity, what an employer paid — priced in one stated year, with who bears it, and
/// summed per participant, per completer and per outcome. Every figure comes with its low and high sensitivity bounds
/// (a lower and a higher wage, hours less and more by a stated share), never alone.
public enum ProgramCosts {
    /// Who bears an ingredient's cost.
    public enum Bearer: String, Sendable, CaseIterable, Codable {
        case learner, employer, initiative, provider
    }

    /// One resource, as a quantity per participant at a price (in `priceYear`'s dollars), borne by `bearer`.
    public struct Ingredient: Sendable, Equatable {
        public var name: String
        public var bearer: Bearer
        /// Units per participant (hours, a fee paid once = 1, months of connectivity…), averaged over participants.
        public var quantity: Double
        public var unit: String
        public var price: Double
        public var priceYear: Int
        /// Where the quantity or price comes from ("program catalog", "survey: hours per week", "BLS OEWS May 2023").
        public var source: String
        /// Whether the quantity is study time, so the hours sensitivity moves it, and the price a wage, so the wage
        /// sensitivity replaces it.
        public var isTime: Bool = false

        public init(_ name: String, bearer: Bearer, quantity: Double, unit: String, price: Double, priceYear: Int, source: String, isTime: Bool = false) {
            self.name = name
            self.bearer = bearer
            self.quantity = quantity
            self.unit = unit
            self.price = price
            self.priceYear = priceYear
            self.source = source
            self.isTime = isTime
        }
    }

    /// Prices moved between years by an annual price index (shipped with its source).
    public struct PriceIndex: Sendable, Equatable {
        public var source: String
        public var values: [Int: Double]

        /// US CPI-U, all items, U.S. city average, annual averages (BLS series CUUR0000SA0, 1982–84 = 100).
        public static let cpiU = PriceIndex(source: "BLS CPI-U, all items, U.S. city average, annual average (series CUUR0000SA0)", values: [
            2015: 237.017, 2016: 240.007, 2017: 245.120, 2018: 251.107, 2019: 255.657, 2020: 258.811,
            2021: 270.970, 2022: 292.655, 2023: 304.702, 2024: 313.689,
        ])

        /// `amount` in `from`'s dollars, in `to`'s dollars; nil when the table lacks either year.
        public func convert(_ amount: Double, from: Int, to: Int) -> Double? {
            guard let a = values[from], let b = values[to] else { return nil }
            return amount * b / a
        }
    }

    /// The national median wage used as the shadow price of study time when a learner's own wage is not known.
    public static let medianHourlyWage = (dollars: 23.11, year: 2023, source: "BLS OEWS May 2023, all occupations, median hourly wage")

    /// How far the sensitivity bounds move: the wage to the low and high values given, hours down and up by `hoursShare`.
    public struct Sensitivity: Sendable, Equatable {
        public var lowWage: Double
        public var highWage: Double
        public var hoursShare: Double

        public init(lowWage: Double, highWage: Double, hoursShare: Double) {
            self.lowWage = lowWage
            self.highWage = highWage
            self.hoursShare = hoursShare
        }
    }

    /// A figure and its sensitivity bounds.
    public struct Range: Sendable, Equatable {
        public var low: Double
        public var central: Double
        public var high: Double
    }

    public struct Estimate: Sendable, Equatable {
        public var priceYear: Int
        public var participants: Int
        public var completers: Int
        public var total: Range
        public var perParticipant: Range
        /// nil when nobody completed (a cost per completer is undefined, not infinite).
        public var perCompleter: Range?
        /// By outcome name ("new job", "promotion"): the total over the learners who reported it; nil for none.
        public var perOutcome: [String: Range?]
        /// The central total by bearer.
        public var byBearer: [Bearer: Double]
        /// Ingredients whose price year the index could not move (left out, named so the page says so).
        public var unpriced: [String]
    }

    /// The estimate for `participants` learners of whom `completers` completed and `outcomes` counts those who reported
    /// each outcome, from ingredients averaged per participant, in `priceYear` dollars.
    public static func estimate(_ ingredients: [Ingredient], participants: Int, completers: Int, outcomes: [String: Int],
                                priceYear: Int, index: PriceIndex = .cpiU, sensitivity: Sensitivity) -> Estimate {
        var unpriced: [String] = []
        var byBearer: [Bearer: Double] = [:]
        var central = 0.0, low = 0.0, high = 0.0
        for ingredient in ingredients {
            guard let price = index.convert(ingredient.price, from: ingredient.priceYear, to: priceYear) else {
                unpriced.append(ingredient.name)
                continue
            }
            let cost = ingredient.quantity * price
            central += cost
            byBearer[ingredient.bearer, default: 0] += cost * Double(participants)
            if ingredient.isTime {
                // The wage bounds are given in the estimate's price year; hours move by the stated share.
                low += ingredient.quantity * (1 - sensitivity.hoursShare) * sensitivity.lowWage
                high += ingredient.quantity * (1 + sensitivity.hoursShare) * sensitivity.highWage
            } else {
                low += cost
                high += cost
            }
        }
        let n = Double(participants)
        let total = Range(low: low * n, central: central * n, high: high * n)
        func per(_ count: Int) -> Range? {
            count > 0 ? Range(low: total.low / Double(count), central: total.central / Double(count), high: total.high / Double(count)) : nil
        }
        return Estimate(priceYear: priceYear, participants: participants, completers: completers, total: total,
                        perParticipant: per(participants) ?? Range(low: 0, central: 0, high: 0), perCompleter: per(completers),
                        perOutcome: outcomes.mapValues { per($0) }, byBearer: byBearer, unpriced: unpriced)
    }

    /// An income band's hourly wage: its midpoint over a full-time year of 2,080 hours (nil for an open-ended band).
    public static func hourlyWage(bandLow: Double, bandHigh: Double?) -> Double? {
        guard let bandHigh, bandHigh > bandLow else { return nil }
        return (bandLow + bandHigh) / 2 / 2_080
    }
}
