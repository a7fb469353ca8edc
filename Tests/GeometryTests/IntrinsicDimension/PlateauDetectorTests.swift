import Foundation
import Geometry
import TensorCore
import Testing

@Suite struct PlateauDetectorTests {
    /// v_i = 10 − 5·2^{−i}: over a window of 5 the spread is v_i − v_{i−4} = 75·2^{−i}, relative
    /// to a mean just under 10: 0.0146 at i = 9, 0.0073 at i = 10. The default tolerance 0.01
    /// first holds at i = 10 (observation 11 ≥ the minimum 10), and from then on.
    @Test func firesWhenTheSpreadFallsBelowTolerance() {
        var detector = PlateauDetector()
        let values = (0..<20).map { 10 - 5 * pow(0.5, Double($0)) }
        var first: Int? = nil
        for (i, v) in values.enumerated() {
            let d = detector.observe(step: 100 * i, value: v)
            if d.fired, first == nil { first = i }
            if i >= 4 {
                let window = values[(i - 4)...i]
                let expected = (v - values[i - 4]) / (window.reduce(0, +) / 5)
                #expect(abs(d.relativeChange! - expected) <= 1e-12)
                #expect(d.windowMinimum == values[i - 4] && d.windowMaximum == v)
            } else {
                #expect(d.relativeChange == nil && !d.fired)
            }
            if i >= 10 { #expect(d.fired) }
        }
        #expect(first == 10)
    }

    /// A rising line, a noisy flat sequence with 5% noise (spread of 5 draws ≫ 1%) and an
    /// oscillation whose endpoints agree never fire.
    @Test func doesNotFireOnRisingNoisyOrOscillatingSequences() {
        var g = RandomGenerator(seed: 8)
        var rising = PlateauDetector(), noisy = PlateauDetector(), oscillating = PlateauDetector()
        for i in 0..<300 {
            #expect(!rising.observe(step: i, value: 1 + Double(i)).fired)
            #expect(!noisy.observe(step: i, value: 20 * (1 + 0.05 * g.nextStandardNormal())).fired)
            #expect(!oscillating.observe(step: i, value: 20 + 0.5 * sin(Double.pi * Double(i) / 2)).fired)
        }
    }

    @Test func codableRoundTrip() throws {
        var detector = PlateauDetector(configuration: .init(window: 3, tolerance: 0.05, minimumObservations: 4))
        for i in 0..<5 { detector.observe(step: i, value: 3 + 0.01 * Double(i)) }
        var restored = try JSONDecoder().decode(PlateauDetector.self, from: JSONEncoder().encode(detector))
        #expect(restored == detector)
        for i in 5..<9 { #expect(detector.observe(step: i, value: 3) == restored.observe(step: i, value: 3)) }
        #expect(detector.lastDecision?.fired == true)
    }
}
