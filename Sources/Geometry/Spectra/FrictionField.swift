import TensorCore

/// The friction field of a curvature matrix (THEORY.md §1, seed 000): per parameter block, the
/// trace, the stiffest eigenvalue, the effective rank and the block's share of the total trace.
///
/// The Fisher read as local resistance: large eigenvalues are stiff, data-constrained
/// directions, small ones sloppy. For each diagonal block `A_b` (one layer's parameters):
/// ```
/// trace_b = tr(A_b),   λ_max,b = λ_max(A_b),   erank_b = exp(−Σ_j p_j log p_j),  p_j = λ_j / Σ λ₊,
/// share_b = tr(A_b) / Σ_c tr(A_c)
/// ```
/// When the blocks partition θ, `Σ_b tr(A_b) = tr(A)` exactly: the shares split the full trace.
/// A block with `d_b ≤ denseThreshold` takes the exact route (``denseSpectrum(of:computeVectors:maximumDimension:)``):
/// every number is exact and erank is over all `d_b` eigenvalues. A larger block takes the
/// iterative route: λ_max from ``lanczosEigenpairs(of:count:which:iterations:tolerance:seed:start:onInvariantSubspace:computeVectors:)``,
/// **erank over the top-k Ritz values only** (a lower bound on the erank of the whole block
/// when its remaining eigenvalues are positive, since adding mass to a distribution's tail
/// raises its entropy), and the trace by Hutch++ or Hutchinson with a standard error. Negative
/// eigenvalues (a Hessian) are excluded from erank as in ``SpectrumSummary``; a block's trace,
/// and so its share, may then be negative.
public struct FrictionField: Codable, Sendable, Equatable {
    /// How a block's numbers were computed.
    public enum Route: String, Codable, Sendable {
        /// Dense eigendecomposition: exact.
        case dense
        /// Lanczos top-k plus a stochastic trace.
        case iterative
        /// The nonzero spectrum of a Gram matrix `(1/n) G_b G_bᵀ` of per-sample gradients: exact
        /// for `F = (1/n) Gᵀ G` (see ``FrictionField/init(perSampleGradients:blocks:scale:rankThreshold:)``).
        case gram
    }

    /// The trace estimator of the iterative route.
    public enum TraceMethod: Codable, Sendable, Equatable {
        /// ``hutchinsonTrace(of:samples:distribution:seed:batchSize:)`` with this many probes.
        case hutchinson(samples: Int)
        /// ``hutchPlusPlusTrace(of:productBudget:distribution:seed:)`` with this many products.
        case hutchPlusPlus(productBudget: Int)
    }

    /// How the field is computed.
    public struct Options: Codable, Sendable, Equatable {
        /// Blocks with `d ≤ denseThreshold` are decomposed exactly.
        public var denseThreshold: Int
        /// `k`, the number of top Ritz pairs of the iterative route.
        public var topK: Int
        /// Lanczos step budget (default of ``lanczosEigenpairs(of:count:which:iterations:tolerance:seed:start:onInvariantSubspace:computeVectors:)`` when `nil`).
        public var lanczosIterations: Int?
        /// Lanczos tolerance (its default when `nil`).
        public var lanczosTolerance: Double?
        /// The trace estimator of the iterative route.
        public var traceMethod: TraceMethod
        /// `τ` of the numerical rank in each block's ``SpectrumSummary``.
        public var rankThreshold: Double
        /// Seed of every random vector (each block draws its own seed from it, in order).
        public var seed: UInt64

        public init(
            denseThreshold: Int = 1024, topK: Int = 20, lanczosIterations: Int? = nil, lanczosTolerance: Double? = nil,
            traceMethod: TraceMethod = .hutchPlusPlus(productBudget: 90), rankThreshold: Double = 1e-3, seed: UInt64 = 0
        ) {
            self.denseThreshold = denseThreshold
            self.topK = topK
            self.lanczosIterations = lanczosIterations
            self.lanczosTolerance = lanczosTolerance
            self.traceMethod = traceMethod
            self.rankThreshold = rankThreshold
            self.seed = seed
        }
    }

    /// One row of the field: a parameter block.
    public struct Block: Codable, Sendable, Equatable {
        /// The block's name (e.g. a layer).
        public var name: String
        /// Its dimension `d_b`.
        public var dimension: Int
        /// How it was computed.
        public var route: Route
        /// `tr(A_b)`: exact (dense) or estimated (iterative).
        public var trace: Double
        /// The standard error of ``trace`` (`nil` when exact).
        public var traceStandardError: Double?
        /// `λ_max(A_b)`.
        public var lambdaMax: Double
        /// `exp(−Σ p_j log p_j)` over the eigenvalues computed (all, or the top-k Ritz values).
        public var effectiveRank: Double
        /// How many eigenvalues ``effectiveRank`` and ``spectrum`` are over (`d_b` or `k`).
        public var eigenvalueCount: Int
        /// `tr(A_b) / Σ_c tr(A_c)` (0 when the total is 0).
        public var share: Double
        /// The summary of the eigenvalues computed.
        public var spectrum: SpectrumSummary
        /// The eigenvalues computed, descending (all `d_b`, or the top-k Ritz values).
        public var eigenvalues: [Double]
        /// Whether Lanczos converged (`nil` on the dense route).
        public var lanczosConverged: Bool?
        /// The number of products `A_b v` used.
        public var productCount: Int
    }

