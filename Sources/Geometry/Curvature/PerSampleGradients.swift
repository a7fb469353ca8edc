import Autodiff
import Data
import NN
import TensorCore

/// The gradient of every example's own loss, `g_i = ∇_θ ℓ_i`, for all examples of a batch at once.
///
/// The per-example loss `ℓ_i` is defined by
/// ```
/// L(θ) = (1/B) Σ_i ℓ_i(θ),   i = 1..B (the examples of the batch)
/// ```
/// so `ℓ_i` is the loss of the batch that holds only example `i`: its cross-entropy for one label
/// per example, the mean cross-entropy over its `T` positions for one label per token, the mean
/// squared error over its output entries for real targets. Then
/// ```
/// g_i = ∇_θ ℓ_i = B · (example i's contribution to ∇_θ L),    (1/B) Σ_i g_i = ∇_θ L
/// ```
/// (THEORY.md §0 writes `g_i` for the negative log-likelihood of one label; for one label per
/// example the two agree.)
///
/// Computed from one forward and one backward pass of the whole batch
/// (``Objective/perSampleGradients()``), not one pass per example.
public struct PerSampleGradients<Scalar: TensorScalar> {
    /// θ's parameters, in θ's order (``Objective/names``).
    public let names: [String]
    /// Each parameter's coordinates inside θ (``Objective/ranges``).
    public let ranges: [Range<Int>]
    /// Per parameter (parallel to ``names``), the per-example gradients `[B, *shape]`.
    public let tensors: [Tensor<Scalar>]
    /// The number of examples `B`.
    public let batchSize: Int
    /// The batch loss `L`.
    public let loss: Scalar
    /// The batch gradient `∇_θ L`, `[d]`, from the same backward pass.
    public let gradient: Tensor<Scalar>

    /// Per-example gradients assembled from their parts (``Objective/perSampleGradients()`` builds them).
    ///
    /// - Precondition: `tensors[k]` is `[batchSize, …]` with `ranges[k].count` scalars per example.
    public init(names: [String], ranges: [Range<Int>], tensors: [Tensor<Scalar>], batchSize: Int, loss: Scalar, gradient: Tensor<Scalar>) {
        precondition(names.count == ranges.count && names.count == tensors.count,
                     "PerSampleGradients: \(names.count) names, \(ranges.count) ranges, \(tensors.count) tensors")
        for (name, (r, t)) in zip(names, zip(ranges, tensors)) {
            precondition(t.rank >= 1 && t.shape[0] == batchSize && t.scalarCount == batchSize * r.count,
                         "PerSampleGradients: \(name) has per-example tensor \(t.shape) for \(batchSize) examples of \(r.count) scalars")
        }
        self.names = names
        self.ranges = ranges
        self.tensors = tensors
        self.batchSize = batchSize
        self.loss = loss
        self.gradient = gradient
    }

    /// The dimension `d` of θ.
    public var dimension: Int { ranges.last?.upperBound ?? 0 }

    /// The per-example gradients of parameter `name`, `[B, *shape]`.
    public subscript(name: String) -> Tensor<Scalar> {
        guard let i = names.firstIndex(of: name) else { preconditionFailure("PerSampleGradients: \(name) is not part of θ") }
        return tensors[i]
    }

    /// The per-example gradients as the rows of a `[B, d]` matrix, columns in θ's order:
    /// row `i` is `g_iᵀ`.
    public func matrix() -> Tensor<Scalar> {
        concatenate(tensors.map { $0.reshaped(to: [batchSize, -1]) }, alongAxis: 1)
    }

    /// The mean `(1/B) Σ_i g_i`, `[d]` (equal to ``gradient`` up to round-off).
    public func mean() -> Tensor<Scalar> {
        matrix().mean(alongAxes: [0])
    }
}

