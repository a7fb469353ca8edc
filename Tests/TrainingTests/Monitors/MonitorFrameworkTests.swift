import Foundation
import Testing
import Training

@Suite struct MonitorCadenceTests {
    @Test func everyNFiresOnMultiples() {
        let c = MonitorCadence.every(10)
        #expect((1...35).filter(c.fires(at:)) == [10, 20, 30])
    }

    /// Three per decade: round(10^(j/3)) = 1, 2, 5, 10, 22, 46, 100, …
    @Test func logarithmicFiresAtRoundedPowers() {
        let c = MonitorCadence.logarithmic(perDecade: 3)
        #expect((1...100).filter(c.fires(at:)) == [1, 2, 5, 10, 22, 46, 100])
    }

    @Test func explicitSteps() {
        let c = MonitorCadence.steps([3, 7])
        #expect((1...10).filter(c.fires(at:)) == [3, 7])
    }
}

@Suite struct MonitorSettingsTests {
    @Test func specsParseNamesCadencesAndAll() throws {
        var s = MonitorSettings(enabled: ["id@7", "loss"])
        let specs = try s.specs()
        #expect(specs.map(\.kind) == [.loss, .id])
        #expect(specs.map(\.cadence) == [MonitorKind.loss.defaultCadence, .every(7)])
        s.enabled = ["fisher@log3"]
        #expect(try s.specs().map(\.cadence) == [.logarithmic(perDecade: 3)])
        s.enabled = ["all@5"]
        #expect(try s.specs().map(\.kind) == MonitorKind.allCases)
        #expect(try s.specs().allSatisfy { $0.cadence == .every(5) })
    }

    @Test func badSpecsThrowNamingTheProblem() {
        for (spec, fragment) in [("fishr", "unknown monitor \"fishr\""), ("id@0", "positive"), ("id@x", "positive"), ("id@log0", "positive K"), ("a@1@2", "name@N")] {
            #expect {
                try MonitorSettings(enabled: [spec]).specs()
            } throws: { "\($0)".contains(fragment) }
        }
        #expect(throws: TrainingError.self) { try MonitorSettings(enabled: ["loss"], probeSize: 1).specs() }
    }

    @Test func runConfigCarriesMonitors() throws {
        var c = SmallRun.modularAdditionMLP()
        c.monitors = MonitorSettings(enabled: ["grad@3"], probeSize: 8)
        let decoded = try RunConfig.decode(Foundation.Data(c.json().utf8), path: nil)
        #expect(decoded == c)
        let bad = c.json().replacingOccurrences(of: "grad@3", with: "nope")
        #expect { try RunConfig.decode(Foundation.Data(bad.utf8), path: "run.json") } throws: { "\($0)".contains("nope") }
    }
}

@Suite struct MonitorRunTests {
    /// Monitors log at their cadence and never change the training numbers.
    @Test func monitorsLogAtTheirCadenceAndLeaveTrainingUnchanged() throws {
        var config = SmallRun.modularAdditionMLP(steps: 12, evalEvery: 6)
        let plain = try makeTrainer(config)
        let plainSummary = try runTraining(plain, outputs: RunOutputs(), progress: silentProgress(config))

        config.monitors = MonitorSettings(enabled: ["loss@3", "grad@4"], probeSize: 8)
        try withTemporaryDirectory { dir in
            let metrics = dir + "/m.jsonl"
            let monitored = try makeTrainer(config)
            let summary = try runTraining(monitored, outputs: RunOutputs(metrics: metrics), progress: silentProgress(config))
            #expect(summary.trainLoss.bitPattern == plainSummary.trainLoss.bitPattern)
            #expect(summary.validationLoss.bitPattern == plainSummary.validationLoss.bitPattern)
            #expect(summary.monitorSeconds > 0)

            let records = readText(metrics).split(separator: "\n").map {
                try! JSONSerialization.jsonObject(with: Foundation.Data($0.utf8)) as! [String: Any]
            }
            let monitorRecords = records.filter { $0["event"] as? String == "monitor" }
            #expect(monitorRecords.map { $0["step"] as! Int } == [3, 4, 6, 8, 9, 12])
            for r in monitorRecords {
                let step = r["step"] as! Int
                #expect((r["probe_loss"] != nil) == (step % 3 == 0))
                #expect((r["grad_probe_norm"] != nil) == (step % 4 == 0))
                #expect(r["monitor_seconds"] is Double)
                if step % 4 == 0 {
                    let layers = r["grad_layers"] as! [String]
                    let norms = r["grad_layer_norms"] as! [Double]
                    #expect(layers == ["layers.0", "layers.1"])
                    let total = (r["grad_probe_norm"] as! Double)
                    #expect(abs(norms.map { $0 * $0 }.reduce(0, +).squareRoot() - total) <= 1e-9 * total)
                }
            }
            let stop = records.last!
            #expect(stop["event"] as? String == "stop" && stop["monitor_share"] is Double)
        }
    }
}
