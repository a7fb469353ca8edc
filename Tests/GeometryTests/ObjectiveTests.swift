import Autodiff
import Data
import Geometry
import NN
import TensorCore
import TestSupport
import Testing

@Suite struct ObjectiveTests {
    /// θ's coordinates follow the selected names; split and join are inverse.
    @Test func splitJoinRoundTrip() throws {
        let model = try Model(.mlp(inputs: 3, hidden: [4], outputs: 2))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 1)
        let batch = Batch<Double>(inputs: testTensor([5, 3], seed: 2), targets: .classes([0, 1, 1, 0, 1], perExample: 1))
        let objective = Objective(model: model, parameters: parameters, batch: batch, names: ["layers.1.weight", "layers.0.bias"])
        #expect(objective.dimension == 8 + 4)
        #expect(objective.names == ["layers.0.bias", "layers.1.weight"])  // store order
        #expect(objective.range(of: "layers.0.bias") == 0..<4)
        let theta = objective.theta
        #expect(objective.join(objective.split(theta)) == theta)
        #expect(objective.split(theta)[1] == parameters["layers.1.weight"])
    }

    /// The gradient over a subset equals the matching blocks of the full gradient, and a
    /// central difference of L along a random direction.
    @Test func gradientMatchesFiniteDifference() throws {
        let model = try Model(.mlp(inputs: 3, hidden: [4], outputs: 2))
        let parameters: ParameterStore<Double> = model.initialParameters(seed: 3)
        let batch = Batch<Double>(inputs: testTensor([6, 3], seed: 4), targets: .classes([0, 1, 1, 0, 1, 0], perExample: 1))
        let objective = Objective(model: model, parameters: parameters, batch: batch)
        let (_, g) = objective.lossAndGradient()
        let u = testTensor([objective.dimension], seed: 5, as: Double.self)
        let h = 1e-5
        let fd = (objective.at(theta: objective.theta + u * h).loss() - objective.at(theta: objective.theta + u * (-h)).loss()) / (2 * h)
        let directional = (g * u).sum().scalar
        #expect(abs(fd - directional) <= 1e-7 * max(1, abs(fd)))
    }
}
