import Autodiff
import TensorCore

/// A fully connected layer `y = x Wᵀ + b`, as `torch.nn.Linear`.
///
/// Parameters `<name>.weight` `[out, in]` and `<name>.bias` `[out]`. Input `[..., in]`, output
/// `[..., out]`; the leading axes fold into one GEMM.
public struct Linear: Sendable {
    public var name: String
    public var inputCount: Int
    public var outputCount: Int
    public var bias: Bool
    /// For GPT-2 initialization: the layer count when this is a residual output projection.
    public var residualLayers: Int

    public init(_ name: String, inputCount: Int, outputCount: Int, bias: Bool = true, residualLayers: Int = 0) {
        precondition(inputCount > 0 && outputCount > 0, "Linear \(name): sizes must be positive, got \(inputCount) → \(outputCount)")
        self.name = name
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.bias = bias
        self.residualLayers = residualLayers
    }

    public func initialParameters<S: TensorScalar>(_ initializer: Initializer, using g: inout RandomGenerator) -> [(name: String, tensor: Tensor<S>)] {
        var out: [(name: String, tensor: Tensor<S>)] = [
            (name + ".weight", initializer.linearWeight(out: outputCount, in: inputCount, residualLayers: residualLayers, using: &g))
        ]
        if bias { out.append((name + ".bias", initializer.linearBias(out: outputCount, in: inputCount, using: &g))) }
        return out
    }

    public func callAsFunction<S: TensorScalar>(_ x: Variable<S>, _ p: Bindings<S>) -> Variable<S> {
        precondition(x.shape.last == inputCount, "Linear \(name): input \(x.shape) does not end in \(inputCount)")
        let y = bias ? affine(x, weight: p[name + ".weight"], bias: p[name + ".bias"]) : matmul(x, p[name + ".weight"], transposeB: true)
        if let capture = p.capture {
            capture.recordLinear(.init(layer: name, weight: name + ".weight", bias: bias ? name + ".bias" : nil,
                                       input: x, output: y, rows: 0..<outputCount))
            capture.recordModule(name, output: y)
        }
        return y
    }
}
