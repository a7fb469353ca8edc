import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The principal angles between the column spaces of two orthonormal blocks, ascending, in
/// radians.
///
/// ```
/// U₁ᵀ U₂ = Y cos(Θ) Zᵀ  (SVD),   θᵢ = arccos σᵢ(U₁ᵀ U₂) ∈ [0, π/2]
/// (I − U₁ U₁ᵀ) U₂  has singular values sin θᵢ   (when k₁ ≥ k₂)
/// ```
/// Björck & Golub 1973, "Numerical methods for computing angles between linear subspaces".
/// `arccos` loses half the digits for small angles (`θ ≈ √(2 δσ)`), so — as in Knyazev &
/// Argentati 2002 — an angle is taken from its sine when `cos² θ ≥ ½` and from its cosine
/// otherwise; singular values are clamped to `[0, 1]`. There are `min(k₁, k₂)` angles; `0`
/// means a shared direction and `π/2` an orthogonal one. Computed in `Double` (BLAS, LAPACK
/// `?gesdd`).
///
/// - Parameters:
///   - u1: `[d, k₁]` with orthonormal columns.
///   - u2: `[d, k₂]` with orthonormal columns.
/// - Returns: `min(k₁, k₂)` angles, ascending.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func principalAngles<Scalar: TensorScalar>(between u1: Tensor<Scalar>, and u2: Tensor<Scalar>) -> [Double] {
    precondition(
        u1.rank == 2 && u2.rank == 2 && u1.shape[0] == u2.shape[0],
        "principalAngles: bases \(u1.shape) and \(u2.shape) are not [d, k₁] and [d, k₂]")
    // Put the larger space first so (I − U₁U₁ᵀ)U₂ carries the sines of all min(k₁, k₂) angles.
    let (a, b) = u1.shape[1] >= u2.shape[1] ? (u1, u2) : (u2, u1)
    let k = b.shape[1]
    if k == 0 { return [] }
    let ad = a.converted(to: Double.self), bd = b.converted(to: Double.self)
    let overlap = matmul(ad, bd, transposeA: true)  // [k₁, k₂]
    let cosines = overlap.singularValueDecomposition(computeVectors: false).s.scalars.map { min(1, max(0, $0)) }  // descending
    let remainder = bd - matmul(ad, overlap)  // (I − U₁U₁ᵀ) U₂  [d, k₂]
    let sineValues = remainder.singularValueDecomposition(computeVectors: false).s.scalars  // descending, p = min(d, k₂)
    // The i-th smallest angle has the i-th largest cosine and the i-th smallest sine.
    let sines = (sineValues.reversed() + [Double](repeating: 0, count: max(0, k - sineValues.count))).prefix(k)
        .map { min(1, max(0, $0)) }
    return (0..<k).map { i in
        let c = cosines[i]
        return c * c >= 0.5 ? asin(sines[i]) : acos(c)
    }
}
