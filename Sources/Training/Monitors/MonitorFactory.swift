import NN
import TensorCore

/// The monitor of a kind, configured from a run's monitor settings.
func makeMonitor<Scalar: TensorScalar>(
    _ kind: MonitorKind, cadence: MonitorCadence, settings: MonitorSettings, model: Model, seed: UInt64
) throws(TrainingError) -> any TrainingMonitor<Scalar> {
    switch kind {
    case .loss: return LossMonitor(cadence: cadence)
    case .grad: return GradientNormMonitor(cadence: cadence)
    case .fisher, .friction, .id, .trajectory:
        throw .invalidConfig(field: "monitors", reason: "\(kind.rawValue) is not available yet", file: nil)
    }
}