    /// One row per block, in the order given.
    public var blocks: [Block]
    /// `Σ_b tr(A_b)`.
    public var totalTrace: Double
    /// `√(Σ_b se_b²)` over the estimated blocks; `nil` when every trace is exact.
    public var totalTraceStandardError: Double?
    /// `Σ_b d_b`.
    public var totalDimension: Int
    /// `max_b λ_max,b`: the largest eigenvalue of the block-diagonal part.
    public var lambdaMax: Double
    /// The total number of products.
    public var productCount: Int
    /// The options used.
    public var options: Options

    /// Computes the field of the blocks `(name, A_b)`, in order.
    ///
    /// - Precondition: at least one block, every dimension ≥ 1, `topK ≥ 1`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init<Scalar: TensorScalar>(
        blocks input: [(name: String, operator: any LinearOperator<Scalar>)], options: Options = Options()
    ) {
        precondition(!input.isEmpty, "FrictionField: no blocks")
        precondition(options.topK >= 1, "FrictionField: topK \(options.topK) < 1")
        var seeds = RandomGenerator(seed: options.seed)
        var rows: [Block] = []
        var variance = 0.0, estimated = false
        for (name, op) in input {
            let d = op.dimension
            precondition(d >= 1, "FrictionField: block \(name) has dimension \(d)")
            let seed = seeds.next()
            if d <= options.denseThreshold {
                let spectrum = denseSpectrum(of: op, maximumDimension: max(d, denseSpectrumDefaultMaximumDimension))
                let values = Array(spectrum.eigenvalues.reversed())
                let summary = SpectrumSummary(eigenvalues: values, rankThreshold: options.rankThreshold)
                rows.append(Block(
                    name: name, dimension: d, route: .dense, trace: summary.trace, traceStandardError: nil,
                    lambdaMax: values[0], effectiveRank: summary.effectiveRank, eigenvalueCount: d, share: 0,
                    spectrum: summary, eigenvalues: values, lanczosConverged: nil, productCount: spectrum.productCount))
                continue
            }
            let pairs = lanczosEigenpairs(
                of: op, count: min(options.topK, d), which: .largest, iterations: options.lanczosIterations,
                tolerance: options.lanczosTolerance, seed: seed, computeVectors: false)
            let values = Array(pairs.eigenvalues.reversed())
            let summary = SpectrumSummary(eigenvalues: values, rankThreshold: options.rankThreshold)
            let trace: Double, error: Double?, products: Int
            switch options.traceMethod {
            case .hutchinson(let samples):
                let t = hutchinsonTrace(of: op, samples: samples, seed: seed &+ 1)
                (trace, error, products) = (t.estimate, t.standardError, t.productCount)
            case .hutchPlusPlus(let budget):
                let t = hutchPlusPlusTrace(of: op, productBudget: min(budget, 3 * d), seed: seed &+ 1)
                (trace, error, products) = (t.estimate, t.residualStandardError, t.productCount)
            }
            if let error { variance += error * error }
            estimated = true
            rows.append(Block(
                name: name, dimension: d, route: .iterative, trace: trace, traceStandardError: error,
                lambdaMax: values[0], effectiveRank: summary.effectiveRank, eigenvalueCount: values.count, share: 0,
                spectrum: summary, eigenvalues: values, lanczosConverged: pairs.converged,
                productCount: pairs.productCount + products))
        }
        self.init(rows: rows, totalTraceStandardError: estimated ? variance.squareRoot() : nil, options: options)
    }

    /// The field of computed rows: shares `trace_b / Σ trace`, and the totals.
    init(rows: [Block], totalTraceStandardError: Double?, options: Options) {
        let total = rows.reduce(0) { $0 + $1.trace }
        blocks = rows.map { row in
            var row = row
            row.share = total != 0 ? row.trace / total : 0
            return row
        }
        totalTrace = total
        self.totalTraceStandardError = totalTraceStandardError
        totalDimension = rows.reduce(0) { $0 + $1.dimension }
        lambdaMax = rows.map(\.lambdaMax).max() ?? 0
        productCount = rows.reduce(0) { $0 + $1.productCount }
        self.options = options
    }
}
