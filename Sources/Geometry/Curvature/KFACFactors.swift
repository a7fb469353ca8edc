import Autodiff
import Data
import NN
import TensorCore

/// How K-FAC treats the positions `t = 1..T` a Linear layer is shared over (the tokens of a
/// sequence), after Eschenhagen et al. 2023, "Kronecker-Factored Approximate Curvature for
/// Modern Neural Network Architectures" (NeurIPS), for a loss `L = (1/N) Σ_n ℓ_n`:
/// ```
/// expand:  A = 1/(N T) Σ_{n,t} a_{n,t} a_{n,t}ᵀ     G = 1/N Σ_{n,t} δ_{n,t} δ_{n,t}ᵀ
/// reduce:  A = 1/N Σ_n ā_n ā_nᵀ,  ā_n = (1/T) Σ_t a_{n,t}
///          G = 1/N Σ_n δ̄_n δ̄_nᵀ,  δ̄_n = Σ_t δ_{n,t}
/// ```
/// Expand treats every (example, position) as a sample, so it inherits K-FAC's exact cases for
/// independent samples (one sample, or samples sharing one input) when each position's output
/// feeds only its own loss terms (the head under per-token labels); it drops the cross-position
/// terms everywhere else. Reduce sums the layer over the positions first; for one example it is
/// exact when the layer's input is the same at every position. With `T = 1` (an MLP, or
/// sequences of length 1) the two coincide and, for one example, equal the exact GGN block.
///
/// Scalings, from first principles: the exact GGN block of a layer `s_{n,t} = W a_{n,t}` is
/// `(1/N) Σ_n Σ_{t,t'} (a_{n,t} a_{n,t'}ᵀ) ⊗ E[δ_{n,t} δ_{n,t'}ᵀ]` (column-major vec); expand drops
/// the cross-position terms `t ≠ t'` and replaces the sum of products by `(mean a aᵀ) ⊗ (sum δ δᵀ)`,
/// which needs `1/(N T)` on `A` and `1/N` on `G` to keep the total `Σ_{n,t}` weight; reduce keeps
/// the cross terms through `(Σ_t a_t)(Σ_t δ_t)`, written as `ā = mean` and `δ̄ = sum`.
public enum KFACApproximation: String, Sendable, CaseIterable {
    case expand
    case reduce
}

/// Which output gradients `δ` build K-FAC's factor `G`: the three Fisher types of curvlinops'
/// K-FAC. In every kind the per-example output seed is scaled so that its outer product
/// estimates the output-space Hessian `Λ_n = ∂²ℓ_n/∂f_n²` of the example's loss (`f_n` its
/// outputs; THEORY.md §0's Fisher of `L` is `(1/N) Σ_n J_nᵀ Λ_n J_n`, the GGN):
/// ```
/// softmax cross-entropy, R label rows per example, π = softmax(f):
///     Λ_n = (1/R) ⊕_r (diag π_r − π_r π_rᵀ)
///     exact:      R·C seeds, u_{r,c} = (1/√R) √π_{r,c} (e_c − π_r) on row r alone
///                 (Σ_{r,c} u_{r,c} u_{r,c}ᵀ = Λ_n; the examples share each pass)
///     sampled:    u = (1/√R) (π_r − e_ŷ),  ŷ_r ∼ Categorical(π_r)       (E[u uᵀ] = Λ_n)
///     empirical:  u = (1/√R) (π_r − e_y),  y the observed labels
/// squared error, K outputs per example (Gaussian likelihood with σ² = 1/2):
///     Λ_n = (2/K) I
///     exact:      K seeds, u_k = √(2/K) e_k
///     sampled:    u = √(2/K) z,  z ∼ N(0, I)                           (= (2/√K)(f − ŷ), ŷ ∼ N(f, ½))
///     empirical:  u = (2/√K) (f − y)
/// ```
/// `δ_{n,t}` is the seed pulled back to the layer output, `J_{s_{n,t}}ᵀ u` (one backward pass per
/// seed). With one label per example (`R = 1`) the empirical `δ` is exactly `∂ℓ_n/∂s`; with `R`
/// labels per example it is `√R ∂ℓ_n/∂s`, so that all three kinds share one scale (as curvlinops
/// does for mean-reduced losses) and the empirical factor is that of the per-row empirical
/// Fisher. The empirical kind is not the Fisher (THEORY.md §0), and is labelled as such.
public enum KFACFisherKind: Sendable, Equatable {
    /// The true Fisher (= GGN for these losses): backpropagate every column of a square root of
    /// the output-space Hessian (`R·C` backward passes for `C` classes and `R` label rows per
    /// example; `K` for `K` real outputs). Too many passes for a language model's vocabulary:
    /// use ``sampled(samples:seed:)`` there.
    case exact
    /// Monte Carlo Fisher: labels sampled from the model, `samples` draws (one backward pass
    /// each) from a generator seeded with `seed`; `G` is the average over draws.
    case sampled(samples: Int, seed: UInt64)
    /// Empirical Fisher: the observed labels (one backward pass).
    case empirical
}

