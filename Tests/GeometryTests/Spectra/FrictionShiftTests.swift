import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct FrictionShiftTests {
    /// Hand-computed distances: p = (¾, ¼, 0, 0) vs q = (¼, ¼, ¼, ¼) gives TV ½ and
    /// W₁ = |¾−¼| + |1−½| + |1−¾| = 1.25; scale and order do not matter; negatives are dropped.
    @Test func spectralDistances() {
        let shift = FrictionShift(before: [1, 3], after: [2, 2, 2, 2])
        #expect(abs(shift.totalVariation - 0.5) < 1e-15)
        #expect(abs(shift.wasserstein - 1.25) < 1e-15)
        #expect(shift.spectrumLength == 4)
        #expect(shift.principalAngles == nil)
        let scaled = FrictionShift(before: [30, 10, -4], after: [0.1, 0.1, 0.1, 0.1, 0])
        #expect(abs(scaled.totalVariation - 0.5) < 1e-15 && abs(scaled.wasserstein - 1.25) < 1e-15)
        let same = FrictionShift(before: [5, 2, 1], after: [1, 5, 2])
        #expect(same.totalVariation == 0 && same.wasserstein == 0)
        let point = FrictionShift(before: [2], after: [1, 1])
        #expect(abs(point.totalVariation - 0.5) < 1e-15 && abs(point.wasserstein - 0.5) < 1e-15)
        #expect(FrictionShift.normalizedSpectrum([1, -1, 3]) == [0.75, 0.25])
    }

    /// Identical spaces give 0, orthogonal ones π/2, and rotations by αᵢ in orthogonal planes
    /// give exactly the αᵢ (also a tiny one, through the sine branch).
    @Test func principalAnglesOfKnownConfigurations() {
        let q = randomOrthogonalMatrix(30, seed: 81)
        let u = q.slice(0..<4, alongAxis: 1)
        #expect(principalAngles(between: u, and: u).allSatisfy { $0 < 1e-14 })
        let orthogonal = q.slice(4..<8, alongAxis: 1)
        #expect(principalAngles(between: u, and: orthogonal).allSatisfy { abs($0 - Double.pi / 2) < 1e-14 })

        let alphas = [1e-7, 0.3, 0.9, 1.4]
        let rotated = concatenate(
            (0..<4).map { i in (column(q, i) * cos(alphas[i]) + column(q, 10 + i) * sin(alphas[i])).reshaped(to: [30, 1]) },
            alongAxis: 1)
        let angles = principalAngles(between: u, and: rotated)
        #expect(zip(angles, alphas).allSatisfy { abs($0 - $1) < 1e-14 }, "\(angles)")

        // Different dimensions: min(k₁, k₂) angles; a subspace of U has angles 0.
        let sub = matmul(u, randomOrthogonalMatrix(4, seed: 82).slice(0..<2, alongAxis: 1))
        let nested = principalAngles(between: u, and: sub)
        #expect(nested.count == 2 && nested.allSatisfy { $0 < 1e-14 })
        #expect(principalAngles(between: sub, and: u) == nested)
    }

    /// The checkpoint comparison carries the angles, θ_max and the chordal distance.
    @Test func shiftWithEigenspaces() throws {
        let q = randomOrthogonalMatrix(12, seed: 83)
        let u1 = q.slice(0..<2, alongAxis: 1)
        let alpha = 0.4
        let u2 = concatenate([column(q, 0).reshaped(to: [12, 1]),
                              (column(q, 1) * cos(alpha) + column(q, 5) * sin(alpha)).reshaped(to: [12, 1])], alongAxis: 1)
        let shift = FrictionShift(before: [3, 1], beforeEigenvectors: u1, after: [2, 2], afterEigenvectors: u2)
        #expect(abs(shift.totalVariation - 0.25) < 1e-15)
        #expect(abs(shift.wasserstein - 0.25) < 1e-15)
        #expect(abs(shift.largestPrincipalAngle! - alpha) < 1e-14)
        #expect(abs(shift.principalAngles![0]) < 1e-14)
        #expect(abs(shift.chordalDistance! - sin(alpha)) < 1e-14)
        let decoded = try JSONDecoder().decode(FrictionShift.self, from: JSONEncoder().encode(shift))
        #expect(decoded == shift)
    }
}
