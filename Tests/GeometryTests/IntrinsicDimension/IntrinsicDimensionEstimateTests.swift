import Foundation
import Geometry
import TensorCore
import Testing

@Suite struct IntrinsicDimensionEstimateTests {
    /// A uniform cube in a 3-dimensional subspace of ℝ⁴⁰ (n = 1500): every estimator gives 3
    /// (TwoNN and MLE ±10%, PCA exactly), each estimate equals the standalone function's, and
    /// the bundle round-trips through JSON.
    @Test func allEstimatorsOnASubspace() throws {
        let points = PointClouds.subspace(count: 1500, dimension: 3, ambient: 40, seed: 6)
        let e = try intrinsicDimension(points: points)
        #expect(e.pointCount == 1500 && e.ambientDimension == 40 && e.duplicateCount == 0)
        #expect(abs(e.twoNN!.dimension - 3) <= 0.3, "\(e.twoNN!.dimension)")
        #expect(abs(e.mle!.dimension - 3) <= 0.3, "\(e.mle!.dimension)")
        #expect(e.pca90 == 3 && e.pca95 == 3 && e.pca99 == 3)
        #expect(e.twoNN == (try twoNN(points: points)))
        #expect(e.mle == (try levinaBickel(points: points)))
        #expect(e.explainedVarianceRatios == pcaDimension(points: points).explainedVarianceRatios)
        let decoded = try JSONDecoder().decode(IntrinsicDimensionEstimate.self, from: JSONEncoder().encode(e))
        #expect(decoded == e)
    }

    /// Only the requested estimators run; duplicates are counted; too few distinct points for the
    /// MLE's k₂ = 20 throw.
    @Test func selectionDuplicatesAndErrors() throws {
        let base = PointClouds.subspace(count: 30, dimension: 2, ambient: 5, seed: 2)
        let doubled = concatenate([base, base.slice(0..<10, alongAxis: 0)], alongAxis: 0)
        let pcaOnly = try intrinsicDimension(points: doubled, options: .init(estimators: [.pca]))
        #expect(pcaOnly.twoNN == nil && pcaOnly.mle == nil && pcaOnly.duplicateCount == nil && pcaOnly.pca90 == 2)
        let twoNNOnly = try intrinsicDimension(points: doubled, options: .init(estimators: [.twoNN]))
        #expect(twoNNOnly.duplicateCount == 10 && twoNNOnly.twoNN?.pointCount == 30 && twoNNOnly.mle == nil)
        #expect(throws: IntrinsicDimensionError.tooFewPoints(distinct: 15, duplicates: 0, required: 21)) {
            try intrinsicDimension(points: base.slice(0..<15, alongAxis: 0))
        }
        let fewer = try intrinsicDimension(points: base.slice(0..<15, alongAxis: 0), options: .init(neighborRange: 5...8))
        #expect(fewer.mle?.maximumK == 8)
    }
}
