import Foundation
import Geometry

/// What `carve curvature` measured: one JSON object with `--json` (keys in docs/geometry.md), a
/// short table otherwise.
struct CurvatureReport: Codable {
    /// One parameter of θ and its coordinates `start..<end` in θ (or in K-FAC's space).
    struct Parameter: Codable {
        var name: String
        var shape: [Int]
        var start: Int
        var end: Int
    }

    struct Eigenvalues: Codable {
        /// `dense` (LAPACK on the materialized matrix), `gram` (nonzero spectrum from the Gram
        /// matrix), `kfac-factors` (products of the factors' eigenvalues) or `lanczos`.
        var method: String
        /// The largest eigenvalues, descending.
        var top: [Double]
        /// The smallest eigenvalues, ascending.
        var bottom: [Double]? = nil
        /// Every eigenvalue, descending, when the spectrum is exact and `d ≤ 8192`.
        var all: [Double]? = nil
        var topConverged: Bool? = nil
        var topResidualEstimates: [Double]? = nil
        var topSteps: Int? = nil
        var bottomConverged: Bool? = nil
        var bottomResidualEstimates: [Double]? = nil
        var bottomSteps: Int? = nil
    }

    struct Trace: Codable {
        var estimate: Double
        var standardError: Double?
        /// `exact`, `hutchinson` or `hutch++`.
        var method: String
        var probes: Int?
        var products: Int
    }

    struct Bin: Codable {
        var lower: Double
        var upper: Double
        /// The spectral mass (fraction of the `d` eigenvalues) in `[lower, upper)`.
        var mass: Double
    }

    struct Density: Codable {
        /// `slq` (stochastic Lanczos quadrature) or `exact` (the eigenvalues, each of mass `1/d`).
        var method: String
        var probes: Int?
        var steps: Int?
        /// Per probe, the quadrature nodes (ascending) and weights (each row sums to 1).
        var nodes: [[Double]]
        var weights: [[Double]]
        /// The Gaussian kernel width `σ` of the smoothed density.
        var bandwidth: Double
        /// The smoothed density `values` at the `grid` points.
        var grid: [Double]
        var values: [Double]
        var histogram: [Bin]
        var traceEstimate: Double
        var traceStandardError: Double?
        var products: Int
    }

    struct KFAC: Codable {
        var approximation: String
        var fisher: String
        var backwardPasses: Int
        /// Parameters of θ that K-FAC has no block for (embeddings, normalizations): left out.
        var uncoveredParameters: [String]
    }

    struct Cost: Codable {
        /// Curvature–vector products (operator and per-layer blocks).
        var products: Int
        var perSampleGradientPasses: Int? = nil
        var kfacBackwardPasses: Int? = nil
        var seconds: Double
        /// Seconds per phase (load, dense, eigenvalues, trace, density, per-layer, …).
        var phases: [String: Double]
    }

    /// The friction shift to a second set of weights (`--compare`): the same operator and
    /// examples, top-k eigenpairs of each by Lanczos.
    struct Shift: Codable {
        var with: String
        var k: Int
        var otherTop: [Double]
        var shift: FrictionShift
    }

    var `operator`: String
    var description: String
    var precision: String
    /// `d`: the dimension of θ (of K-FAC's covered parameters for kfac).
    var dimension: Int
    var examples: Int
    var labelRows: Int
    var loss: Double
    var parameters: [Parameter]
    var eigenvalues: Eigenvalues
    /// The summary (erank, participation ratio, numerical rank, condition numbers) of the
    /// eigenvalues named by ``spectrumScope``.
    var spectrum: SpectrumSummary
    /// `all` (exact spectrum), `nonzero` (Gram route) or `top-k` (the Lanczos values only).
    var spectrumScope: String
    var trace: Trace? = nil
    var density: Density? = nil
    var perLayer: FrictionField? = nil
    var denseOut: String? = nil
    var shift: Shift? = nil
    var kfac: KFAC? = nil
    var notes: [String] = []
    var cost: Cost

    // MARK: Text

