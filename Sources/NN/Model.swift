import Autodiff
import TensorCore

/// A ready model built from a ``ModelConfig``: an MLP or a GPT-style decoder.
///
/// MLP (`layers.{i}`): `[B, inputs] → [B, outputs]`, activation between Linear layers.
/// GPT: token ids `[B, T]` → logits `[B, T, vocab]`:
/// ```
/// x = tok[ids] + pos[0..<T];  x ← blockᵢ(x) for i < layers;  logits = ln_f(x) headᵀ   (head = tok when tied)
/// ```
/// Parameter names and shapes match the PyTorch modules in docs/models.md.
public struct Model: Sendable {
    public let config: ModelConfig

    public init(_ config: ModelConfig) throws(ModelConfigError) {
        try config.validate()
        self.config = config
    }

    var mlpLayers: [Linear] {
        let widths = [config.inputs] + config.hidden + [config.outputs]
        return (0..<(widths.count - 1)).map {
            Linear("layers.\($0)", inputCount: widths[$0], outputCount: widths[$0 + 1], bias: config.bias)
        }
    }

    var blocks: [TransformerBlock] {
        (0..<config.layers).map {
            TransformerBlock(
                "blocks.\($0)", dimension: config.dModel, heads: config.heads, hidden: config.mlpRatio * config.dModel,
                activation: config.activation, norm: config.norm, feedForward: config.mlp, bias: config.bias, layers: config.layers)
        }
    }

    var token: Embedding { Embedding("tok", count: config.vocab, dimension: config.dModel) }
    var position: Embedding { Embedding("pos", count: config.context, dimension: config.dModel) }
    var finalNorm: Norm { Norm(config.norm, "ln_f", dimension: config.dModel) }

    /// The number of outputs per example (per position for the GPT): classes, vocab or targets.
    public var outputCount: Int { config.kind == .mlp ? config.outputs : config.vocab }

    /// Fresh parameters drawn with the config's initializer from `seed`.
    public func initialParameters<S: TensorScalar>(seed: UInt64, as _: S.Type = S.self) -> ParameterStore<S> {
        var g = RandomGenerator(seed: seed)
        let initializer = config.`init`
        switch config.kind {
        case .mlp:
            return ParameterStore(mlpLayers.flatMap { $0.initialParameters(initializer, using: &g) })
        case .gpt:
            var named: [(name: String, tensor: Tensor<S>)] = token.initialParameters(initializer, using: &g)
            named += position.initialParameters(initializer, using: &g)
            for b in blocks { named += b.initialParameters(initializer, using: &g) }
            named += finalNorm.initialParameters()
            if !config.tie {
                named += Linear("head", inputCount: config.dModel, outputCount: config.vocab, bias: false)
                    .initialParameters(initializer, using: &g)
            }
            return ParameterStore(named)
        }
    }

    /// The model's outputs for a batch of inputs. `dropout` draws dropout masks (training);
    /// pass `nil` for evaluation.
    public func callAsFunction<S: TensorScalar>(_ inputs: Tensor<S>, _ p: Bindings<S>, dropout generator: inout RandomGenerator?) -> Variable<S> {
        let drop = Dropout(probability: config.dropout)
        switch config.kind {
        case .mlp:
            precondition(inputs.rank == 2 && inputs.shape[1] == config.inputs, "Model (mlp): inputs \(inputs.shape) are not [B, \(config.inputs)]")
            var h = Variable(inputs)
            let layers = mlpLayers
            for (i, layer) in layers.enumerated() {
                h = layer(h, p)
                if i < layers.count - 1 {
                    h = config.activation(h)
                    p.capture?.recordModule("layers.\(i).act", output: h)
                    h = drop(h, generator: &generator)
                }
            }
            return h
        case .gpt:
            precondition(inputs.rank == 2 && inputs.shape[1] <= config.context,
                         "Model (gpt): token ids \(inputs.shape) are not [B, T ≤ \(config.context)]")
            let t = inputs.shape[1]
            let positions = p["pos.weight"].slice(0..<t, alongAxis: 0)
            let embedded = token(inputs, p) + positions
            if let capture = p.capture {
                let b = inputs.shape[0]
                let positionIDs = Tensor<S>(shape: [b, t]) { ids in
                    for i in 0..<(b * t) { ids[i] = S(i % t) }
                }
                capture.recordEmbedding(.init(layer: "tok", weight: "tok.weight", ids: inputs, output: embedded))
                capture.recordEmbedding(.init(layer: "pos", weight: "pos.weight", ids: positionIDs, output: embedded))
                capture.recordModule("embedding", output: embedded)
            }
            var x = drop(embedded, generator: &generator)
            for b in blocks { x = b(x, p) }
            x = finalNorm(x, p)
            let headWeight = config.tie ? "tok" : "head"
            let logits = matmul(x, p[headWeight + ".weight"], transposeB: true)
            if let capture = p.capture {
                capture.recordLinear(.init(layer: headWeight, weight: headWeight + ".weight", bias: nil,
                                           input: x, output: logits, rows: 0..<config.vocab))
                capture.recordModule("head", output: logits)
            }
            return logits
        }
    }

    /// The model's outputs, evaluated without dropout or gradients.
    public func callAsFunction<S: TensorScalar>(_ inputs: Tensor<S>, parameters: ParameterStore<S>) -> Tensor<S> {
        var none: RandomGenerator? = nil
        return self(inputs, Bindings(constants: parameters), dropout: &none).value
    }
}
