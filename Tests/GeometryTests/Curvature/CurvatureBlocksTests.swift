import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct CurvatureBlocksTests {
    @Test func groupsParametersByLayer() throws {
        let gpt = try CurvatureFixtures.tinyGPT()
        let groups = layerGroups(of: gpt.names)
        #expect(groups.map(\.layer) == [
            "tok", "pos", "blocks.0.ln1", "blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.0.ln2",
            "blocks.0.mlp.fc", "blocks.0.mlp.fc2", "ln_f", "head",
        ])
        #expect(groups.first { $0.layer == "blocks.0.attn.qkv" }!.names == ["blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias"])
        #expect(groups.flatMap(\.names) == gpt.names)
        let mlp = try CurvatureFixtures.mlp()
        #expect(layerGroups(of: mlp.names).map(\.layer) == ["layers.0", "layers.1"])
        #expect(layerGroups(of: ["scale", "a.b.weight", "a.c", "a.b.bias"]).map(\.names) == [["scale"], ["a.b.weight", "a.b.bias"], ["a.c"]])
    }

    /// Every block operator's dense matrix is the principal submatrix of the full operator's at
    /// that layer's coordinates, for every kind (the Monte Carlo Fisher with the same seed).
    @Test(arguments: CurvatureKind.allCases)
    func blocksAreDiagonalBlocksOfTheFullMatrix(kind: CurvatureKind) throws {
        for objective in [try CurvatureFixtures.mlp(activation: .gelu), try CurvatureFixtures.tinyGPT()] {
            let full = kind.makeOperator(for: objective, samples: 2, seed: 3).dense()
            let blocks = curvatureBlocks(of: objective, kind: kind, samples: 2, seed: 3)
            #expect(blocks.flatMap(\.names) == objective.names)
            for block in blocks {
                let idx = block.names.flatMap { Array(objective.range(of: $0)) }
                #expect(block.operator.dimension == idx.count)
                let expected = CurvatureFixtures.submatrix(full, idx)
                #expect(expected.scalars.contains { $0 != 0 }, "\(kind) \(block.layer): zero block")
                if let m = approximateMismatch(block.operator.dense(), expected, tolerance: Tolerance(absolute: 1e-14, relative: 1e-10)) {
                    Issue.record("\(kind) block \(block.layer): \(m)")
                }
            }
        }
    }
}
