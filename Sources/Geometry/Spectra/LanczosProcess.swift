import TensorCore

/// What Lanczos does when the Krylov space it has built is invariant under `A` (`βⱼ ≈ 0`).
public enum InvariantSubspacePolicy: String, Codable, Sendable, CaseIterable {
    /// Stop: the Ritz values found are exact eigenvalues of `A` (on the invariant subspace),
    /// but eigenvalues whose eigenvectors are orthogonal to the start vector, and further
    /// copies of repeated eigenvalues, are not found.
    case stop
    /// Continue from a fresh random vector orthogonal to every basis vector so far (`βⱼ = 0`
    /// in `T`, which becomes block diagonal), so repeated eigenvalues are found with their
    /// multiplicity as the iteration budget allows.
    case restart
}

/// The Lanczos recurrence with full reorthogonalization, the engine of ``lanczosEigenpairs(of:count:which:iterations:tolerance:seed:start:onInvariantSubspace:computeVectors:)``
/// and ``stochasticLanczosQuadrature(of:probes:steps:distribution:seed:)``.
///
/// ```
/// w = A qⱼ − αⱼ qⱼ − βⱼ₋₁ qⱼ₋₁,   αⱼ = qⱼᵀ A qⱼ,
/// w ← (I − Qⱼ Qⱼᵀ)² w,   βⱼ = ‖w‖,   qⱼ₊₁ = w / βⱼ,
/// A Qₘ = Qₘ Tₘ + βₘ qₘ₊₁ eₘᵀ,   Tₘ = tridiag(β, α, β)
/// ```
/// The basis is kept in `Double` (row-major `[m, d]`, `8 m d` bytes) and every new vector is
/// projected off all previous ones twice (Paige 1971; Parlett & Scott 1979; "twice is
/// enough"), so `Qₘ` stays orthonormal to working precision and no spurious copies of
/// converged Ritz values appear. Only the products `A qⱼ` run in `Scalar`.
///
/// Breakdown: when `βⱼ ≤ √ε ‖T‖` (`ε` of `Scalar`, `‖T‖` estimated by `max |αᵢ| + βᵢ + βᵢ₋₁`),
/// `span Qⱼ` is numerically invariant and the ``InvariantSubspacePolicy`` decides what happens.
/// The threshold is `√ε`, not `ε`: rounding errors outside the Krylov space grow by about
/// `‖A‖/βᵢ` per step, so at an exact breakdown the computed `β` is often `10³–10⁶ ε ‖A‖`
/// (measured `6·10⁻¹³ ‖A‖` after six steps on a rank-5 matrix). Every Ritz pair of a space
/// with `β ≤ √ε ‖T‖` has residual `≤ β`. The recurrence also ends when the basis spans `ℝ^d`.
struct LanczosProcess<Operator: LinearOperator> {
    typealias Scalar = Operator.Scalar
    let op: Operator
    let policy: InvariantSubspacePolicy
    var generator: RandomGenerator
    private(set) var basis: OrthonormalRows
    /// Diagonal `α₀ … αₘ₋₁` of `Tₘ`.
    private(set) var alphas: [Double] = []
    /// Off-diagonal of `Tₘ₊₁`: entry `j` couples `qⱼ` and `qⱼ₊₁` (`0` after a restart).
    private(set) var offDiagonal: [Double] = []
    /// `βₘ = ‖w‖` after the last step, before any restart: the Krylov residual norm.
    private(set) var residualNorm: Double = 0
    private(set) var productCount = 0
    private(set) var restartCount = 0
    private(set) var invariantSubspaceFound = false
    /// Whether the recurrence cannot continue (breakdown under `.stop`, or the basis spans `ℝ^d`).
    private(set) var isFinished = false
    private var normEstimate: Double = 0

    var dimension: Int { op.dimension }
    /// The number of steps taken, `m`.
    var steps: Int { alphas.count }

    /// - Parameters:
    ///   - start: The start vector (any nonzero norm); a seeded Gaussian one when `nil`.
    ///   - capacity: The expected number of steps (for the basis allocation).
    init(op: Operator, start: [Double]?, policy: InvariantSubspacePolicy, generator: RandomGenerator, capacity: Int) {
        let d = op.dimension
        precondition(d > 0, "Lanczos: operator of dimension 0")
        self.op = op
        self.policy = policy
        self.generator = generator
        basis = OrthonormalRows(dimension: d, capacity: min(d, capacity + 1))
        if let start {
            precondition(start.count == d, "Lanczos: start vector of \(start.count) entries for dimension \(d)")
            let norm = euclideanNorm(start)
            precondition(norm > 0 && norm.isFinite, "Lanczos: start vector has norm \(norm)")
            basis.append(start.map { $0 / norm })
        } else {
            basis.appendRandomDirection(using: &self.generator)
        }
    }

    /// The breakdown threshold `√ε` relative to `‖T‖`.
    private var breakdownTolerance: Double { Double(Scalar.ulpOfOne).squareRoot() }

    /// One step: the product `A qⱼ`, `αⱼ`, `βⱼ` and the next basis vector.
    mutating func step() {
        precondition(!isFinished, "Lanczos: step after the recurrence finished")
        let d = dimension
        let j = steps
        let q = basis.row(j)
        let x: Tensor<Scalar> = tensor(shape: [d], doubles: q)
        let y = op.apply(x)
        precondition(y.shape == [d], "Lanczos: operator returned \(y.shape) for a [\(d)] vector")
        productCount += 1
        var w = doubleScalars(y)
        let alpha = zip(q, w).reduce(0) { $0 + $1.0 * $1.1 }
        let previousBeta = j > 0 ? offDiagonal[j - 1] : 0
        if j > 0 {
            let p = basis.row(j - 1)
            for i in 0..<d { w[i] -= alpha * q[i] + previousBeta * p[i] }
        } else {
            for i in 0..<d { w[i] -= alpha * q[i] }
        }
        basis.projectOutTwice(&w)  // full reorthogonalization against q₀ … qⱼ
        let beta = euclideanNorm(w)
        alphas.append(alpha)
        residualNorm = beta
        normEstimate = max(normEstimate, abs(alpha) + beta + previousBeta)
        guard basis.count < d else {
            isFinished = true
            return
        }
        if beta > breakdownTolerance * normEstimate && beta.isFinite {
            basis.append(w.map { $0 / beta })
            offDiagonal.append(beta)
            return
        }
        invariantSubspaceFound = true
        switch policy {
        case .stop:
            isFinished = true
        case .restart:
            basis.appendRandomDirection(using: &generator)
            offDiagonal.append(0)
            restartCount += 1
        }
    }

    /// The eigendecomposition of `Tₘ`, through LAPACK on the dense `m × m` matrix: Ritz values
    /// `θ` ascending and the eigenvectors `S` `[m, m]` row-major (column `i` belongs to `θᵢ`).
    func tridiagonalEigensystem() -> (values: [Double], vectors: [Double]) {
        let m = steps
        var t = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            t[i * m + i] = alphas[i]
            if i + 1 < m {
                t[(i + 1) * m + i] = offDiagonal[i]
                t[i * m + i + 1] = offDiagonal[i]
            }
        }
        let (values, vectors) = Tensor<Double>(shape: [m, m], scalars: t).symmetricEigendecomposition()
        return (values.scalars, vectors!.scalars)
    }
}
