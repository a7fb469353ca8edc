import Data
import TensorCore

/// The curvature `Λ = ∂²L/∂f²` of the batch loss with respect to the outputs `f` it reads: the
/// middle factor of the generalized Gauss–Newton matrix `G = Jᵀ Λ J` (THEORY.md §0).
///
/// Conventions shared by every curvature operator:
/// - A *row* is one labelled output: for class targets a row of the logits `[n, C]` that
///   ``Objective/Evaluation/outputs`` holds (one per label: `B` rows for one label per example,
///   `B·T` positions for a GPT with one label per position); for real targets a row of the
///   predictions along their last axis (`[n, k]`, `N = n·k` entries).
/// - `L` is the mean over the `n` rows of softmax cross-entropy, or the mean squared error over
///   all `N` entries: exactly ``Objective/loss()``.
/// - A *sample* (for the empirical Fisher) is an *example*, a row of `batch.inputs`; an example
///   holds one or several rows.
///
/// ```
/// softmax cross-entropy, row r, π_r = softmax(f_r):   Λ_r = (diag(π_r) − π_r π_rᵀ) / n
///     Λ_r u_r = (π_r ⊙ u_r − π_r (π_rᵀ u_r)) / n           (no dense C×C matrix)
/// mean squared error over N entries:                 Λ = (2/N) I
/// ```
/// Λ is block diagonal over rows and positive semi-definite, so `Jᵀ Λ J` is too. For these two
/// losses `Λ` does not depend on the labels, and `Jᵀ Λ J` is also the Fisher information of the
/// model's predictive distribution (categorical; Gaussian with variance `σ² = N / (2n)` per
/// entry, see ``MonteCarloFisherOperator``).
public struct LossCurvature<Scalar: TensorScalar> {
    /// The loss whose curvature this is.
    public enum Loss: Sendable, Equatable {
        /// Mean softmax cross-entropy over the rows.
        case crossEntropy
        /// Mean squared error over all entries.
        case meanSquaredError
    }

    public let loss: Loss
    /// The shape of the outputs `f` (and of every `u` that ``apply(_:)`` accepts).
    public let outputShape: [Int]
    /// The number of rows `n`.
    public let rowCount: Int
    /// Entries per row: `C` classes or `k` predicted values.
    public let rowWidth: Int
    /// `softmax(f)` as `[n, C]` for cross-entropy; `nil` for squared error.
    public let probabilities: Tensor<Scalar>?

    /// The curvature at the output values `outputs` (``Objective/Evaluation/outputs``) for `targets`.
    ///
    /// - Parameters:
    ///   - outputs: logits `[n, C]` (one row per label) or predictions `[..., k]`.
    ///   - targets: the batch's targets; only their kind and, for classes, their count are read.
    public init(outputs: Tensor<Scalar>, targets: Targets<Scalar>) {
        switch targets {
        case let .classes(labels, _):
            precondition(outputs.rank == 2 && outputs.shape[0] == labels.count,
                         "LossCurvature: logits \(outputs.shape) are not [\(labels.count), classes]")
            loss = .crossEntropy
            rowCount = labels.count
            rowWidth = outputs.shape[1]
            probabilities = outputs.softmax(alongAxis: -1)
        case let .values(t):
            precondition(outputs.rank >= 1 && outputs.scalarCount == t.scalarCount,
                         "LossCurvature: predictions \(outputs.shape) do not match targets \(t.shape)")
            loss = .meanSquaredError
            rowWidth = outputs.shape[outputs.rank - 1]
            rowCount = outputs.scalarCount / max(rowWidth, 1)
            probabilities = nil
        }
        outputShape = outputs.shape
    }

    /// The number of output entries `N = n · rowWidth`.
    public var entryCount: Int { rowCount * rowWidth }

    /// `Λ u` for an output-space vector `u` shaped like the outputs.
    ///
    /// - Complexity: `O(N)`.
    public func apply(_ u: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(u.shape == outputShape, "LossCurvature.apply: vector \(u.shape) is not \(outputShape)")
        switch loss {
        case .crossEntropy:
            let pi = probabilities!
            let pu = pi * u
            let dot = pu.sum(alongAxes: [1], keepingDimensions: true)  // [n, 1]: π_rᵀ u_r
            return (pu - pi * dot) / Scalar(rowCount)
        case .meanSquaredError:
            return u * (2 / Scalar(entryCount))
        }
    }
}
