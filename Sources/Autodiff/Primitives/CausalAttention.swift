import TensorCore

/// Causal multi-head attention, fused (``TensorCore/causalAttention(query:key:value:heads:)``):
/// per batch and head, `Y = P V` with `P = softmax(Q Kᵀ/√d_h + M)` on head-interleaved `[B, T, D]`.
///
/// ```
/// Ṡ = (Q̇ Kᵀ + Q K̇ᵀ)/√d_h,   Ṗ = P ⊙ (Ṡ − rowsum(P ⊙ Ṡ)),   Ẏ = Ṗ V + P V̇
/// P̄ = Ȳ Vᵀ,   V̄ = Pᵀ Ȳ,   S̄ = P ⊙ (P̄ − rowsum(P ⊙ P̄)),   Q̄ = S̄ K/√d_h,   K̄ = S̄ᵀ Q/√d_h
/// ```
/// Training runs the fused kernels with `P` saved from the forward pass. When tangents ride
/// along (forward-over-reverse Hessian–vector products), the VJP is written with differentiable
/// ops on the heads (``Variable/permuted(_:)``, ``matmul(_:_:transposeA:transposeB:)``,
/// ``Variable/softmax(alongAxis:)``), so second derivatives stay exact.
struct CausalAttention<Scalar: TensorScalar>: Primitive {
    static var name: String { "causalAttention" }
    let q: Variable<Scalar>
    let k: Variable<Scalar>
    let v: Variable<Scalar>
    let heads: Int
    /// `P [B, H, T, T]`, zero above the diagonal.
    let probabilities: Tensor<Scalar>

    var shape: (b: Int, t: Int, d: Int, hd: Int) { (q.shape[0], q.shape[1], q.shape[2], q.shape[2] / heads) }
    var scale: Scalar { 1 / Scalar(shape.hd).squareRoot() }

    /// `[B, T, D] → [B·H, T, d_h]`.
    func split(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let s = shape
        return x.reshaped(to: [s.b, s.t, heads, s.hd]).permuted([0, 2, 1, 3]).reshaped(to: [s.b * heads, s.t, s.hd])
    }
    func split(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let s = shape
        return x.reshaped(to: [s.b, s.t, heads, s.hd]).permuted([0, 2, 1, 3]).reshaped(to: [s.b * heads, s.t, s.hd])
    }
    /// `[B·H, T, d_h] → [B, T, D]`.
    func merge(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let s = shape
        return x.reshaped(to: [s.b, heads, s.t, s.hd]).permuted([0, 2, 1, 3]).reshaped(to: [s.b, s.t, s.d])
    }
    func merge(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let s = shape
        return x.reshaped(to: [s.b, heads, s.t, s.hd]).permuted([0, 2, 1, 3]).reshaped(to: [s.b, s.t, s.d])
    }

    func jvp(_ t: [Tensor<Scalar>?], output: Tensor<Scalar>) -> Tensor<Scalar> {
        let s = shape
        let p = probabilities.reshaped(to: [s.b * heads, s.t, s.t])
        var dy = Tensor<Scalar>(shape: [s.b * heads, s.t, s.hd], repeating: 0)
        if t[0] != nil || t[1] != nil {
            var ds = Tensor<Scalar>(shape: p.shape, repeating: 0)
            if let dq = t[0] { ds += matmul(split(dq), split(k.value), transposeB: true) }
            if let dk = t[1] { ds += matmul(split(q.value), split(dk), transposeB: true) }
            ds = ds * scale
            let dp = p * (ds - (p * ds).sum(alongAxes: [2], keepingDimensions: true))
            dy += matmul(dp, split(v.value))
        }
        if let dv = t[2] { dy += matmul(p, split(dv)) }
        return merge(dy)
    }

    func vjp(_ c: Variable<Scalar>, output: Variable<Scalar>, needed: [Bool]) -> [Variable<Scalar>?] {
        if c.tangent == nil && q.tangent == nil && k.tangent == nil && v.tangent == nil {
            let g = causalAttentionBackward(
                query: q.value, key: k.value, value: v.value, probabilities: probabilities, heads: heads, outputCotangent: c.value)
            return [needed[0] ? Variable(g.query) : nil, needed[1] ? Variable(g.key) : nil, needed[2] ? Variable(g.value) : nil]
        }
        // Differentiable form: P recomputed from Q and K, so its tangent is exact.
        let s = shape
        let mask = Tensor<Scalar>(shape: [s.t, s.t]) { m in
            for i in 0..<s.t { for j in 0..<s.t { m[i * s.t + j] = j <= i ? 0 : -.infinity } }
        }
        let qh = split(q), kh = split(k), vh = split(v), ch = split(c)
        let p = (matmul(qh, kh, transposeB: true) * scale + Variable(mask)).softmax(alongAxis: -1)
        let dp = matmul(ch, vh, transposeB: true)
        let ds = p * (dp - (p * dp).sum(alongAxes: [2], keepingDimensions: true))
        return [
            needed[0] ? merge(matmul(ds, kh) * scale) : nil,
            needed[1] ? merge(matmul(ds, qh, transposeA: true) * scale) : nil,
            needed[2] ? merge(matmul(p, ch, transposeA: true)) : nil,
        ]
    }
}

extension Variable {
    /// Causal multi-head attention on head-interleaved `[B, T, D]` queries, keys and values
    /// (`D = heads·d_h`; head `h` is columns `h·d_h ..< (h+1)·d_h`):
    /// ```
    /// Yₕ = softmax(Qₕ Kₕᵀ / √d_h + M) Vₕ,   M = −∞ above the diagonal, 0 elsewhere
    /// ```
    /// Fused: no copies split or merge the heads, and scores, mask and softmax are one pass per
    /// (batch, head) block. Returns `Y [B, T, D]` in the same layout.
    public static func causalAttention(query: Variable, key: Variable, value: Variable, heads: Int) -> Variable {
        let (y, p) = TensorCore.causalAttention(query: query.value, key: key.value, value: value.value, heads: heads)
        return Variable.apply(
            CausalAttention(q: query, k: key, v: value, heads: heads, probabilities: p), to: [query, key, value], value: y)
    }
}
