import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct LanczosTests {
    /// A decaying spectrum with a negative tail, as curvature spectra have: `λᵢ = 10·0.8ⁱ`,
    /// the last ten negated.
    static let spectrum: [Double] = (0..<80).map { i in (i >= 70 ? -1.0 : 1.0) * 10 * pow(0.8, Double(i % 70)) }

    /// Top-k Ritz values match the chosen eigenvalues and LAPACK on the same matrix, through a
    /// dense and a closure operator; Ritz vectors are orthonormal eigenvectors with small residuals.
    @Test(arguments: [false, true]) func largestMatchKnownSpectrum(closure: Bool) {
        let (a, q) = symmetricMatrix(spectrum: Self.spectrum, seed: 11)
        let lapack = a.symmetricEigendecomposition(computeVectors: false).values.scalars
        let chosen = Self.spectrum.sorted()
        let result = closure
            ? lanczosEigenpairs(of: functionOperator(a), count: 5, which: .largest, seed: 1)
            : lanczosEigenpairs(of: DenseOperator(a), count: 5, which: .largest, seed: 1)
        #expect(result.converged)
        #expect(result.eigenvalues.count == 5)
        for (i, theta) in result.eigenvalues.enumerated() {
            let expected = chosen[75 + i]
            #expect(close(theta, expected, relative: 1e-8, scale: abs(expected)), "θ\(i) = \(theta), λ = \(expected)")
            #expect(close(theta, lapack[75 + i], relative: 1e-8, scale: abs(expected)))
        }
        let y = result.eigenvectors!
        #expect(y.shape == [80, 5])
        #expect(orthonormalityError(y) < 1e-10)
        for r in result.residualNorms! { #expect(r < 1e-8 * 10) }
        // Each Ritz vector is ± the eigenvector of its eigenvalue (eigenvalue i of the spectrum is column i of Q).
        for (j, i) in [4, 3, 2, 1, 0].enumerated() {
            #expect(abs(abs(dot(column(y, j), column(q, i))) - 1) < 1e-8)
        }
        #expect(result.steps < 80)
        #expect(result.productCount == result.steps + 5)
    }

    /// The smallest end: the negative tail, against the chosen values and LAPACK.
    @Test func smallestMatchKnownSpectrum() {
        let (a, _) = symmetricMatrix(spectrum: Self.spectrum, seed: 12)
        let lapack = a.symmetricEigendecomposition(computeVectors: false).values.scalars
        let result = lanczosEigenpairs(of: functionOperator(a), count: 4, which: .smallest, seed: 2)
        let chosen = Self.spectrum.sorted()
        #expect(result.converged)
        for i in 0..<4 {
            #expect(close(result.eigenvalues[i], chosen[i], relative: 1e-8, scale: abs(chosen[i])))
            #expect(close(result.eigenvalues[i], lapack[i], relative: 1e-8, scale: abs(chosen[i])))
        }
        for r in result.residualNorms! { #expect(r < 1e-8 * 10) }
    }

    /// `.both` returns the bottom and top `count`, ascending.
    @Test func bothEnds() {
        let (a, _) = symmetricMatrix(spectrum: Self.spectrum, seed: 13)
        let result = lanczosEigenpairs(of: DenseOperator(a), count: 3, which: .both, seed: 3)
        let chosen = Self.spectrum.sorted()
        let expected = Array(chosen.prefix(3)) + Array(chosen.suffix(3))
        #expect(result.eigenvalues.count == 6)
        for (theta, lambda) in zip(result.eigenvalues, expected) {
            #expect(close(theta, lambda, relative: 1e-8, scale: abs(lambda)))
        }
    }

    /// Only three distinct eigenvalues: the Krylov space is invariant after three steps, so
    /// Lanczos stops there with exact values (and counts exactly its products).
    @Test func invariantSubspaceStopsEarly() {
        let spectrum = [Double](repeating: 5, count: 4) + [Double](repeating: 2, count: 10) + [Double](repeating: -1, count: 26)
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 14)
        let op = CountingOperator(matrix: a)
        let result = lanczosEigenpairs(of: op, count: 2, which: .largest, seed: 4)
        #expect(result.invariantSubspaceFound)
        #expect(result.steps == 3)
        #expect(result.converged)
        #expect(result.eigenvalues.count == 2)
        #expect(close(result.eigenvalues[0], 2, relative: 1e-12, scale: 5))
        #expect(close(result.eigenvalues[1], 5, relative: 1e-12, scale: 5))
        for r in result.residualNorms! { #expect(r < 1e-12 * 5) }
        #expect(result.productCount == 3 + 2)
        #expect(op.counter.vectorProducts == 3 && op.counter.blockColumns == 2)

        // Asking for more than the Krylov space holds returns what it holds.
        let all = lanczosEigenpairs(of: DenseOperator(a), count: 5, which: .largest, seed: 4)
        #expect(all.eigenvalues.count == 3)
        #expect(zip(all.eigenvalues, [-1.0, 2, 5]).allSatisfy { close($0, $1, relative: 1e-12, scale: 5) })
    }

    /// Restarting after each breakdown recovers multiplicities: each block of three steps takes
    /// one direction from every eigenspace, so after the 4-dimensional λ = 5 space is used up
    /// the top five are 5, 5, 5, 5, 2.
    @Test func restartRecoversMultiplicities() {
        let spectrum = [Double](repeating: 5, count: 4) + [Double](repeating: 2, count: 10) + [Double](repeating: -1, count: 26)
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 15)
        let result = lanczosEigenpairs(
            of: DenseOperator(a), count: 5, which: .largest, iterations: 15, seed: 5, onInvariantSubspace: .restart)
        #expect(result.restarts >= 4)
        #expect(result.steps == 15)
        let expected = [2.0, 5, 5, 5, 5]
        #expect(zip(result.eigenvalues, expected).allSatisfy { close($0, $1, relative: 1e-11, scale: 5) }, "\(result.eigenvalues)")
        #expect(orthonormalityError(result.eigenvectors!) < 1e-10)
        for r in result.residualNorms! { #expect(r < 1e-11 * 5) }
    }

    /// A low-rank PSD matrix `B Bᵀ` (rank 5): the top five are its nonzero eigenvalues (dense
    /// LAPACK), the bottom ones zero.
    @Test func lowRankPSD() {
        let b = testTensor([60, 5], seed: 16, as: Double.self)
        let a = matmul(b, b, transposeB: true)
        let lapack = a.symmetricEigendecomposition(computeVectors: false).values.scalars
        let top = lanczosEigenpairs(of: functionOperator(a), count: 5, which: .largest, seed: 6)
        let scale = lapack[59]
        for i in 0..<5 { #expect(close(top.eigenvalues[i], lapack[55 + i], relative: 1e-10, scale: scale)) }
        #expect(top.steps <= 6)  // 5 eigenspaces + the null space: invariant after ≤ 6 steps
        // One start vector meets the null space in one direction: one zero Ritz value…
        let bottom = lanczosEigenpairs(of: functionOperator(a), count: 2, which: .smallest, seed: 6)
        #expect(abs(bottom.eigenvalues[0]) < 1e-10 * scale)
        #expect(close(bottom.eigenvalues[1], lapack[55], relative: 1e-10, scale: scale))
        // …restarts find more (each block after the first is one step in the null space).
        let zeros = lanczosEigenpairs(
            of: functionOperator(a), count: 3, which: .smallest, iterations: 12, seed: 6, onInvariantSubspace: .restart)
        #expect(zeros.eigenvalues.count == 3)
        for theta in zeros.eigenvalues { #expect(abs(theta) < 1e-10 * scale) }
        #expect(zeros.steps == 12)
    }

    /// With `d` steps `T` is similar to `A`: every Ritz value is an eigenvalue.
    @Test func fullLengthIsExact() {
        let spectrum = (0..<12).map { Double($0) - 3.5 }
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 17)
        let result = lanczosEigenpairs(of: DenseOperator(a), count: 6, which: .both, iterations: 100, tolerance: 0, seed: 7)
        #expect(result.steps == 12)
        #expect(zip(result.eigenvalues, spectrum).allSatisfy { close($0, $1, relative: 1e-12, scale: 10) })
    }

    /// Float operators: a well-conditioned matrix, top three within Float accuracy.
    @Test func floatOperator() {
        let spectrum = (0..<50).map { 1 + 9 * pow(0.85, Double($0)) }
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 18)
        let af = a.converted(to: Float.self)
        let result = lanczosEigenpairs(of: DenseOperator(af), count: 3, which: .largest, seed: 8)
        #expect(result.converged)
        for i in 0..<3 {
            #expect(close(result.eigenvalues[i], spectrum[2 - i], relative: 1e-5, scale: 10), "\(result.eigenvalues)")
        }
        for r in result.residualNorms! { #expect(r < 1e-4 * 10) }
        #expect(result.eigenvectors!.shape == [50, 3])
        let viaClosure = lanczosEigenpairs(of: functionOperator(af), count: 3, which: .largest, seed: 8)
        for i in 0..<3 { #expect(close(viaClosure.eigenvalues[i], spectrum[2 - i], relative: 1e-5, scale: 10)) }
    }

    /// The same seed gives the same result; an explicit start vector is used as given.
    @Test func seedAndStartVector() {
        let (a, q) = symmetricMatrix(spectrum: Self.spectrum, seed: 19)
        let r1 = lanczosEigenpairs(of: DenseOperator(a), count: 2, seed: 9)
        let r2 = lanczosEigenpairs(of: DenseOperator(a), count: 2, seed: 9)
        #expect(r1.eigenvalues == r2.eigenvalues)
        // Starting in the span of two eigenvectors: the Krylov space is that span, invariant after 2 steps.
        let start = column(q, 0) * 0.6 + column(q, 5) * 0.8
        let r3 = lanczosEigenpairs(of: DenseOperator(a), count: 2, start: start)
        #expect(r3.steps == 2)
        #expect(close(r3.eigenvalues[0], Self.spectrum[5], relative: 1e-12, scale: 10))
        #expect(close(r3.eigenvalues[1], Self.spectrum[0], relative: 1e-12, scale: 10))
    }
}
