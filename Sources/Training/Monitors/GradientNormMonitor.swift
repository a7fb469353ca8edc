import Geometry
import TensorCore

/// The gradient of the probe batch: its global norm ‖g‖ (`grad_probe_norm`) and each layer's
/// share of ‖g‖² (`grad_layer_norms`, in the order of `grad_layers`).
///
/// ```
/// ‖g‖ = (Σ_l ‖g_l‖²)^{1/2},   g = ∇_θ L(θ; probe)
/// ```
public final class GradientNormMonitor<Scalar: TensorScalar>: TrainingMonitor {
    public let kind = MonitorKind.grad
    public let cadence: MonitorCadence

    public init(cadence: MonitorCadence = MonitorKind.grad.defaultCadence) { self.cadence = cadence }

    public func observe(_ context: MonitorContext<Scalar>) -> [(key: String, value: MetricValue)] {
        let objective = Objective(model: context.model, parameters: context.parameters, batch: context.probe, names: context.trainable)
        let (_, g) = objective.lossAndGradient()
        let blocks = objective.split(g)
        var layers: [String] = []
        var squares: [Double] = []
        for (name, block) in zip(objective.names, blocks) {
            let layer = layerName(of: name)
            let s = Double((block * block).sum().scalar)
            if layers.last == layer { squares[squares.count - 1] += s } else { layers.append(layer); squares.append(s) }
        }
        return [
            ("grad_probe_norm", .double(squares.reduce(0, +).squareRoot())),
            ("grad_layers", .strings(layers)),
            ("grad_layer_norms", .doubles(squares.map { $0.squareRoot() })),
        ]
    }
}

/// The layer a parameter belongs to: its name without the last component (`blocks.0.attn.qkv`
/// for `blocks.0.attn.qkv.weight`).
func layerName(of parameter: String) -> String {
    guard let dot = parameter.lastIndex(of: ".") else { return parameter }
    return String(parameter[..<dot])
}
