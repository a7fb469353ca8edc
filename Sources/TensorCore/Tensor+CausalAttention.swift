/// Causal multi-head attention on head-interleaved tensors, one (batch, head) block at a time.
///
/// ```
/// for each batch b and head h (columns h·d_h ..< (h+1)·d_h of Q, K, V, Y):
///   P = softmax(Q Kᵀ / √d_h + M),   Y = P V,      M = −∞ above the diagonal, 0 elsewhere
/// ```
/// `Q`, `K`, `V` are `[B, T, D]` with `D = H·d_h` (the layout a fused projection writes); BLAS
/// reads each head's `[T, d_h]` block in place through its leading dimension `D`, so no copy
/// splits or merges the heads. Each block's scores, mask, softmax and product stay in cache;
/// blocks are spread across cores.
///
/// - Returns: `Y [B, T, D]` and the probabilities `P [B, H, T, T]` (zero above the diagonal),
///   which the backward pass reuses.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func causalAttention<S: TensorScalar>(
    query q: Tensor<S>, key k: Tensor<S>, value v: Tensor<S>, heads: Int
) -> (output: Tensor<S>, probabilities: Tensor<S>) {
    let (b, t, d, _) = attentionShape(q, k, v, heads: heads, op: "causalAttention")
    return q.withUnsafeBufferPointer { qb in
        k.withUnsafeBufferPointer { kb in
            v.withUnsafeBufferPointer { vb in
                attentionForward(qb.baseAddress, kb.baseAddress, vb.baseAddress, ld: d, b: b, t: t, d: d, heads: heads)
            }
        }
    }
}

/// ``causalAttention(query:key:value:heads:)`` on the packed output of a fused projection,
/// `[Q K V]` `[B, T, 3D]` (queries in columns `0..<D`, keys in `D..<2D`, values in `2D..<3D`),
/// read in place. Returns `Y [B, T, D]` and `P [B, H, T, T]`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func causalAttention<S: TensorScalar>(packed qkv: Tensor<S>, heads: Int) -> (output: Tensor<S>, probabilities: Tensor<S>) {
    let (b, t, d) = packedShape(qkv, heads: heads, op: "causalAttention(packed:)")
    return qkv.withUnsafeBufferPointer { pb in
        let base = pb.baseAddress
        return attentionForward(base, base.map { $0 + d }, base.map { $0 + 2 * d }, ld: 3 * d, b: b, t: t, d: d, heads: heads)
    }
}

/// The forward kernel: `Q`, `K`, `V` rows `ld` apart, `D` columns each; `Y` dense `[B, T, D]`.
@inline(__always)
private func attentionForward<S: TensorScalar>(
    _ q: UnsafePointer<S>?, _ k: UnsafePointer<S>?, _ v: UnsafePointer<S>?, ld: Int, b: Int, t: Int, d: Int, heads: Int
) -> (output: Tensor<S>, probabilities: Tensor<S>) {
    guard b * t * d > 0, let q, let k, let v else {
        return (Tensor(shape: [b, t, d], repeating: 0), Tensor(shape: [b, heads, t, t], repeating: 0))
    }
    let hd = d / heads
    var y = Tensor<S>(uninitializedShape: [b, t, d])
    var p = Tensor<S>(uninitializedShape: [b, heads, t, t])
    let py = UncheckedSendable(y.withUnsafeMutableBufferPointer { $0.baseAddress! })
    let pp = UncheckedSendable(p.withUnsafeMutableBufferPointer { $0.baseAddress! })
    let pq = UncheckedSendable(q), pk = UncheckedSendable(k), pv = UncheckedSendable(v)
    let alpha = 1 / S(hd).squareRoot()
    Parallel.forEachChunk(count: b * heads, cost: t * t * hd) { range in
        for bh in range {
            let (bi, h) = (bh / heads, bh % heads)
            let offset = bi * t * ld + h * hd
            let probs = pp.value + bh * t * t
            S.gemm(transposeA: false, transposeB: true, m: t, n: t, k: hd, alpha: alpha,
                   a: pq.value + offset, lda: ld, b: pk.value + offset, ldb: ld, beta: 0, c: probs, ldc: t)
            causalSoftmaxRows(probs, t)
            S.gemm(transposeA: false, transposeB: false, m: t, n: hd, k: t, alpha: 1,
                   a: probs, lda: t, b: pv.value + offset, ldb: ld, beta: 0, c: py.value + bi * t * d + h * hd, ldc: d)
        }
    }
    return (y, p)
}

