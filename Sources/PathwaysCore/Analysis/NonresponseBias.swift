import Foundation

/// Who answered, compared with who was asked: for every known characteristic of the frame (program, gender, country
/// group...), each category's share in the frame and among respondents — unweighted, and weighted when weights are
/// given — with the standardized difference (difference of shares over the pooled standard deviation), the usual
/// yardstick where |d| above 0.1 is read as a notable imbalance.
public enum NonresponseBias {
    public struct Row: Sendable, Equatable {
        public var characteristic: String
        public var category: String
        public var frameShare: Double
        public var respondentShare: Double
        public var standardizedDifference: Double
        public var weightedShare: Double?
        public var weightedStandardizedDifference: Double?
    }

    /// `frame`: each frame member's category by characteristic. `responded`: which members answered (same order).
    /// `weights`: one per member, used for respondents only (nil for an unweighted table).
    public static func table(characteristics: [String], frame: [[String: String]], responded: [Bool], weights: [Double]? = nil,
                             missing: String = "(unknown)") -> [Row] {
        precondition(frame.count == responded.count && (weights?.count ?? frame.count) == frame.count, "one entry per frame member")
        var rows: [Row] = []
        let respondentWeightTotal = weights.map { w in zip(w, responded).reduce(0) { $0 + ($1.1 ? $1.0 : 0) } }
        let frameCount = Double(frame.count)
        let respondentCount = Double(responded.filter { $0 }.count)
        for characteristic in characteristics {
            var inFrame: [String: Double] = [:], inRespondents: [String: Double] = [:], weighted: [String: Double] = [:]
            for (i, member) in frame.enumerated() {
                let category = member[characteristic].flatMap { $0.isEmpty ? nil : $0 } ?? missing
                inFrame[category, default: 0] += 1
                if responded[i] {
                    inRespondents[category, default: 0] += 1
                    if let weights { weighted[category, default: 0] += weights[i] }
                }
            }
            for category in inFrame.keys.sorted() {
                let pf = inFrame[category]! / frameCount
                let pr = respondentCount > 0 ? (inRespondents[category] ?? 0) / respondentCount : 0
                let pw = respondentWeightTotal.map { $0 > 0 ? (weighted[category] ?? 0) / $0 : 0 }
                rows.append(Row(characteristic: characteristic, category: category, frameShare: pf, respondentShare: pr,
                                standardizedDifference: difference(pr, pf), weightedShare: pw, weightedStandardizedDifference: pw.map { difference($0, pf) }))
            }
        }
        return rows
    }

    /// (p₁ − p₂) / √((p₁(1 − p₁) + p₂(1 − p₂)) / 2); 0 when both shares are 0 or 1.
    public static func difference(_ p1: Double, _ p2: Double) -> Double {
        let pooled = ((p1 * (1 - p1) + p2 * (1 - p2)) / 2).squareRoot()
        return pooled > 0 ? (p1 - p2) / pooled : 0
    }
}
