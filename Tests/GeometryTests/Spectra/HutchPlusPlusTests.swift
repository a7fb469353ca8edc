import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct HutchPlusPlusTests {
    /// rank(A) < m/3: the sketch spans range(A), so the estimate is exact and uses exactly m
    /// products in three blocks.
    @Test func exactBelowSketchRank() {
        let b = testTensor([50, 4], seed: 41, as: Double.self)
        let a = matmul(b, b, transposeB: true) - matmul(b.slice(0..<1, alongAxis: 1), b.slice(0..<1, alongAxis: 1), transposeB: true) * 3
        let trace = (0..<50).reduce(0.0) { $0 + a[$1, $1] }
        let op = CountingOperator(matrix: a)
        let result = hutchPlusPlusTrace(of: op, productBudget: 15, seed: 1)
        #expect(abs(result.estimate - trace) < 1e-11 * abs(trace), "\(result.estimate) vs \(trace)")
        #expect(abs(result.lowRankTrace - trace) < 1e-11 * abs(trace))
        #expect(abs(result.residualTrace) < 1e-11 * abs(trace))
        #expect(result.sketchSize == 5 && result.residualSampleCount == 5 && result.productCount == 15)
        #expect(op.counter.blockCalls == 3 && op.counter.blockColumns == 15)
    }

    /// On a fast-decaying PSD spectrum, Hutch++ beats Hutchinson at the same budget (mean
    /// absolute error over ten seeds), and each estimate lies within 4 residual standard errors.
    @Test func beatsHutchinsonOnDecayingSpectrum() {
        let spectrum = (0..<100).map { pow(0.7, Double($0)) }
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 42)
        let trace = spectrum.reduce(0, +)
        var errorPlusPlus = 0.0, errorHutchinson = 0.0
        for seed in 0..<10 as Range<UInt64> {
            let plus = hutchPlusPlusTrace(of: DenseOperator(a), productBudget: 30, seed: seed)
            #expect(abs(plus.estimate - trace) <= 4 * plus.residualStandardError! + 1e-12)
            errorPlusPlus += abs(plus.estimate - trace)
            errorHutchinson += abs(hutchinsonTrace(of: DenseOperator(a), samples: 30, seed: seed).estimate - trace)
        }
        #expect(errorPlusPlus < 0.1 * errorHutchinson, "Hutch++ \(errorPlusPlus / 10), Hutchinson \(errorHutchinson / 10)")
    }

    /// The orthonormal basis used for Q: QᵀQ = I and span(A) ⊆ span(Q), also for dependent columns.
    @Test func orthonormalBasisOfDependentColumns() {
        var a = testTensor([40, 6], seed: 43, as: Double.self)
        for i in 0..<40 {
            a[i, 2] = a[i, 0] + 2 * a[i, 1]  // dependent
            a[i, 4] = 0  // zero column
        }
        let q = orthonormalBasis(of: a, seed: 1)
        #expect(q.shape == [40, 6])
        #expect(orthonormalityError(q) < 1e-14)
        let projected = matmul(q, matmul(q, a, transposeA: true))
        #expect(isApproximatelyEqual(projected, a, tolerance: Tolerance(absolute: 1e-13)))
        let qf = orthonormalBasis(of: a.converted(to: Float.self))
        #expect(orthonormalityError(qf.converted(to: Double.self)) < 1e-6)
    }
}
