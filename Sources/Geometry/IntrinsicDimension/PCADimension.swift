import TensorCore

/// The principal-component spectrum of a point cloud and the number of components reaching a
/// share of the variance.
public struct PCADimensionEstimate: Codable, Sendable, Equatable {
    /// `λ_1 ≥ λ_2 ≥ …`: the eigenvalues of the sample covariance `X_cᵀ X_c / (n − 1)`,
    /// `min(n, D)` of them (rounding negatives clamped to 0).
    public var variances: [Double]
    /// `λ_j / Σ λ` (all zero when the points coincide).
    public var explainedVarianceRatios: [Double]
    /// The number of points `n`.
    public var pointCount: Int
    /// The ambient dimension `D`.
    public var ambientDimension: Int

    /// The smallest `k` with `Σ_{j ≤ k} λ_j ≥ τ Σ_j λ_j`; 0 when the total variance is 0.
    ///
    /// - Parameter threshold: `τ ∈ (0, 1]`.
    public func components(reaching threshold: Double) -> Int {
        precondition(threshold > 0 && threshold <= 1, "PCADimensionEstimate: threshold must lie in (0, 1], got \(threshold)")
        return componentCount(variances, reaching: threshold)
    }
}

/// The smallest `k` with `Σ_{j ≤ k} λ_j ≥ τ Σ λ` for descending non-negative `λ` (0 for a zero
/// total). The total is summed in the same order as the partial sums, so `τ = 1` is reached.
func componentCount(_ descending: [Double], reaching threshold: Double) -> Int {
    let total = descending.reduce(0, +)
    guard total > 0 else { return 0 }
    var cumulative = 0.0
    for (j, v) in descending.enumerated() {
        cumulative += v
        if cumulative >= threshold * total { return j + 1 }
    }
    return descending.count
}

/// PCA dimension of a point cloud: the spectrum of its sample covariance, from which
/// ``PCADimensionEstimate/components(reaching:)`` gives the smallest number of principal
/// components reaching 90/95/99% explained variance (THEORY.md §2).
///
/// ```
/// X_c = X − 1 x̄ᵀ,   Σ = X_cᵀ X_c / (n − 1),   λ_1 ≥ … ≥ λ_D eigenvalues of Σ
/// ```
///
/// The nonzero eigenvalues of `X_cᵀ X_c` `[D, D]` and of the Gram matrix `X_c X_cᵀ` `[n, n]`
/// coincide; the smaller of the two is formed (BLAS) and decomposed (LAPACK `?syevr`).
///
/// - Parameter points: `[n, D]`, `n ≥ 2`, finite.
/// - Complexity: `O(n D min(n, D))` for the product, `O(min(n, D)³)` for the eigenvalues.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func pcaDimension<S: TensorScalar>(points: Tensor<S>) -> PCADimensionEstimate {
    precondition(points.rank == 2, "pcaDimension: points must be [n, D], got \(points.shape)")
    let (n, dim) = (points.shape[0], points.shape[1])
    precondition(n >= 2, "pcaDimension: needs at least 2 points, got \(points.shape)")
    let x = points.scalars
    var mean = [Double](repeating: 0, count: dim)
    for i in 0..<n { for c in 0..<dim { mean[c] += Double(x[i * dim + c]) } }
    for c in 0..<dim { mean[c] /= Double(n) }
    let centred = Tensor<S>(shape: [n, dim]) { out in
        for i in 0..<n { for c in 0..<dim { out[i * dim + c] = S(Double(x[i * dim + c]) - mean[c]) } }
    }
    let scatter = dim <= n ? matmul(centred, centred, transposeA: true) : matmul(centred, centred, transposeB: true)
    let ascending = scatter.symmetricEigendecomposition(computeVectors: false).values.scalars
    let variances = ascending.reversed().map { max(0, Double($0)) / Double(n - 1) }
    let total = variances.reduce(0, +)
    return PCADimensionEstimate(
        variances: variances,
        explainedVarianceRatios: variances.map { total > 0 ? $0 / total : 0 },
        pointCount: n, ambientDimension: dim)
}
