import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct DenseSpectrumTests {
    /// The eigenvalues are the chosen ones, ascending; the vectors satisfy A V = V Λ.
    @Test func recoversChosenSpectrum() {
        let spectrum = (0..<30).map { Double($0 * $0 % 17) - 4 }
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 51)
        let result = denseSpectrum(of: functionOperator(a), computeVectors: true)
        #expect(result.productCount == 30)
        #expect(zip(result.eigenvalues, spectrum.sorted()).allSatisfy { abs($0 - $1) < 1e-12 * 12 })
        let v = result.eigenvectors!
        let residual = matmul(a, v) - v * Tensor(shape: [1, 30], scalars: result.eigenvalues)
        #expect(residual.abs().max().scalar < 1e-12 * 12)
        #expect(orthonormalityError(v) < 1e-12)
        #expect(result.asymmetry < 1e-15)
        #expect(denseSpectrum(of: DenseOperator(a)).productCount == 0)
        #expect(denseSpectrum(of: DenseOperator(a)).eigenvectors == nil)
    }

    /// A slightly asymmetric operator is read as its symmetric part, and the asymmetry reported.
    @Test func symmetrizesAndReportsAsymmetry() {
        let spectrum = (0..<10).map { Double($0) + 1 }
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 52)
        var skew = Tensor<Double>.zeros(shape: [10, 10])
        skew[2, 7] = 1e-3
        skew[7, 2] = -1e-3
        let result = denseSpectrum(of: DenseOperator(a + skew))
        #expect(zip(result.eigenvalues, spectrum).allSatisfy { abs($0 - $1) < 1e-12 * 10 })
        let largest = (a + skew).abs().max().scalar
        #expect(abs(result.asymmetry - 2e-3 / largest) < 1e-12)
    }
}
