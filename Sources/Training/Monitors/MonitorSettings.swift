import Foundation

/// Which monitors a run turns on and how (the `monitors` object of a run config;
/// `carve train --monitor fisher,id@100`).
///
/// ```json
/// "monitors": {"enabled": ["fisher", "id@100"], "probeSize": 64, "representationProbeSize": 512, "layer": "blocks.1",
///              "fisherTop": 8, "trajectoryWindow": 20}
/// ```
/// A spec is a monitor name (``MonitorKind``), optionally `@N` for "every N steps" or `@logK` for
/// K readings per decade of steps (1, 2, 5, 10, 22, 46, 100, … for K = 3), otherwise its default
/// cadence; or `all`.
public struct MonitorSettings: Codable, Equatable, Sendable {
    /// Monitor specs: `name` or `name@N`.
    public var enabled: [String]
    /// Examples in the fixed probe batch (per-sample gradients: the Fisher's rank is at most this).
    public var probeSize: Int
    /// Examples whose representations the `id` monitor reads.
    public var representationProbeSize: Int
    /// The layer whose representations the `id` monitor reads; the last block (GPT) or last
    /// hidden activation (MLP) when `nil`.
    public var layer: String?
    /// How many of the Fisher's top eigenvalues the `fisher` monitor logs.
    public var fisherTop: Int
    /// Snapshots in the `trajectory` monitor's window.
    public var trajectoryWindow: Int

    public init(enabled: [String] = [], probeSize: Int = 64, representationProbeSize: Int = 512, layer: String? = nil,
                fisherTop: Int = 8, trajectoryWindow: Int = 20) {
        self.enabled = enabled
        self.probeSize = probeSize
        self.representationProbeSize = representationProbeSize
        self.layer = layer
        self.fisherTop = fisherTop
        self.trajectoryWindow = trajectoryWindow
    }

    enum CodingKeys: String, CodingKey { case enabled, probeSize, representationProbeSize, layer, fisherTop, trajectoryWindow }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MonitorSettings()
        enabled = try c.decodeIfPresent([String].self, forKey: .enabled) ?? d.enabled
        probeSize = try c.decodeIfPresent(Int.self, forKey: .probeSize) ?? d.probeSize
        representationProbeSize = try c.decodeIfPresent(Int.self, forKey: .representationProbeSize) ?? d.representationProbeSize
        layer = try c.decodeIfPresent(String.self, forKey: .layer)
        fisherTop = try c.decodeIfPresent(Int.self, forKey: .fisherTop) ?? d.fisherTop
        trajectoryWindow = try c.decodeIfPresent(Int.self, forKey: .trajectoryWindow) ?? d.trajectoryWindow
        _ = try specs()
    }

    /// The enabled monitors with their cadences, in ``MonitorKind`` order; throws on an unknown
    /// name or a bad cadence.
    public func specs() throws(TrainingError) -> [(kind: MonitorKind, cadence: MonitorCadence)] {
        var chosen: [MonitorKind: MonitorCadence] = [:]
        for raw in enabled {
            let spec = raw.trimmingCharacters(in: .whitespaces)
            if spec.isEmpty { continue }
            let parts = spec.split(separator: "@", omittingEmptySubsequences: false)
            let name = String(parts[0])
            var cadence: MonitorCadence? = nil
            if parts.count == 2 {
                let text = parts[1]
                if text.hasPrefix("log") {
                    guard let k = Int(text.dropFirst(3)), k > 0 else {
                        throw .invalidConfig(field: "monitors", reason: "\"\(spec)\": @logK needs a positive K (readings per decade)", file: nil)
                    }
                    cadence = .logarithmic(perDecade: k)
                } else {
                    guard let n = Int(text), n > 0 else {
                        throw .invalidConfig(field: "monitors", reason: "\"\(spec)\": the cadence after @ must be a positive step count or logK", file: nil)
                    }
                    cadence = .every(n)
                }
            } else if parts.count > 2 {
                throw .invalidConfig(field: "monitors", reason: "\"\(spec)\" is not name or name@N", file: nil)
            }
            if name == "all" {
                for k in MonitorKind.allCases { chosen[k] = cadence ?? k.defaultCadence }
                continue
            }
            guard let kind = MonitorKind(rawValue: name) else {
                throw .invalidConfig(
                    field: "monitors",
                    reason: "unknown monitor \"\(name)\" (known: \(MonitorKind.allCases.map(\.rawValue).joined(separator: ", ")), all)", file: nil)
            }
            chosen[kind] = cadence ?? kind.defaultCadence
        }
        if probeSize < 2 { throw .invalidConfig(field: "monitors.probeSize", reason: "must be at least 2, got \(probeSize)", file: nil) }
        if representationProbeSize < 4 {
            throw .invalidConfig(field: "monitors.representationProbeSize", reason: "must be at least 4, got \(representationProbeSize)", file: nil)
        }
        if fisherTop < 1 { throw .invalidConfig(field: "monitors.fisherTop", reason: "must be positive, got \(fisherTop)", file: nil) }
        if trajectoryWindow < 2 {
            throw .invalidConfig(field: "monitors.trajectoryWindow", reason: "must be at least 2, got \(trajectoryWindow)", file: nil)
        }
        return MonitorKind.allCases.compactMap { k in chosen[k].map { (k, $0) } }
    }
}
