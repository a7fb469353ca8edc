import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

/// The "In Swift" snippet of docs/geometry.md, compiled and run on a small MLP.
@Suite struct DocsExampleTests {
    @Test func geometryGuideSnippetRuns() throws {
        let model = try Model(.mlp(inputs: 3, hidden: [4], outputs: 3, activation: .tanh))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 1)
        let batch = Batch<Double>(inputs: testTensor([6, 3], seed: 2), targets: .classes([0, 1, 2, 0, 1, 2], perExample: 1))

        let objective = Objective(model: model, parameters: parameters, batch: batch)      // L(θ) over all trainable θ
        let fisher = GGNOperator(objective)                                               // F v = Jᵀ Λ J v, exact
        let top = lanczosEigenpairs(of: fisher, count: 5, which: .largest)                 // Ritz values and vectors
        let trace = hutchPlusPlusTrace(of: HessianOperator(objective), productBudget: 90)  // tr H ± standard error
        let g = objective.perSampleGradients().matrix()                                   // [n, d], one pass
        let emp = gramSpectrum(perSampleGradients: g)                                     // nonzero spectrum of F_emp
        let kfac = KFACOperator(objective.kfacFactors(approximation: .expand, kind: .exact), objective: objective)
        let field = FrictionField(blocks: curvatureBlocks(of: objective, kind: .ggn).map { ($0.layer, $0.operator) })

        let dense = fisher.dense().symmetricEigendecomposition(computeVectors: false).values.scalars.reversed().map { $0 }
        for (a, b) in zip(top.eigenvalues.reversed(), dense) { #expect(abs(a - b) <= 1e-8 * dense[0]) }
        #expect(trace.productCount <= 90)
        #expect(emp.eigenvalues.count == 6 && kfac.dimension == objective.dimension)
        #expect(field.blocks.map(\.name) == ["layers.0", "layers.1"])
    }
}
