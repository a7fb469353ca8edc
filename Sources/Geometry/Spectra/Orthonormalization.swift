import TensorCore

/// An orthonormal basis `Q` `[d, k]` of the column space of `A` `[d, k]`, completed with random
/// orthonormal directions where the columns of `A` are linearly dependent.
///
/// ```
/// Q = [q₁ … q_k],   qⱼ ∝ (I − Q_{<j} Q_{<j}ᵀ)² aⱼ,   Qᵀ Q = I,   span(A) ⊆ span(Q)
/// ```
/// Computed by classical Gram–Schmidt with one full reorthogonalization ("CGS2": each column
/// is projected off the previous ones twice, through BLAS), in `Double` whatever `Scalar` is.
/// Twice is enough: CGS2 keeps `‖Qᵀ Q − I‖` at the level of the unit roundoff, like Householder
/// QR (Giraud, Langou, Rozložník & van den Eshof 2005, "Rounding error analysis of the
/// classical Gram–Schmidt orthogonalization process"; Kahan–Parlett in Parlett, *The Symmetric
/// Eigenvalue Problem*, §6.9). A column whose remainder after both passes is below `d·ε` of
/// its norm (or zero) is dependent: it is replaced by a seeded random vector, orthogonalized
/// the same way, so `Q` always has `k` orthonormal columns. This is what Hutch++ needs: any
/// orthonormal `Q` whose span contains `range(A S)`.
///
/// - Parameters:
///   - a: `[d, k]` with `k ≤ d`.
///   - seed: Seed of the random completion (used only for dependent columns).
/// - Returns: `Q` `[d, k]` with orthonormal columns.
/// - Complexity: `4 d k²` flops.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func orthonormalBasis<Scalar: TensorScalar>(of a: Tensor<Scalar>, seed: UInt64 = 0) -> Tensor<Scalar> {
    precondition(a.rank == 2 && a.shape[1] <= a.shape[0], "orthonormalBasis: matrix \(a.shape) is not [d, k] with k ≤ d")
    let (d, k) = (a.shape[0], a.shape[1])
    let columns = a.transposed().scalars.map(Double.init)  // [k, d]: one column per row
    var basis = OrthonormalRows(dimension: d, capacity: k)
    var generator = RandomGenerator(seed: seed)
    for j in 0..<k {
        let column = Array(columns[(j * d)..<((j + 1) * d)])
        if !basis.appendOrthogonalized(column) {
            basis.appendRandomDirection(using: &generator)
        }
    }
    return basis.columns(count: k, as: Scalar.self)
}

/// Orthonormal vectors of `ℝ^d` stored as the rows of a row-major `[count, d]` `Double` buffer:
/// the basis of Lanczos and of the Hutch++ sketch.
struct OrthonormalRows {
    let dimension: Int
    /// Row-major `[count, d]`.
    private(set) var storage: [Double] = []
    /// Scratch for the coefficients `Qᵀ w`.
    private var coefficients: [Double] = []

    init(dimension: Int, capacity: Int) {
        self.dimension = dimension
        storage.reserveCapacity(dimension * capacity)
    }

    var count: Int { dimension == 0 ? 0 : storage.count / dimension }

    /// Row `j`, a copy.
    func row(_ j: Int) -> [Double] { Array(storage[(j * dimension)..<((j + 1) * dimension)]) }

    /// Appends a vector the caller has already normalized and orthogonalized.
    mutating func append(_ q: [Double]) {
        precondition(q.count == dimension, "OrthonormalRows.append: vector of \(q.count) entries in dimension \(dimension)")
        storage.append(contentsOf: q)
    }

    /// `w ← (I − Q Qᵀ) w`, twice (two BLAS matrix–vector products per pass).
    mutating func projectOutTwice(_ w: inout [Double]) {
        projectOut(&w)
        projectOut(&w)
    }

    /// `w ← (I − Q Qᵀ) w` as `c = Q w`, `w ← w − Qᵀ c` with `Q` `[m, d]` row-major.
    mutating func projectOut(_ w: inout [Double]) {
        let (m, d) = (count, dimension)
        guard m > 0, d > 0 else { return }
        if coefficients.count < m { coefficients = [Double](repeating: 0, count: m) }
        storage.withUnsafeBufferPointer { q in
            w.withUnsafeMutableBufferPointer { wp in
                coefficients.withUnsafeMutableBufferPointer { c in
                    Double.gemm(
                        transposeA: false, transposeB: false, m: m, n: 1, k: d, alpha: 1, a: q.baseAddress!, lda: d,
                        b: wp.baseAddress!, ldb: 1, beta: 0, c: c.baseAddress!, ldc: 1)
                    Double.gemm(
                        transposeA: true, transposeB: false, m: d, n: 1, k: m, alpha: -1, a: q.baseAddress!, lda: d,
                        b: c.baseAddress!, ldb: 1, beta: 1, c: wp.baseAddress!, ldc: 1)
                }
            }
        }
    }

