import Autodiff
import TensorCore

/// Which normalization a model uses.
public enum NormKind: String, Codable, Sendable, CaseIterable {
    case layernorm
    case rmsnorm
}

/// Layer normalization over the last axis, as `torch.nn.LayerNorm(d, eps=1e-5)`:
/// ```
/// y = (x − μ) / √(σ² + ε) ⊙ w + b,   μ, σ² the mean and (biased) variance over the last axis
/// ```
/// Parameters `<name>.weight` (ones) and `<name>.bias` (zeros), `[d]`.
public struct LayerNorm: Sendable {
    public var name: String
    public var dimension: Int
    public var epsilon: Double

    public init(_ name: String, dimension: Int, epsilon: Double = 1e-5) {
        self.name = name
        self.dimension = dimension
        self.epsilon = epsilon
    }

    public func initialParameters<S: TensorScalar>() -> [(name: String, tensor: Tensor<S>)] {
        [(name + ".weight", Tensor(shape: [dimension], repeating: 1)), (name + ".bias", Tensor(shape: [dimension], repeating: 0))]
    }

    public func callAsFunction<S: TensorScalar>(_ x: Variable<S>, _ p: Bindings<S>) -> Variable<S> {
        precondition(x.shape.last == dimension, "LayerNorm \(name): input \(x.shape) does not end in \(dimension)")
        // A single vector goes through as one row: the fused primitive's weight and bias
        // gradients sum over the leading axes, and a rank-1 input has none.
        if x.rank == 1 { return self(x.reshaped(to: [1, dimension]), p).reshaped(to: [dimension]) }
        let y = x.layerNormalized(weight: p[name + ".weight"], bias: p[name + ".bias"], epsilon: S(epsilon))
        if let capture = p.capture {
            capture.recordNormalization(.init(layer: name, kind: .layernorm, weight: name + ".weight", bias: name + ".bias",
                                              epsilon: epsilon, input: x, output: y))
            capture.recordModule(name, output: y)
        }
        return y
    }
}

/// Root-mean-square normalization over the last axis (Zhang & Sennrich 2019), as
/// `torch.nn.RMSNorm(d, eps)`:
/// ```
/// y = x / √(mean(x²) + ε) ⊙ w
/// ```
/// Parameter `<name>.weight` (ones), `[d]`. Runs the fused ``Autodiff/Variable/rmsNormalized(weight:epsilon:)``.
public struct RMSNorm: Sendable {
    public var name: String
    public var dimension: Int
    public var epsilon: Double

    public init(_ name: String, dimension: Int, epsilon: Double = 1e-6) {
        self.name = name
        self.dimension = dimension
        self.epsilon = epsilon
    }

    public func initialParameters<S: TensorScalar>() -> [(name: String, tensor: Tensor<S>)] {
        [(name + ".weight", Tensor(shape: [dimension], repeating: 1))]
    }

    public func callAsFunction<S: TensorScalar>(_ x: Variable<S>, _ p: Bindings<S>) -> Variable<S> {
        precondition(x.shape.last == dimension, "RMSNorm \(name): input \(x.shape) does not end in \(dimension)")
        let y = x.rmsNormalized(weight: p[name + ".weight"], epsilon: S(epsilon))
        if let capture = p.capture {
            capture.recordNormalization(.init(layer: name, kind: .rmsnorm, weight: name + ".weight", bias: nil,
                                              epsilon: epsilon, input: x, output: y))
            capture.recordModule(name, output: y)
        }
        return y
    }
}

/// A LayerNorm or an RMSNorm, by configuration.
public struct Norm: Sendable {
    public var kind: NormKind
    public var name: String
    public var dimension: Int

    public init(_ kind: NormKind, _ name: String, dimension: Int) {
        self.kind = kind
        self.name = name
        self.dimension = dimension
    }

    public func initialParameters<S: TensorScalar>() -> [(name: String, tensor: Tensor<S>)] {
        kind == .layernorm ? LayerNorm(name, dimension: dimension).initialParameters() : RMSNorm(name, dimension: dimension).initialParameters()
    }

    public func callAsFunction<S: TensorScalar>(_ x: Variable<S>, _ p: Bindings<S>) -> Variable<S> {
        kind == .layernorm ? LayerNorm(name, dimension: dimension)(x, p) : RMSNorm(name, dimension: dimension)(x, p)
    }
}
