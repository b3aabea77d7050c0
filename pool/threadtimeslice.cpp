#include "threadtimeslice.h"

#include <cstdint>

#if defined(__linux__)
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace poolscope {

#if defined(__linux__)
namespace {

// sched_setattr(2)'s struct, first version (48 bytes), declared here as the manual page says
// to: glibc before 2.41 has neither the struct nor wrappers, and <linux/sched/types.h>
// clashes with <sched.h>.
struct SchedAttributes {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime; // for SCHED_OTHER/SCHED_BATCH since Linux 6.12: the slice
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
};
static_assert(sizeof(SchedAttributes) == 48);
constexpr std::uint64_t ResetOnForkFlag = 0x01; // SCHED_FLAG_RESET_ON_FORK

bool readAttributes(SchedAttributes &attributes) noexcept
{
    attributes = {};
    return syscall(SYS_sched_getattr, 0, &attributes, static_cast<unsigned>(sizeof attributes), 0u) == 0;
}

} // namespace

bool requestThreadTimeSlice(std::chrono::microseconds slice) noexcept
{
    if (slice < MinThreadTimeSlice || slice > MaxThreadTimeSlice)
        return false;
    SchedAttributes attributes;
    if (!readAttributes(attributes))
        return false;
    if (attributes.sched_policy != SCHED_OTHER && attributes.sched_policy != SCHED_BATCH)
        return false; // a real-time or deadline thread: its slice is not ours to change
    // Keep the policy and the nice value as they are (sched_nice came back with them); of the
    // flags only reset-on-fork is carried over (this size has no utilisation clamps).
    attributes.size = static_cast<std::uint32_t>(sizeof attributes);
    attributes.sched_flags &= ResetOnForkFlag;
    attributes.sched_runtime = static_cast<std::uint64_t>(std::chrono::nanoseconds(slice).count());
    attributes.sched_deadline = 0;
    attributes.sched_period = 0;
    return syscall(SYS_sched_setattr, 0, &attributes, 0u) == 0;
}

std::chrono::nanoseconds threadTimeSlice() noexcept
{
    SchedAttributes attributes;
    if (!readAttributes(attributes))
        return std::chrono::nanoseconds::zero();
    return std::chrono::nanoseconds(static_cast<std::int64_t>(attributes.sched_runtime));
}

#else

bool requestThreadTimeSlice(std::chrono::microseconds) noexcept { return false; }

std::chrono::nanoseconds threadTimeSlice() noexcept { return std::chrono::nanoseconds::zero(); }

#endif

} // namespace poolscope
