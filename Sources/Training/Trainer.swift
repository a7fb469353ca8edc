import Autodiff
import Data
import Foundation
import Geometry
import NN
import Optim
import TensorCore

/// One training run: a model, its parameters, an optimizer, a schedule and seeded batches.
///
/// A step draws a batch, computes the loss and the gradients of the trainable parameters by
/// reverse mode, optionally clips them, and applies the optimizer with the schedule's rate for
/// that step. Everything that decides the next step — parameters, optimizer state, the batch
/// sampler's and dropout generator's states, the step — is saved in checkpoints, so a resumed
/// run continues exactly.
public final class Trainer<Scalar: TensorScalar> {
    public let config: RunConfig
    public let model: Model
    public let splits: Splits<Scalar>
    public private(set) var parameters: ParameterStore<Scalar>
    public private(set) var optimizer: any Optimizer<Scalar>
    public private(set) var sampler: BatchSampler
    public private(set) var dropoutGenerator: RandomGenerator
    /// Completed optimizer updates.
    public private(set) var step = 0
    /// The parameters being trained (all but the frozen ones), in store order.
    public let trainable: [String]

    /// The outcome of one step.
    public struct StepResult {
        public var loss: Double
        /// Training-batch accuracy (classification only).
        public var accuracy: Double?
        /// Global gradient norm before clipping.
        public var gradientNorm: Double
        public var learningRate: Double
    }

    /// Validation loss and accuracy.
    public struct Evaluation {
        public var loss: Double
        public var accuracy: Double?
    }

    /// A fresh run: data, initialization and batch order all from `config.seed`.
    public init(config: RunConfig, splits: Splits<Scalar>) throws(TrainingError) {
        try config.validate()
        self.config = config
        do { model = try Model(config.model) } catch { throw .invalidConfig(field: "model", reason: error.description, file: nil) }
        try Self.checkCompatibility(model: model, data: splits.train)
        self.splits = splits
        var store: ParameterStore<Scalar> = model.initialParameters(seed: config.seed &+ 1)
        store.freeze(prefixes: config.freeze)
        parameters = store
        trainable = store.trainableNames
        optimizer = config.optimizer.makeOptimizer(
            parameterNames: trainable, shapes: trainable.map { store[$0].shape }, scalar: Scalar.self)
        do {
            sampler = try BatchSampler(
                exampleCount: splits.train.count, batchSize: min(config.batchSize, splits.train.count), seed: config.seed &+ 2)
        } catch { throw .invalidConfig(field: "batchSize", reason: "\(error)", file: nil) }
        dropoutGenerator = RandomGenerator(seed: config.seed &+ 3)
    }

    /// Throws when `data` cannot feed `model` (input width, context, token ids, classes, targets).
    public static func checkCompatibility(model: Model, data: Dataset<Scalar>) throws(TrainingError) {
        let c = model.config
        switch (c.kind, data.kind) {
        case (_, .classification(let classes)) where classes > model.outputCount:
            throw .invalidConfig(field: c.kind == .gpt ? "model.vocab" : "model.outputs",
                                 reason: "the data has \(classes) classes but the model has \(model.outputCount) outputs", file: nil)
        case (.gpt, .regression):
            throw .invalidConfig(field: "model.kind", reason: "a GPT needs token classification data, the data is regression", file: nil)
        default:
            break
        }
        try checkInputs(data.inputs, fit: model)
        if case let .values(t) = data.targets, c.kind == .mlp, t.scalarCount / max(1, data.count) != c.outputs {
            throw .invalidConfig(field: "model.outputs", reason: "the targets have \(t.scalarCount / max(1, data.count)) values per example, the model has \(c.outputs) outputs", file: nil)
        }
    }

    /// Throws when `inputs` cannot feed `model`: an MLP needs `[examples, inputs]`, a GPT token
    /// ids `[examples, T ≤ context]` that are integers in `0..<vocab`.
    public static func checkInputs(_ inputs: Tensor<Scalar>, fit model: Model) throws(TrainingError) {
        let c = model.config
        switch c.kind {
        case .mlp:
            if inputs.rank != 2 || inputs.shape[1] != c.inputs {
                throw .invalidConfig(field: "model.inputs", reason: "the inputs have shape \(Array(inputs.shape.dropFirst())) per example, the model takes [\(c.inputs)]", file: nil)
            }
        case .gpt:
            if inputs.rank != 2 || inputs.shape[1] > c.context {
                throw .invalidConfig(field: "model.context", reason: "the inputs have shape \(inputs.shape), the model takes token ids [examples, T ≤ \(c.context)]", file: nil)
            }
            if let bad = inputs.scalars.first(where: { !($0 >= 0 && $0 < Scalar(c.vocab) && $0.rounded() == $0) }) {
                throw .invalidConfig(field: "model.vocab", reason: "the inputs hold \(bad), not a token id in 0..<\(c.vocab)", file: nil)
            }
        }
    }

