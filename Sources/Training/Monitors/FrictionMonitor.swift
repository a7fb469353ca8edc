import Geometry
import TensorCore

/// The friction field on the probe batch (seed 000, THEORY.md §1): for each layer's block of
/// the Monte Carlo Fisher, its trace, λ_max, effective rank and share of the total trace —
/// exact, from the per-sample gradients' block Gram matrices — and the friction shift since the
/// monitor's previous reading.
///
/// Keys: `friction_layers` (names), `friction_trace`, `friction_lambda_max`, `friction_erank`,
/// `friction_share` (one entry per layer, same order); and from the second reading on
/// `friction_shift_tv` (total variation between the normalized Fisher spectra),
/// `friction_shift_w1` (their 1-Wasserstein distance over the eigenvalue index) and
/// `friction_shift_angle` (the largest principal angle between the top-k Fisher eigenspaces, radians).
public final class FrictionMonitor<Scalar: TensorScalar>: TrainingMonitor {
    public let kind = MonitorKind.friction
    public let cadence: MonitorCadence
    /// `k` of the eigenspaces compared by the shift.
    public let subspace: Int
    let seed: UInt64
    private var previous: (spectrum: [Double], vectors: Tensor<Scalar>)?

    public init(cadence: MonitorCadence = MonitorKind.friction.defaultCadence, subspace: Int = 8, seed: UInt64 = 0) {
        self.cadence = cadence
        self.subspace = subspace
        self.seed = seed
    }

    public func observe(_ context: MonitorContext<Scalar>) -> [(key: String, value: MetricValue)] {
        let sample = FisherSample.at(context, seed: seed)
        let field = FrictionField(perSampleGradients: sample.gradients, blocks: sample.layerRanges, scale: sample.scale)
        var out: [(key: String, value: MetricValue)] = [
            ("friction_layers", .strings(field.blocks.map(\.name))),
            ("friction_trace", .doubles(field.blocks.map(\.trace))),
            ("friction_lambda_max", .doubles(field.blocks.map(\.lambdaMax))),
            ("friction_erank", .doubles(field.blocks.map(\.effectiveRank))),
            ("friction_share", .doubles(field.blocks.map(\.share))),
        ]
        let k = Swift.min(subspace, sample.gradients.shape[0])
        let whole = gramSpectrum(perSampleGradients: sample.gradients, eigenvectorCount: k)
        let spectrum = whole.eigenvalues.map { $0 * sample.scale }
        if let vectors = whole.eigenvectors {
            // The rank (and so the number of eigenvectors) may differ between readings: compare
            // the leading eigenspaces of the common dimension.
            if let previous, previous.vectors.shape[0] == vectors.shape[0] {
                let common = Swift.min(previous.vectors.shape[1], vectors.shape[1])
                let shift = FrictionShift(
                    before: previous.spectrum, beforeEigenvectors: previous.vectors.slice(0..<common, alongAxis: 1),
                    after: spectrum, afterEigenvectors: vectors.slice(0..<common, alongAxis: 1))
                out.append(("friction_shift_tv", .double(shift.totalVariation)))
                out.append(("friction_shift_w1", .double(shift.wasserstein)))
                if let angle = shift.largestPrincipalAngle { out.append(("friction_shift_angle", .double(angle))) }
            }
            previous = (spectrum, vectors)
        }
        return out
    }
}
