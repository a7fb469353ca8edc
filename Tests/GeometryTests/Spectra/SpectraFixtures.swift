import Geometry
import TensorCore
import TestSupport

/// An orthogonal `[d, d]` matrix: the eigenvectors (LAPACK) of a random symmetric matrix.
func randomOrthogonalMatrix(_ d: Int, seed: UInt64) -> Tensor<Double> {
    let m = testTensor([d, d], seed: seed, as: Double.self)
    return (m + m.transposed()).symmetricEigendecomposition().vectors!
}

/// `A = Q diag(λ) Qᵀ` with a random orthogonal `Q`: a symmetric matrix with a chosen spectrum.
func symmetricMatrix(spectrum: [Double], seed: UInt64) -> (matrix: Tensor<Double>, eigenvectors: Tensor<Double>) {
    let d = spectrum.count
    let q = randomOrthogonalMatrix(d, seed: seed)
    let scaled = q * Tensor(shape: [1, d], scalars: spectrum)  // Q diag(λ)
    let a = matmul(scaled, q, transposeB: true)
    return ((a + a.transposed()) * 0.5, q)  // exactly symmetric
}

/// The matrix as a closure operator (so the protocol's default block and diagonal paths run).
func functionOperator<S: TensorScalar>(_ a: Tensor<S>) -> FunctionOperator<S> {
    let d = a.shape[0]
    return FunctionOperator(dimension: d) { v in matmul(a, v.reshaped(to: [d, 1])).reshaped(to: [d]) }
}

/// Counts the calls an operator receives.
final class CallCounter: @unchecked Sendable {
    var vectorProducts = 0
    var blockCalls = 0
    var blockColumns = 0
}

/// A dense operator that counts its single and batched products.
struct CountingOperator: LinearOperator {
    let matrix: Tensor<Double>
    let counter = CallCounter()
    var dimension: Int { matrix.shape[0] }
    func apply(_ v: Tensor<Double>) -> Tensor<Double> {
        counter.vectorProducts += 1
        return matmul(matrix, v.reshaped(to: [dimension, 1])).reshaped(to: [dimension])
    }
    func apply(toColumns v: Tensor<Double>) -> Tensor<Double> {
        counter.blockCalls += 1
        counter.blockColumns += v.shape[1]
        return matmul(matrix, v)
    }
}

/// `|a − b| ≤ relative · scale`.
func close(_ a: Double, _ b: Double, relative: Double, scale: Double) -> Bool { abs(a - b) <= relative * scale }

/// `‖Vᵀ V − I‖_max` of a `[d, k]` block.
func orthonormalityError(_ v: Tensor<Double>) -> Double {
    let k = v.shape[1]
    let gram = matmul(v, v, transposeA: true) - Tensor<Double>.eye(k)
    return gram.scalars.map(abs).max() ?? 0
}

/// The column `j` of a `[d, k]` matrix.
func column(_ m: Tensor<Double>, _ j: Int) -> Tensor<Double> {
    m.slice(j..<(j + 1), alongAxis: 1).reshaped(to: [m.shape[0]])
}
