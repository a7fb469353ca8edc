import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct GramSpectrumTests {
    /// n < d: the Gram eigenvalues are the top n of the dense (1/n) Gᵀ G (LAPACK), and the
    /// eigenvectors Gᵀu/‖Gᵀu‖ are unit eigenvectors of F_emp.
    @Test func matchesDenseEmpiricalFisher() {
        let (n, d) = (7, 20)
        let g = testTensor([n, d], seed: 61, as: Double.self)
        let fisher = matmul(g, g, transposeA: true) * (1 / Double(n))
        let dense = fisher.symmetricEigendecomposition(computeVectors: false).values.scalars.reversed().prefix(n)
        let result = gramSpectrum(perSampleGradients: g, eigenvectorCount: 3)
        #expect(result.eigenvalues.count == n)
        #expect(result.rank == n)
        #expect(zip(result.eigenvalues, dense).allSatisfy { abs($0 - $1) < 1e-12 * dense.first! })
        #expect(zip(result.eigenvalues, result.eigenvalues.dropFirst()).allSatisfy { $0 >= $1 })
        let v = result.eigenvectors!
        #expect(v.shape == [d, 3])
        #expect(orthonormalityError(v) < 1e-12)
        for j in 0..<3 {
            let residual = matmul(fisher, column(v, j).reshaped(to: [d, 1])).reshaped(to: [d]) - column(v, j) * result.eigenvalues[j]
            #expect(residual.abs().max().scalar < 1e-12 * dense.first!)
        }
    }

    /// n > d: the d eigenvalues returned are all of F_emp's.
    @Test func moreSamplesThanParameters() {
        let g = testTensor([30, 6], seed: 62, as: Double.self)
        let fisher = matmul(g, g, transposeA: true) * (1.0 / 30)
        let dense = Array(fisher.symmetricEigendecomposition(computeVectors: false).values.scalars.reversed())
        let result = gramSpectrum(perSampleGradients: g, eigenvectorCount: 6)
        #expect(result.eigenvalues.count == 6)
        #expect(zip(result.eigenvalues, dense).allSatisfy { abs($0 - $1) < 1e-12 * dense[0] })
        #expect(result.eigenvectors!.shape == [6, 6])
    }

    /// Repeated per-sample gradients: the rank is the number of distinct directions, and no
    /// eigenvector is returned for a zero eigenvalue.
    @Test func rankDeficientGradients() {
        let base = testTensor([3, 15], seed: 63, as: Double.self)
        let g = concatenate([base, base.slice(0..<2, alongAxis: 0) * 2], alongAxis: 0)  // [5, 15], rank 3
        let result = gramSpectrum(perSampleGradients: g, eigenvectorCount: 5)
        #expect(result.rank == 3)
        #expect(result.eigenvectors!.shape == [15, 3])
        #expect(result.eigenvalues[3...].allSatisfy { abs($0) < 1e-12 * result.eigenvalues[0] })
    }
}
