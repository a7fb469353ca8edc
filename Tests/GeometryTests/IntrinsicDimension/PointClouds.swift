import Foundation
import TensorCore

/// Seeded point clouds of known intrinsic dimension, in Double.
enum PointClouds {
    /// `[D, d]` with orthonormal columns: Gram–Schmidt (twice, for orthogonality to rounding) of
    /// a Gaussian matrix.
    static func orthonormalBasis(ambient D: Int, dimension d: Int, using g: inout RandomGenerator) -> [[Double]] {
        precondition(d <= D)
        var columns: [[Double]] = []
        for _ in 0..<d {
            var v = (0..<D).map { _ in g.nextStandardNormal() }
            for _ in 0..<2 {
                for u in columns {
                    let p = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<D { v[i] -= p * u[i] }
                }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            columns.append(v.map { $0 / norm })
        }
        return columns
    }

    /// Rows `z_i` `[n, d]` mapped into ℝ^D by a random orthonormal basis: `x_i = Q z_i`.
    static func embed(_ z: [[Double]], ambient D: Int, using g: inout RandomGenerator) -> Tensor<Double> {
        let d = z[0].count
        let q = orthonormalBasis(ambient: D, dimension: d, using: &g)
        return Tensor(shape: [z.count, D]) { out in
            for i in out.indices { out[i] = 0 }
            for (i, row) in z.enumerated() {
                for c in 0..<d where row[c] != 0 {
                    for a in 0..<D { out[i * D + a] += row[c] * q[c][a] }
                }
            }
        }
    }

    /// Uniform in the unit cube of a random `d`-dimensional linear subspace of ℝ^D.
    static func subspace(count n: Int, dimension d: Int, ambient D: Int, seed: UInt64) -> Tensor<Double> {
        var g = RandomGenerator(seed: seed)
        let z = (0..<n).map { _ in (0..<d).map { _ in g.nextUniform() } }
        return embed(z, ambient: D, using: &g)
    }

    /// Uniform on the unit sphere S^d ⊂ ℝ^{d+1}, rotated into ℝ^D.
    static func sphere(count n: Int, dimension d: Int, ambient D: Int, seed: UInt64) -> Tensor<Double> {
        var g = RandomGenerator(seed: seed)
        let z = (0..<n).map { _ -> [Double] in
            let v = (0...d).map { _ in g.nextStandardNormal() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        return embed(z, ambient: D, using: &g)
    }

    /// The swiss roll (d = 2): `t = 1.5π(1 + 2u)`, `h = 21 v`, `(t cos t, h, t sin t)`, rotated
    /// into ℝ^D (D = 3 keeps the standard coordinates).
    static func swissRoll(count n: Int, ambient D: Int, seed: UInt64) -> Tensor<Double> {
        var g = RandomGenerator(seed: seed)
        let z = (0..<n).map { _ -> [Double] in
            let t = 1.5 * Double.pi * (1 + 2 * g.nextUniform())
            let h = 21 * g.nextUniform()
            return [t * cos(t), h, t * sin(t)]
        }
        if D == 3 { return Tensor(shape: [n, 3], scalars: z.flatMap { $0 }) }
        return embed(z, ambient: D, using: &g)
    }
}
