import TensorCore

/// θ's parameters grouped by the layer they belong to, in store order: a parameter `a.b.weight`
/// or `a.b.bias` (any last component) belongs to layer `a.b` — `layers.0`, `tok`, `pos`,
/// `blocks.0.ln1`, `blocks.0.attn.qkv`, `blocks.0.mlp.fc`, `ln_f`, `head`; a name without a dot is
/// its own layer.
///
/// - Parameter names: parameter names in θ's order (``Objective/names``).
/// - Returns: one entry per layer, in the order of each layer's first parameter.
public func layerGroups(of names: [String]) -> [(layer: String, names: [String])] {
    var order: [String] = []
    var members: [String: [String]] = [:]
    for name in names {
        let layer = name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name
        if members[layer] == nil { order.append(layer) }
        members[layer, default: []].append(name)
    }
    return order.map { (layer: $0, names: members[$0]!) }
}

/// The per-layer diagonal blocks of a curvature matrix, each as an operator on that layer's
/// coordinates of θ.
///
/// Layer `ℓ`'s block is the same curvature of the objective restricted to `ℓ`'s parameters
/// (``Objective/init(model:parameters:batch:names:)`` with the layer's names, the others held at
/// their values): the principal submatrix `A[θ_ℓ, θ_ℓ]` of the full matrix, exactly — second
/// derivatives, Jacobians and the output-space factor at the same θ do not depend on which
/// other coordinates are free. For ``CurvatureKind/mcFisher`` every block samples with the same
/// `seed`, hence the same labels, so it is the block of the full operator built with that seed.
///
/// - Parameters:
///   - objective: the full objective; its ``Objective/names`` are grouped by ``layerGroups(of:)``.
///   - kind: which curvature.
///   - samples, seed: for the Monte Carlo Fisher (see ``CurvatureKind/makeOperator(for:samples:seed:)``).
/// - Returns: one block per layer, in θ's order; a block's vectors are laid out as its
///   parameters' coordinates in θ (in the same order).
/// - Complexity: a block product costs as much as a full product (the passes run through the
///   whole network) — blocks are for per-layer spectra, not for speed.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func curvatureBlocks<Scalar: TensorScalar>(
    of objective: Objective<Scalar>, kind: CurvatureKind, samples: Int = 1, seed: UInt64 = 0
) -> [(layer: String, names: [String], operator: any CurvatureOperator<Scalar>)] {
    layerGroups(of: objective.names).map { group in
        let restricted = Objective(model: objective.model, parameters: objective.parameters, batch: objective.batch, names: group.names)
        return (layer: group.layer, names: group.names, operator: kind.makeOperator(for: restricted, samples: samples, seed: seed))
    }
}
