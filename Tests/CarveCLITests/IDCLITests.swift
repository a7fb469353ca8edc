import CarveIO
import Foundation
import TensorCore
import Testing

/// `carve id` run as a process on files written to a temporary directory.
@Suite("carve id")
struct IDCLITests {
    func withDirectory<R>(_ body: (String) throws -> R) rethrows -> R {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("carve-id-cli-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(dir)
    }

    /// n points uniform in the unit cube of a 3-dimensional subspace of ℝ^D: the first three
    /// columns of the Householder reflection I − 2vvᵀ/‖v‖² (orthonormal) times z ∈ [0, 1)³.
    static func subspaceCloud(count n: Int, ambient D: Int, seed: UInt64) -> Tensor<Float> {
        var g = RandomGenerator(seed: seed)
        let v = (0..<D).map { _ in g.nextStandardNormal() }
        let vv = v.reduce(0) { $0 + $1 * $1 }
        return Tensor(shape: [n, D]) { out in
            for i in 0..<n {
                let z = (0..<3).map { _ in g.nextUniform() }
                for a in 0..<D {
                    var x = 0.0
                    for c in 0..<3 { x += ((a == c ? 1 : 0) - 2 * v[a] * v[c] / vv) * z[c] }
                    out[i * D + a] = Float(x)
                }
            }
        }
    }

    func json(_ stdout: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
    }

    /// `--json` prints one object; a 3-dimensional cloud (n = 600 in ℝ¹²) gives TwoNN and MLE
    /// within 15% of 3 and exactly 3 principal components.
    @Test func pointsFileAsJSON() throws {
        try withDirectory { dir in
            let path = dir + "/cloud.npy"
            try NPY.write(Self.subspaceCloud(count: 600, ambient: 12, seed: 4), to: path)
            let r = try CarveProcess.run(["id", "--points", path, "--json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == 1)
            let object = try json(r.stdout)
            #expect(object["pointCount"] as? Int == 600 && object["ambientDimension"] as? Int == 12)
            let twoNN = try #require((object["twoNN"] as? [String: Any])?["dimension"] as? Double)
            let mle = try #require((object["mle"] as? [String: Any])?["dimension"] as? Double)
            #expect(abs(twoNN - 3) <= 0.45, "TwoNN \(twoNN)")
            #expect(abs(mle - 3) <= 0.45, "MLE \(mle)")
            #expect(object["pca90"] as? Int == 3 && object["pca99"] as? Int == 3)

            let human = try CarveProcess.run(["id", "--points", path, "--estimator", "pca", "--samples", "100"])
            #expect(human.status == 0, "stderr: \(human.stderr)")
            #expect(human.stdout.contains("points: 100 × 12") && human.stdout.contains("PCA    3 / 3 / 3 components"))
            #expect(!human.stdout.contains("TwoNN") && !human.stdout.contains("MLE"))
        }
    }

    /// A model's hidden layer: train a tiny MLP, then `carve id` on its hidden activations (the
    /// run config supplies the task and seed); an unknown layer name lists the available ones.
    @Test func modelLayerAndUnknownLayer() throws {
        try withDirectory { dir in
            let config = dir + "/run.json", weights = dir + "/w.safetensors"
            _ = FileManager.default.createFile(atPath: config, contents: Data(TrainCLITests.tinyRun.utf8))
            let train = try CarveProcess.run(["train", "--config", config, "--save-weights", weights, "--quiet"])
            #expect(train.status == 0, "stderr: \(train.stderr)")
            let r = try CarveProcess.run(["id", "--config", config, "--weights", weights, "--layer", "layers.0.act", "--k", "5-8", "--json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let object = try json(r.stdout)
            #expect(object["ambientDimension"] as? Int == 16 && object["layer"] as? String == "layers.0.act")
            #expect(((object["twoNN"] as? [String: Any])?["dimension"] as? Double).map { $0 > 0 && $0 < 16 } == true)

            // A checkpoint names its model and task: no --config needed, and the same points.
            let checkpoint = dir + "/c.safetensors"
            let again = try CarveProcess.run(["train", "--config", config, "--checkpoint", checkpoint, "--quiet"])
            #expect(again.status == 0, "stderr: \(again.stderr)")
            let fromCheckpoint = try CarveProcess.run(["id", "--weights", checkpoint, "--layer", "layers.0.act", "--k", "5-8", "--json"])
            #expect(fromCheckpoint.status == 0, "stderr: \(fromCheckpoint.stderr)")
            let same = try json(fromCheckpoint.stdout)
            #expect(same["pointCount"] as? Int == object["pointCount"] as? Int)
            #expect((same["twoNN"] as? [String: Any])?["dimension"] as? Double == (object["twoNN"] as? [String: Any])?["dimension"] as? Double)

            let unknown = try CarveProcess.run(["id", "--config", config, "--weights", weights, "--layer", "blocks.1"])
            #expect(unknown.status != 0)
            #expect(unknown.stderr == "error: no layer named 'blocks.1'; available: layers.0, layers.0.act, layers.1\n")
        }
    }

    /// Bad files and flags: one line on standard error naming the problem, non-zero exit.
    @Test func errorsAreOneLine() throws {
        try withDirectory { dir in
            let vector = dir + "/vector.npy", cloud = dir + "/cloud.npy"
            try NPY.write(Tensor<Double>([1, 2, 3, 4]), to: vector)
            try NPY.write(Self.subspaceCloud(count: 15, ambient: 4, seed: 1), to: cloud)
            let cases: [([String], String)] = [
                (["id", "--points", dir + "/missing.npy"], "missing.npy"),
                (["id", "--points", vector], "shape [4]; need a 2-D array"),
                (["id", "--points", cloud, "--k", "1-5"], "--k"),
                (["id", "--points", cloud, "--layer", "blocks.0"], "--layer applies to a model"),
                (["id", "--points", cloud], "need at least 21 distinct points, got 15"),
                (["id"], "give --points"),
            ]
            for (arguments, mentions) in cases {
                let r = try CarveProcess.run(arguments)
                #expect(r.status != 0, "\(arguments)")
                #expect(r.stderr.contains(mentions), "\(arguments): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            }
        }
    }
}
