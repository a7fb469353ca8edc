import TensorCore

/// The `k` nearest neighbours of every point of a cloud, by Euclidean distance, with exact
/// duplicate points dropped first.
///
/// ```
/// T_j(x_i) = ‖x_i − x_(j)‖,   j = 1…k,   T_1 ≤ T_2 ≤ … ≤ T_k,   the point itself excluded
/// ```
///
/// **Duplicates are dropped.** Every neighbour-based estimator divides by or takes the log of a
/// neighbour distance (TwoNN's `μ = r₂/r₁` is undefined for `r₁ = 0`), so points that coincide
/// exactly with an earlier row are removed before the search; ``pointIndices`` names the rows
/// that were kept (the first of each group of equal rows) and ``duplicateCount`` how many were
/// dropped. Distinct points always have positive distances.
///
/// **Search.** Squared distances come from BLAS in blocks of rows of the mean-centred cloud,
/// `‖x_i‖² + ‖x_j‖² − 2 x_i·x_j` (negatives from rounding clamped to 0), so memory stays
/// `O(block · n)`; each row keeps the `2k + 8` smallest candidates by partial selection, whose
/// distances are then recomputed exactly as `‖x_i − x_j‖` in `Double` from the original rows
/// and sorted. The expansion loses relative accuracy for close pairs (cancellation of order
/// `ε‖x‖²`); the exact recomputation removes that error from the reported distances, and the
/// candidate margin keeps the ranking exact unless more than `2k + 8` points lie within that
/// rounding band of the `k`-th neighbour.
///
/// - Complexity: `O(n² D)` flops for the products (BLAS), `O(n²)` for the selection,
///   `O(n k D)` for the exact distances; memory `O(block · n + n k)` beyond the points.
public struct NearestNeighbors: Sendable {
    /// The number of neighbours per point.
    public let k: Int
    /// The rows of the input that were kept, ascending: the first occurrence of each distinct
    /// point. Row `i` of ``distances`` belongs to input row `pointIndices[i]`.
    public let pointIndices: [Int]
    /// The number of input rows dropped as exact duplicates of an earlier row.
    public let duplicateCount: Int
    /// `[m, k]`, each row ascending: `distances[i, j]` is the distance from kept point `i` to its
    /// `(j+1)`-th nearest distinct neighbour (`m = pointIndices.count`).
    public let distances: Tensor<Double>
    /// `[m · k]`, row-major like ``distances``: the input row of each neighbour.
    public let neighbors: [Int]

    /// The number of distinct points `m`.
    public var pointCount: Int { pointIndices.count }

    /// Finds the `k` nearest distinct neighbours of every distinct row of `points`.
    ///
    /// - Parameters:
    ///   - points: the cloud, `[n, D]`, one point per row.
    ///   - k: neighbours per point, `≥ 1`.
    ///   - blockRows: rows per BLAS block; by default as many as keep a block at about 4 M
    ///     entries.
    /// - Throws: ``IntrinsicDimensionError/nonFinitePoint(row:column:)`` for a NaN or infinite
    ///   coordinate; ``IntrinsicDimensionError/tooFewPoints(distinct:duplicates:required:)`` when
    ///   fewer than `k + 1` distinct points remain.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public init<S: TensorScalar>(points: Tensor<S>, k: Int, blockRows: Int? = nil) throws(IntrinsicDimensionError) {
        precondition(points.rank == 2, "NearestNeighbors: points must be [n, D], got \(points.shape)")
        precondition(k >= 1, "NearestNeighbors: k must be at least 1, got \(k)")
        precondition(blockRows.map { $0 >= 1 } ?? true, "NearestNeighbors: blockRows must be positive")
        let (n, dim) = (points.shape[0], points.shape[1])
        let x = points.scalars
        for i in 0..<(n * dim) where !x[i].isFinite {
            throw .nonFinitePoint(row: i / dim, column: i % dim)
        }
        let kept = Self.distinctRows(x, count: n, dimension: dim)
        let m = kept.count
        guard m >= k + 1 else { throw .tooFewPoints(distinct: m, duplicates: n - m, required: k + 1) }

        // The distinct points, centred (distances are translation invariant; centring shrinks
        // ‖x‖² and with it the cancellation in the expansion).
        var mean = [Double](repeating: 0, count: dim)
        for i in kept { for c in 0..<dim { mean[c] += Double(x[i * dim + c]) } }
        for c in 0..<dim { mean[c] /= Double(m) }
        let centred = Tensor<S>(shape: [m, dim]) { out in
            for (r, i) in kept.enumerated() {
                for c in 0..<dim { out[r * dim + c] = S(Double(x[i * dim + c]) - mean[c]) }
            }
        }
        let norms = centred.withUnsafeBufferPointer { p in
            (0..<m).map { r in Double(S.dot(count: dim, x: p.baseAddress! + r * dim, y: p.baseAddress! + r * dim)) }
        }

