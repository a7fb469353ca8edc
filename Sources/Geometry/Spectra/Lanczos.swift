import TensorCore

/// Which end of the spectrum an eigensolver targets.
public enum SpectrumEnd: String, Codable, Sendable, CaseIterable {
    /// The algebraically largest eigenvalues.
    case largest
    /// The algebraically smallest eigenvalues.
    case smallest
    /// Both: `count` largest and `count` smallest.
    case both
}

/// Extreme eigenpairs of a symmetric operator found by Lanczos, with their accuracy.
public struct LanczosEigenpairs<Scalar: TensorScalar> {
    /// The Ritz values `θᵢ`, ascending.
    public var eigenvalues: [Double]
    /// The Ritz vectors `yᵢ = Qₘ sᵢ` as the columns of a `[d, k]` block, in the order of
    /// ``eigenvalues`` (unit norm, mutually orthogonal); `nil` unless vectors were requested.
    public var eigenvectors: Tensor<Scalar>?
    /// The true residual norms `‖A yᵢ − θᵢ yᵢ‖` computed from one batched product with the
    /// Ritz vectors; `nil` unless vectors were requested.
    public var residualNorms: [Double]?
    /// The residual norms predicted by the recurrence, `βₘ |eₘᵀ sᵢ|` (equal to the true ones in
    /// exact arithmetic; `0` for pairs of an invariant block).
    public var residualEstimates: [Double]
    /// The number of Lanczos steps `m` (the order of `Tₘ`).
    public var steps: Int
    /// The number of products `A v` used, including the residual check.
    public var productCount: Int
    /// Whether every returned pair met the tolerance (or came from an invariant subspace).
    public var converged: Bool
    /// Whether a breakdown `βⱼ ≈ 0` (an invariant Krylov subspace) was met.
    public var invariantSubspaceFound: Bool
    /// How many times the recurrence restarted after a breakdown.
    public var restarts: Int
}

