import ArgumentParser
import CarveIO
import Data
import Foundation
import Geometry
import NN
import TensorCore
import Training

struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "Loss and gradient of a model on one batch, written as safetensors with the parameters' names.",
        discussion: """
            Checks Carve against another framework: load the same weights and batch in PyTorch and compare. \
            The batch file holds inputs and labels (.npz with members x and y, a .safetensors with tensors x and y, \
            or a .csv whose last column is the label).
            """)

    @Option(help: "Model config JSON file.") var model: String
    @Option(help: "Weights (safetensors, plain dotted names as written by --save-weights).") var weights: String
    @Option(help: "The batch.") var data: String
    @Option(help: "Where to write the gradients (safetensors).") var out: String
    @Option(help: "float or double.") var precision: RunConfig.Precision = .double
    @Flag(help: "Write the loss and gradient norms as JSON to standard output.") var json = false

    func run() throws {
        do {
            switch precision {
            case .float: try compute(Float.self)
            case .double: try compute(Double.self)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            FileHandle.standardError.write(Foundation.Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    func compute<S: TensorScalar>(_: S.Type) throws {
        let config = try ModelConfig.load(from: URL(fileURLWithPath: model))
        let loaded = try WeightsFile<S>(path: weights, modelConfig: config)
        let (m, store) = (loaded.model, loaded.parameters)
        let dataset = try Dataset<S>(loading: DataFile(path: data))
        let batch = dataset.batch(Array(0..<dataset.count))
        let (loss, grads) = lossAndGradients(model: m, parameters: store, batch: batch)
        try Safetensors.write(grads, metadata: ["loss": "\(loss)", "model_config": config.encoded()], to: out)
        if json {
            let norms = grads.map { "\"\($0.name)\": \(Double(dot($0.tensor, $0.tensor)).squareRoot())" }.joined(separator: ", ")
            print("{\"loss\": \(loss), \"gradient_norms\": {\(norms)}}")
        } else {
            print("loss \(loss); gradients of \(grads.count) parameters written to \(out)")
        }
    }
}
