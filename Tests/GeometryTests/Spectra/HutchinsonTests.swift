import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct HutchinsonTests {
    /// Rademacher probes are exact on a diagonal matrix: every sample is tr(A), so the standard
    /// error is 0, and the diagonal estimator returns the diagonal.
    @Test func exactForDiagonal() {
        let diagonal = (0..<25).map { Double($0) - 7.5 }
        var m = Tensor<Double>.zeros(shape: [25, 25])
        for i in 0..<25 { m[i, i] = diagonal[i] }
        let trace = hutchinsonTrace(of: DenseOperator(m), samples: 7, seed: 1)
        #expect(abs(trace.estimate - diagonal.reduce(0, +)) < 1e-12)
        #expect(trace.standardError! < 1e-12)
        #expect(trace.sampleCount == 7 && trace.productCount == 7)
        let estimate = hutchinsonDiagonal(of: functionOperator(m), samples: 3, seed: 2)
        #expect(isApproximatelyEqual(estimate.diagonal, Tensor(diagonal), tolerance: Tolerance(absolute: 1e-14)))
    }

    /// Unbiased within 4 standard errors, and the standard error matches the closed-form
    /// Rademacher variance 2 Σ_{i≠j} A_ij² within 10%.
    @Test func unbiasedWithKnownVariance() {
        let (a, _) = symmetricMatrix(spectrum: (0..<30).map { 1 + sin(Double($0)) }, seed: 31)
        let trace = (0..<30).map { 1 + sin(Double($0)) }.reduce(0, +)
        let n = 4000
        let result = hutchinsonTrace(of: DenseOperator(a), samples: n, seed: 3)
        let se = result.standardError!
        #expect(abs(result.estimate - trace) <= 4 * se, "\(result.estimate) vs \(trace) ± \(se)")
        let s = a.scalars
        var offDiagonal = 0.0
        for i in 0..<30 { for j in 0..<30 where i != j { offDiagonal += s[i * 30 + j] * s[i * 30 + j] } }
        let expected = (2 * offDiagonal / Double(n)).squareRoot()
        #expect(abs(se / expected - 1) < 0.1, "standard error \(se), closed form \(expected)")
        let gaussian = hutchinsonTrace(of: DenseOperator(a), samples: n, distribution: .gaussian, seed: 3)
        #expect(abs(gaussian.estimate - trace) <= 4 * gaussian.standardError!)
        // Gaussian variance is 2‖A‖_F², larger than Rademacher's.
        #expect(gaussian.standardError! > se)
    }

    /// Probes go to the operator in blocks; the probe stream does not depend on the block size.
    @Test func batchesThroughApplyToColumns() {
        let (a, _) = symmetricMatrix(spectrum: (0..<20).map { Double($0) }, seed: 32)
        let op = CountingOperator(matrix: a)
        let batched = hutchinsonTrace(of: op, samples: 37, seed: 4, batchSize: 16)
        #expect(op.counter.blockCalls == 3 && op.counter.blockColumns == 37 && op.counter.vectorProducts == 0)
        let single = hutchinsonTrace(of: DenseOperator(a), samples: 37, seed: 4, batchSize: 1)
        #expect(abs(batched.estimate - single.estimate) < 1e-12 * abs(single.estimate))
    }

    /// The diagonal estimator is unbiased: entry i is within 5 standard deviations
    /// √(Σ_{j≠i} A_ij² / N) of A_ii.
    @Test func diagonalEstimatorUnbiased() {
        let (a, _) = symmetricMatrix(spectrum: (0..<24).map { Double($0 % 5) - 1 }, seed: 33)
        let n = 3000
        let estimate = hutchinsonDiagonal(of: DenseOperator(a), samples: n, seed: 5).diagonal.scalars
        let s = a.scalars
        for i in 0..<24 {
            let spread = ((0..<24).filter { $0 != i }.reduce(0) { $0 + s[i * 24 + $1] * s[i * 24 + $1] } / Double(n)).squareRoot()
            #expect(abs(estimate[i] - s[i * 24 + i]) <= 5 * spread, "entry \(i)")
        }
        // Gaussian probes with the Bekas normalization are exact on a diagonal matrix too.
        var d = Tensor<Double>.zeros(shape: [6, 6])
        for i in 0..<6 { d[i, i] = Double(i * i) }
        let g = hutchinsonDiagonal(of: DenseOperator(d), samples: 5, distribution: .gaussian, seed: 6)
        #expect(isApproximatelyEqual(g.diagonal, Tensor((0..<6).map { Double($0 * $0) }), tolerance: Tolerance(absolute: 1e-12)))
    }
}
