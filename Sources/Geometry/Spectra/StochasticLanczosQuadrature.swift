import TensorCore

/// The width of the Gaussian kernel that smooths a ``SpectralDensity``.
public enum DensityBandwidth: Codable, Sendable, Equatable {
    /// `σ` in the units of the eigenvalues.
    case absolute(Double)
    /// `σ = fraction · (θ_max − θ_min)`, the width of the range of all nodes (or `fraction`
    /// times `max(1, |θ|)` when every node is the same).
    case relative(Double)
}

/// The spectral density of a symmetric operator estimated by stochastic Lanczos quadrature:
/// per probe, the nodes and weights of an `m`-point Gauss quadrature of its spectral measure.
///
/// ```
/// φ(t) = (1/d) Σⱼ δ(t − λⱼ)  ≈  (1/P) Σₚ Σᵢ τₚᵢ² δ(t − θₚᵢ),
/// (1/d) tr f(A) ≈ (1/P) Σₚ Σᵢ τₚᵢ² f(θₚᵢ)
/// ```
/// For a unit start vector `v`, `vᵀ f(A) v = Σⱼ (uⱼᵀ v)² f(λⱼ)` is an integral against a
/// discrete measure; `m` Lanczos steps from `v` give its Gauss quadrature: nodes `θᵢ` are the
/// eigenvalues of `Tₘ` and weights `τᵢ² = (e₁ᵀ sᵢ)²` the squared first components of its unit
/// eigenvectors (Golub & Meurant 1994/2010). The rule integrates polynomials of degree
/// `≤ 2m − 1` exactly, so `Σᵢ τᵢ² θᵢᵏ = vᵀ Aᵏ v / ‖v‖²` for `k ≤ 2m − 1`; averaging over random
/// `v` with `E[v vᵀ] = I` gives `tr(Aᵏ)/d` in expectation (Ubaru, Chen & Saad 2017, "Fast
/// estimation of tr(f(A)) via stochastic Lanczos quadrature"; Ghorbani, Krishnan & Xiao 2019;
/// Yao et al. 2020, PyHessian). Each probe's weights sum to 1.
public struct SpectralDensity: Codable, Sendable, Equatable {
    /// The dimension `d` of the operator.
    public var dimension: Int
    /// Per probe, the quadrature nodes (Ritz values) `θₚᵢ`, ascending.
    public var nodes: [[Double]]
    /// Per probe, the quadrature weights `τₚᵢ²` (matching ``nodes``; each row sums to 1).
    public var weights: [[Double]]
    /// The number of products `A v` used.
    public var productCount: Int

    public init(dimension: Int, nodes: [[Double]], weights: [[Double]], productCount: Int) {
        precondition(
            nodes.count == weights.count && zip(nodes, weights).allSatisfy { $0.count == $1.count },
            "SpectralDensity: nodes and weights differ in shape")
        self.dimension = dimension
        self.nodes = nodes
        self.weights = weights
        self.productCount = productCount
    }

    /// The number of probes `P`.
    public var probeCount: Int { nodes.count }

    /// The quadrature estimate of the `k`-th spectral moment `(1/d) tr(Aᵏ)`:
    /// `(1/P) Σₚ Σᵢ τₚᵢ² θₚᵢᵏ`.
    public func moment(_ k: Int) -> Double {
        precondition(k >= 0 && probeCount > 0, "SpectralDensity.moment: order \(k) with \(probeCount) probes")
        return probeMoments(k).reduce(0, +) / Double(probeCount)
    }

    /// Per probe, `Σᵢ τₚᵢ² θₚᵢᵏ` (`= vₚᵀ Aᵏ vₚ / ‖vₚ‖²` when `k ≤ 2m − 1`).
    public func probeMoments(_ k: Int) -> [Double] {
        zip(nodes, weights).map { theta, w in
            zip(theta, w).reduce(0) { sum, pair in sum + pair.1 * (0..<k).reduce(1.0) { power, _ in power * pair.0 } }
        }
    }

    /// The SLQ trace estimate `d · (1/P) Σₚ Σᵢ τₚᵢ² θₚᵢ`.
    ///
    /// With Rademacher probes (`‖v‖² = d`) each term `d Σᵢ τᵢ² θᵢ = vᵀ A v` is exactly the
    /// Hutchinson sample of the same probe.
    public var traceEstimate: Double { Double(dimension) * moment(1) }

    /// The standard error of ``traceEstimate`` over probes, `s / √P`; `nil` for one probe.
    public var traceStandardError: Double? {
        guard probeCount > 1 else { return nil }
        return standardError(of: probeMoments(1).map { Double(dimension) * $0 })
    }

    /// The range `[min θ, max θ]` of all nodes.
    public var nodeRange: ClosedRange<Double> {
        let all = nodes.joined()
        return (all.min() ?? 0)...(all.max() ?? 0)
    }

    /// The kernel width `σ` for a bandwidth choice.
    public func kernelWidth(_ bandwidth: DensityBandwidth) -> Double {
        switch bandwidth {
        case .absolute(let sigma):
            precondition(sigma > 0, "SpectralDensity: bandwidth \(sigma) must be positive")
            return sigma
        case .relative(let fraction):
            precondition(fraction > 0, "SpectralDensity: relative bandwidth \(fraction) must be positive")
            let range = nodeRange
            let width = range.upperBound - range.lowerBound
            return fraction * (width > 0 ? width : max(1, abs(range.lowerBound)))
        }
    }

