/// Detects an intrinsic-dimension **collapse** (THEORY.md §2): the ID has fallen by a set fraction
/// from its running maximum and has stopped moving.
///
/// Fed one `(step, value)` observation at a time, it fires on an observation when
///
/// ```
/// n ≥ minimumObservations,
/// drop  = 1 − v_t / max_{s ≤ t} v_s ≥ dropFraction,                 and
/// |b| / |v_t| < slopeTolerance,   b = least-squares slope of v against step
///                                   over the last slopeWindow observations
/// ```
///
/// The slope is relative to the current value and **per training step** (not per observation),
/// so `slopeTolerance` should be chosen for the measurement spacing: with the default `1e−3`, a
/// value measured every 50 steps counts as flat while it moves less than 5% between measurements.
/// Every decision reports the numbers that made it, and the detector is `Codable` so it can be
/// checkpointed with a run.
///
/// Non-finite values (an estimator that failed) are not recorded: the returned decision reports
/// the value and does not fire, and ``lastDecision`` keeps the previous decision, so the
/// detector's state is always finite and encodes with a plain `JSONEncoder`.
public struct CollapseDetector: Codable, Sendable, Equatable {
    /// The thresholds; the defaults are documented per field.
    public struct Configuration: Codable, Sendable, Equatable {
        /// The fall from the running maximum that counts as a collapse, in `(0, 1)` (default 0.3).
        public var dropFraction: Double
        /// The number of most recent observations the slope is fitted over, `≥ 2` (default 5).
        public var slopeWindow: Int
        /// The largest `|slope| / |value|` per step that counts as flat (default `1e−3`).
        public var slopeTolerance: Double
        /// No decision fires before this many recorded observations (default 10).
        public var minimumObservations: Int

        public init(dropFraction: Double = 0.3, slopeWindow: Int = 5, slopeTolerance: Double = 1e-3, minimumObservations: Int = 10) {
            precondition(dropFraction > 0 && dropFraction < 1, "CollapseDetector: dropFraction must lie in (0, 1), got \(dropFraction)")
            precondition(slopeWindow >= 2, "CollapseDetector: slopeWindow must be at least 2, got \(slopeWindow)")
            precondition(slopeTolerance > 0, "CollapseDetector: slopeTolerance must be positive, got \(slopeTolerance)")
            precondition(minimumObservations >= 1, "CollapseDetector: minimumObservations must be positive, got \(minimumObservations)")
            self.dropFraction = dropFraction
            self.slopeWindow = slopeWindow
            self.slopeTolerance = slopeTolerance
            self.minimumObservations = minimumObservations
        }
    }

    /// What one observation decided, with the numbers that decided it.
    public struct Decision: Codable, Sendable, Equatable {
        public var fired: Bool
        public var step: Int
        public var value: Double
        /// `max_{s ≤ t} v_s` over the recorded observations (`nil` before the first).
        public var runningMaximum: Double?
        /// `1 − v_t / runningMaximum` (0 when the maximum is not positive).
        public var drop: Double
        /// `b / |v_t|` per step; `nil` until `slopeWindow` observations are recorded, and when
        /// `v_t = 0` with `b ≠ 0` (0 when both are 0).
        public var relativeSlope: Double?
        /// The number of recorded observations, this one included.
        public var observationCount: Int
    }

    public let configuration: Configuration
    /// `max v` so far (`nil` before the first observation).
    public private(set) var runningMaximum: Double?
    public private(set) var observationCount = 0
    /// The latest decision.
    public private(set) var lastDecision: Decision?
    private var lastStep: Int?
    private var recentSteps: [Int] = []
    private var recentValues: [Double] = []

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Records `value` measured at `step` (steps strictly increasing) and decides.
    @discardableResult
    public mutating func observe(step: Int, value: Double) -> Decision {
        if let lastStep {
            precondition(step > lastStep, "CollapseDetector.observe: step \(step) does not follow step \(lastStep)")
        }
        lastStep = step
        guard value.isFinite else {
            return Decision(fired: false, step: step, value: value, runningMaximum: runningMaximum, drop: 0,
                            relativeSlope: nil, observationCount: observationCount)
        }
        observationCount += 1
        let maximum = max(runningMaximum ?? value, value)
        runningMaximum = maximum
        recentSteps.append(step)
        recentValues.append(value)
        if recentSteps.count > configuration.slopeWindow {
            recentSteps.removeFirst()
            recentValues.removeFirst()
        }
        let drop = maximum > 0 ? 1 - value / maximum : 0
        var relativeSlope: Double? = nil
        if recentSteps.count == configuration.slopeWindow {
            let b = leastSquaresSlope(steps: recentSteps, values: recentValues)
            relativeSlope = value != 0 ? b / abs(value) : (b == 0 ? 0 : nil)
        }
        let fired =
            observationCount >= configuration.minimumObservations && drop >= configuration.dropFraction
            && relativeSlope.map { abs($0) < configuration.slopeTolerance } == true
        let d = Decision(fired: fired, step: step, value: value, runningMaximum: maximum, drop: drop,
                         relativeSlope: relativeSlope, observationCount: observationCount)
        lastDecision = d
        return d
    }
}

/// The least-squares slope `b` of `v ≈ a + b s`: `Σ (s − s̄)(v − v̄) / Σ (s − s̄)²`.
func leastSquaresSlope(steps: [Int], values: [Double]) -> Double {
    precondition(steps.count == values.count && steps.count >= 2, "leastSquaresSlope: needs ≥ 2 paired points")
    let n = Double(steps.count)
    let sMean = steps.reduce(0.0) { $0 + Double($1) } / n
    let vMean = values.reduce(0, +) / n
    var sv = 0.0, ss = 0.0
    for (s, v) in zip(steps, values) {
        sv += (Double(s) - sMean) * (v - vMean)
        ss += (Double(s) - sMean) * (Double(s) - sMean)
    }
    return sv / ss
}
