import TensorCore

/// The distribution of the random probe vectors of the stochastic estimators (Hutchinson,
/// Hutch++, stochastic Lanczos quadrature).
///
/// ```
/// rademacher:  vᵢ ∈ {−1, +1} with probability ½ each     (E[v vᵀ] = I, ‖v‖² = d exactly)
/// gaussian:    vᵢ ~ N(0, 1)                               (E[v vᵀ] = I)
/// ```
/// Both give unbiased trace estimates `E[vᵀ A v] = tr(A)`. Rademacher probes have the smaller
/// variance, `Var(vᵀ A v) = 2 Σ_{i≠j} A_ij²` against `2 ‖A‖_F²` for Gaussian ones (Hutchinson
/// 1990; Avron & Toledo 2011), and are exact for a diagonal `A`.
public enum ProbeDistribution: String, Codable, Sendable, CaseIterable {
    case rademacher
    case gaussian

    /// `count` independent probes as the columns of a `[dimension, count]` block.
    ///
    /// Probes are drawn one after another (all of column 0, then column 1, …), so the `j`-th
    /// probe drawn from a generator does not depend on how many are drawn at once: a stream of
    /// probes cut into batches of any size is the same stream.
    ///
    /// - Complexity: one ``RandomGenerator/next()`` per Rademacher entry, about one normal
    ///   deviate per Gaussian entry.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sample<Scalar: TensorScalar>(
        dimension: Int, count: Int, using generator: inout RandomGenerator, as _: Scalar.Type = Scalar.self
    ) -> Tensor<Scalar> {
        precondition(dimension >= 0 && count >= 0, "ProbeDistribution.sample: invalid block [\(dimension), \(count)]")
        return Tensor<Scalar>(shape: [dimension, count]) { out in
            for j in 0..<count {
                for i in 0..<dimension {
                    switch self {
                    case .rademacher: out[i * count + j] = generator.next() >> 63 == 0 ? 1 : -1
                    case .gaussian: out[i * count + j] = Scalar(generator.nextStandardNormal())
                    }
                }
            }
        }
    }
}
