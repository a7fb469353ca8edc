import ArgumentParser
import CarveIO
import Data
import Foundation
import Geometry
import NN
import TensorCore
import Training

struct IDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Intrinsic dimension of a point cloud or of a model's hidden representations (TwoNN, MLE, PCA).",
        discussion: """
            Either --points cloud.npy (a 2-D array, one point per row), or a model: --weights (a --save-weights \
            file or a checkpoint, which name their model), optionally --config (a model config, or a run config whose \
            task and seed then supply the inputs), the inputs (--task or --data; otherwise the checkpoint's or the \
            default run's task; a built-in task's validation split is used) and --layer, the module whose outputs \
            become the points (layers.0, layers.0.act, … for an MLP; embedding, blocks.1, blocks.1.attn, blocks.1.mlp, \
            ln_f, head for a GPT). Exact duplicate points are dropped before the neighbour-based estimators.
            """)

    enum Estimator: String, ExpressibleByArgument, CaseIterable {
        case all, twonn, mle, pca
    }

    @Option(help: "A 2-D .npy file of points (float32 or float64), one point per row.") var points: String?
    @Option(name: [.customLong("config"), .customLong("model")], help: "Model config JSON file, or a run config JSON file.")
    var config: String?
    @Option(help: "Weights (safetensors, plain dotted names as written by train --save-weights).") var weights: String?
    @Option(help: "Built-in task whose validation inputs are used: \(BuiltinTask.names.joined(separator: ", ")).")
    var task: String?
    @Option(help: "Data file whose inputs are used (.npz, .safetensors, .csv).") var data: String?
    @Option(help: "Seed the built-in task is generated from (default: the run config's, else 0).") var seed: UInt64?
    @Option(help: "The module whose outputs are the points.") var layer: String?
    @Option(help: "For sequence outputs [B, T, D]: last, mean or all positions.") var position: RepresentationPosition = .last
    @Option(help: "Use only the first N points (or examples).") var samples: Int?
    @Option(help: "all, twonn, mle or pca.") var estimator: Estimator = .all
    @Option(help: "MLE neighbour range, k1-k2 or a single k.") var k: String = "10-20"
    @Option(name: .customLong("discard-fraction"), help: "TwoNN: fraction of the largest ratios censored.")
    var discardFraction: Double = 0.1
    @Option(help: "float or double (the model's forward pass).") var precision: RunConfig.Precision = .double
    @Flag(help: "Print one JSON object to standard output.") var json = false

    func run() throws {
        do {
            let options = try estimationOptions()
            switch (points, config ?? weights) {
            case let (path?, nil):
                for (flag, value) in [("--weights", weights), ("--task", task), ("--data", data), ("--layer", layer)] where value != nil {
                    throw ValidationError("\(flag) applies to a model (--config), not to --points")
                }
                try report(try estimate(try loadPoints(path), options), source: path)
            case (nil, _?):
                switch precision {
                case .float:
                    let (x, sequence) = try modelRepresentations(Float.self)
                    try report(try estimate(x, options), source: config ?? weights!, position: sequence ? position : nil)
                case .double:
                    let (x, sequence) = try modelRepresentations(Double.self)
                    try report(try estimate(x, options), source: config ?? weights!, position: sequence ? position : nil)
                }
            case (_?, _?):
                throw ValidationError("give either --points or a model (--weights, --config), not both")
            case (nil, nil):
                throw ValidationError("give --points cloud.npy, or a model: --weights (and --config, --task/--data) and --layer")
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            // One line, also for flag errors found here (no usage text).
            FileHandle.standardError.write(Foundation.Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    // MARK: Options

    func estimationOptions() throws -> IntrinsicDimensionOptions {
        let parts = k.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let k1 = parts.first!, let k2 = parts.last!, k1 >= 2, k2 >= k1 else {
            throw ValidationError("--k must be k1-k2 with 2 ≤ k1 ≤ k2, or a single k ≥ 2; got '\(k)'")
        }
        guard discardFraction >= 0 && discardFraction < 1 else {
            throw ValidationError("--discard-fraction must lie in [0, 1), got \(discardFraction)")
        }
        if let samples, samples < 2 { throw ValidationError("--samples must be at least 2, got \(samples)") }
        let estimators: Set<IntrinsicDimensionEstimator> =
            switch estimator {
            case .all: Set(IntrinsicDimensionEstimator.allCases)
            case .twonn: [.twoNN]
            case .mle: [.mle]
            case .pca: [.pca]
            }
        return IntrinsicDimensionOptions(estimators: estimators, discardFraction: discardFraction, neighborRange: k1...k2)
    }

    func firstSamples<S: TensorScalar>(_ x: Tensor<S>, what: String) throws -> Tensor<S> {
        guard let samples else { return x }
        guard samples <= x.shape[0] else {
            throw ValidationError("--samples \(samples) exceeds the \(x.shape[0]) \(what) available")
        }
        return x.slice(0..<samples, alongAxis: 0)
    }

    // MARK: Points from a file

    func loadPoints(_ path: String) throws -> Tensor<Double> {
        let array = try NPY.readArray(path)
        guard array.shape.count == 2 else {
            throw ValidationError("--points: \(path) holds an array of shape \(array.shape); need a 2-D array [points, dimensions]")
        }
        guard array.elementType == .float32 || array.elementType == .float64 else {
            throw ValidationError("--points: \(path) holds \(array.elementType) elements; need float32 or float64")
        }
        return try firstSamples(try array.tensor(as: Double.self), what: "points")
    }

    // MARK: Points from a model

    /// The points, and whether they come from a sequence model (where `--position` applies).
    func modelRepresentations<S: TensorScalar>(_: S.Type) throws -> (Tensor<S>, Bool) {
        guard let weights else { throw ValidationError("a model needs --weights") }
        guard let layer else { throw ValidationError("a model needs --layer (the module whose outputs are the points)") }
        if task != nil && data != nil { throw ValidationError("give either --task or --data, not both") }
        let (modelConfig, run) = try config.map(loadConfig) ?? (nil, nil)
        let file = try WeightsFile<S>(path: weights, modelConfig: modelConfig)
        let (model, parameters) = (file.model, file.parameters)
        // Inputs: --data, --task, the run config's task, the checkpoint's, else the default run's.
        let inputs = try firstSamples(
            try loadInputs(run: run ?? file.runConfig ?? .modularAdditionGPT, as: S.self), what: "examples")
        try checkInputs(inputs, fit: model.config)
        let points = try representations(model: model, parameters: parameters, inputs: inputs, layer: layer, position: position)
        return (points, model.config.kind == .gpt)
    }

    /// A model config, or a run config (recognized by its "model" key) with its model.
    func loadConfig(_ path: String) throws -> (ModelConfig?, RunConfig?) {
        let url = URL(fileURLWithPath: path)
        if let bytes = try? Foundation.Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any], object["model"] != nil
        {
            let run = try RunConfig.load(from: url)
            return (run.model, run)
        }
        return (try ModelConfig.load(from: url), nil)
    }

    func loadInputs<S: TensorScalar>(run: RunConfig?, as _: S.Type) throws -> Tensor<S> {
        if let data { return try Dataset<S>(loading: DataFile(path: data)).inputs }
        let seed = seed ?? run?.seed ?? 0
        if let task {
            let t: BuiltinTask
            do { t = try BuiltinTask(name: task) } catch { throw ValidationError("--task: \(error)") }
            return try t.makeSplits(seed: seed, as: S.self).validation.inputs
        }
        switch run?.data {
        case let .task(t)?: return try t.makeSplits(seed: seed, as: S.self).validation.inputs
        case let .files(_, validation)?: return try Dataset<S>(loading: DataFile(path: validation)).inputs
        case nil: throw ValidationError("--config holds a model config: give the inputs with --task or --data")
        }
    }

    /// The model's forward pass traps on inputs it cannot take; user data is checked first.
    func checkInputs<S: TensorScalar>(_ inputs: Tensor<S>, fit c: ModelConfig) throws {
        try Trainer<S>.checkInputs(inputs, fit: try Model(c))
    }

    // MARK: Estimation and output

    func estimate<S: TensorScalar>(_ points: Tensor<S>, _ options: IntrinsicDimensionOptions) throws -> IntrinsicDimensionEstimate {
        try intrinsicDimension(points: points, options: options)
    }

    struct Output: Encodable {
        var source: String
        var layer: String?
        var position: String?
        var estimate: IntrinsicDimensionEstimate
        enum Keys: String, CodingKey { case source, layer, position }

        func encode(to encoder: any Encoder) throws {
            try estimate.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(source, forKey: .source)
            try c.encodeIfPresent(layer, forKey: .layer)
            try c.encodeIfPresent(position, forKey: .position)
        }
    }

    func report(_ e: IntrinsicDimensionEstimate, source: String, position: RepresentationPosition? = nil) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let out = Output(source: source, layer: layer, position: position?.rawValue, estimate: e)
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
            return
        }
        func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
        var header = "points: \(e.pointCount) × \(e.ambientDimension) from \(source)"
        if let layer { header += " (layer \(layer)" + (position.map { ", position \($0.rawValue))" } ?? ")") }
        if let dup = e.duplicateCount, dup > 0 { header += "; \(dup) exact duplicates dropped" }
        print(header)
        if let t = e.twoNN {
            print(
                "TwoNN  \(f(t.dimension))   \(Int((t.confidenceLevel * 100).rounded()))% interval [\(f(t.lower)), \(f(t.upper))], "
                    + "standard error \(f(t.standardError)); largest \(f(t.discardFraction * 100, 0))% of ratios censored")
        }
        if let m = e.mle {
            let pooling = m.pooling == .inverseAverage ? "MacKay–Ghahramani" : "Levina–Bickel average"
            print("MLE    \(f(m.dimension))   k \(m.minimumK)–\(m.maximumK), \(pooling) pooling")
        }
        if let p90 = e.pca90, let p95 = e.pca95, let p99 = e.pca99, let ratios = e.explainedVarianceRatios {
            print("PCA    \(p90) / \(p95) / \(p99) components reach 90% / 95% / 99% of the variance")
            print("       leading explained-variance ratios: " + ratios.prefix(10).map { f($0, 4) }.joined(separator: " "))
        }
    }
}

extension RepresentationPosition: ExpressibleByArgument {}
