import Autodiff
import NN
import TensorCore

/// Which positions of a sequence output `[B, T, D]` become points.
public enum RepresentationPosition: String, Codable, Sendable, CaseIterable {
    /// The last position, `h[b, T−1, :]`: one point per example (the default; in a causal model
    /// the only position that has seen the whole input).
    case last
    /// The mean over positions, `(1/T) Σ_t h[b, t, :]`: one point per example.
    case mean
    /// Every position as its own point: `B·T` points.
    case all
}

/// The hidden representations of `inputs` at a named module: the point cloud whose intrinsic
/// dimension THEORY.md §2 measures.
///
/// Runs the model forward once (no dropout, no gradients) with ``NN/Bindings/capture`` set and
/// returns the output of the module named `layer` (``NN/LayerCapture/output(ofModule:)``):
/// `layers.0`, `layers.0.act`, … for an MLP; `embedding`, `blocks.1`, `blocks.1.attn`,
/// `blocks.1.mlp`, `ln_f`, `head`, … for a GPT.
///
/// - Parameters:
///   - inputs: a batch the model accepts (`[B, inputs]` for an MLP, token ids `[B, T]` for a GPT).
///   - layer: the module name.
///   - position: for a rank-3 output `[B, T, D]`, which positions become points (ignored for a
///     rank-2 output `[B, D]`).
/// - Returns: the points, `[N, D]`: `N = B`, or `B·T` for ``RepresentationPosition/all``.
/// - Throws: ``IntrinsicDimensionError/unknownLayer(name:available:)`` listing the module names
///   the forward pass recorded when none is called `layer`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func representations<S: TensorScalar>(
    model: Model, parameters: ParameterStore<S>, inputs: Tensor<S>, layer: String, position: RepresentationPosition = .last
) throws(IntrinsicDimensionError) -> Tensor<S> {
    let capture = LayerCapture<S>()
    var bindings = Bindings(constants: parameters)
    bindings.capture = capture
    var noDropout: RandomGenerator? = nil
    _ = model(inputs, bindings, dropout: &noDropout)
    guard let output = capture.output(ofModule: layer)?.value else {
        var seen = Set<String>()
        let names = capture.modules.map(\.name).filter { seen.insert($0).inserted }
        throw .unknownLayer(name: layer, available: names)
    }
    switch output.rank {
    case 2:
        return output
    case 3:
        let (b, t, d) = (output.shape[0], output.shape[1], output.shape[2])
        switch position {
        case .last:
            return output.slice((t - 1)..<t, alongAxis: 1).reshaped(to: [b, d])
        case .mean:
            return output.sum(alongAxes: [1], keepingDimensions: false) / S(t)
        case .all:
            return output.reshaped(to: [b * t, d])
        }
    default:
        preconditionFailure("representations: module \(layer) has output \(output.shape), expected [B, D] or [B, T, D]")
    }
}