    /// Loss and the number of correct predictions of a batch, for evaluation (no dropout).
    func lossAndCorrect(_ batch: Batch<Scalar>, _ bindings: Bindings<Scalar>) -> (Variable<Scalar>, Int?) {
        var none: RandomGenerator? = nil
        let outputs = model(batch.inputs, bindings, dropout: &none)
        return batchLoss(model: model, outputs: outputs, targets: batch.targets, labelSmoothing: config.labelSmoothing)
    }

    /// Runs one optimizer step. Throws when the loss or the gradient is not finite (nothing is updated).
    @discardableResult
    public func trainStep() throws(TrainingError) -> StepResult {
        let batch = sampler.nextBatch(from: splits.train)
        var generator: RandomGenerator? = config.model.dropout > 0 ? dropoutGenerator : nil
        let (loss, correct, grads) = lossAndGradients(
            model: model, parameters: parameters, batch: batch, trainable: trainable, labelSmoothing: config.labelSmoothing,
            dropout: &generator)
        if let g = generator { dropoutGenerator = g }
        var gradients = grads
        let lossValue = Double(loss)
        let norm: Double
        if let c = config.clipNorm {
            norm = Double(clipGradients(&gradients, maxNorm: Scalar(c)))
        } else {
            norm = Double(globalNorm(gradients))
        }
        guard lossValue.isFinite, norm.isFinite else {
            throw .nonFiniteLoss(step: step + 1, value: lossValue.isFinite ? norm : lossValue, lastCheckpoint: nil)
        }
        let lr = config.schedule.learningRate(atStep: step)
        // The tape is gone, so the optimizer updates the parameters' storage in place.
        parameters.modifyValues(named: trainable) { values in
            optimizer.update(&values, gradients: gradients, learningRate: lr)
        }
        step += 1
        let labelCount: Int? = if case let .classes(l, _) = batch.targets { l.count } else { nil }
        return StepResult(
            loss: lossValue, accuracy: correct.map { Double($0) / Double(labelCount!) }, gradientNorm: norm, learningRate: lr)
    }

    /// The parameters to evaluate at: for schedule-free AdamW its averaged sequence x, otherwise the current ones.
    public var evaluationParameters: ParameterStore<Scalar> {
        guard let sf = optimizer as? ScheduleFreeAdamW<Scalar> else { return parameters }
        var store = parameters
        let x = sf.evaluationParameters(trainable.map { parameters[$0] })
        for (name, v) in zip(trainable, x) { store[name] = v }
        return store
    }

    /// Mean loss and accuracy over the validation split.
    public func evaluate(batchSize: Int = 1024) -> Evaluation {
        let bindings = Bindings(constants: evaluationParameters)
        var lossSum = 0.0, correct = 0, labels = 0, examples = 0
        for batch in splits.validation.sequentialBatches(size: batchSize) {
            let (loss, c) = lossAndCorrect(batch, bindings)
            lossSum += Double(loss.value.scalar) * Double(batch.count)
            examples += batch.count
            if let c, case let .classes(l, _) = batch.targets {
                correct += c
                labels += l.count
            }
        }
        return Evaluation(loss: lossSum / Double(max(1, examples)), accuracy: labels > 0 ? Double(correct) / Double(labels) : nil)
    }

    // MARK: Checkpoint state

    /// Replaces the run's state with a checkpoint's (same config).
    func restore(step: Int, parameters values: [String: Tensor<Scalar>], optimizerState: [String: Tensor<Scalar>],
                 sampler samplerState: BatchSampler.State, dropout: RandomGenerator.State) throws(TrainingError) {
        // Check everything before changing anything, so a failed restore leaves the run as it was.
        var newParameters = parameters
        for name in parameters.names {
            guard let v = values[name] else { throw .checkpointMismatch(path: "", reason: "missing parameter \(name)") }
            guard v.shape == parameters[name].shape else {
                throw .checkpointMismatch(path: "", reason: "\(name) has shape \(v.shape), the model needs \(parameters[name].shape)")
            }
            newParameters[name] = v
        }
        var newOptimizer = optimizer
        do { try newOptimizer.restoreState(from: optimizerState) } catch {
            throw .checkpointMismatch(path: "", reason: "\(error)")
        }
        let newSampler: BatchSampler
        do { newSampler = try BatchSampler(state: samplerState) } catch {
            throw .checkpointMismatch(path: "", reason: "batch sampler state: \(error)")
        }
        parameters = newParameters
        optimizer = newOptimizer
        sampler = newSampler
        dropoutGenerator = RandomGenerator(state: dropout)
        self.step = step
    }
}
