import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the friction field moved between two checkpoints: the distance between their normalized
/// spectra and the principal angles between their top-k eigenspaces (THEORY.md §1, seed 000).
///
/// Each spectrum becomes a distribution over the eigenvalue index, sorted descending and padded
/// with zeros to the common length `L`:
/// ```
/// p_j = λ_(j) / Σ λ₊   (λ_(1) ≥ λ_(2) ≥ …, positive eigenvalues only),   j = 1 … L
/// TV  = ½ Σ_j |p_j − q_j|                      ∈ [0, 1]
/// W₁  = Σ_{j<L} |P_j − Q_j|,   P_j = Σ_{i≤j} p_i      ∈ [0, L − 1]
/// θᵢ  = arccos σᵢ(U₁ᵀ U₂)                      ∈ [0, π/2]
/// ```
/// TV is the mass that must change, W₁ the earth mover's distance with ground cost `|i − j|`
/// between indices: how far (in ranks) the mass moved — a spectrum that flattens (mass moving
/// to later indices) has a large W₁ even when TV is moderate. Both ignore the overall scale
/// (the trace), which the friction field reports separately. Negative eigenvalues are dropped
/// as in ``SpectrumSummary``. Angles come from ``principalAngles(between:and:)``.
public struct FrictionShift: Codable, Sendable, Equatable {
    /// `½ Σ |p_j − q_j|`.
    public var totalVariation: Double
    /// `Σ_j |P_j − Q_j|`, the 1-Wasserstein distance over indices (in index units).
    public var wasserstein: Double
    /// The common length `L` of the padded normalized spectra.
    public var spectrumLength: Int
    /// Principal angles between the eigenspaces, ascending, in radians; `nil` without eigenvectors.
    public var principalAngles: [Double]?
    /// The largest principal angle, `θ_max`; `sin θ_max = ‖U₁U₁ᵀ − U₂U₂ᵀ‖₂` for equal dimensions.
    public var largestPrincipalAngle: Double?
    /// The chordal (projection Frobenius) distance `√(Σᵢ sin² θᵢ)`; `nil` without eigenvectors.
    public var chordalDistance: Double?

    /// The spectral distances between two lists of eigenvalues (any order).
    ///
    /// - Precondition: each list has a positive eigenvalue.
    public init(before: [Double], after: [Double]) {
        let p = FrictionShift.normalizedSpectrum(before), q = FrictionShift.normalizedSpectrum(after)
        precondition(!p.isEmpty && !q.isEmpty, "FrictionShift: each spectrum needs a positive eigenvalue")
        let length = max(p.count, q.count)
        let pp = p + [Double](repeating: 0, count: length - p.count)
        let qq = q + [Double](repeating: 0, count: length - q.count)
        totalVariation = 0.5 * zip(pp, qq).reduce(0) { $0 + abs($1.0 - $1.1) }
        var cumulative = 0.0, w1 = 0.0
        for j in 0..<(length - 1) {
            cumulative += pp[j] - qq[j]
            w1 += abs(cumulative)
        }
        wasserstein = w1
        spectrumLength = length
        principalAngles = nil
        largestPrincipalAngle = nil
        chordalDistance = nil
    }

    /// The spectral distances and the principal angles between the eigenspaces `U₁` `[d, k₁]`
    /// and `U₂` `[d, k₂]` (orthonormal columns, e.g. top-k Ritz vectors).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init<Scalar: TensorScalar>(
        before: [Double], beforeEigenvectors u1: Tensor<Scalar>, after: [Double], afterEigenvectors u2: Tensor<Scalar>
    ) {
        self.init(before: before, after: after)
        let angles = Geometry.principalAngles(between: u1, and: u2)
        principalAngles = angles
        largestPrincipalAngle = angles.max()
        chordalDistance = angles.reduce(0) { $0 + sin($1) * sin($1) }.squareRoot()
    }

    /// `p_j = λ_(j) / Σ λ₊` over the positive eigenvalues, sorted descending.
    public static func normalizedSpectrum(_ eigenvalues: [Double]) -> [Double] {
        let positive = eigenvalues.filter { $0 > 0 }.sorted(by: >)
        let total = positive.reduce(0, +)
        return positive.map { $0 / total }
    }
}
