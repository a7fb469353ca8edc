import TensorCore

/// K-FAC as a linear operator: block diagonal, one Kronecker block per covered Linear layer
/// (THEORY.md §0, Martens & Grosse 2015):
/// ```
/// K = ⊕_layers G ⊗ A        (G ⊗ A) vec(V) = vec(G V Aᵀ),   V = [W | b]  [out, in (+1)]
/// ```
/// with `vec` row-major, θ's layout: `G ⊗ A` over θ is the papers' `A ⊗ G` over the column-major
/// vec (see ``KFACFactors``).
///
/// **Coordinates.** The operator acts on the parameters its blocks cover (``names``: Linear
/// weights and biases), flattened in θ's order — not on all of θ: embeddings and normalization
/// parameters have no K-FAC block, and rather than give them an arbitrary one (zero, or a damped
/// identity) the operator leaves them out. Build an ``Objective`` over ``names`` to work in the
/// same space, or move vectors with ``restricted(_:)`` and ``extended(_:)``. Inside a block the
/// augmented matrix `V = [W | b]` maps to θ's separate parameters as
/// ```
/// V[o, i] ↔ W[o, i]  (weight coordinate o·in + i),   V[o, in] ↔ b[o]  (bias coordinate o)
/// ```
///
/// Eigenvalues, trace and inverse come from the factors: the eigenvalues of `G ⊗ A` are the
/// products `λ_G,o λ_A,i`; `tr(G ⊗ A) = tr(G) tr(A)`; ``inverse(damping:style:)`` inverts each
/// block through the factors' eigendecompositions.
public struct KFACOperator<Scalar: TensorScalar>: LinearOperator {
    /// The factors, one block per covered layer.
    public let factors: KFACFactors<Scalar>
    /// The covered parameters in θ's order: the operator's coordinates are theirs, flattened in
    /// this order.
    public let names: [String]
    /// Each name's coordinates in the operator's space.
    public let ranges: [Range<Int>]
    /// Each name's coordinates inside θ (the objective's).
    public let thetaRanges: [Range<Int>]
    /// The dimension of θ.
    public let thetaDimension: Int
    let layout: KFACLayout

    /// The operator of `factors` over the parameters they cover, in `objective`'s θ order.
    ///
    /// - Precondition: every covered parameter is part of θ with the block's shape.
    public init(_ factors: KFACFactors<Scalar>, objective: Objective<Scalar>) {
        var shapes: [String: [Int]] = [:]
        for block in factors.blocks {
            if let w = block.weight { shapes[w] = [block.outputCount, block.inputCount] }
            if let b = block.bias { shapes[b] = [block.outputCount] }
        }
        var names: [String] = [], ranges: [Range<Int>] = [], thetaRanges: [Range<Int>] = []
        var offset = 0
        for (name, range) in zip(objective.names, objective.ranges) {
            guard let shape = shapes.removeValue(forKey: name) else { continue }
            precondition(objective.parameters[name].shape == shape,
                         "KFACOperator: \(name) has shape \(objective.parameters[name].shape), its K-FAC block expects \(shape)")
            names.append(name)
            ranges.append(offset..<(offset + range.count))
            thetaRanges.append(range)
            offset += range.count
        }
        precondition(shapes.isEmpty, "KFACOperator: K-FAC blocks cover \(shapes.keys.sorted()), which are not part of θ")
        self.factors = factors
        self.names = names
        self.ranges = ranges
        self.thetaRanges = thetaRanges
        self.thetaDimension = objective.dimension
        self.layout = KFACLayout(blocks: factors.blocks, names: names, ranges: ranges)
    }

    public var dimension: Int { ranges.last?.upperBound ?? 0 }

