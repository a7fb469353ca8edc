import ArgumentParser
import Data
import Foundation
import NN
import Optim
import TensorCore
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a built-in task or data files.",
        discussion: """
            With no options, trains the tiny GPT (2 layers, d_model 128, 4 heads) on modular addition \
            mod 97 until 99% validation accuracy or 4000 steps. A run config file (--config, schema in \
            docs/training.md) sets everything; the options below override single fields.
            """)

    @Option(help: "Run config JSON file.") var config: String?
    @Option(help: "Model config JSON file (replaces the run config's model).") var model: String?
    @Option(help: "Built-in task: \(BuiltinTask.names.joined(separator: ", ")).") var task: String?
    @Option(name: .customLong("train-data"), help: "Training data file (.npz, .npy, .safetensors, .csv).") var trainData: String?
    @Option(name: .customLong("validation-data"), help: "Validation data file.") var validationData: String?
    @Option(help: "Optimizer kind: \(OptimizerConfiguration.kinds.joined(separator: ", ")).") var optimizer: String?
    @Option(name: .customLong("learning-rate"), help: "Constant learning rate (replaces the schedule).") var learningRate: Double?
    @Option(help: "Step budget.") var steps: Int?
    @Option(name: .customLong("batch-size")) var batchSize: Int?
    @Option(name: .customLong("eval-every"), help: "Evaluate every N steps.") var evalEvery: Int?
    @Option(name: .customLong("target-accuracy"), help: "Stop at this validation accuracy.") var targetAccuracy: Double?
    @Option(name: .customLong("clip-norm")) var clipNorm: Double?
    @Option var seed: UInt64?
    @Option(help: "float or double.") var precision: RunConfig.Precision?
    @Option(help: "Checkpoint file (safetensors), written atomically every --checkpoint-every steps and at the end.") var checkpoint: String?
    @Option(name: .customLong("checkpoint-every")) var checkpointEvery: Int?
    @Option(help: "Resume from this checkpoint (its run config is used; --steps may extend the budget).") var resume: String?
    @Option(help: "Metrics file (JSON Lines, one object per step; keys in docs/training.md).") var metrics: String?
    @Option(name: .customLong("save-weights"), help: "Write the final weights (plain dotted names) to this safetensors file.") var saveWeights: String?
    @Option(help: ArgumentHelp(
        "Live monitors, comma-separated: \(MonitorKind.allCases.map(\.rawValue).joined(separator: ", ")) or all; name@N runs one every N steps.",
        valueName: "list")) var monitor: String?
    @Option(name: .customLong("probe-size"), help: "Examples in the monitors' fixed probe batch.") var probeSize: Int?
    @Option(name: .customLong("monitor-layer"), help: "Layer whose representations the id monitor reads.") var monitorLayer: String?
    @Flag(help: "Plain progress lines even on a terminal.") var plain = false
    @Flag(help: "Print only the result.") var quiet = false

    func resolvedConfig() throws -> RunConfig {
        var c: RunConfig
        if let resume {
            c = try Checkpoint.runConfig(at: resume).config
        } else if let config {
            c = try RunConfig.load(from: URL(fileURLWithPath: config))
        } else {
            c = .modularAdditionGPT
        }
        if let model { c.model = try ModelConfig.load(from: URL(fileURLWithPath: model)) }
        if let task {
            do { c.data = .task(try BuiltinTask(name: task)) } catch { throw ValidationError("--task: \(error)") }
        }
        if trainData != nil || validationData != nil {
            guard let trainData, let validationData else {
                throw ValidationError("--train-data and --validation-data must be given together")
            }
            c.data = .files(train: trainData, validation: validationData)
        }
        if let optimizer {
            do {
                c.optimizer = try JSONDecoder().decode(OptimizerConfiguration.self, from: Foundation.Data("{\"kind\": \"\(optimizer)\"}".utf8))
            } catch { throw ValidationError("--optimizer: \(error)") }
        }
        if let learningRate {
            guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
            c.schedule = .constant(learningRate: learningRate)
        }
        if let steps { c.steps = steps }
        if let batchSize { c.batchSize = batchSize }
        if let evalEvery { c.evalEvery = evalEvery }
        if let targetAccuracy { c.targetAccuracy = targetAccuracy }
        if let clipNorm { c.clipNorm = clipNorm }
        if let seed { c.seed = seed }
        if let precision { c.precision = precision }
        if let checkpointEvery { c.checkpointEvery = checkpointEvery }
        if let monitor { c.monitors.enabled = monitor.split(separator: ",").map(String.init) }
        if let probeSize { c.monitors.probeSize = probeSize }
        if let monitorLayer { c.monitors.layer = monitorLayer }
        try c.validate()
        return c
    }

    func run() throws {
        do {
            let c = try resolvedConfig()
            switch c.precision {
            case .float: try train(c, as: Float.self)
            case .double: try train(c, as: Double.self)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            // One line, also for flag errors found here (no usage text).
            FileHandle.standardError.write(Foundation.Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    func train<S: TensorScalar>(_ c: RunConfig, as _: S.Type) throws {
        let progress = ProgressReporter(total: c.steps, quiet: quiet, forcePlain: plain)
        let splits: Splits<S> = try loadSplits(c)
        let trainer = try Trainer<S>(config: c, splits: splits)
        if let resume {
            try Checkpoint.restore(trainer, from: resume)
            progress.line("resumed from \(resume) at step \(trainer.step)")
        } else if !quiet {
            progress.line("model: \(c.model.kind.rawValue), \(trainer.parameters.scalarCount) parameters; data: \(describe(c.data)) (\(splits.train.count) train / \(splits.validation.count) validation); \(c.optimizer.kind), batch \(c.batchSize), up to \(c.steps) steps")
        }
        let checkpointPath = checkpoint ?? resume
        let summary = try runTraining(
            trainer, outputs: RunOutputs(checkpoint: checkpointPath, metrics: metrics, weights: saveWeights), progress: progress,
            resumed: resume != nil)
        var result = "result: \(summary.steps) steps in \(String(format: "%.1f", summary.seconds)) s"
        if let t = summary.stepsToTarget, let target = c.targetAccuracy {
            result += ", reached \(String(format: "%.1f", target * 100))% validation accuracy at step \(t) (steps-to-target \(t))"
        } else if let target = c.targetAccuracy {
            result += ", target \(String(format: "%.1f", target * 100))% not reached"
        }
        result += String(format: "; validation loss %.4f", summary.validationLoss)
        if let a = summary.validationAccuracy { result += String(format: ", validation accuracy %.4f", a) }
        if summary.monitorSeconds > 0 {
            result += String(format: "; monitors %.1f s (%.1f%%)", summary.monitorSeconds, 100 * summary.monitorSeconds / summary.seconds)
        }
        print(result)
    }

    func describe(_ d: RunConfig.DataSource) -> String {
        switch d {
        case let .task(t): t.name
        case let .files(train, validation): "\(train), \(validation)"
        }
    }
}

extension RunConfig.Precision: ExpressibleByArgument {}
