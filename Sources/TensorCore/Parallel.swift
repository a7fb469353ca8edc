import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splitting large elementwise work across cores.
///
/// Below ``minimumParallelCount`` elements the dispatch overhead outweighs the gain
/// (measured on 2 cores), so small ops stay serial. Work is never split while a BLAS call
/// runs: Carve's ops execute one after another, so BLAS threads and these loops take turns.
///
/// Chunks run on a pool of `coreCount − 1` worker threads plus the calling thread
/// (``WorkerPool``): a worker that finishes a chunk spins for ``WorkerPool/spinNanoseconds``
/// waiting for the next one before it sleeps, so the many short parallel ops of a training step
/// do not each pay a thread wake-up (tens of microseconds through the kernel). A call made while
/// the pool is busy (from another thread, or from inside a chunk) uses `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// The number of cores this process may use (`CARVE_THREADS` overrides it).
    public static let coreCount: Int = {
        if let env = getenv("CARVE_THREADS"), let n = Int(String(cString: env)), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Work smaller than this many elements runs on the calling thread.
    public static let minimumParallelCount = 1 << 15

    static let pool: WorkerPool? = coreCount > 1 ? WorkerPool(workers: coreCount - 1) : nil

    /// Calls `body` on disjoint subranges covering `0..<count`, in parallel when `count` is
    /// large enough. `cost` scales the threshold for loops that do more than one cheap
    /// operation per element (e.g. a transcendental: pass 8).
    @inline(__always)
    public static func forEachChunk(count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = coreCount
        if threads == 1 || count * cost < minimumParallelCount || count < 2 {
            body(0..<count)
            return
        }
        let chunks = threads
        if let pool, pool.run(chunks: chunks, { c in
            let lo = count * c / chunks
            let hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }) {
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks
                let hi = count * (c + 1) / chunks
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

/// Wraps a value for the duration of a parallel loop whose chunks touch disjoint memory.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inline(__always) public init(_ value: Value) { self.value = value }
}