/// The cotangents of ``causalAttention(query:key:value:heads:)``'s inputs, given the output's
/// cotangent `Ȳ` and the saved probabilities `P`:
/// ```
/// P̄ = Ȳ Vᵀ,   V̄ = Pᵀ Ȳ,   S̄ = P ⊙ (P̄ − rowsum(P ⊙ P̄)),   Q̄ = S̄ K / √d_h,   K̄ = S̄ᵀ Q / √d_h
/// ```
/// per (batch, head) block, in the same head-interleaved `[B, T, D]` layout.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func causalAttentionBackward<S: TensorScalar>(
    query q: Tensor<S>, key k: Tensor<S>, value v: Tensor<S>, probabilities p: Tensor<S>, heads: Int,
    outputCotangent c: Tensor<S>
) -> (query: Tensor<S>, key: Tensor<S>, value: Tensor<S>) {
    let (b, t, d, _) = attentionShape(q, k, v, heads: heads, op: "causalAttentionBackward")
    precondition(
        p.shape == [b, heads, t, t] && c.shape == q.shape,
        "causalAttentionBackward: probabilities \(p.shape) / cotangent \(c.shape) do not match [\(b), \(heads), \(t), \(t)] / \(q.shape)")
    var dq = Tensor<S>(uninitializedShape: q.shape), dk = Tensor<S>(uninitializedShape: q.shape)
    var dv = Tensor<S>(uninitializedShape: q.shape)
    if q.scalarCount == 0 { return (dq, dk, dv) }
    let gq = dq.withUnsafeMutableBufferPointer { $0.baseAddress! }
    let gk = dk.withUnsafeMutableBufferPointer { $0.baseAddress! }
    let gv = dv.withUnsafeMutableBufferPointer { $0.baseAddress! }
    q.withUnsafeBufferPointer { qb in
        k.withUnsafeBufferPointer { kb in
            v.withUnsafeBufferPointer { vb in
                p.withUnsafeBufferPointer { pb in
                    c.withUnsafeBufferPointer { cb in
                        attentionBackward(
                            qb.baseAddress!, kb.baseAddress!, vb.baseAddress!, ld: d, pb.baseAddress!, cb.baseAddress!,
                            gq, gk, gv, b: b, t: t, d: d, heads: heads)
                    }
                }
            }
        }
    }
    return (dq, dk, dv)
}

/// The cotangent of ``causalAttention(packed:heads:)``'s input: `[Q̄ K̄ V̄]` `[B, T, 3D]`, by the
/// rules of ``causalAttentionBackward(query:key:value:probabilities:heads:outputCotangent:)``.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func causalAttentionBackward<S: TensorScalar>(
    packed qkv: Tensor<S>, probabilities p: Tensor<S>, heads: Int, outputCotangent c: Tensor<S>
) -> Tensor<S> {
    let (b, t, d) = packedShape(qkv, heads: heads, op: "causalAttentionBackward(packed:)")
    precondition(
        p.shape == [b, heads, t, t] && c.shape == [b, t, d],
        "causalAttentionBackward(packed:): probabilities \(p.shape) / cotangent \(c.shape) do not match [\(b), \(heads), \(t), \(t)] / [\(b), \(t), \(d)]")
    var g = Tensor<S>(uninitializedShape: qkv.shape)
    if qkv.scalarCount == 0 { return g }
    let pg = g.withUnsafeMutableBufferPointer { $0.baseAddress! }
    qkv.withUnsafeBufferPointer { xb in
        p.withUnsafeBufferPointer { pb in
            c.withUnsafeBufferPointer { cb in
                let x = xb.baseAddress!
                attentionBackward(
                    x, x + d, x + 2 * d, ld: 3 * d, pb.baseAddress!, cb.baseAddress!, pg, pg + d, pg + 2 * d,
                    b: b, t: t, d: d, heads: heads)
            }
        }
    }
    return g
}

