import Foundation
import Geometry
import TensorCore
import TestSupport
import Testing

@Suite struct FrictionFieldTests {
    /// erank by the formula, over the positive eigenvalues.
    static func effectiveRank(_ values: [Double]) -> Double {
        let positive = values.filter { $0 > 0 }
        let total = positive.reduce(0, +)
        return exp(-positive.reduce(0) { $0 + ($1 / total) * log($1 / total) })
    }

    /// Two small blocks take the dense route, a large low-rank one the iterative route (exact
    /// here: rank 6 = topK and Hutch++'s sketch 10 > 6); every number matches LAPACK on the
    /// block, and the shares sum to 1.
    @Test func matchesDensePerBlock() throws {
        let (a0, _) = symmetricMatrix(spectrum: (0..<20).map { 3 * pow(0.7, Double($0)) }, seed: 71)
        let (a1, _) = symmetricMatrix(spectrum: (0..<8).map { Double($0) / 4 }, seed: 72)
        let top: [Double] = [9, 6, 4, 2.5, 1, 0.5]
        let (a2, _) = symmetricMatrix(spectrum: top + [Double](repeating: 0, count: 144), seed: 73)
        let blocks: [(name: String, operator: any LinearOperator<Double>)] = [
            ("layers.0.weight", DenseOperator(a0)), ("layers.0.bias", functionOperator(a1)),
            ("layers.1.weight", functionOperator(a2)),
        ]
        let options = FrictionField.Options(denseThreshold: 100, topK: 6, traceMethod: .hutchPlusPlus(productBudget: 30))
        let field = FrictionField(blocks: blocks, options: options)
        #expect(field.blocks.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight"])
        #expect(field.blocks.map(\.route) == [.dense, .dense, .iterative])
        #expect(field.totalDimension == 178)

        for (row, matrix) in zip(field.blocks, [a0, a1, a2]) {
            let exact = matrix.symmetricEigendecomposition(computeVectors: false).values.scalars
            let trace = (0..<matrix.shape[0]).reduce(0.0) { $0 + matrix[$1, $1] }
            let scale = exact.map(abs).max()!
            #expect(abs(row.trace - trace) < 1e-10 * scale * Double(exact.count), "\(row.name) trace")
            #expect(abs(row.lambdaMax - exact.last!) < 1e-10 * scale, "\(row.name) λ_max")
            #expect(abs(row.effectiveRank - Self.effectiveRank(exact)) < 1e-8, "\(row.name) erank")
        }
        #expect(field.blocks[0].traceStandardError == nil && field.blocks[0].eigenvalueCount == 20)
        #expect(field.blocks[2].eigenvalueCount == 6 && field.blocks[2].lanczosConverged == true)
        #expect(zip(field.blocks[2].eigenvalues, top).allSatisfy { abs($0 - $1) < 1e-10 * 9 })
        let total = field.blocks.reduce(0) { $0 + $1.trace }
        #expect(abs(field.totalTrace - total) < 1e-12)
        #expect(abs(field.blocks.reduce(0) { $0 + $1.share } - 1) < 1e-12)
        for row in field.blocks { #expect(abs(row.share - row.trace / total) < 1e-15) }
        #expect(field.lambdaMax == field.blocks.map(\.lambdaMax).max())

        let decoded = try JSONDecoder().decode(FrictionField.self, from: JSONEncoder().encode(field))
        #expect(decoded == field)
    }

    /// The iterative route with Hutchinson on a full-rank block: the trace is within 4 standard
    /// errors, and the top-k erank is below the erank of the whole spectrum (as documented).
    @Test func iterativeRouteEstimates() {
        let spectrum = (0..<120).map { 5 * pow(0.95, Double($0)) }
        let (a, _) = symmetricMatrix(spectrum: spectrum, seed: 74)
        let blocks: [(name: String, operator: any LinearOperator<Double>)] = [("blocks.0.mlp", DenseOperator(a))]
        let field = FrictionField(
            blocks: blocks, options: .init(denseThreshold: 50, topK: 8, traceMethod: .hutchinson(samples: 200), seed: 3))
        let row = field.blocks[0]
        let trace = spectrum.reduce(0, +)
        #expect(row.route == .iterative)
        #expect(abs(row.trace - trace) <= 4 * row.traceStandardError!)
        #expect(field.totalTraceStandardError == row.traceStandardError)
        #expect(abs(row.lambdaMax - 5) < 1e-9)
        #expect(abs(row.effectiveRank - Self.effectiveRank(Array(spectrum.prefix(8)))) < 1e-6)
        #expect(row.effectiveRank < Self.effectiveRank(spectrum))
        #expect(row.share == 1)
    }

    /// Float blocks through both routes agree with the Double field to Float accuracy.
    @Test func floatBlocks() {
        let (a0, _) = symmetricMatrix(spectrum: (0..<16).map { 2 * pow(0.8, Double($0)) }, seed: 75)
        let (a1, _) = symmetricMatrix(spectrum: [6, 3, 1, 0.5] + [Double](repeating: 0, count: 76), seed: 76)
        let options = FrictionField.Options(denseThreshold: 40, topK: 4, traceMethod: .hutchPlusPlus(productBudget: 18))
        let double = FrictionField(
            blocks: [("a", DenseOperator(a0)), ("b", DenseOperator(a1))] as [(name: String, operator: any LinearOperator<Double>)],
            options: options)
        let float = FrictionField(
            blocks: [("a", DenseOperator(a0.converted(to: Float.self))), ("b", functionOperator(a1.converted(to: Float.self)))]
                as [(name: String, operator: any LinearOperator<Float>)],
            options: options)
        #expect(float.blocks.map(\.route) == [.dense, .iterative])
        for (f, d) in zip(float.blocks, double.blocks) {
            #expect(abs(f.trace - d.trace) < 1e-5 * 10, "\(f.name) trace \(f.trace) vs \(d.trace)")
            #expect(abs(f.lambdaMax - d.lambdaMax) < 1e-5 * 6)
            #expect(abs(f.effectiveRank - d.effectiveRank) < 1e-4)
            #expect(abs(f.share - d.share) < 1e-5)
        }
    }
}