/// The extreme eigenpairs of a symmetric operator by the Lanczos method with full
/// reorthogonalization.
///
/// ```
/// A Qₘ = Qₘ Tₘ + βₘ qₘ₊₁ eₘᵀ,   Tₘ sᵢ = θᵢ sᵢ,   yᵢ = Qₘ sᵢ,
/// ‖A yᵢ − θᵢ yᵢ‖ = βₘ |eₘᵀ sᵢ|
/// ```
/// The Ritz values `θᵢ` of the Krylov space `K_m(A, q₀) = span{q₀, A q₀, …, A^{m−1} q₀}`
/// converge to the extreme eigenvalues first (Lanczos 1950; Kaniel–Paige–Saad bounds; Saad,
/// *Numerical Methods for Large Eigenvalue Problems*, 2011, ch. 6). Every new basis vector is
/// reorthogonalized twice against all previous ones (in `Double`), so the basis stays
/// orthonormal and no ghost eigenvalues appear. `Tₘ` is diagonalized by LAPACK (`?syevr`).
///
/// The iteration stops when every wanted pair satisfies `βₘ |eₘᵀ sᵢ| ≤ tol · max_j |θⱼ|`
/// (checked every `max(1, m/10)` steps), after `iterations` steps, at a breakdown under
/// ``InvariantSubspacePolicy/stop``, or when the basis spans `ℝ^d` (then `Tₘ` is similar to
/// `A` and the values are exact). Once it has restarted (``InvariantSubspacePolicy/restart``),
/// only the step budget or the exhaustion of `ℝ^d` ends it: the pairs of an invariant block
/// look converged while further copies of their eigenvalues can still appear. `A` must be
/// symmetric; only `A v` is used. A single start vector finds one copy of a repeated
/// eigenvalue per Krylov block: multiplicities need restarts.
///
/// - Parameters:
///   - op: The symmetric operator `A` `[d, d]`.
///   - count: How many eigenpairs at each targeted end, `1 ≤ count ≤ d`.
///   - which: The end of the spectrum; `.both` returns up to `2 count` pairs.
///   - iterations: The maximum number of Lanczos steps, capped at `d`; default
///     `min(d, max(3 w, w + 50))` with `w` the number of wanted pairs.
///   - tolerance: Relative residual tolerance; default `1e-10` for `Double`, `1e-5` for `Float`.
///   - seed: Seed of the Gaussian start vector (and of restart vectors).
///   - start: An explicit start vector `[d]` instead of the seeded one.
///   - onInvariantSubspace: What to do at a breakdown.
///   - computeVectors: Whether to form the Ritz vectors and check their true residuals (`k`
///     more products, in one ``LinearOperator/apply(toColumns:)``).
/// - Returns: The pairs, fewer than requested if the recurrence stopped before `count` steps.
/// - Complexity: `m` products, `O(m² d)` flops of reorthogonalization, `8 m d` bytes of basis.
public func lanczosEigenpairs<Operator: LinearOperator>(
    of op: Operator, count: Int, which: SpectrumEnd = .largest, iterations: Int? = nil, tolerance: Double? = nil,
    seed: UInt64 = 0, start: Tensor<Operator.Scalar>? = nil, onInvariantSubspace: InvariantSubspacePolicy = .stop,
    computeVectors: Bool = true
) -> LanczosEigenpairs<Operator.Scalar> {
    typealias Scalar = Operator.Scalar
    let d = op.dimension
    precondition(count >= 1 && count <= d, "lanczosEigenpairs: count \(count) not in 1...\(d)")
    let wanted = which == .both ? min(d, 2 * count) : count
    let maxSteps = min(d, iterations ?? max(3 * wanted, wanted + 50))
    precondition(maxSteps >= 1, "lanczosEigenpairs: iterations \(iterations ?? 0) < 1")
    let tol = tolerance ?? (Scalar.self == Float.self ? 1e-5 : 1e-10)
    precondition(tol >= 0, "lanczosEigenpairs: negative tolerance \(tol)")
    if let start { op.checkVector(start, "lanczosEigenpairs(start:)") }

    var process = LanczosProcess(
        op: op, start: start.map(doubleScalars), policy: onInvariantSubspace, generator: RandomGenerator(seed: seed),
        capacity: maxSteps)

    /// Indices (into the ascending Ritz values) of the wanted pairs.
    func selected(_ m: Int) -> [Int] {
        let k = min(count, m)
        switch which {
        case .largest: return Array((m - k)..<m)
        case .smallest: return Array(0..<k)
        case .both: return Array(Set(Array(0..<k) + Array((m - k)..<m))).sorted()
        }
    }
    /// The residual estimates `βₘ |eₘᵀ sᵢ|` of the pairs `indices`.
    func estimates(_ system: (values: [Double], vectors: [Double]), _ indices: [Int], steps m: Int, residualNorm: Double) -> [Double] {
        indices.map { residualNorm * abs(system.vectors[(m - 1) * m + $0]) }
    }

    var system: (values: [Double], vectors: [Double]) = ([], [])
    var lastCheck = 0
    var converged = false
    while true {
        process.step()
        let m = process.steps
        let done = process.isFinished || m >= maxSteps
        guard done || (m >= wanted && m - lastCheck >= max(1, m / 10)) else { continue }
        lastCheck = m
        system = process.tridiagonalEigensystem()
        let scale = system.values.map(abs).max() ?? 0
        let indices = selected(m)
        converged = m >= wanted && estimates(system, indices, steps: m, residualNorm: process.residualNorm).allSatisfy { $0 <= tol * scale }
        if process.isFinished { converged = true }  // invariant subspace, or the basis spans ℝ^d: exact
        // After a restart, pairs of an invariant block look converged, yet further copies of
        // their eigenvalues may still come: only the step budget ends the iteration then.
        if done || (converged && process.restartCount == 0) { break }
    }

    let m = process.steps
    let indices = selected(m)
    let values = indices.map { system.values[$0] }
    let residualEstimates = estimates(system, indices, steps: m, residualNorm: process.residualNorm)
    var vectors: Tensor<Scalar>? = nil
    var residualNorms: [Double]? = nil
    var products = process.productCount
    if computeVectors {
        var s = [Double](repeating: 0, count: m * indices.count)
        for (c, i) in indices.enumerated() {
            for r in 0..<m { s[r * indices.count + c] = system.vectors[r * m + i] }
        }
        let y: Tensor<Scalar> = process.basis.combinations(rows: m, coefficients: s, columns: indices.count)
        let ay = op.apply(toColumns: y)
        products += indices.count
        residualNorms = ritzResidualNorms(vectors: y, products: ay, values: values)
        vectors = y
    }
    return LanczosEigenpairs(
        eigenvalues: values, eigenvectors: vectors, residualNorms: residualNorms, residualEstimates: residualEstimates,
        steps: m, productCount: products, converged: converged, invariantSubspaceFound: process.invariantSubspaceFound,
        restarts: process.restartCount)
}

/// `‖A yᵢ − θᵢ yᵢ‖` for the columns of `Y` `[d, k]` and `A Y`, accumulated in `Double`.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func ritzResidualNorms<Scalar: TensorScalar>(vectors y: Tensor<Scalar>, products ay: Tensor<Scalar>, values: [Double]) -> [Double] {
    precondition(y.shape == ay.shape && y.rank == 2 && y.shape[1] == values.count, "ritzResidualNorms: shapes \(y.shape), \(ay.shape), \(values.count) values")
    let (d, k) = (y.shape[0], y.shape[1])
    var sums = [Double](repeating: 0, count: k)
    y.withUnsafeBufferPointer { yp in
        ay.withUnsafeBufferPointer { ap in
            for i in 0..<d {
                for j in 0..<k {
                    let r = Double(ap[i * k + j]) - values[j] * Double(yp[i * k + j])
                    sums[j] += r * r
                }
            }
        }
    }
    return sums.map { $0.squareRoot() }
}
