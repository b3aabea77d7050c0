#pragma once
// IoService's counters and the result of its shutdown, as plain values: what the pool's
// snapshot, the sampler and the exports carry. No threads here.

#include "iooperation.h"

#include <array>
#include <chrono>
#include <cstdint>

namespace poolscope {

// Counts of one kind of operation. Monotonic except `outstanding`.
struct IoKindCounters {
    std::uint64_t started = 0;     // accepted by a start (in the kernel or on the way there)
    std::uint64_t completed = 0;   // status 0 (bytes >= 0)
    std::uint64_t failed = 0;      // any error but cancellation
    std::uint64_t cancelled = 0;   // ECANCELED: cancel(), close(), a fast shutdown
    std::uint64_t outstanding = 0; // started and not yet completed, failed or cancelled

    IoKindCounters &operator+=(const IoKindCounters &other) noexcept;
};

// What IoService has done, as plain values. Identity, per kind and in total, in every
// snapshot: started == outstanding + completed + failed + cancelled (outstanding is
// derived from the others, which are read finished-first so it is never negative).
// Other fields are exact on their own and may lag by the operations in transition.
struct IoSnapshot {
    std::array<IoKindCounters, IoKindCount> byKind{};
    IoKindCounters total;
    std::uint64_t peakOutstanding = 0; // since construction or resetPeaks()
    std::uint64_t bytesRead = 0;       // by completed reads and recvs
    std::uint64_t bytesWritten = 0;    // by completed writes and sends
    std::uint64_t refused = 0;         // starts refused: shut down, closed handle, busy record, too many outstanding
    std::uint64_t undelivered = 0;     // completions the port refused because it was closed
    std::uint64_t submitCalls = 0;     // io_uring_enter calls that submitted something
    std::uint64_t submitted = 0;       // entries they submitted (submitted / submitCalls = batch size)
    bool accepting = true;

    const IoKindCounters &of(IoKind kind) const noexcept { return byKind[static_cast<std::size_t>(kind)]; }
};

enum class IoShutdownMode : std::uint8_t {
    Graceful, // stop issuing, wait until every outstanding operation has completed
    Fast,     // stop issuing, cancel every outstanding operation, wait for the cancellations
};

// What a shutdown did (Q192800's two ways to stop a server with I/O outstanding).
struct IoShutdownResult {
    // Operations outstanding when it began, and those started after that but before it stopped
    // issuing: what it had to finish. completed + failed + cancelled + stillOutstanding adds
    // up to it.
    std::uint64_t outstandingAtStart = 0;
    std::uint64_t completed = 0;          // of those: completed during the shutdown
    std::uint64_t failed = 0;             // failed during the shutdown
    std::uint64_t cancelled = 0;          // completed by cancellation during the shutdown
    std::uint64_t stillOutstanding = 0;   // outstanding when the deadline passed
    bool deadlineMissed = false;
    std::chrono::nanoseconds elapsed{0};
};

} // namespace poolscope
