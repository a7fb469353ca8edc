import CVectorMath
import Dispatch
import Synchronization
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

/// Persistent worker threads for ``Parallel/forEachChunk(count:cost:_:)``.
///
/// One job at a time, split into chunks that the caller and the workers claim one by one from a
/// shared counter; the caller claims too, so a worker that is slow to start (or descheduled on a
/// busy machine) only means the caller runs more chunks. The counter packs the job's generation
/// with the next chunk index, so a claim can never land on a newer job than the one the claimer
/// saw. Idle workers spin on the generation for ``spinNanoseconds`` (`CARVE_SPIN_US` overrides;
/// 0 sleeps at once), then sleep on a condition variable; the caller wakes sleepers only when
/// there are any.
final class WorkerPool: @unchecked Sendable {
    let workers: Int
    /// How long an idle worker spins before it sleeps.
    static let spinNanoseconds: UInt64 = {
        if let env = getenv("CARVE_SPIN_US"), let us = UInt64(String(cString: env)) { return us * 1000 }
        return 50_000
    }()

    /// `generation << 32 | next chunk`.
    private let claim = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    /// The current job (chunk index → work) and its chunk count; written by the caller before it
    /// publishes the generation, read by a worker only after a successful claim.
    private var job: ((Int) -> Void)?
    private var chunks = 0
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    private final class Start {
        let pool: WorkerPool
        init(_ pool: WorkerPool) { self.pool = pool }
    }

    init(workers: Int) {
        self.workers = workers
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for _ in 0..<workers {
            var thread = pthread_t()
            let start = Unmanaged.passRetained(Start(self)).toOpaque()
            let rc = pthread_create(&thread, nil, { arg in
                let s = Unmanaged<Start>.fromOpaque(arg!).takeRetainedValue()
                s.pool.workerLoop()
            }, start)
            precondition(rc == 0, "WorkerPool: pthread_create failed (\(rc))")
            pthread_detach(thread)
        }
    }

    @inline(__always) private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Claims and runs chunks of generation `g` until none are left.
    @inline(__always)
    private func work(generation g: Int) {
        var state = claim.load(ordering: .acquiring)
        while state >> 32 == g & 0x7FFF_FFFF && state & 0xFFFF_FFFF < chunks {
            let (exchanged, current) = claim.compareExchange(
                expected: state, desired: state + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                job!(state & 0xFFFF_FFFF)
                completed.add(1, ordering: .releasing)
                state = claim.load(ordering: .acquiring)
            } else {
                state = current
            }
        }
    }

    private func workerLoop() -> Never {
        var seen = 0
        while true {
            var g = generation.load(ordering: .sequentiallyConsistent)
            if g == seen {
                let start = Self.now()
                var spins = 0
                while g == seen {
                    carve_cpu_relax()
                    spins &+= 1
                    if spins & 63 == 0 && Self.now() &- start > Self.spinNanoseconds {
                        pthread_mutex_lock(mutex)
                        sleepers.add(1, ordering: .sequentiallyConsistent)
                        g = generation.load(ordering: .sequentiallyConsistent)
                        while g == seen {
                            pthread_cond_wait(condition, mutex)
                            g = generation.load(ordering: .sequentiallyConsistent)
                        }
                        sleepers.subtract(1, ordering: .sequentiallyConsistent)
                        pthread_mutex_unlock(mutex)
                        break
                    }
                    g = generation.load(ordering: .sequentiallyConsistent)
                }
            }
            seen = g
            // `chunks` is read inside work() only while generation g is still claimable.
            work(generation: g)
        }
    }

    /// Runs `body(c)` for `c` in `0..<chunkCount` on the caller and the workers. Returns false
    /// (running nothing) when the pool is already running a job.
    func run(chunks chunkCount: Int, _ body: (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        withoutActuallyEscaping(body) { body in
            job = body
            chunks = chunkCount
            completed.store(0, ordering: .relaxed)
            let g = (generation.load(ordering: .relaxed) &+ 1) & 0x7FFF_FFFF
            claim.store(g << 32, ordering: .releasing)
            generation.store(g, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            work(generation: g)
            var spins = 0
            while completed.load(ordering: .acquiring) < chunkCount {
                carve_cpu_relax()
                spins &+= 1
                if spins > 1 << 12 { sched_yield() }  // a worker holding a chunk was descheduled
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }
}
