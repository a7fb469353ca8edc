import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct MonteCarloFisherOperatorTests {
    /// Each draw is a fixed symmetric PSD matrix of rank ≤ n·samples, and the same seed gives the
    /// same matrix.
    @Test(arguments: [true, false])
    func isAFixedPositiveSemidefiniteMatrix(classes: Bool) throws {
        let objective = try CurvatureFixtures.mlp(classes: classes)
        let op = MonteCarloFisherOperator(objective, samples: 1, seed: 5)
        let dense = op.dense()
        #expect(CurvatureFixtures.asymmetry(dense) <= 1e-13)
        let (smallest, largest) = CurvatureFixtures.extremeEigenvalues(dense)
        #expect(smallest >= -1e-10 * largest, "smallest eigenvalue \(smallest)")
        CurvatureFixtures.expectProducts(of: op, equal: dense, tolerance: Tolerance(absolute: 1e-14, relative: 1e-12), "MC Fisher")
        #expect(MonteCarloFisherOperator(objective, samples: 1, seed: 5).dense() == dense)
        #expect(MonteCarloFisherOperator(objective, samples: 1, seed: 6).dense() != dense)
    }

    /// `F̂ = (1/n) Σ_r J_rᵀ (1/S) Σ_s ρ_rs ρ_rsᵀ J_r` for the residuals it sampled, with `J` from
    /// finite differences; the cross-entropy residuals are `π_r − e_ŷ` for some class `ŷ`.
    @Test func equalsSandwichOfItsSampledResiduals() throws {
        let objective = try CurvatureFixtures.mlp(activation: .gelu)
        let op = MonteCarloFisherOperator(objective, samples: 3, seed: 9)
        let (s, n, k) = (3, 6, 3)
        #expect(op.residuals.shape == [s, n, k])
        let rho = op.residuals.scalars
        let f = CurvatureFixtures.outputs(objective, at: objective.theta)
        var middle = [[Double]](repeating: [Double](repeating: 0, count: n * k), count: n * k)
        for r in 0..<n {
            let pi = CurvatureFixtures.softmax(f[(r * k)..<((r + 1) * k)])
            for si in 0..<s {
                let row = Array(rho[((si * n + r) * k)..<((si * n + r + 1) * k)])
                let offsets = zip(row, pi).map { $1 - $0 }  // e_ŷ: one entry 1, the rest 0
                #expect(offsets.filter { abs($0 - 1) <= 1e-15 }.count == 1 && offsets.filter { abs($0) <= 1e-15 }.count == k - 1)
                for a in 0..<k { for b in 0..<k { middle[r * k + a][r * k + b] += row[a] * row[b] / Double(n * s) } }
            }
        }
        let expected = CurvatureFixtures.sandwich(CurvatureFixtures.finiteDifferenceJacobian(objective), middle)
        #expect(approximateMismatch(op.dense(), expected, tolerance: Tolerance(absolute: 1e-9, relative: 1e-7)) == nil)
    }

    /// The mean of `K` single-sample operators (seeds `1...K`) approaches the GGN: the relative
    /// Frobenius error falls like `c/√K`. On this fixture (6 rows, 3 outputs) `c ≈ 0.6` for
    /// cross-entropy and `c ≈ 1.3` for squared error (Gaussian noise has heavier fourth moments);
    /// the test asks `error(K) ≤ 2/√K` for K = 4, 16, 64, 256, a fourfold fall from K = 4 to 256,
    /// and `error ≤ 2/√4096 ≈ 0.031` for one operator with 4096 samples per row. A wrong noise
    /// variance or scale (e.g. by 5%) fails the last check.
    @Test(arguments: [true, false])
    func averageOverSeedsApproachesGGN(classes: Bool) throws {
        let objective = try CurvatureFixtures.mlp(classes: classes)
        let ggn = GGNOperator(objective).dense()
        var sum = Tensor<Double>(shape: ggn.shape, repeating: 0)
        var errors: [Int: Double] = [:]
        for k in 1...256 {
            sum += MonteCarloFisherOperator(objective, samples: 1, seed: UInt64(k)).dense()
            if [4, 16, 64, 256].contains(k) { errors[k] = CurvatureFixtures.relativeFrobeniusError(sum / Double(k), ggn) }
        }
        for (k, e) in errors { #expect(e <= 2 / Double(k).squareRoot(), "K = \(k): relative error \(e)") }
        #expect(errors[256]! <= errors[4]! / 4, "errors \(errors.sorted { $0.key < $1.key })")
        // Many samples in one operator estimate the same expectation.
        let many = MonteCarloFisherOperator(objective, samples: 4096, seed: 1).dense()
        let e = CurvatureFixtures.relativeFrobeniusError(many, ggn)
        #expect(e <= 2 / 64, "4096 samples: relative error \(e)")
    }
}
