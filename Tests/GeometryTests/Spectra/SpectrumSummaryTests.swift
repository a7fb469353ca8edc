import Foundation
import Geometry
import Testing

@Suite struct SpectrumSummaryTests {
    /// λ = [4, 4, 0, 0]: two equal masses give erank 2 and PR 2.
    @Test func twoEqualEigenvalues() {
        let s = SpectrumSummary(eigenvalues: [4, 0, 4, 0])
        #expect(abs(s.effectiveRank - 2) < 1e-15)
        #expect(abs(s.participationRatio - 2) < 1e-15)
        #expect(s.numericalRank == 2)
        #expect(s.trace == 8 && s.positiveTrace == 8 && s.negativeTrace == 0)
        #expect(s.positiveCount == 2 && s.negativeCount == 0 && s.count == 4)
        #expect(s.conditionNumber == 1 && s.numericalConditionNumber == 1)
        #expect(s.largestEigenvalue == 4 && s.smallestEigenvalue == 0)
    }

    /// λ = [3, 1]: p = (¾, ¼), erank = (4/3)^¾ · 4^¼, PR = 16/10.
    @Test func unequalPair() {
        let s = SpectrumSummary(eigenvalues: [1, 3])
        #expect(abs(s.effectiveRank - pow(4.0 / 3, 0.75) * pow(4, 0.25)) < 1e-14)
        #expect(abs(s.participationRatio - 1.6) < 1e-14)
        #expect(s.conditionNumber == 3)
    }

    /// An indefinite spectrum: negatives and zeros are excluded from the rank measures and
    /// counted; the numerical rank and both condition numbers use the positive part.
    @Test func indefiniteSpectrum() {
        let s = SpectrumSummary(eigenvalues: [5, 1, -2, 0, 1e-5], rankThreshold: 1e-3)
        #expect(s.positiveCount == 3 && s.negativeCount == 1)
        #expect(abs(s.trace - 4.00001) < 1e-14)
        #expect(s.negativeTrace == -2)
        #expect(s.numericalRank == 2)  // 5 and 1 exceed 5·10⁻³
        #expect(abs(s.conditionNumber! - 5e5) < 1e-6)
        #expect(s.numericalConditionNumber == 5)
        let p = [5, 1, 1e-5].map { $0 / 6.00001 }
        #expect(abs(s.effectiveRank - exp(-p.reduce(0) { $0 + $1 * log($1) })) < 1e-14)
        #expect(abs(s.participationRatio - 6.00001 * 6.00001 / (25 + 1 + 1e-10)) < 1e-13)
        #expect(s.smallestEigenvalue == -2)
    }

    /// k equal eigenvalues: erank = PR = numerical rank = k; no positive eigenvalue: zeros.
    @Test func edgeCases() {
        let flat = SpectrumSummary(eigenvalues: [Double](repeating: 0.3, count: 7))
        #expect(abs(flat.effectiveRank - 7) < 1e-13 && abs(flat.participationRatio - 7) < 1e-13 && flat.numericalRank == 7)
        let none = SpectrumSummary(eigenvalues: [-1, 0])
        #expect(none.effectiveRank == 0 && none.participationRatio == 0 && none.numericalRank == 0 && none.conditionNumber == nil)
        let empty = SpectrumSummary(eigenvalues: [])
        #expect(empty.count == 0 && empty.largestEigenvalue == nil)
    }

    @Test func codableRoundTrip() throws {
        let s = SpectrumSummary(eigenvalues: [5, 1, -2, 0, 1e-5])
        let decoded = try JSONDecoder().decode(SpectrumSummary.self, from: JSONEncoder().encode(s))
        #expect(decoded == s)
    }
}
