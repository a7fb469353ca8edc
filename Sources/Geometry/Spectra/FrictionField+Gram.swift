import TensorCore

extension FrictionField {
    /// The friction field of a curvature matrix given as per-sample gradients,
    /// `F = (c/n) Σ_i g_i g_iᵀ = (c/n) Gᵀ G`, exactly: each block's nonzero spectrum comes from
    /// its `n × n` Gram matrix `(c/n) G_b G_bᵀ` (``gramSpectrum(perSampleGradients:eigenvectorCount:rankTolerance:)``).
    ///
    /// This is how the live `friction` monitor reads the Monte Carlo Fisher of its probe batch
    /// (labels sampled from the model) or the empirical Fisher: one pass for the per-sample
    /// gradients, then `O(n² d)` for all blocks together.
    ///
    /// - Parameters:
    ///   - g: per-sample gradients `[n, d]` in θ's order.
    ///   - blocks: each block's name and its coordinates in θ (they need not cover θ).
    ///   - scale: `c`, e.g. the number of labels per example (see ``Objective/withSampledTargets(seed:)``).
    ///   - rankThreshold: `τ` of each block's ``SpectrumSummary``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init<Scalar: TensorScalar>(
        perSampleGradients g: Tensor<Scalar>, blocks input: [(name: String, range: Range<Int>)], scale: Double = 1,
        rankThreshold: Double = 1e-3
    ) {
        precondition(g.rank == 2, "FrictionField: per-sample gradients \(g.shape) are not [n, d]")
        precondition(!input.isEmpty, "FrictionField: no blocks")
        var rows: [Block] = []
        for (name, range) in input {
            precondition(range.lowerBound >= 0 && range.upperBound <= g.shape[1] && !range.isEmpty,
                         "FrictionField: block \(name) range \(range) is outside θ of dimension \(g.shape[1])")
            let spectrum = gramSpectrum(perSampleGradients: g.slice(range, alongAxis: 1))
            let values = spectrum.eigenvalues.map { $0 * scale }
            let summary = SpectrumSummary(eigenvalues: values, rankThreshold: rankThreshold)
            rows.append(Block(
                name: name, dimension: range.count, route: .gram, trace: summary.trace, traceStandardError: nil,
                lambdaMax: values.first ?? 0, effectiveRank: summary.effectiveRank, eigenvalueCount: values.count, share: 0,
                spectrum: summary, eigenvalues: values, lanczosConverged: nil, productCount: 0))
        }
        let total = rows.reduce(0) { $0 + $1.trace }
        for i in rows.indices { rows[i].share = total != 0 ? rows[i].trace / total : 0 }
        blocks = rows
        totalTrace = total
        totalTraceStandardError = nil
        totalDimension = rows.reduce(0) { $0 + $1.dimension }
        lambdaMax = rows.map(\.lambdaMax).max() ?? 0
        productCount = 0
        options = Options(rankThreshold: rankThreshold)
    }
}
