import Foundation

/// Confidence intervals for a proportion, computed to double precision so they agree with R's to 1e-9.
public enum ProportionInterval: String, Sendable, CaseIterable, Codable {
    /// Wilson's score interval without continuity correction: R's `prop.test(x, n, correct = FALSE)`.
    case wilson
    /// The exact binomial interval: R's `binom.test(x, n)`.
    case clopperPearson = "clopper-pearson"

    public var label: String {
        switch self {
        case .wilson: "Wilson score interval"
        case .clopperPearson: "Clopper–Pearson exact interval"
        }
    }

    public func interval(successes x: Int, of n: Int, level: Double = 0.95) -> Interval? {
        guard n > 0, (0...n).contains(x) else { return nil }
        switch self {
        case .wilson: return Intervals.wilson(successes: Double(x), of: Double(n), level: level)
        case .clopperPearson: return Intervals.clopperPearson(successes: x, of: n, level: level)
        }
    }
}

public struct Interval: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }
}

public enum Intervals {
    public static func wilson(successes x: Double, of n: Double, level: Double = 0.95) -> Interval {
        // In the order R's prop.test evaluates it, so the bounds agree to the last bits (0 stays exactly 0).
        let z = normalQuantile(1 - (1 - level) / 2)
        let p = x / n
        let z22n = z * z / (2 * n)
        let spread = z * (p * (1 - p) / n + z22n / (2 * n)).squareRoot()
        return Interval(lower: max(0, (p + z22n - spread) / (1 + 2 * z22n)), upper: min(1, (p + z22n + spread) / (1 + 2 * z22n)))
    }

    public static func clopperPearson(successes x: Int, of n: Int, level: Double = 0.95) -> Interval {
        let alpha = 1 - level
        let lower = x == 0 ? 0 : betaQuantile(alpha / 2, Double(x), Double(n - x + 1))
        let upper = x == n ? 1 : betaQuantile(1 - alpha / 2, Double(x + 1), Double(n - x))
        return Interval(lower: lower, upper: upper)
    }

    /// The standard normal quantile: Acklam's rational approximation, then two Halley steps on erfc, which brings
    /// it to the last bits of a double.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a probability strictly between 0 and 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        for _ in 0..<2 {
            let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
            let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz).
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a, b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, b, a) / b
    }

    static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }

    /// The quantile of a Beta(a, b) distribution: bisection on the monotone incomplete beta down to adjacent
    /// doubles, so the result is as exact as the function it inverts.
    public static func betaQuantile(_ p: Double, _ a: Double, _ b: Double) -> Double {
        var low = 0.0, high = 1.0
        for _ in 0..<2_000 {
            let mid = (low + high) / 2
            if mid <= low || mid >= high { break }
            if regularizedBeta(mid, a, b) < p { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }
    /// The upper tail of a chi-squared distribution with `df` degrees of freedom: Q(df/2, x/2).
    public static func chiSquaredUpper(_ x: Double, df: Double) -> Double {
        x <= 0 ? 1 : regularizedGammaUpper(df / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a): by its series below a + 1, by its continued fraction (modified Lentz) above.
    public static func regularizedGammaUpper(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        let logFront = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, n = a
            for _ in 0..<100_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return 1 - sum * exp(logFront)
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(logFront) * h
    }
}
