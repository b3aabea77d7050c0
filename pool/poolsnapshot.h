#pragma once
// The pool's counters as one plain value: what the UI, the sampler, the exports and the
// tests read. See ../shared/DESIGN.md section 5 for the definitions.

#include "exceptionreport.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace poolscope {

enum class PoolState : std::uint8_t {
    Running,  // accepting and running work
    Draining, // shutting down: not accepting; queued (graceful) or running (fast) units finish
    Failed,   // fail-fast tripped: no longer accepting; the first exception is kept
    Stopped,  // shut down: threads joined
};

std::string_view nameOf(PoolState state) noexcept;
std::optional<PoolState> parsePoolState(std::string_view name) noexcept; // inverse of nameOf()

// Plain values, cheap to copy, no Qt. Fields are read from relaxed counters and may disagree
// by the few units in transition; they are never negative, and the identity
//   posted == queued + inFlight + completed + failed + cancelled
// holds in every snapshot by construction (queued and inFlight are derived) and matches the
// real queue exactly when the pool is quiescent.
struct PoolSnapshot {
    std::uint64_t timestampNs = 0; // steady clock, for rates

    // Work units (monotonic)
    std::uint64_t posted = 0;
    std::uint64_t started = 0;
    std::uint64_t completed = 0;
    std::uint64_t failed = 0;
    std::uint64_t cancelled = 0;
    std::uint64_t rejected = 0; // posts refused because the pool was not accepting
    // Work units (now)
    std::uint64_t queued = 0;   // posted, not yet started nor cancelled
    std::uint64_t inFlight = 0; // started, not yet finished

    // Threads
    std::uint32_t targetWorkers = 0;
    std::uint32_t liveWorkers = 0;     // threads started and not yet exited
    std::uint32_t idleWorkers = 0;     // in dequeue: spinning or parked
    std::uint32_t runningWorkers = 0;  // in a unit, not blocked
    std::uint32_t blockedWorkers = 0;  // in a unit, inside a BlockingScope
    std::uint32_t retiringWorkers = 0; // asked to retire, not yet exited
    std::uint32_t concurrency = 0;     // the port's limit in force

    // Thread time (monotonic, nanoseconds summed over the workers, retired ones included):
    // in a unit and not blocked, in a unit inside a BlockingScope, waiting in dequeue. Their
    // deltas over an interval, divided by its length, are the average number of threads in
    // each state (what the Sampler computes). 0 when the pool does not time its units
    // (WorkerPoolOptions::measureLatency off). A phase in progress counts up to the snapshot.
    std::uint64_t runningNs = 0;
    std::uint64_t blockedNs = 0;
    std::uint64_t idleNs = 0;

    // Peaks since start or resetPeaks()
    std::uint64_t peakQueued = 0;
    std::uint32_t peakRunning = 0;

    // Port activity (monotonic): each is one futex syscall, the cost the fast path avoids
    std::uint64_t parks = 0; // a worker went to sleep waiting for work
    std::uint64_t wakes = 0; // a post (or a limit change) woke a sleeping worker

    // Exceptions
    std::uint64_t exceptionReportsDropped = 0; // the report queue was full; `failed` still counts them
    ExceptionPolicy policy = ExceptionPolicy::LogAndContinue;
    PoolState state = PoolState::Running;

    // I/O on the pool's port (WorkerPoolOptions::serveIo; all 0 otherwise), from its
    // IoService's snapshot. Identity, in total and per kind:
    //   ioStarted == ioOutstanding + ioCompleted + ioFailed + ioCancelled
    std::uint64_t ioStarted = 0;
    std::uint64_t ioCompleted = 0;
    std::uint64_t ioFailed = 0;
    std::uint64_t ioCancelled = 0;
    std::uint64_t ioOutstanding = 0;     // now
    std::uint64_t ioPeakOutstanding = 0; // since start or resetPeaks()
    std::uint64_t ioBytesRead = 0;       // by reads and recvs
    std::uint64_t ioBytesWritten = 0;    // by writes and sends
    // By kind
    std::uint64_t ioReadStarted = 0, ioReadCompleted = 0, ioReadFailed = 0, ioReadCancelled = 0;
    std::uint64_t ioWriteStarted = 0, ioWriteCompleted = 0, ioWriteFailed = 0, ioWriteCancelled = 0;
    std::uint64_t ioRecvStarted = 0, ioRecvCompleted = 0, ioRecvFailed = 0, ioRecvCancelled = 0;
    std::uint64_t ioSendStarted = 0, ioSendCompleted = 0, ioSendFailed = 0, ioSendCancelled = 0;
    std::uint64_t ioAcceptStarted = 0, ioAcceptCompleted = 0, ioAcceptFailed = 0, ioAcceptCancelled = 0;

    // posted - (queued + inFlight + completed + failed + cancelled); 0 in every snapshot.
    constexpr std::int64_t identityError() const noexcept
    {
        return static_cast<std::int64_t>(posted) -
               static_cast<std::int64_t>(queued + inFlight + completed + failed + cancelled);
    }
};

} // namespace poolscope
