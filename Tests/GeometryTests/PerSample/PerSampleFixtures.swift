import Data
import Geometry
import NN
import TensorCore
import TestSupport

/// Small models and batches shared by the per-sample gradient and K-FAC tests (Double).
enum PerSampleFixtures {
    /// A GPT configuration of the tests: vocab 7, context 4, d 8, 2 heads, 2 layers.
    struct GPTCase: CustomStringConvertible, Sendable {
        var norm: NormKind
        var tie: Bool
        var perToken: Bool
        var feedForward: FeedForwardKind = .standard
        var length = 4
        var description: String { "\(norm) tie=\(tie) perToken=\(perToken) \(feedForward) T=\(length)" }

        var config: ModelConfig {
            .gpt(vocab: 7, context: 4, dModel: 8, layers: 2, heads: 2, mlpRatio: 2, norm: norm, mlp: feedForward, tie: tie)
        }
    }

    /// An MLP classification objective on `count` examples.
    static func mlp(hidden: [Int] = [5, 4], inputs: Int = 3, classes: Int = 3, bias: Bool = true, activation: Activation = .tanh,
                    count: Int = 6, seed: UInt64 = 1, names: [String]? = nil) throws -> Objective<Double> {
        let model = try Model(.mlp(inputs: inputs, hidden: hidden, outputs: classes, activation: activation, bias: bias))
        var parameters: ParameterStore<Double> = model.initialParameters(seed: seed)
        // Larger weights than the default init, so the softmax is far from uniform.
        parameters.values = parameters.values.enumerated().map { i, t in t * 2 + testTensor(t.shape, seed: seed &+ UInt64(100 + i), in: -0.3..<0.3) }
        let labels = (0..<count).map { ($0 * 7 + Int(seed)) % classes }
        let batch = Batch<Double>(inputs: testTensor([count, inputs], seed: seed &+ 2, in: -2..<2), targets: .classes(labels, perExample: 1))
        return Objective(model: model, parameters: parameters, batch: batch, names: names)
    }

    /// An MLP regression objective (mean squared error) on `count` examples.
    static func regression(count: Int = 5, outputs: Int = 3, seed: UInt64 = 3) throws -> Objective<Double> {
        let model = try Model(.mlp(inputs: 4, hidden: [6], outputs: outputs, activation: .gelu))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: seed)
        let batch = Batch<Double>(inputs: testTensor([count, 4], seed: seed &+ 1), targets: .values(testTensor([count, outputs], seed: seed &+ 2)))
        return Objective(model: model, parameters: parameters, batch: batch)
    }

    /// A tiny GPT objective on `count` sequences; the initial weights are multiplied by `scale`
    /// and perturbed (so no gradient is structurally simple).
    static func gpt(_ c: GPTCase, count: Int = 3, seed: UInt64 = 5, scale: Double = 10) throws -> Objective<Double> {
        let model = try Model(c.config)
        var parameters: ParameterStore<Double> = model.initialParameters(seed: seed)
        parameters.values = parameters.values.enumerated().map { i, t in t * scale + testTensor(t.shape, seed: seed &+ UInt64(200 + i), in: -0.3..<0.3) }
        let ids = (0..<(count * c.length)).map { Double(($0 * 5 + 3 + Int(seed)) % 7) }
        let inputs = Tensor<Double>(shape: [count, c.length], scalars: ids)
        let perExample = c.perToken ? c.length : 1
        let labels = (0..<(count * perExample)).map { ($0 * 3 + 1) % 7 }
        return Objective(model: model, parameters: parameters, batch: Batch(inputs: inputs, targets: .classes(labels, perExample: perExample)))
    }

    /// Example `i` of the objective's batch alone.
    static func example<S: TensorScalar>(_ i: Int, of batch: Batch<S>) -> Batch<S> {
        let inputs = batch.inputs.slice(i..<(i + 1), alongAxis: 0)
        switch batch.targets {
        case let .classes(labels, perExample):
            return Batch(inputs: inputs, targets: .classes(Array(labels[(i * perExample)..<((i + 1) * perExample)]), perExample: perExample))
        case let .values(t):
            return Batch(inputs: inputs, targets: .values(t.slice(i..<(i + 1), alongAxis: 0)))
        }
    }
}
