import Data
import Foundation
import Geometry
import NN
import TensorCore
import Testing
import Training

@Suite struct GeometryMonitorTests {
    func records(_ path: String) -> [[String: Any]] {
        readText(path).split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Foundation.Data($0.utf8)) as! [String: Any]
        }
    }

    /// Every monitor logs at its cadence inside a GPT run, the readings obey the identities that
    /// tie them together, and training is unchanged by them.
    @Test func allMonitorsRunInsideTrainingAndAgreeWithEachOther() throws {
        var config = SmallRun.modularAdditionGPT(steps: 12, evalEvery: 6)
        let plain = try makeTrainer(config)
        let plainSummary = try runTraining(plain, outputs: RunOutputs(), progress: silentProgress(config))
        config.monitors = MonitorSettings(enabled: ["all@4"], probeSize: 16, representationProbeSize: 40, fisherTop: 5, trajectoryWindow: 3)
        try withTemporaryDirectory { dir in
            let metrics = dir + "/m.jsonl"
            let monitored = try makeTrainer(config)
            let summary = try runTraining(monitored, outputs: RunOutputs(metrics: metrics), progress: silentProgress(config))
            #expect(summary.trainLoss.bitPattern == plainSummary.trainLoss.bitPattern)
            let readings = records(metrics).filter { $0["event"] as? String == "monitor" }
            #expect(readings.map { $0["step"] as! Int } == [4, 8, 12])
            for (i, r) in readings.enumerated() {
                for kind in MonitorKind.allCases { #expect(r["\(kind.rawValue)_seconds"] is Double, "\(kind)") }
                // Fisher: 16 per-sample gradients bound the rank; the trace is the sum of the
                // layer traces (the blocks partition θ), and λ_max of the whole is at least
                // every block's (Cauchy interlacing).
                #expect(r["fisher_samples"] as? Int == 16)
                let top = r["fisher_top"] as! [Double]
                #expect(top.count == 5 && zip(top, top.dropFirst()).allSatisfy { $0 >= $1 })
                let erank = r["fisher_erank"] as! Double
                #expect(erank >= 1 && erank <= 16)
                let traces = r["friction_trace"] as! [Double]
                let trace = r["fisher_trace"] as! Double
                #expect(abs(traces.reduce(0, +) - trace) <= 1e-4 * trace)
                #expect((r["friction_lambda_max"] as! [Double]).allSatisfy { $0 <= top[0] * (1 + 1e-4) })
                #expect(abs((r["friction_share"] as! [Double]).reduce(0, +) - 1) <= 1e-6)
                #expect((r["friction_layers"] as! [String]).first == "tok")
                #expect((r["friction_shift_tv"] != nil) == (i > 0), "\(r.keys.sorted())")
                #expect(r["id_points"] as? Int == Swift.min(40, monitored.splits.train.count))
                #expect((r["id_twonn"] as? Double).map { $0 > 0 } == true)
                #expect(r["id_collapse"] is Bool && r["fisher_plateau"] is Bool)
                #expect(r["trajectory_snapshots"] as? Int == Swift.min(i + 1, 3))
                if i > 0 { #expect((r["trajectory_components"] as! Int) <= i) }
            }
        }
    }

    /// The Fisher monitor's eigenvalues are those of `c · F_emp` at the labels it drew, with
    /// F_emp from the empirical-Fisher operator (JVP/VJP products, not per-sample gradients),
    /// decomposed densely: the same draws, computed another way.
    @Test func fisherReadingEqualsDenseEmpiricalFisherAtTheDrawnLabels() throws {
        let model = try Model(.mlp(inputs: 4, hidden: [5], outputs: 3, activation: .tanh))
        var g = RandomGenerator(seed: 4)
        let x = Tensor<Double>.normal(shape: [30, 4], using: &g)
        let train = Dataset(inputs: x, targets: .classes((0..<30).map { $0 % 3 }, perExample: 1), kind: .classification(classes: 3))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 9)
        let settings = MonitorSettings(enabled: ["fisher@1"], probeSize: 10, fisherTop: 6)
        let seed: UInt64 = 17
        let set = try MonitorSet<Double>(settings: settings, model: model, train: train, seed: seed)
        let step = 7
        let record = set.observe(step: step, model: model, parameters: parameters, trainable: parameters.names, stepLoss: 0)!
        guard case let .doubles(top)? = record["fisher_top"], case let .double(trace)? = record["fisher_trace"] else {
            Issue.record("no fisher readings in \(record.jsonLine)"); return
        }
        let objective = Objective(model: model, parameters: parameters, batch: set.probe)
        let (sampled, scale) = objective.withSampledTargets(seed: labelSeed(seed: seed, step: step))
        let dense = EmpiricalFisherOperator(sampled).dense() * scale
        let values = dense.symmetricEigendecomposition(computeVectors: false).values.scalars.reversed().map { $0 }
        for (a, b) in zip(top, values.prefix(6)) { #expect(abs(a - b) <= 1e-9 * values[0], "\(top) vs \(values.prefix(6))") }
        let denseTrace = (0..<dense.shape[0]).reduce(0.0) { $0 + dense.scalars[$1 * dense.shape[0] + $1] }
        #expect(abs(trace - denseTrace) <= 1e-9 * denseTrace)
    }
}
