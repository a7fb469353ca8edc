import TensorCore

/// An operator given by its dense `[d, d]` matrix: `A v` is one BLAS product.
public struct DenseOperator<Scalar: TensorScalar>: LinearOperator {
    /// The matrix `A`.
    public let matrix: Tensor<Scalar>

    public init(_ matrix: Tensor<Scalar>) {
        precondition(matrix.rank == 2 && matrix.shape[0] == matrix.shape[1], "DenseOperator: matrix \(matrix.shape) is not square")
        self.matrix = matrix
    }

    public var dimension: Int { matrix.shape[0] }

    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "DenseOperator.apply")
        return matmul(matrix, v.reshaped(to: [dimension, 1])).reshaped(to: [dimension])
    }

    public func apply(toColumns v: Tensor<Scalar>) -> Tensor<Scalar> { matmul(matrix, v) }

    public func diagonal() -> Tensor<Scalar> {
        let d = dimension
        let m = matrix.scalars
        return Tensor(shape: [d], scalars: (0..<d).map { m[$0 * d + $0] })
    }

    public func dense() -> Tensor<Scalar> { matrix }
}

/// An operator given by a closure for its product: how a caller wraps any map it can apply.
public struct FunctionOperator<Scalar: TensorScalar>: LinearOperator {
    public let dimension: Int
    private let product: (Tensor<Scalar>) -> Tensor<Scalar>

    /// - Parameters:
    ///   - dimension: `d`.
    ///   - product: `v ↦ A v` for `[d]` vectors.
    public init(dimension: Int, product: @escaping (Tensor<Scalar>) -> Tensor<Scalar>) {
        self.dimension = dimension
        self.product = product
    }

    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        checkVector(v, "FunctionOperator.apply")
        return product(v)
    }
}

/// `c A + σ I`: a scaled operator with a shift (damping), e.g. `F + λI` before an inverse.
public struct ShiftedOperator<Base: LinearOperator>: LinearOperator {
    public typealias Scalar = Base.Scalar
    public let base: Base
    public let scale: Scalar
    public let shift: Scalar

    public init(_ base: Base, scale: Scalar = 1, shift: Scalar = 0) {
        self.base = base
        self.scale = scale
        self.shift = shift
    }

    public var dimension: Int { base.dimension }

    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
        base.apply(v) * scale + v * shift
    }

    public func apply(toColumns v: Tensor<Scalar>) -> Tensor<Scalar> {
        base.apply(toColumns: v) * scale + v * shift
    }

    public func diagonal() -> Tensor<Scalar> { base.diagonal() * scale + shift }
}

/// `A + B`: the sum of two operators on the same space.
public struct SumOperator<A: LinearOperator, B: LinearOperator>: LinearOperator where A.Scalar == B.Scalar {
    public typealias Scalar = A.Scalar
    public let first: A
    public let second: B

    public init(_ first: A, _ second: B) {
        precondition(first.dimension == second.dimension, "SumOperator: dimensions \(first.dimension) and \(second.dimension) differ")
        self.first = first
        self.second = second
    }

    public var dimension: Int { first.dimension }
    public func apply(_ v: Tensor<Scalar>) -> Tensor<Scalar> { first.apply(v) + second.apply(v) }
    public func apply(toColumns v: Tensor<Scalar>) -> Tensor<Scalar> { first.apply(toColumns: v) + second.apply(toColumns: v) }
    public func diagonal() -> Tensor<Scalar> { first.diagonal() + second.diagonal() }
}

extension LinearOperator {
    /// `c A + σ I`.
    public func scaled(by c: Scalar, shiftedBy sigma: Scalar = 0) -> ShiftedOperator<Self> {
        ShiftedOperator(self, scale: c, shift: sigma)
    }

    /// `A + σ I` (damping).
    public func shifted(by sigma: Scalar) -> ShiftedOperator<Self> { ShiftedOperator(self, shift: sigma) }
}
