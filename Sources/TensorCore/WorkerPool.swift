import CVectorMath
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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
        return 200_000
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
