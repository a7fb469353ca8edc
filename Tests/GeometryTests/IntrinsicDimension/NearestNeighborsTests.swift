import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct NearestNeighborsTests {
    /// All distances from row i to every other row, ascending, by direct differences in Double.
    func bruteForce<S: TensorScalar>(_ points: Tensor<S>, rows: [Int]) -> [[(distance: Double, index: Int)]] {
        let dim = points.shape[1]
        let x = points.scalars.map { Double($0) }
        return rows.map { i in
            rows.filter { $0 != i }.map { j in
                var s = 0.0
                for c in 0..<dim { s += (x[i * dim + c] - x[j * dim + c]) * (x[i * dim + c] - x[j * dim + c]) }
                return (s.squareRoot(), j)
            }.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
        }
    }

    func check<S: TensorScalar>(_ points: Tensor<S>, k: Int, blockRows: Int?, relative: Double) throws {
        let nn = try NearestNeighbors(points: points, k: k, blockRows: blockRows)
        let n = points.shape[0]
        #expect(nn.pointIndices == Array(0..<n) && nn.duplicateCount == 0)
        let brute = bruteForce(points, rows: Array(0..<n))
        let t = nn.distances.scalars
        #expect(nn.distances.shape == [n, k])
        var worst = 0.0
        var indexMismatches = 0
        for i in 0..<n {
            for q in 0..<k {
                worst = max(worst, abs(t[i * k + q] - brute[i][q].distance) / brute[i][q].distance)
                if nn.neighbors[i * k + q] != brute[i][q].index { indexMismatches += 1 }
            }
        }
        #expect(worst <= relative, "worst relative distance error \(worst)")
        #expect(indexMismatches == 0)
    }

    /// Distances and neighbour indices equal brute force, across several BLAS blocks
    /// (block sizes that do and do not divide n).
    @Test(arguments: [nil, 1, 17, 64] as [Int?])
    func matchesBruteForce(blockRows: Int?) throws {
        let points: Tensor<Double> = testTensor([150, 7], seed: 11)
        try check(points, k: 6, blockRows: blockRows, relative: 1e-14)
    }

    /// A Float cloud far from the origin, where ‖x‖² ≈ 3·10⁶ and neighbour distances ≈ 10⁻²: the
    /// BLAS expansion alone would lose every digit (ε_Float·‖x‖² ≈ 0.2 ≫ r²); centring and the
    /// exact recomputation give the distances of the Float values to Double accuracy.
    @Test func farFromTheOriginInFloat() throws {
        var g = RandomGenerator(seed: 5)
        let n = 200, dim = 3
        let points = Tensor<Float>(shape: [n, dim]) { out in
            for i in 0..<(n * dim) { out[i] = 1000 + Float(g.nextUniform() * 0.1) }
        }
        try check(points, k: 4, blockRows: 50, relative: 1e-14)
    }

    /// Exact duplicates (including −0 against +0) are dropped: only the first of each group is
    /// kept, no distance is zero, and no neighbour is a dropped row.
    @Test func dropsExactDuplicates() throws {
        var rows: [[Double]] = [[0, 0], [1, 0], [0, 1], [1, 1], [2, 3], [0.5, 0.25]]
        rows.append([1, 0])       // 6 = 1
        rows.append([-0.0, 0])    // 7 = 0
        rows.append([1, 0])       // 8 = 1
        rows.append([1, 1e-300])  // 9: distinct from 1, at a tiny positive distance
        let points = Tensor(shape: [rows.count, 2], scalars: rows.flatMap { $0 })
        let nn = try NearestNeighbors(points: points, k: 2)
        #expect(nn.pointIndices == [0, 1, 2, 3, 4, 5, 9])
        #expect(nn.duplicateCount == 3)
        #expect(nn.distances.scalars.allSatisfy { $0 > 0 })
        #expect(Set(nn.neighbors).isSubset(of: Set(nn.pointIndices)))
        // Row 1's nearest neighbour is row 9 at 1e-300; row 9's is row 1.
        #expect(nn.neighbors[1 * 2] == 9 && nn.distances.scalars[1 * 2] == 1e-300)
        #expect(nn.neighbors[6 * 2] == 1)
        // Every distance against hypot (which does not underflow at 1e−300), sorted.
        for (r, i) in nn.pointIndices.enumerated() {
            let expected = nn.pointIndices.filter { $0 != i }
                .map { hypot(rows[i][0] - rows[$0][0], rows[i][1] - rows[$0][1]) }.sorted()
            for q in 0..<2 { #expect(abs(nn.distances.scalars[r * 2 + q] - expected[q]) <= 1e-15 * expected[q]) }
        }
    }

    @Test func tooFewDistinctPointsAndNonFiniteCoordinatesThrow() {
        let same = Tensor<Double>(shape: [50, 4], repeating: 0.5)
        #expect(throws: IntrinsicDimensionError.tooFewPoints(distinct: 1, duplicates: 49, required: 3)) {
            try NearestNeighbors(points: same, k: 2)
        }
        var bad: Tensor<Float> = testTensor([10, 3], seed: 1)
        bad.withUnsafeMutableBufferPointer { $0[7] = .nan }
        #expect(throws: IntrinsicDimensionError.nonFinitePoint(row: 2, column: 1)) {
            try NearestNeighbors(points: bad, k: 2)
        }
    }
}
