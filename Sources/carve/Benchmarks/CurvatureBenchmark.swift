import ArgumentParser
import Data
import Foundation
import Geometry
import NN
import TensorCore

/// `carve bench curvature`: the cost of the curvature primitives on the ReLU MLP 64→512→512→10
/// (float32, a batch of 512 examples with 10-class labels), each as a multiple of one
/// forward+backward pass (``Objective/lossAndGradient()``) of the same batch.
///
/// Rows and targets (issue "carve curvature"; the peers were measured on this kind of machine:
/// BackPACK per-sample gradients ≈ 23×, PyTorch double-backward Hessian–vector product ≈ 1.5×,
/// power iteration of 20 steps ≈ 30×):
///
/// | row | target |
/// |---|---|
/// | per-sample gradients | ≤ 5× (issue) |
/// | Hessian, GGN, Monte Carlo Fisher, empirical Fisher products | ≤ 3× each (issue) |
/// | K-FAC factors, expand, sampled δ (1 label per example) and empirical δ | ≤ 3× (ours: one forward, one backward, factor products) |
/// | top eigenvalue of the Hessian, Lanczos 20 steps | reference only: the peer's power iteration of 20 steps ≈ 30× |
/// | Hutchinson trace of the Hessian, 20 probes | reference only: 20 products at the ≤ 3× target = 60× |
///
/// The last two rows are composites, not targets of the issue: Lanczos with full
/// reorthogonalization keeps its basis in Double and projects each new vector out of it twice,
/// `O(m d)` memory traffic per step that power iteration does not pay.
struct CurvatureBenchmark {
    struct Entry: Codable {
        var name: String
        var ms: Double
        var multiple_of_forward_backward: Double
        var target_multiple: Double
        var target_source: String
        var pass: Bool
        var spread_percent: Double
        /// For the composite rows (Lanczos, Hutchinson): the time beyond their Hessian–vector
        /// products (`ms − products × the Hessian–vector product row`): the solver's own work.
        var overhead_beyond_products_ms: Double? = nil
    }
    struct Report: Codable {
        var model: String
        var batch: Int
        var dimension: Int
        var precision: String
        var forward_backward_ms: Double
        var rows: [Entry]
        var peers: [String: Double]
        var all_pass: Bool
        var machine_retries: Int
        var machine: MachineInfo
    }

    var repetitions = 7
    var log: (String) -> Void

    static func objective(batch: Int = 512) throws -> Objective<Float> {
        var g = RandomGenerator(seed: 11)
        let model = try Model(.mlp(inputs: 64, hidden: [512, 512], outputs: 10, activation: .relu))
        let parameters: ParameterStore<Float> = model.initialParameters(seed: 3)
        let x = Tensor<Float>.normal(shape: [batch, 64], using: &g)
        let y = (0..<batch).map { _ in g.nextInt(upperBound: 10) }
        return Objective(model: model, parameters: parameters, batch: Batch(inputs: x, targets: .classes(y, perExample: 1)))
    }

