/// An n-dimensional array of `Float` or `Double` in contiguous row-major storage.
///
/// `Tensor` is a value type: copies share storage until one of them is mutated
/// (copy-on-write). Rank 0 is a scalar. Every op traps with a message naming the op and the
/// shapes involved when shapes do not fit — shape mismatches are programming errors.
///
/// ```
/// let x = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// let y = (x * 2 + 1).sum(alongAxes: [1])   // [2]
/// ```
public struct Tensor<Scalar: TensorScalar>: @unchecked Sendable {
    /// The extent of each axis, outermost first.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage<Scalar>

    /// Wraps existing storage; `shape` must describe exactly `storage.count` elements.
    public init(shape: [Int], storage: TensorStorage<Scalar>) {
        let n = Shape.elementCount(shape, op: "Tensor.init(shape:storage:)")
        precondition(
            n == storage.count,
            "Tensor.init(shape:storage:): shape \(shape) holds \(n) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of the given shape whose elements are left uninitialized; the caller must
    /// write every element before reading any.
    public init(uninitializedShape shape: [Int]) {
        let n = Shape.elementCount(shape, op: "Tensor.init(uninitializedShape:)")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: n)
    }

    /// A tensor of the given shape with every element equal to `value`.
    public init(shape: [Int], repeating value: Scalar) {
        let n = Shape.elementCount(shape, op: "Tensor.init(shape:repeating:)")
        self.shape = shape
        self.storage = TensorStorage(count: n, repeating: value)
    }

    /// A tensor of the given shape from elements in row-major order.
    public init(shape: [Int], scalars: [Scalar]) {
        let n = Shape.elementCount(shape, op: "Tensor.init(shape:scalars:)")
        precondition(
            n == scalars.count,
            "Tensor.init(shape:scalars:): shape \(shape) needs \(n) elements, got \(scalars.count)")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: n)
        scalars.withUnsafeBufferPointer {
            UnsafeMutableRawPointer(storage.pointer).copyMemory(from: $0.baseAddress!, byteCount: n * MemoryLayout<Scalar>.stride)
        }
    }

    /// A rank-1 tensor holding `scalars`.
    public init(_ scalars: [Scalar]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A rank-2 tensor from rows of equal length.
    public init(_ rows: [[Scalar]]) {
        let cols = rows.first?.count ?? 0
        precondition(
            rows.allSatisfy { $0.count == cols },
            "Tensor.init(rows:): rows have unequal lengths \(rows.map(\.count))")
        self.init(shape: [rows.count, cols], scalars: rows.flatMap { $0 })
    }

    /// A rank-0 tensor holding `scalar`.
    public init(_ scalar: Scalar) {
        self.init(shape: [], repeating: scalar)
    }

    /// A tensor of the given shape whose elements `body` initializes, in row-major order.
    /// `body` must write every element.
    @inlinable
    public init(shape: [Int], initializingWith body: (UnsafeMutableBufferPointer<Scalar>) throws -> Void) rethrows {
        self.init(uninitializedShape: shape)
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// The number of axes.
    @inlinable public var rank: Int { shape.count }
    /// The number of elements (the product of the shape; 1 for rank 0).
    @inlinable public var scalarCount: Int { storage.count }

    /// The elements in row-major order.
    public var scalars: [Scalar] {
        withExtendedLifetime(storage) {
            [Scalar](unsafeUninitializedCapacity: storage.count) { buffer, initialized in
                if storage.count > 0 {
                    UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                        from: storage.pointer, byteCount: storage.count * MemoryLayout<Scalar>.stride)
                }
                initialized = storage.count
            }
        }
    }

    /// The single element of a tensor with one element (any rank).
    public var scalar: Scalar {
        precondition(
            scalarCount == 1, "Tensor.scalar: needs exactly one element, shape \(shape) has \(scalarCount)")
        return storage.pointer[0]
    }

    /// Calls `body` with the elements in row-major order.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
        }
    }

    /// Calls `body` with mutable access to the elements, copying the storage first if it is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
        }
    }

    /// Ensures this value owns its storage exclusively.
    @inlinable
    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Whether this value owns its storage exclusively (so a mutation would not copy).
    @inlinable
    public mutating func isUniquelyReferenced() -> Bool { isKnownUniquelyReferenced(&storage) }

    /// Reads or writes the element at a multi-index.
    public subscript(indices: Int...) -> Scalar {
        get { storage.pointer[Shape.flatIndex(indices, in: shape, op: "Tensor.subscript")] }
        set {
            let i = Shape.flatIndex(indices, in: shape, op: "Tensor.subscript")
            makeUnique()
            storage.pointer[i] = newValue
        }
    }

    /// Changes the shape in place without moving elements; counts must match.
    public mutating func reshape(to newShape: [Int]) {
        let n = Shape.elementCount(newShape, op: "reshape")
        precondition(n == scalarCount, "reshape: cannot reshape \(shape) (\(scalarCount) elements) to \(newShape)")
        shape = newShape
    }

    /// The same elements viewed with another shape (shares storage); one axis may be `-1`.
    public func reshaped(to newShape: [Int]) -> Tensor {
        let resolved = Shape.resolvingInferredAxis(newShape, count: scalarCount, from: shape)
        var t = self
        t.shape = resolved
        return t
    }

    /// A copy with every element converted to another scalar type.
    @_specialize(where Scalar == Float, Other == Double)
    @_specialize(where Scalar == Double, Other == Float)
    @_specialize(where Scalar == Float, Other == Float)
    @_specialize(where Scalar == Double, Other == Double)
    public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape) { out in
            let p = storage.pointer
            for i in 0..<out.count { out[i] = Other(p[i]) }
        }
    }
}

extension Tensor: Equatable {
    /// Exact equality of shape and every element (NaN ≠ NaN).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return !lhs.scalars.contains { $0.isNaN } }
        for i in 0..<lhs.scalarCount where lhs.storage.pointer[i] != rhs.storage.pointer[i] { return false }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    /// Nested brackets in row-major order, e.g. `[[1.0, 2.0], [3.0, 4.0]]`; long tensors are elided.
    public var description: String {
        if rank == 0 { return "\(storage.pointer[0])" }
        if scalarCount > 1000 { return "Tensor<\(Scalar.scalarName)>(shape: \(shape))" }
        var out = ""
        func emit(axis: Int, offset: Int) {
            out += "["
            let stride = shape[(axis + 1)...].reduce(1, *)
            for i in 0..<shape[axis] {
                if i > 0 { out += ", " }
                if axis == rank - 1 {
                    out += "\(storage.pointer[offset + i])"
                } else {
                    emit(axis: axis + 1, offset: offset + i * stride)
                }
            }
            out += "]"
        }
        emit(axis: 0, offset: 0)
        return out
    }
}
