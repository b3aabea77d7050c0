#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif
// A cheap monotonic nanosecond clock for per-unit latency. On x86-64 it reads the TSC
// (about 11 ns a read on this machine kind, against 30 ns for steady_clock) and scales it
// with a factor calibrated once against steady_clock; elsewhere it is steady_clock.
// Thread-safe: calibrate() once before the first now(); now() from any thread after that.

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace poolscope {

class FastClock {
    __extension__ using Wide = unsigned __int128; // for the 64x64 -> 128 bit scaling

public:
    // Measures the TSC rate (a few milliseconds, the first time only). Thread-safe.
    static void calibrate() noexcept;

    // Nanoseconds since an arbitrary origin. Thread-safe after calibrate(). Never blocks.
    static std::uint64_t now() noexcept { return toNanoseconds(ticks()); }

    // The raw counter, for the per-unit hot path: a stamp costs one read and no scaling;
    // scale the difference of two stamps with toNanoseconds(). Thread-safe after calibrate().
    static std::uint64_t ticks() noexcept
    {
#if defined(__x86_64__)
        if (s_useTsc)
            return __rdtsc();
#endif
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::steady_clock::now().time_since_epoch())
                                              .count());
    }

    // Ticks (a stamp, or a difference of two) in nanoseconds. Thread-safe after calibrate().
    static std::uint64_t toNanoseconds(std::uint64_t ticks) noexcept
    {
        if (s_useTsc)
            return static_cast<std::uint64_t>((static_cast<Wide>(ticks) * s_multiplier) >> Shift);
        return ticks;
    }

    static bool usesTsc() noexcept { return s_useTsc; }

    // steady_clock and ticks() read at one instant, for a caller that stamps with one clock and
    // measures with the other (a snapshot's timestamp and its occupancy totals): read back to
    // back, a thread preempted between the two reads would put the preemption between them.
    struct Reading {
        std::chrono::steady_clock::time_point steady;
        std::uint64_t ticks;
    };
    // A few hundred nanoseconds: fine for snapshots, not for the per-unit path. Thread-safe
    // after calibrate().
    static Reading readBoth() noexcept { return readBoth(s_useTsc); }

private:
    static Reading readBoth(bool tsc) noexcept; // `tsc`: ticks from the TSC, else steady_clock

    static constexpr unsigned Shift = 32;
    static inline std::uint64_t s_multiplier = 0; // nanoseconds per tick << Shift
    static inline bool s_useTsc = false;
};

} // namespace poolscope
