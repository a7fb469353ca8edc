import Autodiff
import NN
import TensorCore
import TestSupport
import Testing

/// The ready models: derivatives of their loss, loss and gradients against the plain-loop
/// reference forward (Reference), causality, and parameter names and shapes.
@Suite("Models")
struct ModelTests {
    // MARK: Derivative checks of the whole loss

    func checkModel(
        _ config: ModelConfig, inputs: Tensor<Double>, labels: [Int], labelsPerExample: Int, seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let model = try Model(config)
        let store: ParameterStore<Double> = model.initialParameters(seed: seed)
        let p = randomized(store.named, seed: seed)
        let names = p.map(\.name)
        let f: ([Variable<Double>]) -> Variable<Double> = modelLoss(
            model, names: names, inputs: inputs, labels: labels, labelsPerExample: labelsPerExample)
        let ff: ([Variable<Float>]) -> Variable<Float> = modelLoss(
            model, names: names, inputs: inputs, labels: labels, labelsPerExample: labelsPerExample)
        checkCompositeDerivatives(f, float: ff, at: p.map(\.tensor), sourceLocation: sourceLocation)
    }

    @Test func mlpLossDerivatives() throws {
        let config = ModelConfig.mlp(inputs: 3, hidden: [5, 4], outputs: 3, activation: .gelu)
        try checkModel(
            config, inputs: testTensor([4, 3], seed: 40), labels: [0, 2, 1, 2], labelsPerExample: 1, seed: 41)
    }

    @Test(arguments: [1, 3])
    func gptLossDerivatives(labelsPerExample: Int) throws {
        // Two blocks, tied head: the token embedding gets gradient from both ends.
        let config = ModelConfig.gpt(vocab: 5, context: 4, dModel: 4, layers: 2, heads: 2, mlpRatio: 2, tie: true)
        let labels = labelsPerExample == 1 ? [2, 4] : [1, 2, 3, 4, 0, 0]
        try checkModel(
            config, inputs: tokenIDs([[0, 1, 4], [3, 3, 2]]), labels: labels, labelsPerExample: labelsPerExample,
            seed: 42)
    }

    @Test func gptVariantLossDerivatives() throws {
        // RMSNorm, SwiGLU, no biases, untied.
        let config = ModelConfig.gpt(
            vocab: 5, context: 3, dModel: 4, layers: 1, heads: 2, mlpRatio: 2, norm: .rmsnorm, mlp: .swiglu, bias: false
        )
        try checkModel(
            config, inputs: tokenIDs([[0, 1, 4], [3, 3, 2]]), labels: [1, 2, 3, 4, 0, 0], labelsPerExample: 3, seed: 43)
    }

    @Test func gptHessianVectorProductMatchesDifferenceOfGradients() throws {
        // Forward-over-reverse through every layer (what the geometry layer relies on), against
        // central differences of reverse-mode gradients along the same direction.
        let model = try Model(.gpt(vocab: 5, context: 3, dModel: 4, layers: 1, heads: 2, mlpRatio: 2))
        let store: ParameterStore<Double> = model.initialParameters(seed: 44)
        let p = randomized(store.named, seed: 45)
        let names = p.map(\.name)
        let xs = p.map(\.tensor)
        let vs = xs.enumerated().map { testTensor($0.element.shape, seed: 500 + UInt64($0.offset)) as Tensor<Double> }
        let f: ([Variable<Double>]) -> Variable<Double> = modelLoss(
            model, names: names, inputs: tokenIDs([[0, 1, 4], [3, 3, 2]]), labels: [1, 2, 3, 4, 0, 0],
            labelsPerExample: 3)
        let (_, _, hv) = gradientAndHessianVectorProduct(of: f, at: xs, direction: vs)
        let h = 1e-5
        let gp = gradient(at: zip(xs, vs).map { $0 + $1 * h }, of: f)
        let gm = gradient(at: zip(xs, vs).map { $0 - $1 * h }, of: f)
        for k in xs.indices {
            let fd = (gp[k] - gm[k]) / (2 * h)
            if let m = approximateMismatch(hv[k], fd, tolerance: Tolerance(absolute: 1e-7, relative: 1e-5)) {
                Issue.record("Hv of \(names[k]): \(m)")
            }
        }
    }

