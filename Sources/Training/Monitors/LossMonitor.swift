import Autodiff
import Geometry
import TensorCore

/// Loss and accuracy of the fixed probe batch (no dropout): `probe_loss`, `probe_accuracy`.
///
/// Unlike the training step's own loss, which is measured on a different batch every step, the
/// probe loss follows one set of examples, so its changes are the model's alone.
public final class LossMonitor<Scalar: TensorScalar>: TrainingMonitor {
    public let kind = MonitorKind.loss
    public let cadence: MonitorCadence

    public init(cadence: MonitorCadence = MonitorKind.loss.defaultCadence) { self.cadence = cadence }

    public func observe(_ context: MonitorContext<Scalar>) -> [(key: String, value: MetricValue)] {
        let objective = Objective(model: context.model, parameters: context.parameters, batch: context.probe, names: context.trainable)
        let e = objective.evaluate(on: Tape<Scalar>())
        var out: [(key: String, value: MetricValue)] = [("probe_loss", .double(Double(e.loss.value.scalar)))]
        if let c = e.correct, case let .classes(labels, _) = context.probe.targets {
            out.append(("probe_accuracy", .double(Double(c) / Double(max(1, labels.count)))))
        }
        return out
    }
}
