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
        let spectra = input.map { name, range -> (name: String, dimension: Int, eigenvalues: [Double]) in
            precondition(range.lowerBound >= 0 && range.upperBound <= g.shape[1] && !range.isEmpty,
                         "FrictionField: block \(name) range \(range) is outside θ of dimension \(g.shape[1])")
            let spectrum = gramSpectrum(perSampleGradients: g.slice(range, alongAxis: 1))
            return (name, range.count, spectrum.eigenvalues.map { $0 * scale })
        }
        self.init(spectra: spectra, route: .gram, rankThreshold: rankThreshold)
    }
}

extension FrictionField {
    /// The friction field of blocks whose spectra are known exactly (a K-FAC block's eigenvalues
    /// are the products of its factors' eigenvalues; a Gram route gives the nonzero ones):
    /// `trace_b = Σ_j λ_j`, `λ_max,b = max_j λ_j`, erank and the rest from ``SpectrumSummary``,
    /// `share_b = trace_b / Σ_c trace_c`.
    ///
    /// - Parameters:
    ///   - spectra: each block's name, dimension and eigenvalues (any order; the zero eigenvalues
    ///     a Gram route leaves out change nothing here).
    ///   - route: how the spectra were obtained (``Route/dense`` for an exact decomposition).
    ///   - rankThreshold: `τ` of each block's ``SpectrumSummary``.
    public init(spectra: [(name: String, dimension: Int, eigenvalues: [Double])], route: Route = .dense, rankThreshold: Double = 1e-3) {
        precondition(!spectra.isEmpty, "FrictionField: no blocks")
        var rows: [Block] = []
        for (name, dimension, eigenvalues) in spectra {
            let values = eigenvalues.sorted(by: >)
            let summary = SpectrumSummary(eigenvalues: values, rankThreshold: rankThreshold)
            rows.append(Block(
                name: name, dimension: dimension, route: route, trace: summary.trace, traceStandardError: nil,
                lambdaMax: values.first ?? 0, effectiveRank: summary.effectiveRank, eigenvalueCount: values.count, share: 0,
                spectrum: summary, eigenvalues: values, lanczosConverged: nil, productCount: 0))
        }
        self.init(rows: rows, totalTraceStandardError: nil, options: Options(rankThreshold: rankThreshold))
    }
}
