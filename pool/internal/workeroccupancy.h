#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif
// How long one worker thread has spent running a unit, blocked inside a unit (in a
// BlockingScope) and idle (waiting in dequeue), kept by the worker itself. Internal to pool/.
//
// Why totals and not counts: a snapshot of "how many run now" aliases at chart rates (a
// 20 Hz sampler over 1 ms units draws a barcode). Time spent in each phase, summed over the
// workers, differentiates into the average number of threads in that phase over any
// interval, however short the phases.
//
// Threading: one writer, the worker thread, calls enter(); it never blocks, never
// allocates and takes no read-modify-write (the slot is its own). Any thread may call
// read(). The writer publishes each change under a sequence number (odd while it writes),
// so a reader that extrapolates the phase in progress never pairs an old total with a new
// phase start, which would count a phase twice or not at all; a reader that meets a write
// in progress reads again. Stamps are FastClock ticks (the ones the worker loop takes for
// latency anyway): enter() does no clock read of its own.

#include "fastclock.h"

#include <atomic>
#include <cstdint>
#include <thread>

namespace poolscope::detail {

enum class OccupancyPhase : std::uint8_t { Idle, Running, Blocked, None };

struct OccupancyTotals {
    std::uint64_t idle = 0, running = 0, blocked = 0; // FastClock ticks
};

class WorkerOccupancy {
public:
    // The worker is in `phase` from `atTicks` on; the phase it leaves is added to its total.
    // None: the thread has left (nothing is extrapolated). Worker thread only. Never blocks.
    void enter(OccupancyPhase phase, std::uint64_t atTicks) noexcept
    {
        const std::uint64_t sequence = m_sequence.load(std::memory_order_relaxed);
        m_sequence.store(sequence + 1, std::memory_order_relaxed); // odd: a write in progress
        const OccupancyPhase leaving = m_phase.load(std::memory_order_relaxed);
        if (leaving != OccupancyPhase::None) {
            std::atomic<std::uint64_t> &total = m_totals[static_cast<unsigned>(leaving)];
            const std::uint64_t since = m_since.load(std::memory_order_relaxed);
            // Release on every data store: a reader that sees one also sees the odd number.
            total.store(total.load(std::memory_order_relaxed) + (atTicks > since ? atTicks - since : 0),
                        std::memory_order_release);
        }
        m_since.store(atTicks, std::memory_order_release);
        m_phase.store(phase, std::memory_order_release);
        m_sequence.store(sequence + 2, std::memory_order_release);
    }

    // The totals as of `nowTicks`, the phase in progress included. Thread-safe. Never blocks
    // the writer; retries while a write is in progress (a few stores), yielding after a
    // while in case the writer was preempted in the middle of one.
    OccupancyTotals read(std::uint64_t nowTicks) const noexcept
    {
        for (unsigned attempt = 1;; ++attempt) {
            const std::uint64_t before = m_sequence.load(std::memory_order_acquire);
            if ((before & 1) == 0) {
                std::uint64_t totals[3];
                for (unsigned i = 0; i < 3; ++i)
                    totals[i] = m_totals[i].load(std::memory_order_acquire);
                const std::uint64_t since = m_since.load(std::memory_order_acquire);
                const OccupancyPhase phase = m_phase.load(std::memory_order_acquire);
                // The acquire loads above keep this one after them.
                if (m_sequence.load(std::memory_order_relaxed) == before) {
                    if (phase != OccupancyPhase::None && nowTicks > since)
                        totals[static_cast<unsigned>(phase)] += nowTicks - since;
                    return {totals[0], totals[1], totals[2]};
                }
            }
            if (attempt % 64 == 0)
                std::this_thread::yield();
        }
    }

private:
    std::atomic<std::uint64_t> m_sequence{0};
    std::atomic<std::uint64_t> m_since{0};
    std::atomic<std::uint64_t> m_totals[3]{}; // indexed by OccupancyPhase (Idle, Running, Blocked)
    std::atomic<OccupancyPhase> m_phase{OccupancyPhase::None};
};

} // namespace poolscope::detail
