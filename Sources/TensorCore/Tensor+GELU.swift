import CVectorMath

extension Tensor {
    /// GELU and its derivative in one pass: `(x Φ(x), Φ(x) + x φ(x))` for the exact form, or the
    /// tanh form's value and derivative.
    ///
    /// Exact form: for `Float`, one exponential per element, `e^{−x²/2}`, serves both `φ` and the
    /// tail `Φ(−|x|) = e^{−x²/2} t Q(t)` (`t = 1/(1 + |x|/2)`), with `Φ(x) = ½ + x P(x²)` for
    /// `|x| ≤ 1.2` (`P`, `Q` fitted polynomials; absolute error of `Φ` and of the derivative ≤ 2e-7,
    /// and `Φ(x)` keeps its relative accuracy for `x < 0`). `Double` uses SLEEF's `erf` and `exp`
    /// (1 ULP each).
    ///
    /// Training keeps the derivative from the forward pass, so the backward pass is one multiply
    /// instead of a second erf.
    public func geluWithDerivative(approximation: GELUApproximation = .none) -> (value: Tensor, derivative: Tensor) {
        if approximation == .tanh { return (elementwise(.geluTanh), elementwise(.geluTanhDerivative)) }
        let y = Tensor(uninitializedShape: shape), g = Tensor(uninitializedShape: shape)
        withExtendedLifetime(self) {
            geluWithDerivativeKernel(storage.pointer, y.storage.pointer, g.storage.pointer, count: scalarCount)
        }
        return (y, g)
    }
}

@_specialize(where S == Float)
@_specialize(where S == Double)
func geluWithDerivativeKernel<S: TensorScalar>(
    _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ g: UnsafeMutablePointer<S>, count n: Int
) {
    if S.self == Float.self {
        // Float: one fused pass with one exponential per element (CVectorMath's carve_gelu_f32).
        let px = UncheckedSendable(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self))
        let py = UncheckedSendable(UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self))
        let pg = UncheckedSendable(UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self))
        Parallel.forEachChunk(count: n, cost: 8) { r in
            carve_gelu_f32(px.value + r.lowerBound, py.value + r.lowerBound, pg.value + r.lowerBound, r.count)
        }
        return
    }
    let px = UncheckedSendable(x), py = UncheckedSendable(y), pg = UncheckedSendable(g)
    Parallel.forEachChunk(count: n, cost: 32) { r in
        withUnsafeTemporaryAllocation(of: S.self, capacity: 2 * blockSize) { tmp in
            let t = tmp.baseAddress!, u = t + blockSize
            let invSqrt2 = S(0.70710678118654752440), invSqrt2Pi = S(0.39894228040143267794)
            var lo = r.lowerBound
            while lo < r.upperBound {
                let m = Swift.min(blockSize, r.upperBound - lo)
                let x = px.value + lo, y = py.value + lo, g = pg.value + lo
                for i in 0..<m { t[i] = x[i] * invSqrt2; u[i] = -S(0.5) * x[i] * x[i] }
                S.vectorErf(t, t, count: m)
                S.vectorExp(u, u, count: m)
                for i in 0..<m {
                    let phi = S(0.5) * (1 + t[i])
                    // Clamp the factor x (not the arguments) so ±∞ gives (±∞·Φ, Φ) without NaN.
                    let xf = Swift.max(-S.greatestFiniteMagnitude, Swift.min(S.greatestFiniteMagnitude, x[i]))
                    y[i] = x[i].isInfinite ? (x[i] > 0 ? x[i] : -0.0) : x[i] * phi
                    g[i] = x[i].isNaN ? x[i] : phi + xf * invSqrt2Pi * u[i]
                }
                lo += m
            }
        }
    }
}
