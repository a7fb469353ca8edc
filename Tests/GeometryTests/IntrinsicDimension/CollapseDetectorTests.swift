import Foundation
import Geometry
import TensorCore
import Testing

@Suite struct CollapseDetectorTests {
    /// Observed every 10 steps: a rise 2 → 10 (observations 0–19), a linear fall to 5
    /// (20–39, slope −0.025 per step, relative ≥ 0.0025 > 1e−3), then flat at 5 ± 0.01.
    /// Nothing fires during the rise or the fall; every decision fires once the slope window
    /// lies in the flat part (observation 44 on), reporting drop 0.5 from the maximum 10.
    @Test func firesAfterAFallThatFlattens() {
        var detector = CollapseDetector()
        var fired: [Int] = []
        for i in 0..<60 {
            let v: Double =
                i < 20 ? 2 + 8 * Double(i) / 19 : i < 40 ? 10 - 5 * Double(i - 19) / 20 : 5 + (i % 2 == 0 ? 0.01 : -0.01)
            let d = detector.observe(step: 10 * i, value: v)
            if d.fired { fired.append(i) }
            if i >= 44 {
                #expect(d.fired)
                #expect(abs(d.drop - (1 - v / 10)) <= 1e-15 && d.runningMaximum == 10)
                #expect(abs(d.relativeSlope!) < 1e-3)
            }
        }
        #expect(fired.allSatisfy { $0 >= 40 }, "fired at \(fired)")
        #expect(detector.lastDecision?.fired == true && detector.observationCount == 60)
    }

    /// A noisy flat sequence (8 ± 4% Gaussian noise), a noisy rising one and a steady fall
    /// (10 → 1, never flat) never fire.
    @Test func doesNotFireOnNoisyFlatRisingOrSteadilyFallingSequences() {
        var g = RandomGenerator(seed: 12)
        var flat = CollapseDetector(), rising = CollapseDetector(), falling = CollapseDetector()
        for i in 0..<300 {
            #expect(!flat.observe(step: i, value: 8 + 0.3 * g.nextStandardNormal()).fired)
            #expect(!rising.observe(step: i, value: 5 + 0.05 * Double(i) + 0.1 * g.nextStandardNormal()).fired)
            #expect(!falling.observe(step: i, value: 10 - 0.03 * Double(i)).fired)
        }
    }

    /// The least-squares slope of an exactly linear window is its slope: b / |v| per step.
    @Test func relativeSlopeOfALinearSequence() {
        var detector = CollapseDetector(configuration: .init(slopeWindow: 4))
        var last: CollapseDetector.Decision? = nil
        for i in 0..<6 { last = detector.observe(step: 3 * i, value: 7 - 0.2 * Double(3 * i)) }
        let v = 7 - 0.2 * 15
        #expect(abs(last!.relativeSlope! - (-0.2 / v)) <= 1e-12)
    }

    /// [10, 5, 5, …] one step apart: the window (5) is flat from observation 6 on and the drop is
    /// 0.5, but nothing fires before minimumObservations (10) observations.
    @Test func waitsForTheMinimumNumberOfObservations() {
        var detector = CollapseDetector()
        let firstFired = (1...20).first { i in detector.observe(step: i, value: i == 1 ? 10 : 5).fired }
        #expect(firstFired == 10)
        var eager = CollapseDetector(configuration: .init(minimumObservations: 1))
        let eagerFirst = (1...20).first { i in eager.observe(step: i, value: i == 1 ? 10 : 5).fired }
        #expect(eagerFirst == 6)
    }

    /// Non-finite values are reported, never fire, and leave the state alone; the detector and its
    /// decisions round-trip through JSON and continue identically.
    @Test func nonFiniteValuesAndCodable() throws {
        var detector = CollapseDetector()
        for i in 0..<12 { detector.observe(step: i, value: i == 0 ? 10 : 5) }
        let nan = detector.observe(step: 12, value: .nan)
        #expect(!nan.fired && detector.observationCount == 12)
        let data = try JSONEncoder().encode(detector)
        var restored = try JSONDecoder().decode(CollapseDetector.self, from: data)
        for i in 13..<20 {
            let v = 5 - 0.1 * Double(i)
            #expect(detector.observe(step: i, value: v) == restored.observe(step: i, value: v))
        }
        let decision = detector.lastDecision!
        #expect(try JSONDecoder().decode(CollapseDetector.Decision.self, from: JSONEncoder().encode(decision)) == decision)
    }
}
