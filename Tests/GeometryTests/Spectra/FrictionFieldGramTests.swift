import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct FrictionFieldGramTests {
    /// From per-sample gradients, each block's trace, λ_max and erank equal those of the dense
    /// block `(c/n) G_bᵀ G_b` decomposed by LAPACK, and the shares split the full trace.
    @Test func blocksMatchDenseDecompositions() {
        let (n, d) = (7, 12)
        let g: Tensor<Double> = testTensor([n, d], seed: 5)
        let blocks = [("a", 0..<5), ("b", 5..<6), ("c", 6..<12)]
        let field = FrictionField(perSampleGradients: g, blocks: blocks, scale: 2)
        let full = matmul(g, g, transposeA: true) * (2 / Double(n))
        let fullTrace = (0..<d).reduce(0.0) { $0 + full.scalars[$1 * d + $1] }
        #expect(abs(field.totalTrace - fullTrace) <= 1e-12 * fullTrace)
        #expect(abs(field.blocks.map(\.share).reduce(0, +) - 1) <= 1e-12)
        for (row, (name, range)) in zip(field.blocks, blocks) {
            let gb = g.slice(range, alongAxis: 1)
            let dense = matmul(gb, gb, transposeA: true) * (2 / Double(n))
            let values = dense.symmetricEigendecomposition(computeVectors: false).values.scalars.reversed().map { Swift.max($0, 0) }
            let total = values.reduce(0, +)
            let p = values.filter { $0 > 1e-12 * total }.map { $0 / total }
            let erank = Foundation.exp(-p.reduce(0) { $0 + $1 * Foundation.log($1) })
            #expect(row.name == name && row.dimension == range.count && row.route == .gram)
            #expect(abs(row.trace - total) <= 1e-12 * total)
            #expect(abs(row.lambdaMax - values[0]) <= 1e-12 * values[0])
            #expect(abs(row.effectiveRank - erank) <= 1e-9 * erank, "\(name): \(row.effectiveRank) vs \(erank)")
            #expect(abs(row.share - total / fullTrace) <= 1e-12)
        }
    }
}