/// The backward kernel: inputs and their cotangents rows `ld` apart; `P`, `Ȳ` dense.
@inline(__always)
private func attentionBackward<S: TensorScalar>(
    _ q: UnsafePointer<S>, _ k: UnsafePointer<S>, _ v: UnsafePointer<S>, ld: Int, _ p: UnsafePointer<S>,
    _ c: UnsafePointer<S>, _ dq: UnsafeMutablePointer<S>, _ dk: UnsafeMutablePointer<S>, _ dv: UnsafeMutablePointer<S>,
    b: Int, t: Int, d: Int, heads: Int
) {
    let hd = d / heads
    let alpha = 1 / S(hd).squareRoot()
    let pq = UncheckedSendable(q), pk = UncheckedSendable(k), pv = UncheckedSendable(v), pp = UncheckedSendable(p)
    let pc = UncheckedSendable(c), pdq = UncheckedSendable(dq), pdk = UncheckedSendable(dk), pdv = UncheckedSendable(dv)
    Parallel.forEachChunk(count: b * heads, cost: 2 * t * t * hd) { range in
        withUnsafeTemporaryAllocation(of: S.self, capacity: t * t) { scratch in
            let ds = scratch.baseAddress!
            for bh in range {
                let (bi, h) = (bh / heads, bh % heads)
                let offset = bi * t * ld + h * hd
                let probs = pp.value + bh * t * t
                let dy = pc.value + bi * t * d + h * hd
                // P̄ = Ȳ Vᵀ, V̄ = Pᵀ Ȳ
                S.gemm(transposeA: false, transposeB: true, m: t, n: t, k: hd, alpha: 1,
                       a: dy, lda: d, b: pv.value + offset, ldb: ld, beta: 0, c: ds, ldc: t)
                S.gemm(transposeA: true, transposeB: false, m: t, n: hd, k: t, alpha: 1,
                       a: probs, lda: t, b: dy, ldb: d, beta: 0, c: pdv.value + offset, ldc: ld)
                // S̄ = P ⊙ (P̄ − rowsum(P ⊙ P̄)); zero above the diagonal, where P is.
                for i in 0..<t {
                    let pr = probs + i * t, sr = ds + i * t
                    var dot: S = 0
                    for j in 0...i { dot = dot.addingProduct(pr[j], sr[j]) }
                    for j in 0...i { sr[j] = pr[j] * (sr[j] - dot) }
                    for j in (i + 1)..<t { sr[j] = 0 }
                }
                // Q̄ = α S̄ K, K̄ = α S̄ᵀ Q
                S.gemm(transposeA: false, transposeB: false, m: t, n: hd, k: t, alpha: alpha,
                       a: ds, lda: t, b: pk.value + offset, ldb: ld, beta: 0, c: pdq.value + offset, ldc: ld)
                S.gemm(transposeA: true, transposeB: false, m: t, n: hd, k: t, alpha: alpha,
                       a: ds, lda: t, b: pq.value + offset, ldb: ld, beta: 0, c: pdk.value + offset, ldc: ld)
            }
        }
    }
}

/// `(B, T, D)` after checking that `qkv` is `[B, T, 3D]` with `heads | D`.
private func packedShape<S: TensorScalar>(_ qkv: Tensor<S>, heads: Int, op: String) -> (Int, Int, Int) {
    precondition(qkv.rank == 3 && qkv.shape[2] % 3 == 0, "\(op): packed [Q K V] \(qkv.shape) is not [B, T, 3D]")
    let d = qkv.shape[2] / 3
    precondition(heads > 0 && d % heads == 0, "\(op): \(heads) heads do not divide D = \(d) of \(qkv.shape)")
    return (qkv.shape[0], qkv.shape[1], d)
}

/// `(B, T, D, d_h)` after checking that `Q`, `K`, `V` are equal `[B, T, D]` with `heads | D`.
private func attentionShape<S: TensorScalar>(
    _ q: Tensor<S>, _ k: Tensor<S>, _ v: Tensor<S>, heads: Int, op: String
) -> (Int, Int, Int, Int) {
    precondition(
        q.rank == 3 && k.shape == q.shape && v.shape == q.shape,
        "\(op): query \(q.shape), key \(k.shape), value \(v.shape) must be equal [B, T, D]")
    precondition(heads > 0 && q.shape[2] % heads == 0, "\(op): \(heads) heads do not divide D = \(q.shape[2]) of \(q.shape)")
    return (q.shape[0], q.shape[1], q.shape[2], q.shape[2] / heads)
}

/// In place on a `[t, t]` block of scaled scores: row `i` becomes the softmax of its first
/// `i + 1` entries, and the entries above the diagonal become 0 (the causal mask).
@_specialize(where S == Float)
@_specialize(where S == Double)
func causalSoftmaxRows<S: TensorScalar>(_ s: UnsafeMutablePointer<S>, _ t: Int) {
    for i in 0..<t {
        let row = s + i * t
        var m = row[0]
        for j in 0...i where row[j] > m || row[j].isNaN { m = row[j] }
        // A row of −∞ (or +∞) scores has no finite maximum: subtracting it would give NaN where
        // the unfused softmax gives NaN too; keep the subtraction so the two agree.
        for j in 0...i { row[j] -= m }
        for j in (i + 1)..<t { row[j] = -.infinity }
    }
    S.vectorExp(s, s, count: t * t)
    for i in 0..<t {
        let row = s + i * t
        var total: S = 0
        for j in 0...i { total += row[j] }
        let r = 1 / total
        for j in 0...i { row[j] *= r }
    }
}
