import CarveIO
import Foundation
import NN
import TensorCore

/// A model and its weights read from a file: a weights file written by `--save-weights` (plain
/// dotted names, the model config in the metadata `model_config`) or a checkpoint (tensors
/// `model.<name>`, the run config in the metadata `run_config`).
public struct WeightsFile<Scalar: TensorScalar> {
    public var model: Model
    public var parameters: ParameterStore<Scalar>
    /// The run config, when the file is a checkpoint.
    public var runConfig: RunConfig?

    /// Reads `path`. A `modelConfig` given here wins over the one stored in the file; a file
    /// with neither is an error, as is any missing, extra or misshapen parameter.
    public init(path: String, modelConfig: ModelConfig? = nil) throws(TrainingError) {
        let contents: NamedTensors<Scalar>
        do { contents = try Safetensors.read(path, as: Scalar.self) } catch { throw .cannotRead(path: path, reason: error.description) }
        let isCheckpoint = contents.metadata["format"] == Checkpoint.format
        var run: RunConfig? = nil
        if isCheckpoint { run = try Checkpoint.runConfig(at: path).config }
        var config = modelConfig ?? run?.model
        if config == nil, let json = contents.metadata["model_config"] {
            do { config = try ModelConfig.decode(Foundation.Data(json.utf8), path: path + " (model_config)") } catch {
                throw .invalidConfig(field: "model_config", reason: error.description, file: path)
            }
        }
        guard let config else {
            throw .checkpointMismatch(path: path, reason: "the file names no model config (metadata \"model_config\"); give one with --model")
        }
        let model: Model
        do { model = try Model(config) } catch { throw .invalidConfig(field: "model", reason: error.description, file: path) }
        var store: ParameterStore<Scalar> = model.initialParameters(seed: 0)
        let prefix = isCheckpoint ? "model." : ""
        var found: [String: Tensor<Scalar>] = [:]
        for (name, t) in contents.tensors where name.hasPrefix(prefix) { found[String(name.dropFirst(prefix.count))] = t }
        for name in store.names {
            guard let t = found[name] else { throw .checkpointMismatch(path: path, reason: "missing parameter \(name)") }
            guard t.shape == store[name].shape else {
                throw .checkpointMismatch(path: path, reason: "\(name) has shape \(t.shape), the model needs \(store[name].shape)")
            }
            store[name] = t
        }
        for name in found.keys.sorted() where !store.contains(name) {
            throw .checkpointMismatch(path: path, reason: "unexpected tensor \(prefix)\(name) (not a parameter of this model)")
        }
        self.model = model
        self.parameters = store
        self.runConfig = run
    }
}
