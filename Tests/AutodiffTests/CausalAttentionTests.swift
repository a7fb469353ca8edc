import Autodiff
import Foundation
import TensorCore
import TestSupport
import Testing

@Suite("Fused causal attention")
struct CausalAttentionTests {
    let heads = 2
    // [B, T, D] = [2, 5, 6]: two heads of width 3.
    let inputs: [Tensor<Double>] = [
        testTensor([2, 5, 6], seed: 81, in: -1.5..<1.5), testTensor([2, 5, 6], seed: 82, in: -1.5..<1.5),
        testTensor([2, 5, 6], seed: 83, in: -1..<1),
    ]

    func fused<S: TensorScalar>(_ v: [Variable<S>]) -> Variable<S> {
        Variable.causalAttention(query: v[0], key: v[1], value: v[2], heads: heads)
    }

    /// The unfused formulation: heads split by permutes, additive mask, softmax, batched products.
    func composite<S: TensorScalar>(_ v: [Variable<S>]) -> Variable<S> {
        let (b, t, d) = (v[0].shape[0], v[0].shape[1], v[0].shape[2])
        let hd = d / heads
        func split(_ x: Variable<S>) -> Variable<S> {
            x.reshaped(to: [b, t, heads, hd]).permuted([0, 2, 1, 3]).reshaped(to: [b * heads, t, hd])
        }
        let mask = Tensor<S>(shape: [t, t]) { m in for i in 0..<t { for j in 0..<t { m[i * t + j] = j <= i ? 0 : -.infinity } } }
        let scores = matmul(split(v[0]), split(v[1]), transposeB: true) * S(1 / Double(hd).squareRoot()) + Variable(mask)
        let y = matmul(scores.softmax(alongAxis: -1), split(v[2]))
        return y.reshaped(to: [b, heads, t, hd]).permuted([0, 2, 1, 3]).reshaped(to: [b, t, d])
    }

    @Test func passesDerivativeChecks() {
        // Central differences here: rounding noise ~2e-10 at h = 1e-6 and truncation ~3e-9 at
        // h = 1e-5 (measured) against the 1e-6 error floor, so the tolerance is 1e-5; the exact
        // comparison with the composite formulation is gradientAndJVPMatchComposite (1e-13).
        checkDerivatives(fused, float: fused, at: inputs, gradientTolerance: 1e-5, step: 1e-5)
    }