    func run() throws -> Report {
        var watch = Stopwatch()
        watch.calibrate()
        let objective = try Self.objective()
        let d = objective.dimension
        var g = RandomGenerator(seed: 5)
        let v = Tensor<Float>.normal(shape: [d], using: &g)
        let hessian = HessianOperator(objective)
        let ggn = GGNOperator(objective)
        let mcFisher = MonteCarloFisherOperator(objective, samples: 1, seed: 1)
        let empirical = EmpiricalFisherOperator(objective)

        /// Median seconds per call, and the spread (max − min) / median of the repetitions.
        func time(_ body: () -> Void) -> (median: Double, spread: Double) {
            body()  // warm-up, also of the buffer cache
            let once = Stopwatch.time(body)
            let inner = Stopwatch.innerCount(forCallSeconds: once, target: 0.1)
            var times: [Double] = []
            for _ in 0..<repetitions {
                watch.waitForHealthyMachine()
                times.append(Stopwatch.time { for _ in 0..<inner { body() } } / Double(inner))
            }
            times.sort()
            let median = times[times.count / 2]
            return (median, (times.last! - times.first!) / median * 100)
        }

        let base = time { _ = objective.lossAndGradient() }
        log("forward+backward: \(format(base.median * 1e3)) ms (d = \(d), batch 512, float32)")

        let cases: [(String, Double, String, () -> Void)] = [
            ("per-sample gradients", 5, "issue", { _ = objective.perSampleGradients() }),
            ("Hessian-vector product", 3, "issue", { _ = hessian.apply(v) }),
            ("GGN-vector product", 3, "issue", { _ = ggn.apply(v) }),
            ("Monte Carlo Fisher-vector product", 3, "issue", { _ = mcFisher.apply(v) }),
            ("empirical Fisher-vector product", 3, "issue", { _ = empirical.apply(v) }),
            ("K-FAC factors (expand, sampled δ)", 3, "ours", {
                _ = objective.kfacFactors(approximation: .expand, kind: .sampled(samples: 1, seed: 1))
            }),
            ("K-FAC factors (expand, empirical δ)", 3, "ours", {
                _ = objective.kfacFactors(approximation: .expand, kind: .empirical)
            }),
            ("top Hessian eigenvalue, Lanczos 20 steps", 30, "reference: PyHessian power iteration 20 steps", {
                _ = lanczosEigenpairs(of: hessian, count: 1, which: .largest, iterations: 20, tolerance: 0, seed: 1, computeVectors: false)
            }),
            ("Hessian trace, Hutchinson 20 probes", 60, "reference: 20 products at 3x", {
                _ = hutchinsonTrace(of: hessian, samples: 20, seed: 1)
            }),
        ]
        var rows: [Entry] = []
        var hvpMilliseconds = 0.0
        for (name, target, source, body) in cases {
            let t = time(body)
            let multiple = t.median / base.median
            var row = Entry(name: name, ms: t.median * 1e3, multiple_of_forward_backward: multiple, target_multiple: target,
                            target_source: source, pass: multiple <= target, spread_percent: t.spread)
            if name.hasPrefix("Hessian-vector") { hvpMilliseconds = row.ms }
            var extra = ""
            if name.contains("20 steps") || name.contains("20 probes") {
                row.overhead_beyond_products_ms = row.ms - 20 * hvpMilliseconds
                extra = " (\(format(row.overhead_beyond_products_ms!)) ms beyond its 20 products)"
            }
            if source.hasPrefix("reference") {
                // Not a target of the issue: a composite of 20 products, compared with what a peer
                // spends (power iteration has no reorthogonalization; Lanczos keeps a full basis).
                log("\(name): \(format(row.ms)) ms = \(format(multiple))× forward+backward (\(source) ≈ \(format(target))×)\(extra)")
            } else {
                log("\(name): \(format(row.ms)) ms = \(format(multiple))× forward+backward (target ≤ \(format(target))×, \(source)): \(row.pass ? "pass" : "FAIL")\(extra)")
            }
            rows.append(row)
        }
        return Report(
            model: "mlp 64-512-512-10 relu", batch: 512, dimension: d, precision: "float32", forward_backward_ms: base.median * 1e3,
            rows: rows,
            peers: ["backpack_per_sample_gradients": 23, "pytorch_double_backward_hvp": 1.5, "power_iteration_20_steps": 30],
            all_pass: rows.allSatisfy { $0.pass || $0.target_source.hasPrefix("reference") }, machine_retries: watch.retries, machine: MachineInfo.current())
    }
}

struct CurvatureBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curvature",
        abstract: "Curvature primitives on the MLP 64→512→512→10 (batch 512, float32) as multiples of one forward+backward.")

    @Flag(name: .long, help: "Write one JSON object to standard output (progress goes to standard error).")
    var json = false

    @Option(help: "Timed repetitions per row (the median is reported).")
    var repetitions = 7

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
    }

    func run() throws {
        warnIfDebugBuild()
        let bench = CurvatureBenchmark(repetitions: repetitions, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let report = try bench.run()
        if json {
            try printJSON(report)
        }
    }
}
