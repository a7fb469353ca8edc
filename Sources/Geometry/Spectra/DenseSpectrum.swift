import TensorCore

/// The exact spectrum of a symmetric operator, from its dense matrix.
public struct DenseSpectrum<Scalar: TensorScalar> {
    /// All `d` eigenvalues, ascending.
    public var eigenvalues: [Double]
    /// The unit eigenvectors as the columns of a `[d, d]` matrix, in the order of
    /// ``eigenvalues``; `nil` unless requested.
    public var eigenvectors: Tensor<Scalar>?
    /// `max |A − Aᵀ| / max |A|` of the materialized matrix: how far the operator's products are
    /// from symmetric (`0` for an exactly symmetric one; rounding in Hessian–vector products
    /// makes it small but nonzero).
    public var asymmetry: Double
    /// The number of products `A v` used to materialize the matrix (`d`, or `0` for an operator
    /// that holds its matrix).
    public var productCount: Int
}

/// The largest dimension ``denseSpectrum(of:computeVectors:maximumDimension:)`` accepts by
/// default: an `8192 × 8192` `Double` matrix is 512 MiB and its eigendecomposition minutes.
public let denseSpectrumDefaultMaximumDimension = 8192

/// The exact eigendecomposition of a symmetric operator through LAPACK, for small `d`.
///
/// ```
/// Â = ½ (A + Aᵀ),   Â = V Λ Vᵀ,   Λ = diag(λ₁ ≤ … ≤ λ_d)
/// ```
/// The operator is materialized by ``LinearOperator/dense()`` (`d` products unless it knows its
/// matrix), symmetrized — LAPACK's `?syevr` reads one triangle only, so the symmetric part is
/// what a slightly asymmetric product (e.g. a Hessian–vector product in floating point) should
/// be read as — and diagonalized in `Scalar`.
///
/// - Parameters:
///   - op: The symmetric operator `A` `[d, d]`.
///   - computeVectors: Whether to return the eigenvectors.
///   - maximumDimension: The largest `d` accepted (default 8192).
/// - Precondition: `d ≤ maximumDimension`.
/// - Complexity: `d` products, `O(d³)` flops and `O(d²)` memory.
public func denseSpectrum<Operator: LinearOperator>(
    of op: Operator, computeVectors: Bool = false, maximumDimension: Int = denseSpectrumDefaultMaximumDimension
) -> DenseSpectrum<Operator.Scalar> {
    let d = op.dimension
    precondition(
        d <= maximumDimension,
        "denseSpectrum: dimension \(d) exceeds the maximum \(maximumDimension) for a dense eigendecomposition (use lanczosEigenpairs)")
    let a = op.dense()
    precondition(a.shape == [d, d], "denseSpectrum: dense() returned \(a.shape) for dimension \(d)")
    let at = a.transposed()
    let largest = d == 0 ? 0 : Double(a.abs().max().scalar)
    let skew = d == 0 ? 0 : Double((a - at).abs().max().scalar)
    let symmetric = (a + at) * Operator.Scalar(0.5)
    let (values, vectors) = symmetric.symmetricEigendecomposition(computeVectors: computeVectors)
    return DenseSpectrum(
        eigenvalues: doubleScalars(values), eigenvectors: vectors, asymmetry: largest > 0 ? skew / largest : 0,
        productCount: op is DenseOperator<Operator.Scalar> ? 0 : d)
}
