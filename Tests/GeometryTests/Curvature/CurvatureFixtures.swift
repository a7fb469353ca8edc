import Autodiff
import Data
import Foundation
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

/// Small objectives and dense reference matrices built independently of the curvature operators.
enum CurvatureFixtures {
    /// One Linear layer `3 → 2` on 5 examples with real targets (least squares).
    static func linearRegression() throws -> Objective<Double> {
        let model = try Model(.mlp(inputs: 3, hidden: [], outputs: 2))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 11)
        let batch = Batch<Double>(inputs: testTensor([5, 3], seed: 12), targets: .values(testTensor([5, 2], seed: 13)))
        return Objective(model: model, parameters: parameters, batch: batch)
    }

    /// One Linear layer `3 → 4` on 6 examples with class labels (softmax regression).
    static func softmaxRegression() throws -> Objective<Double> {
        let model = try Model(.mlp(inputs: 3, hidden: [], outputs: 4))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 21)
        let batch = Batch<Double>(
            inputs: testTensor([6, 3], seed: 22, in: -2..<2), targets: .classes([0, 3, 1, 1, 2, 0], perExample: 1))
        return Objective(model: model, parameters: parameters, batch: batch)
    }

    /// A two-layer MLP `3 → 4 → 3` with `activation`, on 6 examples, class labels or real targets.
    static func mlp(activation: Activation = .tanh, classes: Bool = true) throws -> Objective<Double> {
        let model = try Model(.mlp(inputs: 3, hidden: [4], outputs: 3, activation: activation))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 31)
        let inputs: Tensor<Double> = testTensor([6, 3], seed: 32, in: -2..<2)
        let targets: Targets<Double> = classes ? .classes([2, 0, 1, 1, 2, 0], perExample: 1) : .values(testTensor([6, 3], seed: 33))
        return Objective(model: model, parameters: parameters, batch: Batch(inputs: inputs, targets: targets))
    }

    /// A one-block GPT (vocab 5, context 3, width 4, 2 heads, LayerNorm, GELU) on 2 sequences,
    /// one label per position (`perExample == 3`) or one per sequence.
    static func tinyGPT(labelsPerPosition: Bool = true) throws -> Objective<Double> {
        let model = try Model(.gpt(vocab: 5, context: 3, dModel: 4, layers: 1, heads: 2, mlpRatio: 2))
        var parameters: ParameterStore<Double> = model.initialParameters(seed: 41)
        // GPT-2 initialization makes the biases zero and the norms identity; move off that point
        // so that every parameter's curvature is generic.
        parameters.assignFlattened(parameters.flattened() + testTensor([parameters.scalarCount], seed: 42, in: -0.3..<0.3))
        let ids = Tensor<Double>(shape: [2, 3], scalars: [1, 4, 0, 3, 3, 2])
        let targets: Targets<Double> = labelsPerPosition ? .classes([4, 0, 2, 3, 2, 1], perExample: 3) : .classes([2, 1], perExample: 1)
        return Objective(model: model, parameters: parameters, batch: Batch(inputs: ids, targets: targets))
    }

    /// The objective on example `i` alone (its input row and its labels or targets).
    static func single(_ objective: Objective<Double>, example i: Int) -> Objective<Double> {
        let batch = objective.batch
        let inputs = batch.inputs.slice(i..<(i + 1), alongAxis: 0)
        let targets: Targets<Double>
        switch batch.targets {
        case let .classes(labels, perExample): targets = .classes(Array(labels[(i * perExample)..<((i + 1) * perExample)]), perExample: perExample)
        case let .values(t): targets = .values(t.slice(i..<(i + 1), alongAxis: 0))
        }
        return objective.with(batch: Batch(inputs: inputs, targets: targets))
    }

    /// The outputs the loss reads, at θ, as a flat array.
    static func outputs(_ objective: Objective<Double>, at theta: Tensor<Double>) -> [Double] {
        objective.at(theta: theta).evaluate(on: Tape<Double>()).outputs.value.scalars
    }

    /// The Jacobian `∂f/∂θ` `[N, d]` by central differences of the outputs (step `h`).
    static func finiteDifferenceJacobian(_ objective: Objective<Double>, step h: Double = 1e-5) -> [[Double]] {
        let theta = objective.theta.scalars
        let d = theta.count
        var columns: [[Double]] = []
        for j in 0..<d {
            var plus = theta, minus = theta
            plus[j] += h
            minus[j] -= h
            let fp = outputs(objective, at: Tensor(plus)), fm = outputs(objective, at: Tensor(minus))
            columns.append(zip(fp, fm).map { ($0 - $1) / (2 * h) })
        }
        let n = columns[0].count
        return (0..<n).map { r in (0..<d).map { columns[$0][r] } }
    }

    /// The Hessian `[d, d]` by central differences of the gradient (step `h`), column by column.
    static func finiteDifferenceHessian(_ objective: Objective<Double>, step h: Double = 1e-5) -> Tensor<Double> {
        let theta = objective.theta.scalars
        let d = theta.count
        var m = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var plus = theta, minus = theta
            plus[j] += h
            minus[j] -= h
            let gp = objective.at(theta: Tensor(plus)).lossAndGradient().gradient.scalars
            let gm = objective.at(theta: Tensor(minus)).lossAndGradient().gradient.scalars
            for i in 0..<d { m[i * d + j] = (gp[i] - gm[i]) / (2 * h) }
        }
        return Tensor(shape: [d, d], scalars: m)
    }

    /// `Aᵀ M A` for dense row-major `A [N, d]` and `M [N, N]` by explicit loops.
    static func sandwich(_ a: [[Double]], _ m: [[Double]]) -> Tensor<Double> {
        let (n, d) = (a.count, a[0].count)
        var ma = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
        for r in 0..<n { for s in 0..<n where m[r][s] != 0 { for j in 0..<d { ma[r][j] += m[r][s] * a[s][j] } } }
        var out = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { var acc = 0.0; for r in 0..<n { acc += a[r][i] * ma[r][j] }; out[i * d + j] = acc } }
        return Tensor(shape: [d, d], scalars: out)
    }

    /// `softmax` of one row, by hand.
    static func softmax(_ z: ArraySlice<Double>) -> [Double] {
        let top = z.max()!
        let e = z.map { exp($0 - top) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// The dense output-space loss curvature `Λ` `[N, N]`, by hand from the outputs.
    static func denseLossCurvature(_ objective: Objective<Double>) -> [[Double]] {
        let f = outputs(objective, at: objective.theta)
        let count = f.count
        var m = [[Double]](repeating: [Double](repeating: 0, count: count), count: count)
        switch objective.batch.targets {
        case let .classes(labels, _):
            let n = labels.count, c = count / n
            for r in 0..<n {
                let p = softmax(f[(r * c)..<((r + 1) * c)])
                for a in 0..<c { for b in 0..<c { m[r * c + a][r * c + b] = ((a == b ? p[a] : 0) - p[a] * p[b]) / Double(n) } }
            }
        case .values:
            for i in 0..<count { m[i][i] = 2 / Double(count) }
        }
        return m
    }

    /// `(1/m) Σ_i g_i g_iᵀ` with `g_i` the gradient of example `i`'s own objective.
    static func denseEmpiricalFisher(_ objective: Objective<Double>) -> Tensor<Double> {
        let m = objective.batch.count, d = objective.dimension
        var out = [Double](repeating: 0, count: d * d)
        for i in 0..<m {
            let g = single(objective, example: i).lossAndGradient().gradient.scalars
            for a in 0..<d { for b in 0..<d { out[a * d + b] += g[a] * g[b] / Double(m) } }
        }
        return Tensor(shape: [d, d], scalars: out)
    }

    /// The principal submatrix `A[idx, idx]`.
    static func submatrix(_ a: Tensor<Double>, _ idx: [Int]) -> Tensor<Double> {
        let d = a.shape[0], s = a.scalars
        return Tensor(shape: [idx.count, idx.count], scalars: idx.flatMap { i in idx.map { s[i * d + $0] } })
    }

    /// `‖A − B‖_F / ‖B‖_F`.
    static func relativeFrobeniusError(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        let diff = zip(a.scalars, b.scalars).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let norm = b.scalars.reduce(0) { $0 + $1 * $1 }
        return (diff / norm).squareRoot()
    }

    /// `max |A − Aᵀ|`.
    static func asymmetry(_ a: Tensor<Double>) -> Double {
        let d = a.shape[0], s = a.scalars
        var worst = 0.0
        for i in 0..<d { for j in 0..<d { worst = max(worst, abs(s[i * d + j] - s[j * d + i])) } }
        return worst
    }

    /// The smallest eigenvalue of a symmetric matrix (symmetrized first) and the largest magnitude.
    static func extremeEigenvalues(_ a: Tensor<Double>) -> (smallest: Double, largest: Double) {
        let sym = (a + a.transposed()) * 0.5
        let values = sym.symmetricEigendecomposition(computeVectors: false).values.scalars
        return (values.first!, values.map(abs).max()!)
    }

    /// Checks every product path of `op` against the dense `expected`: `apply` on random vectors,
    /// `apply(toColumns:)`, `diagonal()` and `dense()`.
    static func expectProducts(
        of op: some LinearOperator<Double>, equal expected: Tensor<Double>, tolerance: Tolerance, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let d = op.dimension
        #expect(expected.shape == [d, d], "\(label): expected matrix \(expected.shape) for d = \(d)", sourceLocation: sourceLocation)
        let dense = op.dense()
        if let m = approximateMismatch(dense, expected, tolerance: tolerance) {
            Issue.record("\(label) dense(): \(m)", sourceLocation: sourceLocation)
        }
        let v: Tensor<Double> = testTensor([d], seed: 101)
        let av = matmul(expected, v.reshaped(to: [d, 1])).reshaped(to: [d])
        if let m = approximateMismatch(op.apply(v), av, tolerance: tolerance) {
            Issue.record("\(label) apply(_:): \(m)", sourceLocation: sourceLocation)
        }
        let block: Tensor<Double> = testTensor([d, 3], seed: 102)
        if let m = approximateMismatch(op.apply(toColumns: block), matmul(expected, block), tolerance: tolerance) {
            Issue.record("\(label) apply(toColumns:): \(m)", sourceLocation: sourceLocation)
        }
        let diag = Tensor(shape: [d], scalars: (0..<d).map { expected.scalars[$0 * d + $0] })
        if let m = approximateMismatch(op.diagonal(), diag, tolerance: tolerance) {
            Issue.record("\(label) diagonal(): \(m)", sourceLocation: sourceLocation)
        }
    }
}
