import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct StochasticLanczosQuadratureTests {
    static let spectrum: [Double] = (0..<50).map { (i: Int) -> Double in
        let x = Double(i)
        return 2 * cos(x * 0.37) * exp(-x / 40)
    }

    /// `vᵀ Aᵏ v / ‖v‖²` by repeated dense products.
    static func quadraticForm(_ a: Tensor<Double>, _ v: Tensor<Double>, power k: Int) -> Double {
        var x = v
        for _ in 0..<k { x = matmul(a, x.reshaped(to: [v.scalarCount, 1])).reshaped(to: [v.scalarCount]) }
        return dot(v, x) / dot(v, v)
    }

    /// Gauss quadrature exactness per probe: m steps integrate θᵏ exactly for k ≤ 2m − 1 (and
    /// not for k = 2m); weights sum to 1.
    @Test func quadratureIsExactUpToDegree2mMinus1() {
        let (a, _) = symmetricMatrix(spectrum: Self.spectrum, seed: 21)
        var generator = RandomGenerator(seed: 5)
        let starts: Tensor<Double> = ProbeDistribution.gaussian.sample(dimension: 50, count: 4, using: &generator)
        let m = 6
        let density = stochasticLanczosQuadrature(of: functionOperator(a), startVectors: starts, steps: m)
        #expect(density.probeCount == 4)
        #expect(density.productCount == 4 * m)
        for p in 0..<4 {
            #expect(density.nodes[p].count == m)
            #expect(abs(density.weights[p].reduce(0, +) - 1) < 1e-13)
            #expect(density.weights[p].allSatisfy { $0 >= 0 })
        }
        let maxLambda = Self.spectrum.map(abs).max()!
        for k in 0...(2 * m) {
            let quadrature = density.probeMoments(k)
            for p in 0..<4 {
                let exact = Self.quadraticForm(a, column(starts, p), power: k)
                let error = abs(quadrature[p] - exact) / pow(maxLambda, Double(k))
                if k <= 2 * m - 1 {
                    #expect(error < 1e-12, "k = \(k), probe \(p): \(quadrature[p]) vs \(exact)")
                } else {
                    #expect(error > 1e-8, "degree 2m should not be integrated exactly (error \(error))")
                }
            }
        }
    }

    /// The smoothed density integrates to 1 and its mean is traceEstimate / d; the trace estimate
    /// equals Hutchinson's on the same Rademacher probes and is within 4 standard errors of tr(A).
    @Test func densityIntegratesToOneAndMatchesTrace() {
        let (a, _) = symmetricMatrix(spectrum: Self.spectrum, seed: 22)
        let op = DenseOperator(a)
        let density = stochasticLanczosQuadrature(of: op, probes: 30, steps: 12, seed: 3)
        for bandwidth in [DensityBandwidth.relative(0.02), .absolute(0.05)] {
            let (t, phi) = density.densityGrid(pointCount: 4001, bandwidth: bandwidth)
            let h = t[1] - t[0]
            var mass = 0.0, first = 0.0
            for i in 0..<(t.count - 1) {
                mass += 0.5 * h * (phi[i] + phi[i + 1])
                first += 0.5 * h * (t[i] * phi[i] + t[i + 1] * phi[i + 1])
            }
            #expect(abs(mass - 1) < 1e-5, "mass \(mass)")
            #expect(abs(first - density.traceEstimate / 50) < 1e-5, "mean \(first) vs \(density.traceEstimate / 50)")
        }
        let trace = Self.spectrum.reduce(0, +)
        let hutchinson = hutchinsonTrace(of: op, samples: 30, seed: 3)
        #expect(abs(density.traceEstimate - hutchinson.estimate) < 1e-10 * abs(trace) + 1e-12)
        #expect(abs(density.traceStandardError! - hutchinson.standardError!) < 1e-10)
        #expect(abs(density.traceEstimate - trace) <= 4 * density.traceStandardError!)
    }

    /// With m ≥ d steps the nodes are eigenvalues; averaged over many probes the moments approach
    /// tr(Aᵏ)/d (within 4 standard errors over probes).
    @Test func averagedMomentsApproachTraceMoments() {
        let spectrum: [Double] = [-1.5, -0.5, 0.25, 0.5, 1, 1, 1.5, 2, 3, 4]
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 23)
        let density = stochasticLanczosQuadrature(of: DenseOperator(a), probes: 400, steps: 20, distribution: .gaussian, seed: 4)
        for nodes in density.nodes.prefix(5) {
            for theta in nodes { #expect(spectrum.contains { abs($0 - theta) < 1e-10 }, "node \(theta)") }
        }
        for k in 1...4 {
            let exact = spectrum.reduce(0) { $0 + pow($1, Double(k)) } / 10
            let samples = density.probeMoments(k)
            let mean = samples.reduce(0, +) / 400
            let sd = (samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 399).squareRoot()
            #expect(abs(density.moment(k) - exact) <= 4 * sd / 20, "k = \(k): \(density.moment(k)) vs \(exact)")
            #expect(abs(density.moment(k) - exact) > 0)  // stochastic, not exact
        }
    }

    /// A Codable round trip keeps every node and weight.
    @Test func codableRoundTrip() throws {
        let (a, _) = symmetricMatrix(spectrum: Self.spectrum, seed: 24)
        let density = stochasticLanczosQuadrature(of: DenseOperator(a), probes: 2, steps: 5, seed: 1)
        let decoded = try JSONDecoder().decode(SpectralDensity.self, from: JSONEncoder().encode(density))
        #expect(decoded == density)
    }
}
