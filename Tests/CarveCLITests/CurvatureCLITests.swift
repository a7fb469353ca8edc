import CarveIO
import Foundation
import TensorCore
import Testing

/// `carve curvature` run as a process on a tiny MLP trained by `carve train` (one-hot modular
/// addition mod 11, MLP 22→8→11, d = 283), in Double.
@Suite("carve curvature")
struct CurvatureCLITests {
    /// The trained weights, shared by the tests (trained once per test process). Checkpoints,
    /// since they carry the run config and so the task (a --save-weights file names only the model).
    struct Fixture {
        var directory: String
        var weights: String
        /// An MLP 22→400→11 after one step: d = 13 611, above the dense limit of 8192.
        var largeWeights: String
    }

    static let run = """
        {"model": {"kind": "mlp", "inputs": 22, "hidden": [8], "outputs": 11},
         "task": {"name": "modular-addition", "modulus": 11, "encoding": "one-hot"},
         "optimizer": {"kind": "adamW", "weightDecay": 0.1},
         "schedule": {"kind": "constant", "learningRate": 0.01},
         "steps": 30, "batchSize": 16, "evalEvery": 30, "targetAccuracy": null}
        """

    static let fixture = Result { () throws -> Fixture in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("carve-curvature-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/run.json", contents: Data(run.utf8))
        _ = FileManager.default.createFile(
            atPath: dir + "/large.json", contents: Data(#"{"kind": "mlp", "inputs": 22, "hidden": [400], "outputs": 11}"#.utf8))
        let small = try CarveProcess.run(["train", "--config", dir + "/run.json", "--checkpoint", dir + "/w.safetensors", "--quiet"])
        guard small.status == 0 else { throw FixtureError(message: small.stderr) }
        let large = try CarveProcess.run([
            "train", "--config", dir + "/run.json", "--model", dir + "/large.json", "--steps", "1", "--checkpoint",
            dir + "/large.safetensors", "--quiet",
        ])
        guard large.status == 0 else { throw FixtureError(message: large.stderr) }
        return Fixture(directory: dir, weights: dir + "/w.safetensors", largeWeights: dir + "/large.safetensors")
    }

    struct FixtureError: Error { var message: String }

    func json(_ stdout: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
    }

    func curvature(_ arguments: [String]) throws -> [String: Any] {
        let f = try Self.fixture.get()
        let r = try CarveProcess.run(["curvature", "--weights", f.weights, "--samples", "48", "--json"] + arguments)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1)
        return try json(r.stdout)
    }

    func doubles(_ value: Any?) -> [Double] { (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? [] }

    func close(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    /// A user's data file instead of the task: the examples come from the CSV (22 features, the
    /// label last); a file that does not fit the model is one clear line.
    @Test func userDataFile() throws {
        let f = try Self.fixture.get()
        let csv = f.directory + "/user.csv"
        var rows: [String] = []
        for i in 0..<20 {
            var fields: [String] = []
            for j in 0..<22 { fields.append(String(sin(Double(22 * i + j)))) }
            fields.append(String(i % 11))
            rows.append(fields.joined(separator: ","))
        }
        _ = FileManager.default.createFile(atPath: csv, contents: Data((rows.joined(separator: "\n") + "\n").utf8))
        let r = try CarveProcess.run(["curvature", "--weights", f.weights, "--data", csv, "--exact", "--top", "3", "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let object = try json(r.stdout)
        #expect(object["examples"] as? Int == 20)
        #expect(doubles((object["eigenvalues"] as? [String: Any])?["top"]).count == 3)

        let narrow = f.directory + "/narrow.csv"
        _ = FileManager.default.createFile(atPath: narrow, contents: Data("0.5,0.25,1\n0.1,0.2,0\n".utf8))
        let bad = try CarveProcess.run(["curvature", "--weights", f.weights, "--data", narrow])
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("model.inputs"), "stderr: \(bad.stderr)")
    }

    /// `--compare`: the friction shift to another checkpoint of the same run. Against itself it
    /// is zero; against an earlier checkpoint its top eigenvalues are those `--exact` finds for
    /// that checkpoint, and its principal angles equal those computed here from the two dense
    /// matrices' top eigenvectors (LAPACK, then the SVD of U₁ᵀU₂).
    @Test func compareGivesTheFrictionShiftBetweenCheckpoints() throws {
        let f = try Self.fixture.get()
        let early = f.directory + "/early.safetensors"
        if !FileManager.default.fileExists(atPath: early) {
            let r = try CarveProcess.run(["train", "--config", f.directory + "/run.json", "--steps", "5", "--checkpoint", early, "--quiet"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        let same = try #require(try curvature(["--top", "3", "--compare", f.weights])["shift"] as? [String: Any])
        let sameShift = try #require(same["shift"] as? [String: Any])
        #expect((sameShift["totalVariation"] as? Double).map { $0 <= 1e-9 } == true)
        #expect(doubles(sameShift["principalAngles"]).allSatisfy { $0 <= 1e-6 })

        let k = 3
        let lateDense = f.directory + "/late-ggn.safetensors", earlyDense = f.directory + "/early-ggn.safetensors"
        let object = try curvature(["--top", "\(k)", "--compare", early, "--dense-out", lateDense])
        let shift = try #require(object["shift"] as? [String: Any])
        let r = try CarveProcess.run(["curvature", "--weights", early, "--samples", "48", "--json", "--exact", "--top", "\(k)", "--dense-out", earlyDense])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let earlyTop = doubles(((try json(r.stdout))["eigenvalues"] as? [String: Any])?["top"])
        let otherTop = doubles(shift["otherTop"])
        #expect(close(otherTop, earlyTop, 1e-6 * (earlyTop.first ?? 1)), "\(otherTop) vs \(earlyTop)")

        func topVectors(_ path: String) throws -> Tensor<Double> {
            let m = try #require(try Safetensors.read(path, as: Double.self)["curvature"])
            let d = m.shape[0]
            let vectors = try #require(m.symmetricEigendecomposition(range: (d - k)...(d - 1), computeVectors: true).vectors)
            return vectors
        }
        let overlap = matmul(try topVectors(lateDense), try topVectors(earlyDense), transposeA: true)
        let cosines = overlap.singularValueDecomposition(computeVectors: false).s.scalars.map { min(1, max(0, $0)) }
        let expected = cosines.map { acos($0) }.sorted()
        let reported = doubles((shift["shift"] as? [String: Any])?["principalAngles"]).sorted()
        #expect(close(reported, expected, 1e-4), "\(reported) vs \(expected)")
        #expect(reported.contains { $0 > 1e-3 })
    }

    /// `--exact` against the matrix of `--dense-out` read back and decomposed by LAPACK here: the
    /// top and bottom eigenvalues and the trace agree to 1e-9 · λ_max; the per-layer traces are
    /// the sums of the matrix's diagonal over each layer's coordinates (named in the file's
    /// metadata) and their shares sum to 1; the GGN is PSD, the Hessian of a trained net is not
    /// required to be. Lanczos without --exact finds the same top eigenvalues (1e-6 relative)
    /// and Hutch++ with 60 products lands within 5 standard errors of the exact trace.
    @Test(arguments: ["ggn", "hessian"])
    func exactSpectrumMatchesTheDenseMatrix(operatorName: String) throws {
        let f = try Self.fixture.get()
        let path = f.directory + "/\(operatorName).safetensors"
        let object = try curvature([
            "--operator", operatorName, "--exact", "--top", "5", "--bottom", "3", "--trace", "--per-layer", "--density",
            "--dense-out", path,
        ])
        let d = try #require(object["dimension"] as? Int)
        #expect(d == 22 * 8 + 8 + 8 * 11 + 11)
        #expect(object["examples"] as? Int == 48)
        let file = try Safetensors.read(path, as: Double.self)
        let matrix = try #require(file["curvature"])
        #expect(matrix.shape == [d, d])
        #expect(file.metadata["operator"] == operatorName)
        #expect(file.metadata["parameters"] == "layers.0.weight,layers.0.bias,layers.1.weight,layers.1.bias")

        let ascending = matrix.symmetricEigendecomposition(computeVectors: false).values.scalars
        let scale = ascending.map(abs).max() ?? 1
        let eigenvalues = try #require(object["eigenvalues"] as? [String: Any])
        #expect(eigenvalues["method"] as? String == "dense")
        let top = doubles(eigenvalues["top"]), bottom = doubles(eigenvalues["bottom"])
        #expect(close(top, Array(ascending.reversed().prefix(5)), 1e-9 * scale), "top \(top)")
        #expect(close(bottom, Array(ascending.prefix(3)), 1e-9 * scale), "bottom \(bottom)")
        #expect(doubles(eigenvalues["all"]).count == d)

        var diagonal = [Double](repeating: 0, count: d)
        for i in 0..<d { diagonal[i] = matrix.scalars[i * d + i] }
        let denseTrace = diagonal.reduce(0, +)
        let trace = try #require(object["trace"] as? [String: Any])
        #expect(abs((trace["estimate"] as? Double ?? .nan) - denseTrace) <= 1e-9 * max(1, abs(denseTrace)))
        #expect(trace["method"] as? String == "exact")
        if operatorName == "ggn" { #expect(ascending[0] >= -1e-10 * scale) }

        let field = try #require(object["perLayer"] as? [String: Any])
        let blocks = try #require(field["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["name"] as? String } == ["layers.0", "layers.1"])
        let shares = blocks.compactMap { $0["share"] as? Double }
        #expect(abs(shares.reduce(0, +) - 1) <= 1e-9)
        let layerRanges = [0..<(22 * 8 + 8), (22 * 8 + 8)..<d]
        for (block, range) in zip(blocks, layerRanges) {
            let blockTrace = diagonal[range].reduce(0, +)
            #expect(abs((block["trace"] as? Double ?? .nan) - blockTrace) <= 1e-9 * max(1, abs(denseTrace)))
            #expect(block["route"] as? String == "dense")
        }
        // The exact density has mass 1/d at every eigenvalue.
        let density = try #require(object["density"] as? [String: Any])
        let mass = (density["histogram"] as? [[String: Any]] ?? []).compactMap { $0["mass"] as? Double }.reduce(0, +)
        #expect(abs(mass - 1) <= 1e-9)

        // Iterative routes against the exact numbers.
        let iterative = try curvature(["--operator", operatorName, "--top", "3", "--trace", "--probes", "60"])
        let ritz = doubles((iterative["eigenvalues"] as? [String: Any])?["top"])
        #expect(close(ritz, Array(ascending.reversed().prefix(3)), 1e-6 * scale), "Lanczos \(ritz)")
        let estimate = try #require(iterative["trace"] as? [String: Any])
        let se = try #require(estimate["standardError"] as? Double)
        #expect(abs((estimate["estimate"] as? Double ?? .nan) - denseTrace) <= 5 * se + 1e-9 * abs(denseTrace),
                "Hutch++ \(estimate), exact \(denseTrace)")
    }

    /// The empirical Fisher's nonzero spectrum from the 48 × 48 Gram matrix equals the top of
    /// its dense spectrum (1e-9 · λ_max), and both traces agree.
    @Test func gramRouteMatchesTheDenseEmpiricalFisher() throws {
        let dense = try curvature(["--operator", "empirical-fisher", "--exact", "--top", "6", "--per-layer"])
        let gram = try curvature(["--operator", "efisher", "--gram", "--top", "6", "--per-layer"])
        let a = doubles((dense["eigenvalues"] as? [String: Any])?["top"])
        let b = doubles((gram["eigenvalues"] as? [String: Any])?["top"])
        let scale = a.first ?? 1
        #expect(a.count == 6 && close(a, b, 1e-9 * scale), "dense \(a), gram \(b)")
        #expect((gram["eigenvalues"] as? [String: Any])?["method"] as? String == "gram")
        let t1 = (dense["trace"] as? [String: Any])?["estimate"] as? Double ?? .nan
        let t2 = (gram["trace"] as? [String: Any])?["estimate"] as? Double ?? .nan
        #expect(abs(t1 - t2) <= 1e-9 * abs(t1))
        let traces = { (o: [String: Any]) in
            ((o["perLayer"] as? [String: Any])?["blocks"] as? [[String: Any]] ?? []).compactMap { $0["trace"] as? Double }
        }
        #expect(traces(dense).count == 2 && close(traces(dense), traces(gram), 1e-9 * abs(t1)))
    }

    /// K-FAC: the eigenvalues from the factors equal LAPACK's eigenvalues of the dense K-FAC
    /// matrix written by --dense-out; the trace is their sum; the per-layer traces (from each
    /// layer's factors) sum to it and their shares to 1.
    @Test func kfacRunsAndMatchesItsDenseMatrix() throws {
        let f = try Self.fixture.get()
        let path = f.directory + "/kfac.safetensors"
        let object = try curvature(["--operator", "kfac", "--top", "4", "--trace", "--per-layer", "--dense-out", path])
        #expect(object["operator"] as? String == "kfac")
        #expect((object["kfac"] as? [String: Any])?["fisher"] as? String == "exact")
        let matrix = try #require(try Safetensors.read(path, as: Double.self)["curvature"])
        let ascending = matrix.symmetricEigendecomposition(computeVectors: false).values.scalars
        let top = doubles((object["eigenvalues"] as? [String: Any])?["top"])
        #expect(close(top, Array(ascending.reversed().prefix(4)), 1e-9 * (ascending.last ?? 1)), "top \(top)")
        let trace = (object["trace"] as? [String: Any])?["estimate"] as? Double ?? .nan
        #expect(abs(trace - ascending.reduce(0, +)) <= 1e-9 * abs(trace))
        let blocks = (object["perLayer"] as? [String: Any])?["blocks"] as? [[String: Any]] ?? []
        #expect(blocks.count == 2)
        #expect(abs(blocks.compactMap { $0["share"] as? Double }.reduce(0, +) - 1) <= 1e-9)
        #expect(abs(blocks.compactMap { $0["trace"] as? Double }.reduce(0, +) - trace) <= 1e-9 * abs(trace))
    }

    /// The human-readable report: a table with the operator, eigenvalues, trace, per-layer rows and the cost.
    @Test func humanReadableReport() throws {
        let f = try Self.fixture.get()
        let r = try CarveProcess.run([
            "curvature", "--weights", f.weights, "--samples", "32", "--operator", "hessian", "--top", "3", "--trace", "--per-layer",
            "--density", "--probes", "6", "--steps", "10", "--parameters", "layers.1",
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for text in ["operator: Hessian", "d = 99 (layers.1.weight, layers.1.bias)", "top eigenvalues (lanczos", "trace:",
                     "spectral density (SLQ, 6 probes × 10 steps)", "per layer", "layers.1", "cost:"] {
            #expect(r.stdout.contains(text), "missing '\(text)' in:\n\(r.stdout)")
        }
        #expect(!r.stdout.contains("layers.0"))
    }

    @Test(arguments: [
        (["--weights", "/nonexistent/w.safetensors"], "/nonexistent/w.safetensors"),
        (["--operator", "curvy"], "--operator"),
        (["--parameters", "layers.7"], "--parameters"),
        (["--top", "0"], "--top"),
        (["--operator", "ggn", "--gram"], "--gram"),
        (["large", "--dense-out", "/tmp/never-written.safetensors"], "--dense-out"),
        (["large", "--exact"], "--exact"),
    ])
    func errorsGiveOneLineAndNonZeroExit(arguments: [String], mentions: String) throws {
        let f = try Self.fixture.get()
        var args = ["curvature", "--weights", arguments.first == "large" ? f.largeWeights : f.weights, "--samples", "16"]
        args += arguments.first == "large" ? Array(arguments.dropFirst()) : arguments
        let r = try CarveProcess.run(args)
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("error:") && r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(mentions), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
        #expect(r.stdout.isEmpty)
    }
}
