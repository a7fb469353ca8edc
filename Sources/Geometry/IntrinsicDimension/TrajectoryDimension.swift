import TensorCore

/// The intrinsic dimension of the recent parameter trajectory: PCA of the last `W` snapshots.
public struct TrajectoryDimensionEstimate: Codable, Sendable, Equatable {
    /// The smallest `k` whose leading components reach ``threshold`` of the variance.
    public var components: Int
    /// `τ`, the share of variance (0.9 by default).
    public var threshold: Double
    /// `λ_j / Σ λ`, descending, one per snapshot in the window (the last is 0 up to rounding:
    /// `w` centred snapshots span at most `w − 1` directions).
    public var explainedVarianceRatios: [Double]
    /// The number of snapshots `w` in the window (`≤ W`).
    public var snapshotCount: Int
}

/// A sliding window over parameter snapshots `θ_t ∈ ℝ^d` whose principal components measure the
/// dimension of the recent trajectory (THEORY.md §2).
///
/// ```
/// Y = [θ_{t−w+1} − θ̄; …; θ_t − θ̄]  [w, d],   θ̄ = (1/w) Σ θ_s
/// G = Y Yᵀ  [w, w]    (same nonzero eigenvalues λ_j as the d × d covariance Yᵀ Y)
/// dimension = min { k : Σ_{j ≤ k} λ_j ≥ τ Σ λ_j }
/// ```
///
/// `d` may be large (10⁵–10⁶): only the `w × w` Gram matrix is formed, never a `d × d` one. It
/// is accumulated over blocks of coordinates from exactly centred snapshots (the mean is
/// subtracted before the products, which avoids the cancellation of double-centring `S Sᵀ`
/// when `‖θ‖` dwarfs the motion within the window).
///
/// ```swift
/// var trajectory = TrajectoryDimension<Float>(windowSize: 20)
/// for step in … { trajectory.append(parameters.flattened()); … }
/// let id = trajectory.estimate()?.components
/// ```
///
/// - Complexity: memory `O(W d)` for the snapshots plus `O(d)`; ``estimate()`` costs
///   `O(w² d)` flops (BLAS) and `O(w³)` for the eigenvalues.
public struct TrajectoryDimension<Scalar: TensorScalar> {
    /// `W`, the most snapshots kept.
    public let windowSize: Int
    /// `τ ∈ (0, 1]`, the share of variance the reported components reach.
    public var threshold: Double
    /// The snapshots, ring-ordered: row `r` holds a snapshot once `r < snapshotCount`.
    private var storage: Tensor<Scalar>?
    private var nextRow = 0
    /// The number of snapshots in the window, `min(appended, W)`.
    public private(set) var snapshotCount = 0

    /// - Parameters:
    ///   - windowSize: `W ≥ 2`, the number of most recent snapshots used (default 20).
    ///   - threshold: `τ ∈ (0, 1]` (default 0.9).
    public init(windowSize: Int = 20, threshold: Double = 0.9) {
        precondition(windowSize >= 2, "TrajectoryDimension: windowSize must be at least 2, got \(windowSize)")
        precondition(threshold > 0 && threshold <= 1, "TrajectoryDimension: threshold must lie in (0, 1], got \(threshold)")
        self.windowSize = windowSize
        self.threshold = threshold
    }

    /// The parameter dimension `d`, fixed by the first snapshot (`nil` before).
    public var parameterCount: Int? { storage.map { $0.shape[1] } }

    /// Adds a snapshot `θ` `[d]`, dropping the oldest when the window is full.
    public mutating func append(_ theta: Tensor<Scalar>) {
        precondition(theta.rank == 1, "TrajectoryDimension.append: θ must be a vector [d], got \(theta.shape)")
        let d = theta.shape[0]
        if storage == nil { storage = Tensor(shape: [windowSize, d], repeating: 0) }
        precondition(
            storage!.shape[1] == d, "TrajectoryDimension.append: θ has shape \(theta.shape), earlier snapshots were [\(storage!.shape[1])]")
        let row = nextRow
        theta.withUnsafeBufferPointer { source in
            storage!.withUnsafeMutableBufferPointer { rows in
                (rows.baseAddress! + row * d).update(from: source.baseAddress!, count: d)
            }
        }
        nextRow = (nextRow + 1) % windowSize
        snapshotCount = min(snapshotCount + 1, windowSize)
    }

    /// Forgets every snapshot (the parameter dimension may change afterwards).
    public mutating func removeAll() {
        storage = nil
        nextRow = 0
        snapshotCount = 0
    }

    /// The principal components of the window; `nil` with fewer than 2 snapshots.
    public func estimate() -> TrajectoryDimensionEstimate? {
        guard let storage, snapshotCount >= 2 else { return nil }
        let w = snapshotCount, d = storage.shape[1]
        let gram = Tensor<Scalar>(shape: [w, w]) { g in
            storage.withUnsafeBufferPointer { s in
                let base = s.baseAddress!
                // θ̄ over the w filled rows (rows 0..<w: the ring fills from row 0).
                var mean = [Scalar](repeating: 0, count: d)
                mean.withUnsafeMutableBufferPointer { m in
                    for r in 0..<w { Scalar.axpy(count: d, alpha: 1, x: base + r * d, y: m.baseAddress!) }
                }
                let scale = 1 / Scalar(w)
                mean.withUnsafeMutableBufferPointer { m in
                    for c in 0..<d { m[c] *= scale }
                }
                // G = Σ over column blocks of Y_b Y_bᵀ, Y_b the centred block [w, b].
                let blockColumns = min(d, max(1, (1 << 20) / w))
                var block = [Scalar](repeating: 0, count: w * blockColumns)
                for i in 0..<(w * w) { g[i] = 0 }
                var start = 0
                while start < d {
                    let b = min(blockColumns, d - start)
                    block.withUnsafeMutableBufferPointer { y in
                        mean.withUnsafeBufferPointer { m in
                            for r in 0..<w {
                                (y.baseAddress! + r * b).update(from: base + r * d + start, count: b)
                                Scalar.axpy(count: b, alpha: -1, x: m.baseAddress! + start, y: y.baseAddress! + r * b)
                            }
                        }
                    }
                    block.withUnsafeBufferPointer { y in
                        Scalar.gemm(
                            transposeA: false, transposeB: true, m: w, n: w, k: b, alpha: 1,
                            a: y.baseAddress!, lda: b, b: y.baseAddress!, ldb: b, beta: 1, c: g.baseAddress!, ldc: w)
                    }
                    start += b
                }
            }
        }
        let ascending = gram.symmetricEigendecomposition(computeVectors: false).values.scalars
        let variances = ascending.reversed().map { max(0, Double($0)) }
        let total = variances.reduce(0, +)
        return TrajectoryDimensionEstimate(
            components: componentCount(variances, reaching: threshold), threshold: threshold,
            explainedVarianceRatios: variances.map { total > 0 ? $0 / total : 0 }, snapshotCount: w)
    }
}
