import Autodiff
import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct PerSampleGradientsTests {
    static let tolerance = Tolerance(absolute: 1e-12, relative: 1e-10)

    /// Every example's gradient equals the gradient of the objective on that example alone (a
    /// separate backward pass, `ℓ_i` = the loss of the one-example batch), parameter by parameter
    /// and as row `i` of `matrix()`; their mean equals the batch gradient.
    func checkAgainstSingleExamples(_ objective: Objective<Double>, sourceLocation: SourceLocation = #_sourceLocation) {
        let perSample = objective.perSampleGradients()
        let b = objective.batch.count
        #expect(perSample.batchSize == b && perSample.names == objective.names, sourceLocation: sourceLocation)
        let matrix = perSample.matrix()
        #expect(matrix.shape == [b, objective.dimension], sourceLocation: sourceLocation)
        for i in 0..<b {
            let single = objective.with(batch: PerSampleFixtures.example(i, of: objective.batch))
            let (_, expected) = single.lossAndGradient()
            for (name, block) in zip(objective.names, objective.split(expected)) {
                let actual = perSample[name].slice(i..<(i + 1), alongAxis: 0).reshaped(to: block.shape)
                if let m = approximateMismatch(actual, block, tolerance: Self.tolerance) {
                    Issue.record("example \(i), \(name): \(m)", sourceLocation: sourceLocation)
                }
            }
            if let m = approximateMismatch(matrix.slice(i..<(i + 1), alongAxis: 0).reshaped(to: [objective.dimension]), expected, tolerance: Self.tolerance) {
                Issue.record("matrix row \(i): \(m)", sourceLocation: sourceLocation)
            }
        }
        let (loss, gradient) = objective.lossAndGradient()
        #expect(isApproximatelyEqual(perSample.loss, loss, tolerance: Self.tolerance), sourceLocation: sourceLocation)
        #expect(approximateMismatch(perSample.gradient, gradient, tolerance: Self.tolerance) == nil, sourceLocation: sourceLocation)
        if let m = approximateMismatch(perSample.mean(), gradient, tolerance: Self.tolerance) {
            Issue.record("mean of per-example gradients vs batch gradient: \(m)", sourceLocation: sourceLocation)
        }
    }

    @Test func mlpWithBias() throws {
        checkAgainstSingleExamples(try PerSampleFixtures.mlp(bias: true))
    }

    @Test func mlpWithoutBias() throws {
        checkAgainstSingleExamples(try PerSampleFixtures.mlp(bias: false, activation: .relu))
    }

    /// θ a subset of the parameters, in store order whatever the order asked.
    @Test func mlpSubsetOfParameters() throws {
        checkAgainstSingleExamples(try PerSampleFixtures.mlp(names: ["layers.2.bias", "layers.0.weight", "layers.1.bias"]))
    }

    @Test func regression() throws {
        checkAgainstSingleExamples(try PerSampleFixtures.regression())
    }

    static let gptCases: [PerSampleFixtures.GPTCase] = [
        .init(norm: .layernorm, tie: false, perToken: true),
        .init(norm: .layernorm, tie: true, perToken: false),
        .init(norm: .rmsnorm, tie: false, perToken: false),
        .init(norm: .rmsnorm, tie: true, perToken: true),
        .init(norm: .layernorm, tie: true, perToken: true, length: 3),  // T < context: pos rows 3.. get no gradient
        .init(norm: .rmsnorm, tie: false, perToken: true, feedForward: .swiglu),
    ]

    /// Every parameter of a 2-layer GPT (embeddings, norms, fused Q/K/V row blocks, a tied or
    /// untied head), one label per sequence or per position.
    @Test(arguments: gptCases) func gpt(_ c: PerSampleFixtures.GPTCase) throws {
        let objective = try PerSampleFixtures.gpt(c)
        if c.tie { #expect(!objective.names.contains("head.weight")) }
        checkAgainstSingleExamples(objective)
        if c.length < 4 {
            let pos = objective.perSampleGradients()["pos.weight"]  // [B, 4, 8]
            #expect(pos.slice(c.length..<4, alongAxis: 1).abs().max().scalar == 0)
        }
    }

    /// The matrix's columns follow θ: the block of a parameter sits at its range.
    @Test func matrixColumnsFollowTheta() throws {
        let objective = try PerSampleFixtures.mlp()
        let perSample = objective.perSampleGradients()
        let matrix = perSample.matrix()
        for (name, range) in zip(objective.names, objective.ranges) {
            #expect(matrix.slice(range, alongAxis: 1) == perSample[name].reshaped(to: [objective.batch.count, range.count]))
        }
    }
}