/// K-FAC's Kronecker factors for the Linear layers of a model, one ``Block`` per layer whose
/// weight (or bias) is part of θ (THEORY.md §0):
/// ```
/// F_layer ≈ A ⊗ G,   A = E[ã ãᵀ],  G = E[δ δᵀ],   ã = [a; 1] when the bias is covered
/// ```
/// `A ⊗ G` is the papers' notation for the column-major vec of `W̃ = [W | b]`. Carve's θ stores
/// `W` `[out, in]` row-major (then `b`), and over that layout the same matrix is `G ⊗ A`:
/// ```
/// F[(o, i), (o', i')] ≈ G[o, o'] A[i, i'],   o < out,  i < in (+1: the bias column)
/// ```
/// The fused Q/K/V projection is one layer: its three row blocks share the input `a` and their
/// `δ`s are concatenated into one `G` of size `3D`. A tied head (`tok.weight` as the output
/// projection) has a block over `tok.weight` built from the head use alone: the embedding
/// lookup's contribution to that parameter's curvature is not modelled. Embeddings and
/// normalization parameters get no block.
public struct KFACFactors<Scalar: TensorScalar> {
    /// One Linear layer's factors.
    public struct Block {
        /// The layer (`layers.0`, `blocks.1.attn.qkv`, `head`; `tok` for a tied head).
        public var layer: String
        /// The weight parameter when it is part of θ.
        public var weight: String?
        /// The bias parameter when it is part of θ (then ``inputFactor`` has the trailing 1).
        public var bias: String?
        /// `A`, `[p, p]` with `p = inputCount + (bias ? 1 : 0)`: the input second moment, the
        /// bias coordinate last.
        public var inputFactor: Tensor<Scalar>
        /// `G`, `[outputCount, outputCount]`: the output-gradient second moment.
        public var gradientFactor: Tensor<Scalar>
        /// The weight's input count `in` (0 when the weight is not part of θ).
        public var inputCount: Int
        /// The weight's output count `out` (all row blocks).
        public var outputCount: Int

        /// - Precondition: `A` is `[p, p]` with `p = inputCount + (bias ? 1 : 0)`, `G` is
        ///   `[outputCount, outputCount]`, and `inputCount == 0` exactly when `weight` is `nil`.
        public init(layer: String, weight: String?, bias: String?, inputFactor: Tensor<Scalar>, gradientFactor: Tensor<Scalar>,
                    inputCount: Int, outputCount: Int) {
            let p = inputCount + (bias == nil ? 0 : 1)
            precondition(weight != nil || bias != nil, "KFACFactors.Block \(layer): covers no parameter")
            precondition((weight == nil) == (inputCount == 0), "KFACFactors.Block \(layer): inputCount \(inputCount) with weight \(weight ?? "nil")")
            precondition(inputFactor.shape == [p, p] && gradientFactor.shape == [outputCount, outputCount],
                         "KFACFactors.Block \(layer): A \(inputFactor.shape), G \(gradientFactor.shape), expected [\(p), \(p)] and [\(outputCount), \(outputCount)]")
            self.layer = layer
            self.weight = weight
            self.bias = bias
            self.inputFactor = inputFactor
            self.gradientFactor = gradientFactor
            self.inputCount = inputCount
            self.outputCount = outputCount
        }

