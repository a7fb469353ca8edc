import TensorCore

/// How ``levinaBickel(distances:neighborRange:pooling:)`` pools the per-point estimates
/// `m̂_k(x_i)` into one `m̂_k`.
public enum LevinaBickelPooling: String, Codable, Sendable, CaseIterable {
    /// MacKay & Ghahramani (2005): average the inverses, then invert,
    /// `m̂_k = [ (1/n) Σ_i m̂_k(x_i)^{−1} ]^{−1}`. The default: `m̂_k(x)^{−1}` is an unbiased
    /// estimate of `1/d` under the Poisson model, so the pooled estimate is consistent as `n`
    /// grows for fixed `k`.
    case inverseAverage
    /// Levina & Bickel (2005) as published: `m̂_k = (1/n) Σ_i m̂_k(x_i)`. Biased upward by the
    /// factor `(k − 1)/(k − 2)` under the Poisson model (the mean of an inverse gamma), which does
    /// not shrink with `n`.
    case average
}

/// The Levina–Bickel maximum-likelihood intrinsic-dimension estimate over a range of `k`.
public struct LevinaBickelEstimate: Codable, Sendable, Equatable {
    /// `m̂ = (1/(k₂ − k₁ + 1)) Σ_{k=k₁}^{k₂} m̂_k`.
    public var dimension: Double
    /// `m̂_k` for `k = k₁ … k₂`.
    public var dimensionsByK: [Double]
    /// `k₁`.
    public var minimumK: Int
    /// `k₂`.
    public var maximumK: Int
    public var pooling: LevinaBickelPooling
    /// The number of points `n` pooled.
    public var pointCount: Int
}

/// The maximum-likelihood intrinsic dimension of Levina & Bickel (*NIPS* 2004), from each
/// point's `k` nearest-neighbour distances `T_1(x) ≤ … ≤ T_k(x)`:
///
/// ```
/// m̂_k(x) = [ (1/(k−1)) Σ_{j=1}^{k−1} log(T_k(x) / T_j(x)) ]^{−1}
/// m̂_k    = pooled over the n points (see LevinaBickelPooling; default: MacKay–Ghahramani)
/// m̂      = (1/(k₂ − k₁ + 1)) Σ_{k=k₁}^{k₂} m̂_k          (default k₁ = 10, k₂ = 20)
/// ```
///
/// Under a Poisson process of constant density on a `d`-manifold around `x`,
/// `Σ_{j<k} log(T_k/T_j) ~ Gamma(k − 1, rate d)`.
///
/// - Parameters:
///   - distances: `[n, K]`, each row the ascending positive distances to the `K ≥ k₂`
///     nearest neighbours (``NearestNeighbors/distances``).
///   - neighborRange: `k₁…k₂` with `k₁ ≥ 2`.
///   - pooling: how per-point estimates are pooled.
/// - Returns: the estimate. A point whose `k` neighbours are all equidistant has
///   `m̂_k(x) = +∞`; with ``LevinaBickelPooling/inverseAverage`` it contributes `0` to the
///   average of inverses.
public func levinaBickel(
    distances: Tensor<Double>, neighborRange: ClosedRange<Int> = 10...20, pooling: LevinaBickelPooling = .inverseAverage
) -> LevinaBickelEstimate {
    precondition(distances.rank == 2, "levinaBickel: distances must be [n, K], got \(distances.shape)")
    let (n, available) = (distances.shape[0], distances.shape[1])
    precondition(n >= 1, "levinaBickel: no points")
    precondition(neighborRange.lowerBound >= 2, "levinaBickel: k₁ must be at least 2, got \(neighborRange)")
    precondition(
        neighborRange.upperBound <= available,
        "levinaBickel: k₂ = \(neighborRange.upperBound) needs that many neighbours, distances has \(available)")
    let t = distances.scalars
    let kCount = neighborRange.count
    // Per k: Σ_i m̂_k(x_i)^{−1} and Σ_i m̂_k(x_i).
    var inverseSums = [Double](repeating: 0, count: kCount)
    var estimateSums = [Double](repeating: 0, count: kCount)
    var logs = [Double](repeating: 0, count: neighborRange.upperBound)
    for i in 0..<n {
        for j in 0..<neighborRange.upperBound {
            let r = t[i * available + j]
            precondition(r > 0 && r.isFinite, "levinaBickel: distance \(r) of point \(i) is not positive and finite")
            precondition(j == 0 || r >= t[i * available + j - 1], "levinaBickel: distances of point \(i) are not ascending")
            logs[j] = Double.log(r)
        }
        // prefix = Σ_{j<k} log T_j, so Σ_{j<k} log(T_k/T_j) = (k−1) log T_k − prefix.
        var prefix = 0.0
        for k in 2...neighborRange.upperBound {
            prefix += logs[k - 2]
            guard k >= neighborRange.lowerBound else { continue }
            let inverse = (Double(k - 1) * logs[k - 1] - prefix) / Double(k - 1)
            let slot = k - neighborRange.lowerBound
            inverseSums[slot] += max(0, inverse)
            estimateSums[slot] += 1 / max(0, inverse)
        }
    }
    let byK = (0..<kCount).map { s in
        switch pooling {
        case .inverseAverage: Double(n) / inverseSums[s]
        case .average: estimateSums[s] / Double(n)
        }
    }
    return LevinaBickelEstimate(
        dimension: byK.reduce(0, +) / Double(kCount), dimensionsByK: byK,
        minimumK: neighborRange.lowerBound, maximumK: neighborRange.upperBound, pooling: pooling, pointCount: n)
}

/// The Levina–Bickel estimate from precomputed neighbours (`neighbors.k ≥ k₂`). See
/// ``levinaBickel(distances:neighborRange:pooling:)``.
public func levinaBickel(
    neighbors: NearestNeighbors, neighborRange: ClosedRange<Int> = 10...20, pooling: LevinaBickelPooling = .inverseAverage
) -> LevinaBickelEstimate {
    levinaBickel(distances: neighbors.distances, neighborRange: neighborRange, pooling: pooling)
}

/// The Levina–Bickel estimate of a point cloud `[n, D]` (exact duplicates dropped, see
/// ``NearestNeighbors``). See ``levinaBickel(distances:neighborRange:pooling:)``.
///
/// - Throws: ``IntrinsicDimensionError`` for non-finite coordinates or fewer than `k₂ + 1`
///   distinct points.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func levinaBickel<S: TensorScalar>(
    points: Tensor<S>, neighborRange: ClosedRange<Int> = 10...20, pooling: LevinaBickelPooling = .inverseAverage
) throws(IntrinsicDimensionError) -> LevinaBickelEstimate {
    let neighbors = try NearestNeighbors(points: points, k: neighborRange.upperBound)
    return levinaBickel(neighbors: neighbors, neighborRange: neighborRange, pooling: pooling)
}
