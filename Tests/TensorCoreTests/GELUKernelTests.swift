import TensorCore
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("GELU value and derivative in one pass")
struct GELUKernelTests {
    func check<S: TensorScalar>(_: S.Type, tolerance: Tolerance) {
        var xs: [S] = (0..<3000).map { S(Double($0 - 1500) / 100) }
        xs += [0, -0.0, 1e-30, -1e-30, 40, -40, .infinity, -.infinity, S.greatestFiniteMagnitude, -S.greatestFiniteMagnitude]
        let x = Tensor<S>(xs)
        let (y, g) = x.geluWithDerivative()
        // References in Double from libm: x Φ(x) and Φ(x) + x φ(x).
        let ey = Tensor<Double>(xs.map { v -> Double in
            let d = Double(v)
            if d.isInfinite { return d > 0 ? d : 0 }
            return d * 0.5 * (1 + Glibc.erf(d / 2.0.squareRoot()))
        })
        let eg = Tensor<Double>(xs.map { v -> Double in
            let d = Double(v)
            if d.isInfinite { return d > 0 ? 1 : 0 }
            let phi = 0.5 * (1 + Glibc.erf(d / 2.0.squareRoot()))
            let density = Glibc.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
            return phi + (d * density).nanToZero
        })
        #expect(approximateMismatch(y, ey, tolerance: tolerance) == nil)
        #expect(approximateMismatch(g, eg, tolerance: tolerance) == nil)
        #expect(y.scalars.allSatisfy { !$0.isNaN } && g.scalars.allSatisfy { !$0.isNaN })
    }

    @Test func float() { check(Float.self, tolerance: Tolerance(absolute: 1e-6, relative: 1e-5)) }
    @Test func double() { check(Double.self, tolerance: Tolerance(absolute: 1e-13, relative: 1e-12)) }

    /// The Float kernel's own bounds, against Double references on a dense grid (tails included):
    /// absolute error of Φ(x) = y/x and of the derivative ≤ 2e-7, and for x < −1.2 (where Φ is a
    /// small tail value) relative error of y ≤ 1e-6 down to x = −13 (Φ ≈ 6e-39).
    @Test func floatKernelBounds() {
        var xs: [Float] = (0...260_000).map { Float(-13 + Double($0) * 1e-4) }
        let edge: Float = 1.2
        xs += [1e-38, -1e-38, 1e-8, -1e-8, edge, -edge, edge.nextUp, (-edge).nextDown, 15, 20, 30, 1e10, -1e10]
        let (y, g) = Tensor<Float>(xs).geluWithDerivative()
        let yv = y.scalars, gv = g.scalars
        var worstPhi = 0.0, worstG = 0.0, worstTail = 0.0
        for (i, xf) in xs.enumerated() {
            let x = Double(xf)
            let phi = 0.5 * Glibc.erfc(-x / 2.0.squareRoot())
            let density = Glibc.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            let yi = Double(yv[i]), gi = Double(gv[i])
            worstPhi = max(worstPhi, Swift.abs(yi - x * phi) / Swift.abs(x))
            worstG = max(worstG, Swift.abs(gi - (phi + x * density)))
            if x < -1.2 && x * phi != 0 { worstTail = max(worstTail, Swift.abs(yi - x * phi) / Swift.abs(x * phi)) }
        }
        #expect(worstPhi <= 2e-7, "Φ error \(worstPhi)")
        #expect(worstG <= 2e-7, "derivative error \(worstG)")
        #expect(worstTail <= 1e-6, "tail relative error \(worstTail)")
        // Limits and NaN.
        let (ys, gs) = Tensor<Float>([.infinity, -.infinity, .nan, 0, -0.0]).geluWithDerivative()
        #expect(ys.scalars[0] == .infinity && gs.scalars[0] == 1)
        #expect(ys.scalars[1] == 0 && ys.scalars[1].sign == .minus && gs.scalars[1] == 0)
        #expect(ys.scalars[2].isNaN && gs.scalars[2].isNaN)
        #expect(ys.scalars[3] == 0 && gs.scalars[3] == 0.5 && ys.scalars[4].sign == .minus && gs.scalars[4] == 0.5)
    }

    @Test func tanhFormMatchesItsKernels() {
        let x: Tensor<Float> = testTensor([1000], seed: 9, in: -8..<8)
        let (y, g) = x.geluWithDerivative(approximation: .tanh)
        #expect(y == x.elementwise(.geluTanh))
        #expect(g == x.elementwise(.geluTanhDerivative))
    }
}

private extension Double {
    var nanToZero: Double { isNaN ? 0 : self }
}
