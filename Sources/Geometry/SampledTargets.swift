import Autodiff
import Data
import TensorCore

extension Objective {
    /// The same objective with its targets replaced by draws from the model itself, and the
    /// factor `c` that makes per-sample gradients of it an unbiased Fisher estimate:
    /// ```
    /// E_ŷ[ (c/n) Σ_i g_i(ŷ) g_i(ŷ)ᵀ ] = F = G (the GGN of L)
    /// ```
    /// with `g_i` the gradient of example `i`'s own loss (``perSampleGradients()``).
    /// - Class targets: each labelled row draws `ŷ_r ∼ Categorical(softmax(f_r))`; with `R`
    ///   labels per example the example's loss averages `R` independent rows, so `c = R`.
    /// - Real targets (mean squared error over the `k` outputs of an example): `ŷ = f + ε`,
    ///   `ε ∼ N(0, (k/2) I)`, and `c = 1`: then `E[g_i g_iᵀ] = (4/k²)(k/2) J_iᵀ J_i` and
    ///   `(1/n) Σ_i` of it is the GGN `(2/(n k)) Σ_i J_iᵀ J_i` of the mean squared error.
    ///
    /// The draws come from a generator seeded with `seed`: the same seed gives the same labels.
    public func withSampledTargets(seed: UInt64) -> (objective: Objective, scale: Double) {
        var generator = RandomGenerator(seed: seed)
        let outputs = evaluate(on: Tape<Scalar>()).outputs.value
        switch batch.targets {
        case let .classes(_, perExample):
            let drawn = Tensor<Scalar>.categorical(probabilities: outputs.softmax(alongAxis: -1), using: &generator)
                .indexScalars(op: "withSampledTargets")
            let sampled = Batch(inputs: batch.inputs, targets: .classes(drawn, perExample: perExample))
            return (with(batch: sampled), Double(perExample))
        case let .values(targets):
            let k = outputs.scalarCount / Swift.max(1, batch.count)
            let noise = Tensor<Scalar>.normal(shape: outputs.shape, standardDeviation: Scalar((Double(k) / 2).squareRoot()), using: &generator)
            let sampled = Batch(inputs: batch.inputs, targets: .values((outputs + noise).reshaped(to: targets.shape)))
            return (with(batch: sampled), 1)
        }
    }
}
