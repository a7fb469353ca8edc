import Autodiff
import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct GGNOperatorTests {
    /// The dense GGN equals `Jᵀ Λ J` with `J` from central differences of the outputs and `Λ`
    /// built densely by hand (block diagonal `(diag π − ππᵀ)/n`, or `(2/N) I`); it is symmetric
    /// and positive semi-definite.
    @Test(arguments: [(Activation.tanh, true), (.gelu, true), (.tanh, false)])
    func mlpGGNIsJacobianSandwich(activation: Activation, classes: Bool) throws {
        let objective = try CurvatureFixtures.mlp(activation: activation, classes: classes)
        try Self.expectSandwich(objective)
    }

    /// The same on a one-block GPT, per-position and per-sequence labels.
    @Test(arguments: [true, false])
    func gptGGNIsJacobianSandwich(labelsPerPosition: Bool) throws {
        try Self.expectSandwich(try CurvatureFixtures.tinyGPT(labelsPerPosition: labelsPerPosition))
    }

    static func expectSandwich(_ objective: Objective<Double>, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ggn = GGNOperator(objective)
        let dense = ggn.dense()
        let expected = CurvatureFixtures.sandwich(
            CurvatureFixtures.finiteDifferenceJacobian(objective), CurvatureFixtures.denseLossCurvature(objective))
        #expect(approximateMismatch(dense, expected, tolerance: Tolerance(absolute: 1e-9, relative: 1e-7)) == nil,
                sourceLocation: sourceLocation)
        #expect(CurvatureFixtures.asymmetry(dense) <= 1e-13, sourceLocation: sourceLocation)
        let (smallest, largest) = CurvatureFixtures.extremeEigenvalues(dense)
        #expect(smallest >= -1e-10 * max(1, largest), "smallest eigenvalue \(smallest)", sourceLocation: sourceLocation)
        CurvatureFixtures.expectProducts(of: ggn, equal: dense, tolerance: Tolerance(absolute: 1e-14, relative: 1e-12), "GGN",
                                         sourceLocation: sourceLocation)
    }

    /// `LossCurvature.apply` equals the dense `Λ` built by hand.
    @Test(arguments: [true, false])
    func lossCurvatureMatchesDenseLambda(classes: Bool) throws {
        let objective = try CurvatureFixtures.mlp(classes: classes)
        let outputs = objective.evaluate(on: Tape<Double>()).outputs.value
        let lambda = LossCurvature(outputs: outputs, targets: objective.batch.targets)
        let dense = CurvatureFixtures.denseLossCurvature(objective)
        let u: Tensor<Double> = testTensor(outputs.shape, seed: 7)
        let expected = dense.map { row in zip(row, u.scalars).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(approximateMismatch(lambda.apply(u), Tensor(shape: outputs.shape, scalars: expected), tolerance: Tolerance(absolute: 1e-15)) == nil)
        #expect(lambda.rowCount == 6 && lambda.rowWidth == 3)
    }
}
