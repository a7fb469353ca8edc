import Autodiff
import TensorCore

/// A model's parameters: named tensors in a fixed order, with PyTorch `state_dict` names
/// (`blocks.0.attn.qkv.weight`) and shapes.
///
/// The geometry layer reads θ ∈ ℝ^d from here: ``flattened(names:)`` concatenates the chosen
/// parameters (all by default) in order, ``assignFlattened(_:names:)`` writes a vector back.
/// Frozen parameters keep their values during training (``trainableNames``).
public struct ParameterStore<Scalar: TensorScalar> {
    /// Names in order.
    public private(set) var names: [String]
    /// Values, parallel to ``names``.
    public var values: [Tensor<Scalar>]
    /// Names excluded from training.
    public var frozen: Set<String> = []
    private var index: [String: Int]

    public init(_ named: [(name: String, tensor: Tensor<Scalar>)]) {
        names = named.map(\.name)
        values = named.map(\.tensor)
        index = [:]
        for (i, n) in names.enumerated() {
            precondition(index[n] == nil, "ParameterStore: duplicate parameter name \(n)")
            index[n] = i
        }
    }

    /// The number of named tensors.
    public var count: Int { names.count }
    /// d: the total number of scalars.
    public var scalarCount: Int { values.reduce(0) { $0 + $1.scalarCount } }
    /// `(name, tensor)` pairs in order.
    public var named: [(name: String, tensor: Tensor<Scalar>)] { Array(zip(names, values)) }
    /// Names of parameters that train (not frozen), in order.
    public var trainableNames: [String] { names.filter { !frozen.contains($0) } }

    /// Whether a parameter of this name exists.
    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// The tensor named `name`.
    public subscript(name: String) -> Tensor<Scalar> {
        get {
            guard let i = index[name] else { preconditionFailure("ParameterStore: no parameter named \(name)") }
            return values[i]
        }
        set {
            guard let i = index[name] else { preconditionFailure("ParameterStore: no parameter named \(name)") }
            precondition(
                newValue.shape == values[i].shape,
                "ParameterStore: \(name) has shape \(values[i].shape), assigned \(newValue.shape)")
            values[i] = newValue
        }
    }

    /// Lets `body` modify the named parameters in place (in `names` order), holding the only
    /// reference to each while it runs, so an in-place update (an optimizer step) does not copy
    /// the storage. Shapes must not change.
    public mutating func modifyValues(named selected: [String], _ body: (inout [Tensor<Scalar>]) -> Void) {
        let positions = selected.map { name -> Int in
            guard let i = index[name] else { preconditionFailure("ParameterStore: no parameter named \(name)") }
            return i
        }
        let placeholder = Tensor<Scalar>(shape: [0], scalars: [])
        var taken = positions.map { i -> Tensor<Scalar> in
            let t = values[i]
            values[i] = placeholder
            return t
        }
        let shapes = taken.map(\.shape)
        body(&taken)
        precondition(taken.map(\.shape) == shapes, "ParameterStore.modifyValues: the update changed parameter shapes")
        for (i, t) in zip(positions, taken) { values[i] = t }
    }

    /// Freezes every parameter inside one of `prefixes`, matched by whole dotted components
    /// (`"blocks.1"` freezes `blocks.1.…`, not `blocks.10.…`; a full name freezes that parameter).
    public mutating func freeze(prefixes: [String]) {
        for n in names where prefixes.contains(where: { p in n == p || n.hasPrefix(p.hasSuffix(".") ? p : p + ".") }) {
            frozen.insert(n)
        }
    }

    /// θ: the chosen parameters (all when `names` is nil) concatenated in store order, `[d]`.
    public func flattened(names selected: [String]? = nil) -> Tensor<Scalar> {
        let chosen = selected.map(Set.init)
        let parts = zip(names, values).filter { chosen?.contains($0.0) ?? true }.map { $0.1.reshaped(to: [-1]) }
        if let selected {
            for n in selected { precondition(index[n] != nil, "flattened: no parameter named \(n)") }
        }
        return parts.isEmpty ? Tensor(shape: [0], scalars: []) : concatenate(parts, alongAxis: 0)
    }

    /// Writes θ back into the chosen parameters (all when `names` is nil), in store order.
    public mutating func assignFlattened(_ theta: Tensor<Scalar>, names selected: [String]? = nil) {
        if let selected {
            for n in selected { precondition(index[n] != nil, "assignFlattened: no parameter named \(n)") }
        }
        let chosen = selected.map(Set.init)
        let targets = names.indices.filter { chosen?.contains(names[$0]) ?? true }
        let d = targets.reduce(0) { $0 + values[$1].scalarCount }
        precondition(theta.rank == 1 && theta.scalarCount == d, "assignFlattened: θ has shape \(theta.shape), the parameters hold \(d) scalars")
        var offset = 0
        for i in targets {
            let n = values[i].scalarCount
            values[i] = theta.slice(offset..<(offset + n), alongAxis: 0).reshaped(to: values[i].shape)
            offset += n
        }
    }
}

/// Parameters as autodiff variables, by name: what a layer's forward reads.
public struct Bindings<Scalar: TensorScalar> {
    public var variables: [String: Variable<Scalar>]
    /// When set, layers record their inputs and outputs here during the forward pass.
    public var capture: LayerCapture<Scalar>?

    public init(_ variables: [String: Variable<Scalar>]) { self.variables = variables }

    /// Constants (no gradients) for every parameter of a store: evaluation.
    public init(constants store: ParameterStore<Scalar>) {
        var v: [String: Variable<Scalar>] = [:]
        for (n, t) in zip(store.names, store.values) { v[n] = Variable(t) }
        variables = v
    }

    /// The variable named `name`; a missing name is a programming error.
    public subscript(name: String) -> Variable<Scalar> {
        guard let v = variables[name] else { preconditionFailure("Bindings: no parameter named \(name)") }
        return v
    }
}
