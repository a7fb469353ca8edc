import Foundation
import Geometry
import TensorCore
import Testing

@Suite struct LevinaBickelTests {
    /// One point with T = (1, 2, 4) and k = 3: m̂ = [ (1/2)(log 4 + log 2) ]^{−1} = 2 / (3 log 2).
    @Test func formulaByHand() {
        let distances = Tensor<Double>(shape: [1, 3], scalars: [1, 2, 4])
        for pooling in LevinaBickelPooling.allCases {
            let e = levinaBickel(distances: distances, neighborRange: 3...3, pooling: pooling)
            #expect(abs(e.dimension - 2 / (3 * log(2.0))) <= 1e-15)
        }
        // Two points, k = 2: inverses log 2 and log 8; the pools differ.
        let two = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 1, 8])
        let inverse = levinaBickel(distances: two, neighborRange: 2...2, pooling: .inverseAverage).dimension
        let average = levinaBickel(distances: two, neighborRange: 2...2, pooling: .average).dimension
        #expect(abs(inverse - 2 / (log(2.0) + log(8.0))) <= 1e-15)
        #expect(abs(average - (1 / log(2.0) + 1 / log(8.0)) / 2) <= 1e-15)
    }

    /// Distances from the model the estimator assumes: around each point a Poisson process of
    /// unit intensity in a d-ball, so the volumes V_j = c T_j^d are the arrival times of a unit
    /// Poisson process. Then Σ_{j<k} log(T_k/T_j) ~ Gamma(k − 1, rate d) exactly, which gives
    /// closed forms: MacKay–Ghahramani pooling is consistent for d (relative sd per k about
    /// 1/√(n(k−1)) ≈ 0.5% at n = 4000; tolerance 2%), and Levina–Bickel averaging converges to
    /// d · mean_k (k−1)/(k−2) (its documented upward bias; tolerance 2%).
    @Test func poissonModelClosedForms() {
        let d = 4.0, n = 4000, kMax = 20
        var g = RandomGenerator(seed: 7)
        let distances = Tensor<Double>(shape: [n, kMax]) { out in
            for i in 0..<n {
                var v = 0.0
                for j in 0..<kMax {
                    v += -log(1 - g.nextUniform())
                    out[i * kMax + j] = pow(v, 1 / d)
                }
            }
        }
        let mg = levinaBickel(distances: distances)
        #expect(abs(mg.dimension / d - 1) <= 0.02, "MacKay–Ghahramani \(mg.dimension)")
        #expect(mg.dimensionsByK.count == 11 && mg.minimumK == 10 && mg.maximumK == 20)
        let lb = levinaBickel(distances: distances, pooling: .average)
        var biasFactor = 0.0
        for k in 10...20 { biasFactor += Double(k - 1) / Double(k - 2) / 11 }
        let biased = d * biasFactor
        #expect(abs(lb.dimension / biased - 1) <= 0.02, "Levina–Bickel \(lb.dimension), expected \(biased)")
    }

    /// Point clouds, n = 2000 (seed 1), default k = 10…20, MacKay–Ghahramani pooling.
    /// Measured: subspace (cube) d = 2: 1.98, d = 5: 4.51, d = 10: 8.06; sphere S² 1.99,
    /// S⁵ 4.87, S¹⁰ 8.98; swiss roll 1.96. The MLE underestimates as d grows (k-neighbourhoods
    /// of 2000 points reach the cube's boundary and the sphere's curvature; SciPy cKDTree on
    /// fresh cubes gives 4.49–4.53 for d = 5 and 8.06–8.24 for d = 10), so: ±12% up to d = 5,
    /// [0.75 d, 1.05 d] for the 10-cube and [0.85 d, 1.05 d] for S¹⁰.
    @Test(arguments: [
        ("subspace", 2, 0.88, 1.12), ("subspace", 5, 0.88, 1.12), ("subspace", 10, 0.75, 1.05),
        ("sphere", 2, 0.88, 1.12), ("sphere", 5, 0.88, 1.12), ("sphere", 10, 0.85, 1.05),
    ])
    func pointCloudsOfKnownDimension(kind: String, d: Int, low: Double, high: Double) throws {
        let points =
            kind == "sphere"
            ? PointClouds.sphere(count: 2000, dimension: d, ambient: 100, seed: 1)
            : PointClouds.subspace(count: 2000, dimension: d, ambient: 100, seed: 1)
        let e = try levinaBickel(points: points)
        #expect(e.dimension >= low * Double(d) && e.dimension <= high * Double(d), "\(kind) d = \(d): \(e.dimension)")
    }

    @Test func swissRoll() throws {
        let e = try levinaBickel(points: PointClouds.swissRoll(count: 2000, ambient: 50, seed: 1))
        #expect(abs(e.dimension - 2) <= 0.2, "\(e.dimension)")
    }
}
