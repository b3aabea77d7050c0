#include "fastclock.h"

#include "platform.h"

#include <mutex>

namespace poolscope {

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
        using Clock = std::chrono::steady_clock;
        const auto wallStart = Clock::now();
        const std::uint64_t ticksStart = __rdtsc();
        // Long enough for 0.1 % precision, short enough to be unnoticed at start-up.
        while (Clock::now() - wallStart < std::chrono::milliseconds(5)) {
        }
        const auto wallEnd = Clock::now();
        const std::uint64_t ticksEnd = __rdtsc();
        const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(wallEnd - wallStart).count();
        const std::uint64_t ticks = ticksEnd - ticksStart;
        if (ticks == 0 || nanoseconds <= 0)
            return;
        s_multiplier = static_cast<std::uint64_t>((static_cast<Wide>(nanoseconds) << Shift) / ticks);
        s_useTsc = s_multiplier != 0;
#endif
    });
}

} // namespace poolscope
