import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct EmpiricalFisherOperatorTests {
    /// `F_emp = (1/m) Σ_i g_i g_iᵀ`, each `g_i` the gradient of an objective on example `i`
    /// alone: MLPs with class labels and real targets.
    @Test(arguments: [true, false])
    func mlpMatchesPerExampleGradients(classes: Bool) throws {
        let objective = try CurvatureFixtures.mlp(activation: .gelu, classes: classes)
        let expected = CurvatureFixtures.denseEmpiricalFisher(objective)
        CurvatureFixtures.expectProducts(
            of: EmpiricalFisherOperator(objective), equal: expected, tolerance: Tolerance(absolute: 1e-14, relative: 1e-10), "EF")
    }

    /// With one label per position a sample is a sequence and `g_i` the gradient of its mean
    /// token loss (`L = (1/B) Σ_i ℓ_i`), pinning the normalization; also one label per sequence.
    @Test(arguments: [true, false])
    func gptMatchesPerSequenceGradients(labelsPerPosition: Bool) throws {
        let objective = try CurvatureFixtures.tinyGPT(labelsPerPosition: labelsPerPosition)
        // The per-example losses average to L.
        let mean = (0..<objective.batch.count).map { CurvatureFixtures.single(objective, example: $0).loss() }.reduce(0, +)
            / Double(objective.batch.count)
        #expect(abs(mean - objective.loss()) <= 1e-13)
        let expected = CurvatureFixtures.denseEmpiricalFisher(objective)
        let op = EmpiricalFisherOperator(objective)
        CurvatureFixtures.expectProducts(of: op, equal: expected, tolerance: Tolerance(absolute: 1e-14, relative: 1e-10), "EF")
        // Rank ≤ m = 2.
        let values = op.dense().symmetricEigendecomposition(computeVectors: false).values.scalars
        #expect(values.dropLast(2).allSatisfy { abs($0) <= 1e-12 * values.last! })
    }
}
