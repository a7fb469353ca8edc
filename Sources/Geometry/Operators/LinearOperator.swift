import TensorCore

/// A square linear map `A: ℝ^d → ℝ^d` known through its matrix–vector product.
///
/// Curvature matrices (Hessian, GGN/Fisher, empirical Fisher, K-FAC) are far too large to
/// build for real networks, so Carve exposes each as an operator that supplies only
/// ``apply(_:)``; the rest — products with several vectors, the diagonal, the dense matrix —
/// has default implementations that an operator overrides when it can do better.
///
/// ```
/// y = A v,   Y = A V (columns),   diag(A)_j = e_jᵀ A e_j,   dense(A) = A I
/// ```
/// Vectors are `[d]` tensors in θ's coordinate order; blocks of vectors are `[d, k]` with one
/// vector per column.
public protocol LinearOperator<Scalar> {
    associatedtype Scalar: TensorScalar

    /// The dimension `d` of the space the operator acts on.
    var dimension: Int { get }

    /// The product `A v` of a `[d]` vector.
    func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar>

    /// The products `A V` of the columns of a `[d, k]` matrix.
    func apply(toColumns v: Tensor<Scalar>) -> Tensor<Scalar>

    /// The diagonal `diag(A)` as a `[d]` vector (exact).
    ///
    /// - Complexity: the default takes `d` products; operators override it when they know better.
    func diagonal() -> Tensor<Scalar>

    /// The dense `[d, d]` matrix.
    ///
    /// - Complexity: the default takes `d` products (as columns of the identity); meant for small `d`.
    func dense() -> Tensor<Scalar>
}

extension LinearOperator {
    public func apply(toColumns v: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(v.rank == 2 && v.shape[0] == dimension,
                     "LinearOperator.apply(toColumns:): block \(v.shape) is not [\(dimension), k]")
        let (d, k) = (dimension, v.shape[1])
        let rows = v.transposed()  // [k, d]: one vector per row
        let products = (0..<k).map { j in apply(rows.slice(j..<(j + 1), alongAxis: 0).reshaped(to: [d])) }
        return stack(products, alongAxis: 1)
    }

    public func diagonal() -> Tensor<Scalar> {
        let d = dimension
        var result = [Tensor<Scalar>]()
        result.reserveCapacity(d)
        for j in 0..<d {
            let e = Tensor<Scalar>.oneHot(labels: [j], classCount: d).reshaped(to: [d])
            result.append(apply(e).slice(j..<(j + 1), alongAxis: 0))
        }
        return concatenate(result, alongAxis: 0)
    }

    public func dense() -> Tensor<Scalar> {
        apply(toColumns: Tensor<Scalar>.eye(dimension))
    }

    /// Checks that `v` is a `[d]` vector for this operator; traps naming `op` otherwise.
    public func checkVector(_ v: Tensor<Scalar>, _ op: String) {
        precondition(v.rank == 1 && v.scalarCount == dimension, "\(op): vector \(v.shape) is not [\(dimension)]")
    }
}
