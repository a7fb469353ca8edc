import Autodiff
import Data
import NN
import TensorCore

/// The training loss of a batch for a model's outputs: mean softmax cross-entropy for class
/// targets (at the positions the labels refer to, see ``NN/Model/classLogits(_:labelsPerExample:)``),
/// mean squared error for real targets. Also the number of correct argmax predictions.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func batchLoss<S: TensorScalar>(
    model: Model, outputs: Variable<S>, targets: Targets<S>, labelSmoothing: Double = 0
) -> (loss: Variable<S>, correct: Int?) {
    lossOfLabelledOutputs(labelledOutputs(model: model, outputs: outputs, targets: targets), targets: targets, labelSmoothing: labelSmoothing)
}

/// The outputs the targets refer to: logits `[n, classes]` with one row per label for class
/// targets (``NN/Model/classLogits(_:labelsPerExample:)``), the model's outputs for real targets.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func labelledOutputs<S: TensorScalar>(model: Model, outputs: Variable<S>, targets: Targets<S>) -> Variable<S> {
    switch targets {
    case let .classes(_, perExample): model.classLogits(outputs, labelsPerExample: perExample)
    case .values: outputs
    }
}

/// The loss of ``labelledOutputs(model:outputs:targets:)``: mean softmax cross-entropy over the
/// labelled rows, or the mean squared error; with the number of correct argmax predictions.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func lossOfLabelledOutputs<S: TensorScalar>(
    _ outputs: Variable<S>, targets: Targets<S>, labelSmoothing: Double = 0
) -> (loss: Variable<S>, correct: Int?) {
    switch targets {
    case let .classes(labels, _):
        let (loss, correct) = classificationLoss(logits: outputs, labels: labels, labelSmoothing: S(labelSmoothing))
        return (loss, correct)
    case let .values(t):
        return (meanSquaredError(predictions: outputs, targets: Variable(t.reshaped(to: outputs.shape))), nil)
    }
}

/// The loss of `batch` and its gradient with respect to every parameter, by name (no dropout) —
/// what `carve grad` writes, for checking Carve against another framework.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func lossAndGradients<S: TensorScalar>(
    model: Model, parameters: ParameterStore<S>, batch: Batch<S>
) -> (loss: S, gradients: [(name: String, tensor: Tensor<S>)]) {
    var none: RandomGenerator? = nil
    let r = lossAndGradients(model: model, parameters: parameters, batch: batch, trainable: parameters.names, dropout: &none)
    return (r.loss, Array(zip(parameters.names, r.gradients)))
}

/// The loss of `batch`, the number of correct predictions (classification) and the gradients of
/// the `trainable` parameters (in that order); the other parameters enter as constants. Dropout
/// masks are drawn from `dropout` when it is non-nil (training). The tape is released on return.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func lossAndGradients<S: TensorScalar>(
    model: Model, parameters: ParameterStore<S>, batch: Batch<S>, trainable: [String], labelSmoothing: Double = 0,
    dropout: inout RandomGenerator?
) -> (loss: S, correct: Int?, gradients: [Tensor<S>]) {
    let tape = Tape<S>()
    var variables: [String: Variable<S>] = [:]
    for (name, value) in zip(parameters.names, parameters.values) { variables[name] = Variable(value) }
    let tracked = trainable.map { name -> Variable<S> in
        let v = tape.variable(parameters[name])
        variables[name] = v
        return v
    }
    let outputs = model(batch.inputs, Bindings(variables), dropout: &dropout)
    let (loss, correct) = batchLoss(model: model, outputs: outputs, targets: batch.targets, labelSmoothing: labelSmoothing)
    return (loss.value.scalar, correct, tape.gradients(of: loss, withRespectTo: tracked))
}
