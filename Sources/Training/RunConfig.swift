import Data
import Foundation
import NN
import Optim

/// Everything a training run needs, as one JSON file (`carve train --config run.json`); command-line
/// flags override single fields. Schema and defaults in docs/training.md.
///
/// ```json
/// {"model": {"kind": "gpt", "vocab": 99, "context": 4, "dModel": 128, "layers": 2, "heads": 4},
///  "task": {"name": "modular-addition", "modulus": 97, "trainFraction": 0.5},
///  "optimizer": {"kind": "adamW", "weightDecay": 1.0},
///  "schedule": {"kind": "warmupCosine", "learningRate": 1e-3, "warmupSteps": 100, "totalSteps": 3000},
///  "steps": 3000, "batchSize": 512, "evalEvery": 100, "targetAccuracy": 0.99, "seed": 0}
/// ```
public struct RunConfig: Codable, Equatable, Sendable {
    /// Where the examples come from: a built-in task generated from the seed, or files.
    public enum DataSource: Codable, Equatable, Sendable {
        case task(BuiltinTask)
        /// Training and validation files (.npz, .npy pair, .safetensors or .csv; see docs/training.md).
        case files(train: String, validation: String)
    }

    public enum Precision: String, Codable, Sendable, CaseIterable {
        case float, double
    }

    public var model: ModelConfig
    public var data: DataSource
    public var optimizer: OptimizerConfiguration
    public var schedule: LearningRateSchedule
    /// The step budget.
    public var steps: Int
    public var batchSize: Int
    /// Evaluate on the validation split every this many steps (and at the end).
    public var evalEvery: Int
    /// Stop when validation accuracy reaches this (classification only).
    public var targetAccuracy: Double?
    /// Clip gradients to this global L2 norm.
    public var clipNorm: Double?
    public var labelSmoothing: Double
    /// Seeds the data, the initialization, the batch order and dropout.
    public var seed: UInt64
    /// Write a checkpoint every this many steps (and at the end) when a checkpoint path is set.
    public var checkpointEvery: Int
    public var precision: Precision
    /// Parameter-name prefixes to freeze.
    public var freeze: [String]
    /// Live monitors (none by default).
    public var monitors: MonitorSettings

    public init(model: ModelConfig, data: DataSource, optimizer: OptimizerConfiguration, schedule: LearningRateSchedule,
                steps: Int, batchSize: Int, evalEvery: Int = 100, targetAccuracy: Double? = nil, clipNorm: Double? = nil,
                labelSmoothing: Double = 0, seed: UInt64 = 0, checkpointEvery: Int = 1000, precision: Precision = .float,
                freeze: [String] = [], monitors: MonitorSettings = MonitorSettings()) {
        self.model = model; self.data = data; self.optimizer = optimizer; self.schedule = schedule
        self.steps = steps; self.batchSize = batchSize; self.evalEvery = evalEvery; self.targetAccuracy = targetAccuracy
        self.clipNorm = clipNorm; self.labelSmoothing = labelSmoothing; self.seed = seed
        self.checkpointEvery = checkpointEvery; self.precision = precision; self.freeze = freeze
        self.monitors = monitors
    }

