#pragma once

#include "completionport.h"
#include "exceptionreport.h"
#include "ioservice.h"
#include "latencyhistogram.h"
#include "poolsnapshot.h"
#include "threadtimeslice.h"
#include "workunit.h"

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace poolscope {

struct WorkerPoolOptions {
    unsigned workers = 2;       // 0..MaxWorkers
    unsigned concurrency = 0;   // the port's N; 0 = number of processors
    ExceptionPolicy policy = ExceptionPolicy::LogAndContinue;
    std::size_t exceptionReportCapacity = 4096; // reports kept until drained; more are dropped
    std::string threadNamePrefix = "pool-worker";
    // Time every unit: queue wait (post -> start) and service time (start -> end), into
    // per-worker histograms. Costs a clock read on the poster and one on the worker per unit
    // (two after the worker waited for it): a unit taken at once is timed from the end of the
    // one before, so its service time includes the hand-over, tens of nanoseconds.
    // The same stamps give each worker's running/blocked/idle time (PoolSnapshot::runningNs
    // and the two beside it) with no further clock read per unit (one per BlockingScope).
    // Off: no clock read per unit, and those totals stay 0.
    bool measureLatency = true;
    // Attach an IoService to the pool's own port (ioService()), so that the workers run I/O
    // completions as they run units: one LIFO wake per completion, the same concurrency limit
    // and BlockingScope. Needs io_uring (IoService::ioUringAvailable()).
    bool serveIo = false;
    IoServiceOptions io{};
    // Each worker asks the kernel for this time slice (0: the kernel's default; else
    // MinThreadTimeSlice..MaxThreadTimeSlice, see threadtimeslice.h). A short slice lets a
    // woken worker preempt the thread on its CPU at once instead of at the next tick: on a
    // busy machine it cuts the p99 of a wake from milliseconds to tens of microseconds, and
    // costs more context switches when posters and workers share a CPU. Linux >= 6.12.
    std::chrono::microseconds timeSlice{0};
    // With timeSlice 0: a worker whose wakes are sparse (it parks with no spin left) asks for
    // MinThreadTimeSlice while it waits, so that its wake preempts the poster's CPU, and
    // returns to the kernel's default as soon as it takes a unit without waiting (a stream
    // or a backlog). The wake gains of a short slice without its cost under load
    // (completionport_linux.cpp, AdaptiveTimeSlice). Off: the kernel's default throughout.
    bool adaptiveTimeSlice = true;
};

enum class ShutdownMode : std::uint8_t {
    Graceful, // stop accepting, run everything queued, join
    Fast,     // stop accepting, cancel what is queued, let running units finish, join
};

struct ShutdownResult {
    std::uint64_t drained = 0;        // units that ran to the end (completed or failed) during shutdown
    std::uint64_t cancelled = 0;      // units destroyed without running during shutdown
    std::uint64_t stillRunning = 0;   // units in flight or queued when the deadline passed
    std::uint32_t workersStillAlive = 0; // threads not joined because of the deadline
    bool deadlineMissed = false;
    std::chrono::nanoseconds elapsed{0};
    // The I/O part (Q192800), done first: zero when the pool serves no I/O.
    IoShutdownResult io;
};

// A pool of worker threads over a CompletionPort.
//
// Threading: every worker loops on the port's dequeue(); posting a unit posts one packet,
// so one parked worker (the most recently parked) wakes per unit and at most
// concurrency() run at once. Any thread may post and read snapshot(); control methods
// (setWorkerCount, setConcurrency, setExceptionPolicy, shutdown) may be called from any
// thread but are serialised among themselves. drainExceptionReports() has one consumer:
// the owner's thread.
//
// Exceptions: a unit may throw anything. The worker catches it, counts the unit as failed,
// and pushes an ExceptionReport into a bounded queue the owner drains; when that queue is
// full the report is dropped and counted, never the failure. What happens to the worker
// and the pool then is the ExceptionPolicy in force. No exception ever leaves a worker
// thread.
//
// I/O (serveIo): a dequeued packet that is not a unit is an I/O completion, handed to
// IoCompletionTarget::dispatch on the worker that dequeued it; so every handle associated
// with ioService() must have an IoCompletionTarget as its key. I/O completions count in the
// snapshot's `io` (IoService's counters), not as units. Whatever closes the port (shutdown,
// cancelQueued, fail fast, destruction) first shuts the IoService down fast unless a
// graceful shutdown drained it, so that no completion ever meets a closed port, and hands
// the I/O packets still queued to their targets on the closing thread: each operation
// record goes back to its owner exactly once. Drivers (EchoServer, FileReadLoad) must
// outlive that: destroy them after shutdown() or cancelQueued(), before the pool.
//
// Ownership: a posted unit belongs to the pool, which destroys it exactly once: after it
// ran, or without running when it is cancelled (fast shutdown, fail fast, destruction).
//
// Destruction: if shutdown() was not called, the destructor does a fast shutdown with no
// deadline: queued units are cancelled, running ones finish, threads are joined. After a
// graceful shutdown that missed its deadline, what is still queued is cancelled the same way.
class WorkerPool {
public:
    static constexpr unsigned MaxWorkers = 1024;

    // Throws std::invalid_argument for a worker count above MaxWorkers or a time slice out of
    // range.
    explicit WorkerPool(WorkerPoolOptions options = {});
    ~WorkerPool();
    WorkerPool(const WorkerPool &) = delete;
    WorkerPool &operator=(const WorkerPool &) = delete;

    // Queues a unit. Returns its id (1, 2, 3, ...), or 0 when the pool is not accepting
    // (shut down, draining, failed fast): then the unit is destroyed before post returns and
    // counted as `rejected` only. A post racing a shutdown is either refused so, or taken
    // and then run (graceful) or cancelled (fast). Ids increase; a post refused in the instant
    // the port closes leaves its id unused. Thread-safe. Never blocks (the unit's move is
    // the caller's code).
    std::uint64_t post(WorkUnit unit, UnitTag tag = nullptr);
    std::uint64_t post(WorkFunction function, void *context, UnitTag tag = nullptr); // never allocates: the packet carries it
    std::uint64_t post(NotifyTarget &target, void *sender, int notifyTag, UnitTag tag = nullptr); // never allocates either

    // Grows by starting threads, shrinks by retiring them: a retire request waits neither
    // behind queued units nor for the concurrency limit; an idle worker leaves at once, a
    // busy one as soon as it finishes its current unit (it starts no other).
    // Throws std::invalid_argument (and changes nothing) for count < 0 or > MaxWorkers,
    // std::logic_error after shutdown. When a thread cannot be started, changes nothing (the
    // threads it did start retire again) and throws std::system_error saying how far it got.
    // Thread-safe; returns without waiting for threads.
    void setWorkerCount(int count);
    unsigned workerCount() const noexcept; // the target. Thread-safe.

    // The port's concurrency limit; 0 = number of processors. Throws std::invalid_argument
    // for a negative value. Thread-safe.
    void setConcurrency(int concurrency);

    void setExceptionPolicy(ExceptionPolicy policy) noexcept; // Thread-safe; applies to the next throw.
    ExceptionPolicy exceptionPolicy() const noexcept;         // Thread-safe.

    // Stops accepting, then drains or cancels (see ShutdownMode) and joins, waiting at most
    // `deadline` (on a condition, never by polling). With I/O, first stops issuing it, then
    // Graceful waits for the outstanding operations within the deadline (and cancels what
    // is left when it passes) while Fast cancels them at once; see ShutdownResult::io. Threads still running a unit at the
    // deadline are left to finish and are joined by the destructor. Calling it again
    // returns a result with nothing more done. Thread-safe.
    ShutdownResult shutdown(ShutdownMode mode,
                            std::chrono::nanoseconds deadline = std::chrono::nanoseconds::max());

    // Stops accepting and cancels what is queued now (counted as cancelled); running units
    // finish. Turns a graceful shutdown in progress into a fast one: it returns once the
    // running units are done. Does not wait. On a pool not shutting down, its workers leave
    // after their unit too (the port is closed) and shutdown() then only joins. Thread-safe.
    void cancelQueued();

    PoolSnapshot snapshot() const; // Thread-safe. Never blocks a worker.

    // Adds every worker's latency histograms, since the pool started, to the two given
    // (nanoseconds). Empty when measureLatency is off. Thread-safe. Never blocks a worker;
    // costs a pass over each worker's buckets, so call it at sampling rate, not per unit.
    void addLatencyHistograms(LatencyHistogram &queueWait, LatencyHistogram &serviceTime) const;
    bool measuresLatency() const noexcept; // Thread-safe.
    // Adds the I/O latency (start to completion, ns) since the pool started; nothing when
    // the pool serves no I/O. Thread-safe. Never blocks a worker; at sampling rate.
    void addIoLatencyHistogram(LatencyHistogram &out) const;

    // The I/O service on the pool's port; null unless options.serveIo. Lives as long as the
    // pool. Thread-safe.
    IoService *ioService() const noexcept;
    void resetPeaks() noexcept;    // Thread-safe.

    // Moves up to `max` pending reports into `out` (appending), oldest first, and returns
    // how many. One consumer thread at a time (the owner's).
    std::size_t drainExceptionReports(std::vector<ExceptionReport> &out, std::size_t max = SIZE_MAX);

    // The exception that tripped fail fast, or null. Thread-safe.
    std::exception_ptr failFastException() const;

    static const char *backendName() noexcept { return CompletionPort::backendName(); }

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace poolscope
