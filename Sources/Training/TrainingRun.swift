import Data
import Foundation
import NN
import TensorCore

/// Where a run's outputs go.
public struct RunOutputs {
    /// Checkpoint file, rewritten every `checkpointEvery` steps and at the end.
    public var checkpoint: String?
    /// JSON Lines metrics file.
    public var metrics: String?
    /// Final weights under their plain names.
    public var weights: String?

    public init(checkpoint: String? = nil, metrics: String? = nil, weights: String? = nil) {
        self.checkpoint = checkpoint
        self.metrics = metrics
        self.weights = weights
    }
}

/// How a run ended.
public struct RunSummary {
    public enum Reason: String { case targetReached = "target_reached", budgetExhausted = "budget_exhausted" }
    public var reason: Reason
    public var steps: Int
    /// The first evaluation step at which validation accuracy reached the target.
    public var stepsToTarget: Int?
    public var validationLoss: Double
    public var validationAccuracy: Double?
    public var trainLoss: Double
    public var seconds: Double
    /// Seconds spent in live monitors (included in ``seconds``).
    public var monitorSeconds: Double = 0
}

/// The data a run config names: a built-in task generated from the seed, or user files.
public func loadSplits<S: TensorScalar>(_ config: RunConfig, as _: S.Type = S.self) throws(TrainingError) -> Splits<S> {
    switch config.data {
    case let .task(task):
        do { return try task.makeSplits(seed: config.seed) } catch { throw .invalidConfig(field: "task", reason: error.description, file: nil) }
    case let .files(train, validation):
        do {
            let t = try Dataset<S>(loading: DataFile(path: train))
            let v = try Dataset<S>(loading: DataFile(path: validation), kind: t.kind)
            return Splits(train: t, validation: v)
        } catch {
            throw .cannotRead(path: error.path, reason: error.description)
        }
    }
}