    /// The built-in default: the tiny GPT on modular addition mod 97 (half the pairs for
    /// training), AdamW with weight decay 1, warmup, a 99% validation-accuracy target.
    public static let modularAdditionGPT = RunConfig(
        model: .gpt(vocab: 99, context: 4, dModel: 128, layers: 2, heads: 4),
        data: .task(.modularArithmetic(ModularArithmetic(operation: .addition, modulus: 97, trainFraction: 0.5, encoding: .tokens))),
        optimizer: .adamW(beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 1.0),
        schedule: .linearWarmup(learningRate: 1e-3, warmupSteps: 50),
        steps: 4000, batchSize: 512, evalEvery: 50, targetAccuracy: 0.99, seed: 0, checkpointEvery: 500)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, task, data, optimizer, schedule, steps, batchSize, evalEvery, targetAccuracy, clipNorm, labelSmoothing
        case seed, checkpointEvery, precision, freeze, monitors
    }

    struct FilesPair: Codable { var train: String; var validation: String }

    public init(from decoder: Decoder) throws {
        let any = try decoder.container(keyedBy: AnyCodingKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        for k in any.allKeys where !known.contains(k.stringValue) {
            throw TrainingError.invalidConfig(field: k.stringValue, reason: "unknown field", file: nil)
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RunConfig.modularAdditionGPT
        func field<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            do { return try c.decodeIfPresent(T.self, forKey: key) ?? fallback } catch let e as TrainingError { throw e } catch {
                throw TrainingError.invalidConfig(field: key.rawValue, reason: Self.describe(error), file: nil)
            }
        }
        model = try field(.model, d.model)
        if c.contains(.task) && c.contains(.data) {
            throw TrainingError.invalidConfig(field: "data", reason: "give either \"task\" or \"data\", not both", file: nil)
        }
        if c.contains(.data) {
            let f: FilesPair = try field(.data, FilesPair(train: "", validation: ""))
            data = .files(train: f.train, validation: f.validation)
        } else {
            data = .task(try field(.task, { if case let .task(t) = d.data { return t }; fatalError() }()))
        }
        optimizer = try field(.optimizer, d.optimizer)
        schedule = try field(.schedule, d.schedule)
        steps = try field(.steps, d.steps)
        batchSize = try field(.batchSize, d.batchSize)
        evalEvery = try field(.evalEvery, d.evalEvery)
        // An explicit null means "no target" (absent means the default's target).
        if c.contains(.targetAccuracy), try c.decodeNil(forKey: .targetAccuracy) {
            targetAccuracy = nil
        } else {
            targetAccuracy = try field(.targetAccuracy, d.targetAccuracy)
        }
        clipNorm = try field(.clipNorm, d.clipNorm)
        labelSmoothing = try field(.labelSmoothing, d.labelSmoothing)
        seed = try field(.seed, d.seed)
        checkpointEvery = try field(.checkpointEvery, d.checkpointEvery)
        precision = try field(.precision, d.precision)
        freeze = try field(.freeze, d.freeze)
        monitors = try field(.monitors, d.monitors)
        try validate()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        switch data {
        case let .task(t): try c.encode(t, forKey: .task)
        case let .files(train, validation): try c.encode(FilesPair(train: train, validation: validation), forKey: .data)
        }
        try c.encode(optimizer, forKey: .optimizer); try c.encode(schedule, forKey: .schedule)
        try c.encode(steps, forKey: .steps); try c.encode(batchSize, forKey: .batchSize); try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(targetAccuracy, forKey: .targetAccuracy); try c.encodeIfPresent(clipNorm, forKey: .clipNorm)
        try c.encode(labelSmoothing, forKey: .labelSmoothing); try c.encode(seed, forKey: .seed)
        try c.encode(checkpointEvery, forKey: .checkpointEvery); try c.encode(precision, forKey: .precision)
        try c.encode(freeze, forKey: .freeze)
        if monitors != MonitorSettings() { try c.encode(monitors, forKey: .monitors) }
    }

    static func describe(_ error: Error) -> String {
        if !(error is DecodingError) { return "\(error)" }
        switch error as? DecodingError {
        case let .typeMismatch(t, _)?: return "expected \(t)"
        case let .valueNotFound(t, _)?: return "expected \(t), found null"
        case let .keyNotFound(k, _)?: return "missing field \"\(k.stringValue)\""
        case let .dataCorrupted(ctx)?: return ctx.debugDescription
        default: return "\(error)"
        }
    }

    /// Checks the run-level fields (the model, task, optimizer and schedule validate themselves).
    public func validate() throws(TrainingError) {
        func positive(_ v: Int, _ f: String) throws(TrainingError) {
            if v <= 0 { throw .invalidConfig(field: f, reason: "must be a positive integer, got \(v)", file: nil) }
        }
        try positive(steps, "steps")
        try positive(batchSize, "batchSize")
        try positive(evalEvery, "evalEvery")
        try positive(checkpointEvery, "checkpointEvery")
        if let t = targetAccuracy, !(t > 0 && t <= 1) {
            throw .invalidConfig(field: "targetAccuracy", reason: "must be in (0, 1], got \(t)", file: nil)
        }
        if let c = clipNorm, !(c > 0 && c.isFinite) {
            throw .invalidConfig(field: "clipNorm", reason: "must be a positive number, got \(c)", file: nil)
        }
        if !(labelSmoothing >= 0 && labelSmoothing <= 1) {
            throw .invalidConfig(field: "labelSmoothing", reason: "must be in [0, 1], got \(labelSmoothing)", file: nil)
        }
        _ = try monitors.specs()
    }

    /// Reads a run config file.
    public static func load(from url: URL) throws(TrainingError) -> RunConfig {
        let bytes: Foundation.Data
        do { bytes = try Foundation.Data(contentsOf: url) } catch {
            throw .cannotRead(path: url.path, reason: error.localizedDescription)
        }
        return try decode(bytes, path: url.path)
    }

    public static func decode(_ bytes: Foundation.Data, path: String?) throws(TrainingError) -> RunConfig {
        do {
            return try JSONDecoder().decode(RunConfig.self, from: bytes)
        } catch let TrainingError.invalidConfig(field, reason, nil) {
            throw .invalidConfig(field: field, reason: reason, file: path)
        } catch let e as TrainingError {
            throw e
        } catch {
            throw .invalidConfig(field: "(file)", reason: "not a valid run config: \(describe(error))", file: path)
        }
    }

    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Foundation.Data(), as: UTF8.self)
    }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
