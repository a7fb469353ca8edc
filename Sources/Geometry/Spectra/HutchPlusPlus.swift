import TensorCore

/// The Hutch++ trace estimate and its two parts.
public struct HutchPlusPlusEstimate: Codable, Sendable, Equatable {
    /// The estimate `tr(Qᵀ A Q) + (1/g) Σₖ gₖᵀ P A P gₖ` of `tr(A)`.
    public var estimate: Double
    /// The exact trace on the sketched subspace, `tr(Qᵀ A Q)`.
    public var lowRankTrace: Double
    /// The Hutchinson estimate of the deflated remainder `tr(P A P)`, `P = I − Q Qᵀ`.
    public var residualTrace: Double
    /// The standard error of ``residualTrace`` over its `g` samples (given `Q`); `nil` if `g = 1`.
    public var residualStandardError: Double?
    /// The sketch size `s` (columns of `S` and of `Q`).
    public var sketchSize: Int
    /// The number of Hutchinson probes `g` on the remainder.
    public var residualSampleCount: Int
    /// The number of products `A v` used, `2 s + g` (the budget).
    public var productCount: Int
}

/// The Hutch++ estimate of `tr(A)` with a budget of `m` products (Meyer, Musco, Musco &
/// Woodruff 2021, "Hutch++: Optimal stochastic trace estimation", Algorithm 1).
///
/// ```
/// S ∈ {±1}^{d×s},  Q = orth(A S),  G ∈ {±1}^{d×g},  P = I − Q Qᵀ,
/// tr(A) ≈ tr(Qᵀ A Q) + (1/g) tr(Gᵀ P A P G),   s = ⌊m/3⌋,  g = m − 2s
/// ```
/// The top of the spectrum is captured exactly by the sketch `Q` and only the deflated remainder
/// is estimated by Hutchinson, so the error falls as `O(1/m)` instead of `O(1/√m)` for PSD
/// matrices. For `rank(A) ≤ s` the sketch spans `range(A)` and the estimate is exact.
/// `Q` is computed by ``orthonormalBasis(of:seed:)`` (Gram–Schmidt twice, in `Double`).
/// The products go to the operator as three blocks through ``LinearOperator/apply(toColumns:)``.
///
/// - Parameters:
///   - op: The symmetric operator `A` `[d, d]`.
///   - productBudget: The total number of products `m ≥ 3`; `s = ⌊m/3⌋ ≤ d` required.
///   - distribution: Distribution of `S` and `G` (Rademacher by default).
///   - seed: Seed of `S`, `G` and of the completion of `Q`.
/// - Complexity: `m` products and `O(d s²)` flops for the orthonormalization.
public func hutchPlusPlusTrace<Operator: LinearOperator>(
    of op: Operator, productBudget: Int, distribution: ProbeDistribution = .rademacher, seed: UInt64 = 0
) -> HutchPlusPlusEstimate {
    let d = op.dimension
    let s = productBudget / 3
    let g = productBudget - 2 * s
    precondition(productBudget >= 3 && s <= d, "hutchPlusPlusTrace: budget \(productBudget) needs ≥ 3 and ⌊m/3⌋ ≤ d = \(d)")
    typealias Scalar = Operator.Scalar
    var generator = RandomGenerator(seed: seed)
    let sketch: Tensor<Scalar> = distribution.sample(dimension: d, count: s, using: &generator)
    let q = orthonormalBasis(of: op.apply(toColumns: sketch), seed: generator.next())  // [d, s]
    let lowRank = columnDots(q, op.apply(toColumns: q)).reduce(0, +)

    // P G = G − Q (Qᵀ G), in Double then back to Scalar for the products.
    let probes: Tensor<Scalar> = distribution.sample(dimension: d, count: g, using: &generator)
    let qd = q.converted(to: Double.self), gd = probes.converted(to: Double.self)
    let deflatedDouble = gd - matmul(qd, matmul(qd, gd, transposeA: true))
    let deflated: Tensor<Scalar> = deflatedDouble.converted(to: Scalar.self)
    let samples = columnDots(deflated, op.apply(toColumns: deflated))
    let residual = samples.reduce(0, +) / Double(g)
    return HutchPlusPlusEstimate(
        estimate: lowRank + residual, lowRankTrace: lowRank, residualTrace: residual,
        residualStandardError: g > 1 ? standardError(of: samples) : nil, sketchSize: s, residualSampleCount: g,
        productCount: 2 * s + g)
}
