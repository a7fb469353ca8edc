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
        tangent(q: q.value, k: k.value, v: v.value, tq: t[0], tk: t[1], tv: t[2])
    }

    func vjp(_ c: Variable<Scalar>, output: Variable<Scalar>, needed: [Bool]) -> [Variable<Scalar>?] {
        if c.tangent == nil && q.tangent == nil && k.tangent == nil && v.tangent == nil {
            let g = causalAttentionBackward(
                query: q.value, key: k.value, value: v.value, probabilities: probabilities, heads: heads, outputCotangent: c.value)
            return [needed[0] ? Variable(g.query) : nil, needed[1] ? Variable(g.key) : nil, needed[2] ? Variable(g.value) : nil]
        }
        let g = differentiableCotangents(q: q, k: k, v: v, c: c)
        return [needed[0] ? g.q : nil, needed[1] ? g.k : nil, needed[2] ? g.v : nil]
    }

    /// `Ẏ` from the inputs' tangents (`nil` = zero), with the saved `P`.
    func tangent(
        q: Tensor<Scalar>, k: Tensor<Scalar>, v: Tensor<Scalar>, tq: Tensor<Scalar>?, tk: Tensor<Scalar>?, tv: Tensor<Scalar>?
    ) -> Tensor<Scalar> {
        let s = shape
        let p = probabilities.reshaped(to: [s.b * heads, s.t, s.t])
        var dy = Tensor<Scalar>(shape: [s.b * heads, s.t, s.hd], repeating: 0)
        if tq != nil || tk != nil {
            var ds = Tensor<Scalar>(shape: p.shape, repeating: 0)
            if let tq { ds += matmul(split(tq), split(k), transposeB: true) }
            if let tk { ds += matmul(split(q), split(tk), transposeB: true) }
            ds = ds * scale
            let dp = p * (ds - (p * ds).sum(alongAxes: [2], keepingDimensions: true))
            dy += matmul(dp, split(v))
        }
        if let tv { dy += matmul(p, split(tv)) }
        return merge(dy)
    }

    /// `(Q̄, K̄, V̄)` written with differentiable ops, `P` recomputed from `Q` and `K` so that its
    /// tangent is exact (forward-over-reverse).
    func differentiableCotangents(
        q: Variable<Scalar>, k: Variable<Scalar>, v: Variable<Scalar>, c: Variable<Scalar>
    ) -> (q: Variable<Scalar>, k: Variable<Scalar>, v: Variable<Scalar>) {
        let s = shape
        let mask = Tensor<Scalar>(shape: [s.t, s.t]) { m in
            for i in 0..<s.t { for j in 0..<s.t { m[i * s.t + j] = j <= i ? 0 : -.infinity } }
        }
        let qh = split(q), kh = split(k), vh = split(v), ch = split(c)
        let p = (matmul(qh, kh, transposeB: true) * scale + Variable(mask)).softmax(alongAxis: -1)
        let dp = matmul(ch, vh, transposeB: true)
        let ds = p * (dp - (p * dp).sum(alongAxes: [2], keepingDimensions: true))
        return (merge(matmul(ds, kh) * scale), merge(matmul(ds, qh, transposeA: true) * scale), merge(matmul(p, ch, transposeA: true)))
    }
}

/// ``CausalAttention`` on the packed output of a fused projection, `[Q K V]` `[B, T, 3D]`
/// (``TensorCore/causalAttention(packed:heads:)``): the same rules, with `Q̄`, `K̄`, `V̄` written
/// side by side into one `[B, T, 3D]` cotangent.
struct PackedCausalAttention<Scalar: TensorScalar>: Primitive {
    static var name: String { "causalAttention(packed)" }
    let qkv: Variable<Scalar>
    let heads: Int
    let probabilities: Tensor<Scalar>

    var d: Int { qkv.shape[2] / 3 }
    func part(_ i: Int, _ x: Tensor<Scalar>) -> Tensor<Scalar> { x.slice((i * d)..<((i + 1) * d), alongAxis: 2) }
    func part(_ i: Int, _ x: Variable<Scalar>) -> Variable<Scalar> { x.slice((i * d)..<((i + 1) * d), alongAxis: 2) }

    /// The unpacked primitive over the three parts (for its tangent rules), given as variables.
    func unpacked(_ q: Variable<Scalar>, _ k: Variable<Scalar>, _ v: Variable<Scalar>) -> CausalAttention<Scalar> {
        CausalAttention(q: q, k: k, v: v, heads: heads, probabilities: probabilities)
    }

    func jvp(_ t: [Tensor<Scalar>?], output: Tensor<Scalar>) -> Tensor<Scalar> {
        let x = qkv.value, dx = t[0]!
        let (q, k, v) = (part(0, x), part(1, x), part(2, x))
        // Constants: nothing is recorded while the forward pass computes this tangent.
        return unpacked(Variable(q), Variable(k), Variable(v)).tangent(
            q: q, k: k, v: v, tq: part(0, dx), tk: part(1, dx), tv: part(2, dx))
    }

    func vjp(_ c: Variable<Scalar>, output: Variable<Scalar>, needed: [Bool]) -> [Variable<Scalar>?] {
        if c.tangent == nil && qkv.tangent == nil {
            return [Variable(causalAttentionBackward(packed: qkv.value, probabilities: probabilities, heads: heads, outputCotangent: c.value))]
        }
        // Runs during the backward walk (not recording): the slices carry qkv's tangent.
        let (q, k, v) = (part(0, qkv), part(1, qkv), part(2, qkv))
        let g = unpacked(q, k, v).differentiableCotangents(q: q, k: k, v: v, c: c)
        return [concatenate([g.q, g.k, g.v], alongAxis: 2)]
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

    /// ``causalAttention(query:key:value:heads:)`` on the packed output of a fused projection,
    /// `[Q K V]` `[B, T, 3D]` (queries, keys, values side by side along the last axis), read in
    /// place; the cotangent comes back packed the same way. Returns `Y [B, T, D]`.
    public static func causalAttention(packed qkv: Variable, heads: Int) -> Variable {
        let (y, p) = TensorCore.causalAttention(packed: qkv.value, heads: heads)
        return Variable.apply(PackedCausalAttention(qkv: qkv, heads: heads, probabilities: p), to: [qkv], value: y)
    }
}
