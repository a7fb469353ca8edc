/// A linear-algebra failure that depends on the values of a matrix, not on its shape.
///
/// Shape misuse (a non-square matrix, mismatched right-hand sides) traps like every other op;
/// these errors are thrown because whether a matrix is singular or positive definite is only
/// known once it has been factored.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The leading principal minor of order `order` (its top-left `order × order` block) is not
    /// positive definite, so the Cholesky factorization does not exist. `order` is in `1...n`.
    case notPositiveDefinite(order: Int)
    /// Gaussian elimination met an exactly zero pivot at zero-based row/column `pivot`, so the
    /// matrix is singular. (Nearly singular matrices are *not* detected.)
    case singular(pivot: Int)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let order):
            "matrix is not positive definite (leading minor of order \(order))"
        case .singular(let pivot):
            "matrix is singular (zero pivot at index \(pivot))"
        }
    }
}

extension Tensor {
    /// The order `n` of a square rank-2 tensor; traps naming `op` otherwise.
    private func squareOrder(_ op: String) -> Int {
        precondition(
            rank == 2 && shape[0] == shape[1], "\(op): expected a square rank-2 tensor, got shape \(shape)")
        return shape[0]
    }

    /// Whether every element of the lower triangle (diagonal included) of an `n × n` matrix is finite.
    private func lowerTriangleIsFinite(_ n: Int) -> Bool {
        withUnsafeBufferPointer { a in
            for i in 0..<n {
                for j in 0...i where !a[i * n + j].isFinite { return false }
            }
            return true
        }
    }

