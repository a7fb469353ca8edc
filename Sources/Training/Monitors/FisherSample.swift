import Geometry
import TensorCore

/// The seed of the labels the Fisher monitors draw at `step` in a run seeded with `seed`.
public func labelSeed(seed: UInt64, step: Int) -> UInt64 {
    seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15
}

/// The Monte Carlo Fisher of the probe batch at one step, as per-sample gradients: labels drawn
/// from the model (``Geometry/Objective/withSampledTargets(seed:)``), one gradient per probe
/// example, `F̂ = (c/n) Σ_i g_i g_iᵀ`. Shared by the `fisher` and `friction` monitors through
/// the step cache, so a step that runs both computes it once.
struct FisherSample<Scalar: TensorScalar> {
    /// Per-sample gradients `[n, d]` in θ's order.
    var gradients: Tensor<Scalar>
    /// `c`: the factor that makes `(c/n) Gᵀ G` unbiased for the Fisher.
    var scale: Double
    var objective: Objective<Scalar>

    /// The draws are seeded by the run's seed and the step, so a resumed run measures the same.
    static func at(_ context: MonitorContext<Scalar>, seed: UInt64) -> FisherSample {
        context.shared.value("fisher-sample") {
            let objective = Objective(model: context.model, parameters: context.parameters, batch: context.probe, names: context.trainable)
            let (sampled, scale) = objective.withSampledTargets(seed: labelSeed(seed: seed, step: context.step))
            return FisherSample(gradients: sampled.perSampleGradients().matrix(), scale: scale, objective: objective)
        }
    }

    /// Each layer's coordinates in θ (``Geometry/layerGroups(of:)``; a layer's parameters are
    /// consecutive in store order).
    var layerRanges: [(name: String, range: Range<Int>)] {
        layerGroups(of: objective.names).map { group in
            let ranges = group.names.map(objective.range(of:))
            let joined = ranges.first!.lowerBound..<ranges.last!.upperBound
            precondition(joined.count == ranges.reduce(0) { $0 + $1.count }, "FisherSample: layer \(group.layer)'s parameters are not consecutive in θ")
            return (group.layer, joined)
        }
    }
}
