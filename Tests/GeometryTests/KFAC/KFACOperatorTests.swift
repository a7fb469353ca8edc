import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct KFACOperatorTests {
    static let tolerance = Tolerance(absolute: 1e-12, relative: 1e-10)

    /// A random symmetric positive definite `[n, n]` matrix `X Xᵀ / n + 0.05 I`.
    static func spd(_ n: Int, seed: UInt64) -> Tensor<Double> {
        let x = testTensor([n, n + 2], seed: seed, as: Double.self)
        return matmul(x, x, transposeB: true) / Double(n) + Tensor.eye(n) * 0.05
    }

    /// Random factors for every Linear layer of an MLP objective's θ (weight and/or bias).
    static func randomFactors(_ objective: Objective<Double>) -> KFACFactors<Double> {
        var blocks: [KFACFactors<Double>.Block] = []
        for layer in 0..<3 {
            let w = "layers.\(layer).weight", b = "layers.\(layer).bias"
            let weight = objective.names.contains(w) ? w : nil
            let bias = objective.names.contains(b) ? b : nil
            if weight == nil && bias == nil { continue }
            let shape = objective.parameters[w].shape
            let inCount = weight == nil ? 0 : shape[1]
            let p = inCount + (bias == nil ? 0 : 1)
            blocks.append(.init(layer: "layers.\(layer)", weight: weight, bias: bias, inputFactor: spd(p, seed: UInt64(10 + layer)),
                                gradientFactor: spd(shape[0], seed: UInt64(20 + layer)), inputCount: inCount, outputCount: shape[0]))
        }
        return KFACFactors(blocks: blocks, approximation: .expand, kind: .exact)
    }

    /// The dense block-diagonal matrix over θ written out from the definition: for each block,
    /// `K[c(o,i), c(o',i')] = left[o,o'] · right[i,i']` with `c(o, i)` the θ coordinate of
    /// `W[o, i]` (`o·in + i` inside the weight) or, for `i = in`, of `b[o]`.
    static func denseReference(_ objective: Objective<Double>, _ factors: KFACFactors<Double>,
                               left: (KFACFactors<Double>.Block) -> Tensor<Double> = { $0.gradientFactor },
                               right: (KFACFactors<Double>.Block) -> Tensor<Double> = { $0.inputFactor }) -> Tensor<Double> {
        let d = objective.dimension
        var k = [Double](repeating: 0, count: d * d)
        for block in factors.blocks {
            let (out, inCount) = (block.outputCount, block.inputCount)
            func c(_ o: Int, _ i: Int) -> Int {
                i < inCount ? objective.range(of: block.weight!).lowerBound + o * inCount + i : objective.range(of: block.bias!).lowerBound + o
            }
            let g = left(block).scalars, a = right(block).scalars
            let p = block.inputFactorSize
            for o in 0..<out { for i in 0..<p { for o2 in 0..<out { for i2 in 0..<p {
                k[c(o, i) * d + c(o2, i2)] = g[o * out + o2] * a[i * p + i2]
            } } } }
        }
        return Tensor(shape: [d, d], scalars: k)
    }

    /// θ with weights and biases; θ with a bias-only block and a weight-only block; no biases.
    static func objectives() throws -> [Objective<Double>] {
        [try PerSampleFixtures.mlp(hidden: [4, 3], inputs: 3, classes: 2, count: 2),
         try PerSampleFixtures.mlp(hidden: [4, 3], inputs: 3, classes: 2, count: 2, names: ["layers.0.bias", "layers.1.weight", "layers.2.weight", "layers.2.bias"]),
         try PerSampleFixtures.mlp(hidden: [4, 3], inputs: 3, classes: 2, bias: false, count: 2)]
    }

    @Test func productMatchesDenseKronecker() throws {
        for objective in try Self.objectives() {
            let factors = Self.randomFactors(objective)
            let op = KFACOperator(factors, objective: objective)
            #expect(op.names == objective.names && op.dimension == objective.dimension)
            let k = Self.denseReference(objective, factors)
            let d = objective.dimension
            let v = testTensor([d], seed: 3, as: Double.self)
            #expect(approximateMismatch(op.apply(v), matmul(k, v.reshaped(to: [d, 1])).reshaped(to: [d]), tolerance: Self.tolerance) == nil)
            let columns = testTensor([d, 4], seed: 4, as: Double.self)
            #expect(approximateMismatch(op.apply(toColumns: columns), matmul(k, columns), tolerance: Self.tolerance) == nil)
            #expect(approximateMismatch(op.dense(), k, tolerance: Self.tolerance) == nil)
            #expect(approximateMismatch(op.diagonal(), DenseOperator(k).diagonal(), tolerance: Self.tolerance) == nil)
            #expect(isApproximatelyEqual(op.trace(), DenseOperator(k).diagonal().sum().scalar, tolerance: Self.tolerance))
        }
    }

    /// `(K + λI)⁻¹ (K + λI) v = v`, for one vector and for columns; also at λ = 0 (the factors
    /// are positive definite).
    @Test(arguments: [0.1, 1e-3, 0]) func exactDampedInverse(damping: Double) throws {
        for objective in try Self.objectives() {
            let factors = Self.randomFactors(objective)
            let op = KFACOperator(factors, objective: objective)
            let d = objective.dimension
            let shifted = Self.denseReference(objective, factors) + Tensor.eye(d) * damping
            let inverse = op.inverse(damping: damping)
            let v = testTensor([d], seed: 5, as: Double.self)
            let back = inverse.apply(matmul(shifted, v.reshaped(to: [d, 1])).reshaped(to: [d]))
            #expect(approximateMismatch(back, v, tolerance: Tolerance(absolute: 1e-9)) == nil)
            let columns = testTensor([d, 3], seed: 6, as: Double.self)
            #expect(approximateMismatch(inverse.apply(toColumns: matmul(shifted, columns)), columns, tolerance: Tolerance(absolute: 1e-9)) == nil)
        }
    }

    /// The factored damping inverts `(G + (√λ/π) I) ⊗ (A + √λ π I)`, `π = √((tr A / p)/(tr G / out))`,
    /// built densely here.
    @Test func factoredDampedInverse() throws {
        let damping = 0.3
        for objective in try Self.objectives() {
            let factors = Self.randomFactors(objective)
            func pi(_ b: KFACFactors<Double>.Block) -> Double {
                let ta = DenseOperator(b.inputFactor).diagonal().sum().scalar / Double(b.inputFactorSize)
                let tg = DenseOperator(b.gradientFactor).diagonal().sum().scalar / Double(b.outputCount)
                return (ta / tg).squareRoot()
            }
            let damped = Self.denseReference(
                objective, factors,
                left: { $0.gradientFactor + Tensor.eye($0.outputCount) * (damping.squareRoot() / pi($0)) },
                right: { $0.inputFactor + Tensor.eye($0.inputFactorSize) * (damping.squareRoot() * pi($0)) })
            let inverse = KFACOperator(factors, objective: objective).inverse(damping: damping, style: .factored)
            let d = objective.dimension
            let v = testTensor([d], seed: 7, as: Double.self)
            let back = inverse.apply(matmul(damped, v.reshaped(to: [d, 1])).reshaped(to: [d]))
            #expect(approximateMismatch(back, v, tolerance: Tolerance(absolute: 1e-9)) == nil)
        }
    }

    /// The eigenvalues from the factors equal LAPACK's eigenvalues of the dense matrix.
    @Test func eigenvaluesMatchDense() throws {
        for objective in try Self.objectives() {
            let factors = Self.randomFactors(objective)
            let op = KFACOperator(factors, objective: objective)
            let dense = Self.denseReference(objective, factors)
            let expected = Tensor(dense.symmetricEigendecomposition(computeVectors: false).values.scalars.reversed())
            let values = op.eigenvalues()
            let top = expected.scalars[0]
            #expect(approximateMismatch(values, expected, tolerance: Tolerance(absolute: 1e-12 * top, relative: 1e-10)) == nil)
            #expect(op.topEigenvalues(5) == values.slice(0..<5, alongAxis: 0))
            #expect(isApproximatelyEqual(values.sum().scalar, op.trace(), tolerance: Self.tolerance))
        }
    }

    /// On a GPT the operator covers the Linear parameters only; `restricted` and `extended` move
    /// vectors between θ and the operator's coordinates; products agree with `dense()`.
    @Test func gptCoordinates() throws {
        let objective = try PerSampleFixtures.gpt(.init(norm: .layernorm, tie: true, perToken: true), count: 2)
        let op = KFACOperator(objective.kfacFactors(kind: .empirical), objective: objective)
        let theta = testTensor([objective.dimension], seed: 8, as: Double.self)
        let inside = op.restricted(theta)
        #expect(inside.shape == [op.dimension])
        let back = op.extended(inside)
        for (name, range) in zip(objective.names, objective.ranges) {
            let expected = op.names.contains(name) ? theta.slice(range, alongAxis: 0) : Tensor.zeros(shape: [range.count])
            #expect(back.slice(range, alongAxis: 0) == expected, "\(name)")
        }
        #expect(op.restricted(back) == inside)
        let v = testTensor([op.dimension], seed: 9, as: Double.self)
        let dense = op.dense()
        #expect(approximateMismatch(op.apply(v), matmul(dense, v.reshaped(to: [op.dimension, 1])).reshaped(to: [op.dimension]), tolerance: Self.tolerance) == nil)
        // The operator's coordinates are those of an objective over its names.
        let sub = Objective(model: objective.model, parameters: objective.parameters, batch: objective.batch, names: op.names)
        #expect(sub.dimension == op.dimension && zip(op.names, op.ranges).allSatisfy { sub.range(of: $0) == $1 })
    }
}
