import TensorCore

/// The TwoNN intrinsic-dimension estimate of a point cloud, with its standard error and an exact
/// confidence interval.
public struct TwoNNEstimate: Codable, Sendable, Equatable {
    /// `d̂ = (m − 1) / T` (see ``twoNN(ratios:discardFraction:confidenceLevel:)``).
    public var dimension: Double
    /// `d̂ / √(m − 2)`: the standard deviation of `d̂` under the Pareto model, at `d = d̂`.
    public var standardError: Double
    /// The lower end of the confidence interval for `d`.
    public var lower: Double
    /// The upper end of the confidence interval for `d`.
    public var upper: Double
    /// The coverage of `[lower, upper]` (0.95 by default).
    public var confidenceLevel: Double
    /// The number of ratios `n` (one per distinct point).
    public var pointCount: Int
    /// The number of smallest ratios used in full, `m = n − ⌊f n⌋`.
    public var usedCount: Int
    /// The discarded (censored) fraction `f` of the largest ratios.
    public var discardFraction: Double
}

/// TwoNN (Facco, d'Errico, Rodriguez & Laio, *Sci. Rep.* 7, 12140, 2017) in maximum-likelihood
/// form, from the ratios `μ_i = r₂(x_i) / r₁(x_i)` of second- to first-neighbour distances.
///
/// Under local uniformity on a `d`-dimensional manifold, `μ` is Pareto, `P(μ > t) = t^{−d}`, so
/// `y_i = log μ_i` are exponential with rate `d`. The largest fraction `f` of the `μ` is
/// discarded as in the paper's linear-fit variant (default 10%: large ratios come from points
/// with an accidental very close neighbour or a density change and drag `d̂` down); here they are
/// treated as **right-censored** at the largest kept value rather than thrown away, which keeps
/// the likelihood exact (Type II censoring of exponential data):
///
/// ```
/// y_(1) ≤ … ≤ y_(n) sorted,   m = n − ⌊f n⌋
/// T = Σ_{i ≤ m} y_(i) + (n − m) y_(m)          ("total time on test")
/// d̂ = (m − 1) / T
/// ```
///
/// `d T ~ Gamma(m, 1)` exactly, so `(m − 1)/T` is the unbiased form of the MLE `m/T`
/// (`E[(m−1)/T] = d`; with `f = 0` it is `(n − 1) / Σ log μ_i`). That is why `m − 1` and not
/// `m`: the plain MLE overestimates by the factor `m/(m − 1)`. Its standard deviation is
/// `d/√(m − 2)`, reported at `d = d̂`, and the confidence interval is exact:
///
/// ```
/// [ G_m(α/2) / T,  G_m(1 − α/2) / T ],   G_m = quantile of Gamma(m, 1),   α = 1 − level
/// ```
///
/// Simply dropping the largest ratios without censoring would bias `d̂` upward.
///
/// - Parameters:
///   - ratios: `μ_i ≥ 1`, finite; at least 3 must remain after discarding.
///   - discardFraction: `f ∈ [0, 1)`, the censored fraction of the largest ratios.
///   - confidenceLevel: the interval's coverage, in `(0, 1)`.
/// - Returns: the estimate; `dimension` is `+∞` when every used ratio is 1 (equidistant
///   neighbours everywhere, e.g. a lattice).
public func twoNN(ratios: [Double], discardFraction: Double = 0.1, confidenceLevel: Double = 0.95) -> TwoNNEstimate {
    precondition(discardFraction >= 0 && discardFraction < 1, "twoNN: discardFraction must lie in [0, 1), got \(discardFraction)")
    precondition(confidenceLevel > 0 && confidenceLevel < 1, "twoNN: confidenceLevel must lie in (0, 1), got \(confidenceLevel)")
    let n = ratios.count
    let m = twoNNUsedCount(n, discardFraction: discardFraction)
    precondition(m >= 3, "twoNN: \(n) ratios leave \(m) after discarding \(discardFraction); need at least 3")
    let y = ratios.map { mu -> Double in
        precondition(mu >= 1 && mu.isFinite, "twoNN: ratios must be finite and ≥ 1, got \(mu)")
        return Double.log(mu)
    }.sorted()
    var total = 0.0
    for i in 0..<m { total += y[i] }
    total += Double(n - m) * y[m - 1]
    let dimension = Double(m - 1) / total
    let alpha = 1 - confidenceLevel
    return TwoNNEstimate(
        dimension: dimension,
        standardError: dimension / Double(m - 2).squareRoot(),
        lower: GammaDistribution.quantile(alpha / 2, shape: Double(m)) / total,
        upper: GammaDistribution.quantile(1 - alpha / 2, shape: Double(m)) / total,
        confidenceLevel: confidenceLevel,
        pointCount: n,
        usedCount: m,
        discardFraction: discardFraction)
}

/// TwoNN from precomputed neighbours (`neighbors.k ≥ 2`): `μ_i = T₂(x_i) / T₁(x_i)` for every
/// distinct point. See ``twoNN(ratios:discardFraction:confidenceLevel:)``.
public func twoNN(neighbors: NearestNeighbors, discardFraction: Double = 0.1, confidenceLevel: Double = 0.95) -> TwoNNEstimate {
    precondition(neighbors.k >= 2, "twoNN: needs 2 neighbours per point, got k = \(neighbors.k)")
    let k = neighbors.k
    let t = neighbors.distances.scalars
    let ratios = (0..<neighbors.pointCount).map { i in t[i * k + 1] / t[i * k] }
    return twoNN(ratios: ratios, discardFraction: discardFraction, confidenceLevel: confidenceLevel)
}

/// TwoNN of a point cloud `[n, D]` (exact duplicates dropped, see ``NearestNeighbors``). See
/// ``twoNN(ratios:discardFraction:confidenceLevel:)``.
///
/// - Throws: ``IntrinsicDimensionError`` for non-finite coordinates or too few distinct points.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func twoNN<S: TensorScalar>(
    points: Tensor<S>, discardFraction: Double = 0.1, confidenceLevel: Double = 0.95
) throws(IntrinsicDimensionError) -> TwoNNEstimate {
    let neighbors = try NearestNeighbors(points: points, k: 2)
    let required = twoNNRequiredPoints(discardFraction: discardFraction)
    guard neighbors.pointCount >= required else {
        throw .tooFewPoints(distinct: neighbors.pointCount, duplicates: neighbors.duplicateCount, required: required)
    }
    return twoNN(neighbors: neighbors, discardFraction: discardFraction, confidenceLevel: confidenceLevel)
}

/// `m = n − ⌊f n⌋`, the number of ratios TwoNN uses uncensored.
func twoNNUsedCount(_ n: Int, discardFraction: Double) -> Int {
    n - Int((discardFraction * Double(n)).rounded(.down))
}

/// The fewest distinct points that leave TwoNN 3 uncensored ratios.
func twoNNRequiredPoints(discardFraction: Double) -> Int {
    precondition(discardFraction >= 0 && discardFraction < 1, "twoNN: discardFraction must lie in [0, 1), got \(discardFraction)")
    var n = 3
    while twoNNUsedCount(n, discardFraction: discardFraction) < 3 { n += 1 }
    return n
}