    /// Independent computation: plain loops over (batch, head, query position) in Double.
    @Test func valueMatchesNaiveLoops() {
        let (q, k, v) = (inputs[0].scalars, inputs[1].scalars, inputs[2].scalars)
        let (b, t, d, hd) = (2, 5, 6, 3)
        let (y, p) = causalAttention(query: inputs[0], key: inputs[1], value: inputs[2], heads: heads)
        #expect(y.shape == [b, t, d] && p.shape == [b, heads, t, t])
        var expected = [Double](repeating: 0, count: b * t * d)
        var expectedP = [Double](repeating: 0, count: b * heads * t * t)
        for bi in 0..<b {
            for h in 0..<heads {
                for i in 0..<t {
                    var s = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        for c in 0..<hd { s[j] += q[(bi * t + i) * d + h * hd + c] * k[(bi * t + j) * d + h * hd + c] }
                        s[j] /= Double(hd).squareRoot()
                    }
                    let m = s.max()!
                    let e = s.map { Foundation.exp($0 - m) }
                    let z = e.reduce(0, +)
                    for j in 0...i {
                        expectedP[((bi * heads + h) * t + i) * t + j] = e[j] / z
                        for c in 0..<hd { expected[(bi * t + i) * d + h * hd + c] += e[j] / z * v[(bi * t + j) * d + h * hd + c] }
                    }
                }
            }
        }
        #expect(approximateMismatch(y, Tensor(shape: [b, t, d], scalars: expected), tolerance: .init(absolute: 1e-14)) == nil)
        #expect(approximateMismatch(p, Tensor(shape: [b, heads, t, t], scalars: expectedP), tolerance: .init(absolute: 1e-15)) == nil)
    }

    @Test func gradientAndJVPMatchComposite() {
        let w: Tensor<Double> = testTensor([2, 5, 6], seed: 84)
        let ga = gradient(at: inputs) { (fused($0) * w).sum() }
        let gb = gradient(at: inputs) { (composite($0) * w).sum() }
        for (x, y) in zip(ga, gb) { #expect(approximateMismatch(x, y, tolerance: .init(absolute: 1e-13)) == nil) }
        let dirs: [Tensor<Double>] = (0..<3).map { testTensor([2, 5, 6], seed: 85 + UInt64($0)) }
        let (ya, ja) = jvp(of: fused, at: inputs, direction: dirs)
        let (yb, jb) = jvp(of: composite, at: inputs, direction: dirs)
        #expect(approximateMismatch(ya, yb, tolerance: .init(absolute: 1e-14)) == nil)
        #expect(approximateMismatch(ja, jb, tolerance: .init(absolute: 1e-13)) == nil)
    }

    @Test func hessianVectorProductMatchesFiniteDifferences() {
        let w: Tensor<Double> = testTensor([2, 5, 6], seed: 88)
        let f: ([Variable<Double>]) -> Variable<Double> = { (self.fused($0) * self.fused($0) * w).sum() }
        let vs: [Tensor<Double>] = (0..<3).map { testTensor([2, 5, 6], seed: 89 + UInt64($0)) }
        let (_, _, hv) = gradientAndHessianVectorProduct(of: f, at: inputs, direction: vs)
        let h = 1e-5
        let gp = gradient(at: zip(inputs, vs).map { $0 + $1 * h }, of: f)
        let gm = gradient(at: zip(inputs, vs).map { $0 - $1 * h }, of: f)
        for k in inputs.indices {
            let fd = (gp[k] - gm[k]) / (2 * h)
            #expect(approximateMismatch(hv[k], fd, tolerance: .init(absolute: 1e-7, relative: 1e-6)) == nil, "input \(k)")
        }
    }

    /// Larger blocks (T = 32, d_h = 32) in Float, as the GPT benchmark runs them, against Double.
    @Test func floatMatchesDoubleAtTrainingSize() {
        let xs: [Tensor<Double>] = (0..<3).map { testTensor([3, 32, 128], seed: 92 + UInt64($0), in: -2..<2) }
        let w: Tensor<Double> = testTensor([3, 32, 128], seed: 95)
        let f4: ([Variable<Double>]) -> Variable<Double> = { (Variable.causalAttention(query: $0[0], key: $0[1], value: $0[2], heads: 4) * w).sum() }
        let wf = w.converted(to: Float.self)
        let ff: ([Variable<Float>]) -> Variable<Float> = { (Variable.causalAttention(query: $0[0], key: $0[1], value: $0[2], heads: 4) * wf).sum() }
        let (vd, gd) = valueWithGradient(at: xs, of: f4)
        let (vf, gf) = valueWithGradient(at: xs.map { $0.converted(to: Float.self) }, of: ff)
        #expect(Swift.abs(Double(vf) - vd) <= 1e-4 * Swift.max(1, Swift.abs(vd)))
        for (a, b) in zip(gf, gd) { #expect(approximateMismatch(a, b, tolerance: .init(absolute: 1e-4, relative: 1e-3)) == nil) }
        let gc = gradient(at: xs) { (self.compositeHeads4($0) * w).sum() }
        for (a, b) in zip(gd, gc) { #expect(approximateMismatch(a, b, tolerance: .init(absolute: 1e-12)) == nil) }
    }

    func compositeHeads4(_ v: [Variable<Double>]) -> Variable<Double> {
        let (b, t, d) = (v[0].shape[0], v[0].shape[1], v[0].shape[2])
        let hd = d / 4
        func split(_ x: Variable<Double>) -> Variable<Double> {
            x.reshaped(to: [b, t, 4, hd]).permuted([0, 2, 1, 3]).reshaped(to: [b * 4, t, hd])
        }
        let mask = Tensor<Double>(shape: [t, t]) { m in for i in 0..<t { for j in 0..<t { m[i * t + j] = j <= i ? 0 : -.infinity } } }
        let scores = matmul(split(v[0]), split(v[1]), transposeB: true) * (1 / Double(hd).squareRoot()) + Variable(mask)
        let y = matmul(scores.softmax(alongAxis: -1), split(v[2]))
        return y.reshaped(to: [b, 4, t, hd]).permuted([0, 2, 1, 3]).reshaped(to: [b, t, d])
    }

    /// The packed form `[Q K V]` `[B, T, 3D]`: derivative checks, and the same value, gradient,
    /// JVP and Hessian–vector product as the three separate inputs.
    @Test func packedMatchesSeparate() {
        let packed = concatenate(inputs, alongAxis: 2)  // [2, 5, 18]
        func viaPacked<S: TensorScalar>(_ v: [Variable<S>]) -> Variable<S> { Variable.causalAttention(packed: v[0], heads: heads) }
        func viaParts<S: TensorScalar>(_ v: [Variable<S>]) -> Variable<S> {
            fused([v[0].slice(0..<6, alongAxis: 2), v[0].slice(6..<12, alongAxis: 2), v[0].slice(12..<18, alongAxis: 2)])
        }
        checkDerivatives(viaPacked, float: viaPacked, at: [packed], gradientTolerance: 1e-5, step: 1e-5)
        let w: Tensor<Double> = testTensor([2, 5, 6], seed: 96)
        #expect(approximateMismatch(viaPacked([Variable(packed)]).value, viaParts([Variable(packed)]).value, tolerance: .init(absolute: 1e-15)) == nil)
        let ga = gradient(at: [packed]) { (viaPacked($0) * w).sum() }
        let gb = gradient(at: [packed]) { (viaParts($0) * w).sum() }
        #expect(approximateMismatch(ga[0], gb[0], tolerance: .init(absolute: 1e-14)) == nil)
        let dir: Tensor<Double> = testTensor([2, 5, 18], seed: 97)
        let (_, ja) = jvp(of: viaPacked, at: [packed], direction: [dir])
        let (_, jb) = jvp(of: viaParts, at: [packed], direction: [dir])
        #expect(approximateMismatch(ja, jb, tolerance: .init(absolute: 1e-14)) == nil)
        let f: ([Variable<Double>]) -> Variable<Double> = { v in (viaPacked(v) * viaPacked(v) * w).sum() }
        let g: ([Variable<Double>]) -> Variable<Double> = { v in (viaParts(v) * viaParts(v) * w).sum() }
        let (_, _, ha) = gradientAndHessianVectorProduct(of: f, at: [packed], direction: [dir])
        let (_, _, hb) = gradientAndHessianVectorProduct(of: g, at: [packed], direction: [dir])
        #expect(approximateMismatch(ha[0], hb[0], tolerance: .init(absolute: 1e-12)) == nil)
    }

    @Test func shapeMisuseTraps() async {
        await #expect(processExitsWith: .failure) {
            let x = Tensor<Double>(shape: [1, 4, 6], repeating: 0)
            _ = causalAttention(query: x, key: x, value: x, heads: 4)
        }
    }
}
