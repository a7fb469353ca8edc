import TensorCore

/// Scalar summaries of a spectrum: trace, extreme eigenvalues, effective rank, participation
/// ratio, numerical rank and condition numbers (THEORY.md §1).
///
/// With `λ₊` the strictly positive eigenvalues and `p_j = λ_j / Σ λ₊`:
/// ```
/// erank = exp(−Σ_j p_j log p_j)                (Roy & Vetterli 2007, "The effective rank")
/// PR    = (Σ λ₊)² / Σ λ₊²                       (participation ratio)
/// r_τ   = #{ j : λ_j > τ λ_max }                (numerical rank, τ = 10⁻³ by default)
/// κ     = λ_max / min λ₊,   κ_τ = λ_max / min{ λ_j > τ λ_max }
/// ```
/// erank and PR lie in `[1, #λ₊]` and equal `k` for `k` equal positive eigenvalues (e.g.
/// `λ = [4, 4, 0, 0]` gives 2 and 2). **Negative eigenvalues** (an indefinite Hessian) and zeros
/// are excluded from erank, PR, `r_τ` and the condition numbers — a distribution needs
/// non-negative masses — and are counted in ``negativeCount`` and ``negativeTrace``; ``trace``
/// sums every eigenvalue. `τ = 10⁻³` counts directions within three decades of the stiffest
/// one: above the noise floor of Float curvature products (`~10⁻⁶` relative) yet below the
/// decades of sloppiness that curvature spectra of networks span.
public struct SpectrumSummary: Codable, Sendable, Equatable {
    /// The number of eigenvalues given.
    public var count: Int
    /// The number of strictly positive eigenvalues `#λ₊`.
    public var positiveCount: Int
    /// The number of strictly negative eigenvalues (excluded from the rank measures).
    public var negativeCount: Int
    /// `Σ_j λ_j` over all eigenvalues given.
    public var trace: Double
    /// `Σ λ₊`.
    public var positiveTrace: Double
    /// `Σ_{λ_j < 0} λ_j` (≤ 0).
    public var negativeTrace: Double
    /// The largest eigenvalue (any sign); `nil` for an empty list.
    public var largestEigenvalue: Double?
    /// The smallest eigenvalue (any sign); `nil` for an empty list.
    public var smallestEigenvalue: Double?
    /// `exp(−Σ p_j log p_j)` over `λ₊`; 0 when there is no positive eigenvalue.
    public var effectiveRank: Double
    /// `(Σ λ₊)² / Σ λ₊²`; 0 when there is no positive eigenvalue.
    public var participationRatio: Double
    /// The relative threshold `τ` of the numerical rank.
    public var rankThreshold: Double
    /// `r_τ = #{λ_j > τ λ_max}`.
    public var numericalRank: Int
    /// `λ_max / min λ₊`; `nil` without positive eigenvalues.
    public var conditionNumber: Double?
    /// `λ_max / min{λ_j > τ λ_max}`: the conditioning of the numerically nonzero part.
    public var numericalConditionNumber: Double?

    /// Summarizes a list of eigenvalues (any order).
    ///
    /// - Parameters:
    ///   - eigenvalues: The eigenvalues (all of them, or the part computed, e.g. top-k Ritz values).
    ///   - rankThreshold: `τ ∈ [0, 1)` for the numerical rank.
    public init(eigenvalues: [Double], rankThreshold: Double = 1e-3) {
        precondition(rankThreshold >= 0 && rankThreshold < 1, "SpectrumSummary: rank threshold \(rankThreshold) not in [0, 1)")
        precondition(eigenvalues.allSatisfy(\.isFinite), "SpectrumSummary: eigenvalues must be finite")
        let positive = eigenvalues.filter { $0 > 0 }
        let negative = eigenvalues.filter { $0 < 0 }
        count = eigenvalues.count
        positiveCount = positive.count
        negativeCount = negative.count
        trace = eigenvalues.reduce(0, +)
        positiveTrace = positive.reduce(0, +)
        negativeTrace = negative.reduce(0, +)
        largestEigenvalue = eigenvalues.max()
        smallestEigenvalue = eigenvalues.min()
        self.rankThreshold = rankThreshold
        guard let lambdaMax = positive.max() else {
            effectiveRank = 0
            participationRatio = 0
            numericalRank = 0
            conditionNumber = nil
            numericalConditionNumber = nil
            return
        }
        let total = positiveTrace
        let entropy = positive.reduce(0.0) { sum, lambda in
            let p = lambda / total
            return sum - p * Double.log(p)
        }
        effectiveRank = Double.exp(entropy)
        // (Σλ)²/Σλ² computed as 1/Σp² so that huge or tiny eigenvalues do not overflow.
        participationRatio = 1 / positive.reduce(0.0) { $0 + ($1 / total) * ($1 / total) }
        let aboveThreshold = positive.filter { $0 > rankThreshold * lambdaMax }
        numericalRank = aboveThreshold.count
        conditionNumber = lambdaMax / positive.min()!
        numericalConditionNumber = lambdaMax / aboveThreshold.min()!
    }
}
