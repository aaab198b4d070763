import Foundation

/// Raking (iterative proportional fitting) of respondents' weights to known margins, as R's survey package does it:
/// each pass post-stratifies to every margin in turn; after a pass, the weighted table over the cross of all raking
/// variables is compared with the previous one, and raking stops when no cell moved by `epsilon` or more (an
/// `epsilon` below 1 is relative to the total of the starting weights) or after `maxIterations` passes.
public struct Raking: Sendable {
    /// One raking variable: each respondent's category (an index into `totals`) and the population total of each.
    public struct Margin: Sendable {
        public var name: String
        public var category: [Int]
        public var totals: [Double]

        public init(name: String, category: [Int], totals: [Double]) {
            self.name = name
            self.category = category
            self.totals = totals
        }
    }

    public struct Result: Sendable {
        public var weights: [Double]
        /// Full passes made before the table stopped moving (R counts the same way).
        public var iterations: Int
        public var converged: Bool
        /// The last pass, margin by margin: each margin's categories and the weights right after post-stratifying to
        /// it. R keeps the same record and uses it for the variance of estimates from the raked weights.
        public var lastPass: [(category: [Int], weights: [Double])] = []
        /// The largest gap left between a margin's weighted total and its target, as a share of the target, over every
        /// margin and category: what an analyst checks before trusting the weights (0 when they fit exactly).
        public var largestMarginError: Double = 0
    }

    /// The largest relative gap between `weights`' totals by category and each margin's targets.
    static func marginError(_ weights: [Double], _ margins: [Margin]) -> Double {
        var worst = 0.0
        for m in margins {
            var sums = Array(repeating: 0.0, count: m.totals.count)
            for (i, c) in m.category.enumerated() { sums[c] += weights[i] }
            for (c, target) in m.totals.enumerated() where target > 0 { worst = max(worst, abs(sums[c] - target) / target) }
        }
        return worst
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case lengths(String)
        case emptyCategory(margin: String, category: Int)

        public var description: String {
            switch self {
            case .lengths(let margin): "margin \(margin): one category per respondent is needed"
            case .emptyCategory(let margin, let category):
                "margin \(margin): category \(category) has a population total but no respondents, so no weight can carry it"
            }
        }
    }

    public var epsilon: Double = 1
    public var maxIterations: Int = 10

    public init(epsilon: Double = 1, maxIterations: Int = 10) {
        self.epsilon = epsilon
        self.maxIterations = maxIterations
    }

    public func rake(_ start: [Double], margins: [Margin]) throws(Failure) -> Result {
        let n = start.count
        for m in margins {
            guard m.category.count == n else { throw .lengths(m.name) }
            var present = Array(repeating: false, count: m.totals.count)
            for c in m.category { present[c] = true }
            if let empty = present.indices.first(where: { !present[$0] && m.totals[$0] > 0 }) {
                throw .emptyCategory(margin: m.name, category: empty)
            }
        }
        let tolerance = epsilon < 1 ? epsilon * start.reduce(0, +) : epsilon
        // Each respondent's cell in the cross of all raking variables.
        var cellOf: [Int] = Array(repeating: 0, count: n)
        var cells: [[Int]: Int] = [:]
        for i in 0..<n {
            let key = margins.map { $0.category[i] }
            if let c = cells[key] { cellOf[i] = c } else { cellOf[i] = cells.count; cells[key] = cells.count }
        }
        func table(_ w: [Double]) -> [Double] {
            var t = Array(repeating: 0.0, count: cells.count)
            for i in 0..<n { t[cellOf[i]] += w[i] }
            return t
        }
        var weights = start
        var old = table(weights)
        var iterations = 0
        var pass: [(category: [Int], weights: [Double])] = []
        while iterations < maxIterations {
            pass = []
            for m in margins {
                var sums = Array(repeating: 0.0, count: m.totals.count)
                for i in 0..<n { sums[m.category[i]] += weights[i] }
                for i in 0..<n { weights[i] *= m.totals[m.category[i]] / sums[m.category[i]] }
                pass.append((m.category, weights))
            }
            let new = table(weights)
            let delta = zip(old, new).map { abs($0 - $1) }.max() ?? 0
            if delta < tolerance {
                return Result(weights: weights, iterations: iterations, converged: true, lastPass: pass, largestMarginError: Self.marginError(weights, margins))
            }
            old = new
            iterations += 1
        }
        return Result(weights: weights, iterations: iterations, converged: false, lastPass: pass, largestMarginError: Self.marginError(weights, margins))
    }

    /// Caps weights at `ratio` times their mean as R survey's `trimWeights(design, upper, strict = TRUE)` does: those
    /// over the cap are set to it and what was cut is shared equally by the others, again until none is over; the
    /// total is kept. Raking again afterwards would restore the margins.
    public static func trim(_ weights: [Double], maxRatioToMean ratio: Double) -> [Double] {
        var w = weights
        guard !w.isEmpty else { return w }
        let cap = ratio * w.reduce(0, +) / Double(w.count)
        for _ in 0..<10_000 {
            let outside = w.map { $0 > cap }
            // Done when none is over, or over only by rounding (the passes approach the cap geometrically).
            guard outside.contains(true), w.contains(where: { $0 > cap * (1 + 1e-15) }) else { break }
            let inside = outside.filter { !$0 }.count
            guard inside > 0 else { break }
            let excess = zip(w, outside).reduce(0) { $0 + ($1.1 ? $1.0 - cap : 0) }
            let share = excess / Double(inside)
            for i in w.indices { w[i] = outside[i] ? cap : w[i] + share }
        }
        return w
    }
}

