import Autodiff
import TensorCore

/// The generalized Gauss–Newton matrix `G = Jᵀ Λ J` of an objective, as an operator; for softmax
/// cross-entropy and squared error (Gaussian regression) it is exactly the Fisher information
/// `F` of the model's predictive distribution (THEORY.md §0), hence ``FisherOperator``.
///
/// ```
/// G v = Jᵀ Λ (J v)        J = ∂f/∂θ  [N, d],   Λ = ∂²L/∂f²  (see LossCurvature)
/// softmax cross-entropy:  G = (1/n) Σ_r J_rᵀ (diag(π_r) − π_r π_rᵀ) J_r
/// mean squared error:     G = (2/N) Jᵀ J
/// ```
/// `J v` comes from one forward pass with tangents `v` (``Objective/Evaluation/outputs``'s
/// tangent), `Λ` is applied row by row (``LossCurvature/apply(_:)``), and `Jᵀ(·)` is one
/// reverse pass seeded at the outputs. `G` is symmetric positive semi-definite; it drops the
/// second-order term `Σ (∂L/∂f) ∂²f/∂θ²` of the Hessian, so it equals ``HessianOperator``
/// when the outputs are linear in θ.
///
/// - Complexity: per product one forward pass with tangents plus one forward and one backward
///   pass, about twice one forward+backward (the two passes are separate so that the backward
///   pass carries no tangents). The diagonal and the dense matrix are the ``LinearOperator``
///   defaults (`d` products, exact); an estimated diagonal comes from the Hutchinson estimator
///   (Spectra/Hutchinson.swift).
public struct GGNOperator<Scalar: TensorScalar>: CurvatureOperator {
    public let objective: Objective<Scalar>
    public let products: ProductCounter

    public init(_ objective: Objective<Scalar>) {
        self.objective = objective
        self.products = ProductCounter()
    }

    /// `G v` for a `[d]` vector.
    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "GGNOperator.apply")
        products.record()
        let targets = objective.batch.targets
        return objective.jacobianSandwich(v) { outputs, jv in
            LossCurvature(outputs: outputs, targets: targets).apply(jv)
        }
    }
}

/// The Fisher information matrix `F = E_x E_{y∼p(·|x,θ)}[∇log p ∇log pᵀ]`: for softmax
/// cross-entropy and Gaussian regression (squared error) it equals the GGN exactly, so it is the
/// same operator. Its sampled estimate is ``MonteCarloFisherOperator``; the cheaper
/// ``EmpiricalFisherOperator`` is not the Fisher.
public typealias FisherOperator = GGNOperator

extension Objective {
    /// `Jᵀ M(f, J v)`: the outputs `f` and `J v` from one forward pass with tangents `v`, an
    /// output-space map `middle` (`Λ` for the GGN), then one reverse pass from the outputs seeded
    /// with its result, on a fresh tape without tangents.
    ///
    /// - Parameters:
    ///   - v: `[d]`.
    ///   - middle: `(f, J v) ↦ seed`, all shaped like ``Evaluation/outputs``.
    func jacobianSandwich(
        _ v: Tensor<Scalar>, middle: (_ outputs: Tensor<Scalar>, _ jv: Tensor<Scalar>) -> Tensor<Scalar>
    ) -> Tensor<Scalar> {
        let (outputs, jv) = outputsAndJacobianProduct(v)
        let seed = middle(outputs, jv)
        return jacobianTransposeProduct(seed)
    }

    /// The outputs `f` and the Jacobian–vector product `J v` (one forward pass with tangents).
    func outputsAndJacobianProduct(_ v: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, jv: Tensor<Scalar>) {
        let forward = evaluate(on: Tape<Scalar>(), tangents: split(v))
        let outputs = forward.outputs.value
        return (outputs, forward.outputs.tangent ?? Tensor(shape: outputs.shape, repeating: 0))
    }

    /// `Jᵀ u` for an output-space `u` (one forward and one backward pass), as a `[d]` vector.
    func jacobianTransposeProduct(_ u: Tensor<Scalar>) -> Tensor<Scalar> {
        let tape = Tape<Scalar>()
        let e = evaluate(on: tape)
        precondition(u.shape == e.outputs.shape, "Objective.jacobianTransposeProduct: seed \(u.shape) is not \(e.outputs.shape)")
        return join(tape.gradients(of: e.outputs, withRespectTo: e.variables, seed: u))
    }
}