    /// `K v` for a `[d]` vector in the operator's coordinates.
    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "KFACOperator.apply")
        return apply(toColumns: v.reshaped(to: [dimension, 1])).reshaped(to: [dimension])
    }

    /// `K V` for the columns of a `[d, k]` matrix: per block `G V Aᵀ`, as batched BLAS products.
    public func apply(toColumns v: Tensor<Scalar>) -> Tensor<Scalar> {
        layout.transform(v, op: "KFACOperator.apply(toColumns:)") { j, x in
            let block = factors.blocks[j]
            let right = matmul(x, block.inputFactor, transposeB: true)          // V Aᵀ, shared across columns
            return kfacLeftMultiply(block.gradientFactor, right)                 // G V Aᵀ
        }
    }

    /// `diag(K)`: `diag(G)[o] · diag(A)[i]` at each block coordinate.
    public func diagonal() -> Tensor<Scalar> {
        layout.assemble(columns: 1) { j in
            let block = factors.blocks[j]
            return outer(kfacDiagonal(block.gradientFactor), kfacDiagonal(block.inputFactor))
                .reshaped(to: [1, block.outputCount, block.inputFactorSize])
        }.reshaped(to: [dimension])
    }

    /// The dense `[d, d]` matrix, block by block (`K[(o,i),(o',i')] = G[o,o'] A[i,i']` at the
    /// coordinates of `V[o,i]` and `V[o',i']`).
    public func dense() -> Tensor<Scalar> {
        let d = dimension
        var m = [Scalar](repeating: 0, count: d * d)
        for (j, block) in factors.blocks.enumerated() {
            let g = block.gradientFactor.scalars, a = block.inputFactor.scalars
            let (out, p) = (block.outputCount, block.inputFactorSize)
            let coordinate = layout.coordinates(ofBlock: j)
            for o in 0..<out { for i in 0..<p {
                let row = coordinate[o * p + i]
                for o2 in 0..<out { for i2 in 0..<p {
                    m[row * d + coordinate[o2 * p + i2]] = g[o * out + o2] * a[i * p + i2]
                } }
            } }
        }
        return Tensor(shape: [d, d], scalars: m)
    }

    /// `tr(K) = Σ_blocks tr(G) tr(A)`.
    public func trace() -> Scalar {
        factors.blocks.reduce(0) { $0 + kfacDiagonal($1.gradientFactor).sum().scalar * kfacDiagonal($1.inputFactor).sum().scalar }
    }

    /// All `d` eigenvalues of `K`, descending: every product `λ_G,o λ_A,i` of the factors'
    /// eigenvalues in every block (LAPACK `?syevr` on each factor).
    ///
    /// - Complexity: `O(out³ + p³)` per block, then a sort of `d` values.
    public func eigenvalues() -> Tensor<Scalar> {
        var all: [Scalar] = []
        all.reserveCapacity(dimension)
        for block in factors.blocks {
            let g = block.gradientFactor.symmetricEigendecomposition(computeVectors: false).values.scalars
            let a = block.inputFactor.symmetricEigendecomposition(computeVectors: false).values.scalars
            for x in g { for y in a { all.append(x * y) } }
        }
        return Tensor(shape: [all.count], scalars: all.sorted(by: >))
    }

    /// The `k` largest eigenvalues of `K`, descending.
    public func topEigenvalues(_ k: Int) -> Tensor<Scalar> {
        precondition(k >= 0 && k <= dimension, "KFACOperator.topEigenvalues: k = \(k) for dimension \(dimension)")
        return eigenvalues().slice(0..<k, alongAxis: 0)
    }

    /// The damped inverse `(K + λI)⁻¹` (``KFACDamping/exact``) or K-FAC's factored damping
    /// (``KFACDamping/factored``), block by block; see ``KFACInverseOperator``.
    public func inverse(damping: Scalar, style: KFACDamping = .exact) -> KFACInverseOperator<Scalar> {
        KFACInverseOperator(self, damping: damping, style: style)
    }

    /// The operator's coordinates of a θ vector `[thetaDimension]` (the covered parameters' entries).
    public func restricted(_ theta: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(theta.rank == 1 && theta.scalarCount == thetaDimension,
                     "KFACOperator.restricted: vector \(theta.shape) is not [\(thetaDimension)]")
        return concatenate(thetaRanges.map { theta.slice($0, alongAxis: 0) }, alongAxis: 0)
    }

    /// A θ vector `[thetaDimension]` holding `v` at the covered parameters and zeros elsewhere.
    public func extended(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "KFACOperator.extended")
        var pieces: [Tensor<Scalar>] = []
        var at = 0
        for (r, theta) in zip(ranges, thetaRanges) {
            if theta.lowerBound > at { pieces.append(.zeros(shape: [theta.lowerBound - at])) }
            pieces.append(v.slice(r, alongAxis: 0))
            at = theta.upperBound
        }
        if thetaDimension > at { pieces.append(.zeros(shape: [thetaDimension - at])) }
        return concatenate(pieces, alongAxis: 0)
    }
}

