import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct PCADimensionTests {
    /// The spectrum equals the squared singular values of the explicitly centred data over
    /// n − 1 (LAPACK SVD, another route), through both the covariance (n > D) and the Gram
    /// (n < D) branch.
    @Test(arguments: [(40, 15), (15, 40)])
    func spectrumMatchesSingularValues(n: Int, dim: Int) {
        let points: Tensor<Double> = testTensor([n, dim], seed: UInt64(n * 100 + dim))
        let e = pcaDimension(points: points)
        let mean = points.sum(alongAxes: [0], keepingDimensions: true) / Double(n)
        let s = (points - mean).singularValueDecomposition(computeVectors: false).s.scalars
        let expected = s.map { $0 * $0 / Double(n - 1) }
        #expect(e.variances.count == min(n, dim))
        for (a, b) in zip(e.variances, expected) { #expect(abs(a - b) <= 1e-12 * expected[0]) }
        let total = expected.reduce(0, +)
        for (r, b) in zip(e.explainedVarianceRatios, expected) { #expect(abs(r - b / total) <= 1e-12) }
        #expect(e.pointCount == n && e.ambientDimension == dim)
    }

    /// A Gaussian cloud with covariance Q diag(λ) Qᵀ in ℝ⁵⁰ (Q a random orthonormal [50, 20]):
    /// variance shares 0.5, 0.25, 0.12, 0.06, 0.04, 0.025 and 0.005 spread over 14 more
    /// directions, so the exact counts from λ are 4 (90%), 5 (95%), 6 (99%), each with a margin
    /// of at least 0.5% of total variance on both sides. With n = 3000 the sample shares are
    /// within 0.012 of the true ones (NumPy, 8 seeds); tolerance 0.02.
    @Test func gaussianCloudWithKnownCovariance() {
        let shares = [0.5, 0.25, 0.12, 0.06, 0.04, 0.025] + Array(repeating: 0.005 / 14, count: 14)
        let lambda = shares.map { $0 * 10 }
        var g = RandomGenerator(seed: 3)
        let z = (0..<3000).map { _ in lambda.map { $0.squareRoot() * g.nextStandardNormal() } }
        let points = PointClouds.embed(z, ambient: 50, using: &g)
        let e = pcaDimension(points: points)
        func exactCount(_ tau: Double) -> Int {
            var c = 0.0
            for (j, s) in shares.enumerated() {
                c += s
                if c >= tau { return j + 1 }
            }
            return shares.count
        }
        #expect([0.9, 0.95, 0.99].map(exactCount) == [4, 5, 6])
        #expect([0.9, 0.95, 0.99].map { e.components(reaching: $0) } == [4, 5, 6])
        for (r, s) in zip(e.explainedVarianceRatios, shares) { #expect(abs(r - s) <= 0.02) }
        #expect(e.explainedVarianceRatios[20...].allSatisfy { $0 < 1e-12 })
        #expect(e.components(reaching: 1) == 20)
    }

    /// A uniform cube in a 3-dimensional subspace of ℝ¹⁰⁰: three equal shares (1/3 each up to
    /// sampling), nothing beyond rounding in the other directions.
    @Test func exactSubspace() {
        let e = pcaDimension(points: PointClouds.subspace(count: 500, dimension: 3, ambient: 100, seed: 2))
        #expect([0.9, 0.95, 0.99].map { e.components(reaching: $0) } == [3, 3, 3])
        #expect(e.explainedVarianceRatios[..<3].allSatisfy { abs($0 - 1.0 / 3) < 0.05 })
        #expect(e.explainedVarianceRatios[3...].allSatisfy { $0 < 1e-12 })
    }

    @Test func coincidentPointsHaveNoComponents() {
        let e = pcaDimension(points: Tensor<Double>(shape: [5, 3], repeating: 2))
        #expect(e.components(reaching: 0.9) == 0)
        #expect(e.explainedVarianceRatios == [0, 0, 0])
    }
}
