#include "fastclock.h"

#include "platform.h"

#include <mutex>

namespace poolscope {

FastClock::Reading FastClock::readBoth(bool tsc) noexcept
{
#if defined(__x86_64__)
    if (tsc) {
        // steady_clock read between two TSC reads, several times; the tightest bracket wins,
        // since a wide one was interrupted between its reads.
        Reading best{};
        std::uint64_t tightest = ~std::uint64_t{0};
        for (int attempt = 0; attempt < 16; ++attempt) {
            const std::uint64_t before = __rdtsc();
            const auto steady = std::chrono::steady_clock::now();
            const std::uint64_t after = __rdtsc();
            if (after - before < tightest) {
                tightest = after - before;
                best = {steady, before + (after - before) / 2};
            }
        }
        return best;
    }
#endif
    (void)tsc; // without the TSC, ticks() is steady_clock itself: one read is both
    const auto steady = std::chrono::steady_clock::now();
    return {steady, static_cast<std::uint64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(steady.time_since_epoch()).count())};
}

void FastClock::calibrate() noexcept
{
    static std::once_flag once;
    std::call_once(once, [] {
#if defined(__x86_64__)
        try {
            // The TSC is only a clock where the OS trusts it: constant and non-stop across cores.
            if (!platform::hasReliableTsc())
                return;
        } catch (...) {
            return;
        }
        // Each end pairs a steady_clock reading with the TSC around it, so that a thread
        // preempted between the two clocks (a busy machine) cannot skew the rate: read back
        // to back, a preemption there would scale every later duration by its length over 5 ms.
        const Reading start = readBoth(true);
        // Long enough for 0.1 % precision, short enough to be unnoticed at start-up.
        while (std::chrono::steady_clock::now() - start.steady < std::chrono::milliseconds(5)) {
        }
        const Reading end = readBoth(true);
        const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(end.steady - start.steady).count();
        const std::uint64_t ticks = end.ticks - start.ticks;
        if (ticks == 0 || nanoseconds <= 0)
            return;
        s_multiplier = static_cast<std::uint64_t>((static_cast<Wide>(nanoseconds) << Shift) / ticks);
        s_useTsc = s_multiplier != 0;
#endif
    });
}

} // namespace poolscope
