import Autodiff
import Data
import TensorCore

/// The empirical Fisher `F_emp = (1/m) Σ_i g_i g_iᵀ` over the `m` examples of the batch, with the
/// *observed* labels, as an operator (THEORY.md §0).
///
/// **Not the Fisher.** It uses the data's labels instead of labels drawn from the model, so it
/// is not `F` (``FisherOperator``, ``MonteCarloFisherOperator``) and not the GGN; it is offered
/// because it is cheap, and must always be labelled "empirical Fisher".
///
/// A sample is an *example* (a row of `batch.inputs`), and `g_i = ∇_θ ℓ_i` is the gradient of
/// that example's own loss, the mean over its labelled rows, so that the objective's loss is
/// `L = (1/m) Σ_i ℓ_i`:
/// ```
/// classes, t = perExample rows per example:  ℓ_i = (1/t) Σ_{r∈i} −log softmax(f_r)_{y_r}
///                                            ∂ℓ_i/∂f_r = ρ_r = (π_r − e_{y_r}) / t
/// real targets, e = N/m entries per example: ℓ_i = (1/e) Σ_{j∈i} (f_j − y_j)²
///                                            ∂ℓ_i/∂f_j = ρ_j = 2 (f_j − y_j) / e
/// F_emp v = (1/m) Σ_i g_i (g_iᵀ v),   g_iᵀ v = Σ_{r∈i} ρ_rᵀ (J v)_r,   g_i = Σ_{r∈i} J_rᵀ ρ_r
/// ```
/// So for a GPT with one label per position (`t = T`) `g_i` is the gradient of the sequence's
/// mean token loss, and `F_emp` is `1/T²` times the sum over sequences of outer products of
/// summed token gradients — not the average of per-token outer products.
///
/// - Complexity: per product one forward pass with tangents plus one forward and one backward
///   pass (as ``GGNOperator``): `g_iᵀ v` are `m` contractions of `ρ` with `J v` in output
///   space, and the reverse pass is seeded with `(1/m) (g_iᵀ v) ρ_i`. Rank at most `m`.
public struct EmpiricalFisherOperator<Scalar: TensorScalar>: CurvatureOperator {
    public let objective: Objective<Scalar>
    public let products: ProductCounter

    public init(_ objective: Objective<Scalar>) {
        self.objective = objective
        self.products = ProductCounter()
    }

    /// The number of examples `m`.
    public var exampleCount: Int { objective.batch.count }

    /// `F_emp v` for a `[d]` vector.
    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "EmpiricalFisherOperator.apply")
        products.record()
        let targets = objective.batch.targets
        let m = exampleCount
        return objective.jacobianSandwich(v) { outputs, jv in
            let rho = Self.outputGradients(outputs: outputs, targets: targets, examples: m)  // [m, entries]
            let u = jv.reshaped(to: rho.shape)
            let c = (rho * u).sum(alongAxes: [1], keepingDimensions: true)  // [m, 1]: g_iᵀ v
            return (rho * c / Scalar(m)).reshaped(to: outputs.shape)
        }
    }

    /// The gradients `ρ_i = ∂ℓ_i/∂f` of each example's own loss with respect to its outputs, as
    /// `[m, entries per example]` (example `i`'s rows are contiguous in the outputs).
    static func outputGradients(outputs: Tensor<Scalar>, targets: Targets<Scalar>, examples m: Int) -> Tensor<Scalar> {
        precondition(m > 0 && outputs.scalarCount % m == 0,
                     "EmpiricalFisherOperator: outputs \(outputs.shape) do not split into \(m) examples")
        switch targets {
        case let .classes(labels, perExample):
            precondition(labels.count == m * perExample,
                         "EmpiricalFisherOperator: \(labels.count) labels for \(m) examples × \(perExample)")
            var rho = outputs.softmax(alongAxis: -1)
            let classes = outputs.shape[1]
            rho.withUnsafeMutableBufferPointer { p in
                for (r, y) in labels.enumerated() { p[r * classes + y] -= 1 }
            }
            return (rho / Scalar(perExample)).reshaped(to: [m, perExample * classes])
        case let .values(t):
            let entries = outputs.scalarCount / m
            let residual = outputs.reshaped(to: [m, entries]) - t.reshaped(to: [m, entries])
            return residual * (2 / Scalar(entries))
        }
    }
}
