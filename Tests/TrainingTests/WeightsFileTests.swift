import CarveIO
import Foundation
import NN
import TensorCore
import Testing
import Training

@Suite struct WeightsFileTests {
    @Test func readsSavedWeightsAndCheckpointsAlike() throws {
        let config = SmallRun.modularAdditionMLP(steps: 3)
        let trainer = try makeTrainer(config)
        _ = try runTraining(trainer, outputs: RunOutputs(), progress: silentProgress(config))
        try withTemporaryDirectory { dir in
            try Checkpoint.saveWeights(trainer.parameters, config: config.model, to: dir + "/w.safetensors")
            try Checkpoint.save(trainer, to: dir + "/c.safetensors")
            let plain = try WeightsFile<Float>(path: dir + "/w.safetensors")
            let checkpoint = try WeightsFile<Float>(path: dir + "/c.safetensors")
            #expect(plain.runConfig == nil && checkpoint.runConfig == config)
            for loaded in [plain, checkpoint] {
                #expect(loaded.model.config == config.model)
                #expect(loaded.parameters.names == trainer.parameters.names)
                for name in trainer.parameters.names { #expect(loaded.parameters[name] == trainer.parameters[name]) }
            }
        }
    }

    @Test func mismatchedFilesThrowNamingTheFileAndTheParameter() throws {
        let config = SmallRun.modularAdditionMLP(steps: 1)
        let trainer = try makeTrainer(config)
        let model = config.model
        try withTemporaryDirectory { dir in
            var named = trainer.parameters.named
            let path = dir + "/w.safetensors"
            func expectError(_ fragments: [String], at file: String? = nil, useStoredConfig: Bool = false) {
                #expect {
                    _ = try WeightsFile<Float>(path: file ?? path, modelConfig: useStoredConfig ? nil : model)
                } throws: { error in fragments.allSatisfy { "\(error)".contains($0) } }
            }
            try Safetensors.write(Array(named.dropLast()), metadata: [:], to: path)
            expectError([path, "missing parameter layers.1.bias"])
            expectError([path, "no model config"], useStoredConfig: true)
            named[0].tensor = named[0].tensor.reshaped(to: [-1])
            try Safetensors.write(named, metadata: [:], to: path)
            expectError([path, "layers.0.weight has shape"])
            named = trainer.parameters.named + [("extra", Tensor<Float>(shape: [1], scalars: [0]))]
            try Safetensors.write(named, metadata: [:], to: path)
            expectError([path, "unexpected tensor extra"])
            expectError([dir + "/none.safetensors"], at: dir + "/none.safetensors")
        }
    }
}
