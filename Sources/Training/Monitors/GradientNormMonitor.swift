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
        let blocks = Dictionary(uniqueKeysWithValues: zip(objective.names, objective.split(g)))
        let groups = layerGroups(of: objective.names)
        let squares = groups.map { group in group.names.reduce(0.0) { $0 + Double((blocks[$1]! * blocks[$1]!).sum().scalar) } }
        let layers = groups.map(\.layer)
        return [
            ("grad_probe_norm", .double(squares.reduce(0, +).squareRoot())),
            ("grad_layers", .strings(layers)),
            ("grad_layer_norms", .doubles(squares.map { $0.squareRoot() })),
        ]
    }
}