/// A weighted proportion with the interval R's survey package gives for a design with only weights
/// (`svydesign(ids = ~1, weights = ~w)`): `svyciprop(~y, design, method = "logit")`.
public enum WeightedProportion {
    public struct Estimate: Sendable, Equatable {
        public var proportion: Double
        /// Linearization (with-replacement) standard error of the proportion.
        public var standardError: Double
        public var interval: Interval
        public var n: Int
        /// The design effect as R's `svymean(…, deff = TRUE)` gives it: the design's variance over a simple random
        /// sample's of the same size without replacement from the weights' total; nil when that variance is 0.
        public var designEffect: Double? = nil
        /// The sample size a simple random sample would need for the same precision: n / deff.
        public var effectiveN: Double? { designEffect.map { Double(n) / $0 } }
    }

    /// The weighted share with `y`, its standard error and the logit interval: expit(logit(p) ± t(n − 1) · SE / (p(1 − p))).
    /// With `raking` (the result that made `w`), the standard error is the raked design's, as R's `rake()` gives:
    /// the influence values are swept by every margin of the last pass, ten times over, before their variance.
    /// With `domain`, the estimate is over the respondents in it (those asked and answering a question), with the
    /// whole sample kept for the variance, as R's `subset()` of a design does: influence values are zero outside,
    /// and the t quantile has the domain's size less one as degrees of freedom.
    public static func logit(_ y: [Bool], weights w: [Double], raking: Raking.Result? = nil, domain: [Bool]? = nil,
                             level: Double = 0.95) -> Estimate? {
        let n = y.count
        guard n > 1, w.count == n, domain.map({ $0.count == n }) ?? true else { return nil }
        let inside = domain ?? Array(repeating: true, count: n)
        let m = inside.filter { $0 }.count
        guard m > 1 else { return nil }
        let total = zip(w, inside).reduce(0) { $0 + ($1.1 ? $1.0 : 0) }
        guard total > 0 else { return nil }
        let p = (0..<n).reduce(0) { $0 + (inside[$1] && y[$1] ? w[$1] : 0) } / total
        // Influence values of the mean, w_i (y_i − p) / Σw over the domain, zero outside it.
        var z = (0..<n).map { inside[$0] ? w[$0] * ((y[$0] ? 1 : 0) - p) / total : 0 }
        if let raking {
            for _ in 0..<10 {
                for (category, psw) in raking.lastPass {
                    let groups = (category.max() ?? -1) + 1
                    var sums = [Double](repeating: 0, count: groups), counts = [Double](repeating: 0, count: groups)
                    for i in 0..<n { sums[category[i]] += z[i] / psw[i]; counts[category[i]] += 1 }
                    for i in 0..<n { z[i] -= psw[i] * sums[category[i]] / counts[category[i]] }
                }
            }
        }
        let mean = z.reduce(0, +) / Double(n)
        let sumSquares = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let variance = Double(n) / Double(n - 1) * sumSquares
        let se = variance.squareRoot()
        // Simple random sampling's variance, as R's svymean(deff = TRUE): svyvar(y) · (Σw − n) / (Σw · n).
        let weightedVariance = (0..<n).reduce(0) { $0 + (inside[$1] ? w[$1] * ((y[$1] ? 1 : 0) - p) * ((y[$1] ? 1 : 0) - p) : 0) } / total
            * Double(m) / Double(m - 1)
        let srs = weightedVariance * (total - Double(m)) / (total * Double(m))
        let deff = srs > 0 ? variance / srs : nil
        guard p > 0, p < 1 else {
            return Estimate(proportion: p, standardError: se, interval: Interval(lower: p, upper: p), n: m, designEffect: deff)
        }
        let t = Intervals.studentQuantile(1 - (1 - level) / 2, degreesOfFreedom: Double(m - 1))
        let center = log(p / (1 - p))
        let half = t * se / (p * (1 - p))
        func expit(_ x: Double) -> Double { exp(x) / (1 + exp(x)) }
        return Estimate(proportion: p, standardError: se, interval: Interval(lower: expit(center - half), upper: expit(center + half)), n: m,
                        designEffect: deff)
    }
}

extension Intervals {
    /// Student's t quantile for p > ½, from the beta distribution: P(|T| > t) = I_{ν/(ν+t²)}(ν/2, ½).
    public static func studentQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0.5 && p < 1, "an upper-tail probability")
        let x = betaQuantile(2 * (1 - p), nu / 2, 0.5)
        return (nu * (1 - x) / x).squareRoot()
    }
}

/// What a set of weights looks like, as an analyst checks it before trusting weighted figures: range, coefficient of
/// variation and Kish's design effect from unequal weighting, 1 + CV² = n Σw² / (Σw)², with the effective sample size
/// n / deff it leaves.
public struct WeightSummary: Sendable, Equatable {
    public var n: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    /// Standard deviation over the mean, the standard deviation with n in the denominator (as Kish's formula takes it).
    public var cv: Double
    public var kishDeff: Double
    public var effectiveN: Double

    public init?(_ weights: [Double]) {
        guard !weights.isEmpty else { return nil }
        let n = Double(weights.count)
        let sum = weights.reduce(0, +), squares = weights.reduce(0) { $0 + $1 * $1 }
        guard sum > 0 else { return nil }
        self.n = weights.count
        min = weights.min()!
        max = weights.max()!
        mean = sum / n
        let variance = Swift.max(0, squares / n - mean * mean)
        cv = variance.squareRoot() / mean
        kishDeff = n * squares / (sum * sum)
        effectiveN = sum * sum / squares
    }
}
