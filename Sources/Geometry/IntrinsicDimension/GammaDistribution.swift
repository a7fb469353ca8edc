#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard gamma distribution `Gamma(a, 1)`, density `x^{a−1} e^{−x} / Γ(a)`: the law of
/// the sum of `a` independent unit exponentials, which gives the exact confidence intervals of
/// the TwoNN estimator (``twoNN(ratios:discardFraction:confidenceLevel:)``).
enum GammaDistribution {
    /// The regularized lower incomplete gamma function, the distribution function of `Gamma(a, 1)`:
    ///
    /// ```
    /// P(a, x) = γ(a, x) / Γ(a) = (1/Γ(a)) ∫₀ˣ t^{a−1} e^{−t} dt
    /// ```
    ///
    /// By the power series for `x < a + 1` and by the continued fraction of `Q = 1 − P`
    /// (modified Lentz) otherwise (Numerical Recipes §6.2); relative accuracy about `1e−14`.
    static func cdf(_ x: Double, shape a: Double) -> Double {
        precondition(a > 0, "GammaDistribution.cdf: shape must be positive, got \(a)")
        if x <= 0 { return 0 }
        if x.isInfinite { return 1 }
        let prefactor = exp(-x + a * log(x) - lgamma(a))
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var n = 1.0
            while abs(term) > abs(sum) * 1e-17 {
                term *= x / (a + n)
                sum += term
                n += 1
            }
            return min(1, sum * prefactor)
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while true {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 || i > 10_000 { break }
            i += 1
        }
        return max(0, 1 - prefactor * h)
    }

    /// The `p`-quantile of `Gamma(a, 1)`: the `x` with `P(a, x) = p`, by bisection of the
    /// monotone ``cdf(_:shape:)`` (to the last representable digit).
    static func quantile(_ p: Double, shape a: Double) -> Double {
        precondition(p > 0 && p < 1, "GammaDistribution.quantile: p must lie in (0, 1), got \(p)")
        precondition(a > 0, "GammaDistribution.quantile: shape must be positive, got \(a)")
        var lo = 0.0
        var hi = a + 1
        while cdf(hi, shape: a) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }
            if cdf(mid, shape: a) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }
}
