import TensorCore

/// A stochastic trace estimate with its sampling error.
public struct TraceEstimate: Codable, Sendable, Equatable {
    /// The estimate of `tr(A)`.
    public var estimate: Double
    /// The standard error `s / √N` (unbiased sample deviation `s` of the `N` samples); `nil`
    /// for a single sample.
    public var standardError: Double?
    /// The number of probe samples `N`.
    public var sampleCount: Int
    /// The number of products `A v` used.
    public var productCount: Int

    public init(estimate: Double, standardError: Double?, sampleCount: Int, productCount: Int) {
        self.estimate = estimate
        self.standardError = standardError
        self.sampleCount = sampleCount
        self.productCount = productCount
    }
}

/// The Hutchinson estimate of `tr(A)` from seeded random probes.
///
/// ```
/// tr(A) ≈ (1/N) Σₖ vₖᵀ A vₖ,   E[v vᵀ] = I
/// Var(vᵀ A v) = 2 Σ_{i≠j} A_ij²  (Rademacher),   2 ‖A‖_F²  (Gaussian, symmetric A)
/// ```
/// Hutchinson 1990, "A stochastic estimator of the trace of the influence matrix for Laplacian
/// smoothing splines"; Avron & Toledo 2011. With Rademacher probes the estimate is exact for a
/// diagonal `A` (every sample equals `tr(A)`). Probes go to the operator in blocks of
/// `batchSize` columns through ``LinearOperator/apply(toColumns:)``, so an operator that batches
/// its products benefits; the probe stream does not depend on `batchSize`.
///
/// - Parameters:
///   - op: The operator `A` `[d, d]` (symmetry is not needed for the trace).
///   - samples: The number of probes `N ≥ 1`.
///   - distribution: Probe distribution (Rademacher by default).
///   - seed: Seed of the probes.
///   - batchSize: Probes per ``LinearOperator/apply(toColumns:)`` call.
/// - Complexity: `N` products.
public func hutchinsonTrace<Operator: LinearOperator>(
    of op: Operator, samples: Int, distribution: ProbeDistribution = .rademacher, seed: UInt64 = 0, batchSize: Int = 16
) -> TraceEstimate {
    precondition(samples >= 1 && batchSize >= 1, "hutchinsonTrace: samples \(samples) and batchSize \(batchSize) must be ≥ 1")
    var generator = RandomGenerator(seed: seed)
    var values: [Double] = []
    values.reserveCapacity(samples)
    while values.count < samples {
        let b = min(batchSize, samples - values.count)
        let v: Tensor<Operator.Scalar> = distribution.sample(dimension: op.dimension, count: b, using: &generator)
        values += columnDots(v, op.apply(toColumns: v))
    }
    let mean = values.reduce(0, +) / Double(samples)
    return TraceEstimate(
        estimate: mean, standardError: samples > 1 ? standardError(of: values) : nil, sampleCount: samples,
        productCount: samples)
}

/// A stochastic estimate of the diagonal of an operator.
public struct DiagonalEstimate<Scalar: TensorScalar> {
    /// The estimate of `diag(A)`, `[d]`.
    public var diagonal: Tensor<Scalar>
    /// The number of probe samples `N`.
    public var sampleCount: Int
    /// The number of products `A v` used.
    public var productCount: Int
}

/// The stochastic diagonal estimator of Bekas, Kokiopoulou & Saad (2007, "An estimator for the
/// diagonal of a matrix").
///
/// ```
/// diag(A) ≈ (Σₖ vₖ ⊙ A vₖ) ⊘ (Σₖ vₖ ⊙ vₖ)
/// ```
/// With Rademacher probes the denominator is `N`, so this is the mean of `v ⊙ A v`; entry `i`
/// then has variance `Σ_{j≠i} A_ij² / N` and is exact for a diagonal `A`. Accumulated in
/// `Double`; probes are applied in blocks of `batchSize` columns.
///
/// - Parameters:
///   - op: The operator `A` `[d, d]`.
///   - samples: The number of probes `N ≥ 1`.
///   - distribution: Probe distribution (Rademacher by default).
///   - seed: Seed of the probes.
///   - batchSize: Probes per ``LinearOperator/apply(toColumns:)`` call.
/// - Complexity: `N` products.
public func hutchinsonDiagonal<Operator: LinearOperator>(
    of op: Operator, samples: Int, distribution: ProbeDistribution = .rademacher, seed: UInt64 = 0, batchSize: Int = 16
) -> DiagonalEstimate<Operator.Scalar> {
    precondition(samples >= 1 && batchSize >= 1, "hutchinsonDiagonal: samples \(samples) and batchSize \(batchSize) must be ≥ 1")
    let d = op.dimension
    var generator = RandomGenerator(seed: seed)
    var numerator = [Double](repeating: 0, count: d)
    var denominator = [Double](repeating: 0, count: d)
    var drawn = 0
    while drawn < samples {
        let b = min(batchSize, samples - drawn)
        let v: Tensor<Operator.Scalar> = distribution.sample(dimension: d, count: b, using: &generator)
        let av = op.apply(toColumns: v)
        precondition(av.shape == [d, b], "hutchinsonDiagonal: operator returned \(av.shape) for a [\(d), \(b)] block")
        let products = doubleScalars((v * av).sum(alongAxes: [1]))
        let squares = doubleScalars((v * v).sum(alongAxes: [1]))
        for i in 0..<d {
            numerator[i] += products[i]
            denominator[i] += squares[i]
        }
        drawn += b
    }
    let diagonal: Tensor<Operator.Scalar> = tensor(
        shape: [d], doubles: (0..<d).map { denominator[$0] > 0 ? numerator[$0] / denominator[$0] : 0 })
    return DiagonalEstimate(diagonal: diagonal, sampleCount: samples, productCount: samples)
}
