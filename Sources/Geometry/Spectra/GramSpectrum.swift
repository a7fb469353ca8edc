import TensorCore

/// The nonzero spectrum of an empirical Fisher `(1/n) Gᵀ G` obtained from the `n × n` Gram
/// matrix of the per-sample gradients.
public struct GramSpectrum<Scalar: TensorScalar> {
    /// The eigenvalues of `K = (1/n) G Gᵀ`, descending, `min(n, d)` of them: the largest
    /// `min(n, d)` eigenvalues of `F_emp` (the other `d − n` are zero when `n < d`). Values at
    /// the rounding level may be slightly negative.
    public var eigenvalues: [Double]
    /// The number of eigenvalues above `rankTolerance · λ_max`: the numerical rank of `G`.
    public var rank: Int
    /// The unit eigenvectors of `F_emp` for the leading eigenvalues, columns of `[d, k]`
    /// (`k = min(eigenvectorCount, rank)`); `nil` when none were requested.
    public var eigenvectors: Tensor<Scalar>?
}

/// The spectrum of the empirical Fisher through the Gram matrix of the per-sample gradients.
///
/// ```
/// F_emp = (1/n) Gᵀ G  [d, d],   K = (1/n) G Gᵀ  [n, n],   G = [g₁ … gₙ]ᵀ  [n, d]
/// K u = λ u  ⇒  F_emp (Gᵀ u) = λ (Gᵀ u),   v = Gᵀ u / ‖Gᵀ u‖,   ‖Gᵀ u‖² = n λ ‖u‖²
/// ```
/// `Gᵀ G` and `G Gᵀ` share their nonzero eigenvalues, so the nonzero spectrum of a `d × d`
/// empirical Fisher costs one `n × n` eigendecomposition when `n ≪ d` (e.g. Papyan 2020,
/// "Traces of class/cross-class structure pervade deep learning spectra"). `K` is formed by
/// BLAS and diagonalized by LAPACK in `Scalar`. This is the *empirical* Fisher (observed labels),
/// not the Fisher (THEORY.md §0).
///
/// - Parameters:
///   - perSampleGradients: `G` `[n, d]`, row `i` the gradient `gᵢ` of sample `i`.
///   - eigenvectorCount: How many leading eigenvectors of `F_emp` to return (only those with
///     eigenvalue above the rank tolerance, where `Gᵀ u` is well defined).
///   - rankTolerance: Relative threshold for the rank; default `max(n, d) · ε` of `Scalar`.
/// - Complexity: `n² d` flops for `K`, `O(n³)` for its eigendecomposition, `n d k` for vectors.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func gramSpectrum<Scalar: TensorScalar>(
    perSampleGradients g: Tensor<Scalar>, eigenvectorCount: Int = 0, rankTolerance: Double? = nil
) -> GramSpectrum<Scalar> {
    precondition(g.rank == 2 && g.shape[0] >= 1, "gramSpectrum: per-sample gradients \(g.shape) are not [n ≥ 1, d]")
    precondition(eigenvectorCount >= 0, "gramSpectrum: eigenvectorCount \(eigenvectorCount) < 0")
    let (n, d) = (g.shape[0], g.shape[1])
    let gram = matmul(g, g, transposeB: true) * Scalar(1 / Double(n))  // [n, n]
    let (ascending, u) = gram.symmetricEigendecomposition(computeVectors: eigenvectorCount > 0)
    let all = doubleScalars(ascending)
    let kept = min(n, d)
    let values = Array(all.reversed().prefix(kept))
    let tolerance = rankTolerance ?? Double(max(n, d)) * Double(Scalar.ulpOfOne)
    let top = max(values.first ?? 0, 0)
    let rank = values.filter { $0 > tolerance * top && $0 > 0 }.count
    var vectors: Tensor<Scalar>? = nil
    let k = min(eigenvectorCount, rank)
    if k > 0, let u {
        let leading = u.slice((n - k)..<n, alongAxis: 1)  // ascending order: the last k columns
        let reversedColumns = Tensor<Scalar>(shape: [n, k]) { out in
            leading.withUnsafeBufferPointer { p in
                for i in 0..<n { for j in 0..<k { out[i * k + j] = p[i * k + (k - 1 - j)] } }
            }
        }
        let v = matmul(g, reversedColumns, transposeA: true)  // Gᵀ U  [d, k]
        let norms = columnDots(v, v).map { $0.squareRoot() }
        vectors = Tensor<Scalar>(shape: [d, k]) { out in
            v.withUnsafeBufferPointer { p in
                for i in 0..<d { for j in 0..<k { out[i * k + j] = Scalar(Double(p[i * k + j]) / norms[j]) } }
            }
        }
    }
    return GramSpectrum(eigenvalues: values, rank: rank, eigenvectors: vectors)
}