extension Objective {
    /// The per-example gradients `g_i = ∇_θ ℓ_i` of the batch (with `L = (1/B) Σ_i ℓ_i`; see
    /// ``PerSampleGradients``), from one forward and one backward pass.
    ///
    /// The forward pass records every layer use (``NN/LayerCapture``); tape hooks collect the
    /// batch cotangent `δ = ∂L/∂s` of each recorded output `s` during one backward pass of `L`,
    /// and `B δ` splits by example because example `i`'s loss reads only example `i`'s
    /// activations. Per use, with positions `t` (all axes between the batch axis and the last;
    /// one position for an MLP):
    /// ```
    /// Linear s = a Wᵀ + b:      ∇_W ℓ_i = B Σ_t δ_{i,t} a_{i,t}ᵀ    (one batched product [B, out, T]·[B, T, in])
    ///                           ∇_b ℓ_i = B Σ_t δ_{i,t}
    /// LayerNorm / RMSNorm:      ∇_γ ℓ_i = B Σ_t δ_{i,t} ⊙ x̂_{i,t},   ∇_β ℓ_i = B Σ_t δ_{i,t}
    ///                           x̂ = (x − μ)/√(σ² + ε) (biased σ²),  x̂ = x/√(mean(x²) + ε)  (recomputed from x)
    /// Embedding rows:           ∇_E ℓ_i [id_{i,t}, :] += B δ_{i,t}    (scatter-add per example)
    /// ```
    /// A use that produces a block of a weight's rows (the fused Q/K/V projection) adds into
    /// those rows; a parameter used several times (a tied head: `tok.weight` as the embedding
    /// table and the output projection) sums its uses.
    ///
    /// - Returns: per parameter of θ `[B, *shape]`, with the batch loss and gradient.
    /// - Precondition: every parameter of θ is recorded by some layer use (true for Carve's
    ///   models); the batch has no cross-example coupling (no batch normalization in Carve).
    /// - Complexity: one forward and one backward pass, plus `2 B T · out · in` flops per Linear
    ///   use; memory `B · d` for the result.
    public func perSampleGradients() -> PerSampleGradients<Scalar> {
        let tape = Tape<Scalar>()
        let capture = LayerCapture<Scalar>()
        let evaluation = evaluate(on: tape, capture: capture)
        let b = batch.count
        let scale = Scalar(b)
        let inTheta = Set(names)

        // Hooks: B δ for every recorded output that feeds a parameter of θ.
        var linearCotangents = [Tensor<Scalar>?](repeating: nil, count: capture.linears.count)
        for (k, use) in capture.linears.enumerated() where inTheta.contains(use.weight) || use.bias.map(inTheta.contains) == true {
            tape.onCotangent(of: use.output) { linearCotangents[k] = $0.value * scale }
        }
        var normCotangents = [Tensor<Scalar>?](repeating: nil, count: capture.normalizations.count)
        for (k, use) in capture.normalizations.enumerated() where inTheta.contains(use.weight) || use.bias.map(inTheta.contains) == true {
            tape.onCotangent(of: use.output) { normCotangents[k] = $0.value * scale }
        }
        var embeddingCotangents = [Tensor<Scalar>?](repeating: nil, count: capture.embeddings.count)
        for (k, use) in capture.embeddings.enumerated() where inTheta.contains(use.weight) {
            tape.onCotangent(of: use.output) { embeddingCotangents[k] = $0.value * scale }
        }
        let batchGradient = tape.gradients(of: evaluation.loss, withRespectTo: evaluation.variables)

        var sums: [String: Tensor<Scalar>] = [:]
        func add(_ name: String, _ contribution: Tensor<Scalar>) {
            guard inTheta.contains(name) else { return }
            let expected = [b] + parameters[name].shape
            precondition(contribution.shape == expected,
                         "perSampleGradients: contribution \(contribution.shape) for \(name), expected \(expected)")
            if let existing = sums[name] { sums[name] = existing + contribution } else { sums[name] = contribution }
        }
        func positions(_ t: Tensor<Scalar>, _ what: String) -> Tensor<Scalar> {
            precondition(t.rank >= 2 && t.shape[0] == b, "perSampleGradients: \(what) \(t.shape) is not [\(b), ..., features]")
            return t.reshaped(to: [b, -1, t.shape[t.rank - 1]])  // [B, T, features]
        }

        for (use, cotangent) in zip(capture.linears, linearCotangents) {
            guard let cotangent else { continue }  // the loss does not read this output
            let delta = positions(cotangent, "\(use.layer) output cotangent")   // [B, T, rows]
            let outCount = parameters[use.weight].shape[0]
            let rowPadding = (before: use.rows.lowerBound, after: outCount - use.rows.upperBound)
            if inTheta.contains(use.weight) {
                let a = positions(use.input.value, "\(use.layer) input")         // [B, T, in]
                let w = matmul(delta, a, transposeA: true)                        // [B, rows, in]
                add(use.weight, w.padded(forSizes: [(0, 0), rowPadding, (0, 0)]))
            }
            if let bias = use.bias, inTheta.contains(bias) {
                add(bias, delta.sum(alongAxes: [1]).padded(forSizes: [(0, 0), rowPadding]))  // [B, out]
            }
        }
        for (use, cotangent) in zip(capture.normalizations, normCotangents) {
            guard let cotangent else { continue }
            let delta = positions(cotangent, "\(use.layer) output cotangent")   // [B, T, D]
            let x = positions(use.input.value, "\(use.layer) input")
            let dimension = x.shape[2]
            let epsilon = Scalar(use.epsilon)
            // x̂ by the same kernels as the forward pass.
            let xhat: Tensor<Scalar>
            switch use.kind {
            case .layernorm:
                xhat = x.layerNormalized(weight: .ones(shape: [dimension]), bias: .zeros(shape: [dimension]), epsilon: epsilon).normalized
            case .rmsnorm:
                xhat = x.rmsNormalized(weight: .ones(shape: [dimension]), epsilon: epsilon).normalized
            }
            add(use.weight, (delta * xhat).sum(alongAxes: [1]))
            if let bias = use.bias { add(bias, delta.sum(alongAxes: [1])) }
        }
        for (use, cotangent) in zip(capture.embeddings, embeddingCotangents) {
            guard let cotangent else { continue }
            let delta = positions(cotangent, "\(use.layer) output cotangent")   // [B, T, D]
            let (count, dimension) = (parameters[use.weight].shape[0], parameters[use.weight].shape[1])
            let t = delta.shape[1]
            precondition(use.ids.scalarCount == b * t, "perSampleGradients: \(use.layer) ids \(use.ids.shape) for cotangent \(delta.shape)")
            // Row ids[i, t] of example i's table is row i·count + ids[i, t] of a [B·count, D] stack.
            let ids = use.ids.indexScalars(op: "perSampleGradients")
            let flat = ids.enumerated().map { j, id in (j / t) * count + id }
            let tables = Tensor<Scalar>.zeros(shape: [b * count, dimension])
                .scatterAdding(delta.reshaped(to: [b * t, dimension]), atIndices: flat)
            add(use.weight, tables.reshaped(to: [b, count, dimension]))
        }

        let recorded = recordedParameters(capture)
        let missing = names.filter { sums[$0] == nil && !recorded.contains($0) }
        precondition(missing.isEmpty, "perSampleGradients: no layer use records the parameters \(missing)")
        // A recorded parameter the loss does not reach has zero per-example gradients.
        let tensors = names.map { sums[$0] ?? .zeros(shape: [b] + parameters[$0].shape) }
        return PerSampleGradients(
            names: names, ranges: ranges, tensors: tensors, batchSize: b, loss: evaluation.loss.value.scalar,
            gradient: join(batchGradient))
    }

    /// The parameters some recorded layer use reads.
    private func recordedParameters(_ capture: LayerCapture<Scalar>) -> Set<String> {
        var names = Set<String>()
        for use in capture.linears { names.insert(use.weight); if let b = use.bias { names.insert(b) } }
        for use in capture.normalizations { names.insert(use.weight); if let b = use.bias { names.insert(b) } }
        for use in capture.embeddings { names.insert(use.weight) }
        return names
    }
}
