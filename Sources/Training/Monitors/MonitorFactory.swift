import NN
import TensorCore

/// The monitor of a kind, configured from a run's monitor settings.
func makeMonitor<Scalar: TensorScalar>(
    _ kind: MonitorKind, cadence: MonitorCadence, settings: MonitorSettings, model: Model, seed: UInt64
) throws(TrainingError) -> any TrainingMonitor<Scalar> {
    switch kind {
    case .loss: return LossMonitor(cadence: cadence)
    case .grad: return GradientNormMonitor(cadence: cadence)
    case .fisher: return FisherMonitor(cadence: cadence, top: settings.fisherTop, seed: seed)
    case .friction: return FrictionMonitor(cadence: cadence, seed: seed)
    case .id: return RepresentationIDMonitor(cadence: cadence, layer: settings.layer ?? RepresentationIDMonitor<Scalar>.defaultLayer(of: model))
    case .trajectory: return TrajectoryIDMonitor(cadence: cadence, windowSize: settings.trajectoryWindow)
    }
}
