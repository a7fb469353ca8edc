import Data
import Foundation
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

/// Closed forms for models linear in θ (one Linear layer), where the Hessian equals the GGN.
/// The expected matrices are built by explicit loops from the data, with θ laid out as
/// `W [k, D]` row-major (`W_{oj}` at `o·D + j`) followed by the bias `b [k]`, read from
/// ``Objective/range(of:)``; `ã_i = [x_i, 1]` carries the bias as input `D`.
@Suite struct LinearModelCurvatureTests {
    /// The coordinate of `W_{oj}` (`j < D`) or `b_o` (`j == D`) inside θ.
    static func index(_ objective: Objective<Double>, output o: Int, input j: Int, inputs: Int) -> Int {
        j < inputs
            ? objective.range(of: "layers.0.weight").lowerBound + o * inputs + j
            : objective.range(of: "layers.0.bias").lowerBound + o
    }

    /// The augmented inputs `ã_i = [x_i, 1]`.
    static func augmentedInputs(_ x: Tensor<Double>) -> [[Double]] {
        let (n, dim) = (x.shape[0], x.shape[1])
        return (0..<n).map { i in (0..<dim).map { x.scalars[i * dim + $0] } + [1] }
    }

    /// Least squares `L = (1/N) Σ_{i,o} (W x_i + b − y_i)_o²`, `N = n k`:
    /// `H = G = (2/N) (Σ_i ã_i ã_iᵀ) ⊗ I_k`, i.e. `H[(o,j),(o',j')] = (2/N) δ_{oo'} Σ_i ã_ij ã_ij'`.
    @Test func linearRegressionHessianAndGGNEqualTheClosedForm() throws {
        let objective = try CurvatureFixtures.linearRegression()
        let x = objective.batch.inputs
        let (n, inputs, k) = (x.shape[0], x.shape[1], 2)
        let a = Self.augmentedInputs(x)
        let d = objective.dimension
        #expect(d == k * inputs + k)
        var expected = [Double](repeating: 0, count: d * d)
        let scale = 2 / Double(n * k)
        for o in 0..<k {
            for j in 0...inputs {
                for jp in 0...inputs {
                    var gram = 0.0
                    for i in 0..<n { gram += a[i][j] * a[i][jp] }
                    let row = Self.index(objective, output: o, input: j, inputs: inputs)
                    let col = Self.index(objective, output: o, input: jp, inputs: inputs)
                    expected[row * d + col] = scale * gram
                }
            }
        }
        let matrix = Tensor(shape: [d, d], scalars: expected)
        let tolerance = Tolerance(absolute: 1e-10)
        CurvatureFixtures.expectProducts(of: HessianOperator(objective), equal: matrix, tolerance: tolerance, "Hessian")
        CurvatureFixtures.expectProducts(of: GGNOperator(objective), equal: matrix, tolerance: tolerance, "GGN")
    }

    /// Softmax regression, `π_i = softmax(W x_i + b)`:
    /// `H = G = (1/n) Σ_i (ã_i ã_iᵀ) ⊗ (diag(π_i) − π_i π_iᵀ)`,
    /// `G[(o,j),(o',j')] = (1/n) Σ_i ã_ij ã_ij' (δ_{oo'} π_io − π_io π_io')`.
    @Test func softmaxRegressionHessianAndGGNEqualTheClosedForm() throws {
        let objective = try CurvatureFixtures.softmaxRegression()
        let x = objective.batch.inputs
        let (n, inputs, k) = (x.shape[0], x.shape[1], 4)
        let a = Self.augmentedInputs(x)
        let w = objective.parameters["layers.0.weight"].scalars, b = objective.parameters["layers.0.bias"].scalars
        // π_i by hand from W and b.
        let pi: [[Double]] = a.map { ai in
            let z = (0..<k).map { o in (0..<inputs).reduce(b[o]) { $0 + w[o * inputs + $1] * ai[$1] } }
            return CurvatureFixtures.softmax(z[...])
        }
        let d = objective.dimension
        var expected = [Double](repeating: 0, count: d * d)
        for o in 0..<k {
            for op in 0..<k {
                for j in 0...inputs {
                    for jp in 0...inputs {
                        var acc = 0.0
                        for i in 0..<n { acc += a[i][j] * a[i][jp] * ((o == op ? pi[i][o] : 0) - pi[i][o] * pi[i][op]) }
                        let row = Self.index(objective, output: o, input: j, inputs: inputs)
                        let col = Self.index(objective, output: op, input: jp, inputs: inputs)
                        expected[row * d + col] = acc / Double(n)
                    }
                }
            }
        }
        let matrix = Tensor(shape: [d, d], scalars: expected)
        let tolerance = Tolerance(absolute: 1e-10)
        CurvatureFixtures.expectProducts(of: HessianOperator(objective), equal: matrix, tolerance: tolerance, "Hessian")
        CurvatureFixtures.expectProducts(of: GGNOperator(objective), equal: matrix, tolerance: tolerance, "GGN")
    }
}
