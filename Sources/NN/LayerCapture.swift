import Autodiff
import TensorCore

/// What a forward pass shows about its layers: the inputs and outputs of every Linear,
/// normalization and embedding use, and the output of every named module.
///
/// Set ``Bindings/capture`` before a forward pass and the layers record themselves here. The
/// geometry layer reads these records to build per-sample gradients and K-FAC factors from one
/// forward/backward pass of a batch (layer input `a`, and with a tape hook on the output
/// `s = W a + b` the output gradient `δ = ∂ℓ/∂s`), and to read hidden representations.
///
/// Recording adds no work when ``Bindings/capture`` is `nil`.
public final class LayerCapture<Scalar: TensorScalar> {
    /// One use of a linear map `s = a Wᵀ (+ b)` with a weight parameter.
    public struct LinearUse {
        /// The layer's name (`blocks.0.attn.qkv`, `layers.1`, `head`; `tok` for a tied head).
        public var layer: String
        /// The weight parameter, `[out, in]`.
        public var weight: String
        /// The bias parameter when the use adds one.
        public var bias: String?
        /// The input `a`, `[..., in]`.
        public var input: Variable<Scalar>
        /// The output `s`, `[..., rows.count]`.
        public var output: Variable<Scalar>
        /// The weight rows this use produces (all rows but for the fused Q/K/V projection, which
        /// is applied as three row blocks).
        public var rows: Range<Int>
    }

    /// One use of a LayerNorm or RMSNorm: `y = x̂ ⊙ γ (+ β)`.
    public struct NormalizationUse {
        public var layer: String
        public var kind: NormKind
        /// The weight (gain) parameter `γ`, `[D]`.
        public var weight: String
        /// The bias parameter `β` (LayerNorm), `nil` for RMSNorm.
        public var bias: String?
        public var epsilon: Double
        /// The input `x`, `[..., D]` (`x̂` is recomputed from it).
        public var input: Variable<Scalar>
        /// The output `y`.
        public var output: Variable<Scalar>
    }

    /// One use of an embedding table: row `ids[i, t]` of `weight` added into `output[i, t]`.
    public struct EmbeddingUse {
        public var layer: String
        /// The table parameter, `[count, D]`.
        public var weight: String
        /// The row indices, `[B, T]` (as scalars).
        public var ids: Tensor<Scalar>
        /// The variable the looked-up rows enter additively, `[B, T, D]`; its cotangent is the
        /// gradient with respect to each looked-up row.
        public var output: Variable<Scalar>
    }

    public private(set) var linears: [LinearUse] = []
    public private(set) var normalizations: [NormalizationUse] = []
    public private(set) var embeddings: [EmbeddingUse] = []
    /// Module outputs by name, in forward order (`layers.0`, `layers.0.act`, `blocks.1`,
    /// `blocks.1.attn`, `blocks.1.mlp`, `ln_f`, …).
    public private(set) var modules: [(name: String, output: Variable<Scalar>)] = []

    public init() {}

    /// The output of the module named `name`, if the forward pass produced one.
    public func output(ofModule name: String) -> Variable<Scalar>? {
        modules.first { $0.name == name }?.output
    }

    public func recordLinear(_ use: LinearUse) { linears.append(use) }
    public func recordNormalization(_ use: NormalizationUse) { normalizations.append(use) }
    public func recordEmbedding(_ use: EmbeddingUse) { embeddings.append(use) }
    public func recordModule(_ name: String, output: Variable<Scalar>) { modules.append((name, output)) }
}