        /// Whether the bias is covered (`A` has the trailing 1).
        public var includesBias: Bool { bias != nil }
        /// The side `p` of `A`: `in`, plus one for the bias.
        public var inputFactorSize: Int { inputCount + (bias == nil ? 0 : 1) }
        /// The parameters this block covers, weight then bias.
        public var parameterNames: [String] { [weight, bias].compactMap { $0 } }
        /// The number of θ coordinates covered, `out · p`.
        public var dimension: Int { outputCount * inputFactorSize }
    }

    /// The blocks, in the order the layers ran.
    public var blocks: [Block]
    public var approximation: KFACApproximation
    public var kind: KFACFisherKind

    /// Factors from their blocks (``Objective/kfacFactors(approximation:kind:)`` builds them;
    /// tests and callers with factors of their own use this).
    public init(blocks: [Block], approximation: KFACApproximation, kind: KFACFisherKind) {
        self.blocks = blocks
        self.approximation = approximation
        self.kind = kind
    }

    /// The block of layer `layer`, if there is one.
    public subscript(layer layer: String) -> Block? { blocks.first { $0.layer == layer } }

    /// Every parameter some block covers.
    public var parameterNames: [String] { blocks.flatMap(\.parameterNames) }
}

extension Objective {
    /// K-FAC's factors `A`, `G` for every Linear layer of θ (see ``KFACFactors``,
    /// ``KFACApproximation`` and ``KFACFisherKind`` for the formulas), from one forward pass of the
    /// batch and one backward pass per output seed (`R·C` for the exact Fisher of `C` classes with
    /// `R` labels per example, `samples` for the sampled one, one for the empirical one).
    ///
    /// `A` reads the layer inputs recorded by ``NN/LayerCapture``; `G` reads the cotangents of the
    /// recorded outputs through tape hooks.
    ///
    /// - Precondition: the uses of one layer share one input and produce disjoint row blocks
    ///   that cover the weight's rows (true for Carve's models).
    public func kfacFactors(approximation: KFACApproximation = .expand, kind: KFACFisherKind = .exact) -> KFACFactors<Scalar> {
        let tape = Tape<Scalar>()
        let capture = LayerCapture<Scalar>()
        let evaluation = evaluate(on: tape, capture: capture)
        let n = batch.count
        let layers = kfacLayers(capture)

        // Current backward pass: the cotangent of each recorded Linear output.
        var cotangents = [Tensor<Scalar>?](repeating: nil, count: capture.linears.count)
        for layer in layers {
            for k in layer.uses { tape.onCotangent(of: capture.linears[k].output) { cotangents[k] = $0.value } }
        }

        // A from the recorded inputs.
        let inputFactors = layers.map { layer -> Tensor<Scalar> in
            let a = kfacPositions(capture.linears[layer.uses[0]].input.value, batch: n, layer.name)  // [N, T, in]
            let ones = Tensor<Scalar>.ones(shape: [n, a.shape[1], 1])
            let augmented: Tensor<Scalar>
            switch (layer.weight != nil, layer.bias != nil) {
            case (true, true): augmented = concatenate([a, ones], alongAxis: 2)
            case (true, false): augmented = a
            default: augmented = ones
            }
            return kfacSecondMoment(augmented, approximation: approximation, positionsReduce: .mean) / Scalar(n)
        }

        // G, summed over the seeds' backward passes.
        var gradientFactors = layers.map { Tensor<Scalar>.zeros(shape: [$0.outputCount, $0.outputCount]) }
        let draws = kfacForEachOutputSeed(evaluation, kind: kind) { seed in
            for i in cotangents.indices { cotangents[i] = nil }
            _ = tape.cotangents(of: evaluation.outputs, withRespectTo: evaluation.variables, seed: Variable(seed))
            for (j, layer) in layers.enumerated() {
                let blocks = layer.uses.map { cotangents[$0] ?? .zeros(shape: capture.linears[$0].output.shape) }
                let delta = kfacPositions(blocks.count == 1 ? blocks[0] : concatenate(blocks, alongAxis: -1), batch: n, layer.name)
                gradientFactors[j] += kfacSecondMoment(delta, approximation: approximation, positionsReduce: .sum)
            }
        }
        let blocks = layers.enumerated().map { j, layer in
            KFACFactors<Scalar>.Block(
                layer: layer.name, weight: layer.weight, bias: layer.bias, inputFactor: inputFactors[j],
                gradientFactor: gradientFactors[j] / Scalar(n * draws),
                inputCount: layer.weight == nil ? 0 : layer.inputCount, outputCount: layer.outputCount)
        }
        return KFACFactors(blocks: blocks, approximation: approximation, kind: kind)
    }

