import Autodiff
import TensorCore

/// A pre-norm residual transformer block:
/// ```
/// x ← x + attn(norm₁(x));   x ← x + mlp(norm₂(x))
/// ```
/// Parameters under `<name>.ln1`, `<name>.attn`, `<name>.ln2`, `<name>.mlp`.
public struct TransformerBlock: Sendable {
    public var name: String
    public var norm1: Norm
    public var attention: CausalSelfAttention
    public var norm2: Norm
    public var feedForward: FeedForward

    public init(_ name: String, dimension: Int, heads: Int, hidden: Int, activation: Activation, norm: NormKind,
                feedForward kind: FeedForwardKind, bias: Bool, layers: Int) {
        self.name = name
        norm1 = Norm(norm, name + ".ln1", dimension: dimension)
        attention = CausalSelfAttention(name + ".attn", dimension: dimension, heads: heads, bias: bias, layers: layers)
        norm2 = Norm(norm, name + ".ln2", dimension: dimension)
        feedForward = FeedForward(kind, name + ".mlp", dimension: dimension, hidden: hidden, activation: activation, bias: bias, layers: layers)
    }

    public func initialParameters<S: TensorScalar>(_ initializer: Initializer, using g: inout RandomGenerator) -> [(name: String, tensor: Tensor<S>)] {
        norm1.initialParameters() + attention.initialParameters(initializer, using: &g) + norm2.initialParameters()
            + feedForward.initialParameters(initializer, using: &g)
    }

    public func callAsFunction<S: TensorScalar>(_ x: Variable<S>, _ p: Bindings<S>) -> Variable<S> {
        let h = x + attention(norm1(x, p), p)
        let y = h + feedForward(norm2(h, p), p)
        p.capture?.recordModule(name, output: y)
        return y
    }
}
