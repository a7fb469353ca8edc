import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct TrajectoryDimensionTests {
    /// `θ_t = θ₀ + Σ_j a_j c_j(t) u_j` with orthonormal u_j and c_j(t) = cos(2π(j+1)t/W): over a
    /// full window these coefficient sequences are orthogonal with zero mean, so the centred
    /// snapshots have exactly k nonzero eigenvalues ∝ a_j² · W/2.
    func snapshots<S: TensorScalar>(
        amplitudes: [Double], window: Int, d: Int, offset: Double, seed: UInt64, as _: S.Type
    ) -> [Tensor<S>] {
        var g = RandomGenerator(seed: seed)
        let base = (0..<d).map { _ in offset * (1 + g.nextUniform()) }
        // Orthonormal directions: disjoint coordinate blocks with random signs, normalized.
        let k = amplitudes.count
        let directions: [[Int: Double]] = (0..<k).map { j in
            var u: [Int: Double] = [:]
            let block = d / k
            for i in (j * block)..<((j + 1) * block) { u[i] = (g.nextUniform() < 0.5 ? -1 : 1) / Double(block).squareRoot() }
            return u
        }
        return (0..<window).map { t in
            var theta = base
            for (j, u) in directions.enumerated() {
                let c = amplitudes[j] * cos(2 * Double.pi * Double(j + 1) * Double(t) / Double(window))
                for (i, v) in u { theta[i] += c * v }
            }
            return Tensor(shape: [d], scalars: theta.map { S($0) })
        }
    }

    /// Snapshots moving along k = 1, 3, 5 known directions in d = 100 000 (offset ‖θ₀‖ ≈ 500,
    /// motion of order 1): the trajectory dimension is k and the ratios are a_j² / Σ a² exactly
    /// (Double: 1e−9).
    @Test(arguments: [1, 3, 5])
    func equalsTheNumberOfDirections(k: Int) {
        let amplitudes = (0..<k).map { 1 + 0.1 * Double($0) }
        var trajectory = TrajectoryDimension<Double>(windowSize: 24)
        for theta in snapshots(amplitudes: amplitudes, window: 24, d: 100_000, offset: 1, seed: 9, as: Double.self) {
            trajectory.append(theta)
        }
        let e = trajectory.estimate()!
        #expect(e.snapshotCount == 24 && e.explainedVarianceRatios.count == 24)
        let total = amplitudes.map { $0 * $0 }.reduce(0, +)
        let expected = amplitudes.map { $0 * $0 / total }.sorted(by: >)
        for j in 0..<24 {
            #expect(abs(e.explainedVarianceRatios[j] - (j < k ? expected[j] : 0)) <= 1e-9)
        }
        #expect(e.components == k)
    }

    /// The same in Float with a large common offset (θ ≈ 100, motion ≈ 1): centring before the
    /// products keeps the ratios to Float accuracy (1e−4).
    @Test func floatSnapshotsWithALargeOffset() {
        var trajectory = TrajectoryDimension<Float>(windowSize: 16)
        for theta in snapshots(amplitudes: [1, 1, 1], window: 16, d: 30_000, offset: 100, seed: 4, as: Float.self) {
            trajectory.append(theta)
        }
        let e = trajectory.estimate()!
        for j in 0..<3 { #expect(abs(e.explainedVarianceRatios[j] - 1.0 / 3) <= 1e-4) }
        #expect(e.explainedVarianceRatios[3...].allSatisfy { $0 <= 1e-4 })
        #expect(e.components == 3)
    }

    /// Random snapshots in d = 30: the ratios equal the eigenvalues of the d × d covariance of
    /// the explicitly centred window (dense, another route), and the threshold is honoured.
    @Test func matchesTheDenseCovariance() {
        let w = 8, d = 30
        let rows: Tensor<Double> = testTensor([w, d], seed: 21)
        var trajectory = TrajectoryDimension<Double>(windowSize: w, threshold: 0.75)
        for t in 0..<w { trajectory.append(rows.slice(t..<(t + 1), alongAxis: 0).reshaped(to: [d])) }
        let e = trajectory.estimate()!
        let centred = rows - rows.sum(alongAxes: [0], keepingDimensions: true) / Double(w)
        let covariance = matmul(centred, centred, transposeA: true)
        let eigen = covariance.symmetricEigendecomposition(computeVectors: false).values.scalars.reversed().map { max(0, $0) }
        let total = eigen.reduce(0, +)
        for j in 0..<w { #expect(abs(e.explainedVarianceRatios[j] - eigen[j] / total) <= 1e-12) }
        var cumulative = 0.0, expectedComponents = 0
        for (j, v) in eigen.enumerated() {
            cumulative += v
            if cumulative >= 0.75 * total { expectedComponents = j + 1; break }
        }
        #expect(e.components == expectedComponents && e.threshold == 0.75)
    }

    /// The window slides: after W more snapshots the old ones no longer count, and partially
    /// filled windows use only the snapshots appended.
    @Test func windowSlides() {
        let w = 12
        let good = snapshots(amplitudes: [2, 1], window: w, d: 600, offset: 1, seed: 5, as: Double.self)
        let noise = (0..<w).map { testTensor([600], seed: UInt64(100 + $0), as: Double.self) * 50 }
        var sliding = TrajectoryDimension<Double>(windowSize: w)
        #expect(sliding.estimate() == nil)
        sliding.append(noise[0])
        #expect(sliding.estimate() == nil)
        for t in noise { sliding.append(t) }
        #expect(sliding.estimate()!.components > 2)
        for t in good { sliding.append(t) }
        var fresh = TrajectoryDimension<Double>(windowSize: w)
        for t in good { fresh.append(t) }
        let a = sliding.estimate()!, b = fresh.estimate()!
        #expect(a.components == 2 && b.components == 2)
        for (x, y) in zip(a.explainedVarianceRatios, b.explainedVarianceRatios) { #expect(abs(x - y) <= 1e-12) }
        var partial = TrajectoryDimension<Double>(windowSize: 50)
        for t in good { partial.append(t) }
        #expect(partial.estimate()!.snapshotCount == w)
        #expect(partial.estimate()!.components == 2)
    }
}