    /// The Linear layers with a parameter in θ, their uses in row order.
    private func kfacLayers(_ capture: LayerCapture<Scalar>) -> [KFACLayerUses] {
        let inTheta = Set(names)
        var order: [String] = []
        var byLayer: [String: [Int]] = [:]
        for (k, use) in capture.linears.enumerated() {
            if byLayer[use.layer] == nil { order.append(use.layer) }
            byLayer[use.layer, default: []].append(k)
        }
        return order.compactMap { name -> KFACLayerUses? in
            let uses = byLayer[name]!.sorted { capture.linears[$0].rows.lowerBound < capture.linears[$1].rows.lowerBound }
            let first = capture.linears[uses[0]]
            let shape = parameters[first.weight].shape
            var next = 0
            for k in uses {
                let use = capture.linears[k]
                precondition(use.weight == first.weight && use.bias == first.bias,
                             "kfacFactors: layer \(name) uses parameters \(use.weight), \(use.bias ?? "nil") and \(first.weight), \(first.bias ?? "nil")")
                precondition(use.input.id == first.input.id && use.input.value.shape == first.input.value.shape,
                             "kfacFactors: the uses of layer \(name) read different inputs (weight sharing is not modelled)")
                precondition(use.rows.lowerBound == next, "kfacFactors: the uses of layer \(name) produce rows \(uses.map { capture.linears[$0].rows }), not a partition of 0..<\(shape[0])")
                next = use.rows.upperBound
            }
            precondition(next == shape[0], "kfacFactors: the uses of layer \(name) produce rows 0..<\(next) of \(shape[0])")
            let weight = inTheta.contains(first.weight) ? first.weight : nil
            let bias = first.bias.flatMap { inTheta.contains($0) ? $0 : nil }
            if weight == nil && bias == nil { return nil }
            return KFACLayerUses(name: name, weight: weight, bias: bias, uses: uses, inputCount: shape[1], outputCount: shape[0])
        }
    }