        let candidateCount = min(m - 1, 2 * k + 8)
        let block = max(1, min(m, blockRows ?? max(1, (1 << 22) / m)))
        let outDistances = UnsafeMutableBufferPointer<Double>.allocate(capacity: m * k)
        let outNeighbors = UnsafeMutableBufferPointer<Int>.allocate(capacity: m * k)
        let products = UnsafeMutableBufferPointer<S>.allocate(capacity: block * m)
        defer {
            outDistances.deallocate()
            outNeighbors.deallocate()
            products.deallocate()
        }
        centred.withUnsafeBufferPointer { c in
            x.withUnsafeBufferPointer { original in
                var start = 0
                while start < m {
                    let rows = min(block, m - start)
                    // products[r, j] = −2 x_{start+r} · x_j
                    S.gemm(
                        transposeA: false, transposeB: true, m: rows, n: m, k: dim,
                        alpha: -2, a: c.baseAddress! + start * dim, lda: dim, b: c.baseAddress!, ldb: dim,
                        beta: 0, c: products.baseAddress!, ldc: m)
                    let xs = UncheckedSendable(original.baseAddress!)
                    let first = start
                    Parallel.forEachChunk(count: rows, cost: m) { range in
                        var candidateSquares = [Double](repeating: 0, count: candidateCount)
                        var candidateIndices = [Int](repeating: 0, count: candidateCount)
                        var exact = [(distance: Double, index: Int)]()
                        exact.reserveCapacity(candidateCount)
                        for r in range {
                            let i = first + r
                            let row = products.baseAddress! + r * m
                            // Partial selection: the candidateCount smallest squared distances,
                            // kept sorted ascending by insertion.
                            var filled = 0
                            for j in 0..<m where j != i {
                                let s = max(0, norms[i] + norms[j] + Double(row[j]))
                                if filled == candidateCount {
                                    if s >= candidateSquares[filled - 1] { continue }
                                    filled -= 1
                                }
                                var p = filled
                                while p > 0 && candidateSquares[p - 1] > s {
                                    candidateSquares[p] = candidateSquares[p - 1]
                                    candidateIndices[p] = candidateIndices[p - 1]
                                    p -= 1
                                }
                                candidateSquares[p] = s
                                candidateIndices[p] = j
                                filled += 1
                            }
                            // Exact distances from the original coordinates.
                            exact.removeAll(keepingCapacity: true)
                            let xi = xs.value + kept[i] * dim
                            for q in 0..<filled {
                                let xj = xs.value + kept[candidateIndices[q]] * dim
                                exact.append((Self.exactDistance(xi, xj, count: dim), candidateIndices[q]))
                            }
                            exact.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
                            for q in 0..<k {
                                outDistances[i * k + q] = exact[q].distance
                                outNeighbors[i * k + q] = kept[exact[q].index]
                            }
                        }
                    }
                    start += rows
                }
            }
        }
        self.k = k
        pointIndices = kept
        duplicateCount = n - m
        distances = Tensor(shape: [m, k], scalars: Array(outDistances))
        neighbors = Array(outNeighbors)
    }

    /// The first row of each group of exactly equal rows, ascending (`-0.0` equals `0.0`).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func distinctRows<S: TensorScalar>(_ x: [S], count n: Int, dimension dim: Int) -> [Int] {
        var seen = Set<ArraySlice<S>>()
        seen.reserveCapacity(n)
        var kept: [Int] = []
        kept.reserveCapacity(n)
        for i in 0..<n where seen.insert(x[(i * dim)..<((i + 1) * dim)]).inserted {
            kept.append(i)
        }
        return kept
    }

    /// `‖a − b‖` in `Double`, rescaled by the largest coordinate difference when the plain sum of
    /// squares underflows or overflows (distinct points always get a positive distance).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func exactDistance<S: TensorScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, count: Int) -> Double {
        var sum = 0.0
        for c in 0..<count {
            let d = Double(a[c]) - Double(b[c])
            sum += d * d
        }
        if sum >= Double.leastNormalMagnitude && sum.isFinite { return sum.squareRoot() }
        var scale = 0.0
        for c in 0..<count { scale = max(scale, abs(Double(a[c]) - Double(b[c]))) }
        if scale == 0 || !scale.isFinite { return scale }
        var scaled = 0.0
        for c in 0..<count {
            let d = (Double(a[c]) - Double(b[c])) / scale
            scaled += d * d
        }
        return scale * scaled.squareRoot()
    }
}
