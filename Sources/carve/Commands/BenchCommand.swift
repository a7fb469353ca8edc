import ArgumentParser
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Carve's performance (build with -c release; ./carve does).",
        subcommands: [CoreBench.self, TrainBench.self, MonitorsBench.self, CurvatureBench.self])
}

/// Benchmarks mean nothing in a debug build: say so on standard error.
func warnIfDebugBuild() {
    #if DEBUG
    FileHandle.standardError.write(Data("warning: debug build; numbers say nothing (use ./carve or -c release)\n".utf8))
    #endif
}

/// A benchmark report as one JSON object (sorted keys) on standard output.
func printJSON(_ report: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(report), as: UTF8.self))
}

struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Tensor core: matmul vs direct BLAS, elementwise bandwidth vs copy, autodiff tape overhead.")

    @Flag(name: .long, help: "Write one JSON object to standard output (progress goes to standard error).")
    var json = false

    @Flag(name: .long, help: "Smaller sizes, for a smoke run.")
    var quick = false

    func run() throws {
        var bench = CoreBenchmark(log: { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        })
        if quick {
            bench.sizes = [128, 256]
            bench.elementCounts = [1 << 16]
        }
        warnIfDebugBuild()
        let report = bench.run()
        if json {
            try printJSON(report)
        }
    }
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training steps of the MLP and the two GPTs of shared/bench/torch_train.py (float32).")

    @Flag(name: .long, help: "Write one JSON object to standard output (progress goes to standard error).")
    var json = false

    @Option(help: "Timed rounds (each runs every config for a chunk of steps).")
    var rounds = 5

    @Option(help: "Only these configs (comma-separated: mlp, gpt_d128_l2, gpt_d256_l4).")
    var only: String?

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
    }

    func run() throws {
        warnIfDebugBuild()
        let bench = TrainBenchmark(rounds: rounds, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let report = try bench.run(names: only.map { Set($0.split(separator: ",").map(String.init)) })
        if json {
            try printJSON(report)
        }
    }
}

struct MonitorsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitors",
        abstract: "Cost of the live monitors on the default tiny GPT run, as a share of training time (target ≤ 10%).")

    @Flag(name: .long, help: "Write one JSON object to standard output (progress goes to standard error).")
    var json = false

    @Option(help: "Steps of the training run with every monitor on.")
    var steps = 300

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    func run() throws {
        warnIfDebugBuild()
        let bench = MonitorBenchmark(steps: steps, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let report = try bench.run()
        if json {
            try printJSON(report)
        }
    }
}