    /// The eigenvalues, and optionally eigenvectors, of a real symmetric matrix, in ascending order.
    ///
    /// ```
    /// A V = V Λ,   Vᵀ V = I,   Λ = diag(λ₀ ≤ λ₁ ≤ … ≤ λₙ₋₁)
    /// ```
    ///
    /// Only the **lower triangle** (diagonal included) of `self` is read; the strict upper
    /// triangle is assumed to mirror it and is never looked at. Computed by LAPACK's `?syevr`
    /// (relatively robust representations, MRRR), which finds a subset of eigenpairs in time
    /// proportional to its size after the `O(n³)` reduction to tridiagonal form.
    ///
    /// Each eigenvector is determined only up to sign (and, for repeated eigenvalues, up to a
    /// rotation within the eigenspace). If the lower triangle holds a NaN or an infinity,
    /// every returned element is NaN.
    ///
    /// - Parameters:
    ///   - range: Zero-based indices, in ascending eigenvalue order, of the eigenpairs to
    ///     compute (`0...0` is the smallest, `(n-1)...(n-1)` the largest); `nil` for all. Must
    ///     lie within `0..<n`.
    ///   - computeVectors: Whether to compute eigenvectors.
    /// - Returns: `values` `[k]` ascending, and `vectors` `[n, k]` whose column `j` is the unit
    ///   eigenvector of `values[j]` (`nil` unless `computeVectors`), where `k` is `n` or
    ///   `range.count`.
    /// - Precondition: `self` is square, `[n, n]`.
    /// - Complexity: `O(n³)` for the tridiagonal reduction, plus `O(n² k)` to compute and
    ///   back-transform `k` eigenvectors.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func symmetricEigendecomposition(
        range: ClosedRange<Int>? = nil, computeVectors: Bool = true
    ) -> (values: Tensor, vectors: Tensor?) {
        let op = "symmetricEigendecomposition"
        let n = squareOrder(op)
        if let range {
            precondition(
                range.lowerBound >= 0 && range.upperBound < n,
                "\(op): range \(range) out of bounds for a \(n) × \(n) matrix")
        }
        let k = range?.count ?? n
        if n == 0 {
            return (Tensor(shape: [0], repeating: 0), computeVectors ? Tensor(shape: [0, 0], repeating: 0) : nil)
        }
        guard lowerTriangleIsFinite(n) else {
            return (
                Tensor(shape: [k], repeating: .nan),
                computeVectors ? Tensor(shape: [n, k], repeating: .nan) : nil
            )
        }
        let a = storage.copy()  // ?syevr destroys its input
        var values = Tensor(uninitializedShape: [k])
        var vectors = computeVectors ? Tensor(uninitializedShape: [n, k]) : nil
        var found = 0
        let info = values.withUnsafeMutableBufferPointer { w in
            func run(_ z: UnsafeMutablePointer<Scalar>?) -> Int {
                Scalar.syevr(
                    computeVectors: computeVectors, oneBasedIndices: range.map { ($0.lowerBound + 1)...($0.upperBound + 1) },
                    n: n, a: a.pointer, lda: n, values: w.baseAddress!, vectors: z, ldz: k, foundCount: &found)
            }
            if vectors == nil { return run(nil) }
            return vectors!.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
        }
        withExtendedLifetime(a) {}
        precondition(info == 0, "\(op): LAPACK ?syevr failed with INFO = \(info) for shape \(shape)")
        precondition(found == k, "\(op): LAPACK ?syevr found \(found) eigenvalues, expected \(k)")
        return (values, vectors)
    }

    /// The singular value decomposition of a real matrix, singular values in descending order.
    ///
    /// ```
    /// A = U Σ Vᵀ,   Uᵀ U = I,   V Vᵀ = I,   Σ = diag(σ₀ ≥ σ₁ ≥ … ≥ σₚ₋₁ ≥ 0),   p = min(m, n)
    /// ```
    ///
    /// Computed by LAPACK's divide-and-conquer `?gesdd`. Singular vectors are determined only
    /// up to a simultaneous sign flip of a column of U and the matching row of Vᵀ. If `self`
    /// holds a NaN or an infinity, every returned element is NaN.
    ///
    /// - Parameters:
    ///   - computeVectors: Whether to compute `u` and `vt`.
    ///   - full: With vectors, return the full square factors `u` `[m, m]` and `vt` `[n, n]`
    ///     instead of the thin ones `u` `[m, p]` and `vt` `[p, n]`.
    /// - Returns: `s` `[p]` descending; `u` and `vt` as above (`nil` unless `computeVectors`).
    /// - Precondition: `self` is rank 2, `[m, n]`.
    /// - Complexity: `O(m n p)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func singularValueDecomposition(
        computeVectors: Bool = true, full: Bool = false
    ) -> (u: Tensor?, s: Tensor, vt: Tensor?) {
        let op = "singularValueDecomposition"
        precondition(rank == 2, "\(op): expected a rank-2 tensor, got shape \(shape)")
        let m = shape[0], n = shape[1], p = Swift.min(m, n)
        let job: SingularVectorJob = computeVectors ? (full ? .full : .thin) : .none
        let uShape = full ? [m, m] : [m, p]
        let vtShape = full ? [n, n] : [p, n]
        if p == 0 {
            // Nothing to factor; the full factors of an empty product are identities.
            return (
                computeVectors ? Tensor.eye(rows: uShape[0], columns: uShape[1]) : nil,
                Tensor(shape: [0], repeating: 0),
                computeVectors ? Tensor.eye(rows: vtShape[0], columns: vtShape[1]) : nil
            )
        }
        let finite = withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } }
        guard finite else {
            return (
                computeVectors ? Tensor(shape: uShape, repeating: .nan) : nil,
                Tensor(shape: [p], repeating: .nan),
                computeVectors ? Tensor(shape: vtShape, repeating: .nan) : nil
            )
        }
        let a = storage.copy()  // ?gesdd destroys its input
        var s = Tensor(uninitializedShape: [p])
        var u = computeVectors ? Tensor(uninitializedShape: uShape) : nil
        var vt = computeVectors ? Tensor(uninitializedShape: vtShape) : nil
        let info = s.withUnsafeMutableBufferPointer { sp in
            func run(_ up: UnsafeMutablePointer<Scalar>?, _ vp: UnsafeMutablePointer<Scalar>?) -> Int {
                Scalar.gesdd(
                    vectors: job, m: m, n: n, a: a.pointer, lda: n, s: sp.baseAddress!,
                    u: up, ldu: Swift.max(1, uShape[1]), vt: vp, ldvt: Swift.max(1, vtShape[1]))
            }
            guard computeVectors else { return run(nil, nil) }
            return u!.withUnsafeMutableBufferPointer { up in
                vt!.withUnsafeMutableBufferPointer { vp in run(up.baseAddress!, vp.baseAddress!) }
            }
        }
        withExtendedLifetime(a) {}
        precondition(info == 0, "\(op): LAPACK ?gesdd failed with INFO = \(info) for shape \(shape)")
        return (u, s, vt)
    }

    /// The lower-triangular Cholesky factor `L` of a symmetric positive-definite matrix.
    ///
    /// ```
    /// A = L Lᵀ,   L lower triangular with positive diagonal
    /// ```
    ///
    /// Only the **lower triangle** of `self` is read. The result's strict upper triangle is zero.
    /// Computed by LAPACK's `?potrf`. Pass the result to ``choleskySolve(_:)`` to solve
    /// `A X = B`.
    ///
    /// - Returns: `L`, `[n, n]`.
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(order:)`` if a leading minor is not
    ///   positive definite. A NaN or infinity in the lower triangle counts as making the
    ///   leading minor through its row not positive definite (no finite factor exists).
    /// - Precondition: `self` is square, `[n, n]`.
    /// - Complexity: `O(n³ / 3)`.
    public func cholesky() throws(LinearAlgebraError) -> Tensor {
        let n = squareOrder("cholesky")
        let firstNonFiniteRow: Int? = withUnsafeBufferPointer { a in
            (0..<n).first { i in (0...i).contains { !a[i * n + $0].isFinite } }
        }
        if let i = firstNonFiniteRow { throw .notPositiveDefinite(order: i + 1) }
        var l = Tensor(shape: shape, storage: storage.copy())  // ?potrf overwrites its input
        if n == 0 { return l }
        let info = l.withUnsafeMutableBufferPointer { p in
            let info = Scalar.potrf(n: n, a: p.baseAddress!, lda: n)
            for i in 0..<n {
                for j in (i + 1)..<n { p[i * n + j] = 0 }
            }
            return info
        }
        precondition(info >= 0, "cholesky: LAPACK ?potrf rejected argument \(-info) for shape \(shape)")
        if info > 0 { throw .notPositiveDefinite(order: info) }
        return l
    }

    /// Solves `A X = B` where `self` is the Cholesky factor `L` of `A = L Lᵀ`, as returned by
    /// ``cholesky()``.
    ///
    /// ```
    /// L Lᵀ X = B   ⇒   X = L⁻ᵀ (L⁻¹ B)
    /// ```
    ///
    /// Only the **lower triangle** of `self` is read. Computed by LAPACK's `?potrs`
    /// (two triangular solves).
    ///
    /// - Parameter b: The right-hand side, `[n]` or `[n, k]`.
    /// - Returns: `X` with the shape of `b`.
    /// - Throws: ``LinearAlgebraError/singular(pivot:)`` if a diagonal element of `L` is zero.
    /// - Precondition: `self` is `[n, n]` and `b` is `[n]` or `[n, k]`.
    /// - Complexity: `O(n² k)`.
    public func choleskySolve(_ b: Tensor) throws(LinearAlgebraError) -> Tensor {
        let op = "choleskySolve"
        let n = squareOrder(op)
        let k = rightHandSideCount(b, n: n, op: op)
        let zero: Int? = withUnsafeBufferPointer { l in (0..<n).first { l[$0 * n + $0] == 0 } }
        if let zero { throw .singular(pivot: zero) }
        var x = Tensor(shape: b.shape, storage: b.storage.copy())  // ?potrs overwrites B
        if n == 0 || k == 0 { return x }
        let info = withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { xp in
                Scalar.potrs(n: n, rightHandSideCount: k, l: l.baseAddress!, ldl: n, b: xp.baseAddress!, ldb: k)
            }
        }
        precondition(info == 0, "\(op): LAPACK ?potrs rejected argument \(-info) for shapes \(shape), \(b.shape)")
        return x
    }

    /// Solves the general linear system `A X = B` with `A = self`.
    ///
    /// ```
    /// P A = L U   (partial pivoting),   X = U⁻¹ L⁻¹ P B
    /// ```
    ///
    /// Computed by LAPACK's `?gesv`. Only an exactly zero pivot is reported; an
    /// ill-conditioned `A` returns an inaccurate `X` without error, and NaNs in `A` or `b`
    /// propagate into `X`.
    ///
    /// - Parameter b: The right-hand side, `[n]` or `[n, k]`.
    /// - Returns: `X` with the shape of `b`.
    /// - Throws: ``LinearAlgebraError/singular(pivot:)`` if `A` is exactly singular.
    /// - Precondition: `self` is `[n, n]` and `b` is `[n]` or `[n, k]`.
    /// - Complexity: `O(2n³/3 + 2n² k)`.
    public func solve(_ b: Tensor) throws(LinearAlgebraError) -> Tensor {
        let n = squareOrder("solve")
        _ = rightHandSideCount(b, n: n, op: "solve")
        return try luSolve(b, op: "solve")
    }

    /// The inverse `A⁻¹` of a square matrix, such that `A A⁻¹ = A⁻¹ A = I`.
    ///
    /// Computed as the solution of `A X = I` by LAPACK's `?gesv`. Prefer ``solve(_:)`` when the
    /// inverse is only needed to multiply something: it is faster and more accurate.
    ///
    /// - Throws: ``LinearAlgebraError/singular(pivot:)`` if `A` is exactly singular.
    /// - Precondition: `self` is `[n, n]`.
    /// - Complexity: `O(2n³/3 + 2n³)`.
    public func inverse() throws(LinearAlgebraError) -> Tensor {
        let n = squareOrder("inverse")
        return try luSolve(.eye(n), op: "inverse")
    }

    /// The number of right-hand sides in `b`, trapping unless `b` is `[n]` or `[n, k]`.
    private func rightHandSideCount(_ b: Tensor, n: Int, op: String) -> Int {
        precondition(
            (b.rank == 1 || b.rank == 2) && b.shape[0] == n,
            "\(op): right-hand side must be [\(n)] or [\(n), k] for matrix \(shape), got \(b.shape)")
        return b.rank == 1 ? 1 : b.shape[1]
    }

    /// `?gesv` on copies of `self` and `b` (both already shape-checked).
    private func luSolve(_ b: Tensor, op: String) throws(LinearAlgebraError) -> Tensor {
        let n = shape[0]
        let k = b.rank == 1 ? 1 : b.shape[1]
        let a = storage.copy()  // ?gesv overwrites A with its LU factors and B with X
        var x = Tensor(shape: b.shape, storage: b.storage.copy())
        if n == 0 || k == 0 { return x }
        var pivots = [Int32](repeating: 0, count: n)
        let info = x.withUnsafeMutableBufferPointer { xp in
            pivots.withUnsafeMutableBufferPointer { pp in
                Scalar.gesv(
                    n: n, rightHandSideCount: k, a: a.pointer, lda: n, pivots: pp.baseAddress!,
                    b: xp.baseAddress!, ldb: k)
            }
        }
        withExtendedLifetime(a) {}
        precondition(info >= 0, "\(op): LAPACK ?gesv rejected argument \(-info) for shapes \(shape), \(b.shape)")
        if info > 0 { throw .singular(pivot: info - 1) }
        return x
    }
}