/// Where each K-FAC block's augmented matrix `V = [W | b]` lives in an operator's coordinates.
struct KFACLayout {
    struct Block {
        var out: Int
        var inputCount: Int
        var weight: (name: Int, range: Range<Int>)?
        var bias: (name: Int, range: Range<Int>)?
        var p: Int { inputCount + (bias == nil ? 0 : 1) }
    }
    var blocks: [Block]
    var nameCount: Int
    var dimension: Int

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    init<S: TensorScalar>(blocks: [KFACFactors<S>.Block], names: [String], ranges: [Range<Int>]) {
        func locate(_ name: String?) -> (name: Int, range: Range<Int>)? {
            guard let name, let i = names.firstIndex(of: name) else { return nil }
            return (i, ranges[i])
        }
        self.blocks = blocks.map { Block(out: $0.outputCount, inputCount: $0.inputCount, weight: locate($0.weight), bias: locate($0.bias)) }
        nameCount = names.count
        dimension = ranges.last?.upperBound ?? 0
    }

    /// The operator coordinate of `V[o, i]`, at index `o·p + i`.
    func coordinates(ofBlock j: Int) -> [Int] {
        let b = blocks[j]
        var c = [Int](repeating: 0, count: b.out * b.p)
        for o in 0..<b.out {
            for i in 0..<b.inputCount { c[o * b.p + i] = b.weight!.range.lowerBound + o * b.inputCount + i }
            if let bias = b.bias { c[o * b.p + b.inputCount] = bias.range.lowerBound + o }
        }
        return c
    }

    /// Block `j`'s `V = [W | b]` for every column of `v` `[d, k]`: `[k, out, p]`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func gather<S: TensorScalar>(_ v: Tensor<S>, block j: Int) -> Tensor<S> {
        let b = blocks[j], k = v.shape[1]
        var parts: [Tensor<S>] = []
        if let w = b.weight { parts.append(v.slice(w.range, alongAxis: 0).transposed().reshaped(to: [k, b.out, b.inputCount])) }
        if let bias = b.bias { parts.append(v.slice(bias.range, alongAxis: 0).transposed().reshaped(to: [k, b.out, 1])) }
        return parts.count == 1 ? parts[0] : concatenate(parts, alongAxis: 2)
    }

    /// The `[d, k]` matrix whose block-`j` coordinates hold `y(j)` `[k, out, p]`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func assemble<S: TensorScalar>(columns k: Int, _ y: (Int) -> Tensor<S>) -> Tensor<S> {
        var pieces = [Tensor<S>?](repeating: nil, count: nameCount)
        for (j, b) in blocks.enumerated() {
            let x = y(j)
            precondition(x.shape == [k, b.out, b.p], "KFACLayout.assemble: block \(j) gave \(x.shape), expected \([k, b.out, b.p])")
            if let w = b.weight {
                let part = b.bias == nil ? x : x.slice(0..<b.inputCount, alongAxis: 2)
                pieces[w.name] = part.reshaped(to: [k, b.out * b.inputCount]).transposed()
            }
            if let bias = b.bias {
                pieces[bias.name] = x.slice(b.inputCount..<(b.inputCount + 1), alongAxis: 2).reshaped(to: [k, b.out]).transposed()
            }
        }
        return concatenate(pieces.map { $0! }, alongAxis: 0)
    }

    /// `[d, k] → [d, k]`, block `j` mapped by `f(j, V)` on `V` `[k, out, p]`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func transform<S: TensorScalar>(_ v: Tensor<S>, op: String, _ f: (Int, Tensor<S>) -> Tensor<S>) -> Tensor<S> {
        precondition(v.rank == 2 && v.shape[0] == dimension, "\(op): block \(v.shape) is not [\(dimension), k]")
        return assemble(columns: v.shape[1]) { j in f(j, gather(v, block: j)) }
    }
}

/// `M X` for each `[out, p]` slice of `x` `[k, out, p]` (`Mᵀ X` when `transpose`), as one GEMM.
@_specialize(where S == Float)
@_specialize(where S == Double)
func kfacLeftMultiply<S: TensorScalar>(_ m: Tensor<S>, _ x: Tensor<S>, transpose: Bool = false) -> Tensor<S> {
    let (k, out, p) = (x.shape[0], x.shape[1], x.shape[2])
    let wide = x.permuted([1, 0, 2]).reshaped(to: [out, k * p])
    return matmul(m, wide, transposeA: transpose).reshaped(to: [m.shape[transpose ? 1 : 0], k, p]).permuted([1, 0, 2])
}

/// The diagonal of a square matrix, `[n]`.
@_specialize(where S == Float)
@_specialize(where S == Double)
func kfacDiagonal<S: TensorScalar>(_ m: Tensor<S>) -> Tensor<S> {
    let n = m.shape[0], s = m.scalars
    return Tensor(shape: [n], scalars: (0..<n).map { s[$0 * n + $0] })
}
