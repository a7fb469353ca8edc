import ArgumentParser

@main
struct Carve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "carve",
        abstract: "Train neural networks and measure the geometry of their training.",
        subcommands: [TrainCommand.self, GradCommand.self, IDCommand.self, CurvatureCommand.self, DemoCommand.self, BenchCommand.self])
}
