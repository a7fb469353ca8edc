import Geometry
import TensorCore

/// The Fisher's spectrum on the probe batch: effective rank, participation ratio, trace and top
/// eigenvalues of the Monte Carlo Fisher `F̂ = (c/n) Σ_i g_i g_iᵀ` (labels sampled from the
/// model, one draw per labelled row), whose nonzero spectrum is exactly that of the `n × n`
/// Gram matrix (THEORY.md §1).
///
/// Keys: `fisher_erank` (`exp(−Σ p_j log p_j)`, `p_j = λ_j / Σλ`), `fisher_participation_ratio`
/// (`(Σλ)²/Σλ²`), `fisher_trace`, `fisher_top` (the largest eigenvalues, descending),
/// `fisher_numerical_rank` (`#{λ_j > 10⁻³ λ_max}`), `fisher_samples` (n, which bounds the rank),
/// and `fisher_plateau` (the erank plateau detector, THEORY.md §2) with `fisher_plateau_change`.
public final class FisherMonitor<Scalar: TensorScalar>: TrainingMonitor {
    public let kind = MonitorKind.fisher
    public let cadence: MonitorCadence
    public let top: Int
    let seed: UInt64
    var plateau: PlateauDetector

    public init(cadence: MonitorCadence = MonitorKind.fisher.defaultCadence, top: Int = 8, seed: UInt64 = 0,
                plateau: PlateauDetector = PlateauDetector()) {
        self.cadence = cadence
        self.top = top
        self.seed = seed
        self.plateau = plateau
    }

    public func observe(_ context: MonitorContext<Scalar>) -> [(key: String, value: MetricValue)] {
        let sample = FisherSample.at(context, seed: seed)
        let values = gramSpectrum(perSampleGradients: sample.gradients).eigenvalues.map { $0 * sample.scale }
        let summary = SpectrumSummary(eigenvalues: values)
        let decision = plateau.observe(step: context.step, value: summary.effectiveRank)
        var out: [(key: String, value: MetricValue)] = [
            ("fisher_erank", .double(summary.effectiveRank)),
            ("fisher_participation_ratio", .double(summary.participationRatio)),
            ("fisher_trace", .double(summary.trace)),
            ("fisher_top", .doubles(Array(values.prefix(top)))),
            ("fisher_numerical_rank", .int(summary.numericalRank)),
            ("fisher_samples", .int(sample.gradients.shape[0])),
            ("fisher_plateau", .bool(decision.fired)),
        ]
        if let change = decision.relativeChange { out.append(("fisher_plateau_change", .double(change))) }
        return out
    }
}
