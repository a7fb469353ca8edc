@testable import Geometry
import Testing

@Suite struct GammaDistributionTests {
    /// P(a, x) against SciPy 1.17 `scipy.special.gammainc(a, x)`, both branches (series for
    /// x < a + 1, continued fraction otherwise).
    @Test(arguments: [
        (0.5, 0.1, 0.34527915398142317), (3, 2.0, 0.32332358381693654), (10, 15.0, 0.9301463393005901),
        (1000, 980.0, 0.2656040388821805), (7.5, 30.0, 0.9999997477914921),
    ])
    func cdfMatchesSciPy(a: Double, x: Double, expected: Double) {
        let p = GammaDistribution.cdf(x, shape: a)
        #expect(abs(p - expected) <= 1e-12 * max(1, expected), "P(\(a), \(x)) = \(p), SciPy \(expected)")
    }

    /// Quantiles against SciPy 1.17 `scipy.stats.gamma.ppf(p, a)`.
    @Test(arguments: [
        (1, 0.025, 0.025317807984289876), (1, 0.975, 3.6888794541139354), (5, 0.025, 1.6234863901184207),
        (5, 0.975, 10.241588675403694), (1799, 0.025, 1716.8200410784525), (1799, 0.975, 1883.0741890787158),
        (2.5, 0.5, 2.175730095547763), (50, 0.005, 33.66378165273958), (50, 0.995, 70.0847447211569),
    ])
    func quantileMatchesSciPy(a: Double, p: Double, expected: Double) {
        let x = GammaDistribution.quantile(p, shape: a)
        #expect(abs(x - expected) <= 1e-10 * expected, "Gamma(\(a)) quantile \(p) = \(x), SciPy \(expected)")
    }
}