    /// The Gaussian-smoothed density at `points`:
    ///
    /// ```
    /// φ_σ(t) = (1/P) Σₚ Σᵢ τₚᵢ² · exp(−(t − θₚᵢ)² / 2σ²) / (σ √(2π))
    /// ```
    /// It integrates to 1 over `ℝ` and has mean `(1/P) Σₚ Σᵢ τₚᵢ² θₚᵢ = traceEstimate / d` (the
    /// smoothing adds `σ²` to the variance only).
    public func density(at points: [Double], bandwidth: DensityBandwidth = .relative(0.01)) -> [Double] {
        let sigma = kernelWidth(bandwidth)
        let norm = 1 / (sigma * (2 * Double.pi).squareRoot() * Double(max(1, probeCount)))
        return points.map { t in
            var sum = 0.0
            for (theta, w) in zip(nodes, weights) {
                for (x, wi) in zip(theta, w) {
                    let z = (t - x) / sigma
                    sum += wi * Double.exp(-0.5 * z * z)
                }
            }
            return sum * norm
        }
    }

    /// The smoothed density on `pointCount` equally spaced points covering
    /// `[min θ − margin σ, max θ + margin σ]`, where all but a `~2·10⁻⁶` (margin 5) of its mass lies.
    public func densityGrid(
        pointCount: Int = 512, bandwidth: DensityBandwidth = .relative(0.01), margin: Double = 5
    ) -> (points: [Double], values: [Double]) {
        precondition(pointCount >= 2, "SpectralDensity.densityGrid: needs at least 2 points, got \(pointCount)")
        let sigma = kernelWidth(bandwidth)
        let range = nodeRange
        let lower = range.lowerBound - margin * sigma, upper = range.upperBound + margin * sigma
        let points = (0..<pointCount).map { lower + (upper - lower) * Double($0) / Double(pointCount - 1) }
        return (points, density(at: points, bandwidth: bandwidth))
    }
}

/// The spectral density of a symmetric operator by stochastic Lanczos quadrature with seeded
/// random probes.
///
/// Runs `steps` Lanczos steps with full reorthogonalization from each of `probes` random start
/// vectors (normalized), and keeps the Gauss quadrature of each (see ``SpectralDensity``). A
/// probe whose Krylov space becomes invariant before `steps` stops there: its quadrature is
/// then exact for every polynomial.
///
/// - Parameters:
///   - op: The symmetric operator `A` `[d, d]`.
///   - probes: The number of start vectors `P ≥ 1`.
///   - steps: Lanczos steps per probe `m ≥ 1` (capped at `d`); PyHessian uses ~90.
///   - distribution: Probe distribution (Rademacher by default).
///   - seed: Seed of the probes.
/// - Complexity: `P m` products and `O(P m² d)` flops of reorthogonalization.
public func stochasticLanczosQuadrature<Operator: LinearOperator>(
    of op: Operator, probes: Int, steps: Int, distribution: ProbeDistribution = .rademacher, seed: UInt64 = 0
) -> SpectralDensity {
    precondition(probes >= 1, "stochasticLanczosQuadrature: probes \(probes) < 1")
    var generator = RandomGenerator(seed: seed)
    let v: Tensor<Operator.Scalar> = distribution.sample(dimension: op.dimension, count: probes, using: &generator)
    return stochasticLanczosQuadrature(of: op, startVectors: v, steps: steps)
}

/// Stochastic Lanczos quadrature from given start vectors, the columns of `startVectors`
/// `[d, P]` (each normalized; see ``SpectralDensity``).
public func stochasticLanczosQuadrature<Operator: LinearOperator>(
    of op: Operator, startVectors: Tensor<Operator.Scalar>, steps: Int
) -> SpectralDensity {
    let d = op.dimension
    precondition(
        startVectors.rank == 2 && startVectors.shape[0] == d && startVectors.shape[1] >= 1,
        "stochasticLanczosQuadrature: start vectors \(startVectors.shape) are not [\(d), P ≥ 1]")
    precondition(steps >= 1, "stochasticLanczosQuadrature: steps \(steps) < 1")
    let probes = startVectors.shape[1]
    let columns = doubleScalars(startVectors.transposed())  // [P, d]
    var nodes: [[Double]] = [], weights: [[Double]] = []
    var products = 0
    for p in 0..<probes {
        let start = Array(columns[(p * d)..<((p + 1) * d)])
        var process = LanczosProcess(
            op: op, start: start, policy: .stop, generator: RandomGenerator(seed: UInt64(p)), capacity: min(d, steps))
        while process.steps < min(d, steps) && !process.isFinished { process.step() }
        let m = process.steps
        let (theta, s) = process.tridiagonalEigensystem()
        nodes.append(theta)
        weights.append((0..<m).map { s[$0] * s[$0] })  // first row of S: e₁ᵀ sᵢ
        products += process.productCount
    }
    return SpectralDensity(dimension: d, nodes: nodes, weights: weights, productCount: products)
}

/// The standard error of the mean, `s / √n` with the unbiased sample deviation `s`.
func standardError(of samples: [Double]) -> Double {
    let n = Double(samples.count)
    let mean = samples.reduce(0, +) / n
    let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (variance / n).squareRoot()
}