    func text() -> String {
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        line("operator: \(description), \(precision) precision")
        let selection = parameters.count <= 6 ? parameters.map(\.name).joined(separator: ", ") : "\(parameters.count) parameters"
        line("θ: d = \(dimension) (\(selection)); \(examples) examples (\(labelRows) labelled rows); loss \(g(loss))")
        if let kfac, !kfac.uncoveredParameters.isEmpty {
            line("  K-FAC leaves out \(kfac.uncoveredParameters.count) parameters without a Linear block (\(kfac.uncoveredParameters.prefix(4).joined(separator: ", "))\(kfac.uncoveredParameters.count > 4 ? ", …" : ""))")
        }
        var how = eigenvalues.method
        if let steps = eigenvalues.topSteps {
            how += ", \(steps) steps, " + ((eigenvalues.topConverged ?? false) ? "converged" : "NOT converged")
        }
        line("top eigenvalues (\(how)):")
        for (i, v) in eigenvalues.top.enumerated() { line(String(format: "  %3d  ", i + 1) + g(v)) }
        if let bottom = eigenvalues.bottom {
            var how = eigenvalues.method
            if let steps = eigenvalues.bottomSteps {
                how += ", \(steps) steps, " + ((eigenvalues.bottomConverged ?? false) ? "converged" : "NOT converged")
            }
            line("bottom eigenvalues (\(how)):")
            for (i, v) in bottom.enumerated() { line(String(format: "  %3d  ", i + 1) + g(v)) }
        }
        let scope = ["all": "all \(spectrum.count) eigenvalues", "nonzero": "the \(spectrum.count) nonzero eigenvalues",
                     "top-k": "the top \(spectrum.count) only"][spectrumScope] ?? spectrumScope
        var summary = "spectrum (\(scope)): erank \(g(spectrum.effectiveRank)), PR \(g(spectrum.participationRatio)), numerical rank \(spectrum.numericalRank)"
        if let k = spectrum.numericalConditionNumber { summary += ", κ_τ \(g(k))" }
        if spectrum.negativeCount > 0, let low = spectrum.smallestEigenvalue {
            summary += ", \(spectrum.negativeCount) negative (down to \(g(low)))"
        }
        line(summary)
        if let trace {
            if let se = trace.standardError {
                line("trace: \(g(trace.estimate)) ± \(g(se)) (\(trace.method), \(trace.products) products)")
            } else {
                line("trace: \(g(trace.estimate)) (\(trace.method))")
            }
        }
        if let density {
            let source = density.method == "slq" ? "SLQ, \(density.probes ?? 0) probes × \(density.steps ?? 0) steps" : "exact"
            line("spectral density (\(source)): mass per bin")
            let top = density.histogram.map(\.mass).max() ?? 0
            for bin in density.histogram {
                let bar = top > 0 ? String(repeating: "█", count: Int((40 * bin.mass / top).rounded())) : ""
                let tick = bin.mass > 0 && bar.isEmpty ? "▏" : bar
                line("  [\(pad(g(bin.lower), 11)), \(pad(g(bin.upper), 11)))  " + String(format: "%7.3f%%  ", 100 * bin.mass) + tick)
            }
        }
        if let field = perLayer {
            line("per layer (friction field; share = trace / total trace):")
            let width = max(5, field.blocks.map(\.name.count).max() ?? 5)
            line("  " + "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "         d  route                   trace     share        λ_max     erank")
            for b in field.blocks {
                let t = b.traceStandardError.map { "\(g(b.trace))±\(g($0))" } ?? g(b.trace)
                line("  " + b.name.padding(toLength: width, withPad: " ", startingAt: 0)
                     + String(format: " %9d  ", b.dimension) + b.route.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                     + " " + pad(t, 23) + String(format: "  %7.2f%%  ", 100 * b.share) + pad(g(b.lambdaMax), 11)
                     + String(format: "  %8.2f", b.effectiveRank)
                     + (b.route == .iterative ? " (top \(b.eigenvalueCount))" : ""))
            }
            let total = field.totalTraceStandardError.map { "\(g(field.totalTrace)) ± \(g($0))" } ?? g(field.totalTrace)
            line("  total trace \(total), λ_max of the blocks \(g(field.lambdaMax))")
        }
        if let denseOut { line("dense matrix [\(dimension), \(dimension)] written to \(denseOut) (tensor \"curvature\")") }
        if let shift {
            line("friction shift to \(shift.with) (top \(shift.k) eigenpairs of each):")
            line("  its top eigenvalues: " + shift.otherTop.map { String(format: "%.5g", $0) }.joined(separator: " "))
            line(String(format: "  normalized spectra: total variation %.4f, W1 %.4f (index units)", shift.shift.totalVariation, shift.shift.wasserstein))
            if let angles = shift.shift.principalAngles {
                line("  principal angles (degrees): " + angles.map { String(format: "%.1f", $0 * 180 / .pi) }.joined(separator: " "))
            }
        }
        for note in notes { line("note: \(note)") }
        var cost = "cost: \(self.cost.products) products"
        if let p = self.cost.perSampleGradientPasses { cost += ", \(p) per-sample-gradient pass" }
        if let p = self.cost.kfacBackwardPasses { cost += ", \(p) K-FAC backward passes" }
        cost += String(format: ", %.2f s", self.cost.seconds)
        let phases = self.cost.phases.sorted { $0.value > $1.value }.map { $0.key + String(format: " %.2f s", $0.value) }
        if !phases.isEmpty { cost += " (" + phases.joined(separator: ", ") + ")" }
        line(cost)
        return out
    }

    private func g(_ x: Double) -> String { String(format: "%.5g", x) }
    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
}
