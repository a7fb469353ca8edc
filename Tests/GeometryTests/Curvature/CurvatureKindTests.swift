import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct CurvatureKindTests {
    @Test func namesRoundTripAndAliases() {
        for kind in CurvatureKind.allCases { #expect(CurvatureKind(rawValue: kind.rawValue) == kind) }
        #expect(CurvatureKind.allCases.map(\.rawValue) == ["hessian", "ggn", "monte-carlo-fisher", "empirical-fisher"])
        #expect(CurvatureKind(rawValue: "fisher") == .ggn)
        #expect(CurvatureKind(rawValue: "mc-fisher") == .mcFisher)
        #expect(CurvatureKind(rawValue: "Empirical-Fisher") == .empiricalFisher)
        #expect(CurvatureKind(rawValue: "kfac") == nil)
        #expect(CurvatureKind.empiricalFisher.description.contains("not the Fisher"))
    }

    /// The factory builds the operator of each kind (same products as the concrete type), and its
    /// counter counts products.
    @Test(arguments: CurvatureKind.allCases)
    func factoryBuildsEachKind(kind: CurvatureKind) throws {
        let objective = try CurvatureFixtures.mlp()
        let op = kind.makeOperator(for: objective, samples: 2, seed: 4)
        let concrete: any CurvatureOperator<Double> = switch kind {
        case .hessian: HessianOperator(objective)
        case .ggn: FisherOperator(objective)
        case .mcFisher: MonteCarloFisherOperator(objective, samples: 2, seed: 4)
        case .empiricalFisher: EmpiricalFisherOperator(objective)
        }
        let v: Tensor<Double> = testTensor([objective.dimension], seed: 8)
        #expect(op.apply(v) == concrete.apply(v))
        #expect(op.products.count == 1)
        _ = op.apply(toColumns: testTensor([objective.dimension, 2], seed: 9))
        #expect(op.products.count == 3)
        // The four are different matrices on this objective.
        for other in CurvatureKind.allCases where other != kind {
            #expect(other.makeOperator(for: objective, samples: 2, seed: 4).apply(v) != op.apply(v))
        }
    }
}