    /// Orthogonalizes `v` against the rows twice and appends it normalized; returns `false`
    /// (appending nothing) when `v` is numerically in their span (remainder ≤ `d·ε·‖v‖`).
    mutating func appendOrthogonalized(_ v: [Double]) -> Bool {
        let original = euclideanNorm(v)
        guard original > 0, count < dimension else { return false }
        var w = v
        projectOutTwice(&w)
        let remainder = euclideanNorm(w)
        guard remainder > Double(dimension) * Double.ulpOfOne * original else { return false }
        append(w.map { $0 / remainder })
        return true
    }

    /// Appends a Gaussian direction orthogonalized against the rows.
    ///
    /// - Precondition: `count < dimension`.
    mutating func appendRandomDirection(using generator: inout RandomGenerator) {
        precondition(count < dimension, "OrthonormalRows.appendRandomDirection: the \(count) rows already span ℝ^\(dimension)")
        while true {
            let v = (0..<dimension).map { _ in generator.nextStandardNormal() }
            if appendOrthogonalized(v) { return }
        }
    }

    /// The first `k` rows as the columns of a `[d, k]` tensor.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func columns<Scalar: TensorScalar>(count k: Int, as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        precondition(k <= count, "OrthonormalRows.columns: \(k) columns requested from \(count) rows")
        let d = dimension
        return Tensor<Scalar>(shape: [d, k]) { out in
            for j in 0..<k {
                for i in 0..<d { out[i * k + j] = Scalar(storage[j * d + i]) }
            }
        }
    }

    /// `Qₖᵀ S` for the first `k` rows `Qₖ` `[k, d]` and coefficients `S` `[k, r]` (row-major):
    /// the `[d, r]` combinations `Σⱼ S[j, i] qⱼ` (Ritz vectors), computed in `Double` by BLAS.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func combinations<Scalar: TensorScalar>(rows k: Int, coefficients s: [Double], columns r: Int, as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        precondition(k <= count && s.count == k * r, "OrthonormalRows.combinations: \(s.count) coefficients for [\(k), \(r)] with \(count) rows")
        let d = dimension
        var y = [Double](repeating: 0, count: d * r)
        if d > 0 && r > 0 && k > 0 {
            storage.withUnsafeBufferPointer { q in
                s.withUnsafeBufferPointer { sp in
                    y.withUnsafeMutableBufferPointer { yp in
                        Double.gemm(
                            transposeA: true, transposeB: false, m: d, n: r, k: k, alpha: 1, a: q.baseAddress!, lda: d,
                            b: sp.baseAddress!, ldb: r, beta: 0, c: yp.baseAddress!, ldc: r)
                    }
                }
            }
        }
        return Tensor<Scalar>(shape: [d, r]) { out in
            for i in 0..<(d * r) { out[i] = Scalar(y[i]) }
        }
    }
}

/// `‖v‖₂` accumulated in `Double`.
func euclideanNorm(_ v: [Double]) -> Double {
    v.withUnsafeBufferPointer { p in p.isEmpty ? 0 : Double.dot(count: p.count, x: p.baseAddress!, y: p.baseAddress!).squareRoot() }
}

/// The entries of a tensor as `Double`s.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func doubleScalars<Scalar: TensorScalar>(_ t: Tensor<Scalar>) -> [Double] {
    if let d = t as? Tensor<Double> { return d.scalars }
    return t.converted(to: Double.self).scalars
}

/// A tensor of `shape` holding `values` converted to `Scalar` (specialized: no per-element
/// generic conversion in callers that are generic over an operator).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func tensor<Scalar: TensorScalar>(shape: [Int], doubles values: [Double], as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
    Tensor<Double>(shape: shape, scalars: values).converted(to: Scalar.self)
}

/// Column dot products `Σᵢ X[i, j] Y[i, j]` of two `[d, k]` blocks, accumulated in `Double`.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func columnDots<Scalar: TensorScalar>(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>) -> [Double] {
    precondition(x.rank == 2 && x.shape == y.shape, "columnDots: blocks \(x.shape) and \(y.shape) differ or are not [d, k]")
    let (d, k) = (x.shape[0], x.shape[1])
    var sums = [Double](repeating: 0, count: k)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeBufferPointer { yp in
            for i in 0..<d {
                for j in 0..<k { sums[j] += Double(xp[i * k + j]) * Double(yp[i * k + j]) }
            }
        }
    }
    return sums
}
