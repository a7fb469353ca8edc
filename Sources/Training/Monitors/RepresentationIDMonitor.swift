import Geometry
import NN
import TensorCore

/// The intrinsic dimension of the model's representations (seed 000, THEORY.md §2): the hidden
/// activations of a fixed probe batch at one layer, read by TwoNN (Facco et al. 2017) and PCA,
/// with the collapse detector watching the TwoNN series.
///
/// The layer defaults to the last block's output (GPT, at the last position) or the last
/// hidden activation (MLP). Keys: `id_twonn` with `id_twonn_se` (its standard error),
/// `id_pca90` (components reaching 90% of the variance), `id_points`, and `id_collapse` (the
/// ID has fallen by the configured fraction from its running maximum and its recent slope is
/// flat) with `id_drop` (the fall from the running maximum, as a fraction).
public final class RepresentationIDMonitor<Scalar: TensorScalar>: TrainingMonitor {
    public let kind = MonitorKind.id
    public let cadence: MonitorCadence
    /// The module whose output is read.
    public let layer: String
    var collapse: CollapseDetector

    public init(cadence: MonitorCadence = MonitorKind.id.defaultCadence, layer: String, collapse: CollapseDetector = CollapseDetector()) {
        self.cadence = cadence
        self.layer = layer
        self.collapse = collapse
    }

    /// The default layer of a model: `blocks.{L−1}` for a GPT, `layers.{n−2}.act` for an MLP
    /// with hidden layers (`layers.0` — the outputs — without).
    public static func defaultLayer(of model: Model) -> String {
        switch model.config.kind {
        case .gpt: return "blocks.\(model.config.layers - 1)"
        case .mlp: return model.config.hidden.isEmpty ? "layers.0" : "layers.\(model.config.hidden.count - 1).act"
        }
    }

    public func observe(_ context: MonitorContext<Scalar>) -> [(key: String, value: MetricValue)] {
        let points: Tensor<Scalar>
        do {
            points = try representations(
                model: context.model, parameters: context.parameters, inputs: context.representationProbe.inputs, layer: layer)
        } catch {
            return [("id_error", .string("\(error)"))]
        }
        var out: [(key: String, value: MetricValue)] = [("id_points", .int(points.shape[0]))]
        do {
            let estimate = try twoNN(points: points)
            let decision = collapse.observe(step: context.step, value: estimate.dimension)
            out += [("id_twonn", .double(estimate.dimension)), ("id_twonn_se", .double(estimate.standardError)),
                    ("id_collapse", .bool(decision.fired)), ("id_drop", .double(decision.drop))]
        } catch {
            out.append(("id_error", .string("\(error)")))
        }
        out.append(("id_pca90", .int(pcaDimension(points: points).components(reaching: 0.9))))
        return out
    }
}
