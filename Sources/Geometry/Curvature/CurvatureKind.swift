import TensorCore

/// Which curvature matrix of the loss to take (THEORY.md §0), by a command-line friendly name.
///
/// | case | name (aliases) | matrix |
/// |---|---|---|
/// | ``hessian`` | `hessian` | `H = ∇²L` (indefinite) |
/// | ``ggn`` | `ggn` (`fisher`, `gauss-newton`) | `G = Jᵀ Λ J`, the Fisher for CE and squared error (PSD) |
/// | ``mcFisher`` | `monte-carlo-fisher` (`mc-fisher`, `mcfisher`) | `F̂`, labels sampled from the model (PSD) |
/// | ``empiricalFisher`` | `empirical-fisher` (`efisher`) | `F_emp = (1/m) Σ g_i g_iᵀ`, observed labels — not the Fisher (PSD) |
public enum CurvatureKind: CaseIterable, Sendable, Hashable, Codable, RawRepresentable, CustomStringConvertible {
    case hessian
    case ggn
    case mcFisher
    case empiricalFisher

    /// The canonical name.
    public var rawValue: String {
        switch self {
        case .hessian: "hessian"
        case .ggn: "ggn"
        case .mcFisher: "monte-carlo-fisher"
        case .empiricalFisher: "empirical-fisher"
        }
    }

    /// The kind named `rawValue` or one of its aliases (case-insensitive).
    public init?(rawValue: String) {
        switch rawValue.lowercased() {
        case "hessian": self = .hessian
        case "ggn", "fisher", "gauss-newton": self = .ggn
        case "monte-carlo-fisher", "mc-fisher", "mcfisher": self = .mcFisher
        case "empirical-fisher", "efisher": self = .empiricalFisher
        default: return nil
        }
    }

    /// A label for reports, naming the empirical Fisher as such.
    public var description: String {
        switch self {
        case .hessian: "Hessian"
        case .ggn: "GGN (Fisher)"
        case .mcFisher: "Monte Carlo Fisher"
        case .empiricalFisher: "empirical Fisher (observed labels; not the Fisher)"
        }
    }

    /// Whether the matrix is positive semi-definite by construction (all but the Hessian).
    public var isPositiveSemidefinite: Bool { self != .hessian }

    /// The operator of this kind for `objective`.
    ///
    /// - Parameters:
    ///   - samples: labels drawn per row for ``mcFisher`` (ignored otherwise).
    ///   - seed: the generator seed for ``mcFisher`` (ignored otherwise); the same seed gives
    ///     the same labels for any subset of θ.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func makeOperator<Scalar: TensorScalar>(
        for objective: Objective<Scalar>, samples: Int = 1, seed: UInt64 = 0
    ) -> any CurvatureOperator<Scalar> {
        switch self {
        case .hessian: HessianOperator(objective)
        case .ggn: GGNOperator(objective)
        case .mcFisher: MonteCarloFisherOperator(objective, samples: samples, seed: seed)
        case .empiricalFisher: EmpiricalFisherOperator(objective)
        }
    }
}
