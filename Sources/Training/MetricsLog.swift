import Foundation

/// One line of the metrics log: a JSON object per logged step.
///
/// Keys (all optional except `step` and `event`), documented in docs/training.md:
/// `event` ("train" | "eval" | "checkpoint" | "stop"), `step`, `epoch`, `loss`, `accuracy`,
/// `val_loss`, `val_accuracy`, `learning_rate`, `grad_norm`, `steps_per_second`, `elapsed_seconds`,
/// and, on `stop`, `reason` and `steps_to_target`.
public struct MetricsRecord: Sendable {
    public var fields: [(key: String, value: MetricValue)]

    public init(event: String, step: Int) {
        fields = [("event", .string(event)), ("step", .int(step))]
    }

    public mutating func set(_ key: String, _ value: MetricValue) {
        if let i = fields.firstIndex(where: { $0.key == key }) { fields[i].value = value } else { fields.append((key, value)) }
    }

    public subscript(key: String) -> MetricValue? {
        fields.first { $0.key == key }?.value
    }

    /// The record as one line of JSON, keys in insertion order.
    public var jsonLine: String {
        "{" + fields.map { "\(jsonString($0.key)):\($0.value.json)" }.joined(separator: ",") + "}"
    }
}

/// A value in a metrics record.
public enum MetricValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    /// A list of numbers (top eigenvalues, per-layer values), non-finite entries as null.
    case doubles([Double])
    /// A list of names (the layers a list of numbers refers to).
    case strings([String])

    var json: String {
        switch self {
        case let .int(i): return String(i)
        // JSON has no NaN or infinity: write them as null so every line parses.
        case let .double(d): return d.isFinite ? "\(d)" : "null"
        case let .string(s): return jsonString(s)
        case let .bool(b): return b ? "true" : "false"
        case let .doubles(a): return "[" + a.map { MetricValue.double($0).json }.joined(separator: ",") + "]"
        case let .strings(a): return "[" + a.map(jsonString).joined(separator: ",") + "]"
        }
    }
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// Appends metrics records to a JSON Lines file, flushing each line so a crash loses nothing logged.
public final class MetricsLog {
    private let handle: FileHandle?
    public let url: URL?

    /// Opens `url` for appending (creating it), or logs nowhere when `url` is nil.
    public init(url: URL?, truncate: Bool) throws(TrainingError) {
        self.url = url
        guard let url else {
            handle = nil
            return
        }
        let fm = FileManager.default
        if truncate || !fm.fileExists(atPath: url.path) {
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw .cannotWrite(path: url.path, reason: "cannot create the metrics file")
            }
        }
        do {
            let h = try FileHandle(forWritingTo: url)
            try h.seekToEnd()
            handle = h
        } catch {
            throw .cannotWrite(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    public func write(_ record: MetricsRecord) {
        guard let handle else { return }
        handle.write(Data((record.jsonLine + "\n").utf8))
    }

    deinit { try? handle?.close() }
}