    // MARK: Against the independent reference

    /// Carve's loss and gradients (autodiff) against the plain-loop forward and its central
    /// differences, for the same parameters.
    func compareWithReference(
        model: Model, parameters: [(name: String, tensor: Tensor<Double>)], inputs: Tensor<Double>, labels: [Int],
        labelsPerExample: Int, referenceLoss: (Reference.Parameters) -> Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let tensors = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor) })
        let (loss, grads) = valueWithGradient(at: tensors) { v in
            var none: RandomGenerator? = nil
            let outputs = model(inputs, Bindings(v), dropout: &none)
            return softmaxCrossEntropy(
                logits: model.classLogits(outputs, labelsPerExample: labelsPerExample), labels: labels)
        }
        let reference = tensors.mapValues(\.scalars)
        let expectedLoss = referenceLoss(reference)
        #expect(
            abs(loss - expectedLoss) <= 1e-12 * max(1, abs(expectedLoss)), "loss \(loss) vs reference \(expectedLoss)",
            sourceLocation: sourceLocation)
        let fd = Reference.finiteDifferenceGradient(reference, loss: referenceLoss)
        for (name, expected) in fd {
            let g = grads[name]!
            let e = Tensor(shape: g.shape, scalars: expected)
            if let m = approximateMismatch(g, e, tolerance: Tolerance(absolute: 1e-8, relative: 1e-6)) {
                Issue.record(
                    "gradient of \(name) vs finite differences of the reference: \(m)", sourceLocation: sourceLocation)
            }
        }
        // The finite differences are not all ~0 (the comparison could not pass vacuously).
        #expect(fd.values.contains { $0.contains { abs($0) > 1e-3 } }, sourceLocation: sourceLocation)
    }

    @Test func mlpLossAndGradientsMatchReference() throws {
        let model = try Model(.mlp(inputs: 3, hidden: [4], outputs: 3, activation: .gelu))
        let store: ParameterStore<Double> = model.initialParameters(seed: 50)
        let p = randomized(store.named, seed: 51, in: -1..<1)
        #expect(p.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        let x: Tensor<Double> = testTensor([5, 3], seed: 52, in: -2..<2)
        let labels = [0, 2, 1, 1, 0]
        let rows = (0..<5).map { Array(x.scalars[($0 * 3)..<($0 * 3 + 3)]) }
        // The logits themselves first.
        let logits = model(x, parameters: ParameterStore(p))
        let expected = Reference.mlp(
            Dictionary(uniqueKeysWithValues: p.map { ($0.name, $0.tensor.scalars) }), widths: [3, 4, 3], x: rows)
        #expect(isApproximatelyEqual(logits, Tensor(expected), tolerance: Tolerance(absolute: 1e-13)))
        compareWithReference(model: model, parameters: p, inputs: x, labels: labels, labelsPerExample: 1) { q in
            Reference.crossEntropy(Reference.mlp(q, widths: [3, 4, 3], x: rows), labels: labels)
        }
    }

    @Test(arguments: [1, 3])
    func gptLossAndGradientsMatchReference(labelsPerExample: Int) throws {
        let model = try Model(.gpt(vocab: 5, context: 3, dModel: 4, layers: 1, heads: 2, tie: false))
        let sizes = Reference.GPTSizes(vocab: 5, dModel: 4, heads: 2, hidden: 16, layers: 1)
        let store: ParameterStore<Double> = model.initialParameters(seed: 60)
        let p = randomized(store.named, seed: 61, in: -1..<1)
        let ids = [[0, 1, 4], [3, 3, 2]]
        let labels = labelsPerExample == 1 ? [3, 0] : [1, 4, 2, 4, 0, 3]
        // Logits at every position.
        let logits = model(tokenIDs(ids), parameters: ParameterStore(p))
        let expected = Reference.gpt(
            Dictionary(uniqueKeysWithValues: p.map { ($0.name, $0.tensor.scalars) }), sizes: sizes, ids: ids)
        #expect(
            isApproximatelyEqual(
                logits, Tensor(shape: [2, 3, 5], scalars: expected.flatMap { $0.flatMap { $0 } }),
                tolerance: Tolerance(absolute: 1e-12)))
        compareWithReference(
            model: model, parameters: p, inputs: tokenIDs(ids), labels: labels, labelsPerExample: labelsPerExample
        ) { q in
            let z = Reference.gpt(q, sizes: sizes, ids: ids)
            let rows = labelsPerExample == 1 ? z.map { $0.last! } : z.flatMap { $0 }
            return Reference.crossEntropy(rows, labels: labels)
        }
    }

    // MARK: Causality

    @Test func gptLogitsAtEarlierPositionsIgnoreLaterTokens() throws {
        let model = try Model(.gpt(vocab: 7, context: 5, dModel: 8, layers: 2, heads: 2))
        let p: ParameterStore<Double> = model.initialParameters(seed: 70)
        let a = model(tokenIDs([[1, 2, 3, 4, 5], [6, 0, 1, 2, 3]]), parameters: p)
        for position in 0..<5 {
            // Change every token from `position` on; logits before it must not move.
            let b = model(
                tokenIDs(
                    [[1, 2, 3, 4, 5], [6, 0, 1, 2, 3]].map { row in
                        row.enumerated().map { $0.offset >= position ? ($0.element + 3) % 7 : $0.element }
                    }), parameters: p)
            var worstBefore = 0.0
            var changedAt = 0.0
            for s in 0..<2 {
                for t in 0..<5 {
                    for v in 0..<7 {
                        let i = (s * 5 + t) * 7 + v
                        if t < position { worstBefore = max(worstBefore, abs(a.scalars[i] - b.scalars[i])) }
                        if t == position { changedAt = max(changedAt, abs(a.scalars[i] - b.scalars[i])) }
                    }
                }
            }
            #expect(worstBefore <= 1e-12, "position \(position)")
            #expect(changedAt > 1e-6, "position \(position): the changed token has no effect")
        }
    }

    // MARK: Parameter names and shapes

    func namesAndShapes(_ config: ModelConfig) throws -> [String] {
        let store: ParameterStore<Float> = try Model(config).initialParameters(seed: 0)
        return store.named.map { "\($0.name) \($0.tensor.shape)" }
    }

    /// One block's parameters as docs/models.md lists them (d = 8, hidden = 32 = 4d).
    func block(_ i: Int, norm: NormKind = .layernorm, swiglu: Bool = false, bias: Bool = true) -> [String] {
        let b = "blocks.\(i)."
        func ln(_ n: String) -> [String] { [b + n + ".weight [8]"] + (norm == .layernorm ? [b + n + ".bias [8]"] : []) }
        var out = ln("ln1") + [b + "attn.qkv.weight [24, 8]"] + (bias ? [b + "attn.qkv.bias [24]"] : [])
        out += [b + "attn.proj.weight [8, 8]"] + (bias ? [b + "attn.proj.bias [8]"] : []) + ln("ln2")
        if swiglu {
            out += [b + "mlp.w1.weight [32, 8]", b + "mlp.w2.weight [8, 32]", b + "mlp.w3.weight [32, 8]"]
        } else {
            out += [b + "mlp.fc.weight [32, 8]"] + (bias ? [b + "mlp.fc.bias [32]"] : [])
            out += [b + "mlp.fc2.weight [8, 32]"] + (bias ? [b + "mlp.fc2.bias [8]"] : [])
        }
        return out
    }

    @Test func gptUntiedParameterNames() throws {
        let names = try namesAndShapes(.gpt(vocab: 11, context: 6, dModel: 8, layers: 2, heads: 2))
        #expect(
            names == ["tok.weight [11, 8]", "pos.weight [6, 8]"] + block(0) + block(1)
                + ["ln_f.weight [8]", "ln_f.bias [8]", "head.weight [11, 8]"])
        #expect(names.count == 2 + 2 * 12 + 3)
    }

    @Test func gptExactListForOneBlock() throws {
        // Written out in full once, as in docs/models.md.
        let names = try namesAndShapes(.gpt(vocab: 11, context: 6, dModel: 8, layers: 1, heads: 2))
        #expect(
            names == [
                "tok.weight [11, 8]", "pos.weight [6, 8]",
                "blocks.0.ln1.weight [8]", "blocks.0.ln1.bias [8]",
                "blocks.0.attn.qkv.weight [24, 8]", "blocks.0.attn.qkv.bias [24]",
                "blocks.0.attn.proj.weight [8, 8]", "blocks.0.attn.proj.bias [8]",
                "blocks.0.ln2.weight [8]", "blocks.0.ln2.bias [8]",
                "blocks.0.mlp.fc.weight [32, 8]", "blocks.0.mlp.fc.bias [32]",
                "blocks.0.mlp.fc2.weight [8, 32]", "blocks.0.mlp.fc2.bias [8]",
                "ln_f.weight [8]", "ln_f.bias [8]", "head.weight [11, 8]",
            ])
    }

    @Test func gptTiedHasNoHead() throws {
        let names = try namesAndShapes(.gpt(vocab: 11, context: 6, dModel: 8, layers: 2, heads: 2, tie: true))
        #expect(
            names == ["tok.weight [11, 8]", "pos.weight [6, 8]"] + block(0) + block(1) + [
                "ln_f.weight [8]", "ln_f.bias [8]",
            ])
    }

    @Test func gptSwiGLUParameterNames() throws {
        let names = try namesAndShapes(.gpt(vocab: 11, context: 6, dModel: 8, layers: 2, heads: 2, mlp: .swiglu))
        #expect(
            names == ["tok.weight [11, 8]", "pos.weight [6, 8]"] + block(0, swiglu: true) + block(1, swiglu: true)
                + ["ln_f.weight [8]", "ln_f.bias [8]", "head.weight [11, 8]"])
    }

    @Test func gptRMSNormParameterNames() throws {
        let names = try namesAndShapes(.gpt(vocab: 11, context: 6, dModel: 8, layers: 2, heads: 2, norm: .rmsnorm))
        #expect(
            names == ["tok.weight [11, 8]", "pos.weight [6, 8]"] + block(0, norm: .rmsnorm) + block(1, norm: .rmsnorm)
                + ["ln_f.weight [8]", "head.weight [11, 8]"])
    }

    @Test func gptWithoutBiasParameterNames() throws {
        // bias: false removes the Linear biases; LayerNorm keeps its bias.
        let names = try namesAndShapes(.gpt(vocab: 11, context: 6, dModel: 8, layers: 2, heads: 2, bias: false))
        #expect(
            names == ["tok.weight [11, 8]", "pos.weight [6, 8]"] + block(0, bias: false) + block(1, bias: false)
                + ["ln_f.weight [8]", "ln_f.bias [8]", "head.weight [11, 8]"])
    }

    @Test func gptMLPRatioSetsHiddenWidth() throws {
        let names = try namesAndShapes(.gpt(vocab: 3, context: 2, dModel: 8, layers: 1, heads: 1, mlpRatio: 2))
        #expect(names.contains("blocks.0.mlp.fc.weight [16, 8]"))
        #expect(names.contains("blocks.0.mlp.fc2.weight [8, 16]"))
    }

    @Test func mlpParameterNames() throws {
        #expect(
            try namesAndShapes(.mlp(inputs: 40, hidden: [16, 8], outputs: 10)) == [
                "layers.0.weight [16, 40]", "layers.0.bias [16]", "layers.1.weight [8, 16]", "layers.1.bias [8]",
                "layers.2.weight [10, 8]", "layers.2.bias [10]",
            ])
        #expect(try namesAndShapes(.mlp(inputs: 4, hidden: [], outputs: 2, bias: false)) == ["layers.0.weight [2, 4]"])
    }

    // MARK: Shapes and labels

    /// Attention runs one packed [Q K V] projection without a capture and three recorded block
    /// projections with one: the loss and every gradient agree, and each recorded qkv use's output
    /// is x W_rowsᵀ + b_rows of its input.
    @Test func gptWithAndWithoutCaptureAgree() throws {
        let gpt = try Model(.gpt(vocab: 7, context: 5, dModel: 8, layers: 2, heads: 2))
        let p: ParameterStore<Double> = gpt.initialParameters(seed: 3)
        let ids = tokenIDs([[1, 2, 3, 6, 0], [0, 4, 4, 5, 2]])
        let labels = [2, 3, 6, 0, 1, 4, 4, 5, 2, 6]
        let tensors = Dictionary(uniqueKeysWithValues: zip(p.names, p.values).map { ($0, $1) })
        func run(_ capture: LayerCapture<Double>?) -> (Double, [String: Tensor<Double>]) {
            valueWithGradient(at: tensors) { v in
                var none: RandomGenerator? = nil
                var b = Bindings(v)
                b.capture = capture
                return softmaxCrossEntropy(logits: gpt.classLogits(gpt(ids, b, dropout: &none), labelsPerExample: 5), labels: labels)
            }
        }
        let capture = LayerCapture<Double>()
        let (plain, gPlain) = run(nil)
        let (captured, gCaptured) = run(capture)
        #expect(abs(plain - captured) <= 1e-14)
        for (name, g) in gPlain { #expect(approximateMismatch(g, gCaptured[name]!, tolerance: .init(absolute: 1e-14)) == nil, "\(name)") }
        let qkv = capture.linears.filter { $0.layer == "blocks.0.attn.qkv" }
        #expect(qkv.map(\.rows) == [0..<8, 8..<16, 16..<24])
        for use in qkv {
            let w = tensors["blocks.0.attn.qkv.weight"]!.slice(use.rows, alongAxis: 0)
            let b = tensors["blocks.0.attn.qkv.bias"]!.slice(use.rows, alongAxis: 0)
            let expected = matmul(use.input.value, w, transposeB: true) + b
            #expect(use.output.shape == [2, 5, 8] && approximateMismatch(use.output.value, expected, tolerance: .init(absolute: 1e-14)) == nil)
        }
    }

    @Test func outputShapesAndClassLogits() throws {
        let gpt = try Model(.gpt(vocab: 5, context: 4, dModel: 4, layers: 1, heads: 2))
        let p: ParameterStore<Double> = gpt.initialParameters(seed: 1)
        var none: RandomGenerator? = nil
        let out = gpt(tokenIDs([[1, 2, 3], [0, 4, 4]]), Bindings(constants: p), dropout: &none)
        #expect(out.shape == [2, 3, 5])
        #expect(gpt.outputCount == 5)
        let last = gpt.classLogits(out, labelsPerExample: 1).value
        #expect(last.shape == [2, 5])
        for s in 0..<2 { for v in 0..<5 { #expect(last.scalars[s * 5 + v] == out.value.scalars[(s * 3 + 2) * 5 + v]) } }
        #expect(gpt.classLogits(out, labelsPerExample: 3).value == out.value.reshaped(to: [6, 5]))
        let mlp = try Model(.mlp(inputs: 3, hidden: [4], outputs: 2))
        let q: ParameterStore<Double> = mlp.initialParameters(seed: 1)
        let y = mlp(testTensor([7, 3], seed: 2), parameters: q)
        #expect(y.shape == [7, 2])
        #expect(mlp.outputCount == 2)
    }

    @Test func classificationLossCountsCorrectPredictions() {
        let logits = Variable<Double>(Tensor([[2, 1, 0], [0, 0, 5], [1, 3, 2]]))
        let (loss, correct) = classificationLoss(logits: logits, labels: [0, 1, 1])
        #expect(correct == 2)
        let expected = Reference.crossEntropy([[2, 1, 0], [0, 0, 5], [1, 3, 2]], labels: [0, 1, 1])
        #expect(abs(loss.value.scalar - expected) <= 1e-14)
    }

    @Test func contextOverflowTraps() async {
        await #expect(processExitsWith: .failure) {
            let gpt = try! Model(.gpt(vocab: 5, context: 2, dModel: 4, layers: 1, heads: 2))
            let p: ParameterStore<Double> = gpt.initialParameters(seed: 1)
            _ = gpt(tokenIDs([[1, 2, 3]]), parameters: p)
        }
    }
}
