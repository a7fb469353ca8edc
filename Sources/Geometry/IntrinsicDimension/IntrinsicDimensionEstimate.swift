import TensorCore

/// An intrinsic-dimension estimator of THEORY.md §2.
public enum IntrinsicDimensionEstimator: String, Codable, Sendable, CaseIterable {
    /// ``twoNN(neighbors:discardFraction:confidenceLevel:)``.
    case twoNN = "twonn"
    /// ``levinaBickel(neighbors:neighborRange:pooling:)``.
    case mle
    /// ``pcaDimension(points:)``.
    case pca
}

/// The settings of ``intrinsicDimension(points:options:)``; the defaults are the estimators'.
public struct IntrinsicDimensionOptions: Sendable, Equatable {
    /// Which estimators run (all by default).
    public var estimators: Set<IntrinsicDimensionEstimator>
    /// TwoNN's censored fraction of the largest ratios (0.1).
    public var discardFraction: Double
    /// TwoNN's confidence-interval coverage (0.95).
    public var confidenceLevel: Double
    /// The Levina–Bickel neighbour range `k₁…k₂` (10…20).
    public var neighborRange: ClosedRange<Int>
    /// The Levina–Bickel pooling (MacKay–Ghahramani).
    public var pooling: LevinaBickelPooling

    public init(
        estimators: Set<IntrinsicDimensionEstimator> = Set(IntrinsicDimensionEstimator.allCases), discardFraction: Double = 0.1,
        confidenceLevel: Double = 0.95, neighborRange: ClosedRange<Int> = 10...20, pooling: LevinaBickelPooling = .inverseAverage
    ) {
        precondition(neighborRange.lowerBound >= 2, "IntrinsicDimensionOptions: k₁ must be at least 2, got \(neighborRange)")
        self.estimators = estimators
        self.discardFraction = discardFraction
        self.confidenceLevel = confidenceLevel
        self.neighborRange = neighborRange
        self.pooling = pooling
    }
}

/// Every intrinsic-dimension estimate of one point cloud (THEORY.md §2), one JSON object.
public struct IntrinsicDimensionEstimate: Codable, Sendable, Equatable {
    /// The number of points given, `n`.
    public var pointCount: Int
    /// The ambient dimension `D`.
    public var ambientDimension: Int
    /// The exact duplicate points dropped before the neighbour search (`nil` when no
    /// neighbour-based estimator ran).
    public var duplicateCount: Int?
    /// TwoNN, when requested.
    public var twoNN: TwoNNEstimate?
    /// Levina–Bickel MLE, when requested.
    public var mle: LevinaBickelEstimate?
    /// The number of principal components reaching 90%, 95%, 99% of the variance, when PCA ran.
    public var pca90: Int?
    public var pca95: Int?
    public var pca99: Int?
    /// The PCA explained-variance ratios, descending, when PCA ran.
    public var explainedVarianceRatios: [Double]?
}

/// Runs the requested estimators on a point cloud, sharing one neighbour search between TwoNN
/// and the MLE (``NearestNeighbors`` with `k = max(2, k₂)`, exact duplicates dropped).
///
/// - Parameter points: `[n, D]`, one point per row.
/// - Throws: ``IntrinsicDimensionError/nonFinitePoint(row:column:)`` for a NaN or infinite
///   coordinate; ``IntrinsicDimensionError/tooFewPoints(distinct:duplicates:required:)`` when
///   there are fewer distinct points than an estimator needs (`k₂ + 1` for the MLE, 3 or a few
///   more for TwoNN, 2 points for PCA).
@_specialize(where S == Float)
@_specialize(where S == Double)
public func intrinsicDimension<S: TensorScalar>(
    points: Tensor<S>, options: IntrinsicDimensionOptions = IntrinsicDimensionOptions()
) throws(IntrinsicDimensionError) -> IntrinsicDimensionEstimate {
    precondition(points.rank == 2, "intrinsicDimension: points must be [n, D], got \(points.shape)")
    let (n, dim) = (points.shape[0], points.shape[1])
    var result = IntrinsicDimensionEstimate(pointCount: n, ambientDimension: dim)
    let wantsTwoNN = options.estimators.contains(.twoNN), wantsMLE = options.estimators.contains(.mle)
    if wantsTwoNN || wantsMLE {
        let k = wantsMLE ? max(2, options.neighborRange.upperBound) : 2
        let neighbors = try NearestNeighbors(points: points, k: k)
        result.duplicateCount = neighbors.duplicateCount
        if wantsTwoNN {
            let required = twoNNRequiredPoints(discardFraction: options.discardFraction)
            guard neighbors.pointCount >= required else {
                throw .tooFewPoints(distinct: neighbors.pointCount, duplicates: neighbors.duplicateCount, required: required)
            }
            result.twoNN = twoNN(neighbors: neighbors, discardFraction: options.discardFraction, confidenceLevel: options.confidenceLevel)
        }
        if wantsMLE {
            result.mle = levinaBickel(neighbors: neighbors, neighborRange: options.neighborRange, pooling: options.pooling)
        }
    }
    if options.estimators.contains(.pca) {
        let x = points.scalars
        for i in 0..<(n * dim) where !x[i].isFinite { throw .nonFinitePoint(row: i / dim, column: i % dim) }
        guard n >= 2 else { throw .tooFewPoints(distinct: n, duplicates: 0, required: 2) }
        let pca = pcaDimension(points: points)
        result.pca90 = pca.components(reaching: 0.9)
        result.pca95 = pca.components(reaching: 0.95)
        result.pca99 = pca.components(reaching: 0.99)
        result.explainedVarianceRatios = pca.explainedVarianceRatios
    }
    return result
}
