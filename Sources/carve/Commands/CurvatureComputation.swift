import ArgumentParser
import Autodiff
import CarveIO
import Data
import Foundation
import Geometry
import NN
import TensorCore
import Training

/// The work of `carve curvature` in one precision: load, build the operator, then the
/// eigenvalues, trace, density, friction field and dense matrix that were asked for, each timed.
struct CurvatureComputation<S: TensorScalar> {
    let command: CurvatureCommand
    let settings: CurvatureCommand.Settings

    /// The spectrum when it is known exactly: all `d` eigenvalues (dense), the nonzero ones
    /// (Gram), or the Kronecker products (K-FAC), descending.
    struct ExactSpectrum {
        var descending: [Double]
        /// How many eigenvalues `descending` leaves out because they are exactly zero (Gram: `d − n`).
        var zeros: Int
    }

    func run() throws -> CurvatureReport {
        var phases: [String: Double] = [:]
        func timed<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
            let t0 = Stopwatch.now()
            defer { phases[phase, default: 0] += Stopwatch.now() - t0 }
            return try body()
        }
        let start = Stopwatch.now()
        let c = command
        let (model, parameters, batch, _) = try timed("load") { try c.data.load(as: S.self) }
        let names = try selectParameters(
            settings.prefixes == nil ? parameters.trainableNames : parameters.names, prefixes: settings.prefixes)
        guard !names.isEmpty else { throw ValidationError("the model has no trainable parameters") }
        let objective = Objective(model: model, parameters: parameters, batch: batch, names: names)
        let loss = Double(timed("load") { objective.loss() })
        let labelRows: Int
        switch batch.targets {
        case .classes(let labels, _): labelRows = labels.count
        case .values(let t): labelRows = t.shape.first ?? 0
        }

