import Autodiff
import TensorCore

/// Which feed-forward block a transformer uses.
public enum FeedForwardKind: String, Codable, Sendable, CaseIterable {
    /// `fc2(act(fc(x)))`.
    case standard
    /// SwiGLU (Shazeer 2020), as in Llama: `w2(silu(w1 x) ⊙ w3 x)`, no biases.
    case swiglu
}

/// The transformer's feed-forward block, `<name>.fc` / `<name>.fc2` or `<name>.w1/w2/w3`.
public struct FeedForward: Sendable {
    public var kind: FeedForwardKind
    public var name: String
    public var dimension: Int
    public var hidden: Int
    public var activation: Activation
    public var bias: Bool
    public var layers: Int

    public init(_ kind: FeedForwardKind, _ name: String, dimension: Int, hidden: Int, activation: Activation, bias: Bool, layers: Int) {
        self.kind = kind
        self.name = name
        self.dimension = dimension
        self.hidden = hidden
        self.activation = activation
        self.bias = bias
        self.layers = layers
    }

    var linears: [Linear] {
        switch kind {
        case .standard:
            [Linear(name + ".fc", inputCount: dimension, outputCount: hidden, bias: bias),
             Linear(name + ".fc2", inputCount: hidden, outputCount: dimension, bias: bias, residualLayers: layers)]
        case .swiglu:
            [Linear(name + ".w1", inputCount: dimension, outputCount: hidden, bias: false),
             Linear(name + ".w2", inputCount: hidden, outputCount: dimension, bias: false, residualLayers: layers),
             Linear(name + ".w3", inputCount: dimension, outputCount: hidden, bias: false)]
        }
    }

    public func initialParameters<S: TensorScalar>(_ initializer: Initializer, using g: inout RandomGenerator) -> [(name: String, tensor: Tensor<S>)] {
        linears.flatMap { $0.initialParameters(initializer, using: &g) }
    }

    public func callAsFunction<S: TensorScalar>(_ x: Variable<S>, _ p: Bindings<S>) -> Variable<S> {
        let l = linears
        let y: Variable<S>
        switch kind {
        case .standard: y = l[1](activation(l[0](x, p)), p)
        case .swiglu: y = l[1](l[0](x, p).silu() * l[2](x, p), p)
        }
        p.capture?.recordModule(name, output: y)
        return y
    }
}
