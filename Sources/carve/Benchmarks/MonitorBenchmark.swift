import Data
import Foundation
import NN
import TensorCore
import Training

/// `carve bench monitors`: what the live monitors cost on the tiny GPT of `carve train`'s
/// default run (float32), as a share of training time at their default cadences.
///
/// Two measurements: (1) per monitor, the median time of one call against the median time of
/// one training step, giving its overhead at its cadence, `(call / cadence) / step`, and the
/// sum over all monitors; (2) a training run of `steps` steps with every monitor on at its
/// default cadence, where the share is the monitors' measured seconds over the run's seconds.
struct MonitorBenchmark {
    struct MonitorEntry: Codable {
        var name: String
        var cadence_steps: Int
        var ms_per_call: Double
        var overhead_percent: Double
    }
    struct RunEntry: Codable {
        var steps: Int
        var seconds: Double
        var monitor_seconds: Double
        var monitor_percent: Double
    }
    struct Report: Codable {
        var step_ms: Double
        var monitors: [MonitorEntry]
        var total_overhead_percent: Double
        var run: RunEntry
        var target_percent: Double
        var machine: MachineInfo
    }

    var steps = 300
    var repetitions = 5
    var log: (String) -> Void

    func run() throws -> Report {
        var watch = Stopwatch()
        watch.calibrate()
        var config = RunConfig.modularAdditionGPT
        config.steps = 1_000_000
        let splits: Splits<Float> = try loadSplits(config)
        let trainer = try Trainer<Float>(config: config, splits: splits)
        for _ in 0..<20 { try trainer.trainStep() }  // warm-up, and away from the initial point

        let stepTime = watch.measure(repetitions: repetitions) { _ = try? trainer.trainStep() }.median
        log("training step: \(format(stepTime * 1e3)) ms")

        var entries: [MonitorEntry] = []
        for kind in MonitorKind.allCases {
            guard case let .every(cadence) = kind.defaultCadence else { continue }
            var settings = MonitorSettings(enabled: ["\(kind.rawValue)@1"])
            settings.probeSize = MonitorSettings().probeSize
            let set = try MonitorSet<Float>(settings: settings, model: trainer.model, train: splits.train, seed: config.seed)
            var step = trainer.step
            let call = watch.measure(repetitions: repetitions) {
                step += 1
                _ = set.observe(step: step, model: trainer.model, parameters: trainer.evaluationParameters,
                                trainable: trainer.trainable, stepLoss: 0)
            }.median
            let overhead = call / Double(cadence) / stepTime * 100
            entries.append(MonitorEntry(name: kind.rawValue, cadence_steps: cadence, ms_per_call: call * 1e3, overhead_percent: overhead))
            log("\(kind.rawValue): \(format(call * 1e3)) ms per call, every \(cadence) steps → \(format(overhead))% of training time")
        }
        let total = entries.reduce(0) { $0 + $1.overhead_percent }
        log("all monitors at their default cadences: \(format(total))% (target ≤ 10%)")

        // A real run with every monitor on.
        let all = try MonitorSet<Float>(
            settings: MonitorSettings(enabled: ["all"]), model: trainer.model, train: splits.train, seed: config.seed)
        let start = trainer.step
        let seconds = try Stopwatch.timeThrowing {
            for _ in 0..<steps {
                let r = try trainer.trainStep()
                _ = all.observe(step: trainer.step - start, model: trainer.model, parameters: trainer.evaluationParameters,
                                trainable: trainer.trainable, stepLoss: r.loss)
            }
        }
        let run = RunEntry(steps: steps, seconds: seconds, monitor_seconds: all.totalSeconds,
                           monitor_percent: all.totalSeconds / (seconds - all.totalSeconds) * 100)
        log("run of \(steps) steps with all monitors: \(format(seconds)) s, monitors \(format(all.totalSeconds)) s = \(format(run.monitor_percent))% of training time")
        return Report(step_ms: stepTime * 1e3, monitors: entries, total_overhead_percent: total, run: run, target_percent: 10,
                      machine: MachineInfo.current())
    }
}

extension Stopwatch {
    /// Times a throwing `body` once, in seconds.
    static func timeThrowing(_ body: () throws -> Void) throws -> Double {
        let t0 = now()
        try body()
        return now() - t0
    }
}
