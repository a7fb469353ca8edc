import ArgumentParser
import Data
import Foundation
import NN
import TensorCore
import Training

/// The options of the commands that measure a trained model on data (`carve curvature`,
/// `carve id`): which weights, which model config, which examples.
///
/// The weights file is either a `--save-weights` file (its metadata names the model config) or
/// a checkpoint (it holds the whole run config, so its task comes along). The examples come
/// from `--data` (a file as `carve train --train-data` takes), from `--task` (a built-in task
/// generated from `--seed`), or else from the checkpoint's run config or the built-in default
/// run's task (modular addition mod 97, what `carve train` trains by default).
struct ModelDataOptions: ParsableArguments {
    @Option(help: "Weights: a --save-weights file or a checkpoint (safetensors).") var weights: String
    @Option(help: "Model config JSON file (when the weights file does not name one).") var model: String?
    @Option(help: "Built-in task whose examples to use: \(BuiltinTask.names.joined(separator: ", ")).") var task: String?
    @Option(help: "Data file (.npz, .npy, .safetensors, .csv) whose examples to use.") var data: String?
    @Option(help: "Which split of a task: train or validation.") var split: SplitChoice = .train
    @Option(help: "Use this many examples (the first N of the split or file).") var samples: Int?
    @Option(help: "Seed of the built-in task's data.") var seed: UInt64?

    enum SplitChoice: String, ExpressibleByArgument, CaseIterable { case train, validation }

    func validate() throws {
        if task != nil && data != nil { throw ValidationError("give --task or --data, not both") }
        if let samples, samples < 1 { throw ValidationError("--samples must be positive, got \(samples)") }
    }

    /// The model, its weights and the chosen examples as one batch.
    func load<S: TensorScalar>(as _: S.Type = S.self) throws -> (model: Model, parameters: ParameterStore<S>, batch: Batch<S>, run: RunConfig?) {
        let config = try model.map { try ModelConfig.load(from: URL(fileURLWithPath: $0)) }
        let file = try WeightsFile<S>(path: weights, modelConfig: config)
        var run = file.runConfig ?? RunConfig.modularAdditionGPT
        run.model = file.model.config
        if let seed { run.seed = seed }
        let dataset: Dataset<S>
        if let data {
            do { dataset = try Dataset<S>(loading: DataFile(path: data)) } catch {
                throw TrainingError.cannotRead(path: error.path, reason: error.description)
            }
        } else {
            if let task {
                do { run.data = .task(try BuiltinTask(name: task)) } catch { throw ValidationError("--task: \(error)") }
            }
            let splits: Splits<S> = try loadSplits(run)
            dataset = split == .train ? splits.train : splits.validation
        }
        try Trainer<S>.checkCompatibility(model: file.model, data: dataset)
        let n = Swift.min(samples ?? dataset.count, dataset.count)
        return (file.model, file.parameters, dataset.batch(Array(0..<n)), file.runConfig)
    }
}