    /// Calls `body` with every output seed `u` of `kind` (shaped like ``Evaluation/outputs``) and
    /// returns the number of draws the seeds' outer products are averaged over (1 but for
    /// ``KFACFisherKind/sampled(samples:seed:)``).
    private func kfacForEachOutputSeed(_ evaluation: Evaluation, kind: KFACFisherKind, _ body: (Tensor<Scalar>) -> Void) -> Int {
        let n = batch.count
        let f = evaluation.outputs.value
        switch batch.targets {
        case let .classes(labels, _):
            // [rows, C]; R label rows per example.
            let (rows, classes) = (f.shape[0], f.shape[1])
            precondition(rows % n == 0, "kfacFactors: \(rows) label rows for \(n) examples")
            let scale = 1 / Scalar(rows / n).squareRoot()
            let pi = f.softmax(alongAxis: -1)
            switch kind {
            case .exact:
                // One pass per (position r, class c): a seed on one row of each example, since the
                // rows of one example meet in shared layers and must not share a pass.
                let perExample = rows / n
                let rootPi = pi.sqrt()
                for r in 0..<perExample {
                    let mask = Tensor<Scalar>(shape: [rows, 1]) { m in for row in 0..<rows { m[row] = row % perExample == r ? scale : 0 } }
                    for c in 0..<classes {
                        let onehot = Tensor<Scalar>.oneHot(labels: [Int](repeating: c, count: rows), classCount: classes)
                        body((onehot - pi) * (rootPi.slice(c..<(c + 1), alongAxis: 1) * mask))
                    }
                }
                return 1
            case let .sampled(samples, seed):
                precondition(samples > 0, "kfacFactors: \(samples) samples")
                var generator = RandomGenerator(seed: seed)
                for _ in 0..<samples {
                    let drawn = Tensor<Scalar>.categorical(probabilities: pi, using: &generator).indexScalars(op: "kfacFactors")
                    body((pi - .oneHot(labels: drawn, classCount: classes)) * scale)
                }
                return samples
            case .empirical:
                precondition(labels.count == rows, "kfacFactors: \(labels.count) labels for \(rows) output rows")
                body((pi - .oneHot(labels: labels, classCount: classes)) * scale)
                return 1
            }
        case let .values(targets):
            let k = f.scalarCount / n  // outputs per example
            let root = (2 / Scalar(k)).squareRoot()
            switch kind {
            case .exact:
                for j in 0..<k {
                    let column = Tensor<Scalar>.oneHot(labels: [Int](repeating: j, count: n), classCount: k)
                    body((column * root).reshaped(to: f.shape))
                }
                return 1
            case let .sampled(samples, seed):
                precondition(samples > 0, "kfacFactors: \(samples) samples")
                var generator = RandomGenerator(seed: seed)
                for _ in 0..<samples { body(Tensor<Scalar>.normal(shape: f.shape, using: &generator) * root) }
                return samples
            case .empirical:
                body((f - targets.reshaped(to: f.shape)) * (2 / Scalar(k).squareRoot()))
                return 1
            }
        }
    }
}

/// How a layer's positions enter a K-FAC factor under ``KFACApproximation/reduce``.
enum KFACPositionReduction { case mean, sum }

/// One Linear layer's uses in a forward pass (row blocks in order).
struct KFACLayerUses {
    var name: String
    var weight: String?
    var bias: String?
    var uses: [Int]
    var inputCount: Int
    var outputCount: Int
}

/// `[N, ..., features]` as `[N, T, features]` (T = 1 for `[N, features]`).
@_specialize(where S == Float)
@_specialize(where S == Double)
func kfacPositions<S: TensorScalar>(_ t: Tensor<S>, batch n: Int, _ layer: String) -> Tensor<S> {
    precondition(t.rank >= 2 && t.shape[0] == n, "kfacFactors: layer \(layer) tensor \(t.shape) is not [\(n), ..., features]")
    return t.reshaped(to: [n, -1, t.shape[t.rank - 1]])
}

/// `Σ x xᵀ` over the rows of `x` `[N, T, p]`, `[p, p]`: over all `N·T` rows divided by `T` for
/// expand with `positionsReduce == .mean` (the `1/(N T)` of `A` after the caller's `1/N`), over the
/// `N` position-reduced rows (mean or sum over `T`) for reduce.
@_specialize(where S == Float)
@_specialize(where S == Double)
func kfacSecondMoment<S: TensorScalar>(_ x: Tensor<S>, approximation: KFACApproximation, positionsReduce: KFACPositionReduction) -> Tensor<S> {
    let (n, t, p) = (x.shape[0], x.shape[1], x.shape[2])
    switch approximation {
    case .expand:
        let rows = x.reshaped(to: [n * t, p])
        let moment = matmul(rows, rows, transposeA: true)
        return positionsReduce == .mean ? moment / S(t) : moment
    case .reduce:
        let reduced = positionsReduce == .mean ? x.mean(alongAxes: [1]) : x.sum(alongAxes: [1])  // [N, p]
        return matmul(reduced, reduced, transposeA: true)
    }
}
