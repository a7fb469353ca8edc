import Autodiff
import Data
import Foundation
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct KFACFactorsTests {
    static let tolerance = Tolerance(absolute: 1e-12, relative: 1e-10)

    /// The softmax-regression Fisher of one input `a` in θ's order (W row-major, then b), from
    /// the closed form `F = (ã ãᵀ) ⊗ (diag π − ππᵀ)` written out entry by entry:
    /// `F[(o,i),(o',i')] = Λ[o,o'] ã_i ã_i'`.
    static func softmaxRegressionFisher(_ objective: Objective<Double>, input a: [Double]) -> (fisher: Tensor<Double>, lambda: [Double]) {
        let w = objective.parameters["layers.0.weight"]
        let (out, inCount) = (w.shape[0], w.shape[1])
        let hasBias = objective.names.contains("layers.0.bias")
        let b = hasBias ? objective.parameters["layers.0.bias"].scalars : [Double](repeating: 0, count: out)
        let logits = (0..<out).map { o in (0..<inCount).reduce(b[o]) { $0 + w.scalars[o * inCount + $1] * a[$1] } }
        let top = logits.max()!
        let z = logits.map { exp($0 - top) }
        let pi = z.map { $0 / z.reduce(0, +) }
        var lambda = [Double](repeating: 0, count: out * out)
        for o in 0..<out { for o2 in 0..<out { lambda[o * out + o2] = (o == o2 ? pi[o] : 0) - pi[o] * pi[o2] } }
        let augmented = hasBias ? a + [1] : a
        func coordinate(_ o: Int, _ i: Int) -> Int {
            i < inCount ? objective.range(of: "layers.0.weight").lowerBound + o * inCount + i : objective.range(of: "layers.0.bias").lowerBound + o
        }
        let d = objective.dimension
        var f = [Double](repeating: 0, count: d * d)
        for o in 0..<out { for i in augmented.indices { for o2 in 0..<out { for i2 in augmented.indices {
            f[coordinate(o, i) * d + coordinate(o2, i2)] = lambda[o * out + o2] * augmented[i] * augmented[i2]
        } } } }
        return (Tensor(shape: [d, d], scalars: f), lambda)
    }

    static func softmaxRegression(bias: Bool, inputs: Tensor<Double>, labels: [Int]) throws -> Objective<Double> {
        let model = try Model(.mlp(inputs: 4, hidden: [], outputs: 3, bias: bias))
        var parameters: ParameterStore<Double> = model.initialParameters(seed: 11)
        parameters.values = parameters.values.enumerated().map { i, t in t * 3 + testTensor(t.shape, seed: UInt64(40 + i)) }
        return Objective(model: model, parameters: parameters, batch: Batch(inputs: inputs, targets: .classes(labels, perExample: 1)))
    }

    /// One sample, exact δ: `A ⊗ G` is the sample's Fisher exactly, `A = ã ãᵀ`, `G = diag π − ππᵀ`.
    @Test(arguments: [true, false]) func softmaxRegressionOneSampleIsExact(bias: Bool) throws {
        let a = [0.7, -1.2, 0.4, 2.0]
        let objective = try Self.softmaxRegression(bias: bias, inputs: Tensor(shape: [1, 4], scalars: a), labels: [2])
        let factors = objective.kfacFactors(kind: .exact)
        #expect(factors.blocks.count == 1)
        let block = try #require(factors[layer: "layers.0"])
        #expect(block.includesBias == bias && block.parameterNames == (bias ? ["layers.0.weight", "layers.0.bias"] : ["layers.0.weight"]))
        let (fisher, lambda) = Self.softmaxRegressionFisher(objective, input: a)
        let augmented = bias ? a + [1] : a
        let p = augmented.count
        #expect(approximateMismatch(block.inputFactor, Tensor(shape: [p, p], scalars: augmented.flatMap { x in augmented.map { x * $0 } }), tolerance: Self.tolerance) == nil)
        #expect(approximateMismatch(block.gradientFactor, Tensor(shape: [3, 3], scalars: lambda), tolerance: Self.tolerance) == nil)
        let op = KFACOperator(factors, objective: objective)
        #expect(op.names == objective.names && op.dimension == objective.dimension)
        let m = approximateMismatch(op.dense(), fisher, tolerance: Self.tolerance)
        #expect(m == nil, "\(m ?? "")")
    }

    /// Samples sharing one input: the Fisher of `L` is that input's Fisher (whatever the labels),
    /// and K-FAC equals it.
    @Test func softmaxRegressionSharedInputIsExact() throws {
        let a = [-0.3, 0.9, 1.5, -0.8]
        let inputs = Tensor<Double>(shape: [5, 4], scalars: (0..<5).flatMap { _ in a })
        let objective = try Self.softmaxRegression(bias: true, inputs: inputs, labels: [0, 1, 2, 2, 1])
        let op = KFACOperator(objective.kfacFactors(approximation: .reduce, kind: .exact), objective: objective)
        let m = approximateMismatch(op.dense(), Self.softmaxRegressionFisher(objective, input: a).fisher, tolerance: Self.tolerance)
        #expect(m == nil, "\(m ?? "")")
    }

    /// The exact GGN `Jᵀ Λ J` of one sample (Λ = diag π − ππᵀ, J from one backward pass per
    /// class), restricted to the operator's coordinates and to its diagonal blocks.
    static func oneSampleGGNBlocks(_ objective: Objective<Double>, operator op: KFACOperator<Double>) -> Tensor<Double> {
        precondition(objective.batch.count == 1)
        let tape = Tape<Double>()
        let e = objective.evaluate(on: tape)
        let classes = e.outputs.shape[1]
        let rows = (0..<classes).map { c in
            objective.join(tape.gradients(of: e.outputs, withRespectTo: e.variables, seed: .oneHot(labels: [c], classCount: classes)))
        }
        let jacobian = stack(rows, alongAxis: 0)  // [C, d]
        let pi = e.outputs.value.softmax(alongAxis: -1).reshaped(to: [classes])
        let lambda = Tensor<Double>(shape: [classes, classes]) { m in
            for i in 0..<classes { for j in 0..<classes { m[i * classes + j] = (i == j ? pi.scalars[i] : 0) - pi.scalars[i] * pi.scalars[j] } }
        }
        let ggn = matmul(jacobian, matmul(lambda, jacobian), transposeA: true).scalars
        let d = objective.dimension
        // Operator coordinate → θ coordinate, and each operator coordinate's block.
        var theta: [Int] = [], blockOf: [Int] = []
        for (name, range) in zip(op.names, op.thetaRanges) {
            let block = op.factors.blocks.firstIndex { $0.parameterNames.contains(name) }!
            for c in range { theta.append(c); blockOf.append(block) }
        }
        let n = theta.count
        return Tensor(shape: [n, n]) { m in
            for i in 0..<n { for j in 0..<n { m[i * n + j] = blockOf[i] == blockOf[j] ? ggn[theta[i] * d + theta[j]] : 0 } }
        }
    }

    /// For one sample at one position K-FAC with exact δ is the exact GGN on every layer's
    /// diagonal block (`Σ_c (a ⊗ δ_c)(a ⊗ δ_c)ᵀ = (a aᵀ) ⊗ Σ_c δ_c δ_cᵀ`): hidden layers of an
    /// MLP, the fused Q/K/V projection (three row blocks), attention output, MLP and head of a GPT.
    @Test func oneSampleEqualsGGNBlocks() throws {
        var objectives = [try PerSampleFixtures.mlp(hidden: [5, 4], activation: .tanh, count: 1)]
        for ff in FeedForwardKind.allCases {
            objectives.append(try PerSampleFixtures.gpt(.init(norm: .layernorm, tie: false, perToken: false, feedForward: ff, length: 1), count: 1))
        }
        for objective in objectives {
            for approximation in KFACApproximation.allCases {
                let op = KFACOperator(objective.kfacFactors(approximation: approximation, kind: .exact), objective: objective)
                let expected = Self.oneSampleGGNBlocks(objective, operator: op)
                #expect(expected.abs().max().scalar > 1e-3)
                let m = approximateMismatch(op.dense(), expected, tolerance: Self.tolerance)
                #expect(m == nil, "\(objective.model.config.kind) \(approximation): \(m ?? "")")
            }
        }
    }

    /// Expand and reduce coincide when every layer sees one position (an MLP; a GPT on
    /// sequences of length 1).
    @Test func expandEqualsReduceForOnePosition() throws {
        let objectives = [
            try PerSampleFixtures.mlp(count: 7),
            try PerSampleFixtures.gpt(.init(norm: .rmsnorm, tie: true, perToken: true, length: 1), count: 4),
        ]
        for objective in objectives {
            for kind in [KFACFisherKind.exact, .empirical, .sampled(samples: 3, seed: 9)] {
                let expand = objective.kfacFactors(approximation: .expand, kind: kind)
                let reduce = objective.kfacFactors(approximation: .reduce, kind: kind)
                for (x, y) in zip(expand.blocks, reduce.blocks) {
                    #expect(x.layer == y.layer)
                    #expect(approximateMismatch(x.inputFactor, y.inputFactor, tolerance: Self.tolerance) == nil, "\(x.layer) A")
                    #expect(approximateMismatch(x.gradientFactor, y.gradientFactor, tolerance: Self.tolerance) == nil, "\(x.layer) G")
                }
            }
        }
    }

    /// With one label per example and one position the empirical δ of a layer is its per-sample
    /// bias gradient, so `G_emp = (1/N) Σ_n g_n^b g_n^bᵀ`; and `A = (1/N) Σ_n [x; 1][x; 1]ᵀ`
    /// for the first layer.
    @Test func empiricalMatchesPerSampleGradients() throws {
        let objective = try PerSampleFixtures.mlp(count: 9)
        let n = 9
        let factors = objective.kfacFactors(kind: .empirical)
        let perSample = objective.perSampleGradients()
        for block in factors.blocks {
            let g = perSample[block.bias!]  // [N, out]
            let expected = matmul(g, g, transposeA: true) / Double(n)
            #expect(approximateMismatch(block.gradientFactor, expected, tolerance: Self.tolerance) == nil, "\(block.layer)")
        }
        let x = concatenate([objective.batch.inputs, .ones(shape: [n, 1])], alongAxis: 1)
        #expect(approximateMismatch(factors.blocks[0].inputFactor, matmul(x, x, transposeA: true) / Double(n), tolerance: Self.tolerance) == nil)
    }

    /// Expand and reduce written out with loops for a GPT with one label per position (T = 4,
    /// N = 3), empirical δ = N √T ∂L/∂s read from tape hooks:
    /// expand `A = 1/(NT) Σ ã ãᵀ`, `G = 1/N Σ δ δᵀ`; reduce `A = 1/N Σ ā āᵀ` (ā the mean over
    /// positions), `G = 1/N Σ δ̄ δ̄ᵀ` (δ̄ the sum).
    @Test func expandAndReduceScalings() throws {
        let objective = try PerSampleFixtures.gpt(.init(norm: .layernorm, tie: false, perToken: true), count: 3)
        let (n, t) = (3, 4)
        let tape = Tape<Double>()
        let capture = LayerCapture<Double>()
        let e = objective.evaluate(on: tape, capture: capture)
        var deltas: [Int: Tensor<Double>] = [:]
        for (k, use) in capture.linears.enumerated() { tape.onCotangent(of: use.output) { deltas[k] = $0.value } }
        _ = tape.gradients(of: e.loss, withRespectTo: e.variables)
        for layer in ["blocks.0.attn.qkv", "blocks.1.attn.proj", "blocks.0.mlp.fc", "blocks.1.mlp.fc2", "head"] {
            let uses = capture.linears.indices.filter { capture.linears[$0].layer == layer }
            let input = capture.linears[uses[0]].input.value  // [N, T, in]
            let augmented = layer == "head" ? input : concatenate([input, .ones(shape: [n, t, 1])], alongAxis: 2)  // the head has no bias
            let p = augmented.shape[2]
            let aRows = augmented.scalars
            let delta = concatenate(uses.map { deltas[$0]! }, alongAxis: 2) * (Double(n) * Double(t).squareRoot())
            let out = delta.shape[2]
            let ds = delta.scalars
            var expandA = [Double](repeating: 0, count: p * p), reduceA = expandA
            var expandG = [Double](repeating: 0, count: out * out), reduceG = expandG
            for s in 0..<n {
                var meanA = [Double](repeating: 0, count: p), sumD = [Double](repeating: 0, count: out)
                for pos in 0..<t {
                    let row = (s * t + pos)
                    for i in 0..<p {
                        meanA[i] += aRows[row * p + i] / Double(t)
                        for j in 0..<p { expandA[i * p + j] += aRows[row * p + i] * aRows[row * p + j] / Double(n * t) }
                    }
                    for o in 0..<out {
                        sumD[o] += ds[row * out + o]
                        for o2 in 0..<out { expandG[o * out + o2] += ds[row * out + o] * ds[row * out + o2] / Double(n) }
                    }
                }
                for i in 0..<p { for j in 0..<p { reduceA[i * p + j] += meanA[i] * meanA[j] / Double(n) } }
                for o in 0..<out { for o2 in 0..<out { reduceG[o * out + o2] += sumD[o] * sumD[o2] / Double(n) } }
            }
            for (approximation, expectedA, expectedG) in [(KFACApproximation.expand, expandA, expandG), (.reduce, reduceA, reduceG)] {
                let block = try #require(objective.kfacFactors(approximation: approximation, kind: .empirical)[layer: layer])
                #expect(block.outputCount == out && (layer != "blocks.0.attn.qkv" || out == 24))
                #expect(approximateMismatch(block.inputFactor, Tensor(shape: [p, p], scalars: expectedA), tolerance: Self.tolerance) == nil, "\(layer) \(approximation) A")
                #expect(approximateMismatch(block.gradientFactor, Tensor(shape: [out, out], scalars: expectedG), tolerance: Self.tolerance) == nil, "\(layer) \(approximation) G")
            }
        }
    }

    /// A GPT head under one label per position (expand, exact δ): position t's logits feed only
    /// row t's loss, so `G = 1/(N T) Σ_rows (diag π − ππᵀ)` and `A = 1/(N T) Σ x xᵀ` (x the final
    /// norm's output), in closed form.
    @Test func gptHeadClosedForm() throws {
        let objective = try PerSampleFixtures.gpt(.init(norm: .rmsnorm, tie: false, perToken: true), count: 3)
        let capture = LayerCapture<Double>()
        let e = objective.evaluate(on: Tape<Double>(), capture: capture)
        let pi = e.outputs.value.softmax(alongAxis: -1)  // [N T, V]
        let rows = pi.shape[0]
        let x = capture.output(ofModule: "ln_f")!.value.reshaped(to: [rows, 8])
        var g = [Double](repeating: 0, count: 49)
        for r in 0..<rows { for i in 0..<7 { for j in 0..<7 {
            g[i * 7 + j] += (i == j ? pi.scalars[r * 7 + i] : 0) - pi.scalars[r * 7 + i] * pi.scalars[r * 7 + j]
        } } }
        let expectedG = Tensor(shape: [7, 7], scalars: g) / Double(rows)
        let head = try #require(objective.kfacFactors(approximation: .expand, kind: .exact)[layer: "head"])
        #expect(approximateMismatch(head.gradientFactor, expectedG, tolerance: Self.tolerance) == nil)
        #expect(approximateMismatch(head.inputFactor, matmul(x, x, transposeA: true) / Double(rows), tolerance: Self.tolerance) == nil)
    }

    /// Monte Carlo δ (labels drawn from the model) converges to the exact Fisher's G: the
    /// relative Frobenius error is small after many draws and shrinks as draws grow. Covers one
    /// label per example, one label per position (R = T rows per example, which the seeds'
    /// 1/√R must account for, and whose exact seeds must not mix the rows of one sequence) and
    /// squared error (Gaussian draws). (The GPT keeps its small initial weights: with large ones
    /// rare labels make the Monte Carlo estimate heavy-tailed and slow to settle.)
    @Test func sampledConvergesToExact() throws {
        let cases: [(String, Objective<Double>, Int)] = [
            ("mlp", try PerSampleFixtures.mlp(count: 16), 2000),
            ("gpt per token", try PerSampleFixtures.gpt(.init(norm: .layernorm, tie: true, perToken: true), count: 4, scale: 1), 1600),
            ("regression", try PerSampleFixtures.regression(count: 8), 2000),
        ]
        for (name, objective, draws) in cases {
            let exact = objective.kfacFactors(kind: .exact)
            func error(_ samples: Int) -> Double {
                let sampled = objective.kfacFactors(kind: .sampled(samples: samples, seed: 21))
                var worst = 0.0
                for (x, y) in zip(sampled.blocks, exact.blocks) {
                    #expect(x.inputFactor == y.inputFactor)
                    let diff = (x.gradientFactor - y.gradientFactor).squared().sum().scalar.squareRoot()
                    worst = max(worst, diff / y.gradientFactor.squared().sum().scalar.squareRoot())
                }
                return worst
            }
            let (coarse, fine) = (error(draws / 20), error(draws))
            print("KFAC sampled vs exact, \(name): relative error \(coarse) at \(draws / 20) draws, \(fine) at \(draws)")
            #expect(fine < 0.05, "\(name): \(fine)")
            #expect(fine < coarse / 2, "\(name): \(coarse) → \(fine)")
        }
    }

    /// The layers K-FAC covers in a GPT: every Linear (Q/K/V as one block of 3D rows, proj,
    /// fc/fc2 or w1/w2/w3, the head), none for embeddings and norms; a tied head is a block over
    /// `tok.weight`.
    @Test(arguments: [(false, FeedForwardKind.standard), (true, .standard), (false, .swiglu), (true, .swiglu)])
    func transformerBlocks(tie: Bool, feedForward: FeedForwardKind) throws {
        let objective = try PerSampleFixtures.gpt(.init(norm: .rmsnorm, tie: tie, perToken: true, feedForward: feedForward), count: 2)
        let factors = objective.kfacFactors(kind: .sampled(samples: 1, seed: 1))
        let mlp = feedForward == .standard ? ["fc", "fc2"] : ["w1", "w3", "w2"]
        let expectedLayers = (0..<2).flatMap { i in ["blocks.\(i).attn.qkv", "blocks.\(i).attn.proj"] + mlp.map { "blocks.\(i).mlp.\($0)" } } + [tie ? "tok" : "head"]
        #expect(Set(factors.blocks.map(\.layer)) == Set(expectedLayers) && factors.blocks.count == expectedLayers.count)
        let qkv = try #require(factors[layer: "blocks.0.attn.qkv"])
        #expect(qkv.gradientFactor.shape == [24, 24] && qkv.inputFactor.shape == [9, 9])
        #expect(qkv.parameterNames == ["blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias"])
        let head = try #require(factors[layer: tie ? "tok" : "head"])
        #expect(head.parameterNames == [tie ? "tok.weight" : "head.weight"] && head.gradientFactor.shape == [7, 7] && head.inputFactor.shape == [8, 8])
        if feedForward == .swiglu { #expect(!factors[layer: "blocks.1.mlp.w3"]!.includesBias) }
        let op = KFACOperator(factors, objective: objective)
        let covered = Set(factors.parameterNames)
        #expect(op.names == objective.names.filter { covered.contains($0) })
        #expect(!op.names.contains { $0.hasPrefix("pos") || $0.contains("ln") })
        #expect(op.dimension == op.names.reduce(0) { $0 + objective.parameters[$1].scalarCount })
    }

    /// A layer whose weight is left out of θ keeps a block over its bias (`A = [1]`).
    @Test func biasOnlyBlock() throws {
        let objective = try PerSampleFixtures.mlp(count: 5, names: ["layers.0.bias", "layers.1.weight"])
        let factors = objective.kfacFactors(kind: .exact)
        #expect(factors.blocks.map(\.parameterNames) == [["layers.0.bias"], ["layers.1.weight"]])
        #expect(factors.blocks[0].inputFactor == Tensor(shape: [1, 1], scalars: [1]))
        let full = try PerSampleFixtures.mlp(count: 5).kfacFactors(kind: .exact)
        #expect(approximateMismatch(factors.blocks[0].gradientFactor, full.blocks[0].gradientFactor, tolerance: Self.tolerance) == nil)
        #expect(approximateMismatch(factors.blocks[1].inputFactor, full.blocks[1].inputFactor.slice(0..<5, alongAxis: 0).slice(0..<5, alongAxis: 1), tolerance: Self.tolerance) == nil)
        #expect(approximateMismatch(factors.blocks[1].gradientFactor, full.blocks[1].gradientFactor, tolerance: Self.tolerance) == nil)
    }
}
