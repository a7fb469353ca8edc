import Geometry
import TensorCore

/// The intrinsic dimension of the training trajectory (THEORY.md §2): PCA over a sliding window
/// of the last W parameter snapshots θ (their differences from the window mean), one snapshot
/// per reading.
///
/// Keys: `trajectory_components` (components reaching 90% of the window's variance),
/// `trajectory_ratios` (the leading explained-variance ratios), `trajectory_snapshots` (how
/// many the window holds; the estimate starts with the second). A resumed run starts a new window.
public final class TrajectoryIDMonitor<Scalar: TensorScalar>: TrainingMonitor {
    public let kind = MonitorKind.trajectory
    public let cadence: MonitorCadence
    var window: TrajectoryDimension<Scalar>

    public init(cadence: MonitorCadence = MonitorKind.trajectory.defaultCadence, windowSize: Int = 20, threshold: Double = 0.9) {
        self.cadence = cadence
        window = TrajectoryDimension(windowSize: windowSize, threshold: threshold)
    }

    public func observe(_ context: MonitorContext<Scalar>) -> [(key: String, value: MetricValue)] {
        window.append(context.parameters.flattened(names: context.trainable))
        var out: [(key: String, value: MetricValue)] = [("trajectory_snapshots", .int(window.snapshotCount))]
        if let e = window.estimate() {
            out.append(("trajectory_components", .int(e.components)))
            out.append(("trajectory_ratios", .doubles(Array(e.explainedVarianceRatios.prefix(5)))))
        }
        return out
    }
}
