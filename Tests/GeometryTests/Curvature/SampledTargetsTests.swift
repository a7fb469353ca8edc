import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct SampledTargetsTests {
    /// `(c/n) Gᵀ G` of per-sample gradients at targets drawn from the model is an unbiased
    /// estimate of the GGN: the mean over K seeds approaches `GGNOperator.dense()` like `1/√K`.
    /// Checked for one label per example, one label per position (c = T) and squared error.
    @Test(arguments: [0, 1, 2])
    func perSampleGradientsAtSampledTargetsEstimateTheGGN(fixture: Int) throws {
        let objective = try [
            { try CurvatureFixtures.mlp(classes: true) }, { try CurvatureFixtures.tinyGPT(labelsPerPosition: true) },
            { try CurvatureFixtures.mlp(classes: false) },
        ][fixture]()
        let ggn = GGNOperator(objective).dense()
        var sum = Tensor<Double>(shape: ggn.shape, repeating: 0)
        var errors: [Int: Double] = [:]
        let norm = (ggn * ggn).sum().scalar.squareRoot()
        for k in 1...1024 {
            let (sampled, scale) = objective.withSampledTargets(seed: UInt64(k))
            let g = sampled.perSampleGradients().matrix()
            sum += matmul(g, g, transposeA: true) * (scale / Double(g.shape[0]))
            if [16, 1024].contains(k) {
                let diff = sum * (1 / Double(k)) - ggn
                errors[k] = (diff * diff).sum().scalar.squareRoot() / norm
            }
        }
        #expect(errors[1024]! <= 2 / 1024.0.squareRoot(), "relative error \(errors)")
        #expect(errors[1024]! <= errors[16]! / 3, "relative error \(errors)")
    }

    /// The draws are labels (classes) or targets of the model's output shape, fixed by the seed.
    @Test func drawsAreSeededAndShapedLikeTheTargets() throws {
        let gpt = try CurvatureFixtures.tinyGPT(labelsPerPosition: true)
        let (a, scale) = gpt.withSampledTargets(seed: 3)
        #expect(scale == 3)
        guard case let .classes(labels, perExample) = a.batch.targets else { Issue.record("not classes"); return }
        #expect(perExample == 3 && labels.count == 6 && labels.allSatisfy { (0..<5).contains($0) })
        guard case let .classes(again, _) = gpt.withSampledTargets(seed: 3).objective.batch.targets else { return }
        #expect(again == labels)
        let regression = try CurvatureFixtures.mlp(classes: false)
        guard case let .values(t) = regression.withSampledTargets(seed: 1).objective.batch.targets,
              case let .values(original) = regression.batch.targets else { Issue.record("not values"); return }
        #expect(t.shape == original.shape && t != original)
    }
}
