import Autodiff
import Data
import NN
import TensorCore

/// The training loss of a model on a fixed batch as a function of the selected parameters,
/// `L(θ) = −(1/n) Σ_i log p(y_i | x_i, θ)` with `θ ∈ ℝ^d` (THEORY.md §0).
///
/// θ is the concatenation of the selected parameters, flattened in the order of ``names`` (the
/// order of ``NN/ParameterStore/flattened(names:)``); the other parameters are held fixed at
/// their values in ``parameters``. Every curvature operator is built over an objective.
///
/// The loss is the one training uses (``batchLoss(model:outputs:targets:labelSmoothing:)``):
/// mean softmax cross-entropy over the `n` labelled rows for class targets, mean squared error
/// over all output entries for real targets.
public struct Objective<Scalar: TensorScalar> {
    public let model: Model
    public let parameters: ParameterStore<Scalar>
    public let batch: Batch<Scalar>
    /// The parameters that make up θ, in the store's order (whatever order they were asked in).
    public let names: [String]
    /// Each selected parameter's coordinates inside θ.
    public let ranges: [Range<Int>]

    /// - Parameters:
    ///   - names: the parameters that make up θ; all trainable (unfrozen) ones when `nil`.
    public init(model: Model, parameters: ParameterStore<Scalar>, batch: Batch<Scalar>, names: [String]? = nil) {
        let requested = names ?? parameters.trainableNames
        for name in requested {
            precondition(parameters.contains(name), "Objective: no parameter named \(name)")
        }
        let chosen = Set(requested)
        let selected = parameters.names.filter { chosen.contains($0) }  // store order, as flattened(names:)
        precondition(!selected.isEmpty, "Objective: no parameters selected")
        var offset = 0
        var ranges: [Range<Int>] = []
        for name in selected {
            let n = parameters[name].scalarCount
            ranges.append(offset..<(offset + n))
            offset += n
        }
        self.model = model
        self.parameters = parameters
        self.batch = batch
        self.names = selected
        self.ranges = ranges
    }

    /// The dimension `d` of θ.
    public var dimension: Int { ranges.last?.upperBound ?? 0 }

    /// θ at the current parameters, `[d]`.
    public var theta: Tensor<Scalar> { parameters.flattened(names: names) }

    /// The coordinates of the parameter `name` inside θ.
    public func range(of name: String) -> Range<Int> {
        guard let i = names.firstIndex(of: name) else { preconditionFailure("Objective: \(name) is not part of θ") }
        return ranges[i]
    }

    /// A `[d]` vector cut into one tensor per selected parameter, each in its parameter's shape.
    public func split(_ v: Tensor<Scalar>) -> [Tensor<Scalar>] {
        precondition(v.rank == 1 && v.scalarCount == dimension, "Objective.split: vector \(v.shape) is not [\(dimension)]")
        return zip(names, ranges).map { name, r in v.slice(r, alongAxis: 0).reshaped(to: parameters[name].shape) }
    }

    /// Per-parameter tensors (in ``names`` order) joined into one `[d]` vector.
    public func join(_ blocks: [Tensor<Scalar>]) -> Tensor<Scalar> {
        precondition(blocks.count == names.count, "Objective.join: \(blocks.count) blocks for \(names.count) parameters")
        return concatenate(blocks.map { $0.flattened() }, alongAxis: 0)
    }

    /// The same loss on another batch.
    public func with(batch: Batch<Scalar>) -> Objective {
        Objective(model: model, parameters: parameters, batch: batch, names: names)
    }

    /// The same batch at other values of θ (a `[d]` vector).
    public func at(theta: Tensor<Scalar>) -> Objective {
        var moved = parameters
        moved.assignFlattened(theta, names: names)
        return Objective(model: model, parameters: moved, batch: batch, names: names)
    }

    /// One forward pass recorded on `tape`.
    public struct Evaluation {
        /// θ's parameters as tracked variables, in ``Objective/names`` order.
        public var variables: [Variable<Scalar>]
        /// The outputs the loss reads: logits `[n, classes]` for class targets (one row per
        /// label), predictions in the model's output shape for real targets.
        public var outputs: Variable<Scalar>
        /// The scalar loss `L`.
        public var loss: Variable<Scalar>
        /// The number of correct argmax predictions (class targets).
        public var correct: Int?
    }

    /// The forward pass on `tape` with θ's parameters tracked (carrying forward-mode `tangents`,
    /// one per parameter, when given), the rest constant, no dropout; layers record into
    /// `capture` when it is given.
    public func evaluate(on tape: Tape<Scalar>, tangents: [Tensor<Scalar>]? = nil, capture: LayerCapture<Scalar>? = nil) -> Evaluation {
        if let tangents {
            precondition(tangents.count == names.count, "Objective.evaluate: \(tangents.count) tangents for \(names.count) parameters")
        }
        var bound: [String: Variable<Scalar>] = [:]
        for (name, value) in zip(parameters.names, parameters.values) { bound[name] = Variable(value) }
        var variables: [Variable<Scalar>] = []
        for (i, name) in names.enumerated() {
            let v = tape.variable(parameters[name], tangent: tangents?[i])
            bound[name] = v
            variables.append(v)
        }
        var bindings = Bindings(bound)
        bindings.capture = capture
        var none: RandomGenerator? = nil
        let raw = model(batch.inputs, bindings, dropout: &none)
        let outputs = labelledOutputs(model: model, outputs: raw, targets: batch.targets)
        let (loss, correct) = lossOfLabelledOutputs(outputs, targets: batch.targets)
        return Evaluation(variables: variables, outputs: outputs, loss: loss, correct: correct)
    }

    /// The loss `L(θ)`.
    public func loss() -> Scalar {
        evaluate(on: Tape<Scalar>()).loss.value.scalar
    }

    /// The loss and its gradient `g = ∇_θ L` as a `[d]` vector.
    public func lossAndGradient() -> (loss: Scalar, gradient: Tensor<Scalar>) {
        let tape = Tape<Scalar>()
        let e = evaluate(on: tape)
        return (e.loss.value.scalar, join(tape.gradients(of: e.loss, withRespectTo: e.variables)))
    }
}
