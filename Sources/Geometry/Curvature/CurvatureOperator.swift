import TensorCore

/// A curvature matrix of an ``Objective`` over θ, exposed as a ``LinearOperator``: the Hessian,
/// the GGN (= Fisher for softmax cross-entropy and Gaussian regression), the Monte Carlo Fisher
/// and the empirical Fisher (THEORY.md §0).
///
/// Every curvature operator counts its matrix–vector products in ``products`` so that a caller
/// can charge them as forward/backward passes (one product of each kind costs a small multiple
/// of one forward+backward pass, stated on each type).
///
/// ``LinearOperator/apply(toColumns:)``, ``LinearOperator/diagonal()`` and
/// ``LinearOperator/dense()`` are the protocol's defaults: one product per column, and an exact
/// diagonal and dense matrix from the `d` unit vectors — for small `d` only. An *estimated*
/// diagonal for large `d` comes from the Hutchinson diagonal estimator (Spectra/Hutchinson.swift),
/// which needs only products.
public protocol CurvatureOperator<Scalar>: LinearOperator {
    /// The loss whose curvature this is; θ is its ``Objective/theta``.
    var objective: Objective<Scalar> { get }
    /// The number of products `A v` taken so far (shared by copies of the operator).
    var products: ProductCounter { get }
}

extension CurvatureOperator {
    public var dimension: Int { objective.dimension }
}

/// A running count of operator products, shared by reference between copies of an operator.
///
/// Not synchronized: an operator and its counter are meant for one thread at a time.
public final class ProductCounter {
    /// The number of products counted since creation or the last ``reset()``.
    public private(set) var count = 0

    public init() {}

    /// Adds `k` products.
    public func record(_ k: Int = 1) { count += k }

    /// Sets the count back to zero.
    public func reset() { count = 0 }
}
