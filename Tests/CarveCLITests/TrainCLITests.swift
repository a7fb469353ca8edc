import Foundation
import Testing

/// `carve train` run as a process, on tiny runs written to a temporary directory.
@Suite("carve train")
struct TrainCLITests {
    /// A fresh directory for one test's files, removed afterwards.
    func withDirectory<R>(_ body: (String) throws -> R) rethrows -> R {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("carve-train-cli-\(UUID().uuidString)")
            .path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(dir)
    }

    func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// An MLP on one-hot modular addition mod 11: a fraction of a second for 20 steps.
    static let tinyRun = """
        {"model": {"kind": "mlp", "inputs": 22, "hidden": [16], "outputs": 11},
         "task": {"name": "modular-addition", "modulus": 11, "encoding": "one-hot"},
         "optimizer": {"kind": "adamW", "weightDecay": 0.1},
         "schedule": {"kind": "constant", "learningRate": 0.01},
         "steps": 20, "batchSize": 16, "evalEvery": 10, "targetAccuracy": null, "checkpointEvery": 10}
        """

    func resultLine(_ stdout: String) -> String {
        String(stdout.split(separator: "\n").first { $0.hasPrefix("result:") } ?? "")
    }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func trainsPrintsTheResultAndWritesMetrics() throws {
        try withDirectory { dir in
            let config = dir + "/run.json"
            let metrics = dir + "/metrics.jsonl"
            let weights = dir + "/weights.safetensors"
            write(Self.tinyRun, to: config)
            let r = try CarveProcess.run([
                "train", "--config", config, "--metrics", metrics, "--save-weights", weights, "--plain",
            ])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let result = resultLine(r.stdout)
            #expect(result.hasPrefix("result: 20 steps in "), "stdout: \(r.stdout)")
            #expect(result.contains("validation loss") && result.contains("validation accuracy"))
            #expect(r.stderr.contains("model: mlp"), "stderr: \(r.stderr)")
            #expect(r.stderr.contains("step 10:") && r.stderr.contains("step 20:"))

            let records = try jsonLines(metrics)
            #expect(
                records.filter { ["train", "eval"].contains($0["event"] as? String) }.map { $0["step"] as? Int }
                    == Array(1...20))
            #expect(records.filter { $0["event"] as? String == "eval" }.map { $0["step"] as? Int } == [10, 20])
            #expect(records.last?["event"] as? String == "stop")
            #expect(records.last?["reason"] as? String == "budget_exhausted")
            #expect(FileManager.default.fileExists(atPath: weights))
        }
    }

    /// `--monitor` turns the live monitors on inside the run: their readings land in the
    /// metrics file at their cadence and the result line reports their cost.
    @Test func monitorsRunInsideTrain() throws {
        try withDirectory { dir in
            let config = dir + "/run.json"
            let metrics = dir + "/metrics.jsonl"
            write(Self.tinyRun, to: config)
            let r = try CarveProcess.run([
                "train", "--config", config, "--metrics", metrics, "--quiet", "--monitor", "all@5,loss@2", "--probe-size", "8",
            ])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(resultLine(r.stdout).contains("; monitors "), "stdout: \(r.stdout)")
            let readings = try jsonLines(metrics).filter { $0["event"] as? String == "monitor" }
            #expect(readings.map { $0["step"] as? Int } == [2, 4, 5, 6, 8, 10, 12, 14, 15, 16, 18, 20])
            let full = try #require(readings.first { $0["step"] as? Int == 10 })
            for key in ["probe_loss", "grad_probe_norm", "fisher_erank", "friction_share", "id_twonn", "trajectory_snapshots"] {
                #expect(full[key] != nil, "\(key) missing from \(full.keys.sorted())")
            }
            #expect(full["fisher_samples"] as? Int == 8)
        }
    }

    @Test(arguments: [
        (["--monitor", "fishr"], "unknown monitor \"fishr\""), (["--monitor", "id@0"], "positive"),
        (["--monitor", "loss", "--probe-size", "1"], "probeSize"),
    ])
    func badMonitorFlagsGiveOneLine(arguments: [String], mention: String) throws {
        try withDirectory { dir in
            write(Self.tinyRun, to: dir + "/run.json")
            let r = try CarveProcess.run(["train", "--config", dir + "/run.json", "--quiet"] + arguments)
            #expect(r.status != 0)
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(mention), "stderr: \(r.stderr)")
        }
    }

    @Test func quietPrintsOnlyTheResult() throws {
        try withDirectory { dir in
            let config = dir + "/run.json"
            write(Self.tinyRun, to: config)
            let r = try CarveProcess.run(["train", "--config", config, "--steps", "5", "--quiet"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stderr.isEmpty, "stderr: \(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == 1)
            #expect(resultLine(r.stdout).hasPrefix("result: 5 steps"))
        }
    }

    @Test func checkpointThenResumeContinuesToTheLargerBudget() throws {
        try withDirectory { dir in
            let config = dir + "/run.json"
            let checkpoint = dir + "/run.ckpt.safetensors"
            let metrics = dir + "/metrics.jsonl"
            let resumedMetrics = dir + "/resumed.jsonl"
            write(Self.tinyRun, to: config)
            let first = try CarveProcess.run([
                "train", "--config", config, "--checkpoint", checkpoint, "--steps", "10", "--plain",
            ])
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(resultLine(first.stdout).hasPrefix("result: 10 steps"))

            let resumed = try CarveProcess.run([
                "train", "--resume", checkpoint, "--steps", "20", "--metrics", resumedMetrics, "--plain",
            ])
            #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
            #expect(resumed.stderr.contains("resumed from \(checkpoint) at step 10"), "stderr: \(resumed.stderr)")
            #expect(resultLine(resumed.stdout).hasPrefix("result: 20 steps"), "stdout: \(resumed.stdout)")
            let resumedSteps = try jsonLines(resumedMetrics).filter {
                ["train", "eval"].contains($0["event"] as? String)
            }
            #expect(resumedSteps.map { $0["step"] as? Int } == Array(11...20))

            // The resumed run ends exactly where an uninterrupted 20-step run ends.
            let whole = try CarveProcess.run(["train", "--config", config, "--metrics", metrics, "--plain"])
            #expect(whole.status == 0, "stderr: \(whole.stderr)")
            let wholeSteps = try jsonLines(metrics).filter { ["train", "eval"].contains($0["event"] as? String) }
            #expect(wholeSteps.count == 20)
            for (a, b) in zip(wholeSteps.suffix(10), resumedSteps) {
                #expect(a["step"] as? Int == b["step"] as? Int)
                #expect(a["loss"] as? Double == b["loss"] as? Double, "step \(a["step"] ?? "?")")
                #expect(a["grad_norm"] as? Double == b["grad_norm"] as? Double)
            }
            #expect(wholeSteps.last?["val_loss"] as? Double == resumedSteps.last?["val_loss"] as? Double)
        }
    }

    @Test func divergingRunExitsNonZeroNamingTheStepAndTheCheckpoint() throws {
        try withDirectory { dir in
            let config = dir + "/diverge.json"
            let checkpoint = dir + "/ckpt.safetensors"
            write(
                """
                {"model": {"kind": "mlp", "inputs": 20, "hidden": [], "outputs": 20},
                 "task": {"name": "reduced-rank", "trainCount": 64, "validationCount": 32},
                 "optimizer": {"kind": "sgd"}, "schedule": {"kind": "constant", "learningRate": 100},
                 "steps": 100, "batchSize": 16, "evalEvery": 3, "checkpointEvery": 2}
                """, to: config)
            let r = try CarveProcess.run(["train", "--config", config, "--checkpoint", checkpoint, "--quiet"])
            #expect(r.status != 0)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("training stopped at step "), "stderr: \(r.stderr)")
            #expect(r.stderr.contains(checkpoint), "stderr: \(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(FileManager.default.fileExists(atPath: checkpoint))
        }
    }

    /// Each case: arguments (`$DIR` is the test's directory, holding `run.json`, a valid tiny run,
    /// and `weights.safetensors`, a safetensors file that is not a checkpoint) and what the one
    /// line on standard error must mention.
    static let errorCases: [(arguments: [String], mentions: [String])] = [
        (["--task", "frobnicate"], ["--task", "frobnicate"]),
        (["--config", "$DIR/run.json", "--optimizer", "adamx"], ["--optimizer", "adamx"]),
        (["--config", "$DIR/run.json", "--steps=-5"], ["steps", "-5"]),
        (["--config", "$DIR/run.json", "--steps", "0"], ["steps", "0"]),
        (["--config", "$DIR/run.json", "--batch-size", "0"], ["batchSize"]),
        (["--config", "$DIR/run.json", "--learning-rate", "0"], ["--learning-rate"]),
        (["--config", "$DIR/missing.json"], ["$DIR/missing.json"]),
        (["--config", "$DIR/malformed.json"], ["$DIR/malformed.json"]),
        (["--config", "$DIR/unknown-field.json"], ["$DIR/unknown-field.json", "stepz"]),
        (["--config", "$DIR/bad-model.json"], ["$DIR/bad-model.json", "dModel"]),
        (["--config", "$DIR/run.json", "--model", "$DIR/missing-model.json"], ["$DIR/missing-model.json"]),
        (
            ["--config", "$DIR/run.json", "--train-data", "$DIR/none.npz", "--validation-data", "$DIR/none2.npz"],
            ["$DIR/none.npz"]
        ),
        (
            ["--config", "$DIR/run.json", "--train-data", "$DIR/data.txt", "--validation-data", "$DIR/data.txt"],
            ["$DIR/data.txt"]
        ),
        (["--config", "$DIR/run.json", "--train-data", "$DIR/train.npz"], ["--train-data", "--validation-data"]),
        (["--resume", "$DIR/weights.safetensors"], ["$DIR/weights.safetensors", "not a Carve checkpoint"]),
        (["--resume", "$DIR/run.json"], ["$DIR/run.json"]),
        (["--resume", "$DIR/missing.safetensors"], ["$DIR/missing.safetensors"]),
        (
            ["--config", "$DIR/run.json", "--quiet", "--metrics", "$DIR/no-such-dir/m.jsonl"],
            ["$DIR/no-such-dir/m.jsonl"]
        ),
    ]

    @Test(arguments: errorCases.indices)
    func errorGivesOneClearLineAndNonZeroExit(index: Int) throws {
        try withDirectory { dir in
            write(Self.tinyRun, to: dir + "/run.json")
            write(#"{"steps": 10, "model": {"kind": "mlp""#, to: dir + "/malformed.json")
            write(#"{"stepz": 10}"#, to: dir + "/unknown-field.json")
            write(
                #"{"model": {"kind": "gpt", "vocab": 9, "context": 4, "dModel": 0, "layers": 1, "heads": 1}}"#,
                to: dir + "/bad-model.json")
            write("1,2,3\n", to: dir + "/data.txt")
            // A valid safetensors file that is not a checkpoint: the weights of a finished run.
            let weights = try CarveProcess.run([
                "train", "--config", dir + "/run.json", "--steps", "1", "--quiet", "--save-weights",
                dir + "/weights.safetensors",
            ])
            #expect(weights.status == 0, "stderr: \(weights.stderr)")

            let (arguments, mentions) = Self.errorCases[index]
            let r = try CarveProcess.run(["train"] + arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir) })
            let shown = "carve train \(arguments.joined(separator: " ")) → status \(r.status), stderr: \(r.stderr)"
            #expect(r.status != 0, "\(shown)")
            let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.count == 1, "\(shown)")
            for m in mentions { #expect(r.stderr.contains(m.replacingOccurrences(of: "$DIR", with: dir)), "\(shown)") }
            for trace in ["Fatal error", "Stack dump", "backtrace", "Usage:"] {
                #expect(!r.stderr.contains(trace), "\(shown)")
            }
            #expect(r.stdout.isEmpty, "\(shown)")
        }
    }
}
