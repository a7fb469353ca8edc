import Autodiff
import TensorCore

/// The Hessian `H = ∇²L(θ)` of an objective, as an operator (THEORY.md §0).
///
/// ```
/// H v = d/dε ∇L(θ + ε v) |_{ε=0}
/// ```
/// Exact, by forward-over-reverse: the forward pass carries tangents `v` on θ's parameters
/// (``Objective/evaluate(on:tangents:capture:)``), the backward pass from the loss is written
/// with differentiable ops, so the tangent of each gradient is its block of `H v` (as
/// ``Autodiff/gradientAndHessianVectorProduct(of:at:direction:)``). `H` is symmetric but in
/// general indefinite; at a point where the outputs are linear in θ it equals the GGN.
///
/// - Complexity: per product one forward and one backward pass, both with tangents: about three
///   forward+backward passes. The diagonal and the dense matrix are the ``LinearOperator``
///   defaults (`d` products, exact, for small `d`); an estimated diagonal comes from the
///   Hutchinson estimator (Spectra/Hutchinson.swift).
public struct HessianOperator<Scalar: TensorScalar>: CurvatureOperator {
    public let objective: Objective<Scalar>
    public let products: ProductCounter

    public init(_ objective: Objective<Scalar>) {
        self.objective = objective
        self.products = ProductCounter()
    }

    /// `H v` for a `[d]` vector.
    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "HessianOperator.apply")
        products.record()
        let tape = Tape<Scalar>()
        let e = objective.evaluate(on: tape, tangents: objective.split(v))
        let gradients = tape.cotangents(of: e.loss, withRespectTo: e.variables)
        return objective.join(gradients.map { $0.tangent ?? Tensor(shape: $0.shape, repeating: 0) })
    }
}
