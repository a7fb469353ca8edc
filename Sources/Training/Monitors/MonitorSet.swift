import Data
import Foundation
import NN
import TensorCore

/// The monitors of a run: runs each at its cadence after a training step, times it, and returns
/// one `monitor` metrics record with every reading and its cost.
///
/// Each monitor's readings carry its name as key prefix; its wall time is logged as
/// `<name>_seconds`, and the record's `monitor_seconds` is the total of that step. ``totalSeconds``
/// accumulates over the run, so the stop record can report the overall monitoring share.
public final class MonitorSet<Scalar: TensorScalar> {
    public let monitors: [any TrainingMonitor<Scalar>]
    /// The fixed probe batch.
    public let probe: Batch<Scalar>
    /// The fixed probe batch of the representation monitors.
    public let representationProbe: Batch<Scalar>
    /// Seconds spent in monitors so far, by monitor kind.
    public private(set) var seconds: [MonitorKind: Double] = [:]

    public init(monitors: [any TrainingMonitor<Scalar>], probe: Batch<Scalar>, representationProbe: Batch<Scalar>? = nil) {
        self.monitors = monitors
        self.probe = probe
        self.representationProbe = representationProbe ?? probe
    }

    /// Builds the monitors a run's settings enable, with a probe batch of `settings.probeSize`
    /// training examples drawn without replacement from a generator seeded by the run's seed
    /// (independent of the batch order, so monitoring never changes the training numbers).
    public convenience init(settings: MonitorSettings, model: Model, train: Dataset<Scalar>, seed: UInt64) throws(TrainingError) {
        let specs = try settings.specs()
        var g = RandomGenerator(seed: seed ^ 0x6D6F_6E69_746F_7273)  // "monitors"
        let order = g.permutation(count: train.count)
        let probe = train.batch(Array(order.prefix(Swift.min(settings.probeSize, train.count))))
        let representationProbe = train.batch(Array(order.prefix(Swift.min(Swift.max(settings.representationProbeSize, settings.probeSize), train.count))))
        var monitors: [any TrainingMonitor<Scalar>] = []
        for (kind, cadence) in specs {
            monitors.append(try makeMonitor(kind, cadence: cadence, settings: settings, model: model, seed: seed))
        }
        self.init(monitors: monitors, probe: probe, representationProbe: representationProbe)
    }

    /// The total seconds spent in monitors.
    public var totalSeconds: Double { seconds.values.reduce(0, +) }

    /// Runs the monitors due after `step`; `nil` when none is. `parameters` is evaluated only
    /// when a monitor is due (schedule-free AdamW's evaluation point costs a pass over θ).
    public func observe(
        step: Int, model: Model, parameters: @autoclosure () -> ParameterStore<Scalar>, trainable: [String], stepLoss: Double
    ) -> MetricsRecord? {
        let due = monitors.filter { $0.cadence.fires(at: step) }
        if due.isEmpty { return nil }
        let context = MonitorContext(
            step: step, model: model, parameters: parameters(), trainable: trainable, probe: probe,
            representationProbe: representationProbe, stepLoss: stepLoss,
            shared: MonitorStepCache())
        var record = MetricsRecord(event: "monitor", step: step)
        var total = 0.0
        for monitor in due {
            let start = Date()
            let readings = monitor.observe(context)
            let dt = Date().timeIntervalSince(start)
            for (k, v) in readings { record.set(k, v) }
            record.set("\(monitor.kind.rawValue)_seconds", .double(dt))
            seconds[monitor.kind, default: 0] += dt
            total += dt
        }
        record.set("monitor_seconds", .double(total))
        return record
    }
}
