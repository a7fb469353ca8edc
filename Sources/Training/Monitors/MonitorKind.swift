/// The monitors `carve train --monitor` can turn on, by name.
public enum MonitorKind: String, CaseIterable, Codable, Sendable {
    /// Loss and accuracy of the probe batch.
    case loss
    /// Gradient norm of the probe batch, globally and per layer.
    case grad
    /// Fisher effective rank and top eigenvalues (Monte Carlo Fisher of the probe batch).
    case fisher
    /// The friction field: per-layer trace, λ_max, effective rank and share of the Fisher trace.
    case friction
    /// Intrinsic dimension (TwoNN) of the probe batch's representations at a layer, with the
    /// collapse detector.
    case id
    /// Trajectory intrinsic dimension: PCA over a sliding window of parameter snapshots.
    case trajectory

    /// The cadence used when none is given: chosen so that all monitors together cost under
    /// 10% of the tiny GPT's training time (`carve bench monitors`).
    public var defaultCadence: MonitorCadence {
        switch self {
        case .loss: .every(10)
        case .grad: .every(50)
        case .fisher, .friction: .every(100)
        case .id, .trajectory: .every(50)
        }
    }
}
