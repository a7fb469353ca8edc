/// Why an intrinsic-dimension estimate cannot be computed from the given points or layer: the
/// points come from user files and models, so these are thrown, not trapped.
public enum IntrinsicDimensionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer distinct points than the estimator needs (`required` = k + 1 for k neighbours).
    /// Exact duplicates are dropped before any neighbour search (see ``NearestNeighbors``), so a
    /// collapsed layer whose points all coincide lands here.
    case tooFewPoints(distinct: Int, duplicates: Int, required: Int)
    /// A coordinate is NaN or infinite.
    case nonFinitePoint(row: Int, column: Int)
    /// No module of the model has this name; `available` lists the modules the forward pass
    /// recorded, in forward order.
    case unknownLayer(name: String, available: [String])

    public var description: String {
        switch self {
        case let .tooFewPoints(distinct, duplicates, required):
            return "need at least \(required) distinct points, got \(distinct)"
                + (duplicates > 0 ? " (\(duplicates) exact duplicates dropped)" : "")
        case let .nonFinitePoint(row, column):
            return "point \(row) has a non-finite coordinate (column \(column))"
        case let .unknownLayer(name, available):
            return "no layer named '\(name)'; available: \(available.joined(separator: ", "))"
        }
    }
}
