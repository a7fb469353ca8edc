import TensorCore

/// Quantities several monitors need at the same step, computed once on first use (per-sample
/// gradients of the probe batch, say) and dropped when the step is done.
public final class MonitorStepCache<Scalar: TensorScalar> {
    private var values: [String: Any] = [:]

    public init() {}

    /// The value stored under `key`, computing and storing it on first use.
    public func value<T>(_ key: String, compute: () -> T) -> T {
        if let v = values[key] as? T { return v }
        let v = compute()
        values[key] = v
        return v
    }
}