        switch settings.operatorChoice {
        case .curvature(let kind):
            let op = kind.makeOperator(for: objective, samples: c.mcSamples, seed: c.probeSeed)
            var report = try baseReport(objective, kind.rawValue, kind.description, loss: loss, labelRows: labelRows)
            try analyze(op, kind: kind, objective: objective, report: &report, timed: timed)
            if let other = c.compare {
                try timed("compare") { report.shift = try frictionShift(op, kind: kind, objective: objective, to: other) }
            }
            report.cost = CurvatureReport.Cost(
                products: op.products.count + (report.perLayer?.productCount ?? 0), perSampleGradientPasses: report.cost.perSampleGradientPasses,
                kfacBackwardPasses: nil, seconds: Stopwatch.now() - start, phases: phases)
            return report
        case .kfac:
            return try analyzeKFAC(objective, loss: loss, labelRows: labelRows, start: start, timed: timed, phases: { phases })
        }
    }

    func baseReport(_ objective: Objective<S>, _ name: String, _ description: String, loss: Double, labelRows: Int,
                    names: [String]? = nil) throws -> CurvatureReport {
        let shown = names ?? objective.names
        var offset = 0
        let params = shown.map { n -> CurvatureReport.Parameter in
            let count = objective.parameters[n].scalarCount
            defer { offset += count }
            return .init(name: n, shape: objective.parameters[n].shape, start: offset, end: offset + count)
        }
        return CurvatureReport(
            operator: name, description: description, precision: settings.precision!.rawValue, dimension: offset,
            examples: objective.batch.count, labelRows: labelRows, loss: loss, parameters: params,
            eigenvalues: .init(method: "", top: []), spectrum: SpectrumSummary(eigenvalues: []), spectrumScope: "",
            cost: .init(products: 0, seconds: 0, phases: [:]))
    }

    // MARK: Hessian, GGN, Monte Carlo and empirical Fisher

    func analyze(
        _ op: any CurvatureOperator<S>, kind: CurvatureKind, objective: Objective<S>, report: inout CurvatureReport,
        timed: (String, () throws -> Void) throws -> Void
    ) throws {
        let c = command
        let d = objective.dimension
        if c.exact || c.denseOut != nil {
            guard d <= CurvatureCommand.denseLimit else {
                let flag = c.exact ? "--exact" : "--dense-out"
                throw ValidationError("\(flag): d = \(d) exceeds the limit of \(CurvatureCommand.denseLimit) for a dense \(d) × \(d) matrix; select fewer parameters with --parameters")
            }
        }
        if c.gram {
            let n = objective.batch.count
            guard n * d <= CurvatureCommand.gramLimit else {
                throw ValidationError("--gram: the per-sample gradients hold n · d = \(n) · \(d) scalars, above the limit of \(CurvatureCommand.gramLimit); use fewer --samples or --parameters")
            }
        }

        var exactSpectrum: ExactSpectrum? = nil
        var matrix: Tensor<S>? = nil
        // Dense matrix, once: for --exact and for --dense-out.
        if c.exact || c.denseOut != nil {
            var asymmetry = 0.0
            try timed("dense") {
                let a = op.dense()
                let at = a.transposed()
                let largest = d == 0 ? 0 : Double(a.abs().max().scalar)
                asymmetry = largest > 0 ? Double((a - at).abs().max().scalar) / largest : 0
                matrix = (a + at) * S(0.5)
            }
            if let path = c.denseOut {
                try timed("dense-out") {
                    let ranges = zip(objective.names, objective.ranges).map { "\"\($0)\": [\($1.lowerBound), \($1.upperBound)]" }
                    try Safetensors.write([(name: "curvature", tensor: matrix!)], metadata: [
                        "operator": kind.rawValue, "description": kind.description, "dimension": "\(d)",
                        "parameters": objective.names.joined(separator: ","), "ranges": "{" + ranges.joined(separator: ", ") + "}",
                        "examples": "\(objective.batch.count)", "symmetrized": "(A + Aᵀ)/2", "asymmetry": "\(asymmetry)",
                    ], to: path)
                }
                report.denseOut = path
            }
            if c.exact {
                try timed("eigenvalues") {
                    let spectrum = denseSpectrum(of: DenseOperator(matrix!))
                    exactSpectrum = ExactSpectrum(descending: spectrum.eigenvalues.reversed(), zeros: 0)
                }
                report.eigenvalues.method = "dense"
                report.spectrumScope = "all"
            }
        }
        if c.gram {
            try timed("eigenvalues") {
                let (sampled, scale) = kind == .mcFisher ? objective.withSampledTargets(seed: c.probeSeed) : (objective, 1.0)
                let g = sampled.perSampleGradients().matrix()
                let spectrum = gramSpectrum(perSampleGradients: g)
                let values = spectrum.eigenvalues.map { $0 * scale }
                exactSpectrum = ExactSpectrum(descending: values, zeros: d - values.count)
                if c.perLayer {
                    report.perLayer = FrictionField(
                        perSampleGradients: g, blocks: try layerRanges(objective), scale: scale)
                }
            }
            report.cost.perSampleGradientPasses = 1
            report.eigenvalues.method = "gram"
            report.spectrumScope = "nonzero"
            if kind == .mcFisher {
                report.notes.append("--gram draws one label per row from the model (seed \(c.probeSeed)); --mc-samples applies to the operator")
            }
        }

        if let exactSpectrum {
            fill(&report, exactSpectrum, d: d)
        } else {
            try timed("eigenvalues") { try lanczos(op, d: d, report: &report) }
        }

        if c.trace && report.trace == nil {
            try timed("trace") { report.trace = estimateTrace(op, d: d) }
        }
        if c.density && report.density == nil {
            try timed("density") { report.density = slqDensity(op, d: d) }
        }
        if c.perLayer && report.perLayer == nil {
            try timed("per-layer") {
                if c.exact, let matrix {
                    // Principal submatrices of the dense matrix: no further products.
                    let blocks = try layerRanges(objective).map { name, range -> (name: String, operator: any LinearOperator<S>) in
                        (name: name, operator: DenseOperator(matrix.slice(range, alongAxis: 0).slice(range, alongAxis: 1)))
                    }
                    report.perLayer = FrictionField(blocks: blocks, options: frictionOptions())
                } else {
                    let blocks = curvatureBlocks(of: objective, kind: kind, samples: c.mcSamples, seed: c.probeSeed)
                    report.perLayer = FrictionField(
                        blocks: blocks.map { (name: $0.layer, operator: $0.operator as any LinearOperator<S>) }, options: frictionOptions())
                }
            }
        }
    }

    // MARK: K-FAC

    func analyzeKFAC(
        _ objective: Objective<S>, loss: Double, labelRows: Int, start: Double,
        timed: (String, () throws -> Void) throws -> Void, phases: () -> [String: Double]
    ) throws -> CurvatureReport {
        let c = command
        let delta = settings.kfacDelta ?? defaultKFACDelta(objective)
        let kind: KFACFisherKind
        let passes: Int
        switch delta {
        case .exact:
            kind = .exact
            passes = exactSeedCount(objective)
        case .sampled:
            kind = .sampled(samples: c.mcSamples, seed: c.probeSeed)
            passes = c.mcSamples
        case .empirical:
            kind = .empirical
            passes = 1
        }
        var factors: KFACFactors<S>? = nil
        try timed("kfac-factors") { factors = objective.kfacFactors(approximation: settings.kfacApproximation, kind: kind) }
        guard let factors, !factors.blocks.isEmpty else {
            throw ValidationError("kfac: no Linear layer among the selected parameters (\(objective.names.joined(separator: ", "))); K-FAC covers Linear weights and biases only")
        }
        let op = KFACOperator(factors, objective: objective)
        let d = op.dimension
        var report = try baseReport(
            objective, "kfac", "K-FAC (\(settings.kfacApproximation.rawValue), \(delta.rawValue) δ\(delta == .empirical ? ": empirical Fisher, not the Fisher" : ""))",
            loss: loss, labelRows: labelRows, names: op.names)
        report.kfac = .init(approximation: settings.kfacApproximation.rawValue, fisher: delta.rawValue, backwardPasses: passes,
                            uncoveredParameters: objective.names.filter { !op.names.contains($0) })
        if let path = c.denseOut {
            guard d <= CurvatureCommand.denseLimit else {
                throw ValidationError("--dense-out: d = \(d) exceeds the limit of \(CurvatureCommand.denseLimit) for a dense \(d) × \(d) matrix; select fewer parameters with --parameters")
            }
            try timed("dense-out") {
                let ranges = zip(op.names, op.ranges).map { "\"\($0)\": [\($1.lowerBound), \($1.upperBound)]" }
                try Safetensors.write([(name: "curvature", tensor: op.dense())], metadata: [
                    "operator": "kfac", "description": report.description, "dimension": "\(d)",
                    "parameters": op.names.joined(separator: ","), "ranges": "{" + ranges.joined(separator: ", ") + "}",
                    "examples": "\(objective.batch.count)",
                ], to: path)
            }
            report.denseOut = path
        }
        try timed("eigenvalues") {
            fill(&report, ExactSpectrum(descending: op.eigenvalues().converted(to: Double.self).scalars, zeros: 0), d: d)
        }
        report.eigenvalues.method = "kfac-factors"
        report.spectrumScope = "all"
        if c.density && d > CurvatureCommand.denseLimit {
            try timed("density") { report.density = slqDensity(op, d: d) }
        }
        if c.perLayer {
            try timed("per-layer") { report.perLayer = kfacFrictionField(factors, objective: objective) }
            if report.perLayer!.blocks.contains(where: { $0.dimension > CurvatureCommand.denseLimit }) {
                report.notes.append("per-layer eigenvalue lists of K-FAC blocks above d = \(CurvatureCommand.denseLimit) keep the top \(max(c.top, 100)); their summaries are over all")
            }
        }
        report.cost = .init(products: 0, perSampleGradientPasses: nil, kfacBackwardPasses: passes, seconds: Stopwatch.now() - start,
                            phases: phases())
        return report
    }

    /// K-FAC's friction field, exactly: each block's eigenvalues are the products of its factors'
    /// eigenvalues, its trace `tr(G) tr(A)`.
    func kfacFrictionField(_ factors: KFACFactors<S>, objective: Objective<S>) -> FrictionField {
        let spectra = factors.blocks.map { block -> (name: String, dimension: Int, eigenvalues: [Double]) in
            let restricted = Objective(model: objective.model, parameters: objective.parameters, batch: objective.batch, names: block.parameterNames)
            let op = KFACOperator(KFACFactors(blocks: [block], approximation: factors.approximation, kind: factors.kind), objective: restricted)
            return (block.layer, op.dimension, op.eigenvalues().converted(to: Double.self).scalars)
        }
        var field = FrictionField(spectra: spectra)
        // The report lists a large block's leading eigenvalues only (its numbers use them all).
        for j in field.blocks.indices where field.blocks[j].eigenvalues.count > CurvatureCommand.denseLimit {
            field.blocks[j].eigenvalues = Array(field.blocks[j].eigenvalues.prefix(Swift.max(command.top, 100)))
        }
        return field
    }

    /// Exact δ when the output-space Hessian has at most 256 columns per example (labels per
    /// example × classes, or real outputs), else one sampled label per row.
    func defaultKFACDelta(_ objective: Objective<S>) -> CurvatureCommand.KFACDelta {
        exactSeedCount(objective) <= 256 ? .exact : .sampled
    }

    /// The backward passes of K-FAC's exact δ: `R·C` for `R` labels per example and `C` classes, `K` for `K` outputs.
    func exactSeedCount(_ objective: Objective<S>) -> Int {
        let outputs = objective.evaluate(on: Tape<S>()).outputs.value
        switch objective.batch.targets {
        case .classes(_, let perExample): return perExample * (outputs.shape.last ?? 1)
        case .values: return outputs.scalarCount / max(1, objective.batch.count)
        }
    }

    // MARK: Pieces

    /// Each layer's coordinates in θ (its parameters are adjacent in Carve's models).
    func layerRanges(_ objective: Objective<S>) throws -> [(name: String, range: Range<Int>)] {
        try layerGroups(of: objective.names).map { group in
            let ranges = group.names.map { objective.range(of: $0) }
            let range = ranges.first!.lowerBound..<ranges.last!.upperBound
            guard ranges.reduce(0, { $0 + $1.count }) == range.count else {
                throw ValidationError("--per-layer: the parameters of layer \(group.layer) are not adjacent in θ")
            }
            return (name: group.layer, range: range)
        }
    }

    func fill(_ report: inout CurvatureReport, _ spectrum: ExactSpectrum, d: Int) {
        let c = command
        let all = spectrum.descending + [Double](repeating: 0, count: spectrum.zeros)
        report.eigenvalues.top = Array(all.prefix(min(c.top, d)))
        if c.bottom > 0 { report.eigenvalues.bottom = Array(all.suffix(min(c.bottom, d)).reversed()) }
        if d <= CurvatureCommand.denseLimit { report.eigenvalues.all = all }
        report.spectrum = SpectrumSummary(eigenvalues: spectrum.descending)
        report.trace = .init(estimate: spectrum.descending.reduce(0, +), standardError: nil, method: "exact", probes: nil, products: 0)
        if c.density {
            let weight = 1 / Double(max(d, 1))
            var nodes = spectrum.descending.reversed() as [Double]
            var weights = [Double](repeating: weight, count: nodes.count)
            if spectrum.zeros > 0 {
                let i = nodes.firstIndex { $0 >= 0 } ?? nodes.count
                nodes.insert(0, at: i)
                weights.insert(Double(spectrum.zeros) * weight, at: i)
            }
            report.density = densityReport(
                SpectralDensity(dimension: d, nodes: [nodes], weights: [weights], productCount: 0), method: "exact", steps: nil)
        }
    }

    /// The friction shift from these weights to `path`'s (same model, examples and θ): the top-k
    /// eigenpairs of the same operator at both, by Lanczos with vectors.
    func frictionShift(_ op: any CurvatureOperator<S>, kind: CurvatureKind, objective: Objective<S>, to path: String) throws -> CurvatureReport.Shift {
        let c = command
        let file = try WeightsFile<S>(path: path, modelConfig: objective.model.config)
        let other = Objective(model: objective.model, parameters: file.parameters, batch: objective.batch, names: objective.names)
        let otherOperator = kind.makeOperator(for: other, samples: c.mcSamples, seed: c.probeSeed)
        let k = min(c.top, objective.dimension)
        func pairs(_ o: any CurvatureOperator<S>) -> LanczosEigenpairs<S> {
            lanczosEigenpairs(of: o, count: k, which: .largest, iterations: c.lanczosSteps, seed: c.probeSeed, computeVectors: true)
        }
        let (before, after) = (pairs(op), pairs(otherOperator))
        guard let u1 = before.eigenvectors, let u2 = after.eigenvectors else {
            throw ValidationError("--compare: Lanczos returned no eigenvectors")
        }
        let shift = FrictionShift(before: before.eigenvalues, beforeEigenvectors: u1, after: after.eigenvalues, afterEigenvectors: u2)
        return CurvatureReport.Shift(with: path, k: k, otherTop: after.eigenvalues.reversed(), shift: shift)
    }

    func lanczos(_ op: any CurvatureOperator<S>, d: Int, report: inout CurvatureReport) throws {
        let c = command
        let topPairs = lanczosEigenpairs(
            of: op, count: min(c.top, d), which: .largest, iterations: c.lanczosSteps, seed: c.probeSeed, computeVectors: false)
        report.eigenvalues = .init(
            method: "lanczos", top: topPairs.eigenvalues.reversed(), topConverged: topPairs.converged,
            topResidualEstimates: topPairs.residualEstimates.reversed(), topSteps: topPairs.steps)
        if c.bottom > 0 {
            let low = lanczosEigenpairs(
                of: op, count: min(c.bottom, d), which: .smallest, iterations: c.lanczosSteps, seed: c.probeSeed &+ 1,
                computeVectors: false)
            report.eigenvalues.bottom = low.eigenvalues
            report.eigenvalues.bottomConverged = low.converged
            report.eigenvalues.bottomResidualEstimates = low.residualEstimates
            report.eigenvalues.bottomSteps = low.steps
        }
        report.spectrum = SpectrumSummary(eigenvalues: report.eigenvalues.top)
        report.spectrumScope = "top-k"
    }

    func estimateTrace(_ op: any CurvatureOperator<S>, d: Int) -> CurvatureReport.Trace {
        let c = command
        switch settings.traceMethod {
        case .hutchinson:
            let t = hutchinsonTrace(of: op, samples: c.probes, seed: c.probeSeed &+ 2)
            return .init(estimate: t.estimate, standardError: t.standardError, method: "hutchinson", probes: c.probes, products: t.productCount)
        case .hutchPlusPlus:
            let t = hutchPlusPlusTrace(of: op, productBudget: min(c.probes, 3 * d), seed: c.probeSeed &+ 2)
            return .init(estimate: t.estimate, standardError: t.residualStandardError, method: "hutch++", probes: t.productCount,
                         products: t.productCount)
        }
    }

    func slqDensity<Op: LinearOperator>(_ op: Op, d: Int) -> CurvatureReport.Density {
        let c = command
        let density = stochasticLanczosQuadrature(of: op, probes: c.probes, steps: min(c.steps, d), seed: c.probeSeed &+ 3)
        return densityReport(density, method: "slq", steps: min(c.steps, d))
    }

    func densityReport(_ density: SpectralDensity, method: String, steps: Int?) -> CurvatureReport.Density {
        let c = command
        let bandwidth = DensityBandwidth.relative(c.bandwidth)
        let grid = density.densityGrid(pointCount: c.gridPoints, bandwidth: bandwidth)
        // The histogram of the quadrature mass (unsmoothed), over the nodes' range.
        let range = density.nodeRange
        let width = range.upperBound - range.lowerBound
        var mass = [Double](repeating: 0, count: c.bins)
        for (theta, w) in zip(density.nodes, density.weights) {
            for (x, wi) in zip(theta, w) {
                let b = width > 0 ? min(c.bins - 1, Int((x - range.lowerBound) / width * Double(c.bins))) : 0
                mass[b] += wi / Double(density.probeCount)
            }
        }
        let bins = (0..<c.bins).map { b in
            CurvatureReport.Bin(
                lower: range.lowerBound + width * Double(b) / Double(c.bins),
                upper: range.lowerBound + width * Double(b + 1) / Double(c.bins), mass: mass[b])
        }
        return .init(
            method: method, probes: method == "slq" ? density.probeCount : nil, steps: steps, nodes: density.nodes,
            weights: density.weights, bandwidth: density.kernelWidth(bandwidth), grid: grid.points, values: grid.values,
            histogram: bins, traceEstimate: density.traceEstimate, traceStandardError: density.traceStandardError,
            products: density.productCount)
    }

    func frictionOptions() -> FrictionField.Options {
        let c = command
        let method: FrictionField.TraceMethod =
            switch settings.traceMethod {
            case .hutchinson: .hutchinson(samples: c.probes)
            case .hutchPlusPlus: .hutchPlusPlus(productBudget: max(3, c.probes))
            }
        // Auto: a block goes dense when its d_b products cost no more than the iterative route's
        // Lanczos budget plus the trace's products.
        let lanczosBudget = c.lanczosSteps ?? max(3 * c.top, c.top + 50)
        let threshold = c.layerDenseThreshold ?? (lanczosBudget + c.probes)
        return FrictionField.Options(
            denseThreshold: c.exact ? Int.max : threshold, topK: c.top, lanczosIterations: c.lanczosSteps,
            traceMethod: method, seed: c.probeSeed &+ 4)
    }
}
