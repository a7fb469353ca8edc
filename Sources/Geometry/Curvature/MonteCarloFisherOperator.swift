import Autodiff
import TensorCore

/// The Monte Carlo Fisher: the Fisher information estimated with labels sampled from the model
/// (THEORY.md §0), as an operator. The labels are drawn once, at construction, from a seeded
/// generator, so the operator is one fixed symmetric positive semi-definite matrix of rank at
/// most `n · samples`.
///
/// ```
/// F̂ v = (1/n) Σ_r (1/S) Σ_s J_rᵀ ρ_rs ρ_rsᵀ J_r v          (S = samples per row)
/// softmax cross-entropy:  ŷ_rs ∼ softmax(f_r),   ρ_rs = π_r − e_ŷ = ∇_f −log p(ŷ_rs | f_r)
/// squared error:          ŷ_rs = f_r + σ ε,  ε ∼ N(0, I_k),  σ² = k/2 = N/(2n),
///                         ρ_rs = (f_r − ŷ_rs)/σ² = −ε/σ
/// E[F̂] = (1/n) Σ_r J_rᵀ E[ρ ρᵀ] J_r = G   (the GGN: E[ρρᵀ] = diag(π) − ππᵀ, resp. I/σ² = (2/k) I)
/// ```
/// The variance `σ² = k/2` (`k` entries per row) is the one for which the mean squared error is
/// the mean Gaussian negative log-likelihood per row, `(1/n) Σ_r ‖y_r − f_r‖²/(2σ²) = MSE`
/// (up to a constant), so that its Fisher `(1/n) Σ_r J_rᵀ J_r / σ²` is the GGN `(2/N) Jᵀ J`.
/// Rows are those of ``LossCurvature``; residuals depend on θ only through `f`, so operators
/// built with the same seed over different subsets of θ sample the same labels (their blocks
/// are exactly the diagonal blocks of the full operator).
///
/// - Complexity: one forward pass at construction; per product one forward pass with tangents
///   plus one forward and one backward pass (as ``GGNOperator``) and `O(N · samples)` more.
public struct MonteCarloFisherOperator<Scalar: TensorScalar>: CurvatureOperator {
    public let objective: Objective<Scalar>
    public let products: ProductCounter
    /// The number of sampled labels `S` per row.
    public let samples: Int
    /// The sampled residuals `ρ_rs` as `[samples, n, k]`.
    public let residuals: Tensor<Scalar>
    private let outputShape: [Int]

    /// - Parameters:
    ///   - samples: labels drawn per row (`S ≥ 1`).
    ///   - seed: the seed of the generator the labels are drawn from.
    public init(_ objective: Objective<Scalar>, samples: Int = 1, seed: UInt64 = 0) {
        precondition(samples >= 1, "MonteCarloFisherOperator: samples \(samples) must be at least 1")
        let outputs = objective.evaluate(on: Tape<Scalar>()).outputs.value
        let curvature = LossCurvature(outputs: outputs, targets: objective.batch.targets)
        let (n, k) = (curvature.rowCount, curvature.rowWidth)
        var generator = RandomGenerator(seed: seed)
        var rho = [Scalar](repeating: 0, count: samples * n * k)
        switch curvature.loss {
        case .crossEntropy:
            let probabilities = curvature.probabilities!
            let pi = probabilities.scalars
            for s in 0..<samples {
                let labels = Tensor<Scalar>.categorical(probabilities: probabilities, using: &generator)
                    .indexScalars(op: "MonteCarloFisherOperator")
                for (r, label) in labels.enumerated() {
                    let base = (s * n + r) * k
                    for j in 0..<k { rho[base + j] = pi[r * k + j] }
                    rho[base + label] -= 1
                }
            }
        case .meanSquaredError:
            let sigma = (Double(k) / 2).squareRoot()
            for i in 0..<rho.count { rho[i] = Scalar(-generator.nextStandardNormal() / sigma) }
        }
        self.objective = objective
        self.products = ProductCounter()
        self.samples = samples
        self.residuals = Tensor(shape: [samples, n, k], scalars: rho)
        self.outputShape = outputs.shape
    }

    /// `F̂ v` for a `[d]` vector.
    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "MonteCarloFisherOperator.apply")
        products.record()
        let (s, n, k) = (samples, residuals.shape[1], residuals.shape[2])
        return objective.jacobianSandwich(v) { _, jv in
            let u = jv.reshaped(to: [1, n, k])
            let c = (residuals * u).sum(alongAxes: [2], keepingDimensions: true)  // [S, n, 1]: ρ_rsᵀ J_r v
            let seed = (residuals * c).sum(alongAxes: [0]) / Scalar(n * s)  // [n, k]
            return seed.reshaped(to: outputShape)
        }
    }
}
