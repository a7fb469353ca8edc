import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct HessianOperatorTests {
    /// Two-layer MLPs (tanh, GELU; classes and squared error): the dense Hessian equals central
    /// differences of the gradient (step 1e-5, truncation ~1e-10), and is symmetric.
    @Test(arguments: [(Activation.tanh, true), (.gelu, true), (.tanh, false)])
    func mlpHessianMatchesFiniteDifferences(activation: Activation, classes: Bool) throws {
        let objective = try CurvatureFixtures.mlp(activation: activation, classes: classes)
        let h = HessianOperator(objective)
        let dense = h.dense()
        let fd = CurvatureFixtures.finiteDifferenceHessian(objective)
        #expect(approximateMismatch(dense, fd, tolerance: Tolerance(absolute: 1e-8, relative: 1e-6)) == nil)
        #expect(CurvatureFixtures.asymmetry(dense) <= 1e-12)
        CurvatureFixtures.expectProducts(of: h, equal: dense, tolerance: Tolerance(absolute: 1e-13, relative: 1e-12), "Hessian")
        // The network is not linear in θ: the Hessian has a second-order term the GGN lacks.
        #expect(CurvatureFixtures.relativeFrobeniusError(GGNOperator(objective).dense(), dense) > 1e-3)
    }

    /// A one-block GPT (embeddings, LayerNorm, attention, GELU MLP, head) with per-position and
    /// per-sequence labels: the dense Hessian equals central differences of the gradient.
    @Test(arguments: [true, false])
    func gptHessianMatchesFiniteDifferences(labelsPerPosition: Bool) throws {
        let objective = try CurvatureFixtures.tinyGPT(labelsPerPosition: labelsPerPosition)
        let dense = HessianOperator(objective).dense()
        let fd = CurvatureFixtures.finiteDifferenceHessian(objective)
        #expect(approximateMismatch(dense, fd, tolerance: Tolerance(absolute: 1e-8, relative: 1e-6)) == nil)
        #expect(CurvatureFixtures.asymmetry(dense) <= 1e-12)
    }

    /// Products count one per vector.
    @Test func countsProducts() throws {
        let h = HessianOperator(try CurvatureFixtures.mlp())
        _ = h.apply(testTensor([h.dimension], seed: 1))
        _ = h.apply(toColumns: testTensor([h.dimension, 4], seed: 2))
        #expect(h.products.count == 5)
        h.products.reset()
        #expect(h.products.count == 0)
    }

    /// Float smoke test: the Float Hessian product at the same θ, batch and vector is close to
    /// the Double one (relative to its norm).
    @Test func floatProductIsCloseToDouble() throws {
        let objective = try CurvatureFixtures.mlp(activation: .gelu)
        let parameters = ParameterStore<Float>(objective.parameters.named.map { ($0.name, $0.tensor.converted(to: Float.self)) })
        let batch = objective.batch
        let targets: Targets<Float>
        switch batch.targets {
        case let .classes(labels, perExample): targets = .classes(labels, perExample: perExample)
        case let .values(t): targets = .values(t.converted(to: Float.self))
        }
        let single = Objective(
            model: objective.model, parameters: parameters, batch: Batch(inputs: batch.inputs.converted(to: Float.self), targets: targets))
        let v: Tensor<Double> = testTensor([objective.dimension], seed: 3)
        let exact = HessianOperator(objective).apply(v)
        let float = HessianOperator(single).apply(v.converted(to: Float.self)).converted(to: Double.self)
        let scale = exact.scalars.map(abs).max()!
        #expect(approximateMismatch(float, exact, tolerance: Tolerance(absolute: 1e-5 * scale)) == nil)
    }
}
