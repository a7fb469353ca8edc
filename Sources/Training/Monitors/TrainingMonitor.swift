import Foundation
import Data
import NN
import TensorCore

/// A measurement the training loop takes at a cadence, logged into the JSON Lines metrics.
///
/// The loop calls ``observe(_:)`` after every step where ``cadence`` fires; the monitor returns
/// its readings as metric fields (keys prefixed with its name, e.g. `fisher_erank`). The
/// ``MonitorSet`` times each call and logs the cost next to the readings, so a monitor's
/// overhead is always on record.
public protocol TrainingMonitor<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar
    /// The kind, which also prefixes the monitor's metric keys.
    var kind: MonitorKind { get }
    /// When the monitor runs.
    var cadence: MonitorCadence { get }
    /// Takes the measurement at the context's step.
    func observe(_ context: MonitorContext<Scalar>) -> [(key: String, value: MetricValue)]
}

/// When a monitor runs: every N steps, at an explicit list of steps, or on a logarithmic
/// schedule (`perDecade` steps per factor of ten, dense early when things change fast).
public enum MonitorCadence: Equatable, Sendable, CustomStringConvertible {
    case every(Int)
    case steps(Set<Int>)
    case logarithmic(perDecade: Int)

    /// Whether the monitor runs after `step` (steps count from 1).
    public func fires(at step: Int) -> Bool {
        switch self {
        case let .every(n): return step % n == 0
        case let .steps(s): return s.contains(step)
        case let .logarithmic(k):
            // Fires at the steps round(10^(j/k)), j = 0, 1, 2, …
            guard step >= 1 else { return false }
            let j = (Double(k) * log10(Double(step))).rounded()
            return Int((pow(10, j / Double(k))).rounded()) == step
        }
    }

    public var description: String {
        switch self {
        case let .every(n): "every \(n) steps"
        case let .steps(s): "at steps \(s.sorted().map(String.init).joined(separator: ","))"
        case let .logarithmic(k): "\(k) per decade"
        }
    }
}

/// What a monitor sees: the step, the model and its current parameters, and a probe batch
/// fixed for the whole run (the same examples every time, so readings are comparable).
public struct MonitorContext<Scalar: TensorScalar> {
    public let step: Int
    public let model: Model
    /// The parameters as evaluation sees them (schedule-free AdamW's averaged point).
    public let parameters: ParameterStore<Scalar>
    /// The parameters being trained: θ for curvature and trajectory monitors.
    public let trainable: [String]
    /// The fixed probe batch, drawn from the training split (per-sample gradients, Fisher).
    public let probe: Batch<Scalar>
    /// A larger fixed probe batch for representations (intrinsic dimension needs more points);
    /// its first examples are ``probe``'s.
    public let representationProbe: Batch<Scalar>
    /// The training step's own loss, accuracy, gradient norm and learning rate.
    public let stepLoss: Double
    /// Shared, lazily computed quantities of this step (per-sample gradients of the probe),
    /// so monitors that run at the same step do not compute them twice.
    public let shared: MonitorStepCache<Scalar>
}
