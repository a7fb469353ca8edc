import Autodiff
import TensorCore

/// Causal multi-head self-attention with a fused query/key/value projection:
/// ```
/// [Q K V] = x W_qkvᵀ + b_qkv,   headᵢ = softmax(Qᵢ Kᵢᵀ / √d_h + M) Vᵢ,   y = concat(headᵢ) W_projᵀ + b_proj
/// ```
/// with `M` the causal mask (−∞ above the diagonal). Parameters `<name>.qkv` `[3D, D]` and
/// `<name>.proj` `[D, D]`. Input and output `[B, T, D]`. The heads run through one fused
/// attention op (``Autodiff/Variable/causalAttention(query:key:value:heads:)``) that reads each
/// head's columns of `Q`, `K`, `V` in place.
public struct CausalSelfAttention: Sendable {
    public var name: String
    public var dimension: Int
    public var heads: Int
    public var bias: Bool
    public var layers: Int

    public init(_ name: String, dimension: Int, heads: Int, bias: Bool, layers: Int) {
        precondition(heads > 0 && dimension % heads == 0, "CausalSelfAttention \(name): \(heads) heads do not divide \(dimension)")
        self.name = name
        self.dimension = dimension
        self.heads = heads
        self.bias = bias
        self.layers = layers
    }

    var qkv: Linear { Linear(name + ".qkv", inputCount: dimension, outputCount: 3 * dimension, bias: bias) }
    var proj: Linear { Linear(name + ".proj", inputCount: dimension, outputCount: dimension, bias: bias, residualLayers: layers) }

    public func initialParameters<S: TensorScalar>(_ initializer: Initializer, using g: inout RandomGenerator) -> [(name: String, tensor: Tensor<S>)] {
        qkv.initialParameters(initializer, using: &g) + proj.initialParameters(initializer, using: &g)
    }

    public func callAsFunction<S: TensorScalar>(_ x: Variable<S>, _ p: Bindings<S>) -> Variable<S> {
        precondition(x.rank == 3 && x.shape[2] == dimension, "CausalSelfAttention \(name): input \(x.shape) is not [B, T, \(dimension)]")
        let weight = p[name + ".qkv.weight"]
        let biasVector: Variable<S>? = bias ? p[name + ".qkv.bias"] : nil
        let merged: Variable<S>  // [B, T, D]
        if let capture = p.capture {
            // Q, K, V from row blocks of the fused weight (slicing the small weight, not the large
            // activation, keeps the backward pass to weight-sized pads), each [B, T, D] with the
            // heads interleaved, so that each block's output is a recorded variable of its own.
            func project(_ i: Int) -> Variable<S> {
                let rows = (i * dimension)..<((i + 1) * dimension)
                // One GEMM per block with the bias as its starting value (β = 1), as Linear does.
                let w = weight.slice(rows, alongAxis: 0)
                let y = biasVector.map { affine(x, weight: w, bias: $0.slice(rows, alongAxis: 0)) } ?? matmul(x, w, transposeB: true)
                capture.recordLinear(.init(layer: name + ".qkv", weight: name + ".qkv.weight", bias: bias ? name + ".qkv.bias" : nil,
                                           input: x, output: y, rows: rows))
                return y
            }
            let q = project(0), k = project(1), v = project(2)
            merged = Variable.causalAttention(query: q, key: k, value: v, heads: heads)
        } else {
            // Without a capture: one GEMM for [Q K V] [B, T, 3D], which the attention reads in
            // place (and whose cotangent it writes in place): the same values, fewer passes.
            let qkv = biasVector.map { affine(x, weight: weight, bias: $0) } ?? matmul(x, weight, transposeB: true)
            merged = Variable.causalAttention(packed: qkv, heads: heads)
        }
        let out = proj(merged, p)
        p.capture?.recordModule(name, output: out)
        return out
    }
}
