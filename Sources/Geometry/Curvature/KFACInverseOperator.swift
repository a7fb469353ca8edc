import TensorCore

/// How ``KFACOperator/inverse(damping:style:)`` adds the damping `λ`.
public enum KFACDamping: String, Sendable, CaseIterable {
    /// `(G ⊗ A + λ I)⁻¹`, exact, through the factors' eigendecompositions.
    case exact
    /// Martens & Grosse 2015 §6.3: `((G + (√λ/π) I) ⊗ (A + √λ π I))⁻¹` with
    /// `π = √((tr(A)/p) / (tr(G)/out))` (π = 1 when a trace is not positive). The damped
    /// matrix is `G ⊗ A + λ I + √λ (π⁻¹ I ⊗ A + π G ⊗ I)`, so it differs from ``exact``; it
    /// keeps the inverse a Kronecker product, which is what an optimizer stores.
    case factored
}

/// The damped inverse of a ``KFACOperator``, block by block through the eigendecompositions
/// `G = Q_G Λ_G Q_Gᵀ`, `A = Q_A Λ_A Q_Aᵀ` (LAPACK `?syevr`):
/// ```
/// exact:     (G ⊗ A + λ I)⁻¹ vec(V) = vec(Q_G [(Q_Gᵀ V Q_A) ⊘ (λ_G λ_Aᵀ + λ)] Q_Aᵀ)
/// factored:  ((G + (√λ/π) I) ⊗ (A + √λ π I))⁻¹ vec(V)
///              = vec(Q_G [(Q_Gᵀ V Q_A) ⊘ ((λ_G + √λ/π)(λ_A + √λ π)ᵀ)] Q_Aᵀ)
/// ```
/// (⊘ elementwise division, vec row-major as θ). Same coordinates as the operator it inverts.
public struct KFACInverseOperator<Scalar: TensorScalar>: LinearOperator {
    /// The damping `λ`.
    public let damping: Scalar
    public let style: KFACDamping
    public let dimension: Int
    let layout: KFACLayout
    /// Per block: `Q_G`, `Q_A` and the divisor `[out, p]`.
    let eigenvectors: [(g: Tensor<Scalar>, a: Tensor<Scalar>)]
    let divisors: [Tensor<Scalar>]

    /// - Precondition: `damping ≥ 0`; with `damping == 0` the factors must be nonsingular.
    /// - Complexity: one eigendecomposition of each factor, `O(out³ + p³)` per block.
    public init(_ k: KFACOperator<Scalar>, damping: Scalar, style: KFACDamping = .exact) {
        precondition(damping >= 0 && damping.isFinite, "KFACInverseOperator: damping \(damping) is not finite and ≥ 0")
        var vectors: [(g: Tensor<Scalar>, a: Tensor<Scalar>)] = []
        var divisors: [Tensor<Scalar>] = []
        for block in k.factors.blocks {
            let (lg, qg) = block.gradientFactor.symmetricEigendecomposition()
            let (la, qa) = block.inputFactor.symmetricEigendecomposition()
            vectors.append((qg!, qa!))
            let (out, p) = (block.outputCount, block.inputFactorSize)
            switch style {
            case .exact:
                divisors.append(outer(lg, la) + damping)
            case .factored:
                let traceG = lg.sum().scalar, traceA = la.sum().scalar
                let pi = traceG > 0 && traceA > 0 ? ((traceA / Scalar(p)) / (traceG / Scalar(out))).squareRoot() : 1
                let root = damping.squareRoot()
                divisors.append(outer(lg + root / pi, la + root * pi))
            }
        }
        self.damping = damping
        self.style = style
        self.dimension = k.dimension
        self.layout = k.layout
        self.eigenvectors = vectors
        self.divisors = divisors
    }

    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "KFACInverseOperator.apply")
        return apply(toColumns: v.reshaped(to: [dimension, 1])).reshaped(to: [dimension])
    }

    public func apply(toColumns v: Tensor<Scalar>) -> Tensor<Scalar> {
        layout.transform(v, op: "KFACInverseOperator.apply(toColumns:)") { j, x in
            let (qg, qa) = eigenvectors[j]
            let rotated = kfacLeftMultiply(qg, matmul(x, qa), transpose: true)   // Q_Gᵀ V Q_A
            let scaled = rotated / divisors[j]
            return kfacLeftMultiply(qg, matmul(scaled, qa, transposeB: true))   // Q_G (·) Q_Aᵀ
        }
    }
}
