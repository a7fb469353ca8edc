import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct RepresentationsTests {
    /// The MLP's hidden layer equals relu(x W₀ᵀ + b₀) computed with tensor ops, and the last
    /// layer equals the model's output.
    @Test func mlpHiddenLayerAndOutput() throws {
        let model = try Model(.mlp(inputs: 5, hidden: [7, 6], outputs: 3, activation: .relu))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 2)
        let x: Tensor<Double> = testTensor([9, 5], seed: 3)
        let pre = matmul(x, parameters["layers.0.weight"], transposeB: true) + parameters["layers.0.bias"]
        let expected = Tensor(shape: pre.shape, scalars: pre.scalars.map { max(0, $0) })
        let hidden = try representations(model: model, parameters: parameters, inputs: x, layer: "layers.0.act")
        #expect(isApproximatelyEqual(hidden, expected, tolerance: .standard(for: Double.self)))
        let preActivation = try representations(model: model, parameters: parameters, inputs: x, layer: "layers.0")
        #expect(isApproximatelyEqual(preActivation, pre, tolerance: .standard(for: Double.self)))
        let output = try representations(model: model, parameters: parameters, inputs: x, layer: "layers.2")
        #expect(output == model(x, parameters: parameters))
    }

    /// A GPT's rank-3 outputs: `all` gives the B·T rows (checked against the model's logits at
    /// `head`), `last` the rows at t = T − 1, `mean` the mean over positions.
    @Test func gptPositions() throws {
        let model = try Model(.gpt(vocab: 11, context: 6, dModel: 8, layers: 2, heads: 2))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 4)
        var g = RandomGenerator(seed: 5)
        let (b, t) = (3, 5)
        let ids = Tensor<Double>(shape: [b, t], scalars: (0..<(b * t)).map { _ in Double(g.nextInt(upperBound: 11)) })
        let logits = try representations(model: model, parameters: parameters, inputs: ids, layer: "head", position: .all)
        #expect(logits == model(ids, parameters: parameters).reshaped(to: [b * t, 11]))
        let all = try representations(model: model, parameters: parameters, inputs: ids, layer: "blocks.1", position: .all)
        let last = try representations(model: model, parameters: parameters, inputs: ids, layer: "blocks.1")
        let mean = try representations(model: model, parameters: parameters, inputs: ids, layer: "blocks.1", position: .mean)
        #expect(all.shape == [b * t, 8] && last.shape == [b, 8] && mean.shape == [b, 8])
        let a = all.scalars
        for i in 0..<b {
            for c in 0..<8 {
                #expect(last.scalars[i * 8 + c] == a[(i * t + t - 1) * 8 + c])
                let m = (0..<t).map { a[(i * t + $0) * 8 + c] }.reduce(0, +) / Double(t)
                #expect(abs(mean.scalars[i * 8 + c] - m) <= 1e-12 * max(1, abs(m)))
            }
        }
    }

    @Test func unknownLayerListsTheAvailableNames() throws {
        let model = try Model(.mlp(inputs: 2, hidden: [3], outputs: 2))
        let parameters: ParameterStore<Float> = model.initialParameters(seed: 1)
        #expect(throws: IntrinsicDimensionError.unknownLayer(name: "blocks.1", available: ["layers.0", "layers.0.act", "layers.1"])) {
            try representations(model: model, parameters: parameters, inputs: testTensor([4, 2], seed: 1), layer: "blocks.1")
        }
    }
}
