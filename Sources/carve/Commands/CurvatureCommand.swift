import ArgumentParser
import CarveIO
import Data
import Foundation
import Geometry
import NN
import TensorCore
import Training

/// `carve curvature`: spectra, traces, densities, per-layer friction fields and dense matrices of
/// a trained model's curvature (Hessian, GGN/Fisher, Monte Carlo Fisher, empirical Fisher, K-FAC)
/// on a batch of examples. The user guide, formulas and JSON keys are in docs/geometry.md.
struct CurvatureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curvature",
        abstract: "Eigenvalues, trace, spectral density, per-layer friction field or dense matrix of a model's curvature.",
        discussion: """
            The curvature is that of the mean loss over the examples chosen (--samples of --task/--data, by default \
            the weights' own task) at the given weights, over the parameters θ selected by --parameters. \
            Operators: hessian, ggn (= fisher), monte-carlo-fisher (mc-fisher), empirical-fisher (efisher; observed \
            labels, not the Fisher), kfac. Eigenvalues come from Lanczos (--top, --bottom), or with --exact from the \
            dense matrix (d ≤ \(CurvatureCommand.denseLimit)), with --gram from the n × n Gram matrix of per-sample \
            gradients (empirical or Monte Carlo Fisher), or for kfac from the Kronecker factors. See docs/geometry.md.
            """)

    /// The largest `d` for `--exact` and `--dense-out` (a `d × d` Double matrix of 512 MiB).
    static let denseLimit = denseSpectrumDefaultMaximumDimension
    /// The largest `d` computed in double by `--precision auto`.
    static let doubleLimit = 65_536
    /// The largest `n · d` for `--gram` (the per-sample gradient matrix).
    static let gramLimit = 1 << 28

    @OptionGroup var data: ModelDataOptions

    @Option(name: .customLong("operator"), help: "hessian, ggn, fisher, monte-carlo-fisher, empirical-fisher or kfac.")
    var operatorName: String = "ggn"
    @Option(help: ArgumentHelp("Comma-separated parameter names or name prefixes (layers.0, blocks.1.attn) making up θ; default all.", valueName: "list"))
    var parameters: String?
    @Option(help: "Number of largest eigenvalues.") var top: Int = 10
    @Option(help: "Number of smallest eigenvalues (0: none).") var bottom: Int = 0
    @Flag(help: "Estimate the trace (exact with --exact, --gram or kfac).") var trace = false
    @Option(help: "Random probes of the trace and density estimators.") var probes: Int = 30
    @Option(name: .customLong("trace-method"), help: "hutchinson or hutch++ (probes = Hutch++'s product budget).")
    var traceMethod: String = "hutch++"
    @Flag(help: "Estimate the spectral density (stochastic Lanczos quadrature; exact with --exact).") var density = false
    @Option(help: "Lanczos steps per density probe.") var steps: Int = 60
    @Option(name: .customLong("grid-points"), help: "Points of the smoothed density grid (JSON).") var gridPoints: Int = 128
    @Option(help: "Bins of the printed density histogram.") var bins: Int = 16
    @Option(help: "Gaussian kernel width of the smoothed density, as a fraction of the spectrum's range.") var bandwidth: Double = 0.01
    @Flag(name: .customLong("per-layer"), help: "Friction field: per-layer trace, λ_max, effective rank and share of the trace.")
    var perLayer = false
    @Option(name: .customLong("layer-dense-threshold"), help: "Per-layer blocks up to this dimension are decomposed exactly (default: when that costs no more products than the iterative route).")
    var layerDenseThreshold: Int?
    @Option(name: .customLong("dense-out"), help: "Write the dense d × d matrix (d ≤ \(CurvatureCommand.denseLimit)) to this safetensors file.")
    var denseOut: String?
    @Flag(help: "Dense route: all d eigenvalues and an exact trace, density and per-layer field (d ≤ \(CurvatureCommand.denseLimit)).")
    var exact = false
    @Flag(help: "Empirical or Monte Carlo Fisher: the exact nonzero spectrum from the n × n Gram matrix of per-sample gradients.")
    var gram = false
    @Option(name: .customLong("lanczos-steps"), help: "Lanczos step budget for --top/--bottom (default max(3k, k + 50)).")
    var lanczosSteps: Int?
    @Option(name: .customLong("mc-samples"), help: "Labels drawn per row for the Monte Carlo Fisher (and sampled K-FAC).")
    var mcSamples: Int = 1
    @Option(name: .customLong("kfac-fisher"), help: "K-FAC's δ: exact, sampled or empirical (default: exact when labels × classes ≤ 256, else sampled).")
    var kfacFisher: String?
    @Option(name: .customLong("kfac-approximation"), help: "K-FAC for sequences: expand or reduce.") var kfacApproximation: String = "expand"
    @Option(help: "auto, float or double (every product and the eigensolvers); auto is double up to d = \(CurvatureCommand.doubleLimit), float above.")
    var precision: String = "auto"
    @Option(name: .customLong("probe-seed"), help: "Seed of every random probe, start vector and sampled label.") var probeSeed: UInt64 = 0
    @Option(help: "Friction shift: weights of the same model to compare with (e.g. a later checkpoint): distances between the normalized top-k spectra and principal angles between the top-k eigenspaces.")
    var compare: String?
    @Flag(help: "Write one JSON object to standard output.") var json = false

    func run() throws {
        do {
            var settings = try resolvedSettings()
            if settings.precision == nil {
                // auto: the dimension of θ decides (the weights and data are small to load twice).
                let (_, parameters, _, _) = try data.load(as: Float.self)
                let names = try selectParameters(
                    settings.prefixes == nil ? parameters.trainableNames : parameters.names, prefixes: settings.prefixes)
                let d = names.reduce(0) { $0 + parameters[$1].scalarCount }
                settings.precision = d <= Self.doubleLimit ? .double : .float
            }
            let report: CurvatureReport
            switch settings.precision! {
            case .float: report = try CurvatureComputation<Float>(command: self, settings: settings).run()
            case .double: report = try CurvatureComputation<Double>(command: self, settings: settings).run()
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text(), terminator: "")
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            // One line, also for flag errors found here (no usage text).
            FileHandle.standardError.write(Foundation.Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The operator choice: one of Geometry's curvature kinds, or K-FAC.
    enum OperatorChoice: Equatable {
        case curvature(CurvatureKind)
        case kfac
        var name: String {
            switch self {
            case .curvature(let k): k.rawValue
            case .kfac: "kfac"
            }
        }
    }

    enum KFACDelta: String { case exact, sampled, empirical }

    /// The flags, checked.
    struct Settings {
        var operatorChoice: OperatorChoice
        /// `nil` for auto, until decided.
        var precision: RunConfig.Precision?
        var prefixes: [String]?
        var traceMethod: TraceMethodChoice
        var kfacDelta: KFACDelta?
        var kfacApproximation: KFACApproximation
    }

    enum TraceMethodChoice: String { case hutchinson, hutchPlusPlus = "hutch++" }

    func resolvedSettings() throws -> Settings {
        let choice: OperatorChoice
        if operatorName.lowercased() == "kfac" || operatorName.lowercased() == "k-fac" {
            choice = .kfac
        } else if let kind = CurvatureKind(rawValue: operatorName) {
            choice = .curvature(kind)
        } else {
            throw ValidationError("--operator: unknown operator '\(operatorName)'; use hessian, ggn, fisher, monte-carlo-fisher, empirical-fisher or kfac")
        }
        let precision: RunConfig.Precision?
        if self.precision.lowercased() == "auto" {
            precision = nil
        } else if let p = RunConfig.Precision(rawValue: self.precision.lowercased()) {
            precision = p
        } else {
            throw ValidationError("--precision must be auto, float or double, got '\(self.precision)'")
        }
        guard let method = TraceMethodChoice(rawValue: traceMethod.lowercased()) else {
            throw ValidationError("--trace-method must be hutchinson or hutch++, got '\(traceMethod)'")
        }
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        guard bottom >= 0 else { throw ValidationError("--bottom must be 0 or more, got \(bottom)") }
        guard probes >= 1 else { throw ValidationError("--probes must be at least 1, got \(probes)") }
        if trace && method == .hutchPlusPlus && probes < 3 {
            throw ValidationError("--probes must be at least 3 for hutch++ (its product budget), got \(probes)")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard gridPoints >= 2 else { throw ValidationError("--grid-points must be at least 2, got \(gridPoints)") }
        guard bins >= 1 else { throw ValidationError("--bins must be at least 1, got \(bins)") }
        guard bandwidth > 0 && bandwidth.isFinite else { throw ValidationError("--bandwidth must be positive, got \(bandwidth)") }
        if let layerDenseThreshold, layerDenseThreshold < 0 {
            throw ValidationError("--layer-dense-threshold must be 0 or more, got \(layerDenseThreshold)")
        }
        guard mcSamples >= 1 else { throw ValidationError("--mc-samples must be at least 1, got \(mcSamples)") }
        if let lanczosSteps, lanczosSteps < 1 { throw ValidationError("--lanczos-steps must be at least 1, got \(lanczosSteps)") }
        if gram {
            guard choice == .curvature(.empiricalFisher) || choice == .curvature(.mcFisher) else {
                throw ValidationError("--gram applies to the empirical or Monte Carlo Fisher (a Gram matrix of per-sample gradients), not to \(choice.name)")
            }
            guard !exact else { throw ValidationError("give --exact or --gram, not both") }
        }
        if compare != nil && choice == .kfac {
            throw ValidationError("--compare applies to the hessian, ggn, monte-carlo-fisher and empirical-fisher operators, not to kfac")
        }
        if exact && choice == .kfac {
            throw ValidationError("--exact does not apply to kfac: its eigenvalues and trace are always exact (from the Kronecker factors)")
        }
        var delta: KFACDelta? = nil
        if let kfacFisher {
            guard choice == .kfac else { throw ValidationError("--kfac-fisher applies to --operator kfac") }
            guard let d = KFACDelta(rawValue: kfacFisher.lowercased()) else {
                throw ValidationError("--kfac-fisher must be exact, sampled or empirical, got '\(kfacFisher)'")
            }
            delta = d
        }
        guard let approximation = KFACApproximation(rawValue: kfacApproximation.lowercased()) else {
            throw ValidationError("--kfac-approximation must be expand or reduce, got '\(kfacApproximation)'")
        }
        let prefixes = parameters.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let prefixes, prefixes.isEmpty { throw ValidationError("--parameters: give at least one name or prefix") }
        return Settings(operatorChoice: choice, precision: precision, prefixes: prefixes, traceMethod: method, kfacDelta: delta,
                        kfacApproximation: approximation)
    }
}

/// The parameters of `names` (store order) selected by `prefixes`: a prefix `p` selects `p`
/// itself and every name that starts with `p.` (whole dotted components: `layers.1` selects
/// `layers.1.weight`, not `layers.10.weight`).
func selectParameters(_ names: [String], prefixes: [String]?) throws -> [String] {
    guard let prefixes else { return names }
    var unmatched: [String] = []
    var selected = Set<String>()
    for p in prefixes {
        let stem = p.hasSuffix(".") ? String(p.dropLast()) : p
        let hits = names.filter { $0 == stem || $0.hasPrefix(stem + ".") }
        if hits.isEmpty { unmatched.append(p) }
        selected.formUnion(hits)
    }
    guard unmatched.isEmpty else {
        let shown = names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", …"
        throw ValidationError("--parameters: \(unmatched.map { "'\($0)'" }.joined(separator: ", ")) matches no parameter (the model has \(shown))")
    }
    return names.filter { selected.contains($0) }
}