/// Runs a trainer to its step budget or its accuracy target, evaluating, logging and
/// checkpointing along the way.
///
/// A non-finite loss stops the run with ``TrainingError/nonFiniteLoss(step:value:lastCheckpoint:)``;
/// the checkpoint file then still holds the last good state (checkpoints are only written after
/// finite steps, atomically).
public func runTraining<S: TensorScalar>(
    _ trainer: Trainer<S>, outputs: RunOutputs, progress: ProgressReporter, resumed: Bool = false
) throws(TrainingError) -> RunSummary {
    let config = trainer.config
    let metrics = try MetricsLog(url: outputs.metrics.map { URL(fileURLWithPath: $0) }, truncate: !resumed)
    let start = Date()
    var lastCheckpoint: String? = resumed ? outputs.checkpoint : nil
    var stepsToTarget: Int? = nil
    var last = Trainer<S>.StepResult(loss: .nan, accuracy: nil, gradientNorm: 0, learningRate: 0)
    // A fresh run reports its starting point; a resumed one evaluates only when it next has to.
    var latest: Trainer<S>.Evaluation? = resumed ? nil : trainer.evaluate()
    var window = (steps: 0, start: Date())
    var rate = 0.0
    let monitors: MonitorSet<S>? = config.monitors.enabled.isEmpty
        ? nil : try MonitorSet(settings: config.monitors, model: trainer.model, train: trainer.splits.train, seed: config.seed)

    func checkpoint() throws(TrainingError) {
        guard let path = outputs.checkpoint else { return }
        try Checkpoint.save(trainer, to: path)
        lastCheckpoint = path
        var r = MetricsRecord(event: "checkpoint", step: trainer.step)
        r.set("path", .string(path))
        metrics.write(r)
    }

    if let start = latest {
        progress.line("step 0: val loss \(String(format: "%.4f", start.loss))" + (start.accuracy.map { String(format: ", val acc %.3f", $0) } ?? ""))
    }
    while trainer.step < config.steps {
        do {
            last = try trainer.trainStep()
        } catch let TrainingError.nonFiniteLoss(step, value, _) {
            var r = MetricsRecord(event: "stop", step: step)
            r.set("reason", .string("non_finite_loss"))
            r.set("loss", .double(value))
            metrics.write(r)
            progress.finish()
            throw .nonFiniteLoss(step: step, value: value, lastCheckpoint: lastCheckpoint)
        }
        window.steps += 1
        let dt = Date().timeIntervalSince(window.start)
        if dt >= 1 {
            rate = Double(window.steps) / dt
            window = (0, Date())
        }
        progress.update(step: trainer.step, loss: last.loss, accuracy: last.accuracy, stepsPerSecond: rate)
        let s = trainer.step
        let evaluating = s % config.evalEvery == 0 || s == config.steps
        var record = MetricsRecord(event: evaluating ? "eval" : "train", step: s)
        record.set("loss", .double(last.loss))
        if let a = last.accuracy { record.set("accuracy", .double(a)) }
        record.set("learning_rate", .double(last.learningRate))
        record.set("grad_norm", .double(last.gradientNorm))
        record.set("elapsed_seconds", .double(Date().timeIntervalSince(start)))
        if evaluating {
            let evaluation = trainer.evaluate()
            latest = evaluation
            record.set("val_loss", .double(evaluation.loss))
            if let a = evaluation.accuracy { record.set("val_accuracy", .double(a)) }
            if rate > 0 { record.set("steps_per_second", .double(rate)) }
            let line = String(format: "step %d: loss %.4f", s, last.loss) + (last.accuracy.map { String(format: ", acc %.3f", $0) } ?? "")
                + String(format: ", val loss %.4f", evaluation.loss) + (evaluation.accuracy.map { String(format: ", val acc %.3f", $0) } ?? "")
                + (rate > 0 ? String(format: ", %.1f steps/s", rate) : "")
            if !progress.isTerminal || s % (config.evalEvery * 10) == 0 || s == config.steps { progress.line(line) }
        }
        metrics.write(record)
        if let monitors, let observed = monitors.observe(
            step: s, model: trainer.model, parameters: trainer.evaluationParameters, trainable: trainer.trainable, stepLoss: last.loss) {
            metrics.write(observed)
        }
        if evaluating, let target = config.targetAccuracy, let a = latest?.accuracy, a >= target {
            stepsToTarget = s
            break
        }
        if s % config.checkpointEvery == 0 { try checkpoint() }
    }
    if trainer.step % config.checkpointEvery != 0 || stepsToTarget != nil { try checkpoint() }
    if let w = outputs.weights { try Checkpoint.saveWeights(trainer.evaluationParameters, config: config.model, to: w) }
    progress.finish()
    let evaluation = latest ?? trainer.evaluate()
    let seconds = Date().timeIntervalSince(start)
    var stop = MetricsRecord(event: "stop", step: trainer.step)
    stop.set("reason", .string(stepsToTarget != nil ? "target_reached" : "budget_exhausted"))
    if let t = stepsToTarget { stop.set("steps_to_target", .int(t)) }
    stop.set("val_loss", .double(evaluation.loss))
    if let a = evaluation.accuracy { stop.set("val_accuracy", .double(a)) }
    stop.set("elapsed_seconds", .double(seconds))
    if let monitors {
        stop.set("monitor_seconds", .double(monitors.totalSeconds))
        stop.set("monitor_share", .double(monitors.totalSeconds / Swift.max(seconds, 1e-9)))
    }
    metrics.write(stop)
    return RunSummary(
        reason: stepsToTarget != nil ? .targetReached : .budgetExhausted, steps: trainer.step, stepsToTarget: stepsToTarget,
        validationLoss: evaluation.loss, validationAccuracy: evaluation.accuracy, trainLoss: last.loss,
        seconds: seconds, monitorSeconds: monitors?.totalSeconds ?? 0)
}
