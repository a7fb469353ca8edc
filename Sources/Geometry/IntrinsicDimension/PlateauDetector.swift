/// Detects a **plateau** (THEORY.md §2), meant for the effective rank of a curvature spectrum:
/// the value has stopped changing over a window of observations.
///
/// Fed one `(step, value)` observation at a time, it fires on an observation when
///
/// ```
/// n ≥ minimumObservations   and
/// relativeChange = (max − min) / |mean| < tolerance      over the last `window` observations
/// ```
///
/// The change is the window's full spread, not just its endpoints, so a sequence that
/// oscillates by more than `tolerance` does not count as a plateau even when it returns to where
/// it started. Every decision reports the numbers that made it, and the detector is `Codable`
/// so it can be checkpointed with a run.
///
/// Non-finite values are not recorded: the returned decision reports the value and does not fire,
/// and ``lastDecision`` keeps the previous decision, so the detector's state is always finite and
/// encodes with a plain `JSONEncoder`.
public struct PlateauDetector: Codable, Sendable, Equatable {
    /// The thresholds; the defaults are documented per field.
    public struct Configuration: Codable, Sendable, Equatable {
        /// The number of most recent observations compared, `≥ 2` (default 5).
        public var window: Int
        /// The largest relative spread that counts as a plateau (default 0.01).
        public var tolerance: Double
        /// No decision fires before this many recorded observations (default 10).
        public var minimumObservations: Int

        public init(window: Int = 5, tolerance: Double = 0.01, minimumObservations: Int = 10) {
            precondition(window >= 2, "PlateauDetector: window must be at least 2, got \(window)")
            precondition(tolerance > 0, "PlateauDetector: tolerance must be positive, got \(tolerance)")
            precondition(minimumObservations >= 1, "PlateauDetector: minimumObservations must be positive, got \(minimumObservations)")
            self.window = window
            self.tolerance = tolerance
            self.minimumObservations = minimumObservations
        }
    }

    /// What one observation decided, with the numbers that decided it.
    public struct Decision: Codable, Sendable, Equatable {
        public var fired: Bool
        public var step: Int
        public var value: Double
        /// `(max − min) / |mean|` over the window; `nil` until `window` observations are recorded,
        /// and for a zero mean with a nonzero spread (0 when the spread is 0 too).
        public var relativeChange: Double?
        public var windowMinimum: Double?
        public var windowMaximum: Double?
        /// The number of recorded observations, this one included.
        public var observationCount: Int
    }

    public let configuration: Configuration
    public private(set) var observationCount = 0
    /// The latest decision.
    public private(set) var lastDecision: Decision?
    private var lastStep: Int?
    private var recentValues: [Double] = []

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Records `value` measured at `step` (steps strictly increasing) and decides.
    @discardableResult
    public mutating func observe(step: Int, value: Double) -> Decision {
        if let lastStep {
            precondition(step > lastStep, "PlateauDetector.observe: step \(step) does not follow step \(lastStep)")
        }
        lastStep = step
        guard value.isFinite else {
            return Decision(fired: false, step: step, value: value, relativeChange: nil, windowMinimum: nil,
                            windowMaximum: nil, observationCount: observationCount)
        }
        observationCount += 1
        recentValues.append(value)
        if recentValues.count > configuration.window { recentValues.removeFirst() }
        var change: Double? = nil, low: Double? = nil, high: Double? = nil
        if recentValues.count == configuration.window {
            let lo = recentValues.min()!, hi = recentValues.max()!
            let mean = recentValues.reduce(0, +) / Double(recentValues.count)
            change = mean != 0 ? (hi - lo) / abs(mean) : (hi == lo ? 0 : nil)
            low = lo
            high = hi
        }
        let fired = observationCount >= configuration.minimumObservations && change.map { $0 < configuration.tolerance } == true
        let d = Decision(fired: fired, step: step, value: value, relativeChange: change, windowMinimum: low,
                         windowMaximum: high, observationCount: observationCount)
        lastDecision = d
        return d
    }
}
