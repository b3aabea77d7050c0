// Linux: the definitions of platform.h, and of the public functions whose whole body is an
// OS call (see platform.h for the list and for what stays in the backends).
#include "platform.h"

#include "runreport.h"       // operatingSystemName()
#include "threadtimeslice.h" // requestThreadTimeSlice(), threadTimeSlice()

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>

#include <csignal>
#include <pthread.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace poolscope {

namespace platform {

namespace {

// Linux keeps 15 characters and a NUL.
constexpr std::size_t MaxThreadName = 15;

// Writes the name the kernel will keep into `out`: a longer name keeps its last "-N" and as
// much of what comes before it as fits. No allocation, so that naming never fails.
void shortened(std::string_view name, char (&out)[MaxThreadName + 1]) noexcept
{
    std::string_view head = name, tail;
    if (name.size() > MaxThreadName) {
        const std::size_t dash = name.rfind('-');
        if (dash != std::string_view::npos && name.size() - dash < MaxThreadName)
            tail = name.substr(dash);
        head = name.substr(0, MaxThreadName - tail.size());
    }
    const std::size_t length = head.copy(out, head.size());
    tail.copy(out + length, tail.size());
    out[length + tail.size()] = '\0';
}

} // namespace

void nameCurrentThread(std::string_view name) noexcept
{
    char kept[MaxThreadName + 1];
    shortened(name, kept);
    ::pthread_setname_np(::pthread_self(), kept);
}

void nameThread(std::thread &thread, std::string_view name) noexcept
{
    char kept[MaxThreadName + 1];
    shortened(name, kept);
    ::pthread_setname_np(thread.native_handle(), kept);
}

bool hasReliableTsc()
{
#if defined(__x86_64__)
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) == 0)
            return line.find(" constant_tsc") != std::string::npos && line.find(" nonstop_tsc") != std::string::npos;
    }
#endif
    return false;
}

unsigned processUmask()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Umask:", 0) == 0)
            return static_cast<unsigned>(std::strtoul(line.c_str() + 6, nullptr, 8) & 0777);
    return 022;
}

bool fillRandom(std::span<unsigned char> bytes) noexcept
{
    return ::getrandom(bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
}

struct SigpipeBlocked::Saved {
    sigset_t pipe{}, old{};
    bool wasPending = false;
};

SigpipeBlocked::SigpipeBlocked() noexcept
{
    static_assert(sizeof(Saved) <= sizeof m_saved && alignof(Saved) <= alignof(std::max_align_t));
    Saved &saved = *new (m_saved) Saved;
    sigemptyset(&saved.pipe);
    sigaddset(&saved.pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    saved.wasPending = sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &saved.pipe, &saved.old);
}

SigpipeBlocked::~SigpipeBlocked()
{
    Saved &saved = *std::launder(reinterpret_cast<Saved *>(m_saved));
    if (!saved.wasPending) {
        const timespec zero{};
        while (sigtimedwait(&saved.pipe, nullptr, &zero) == SIGPIPE) {
        }
    }
    ::pthread_sigmask(SIG_SETMASK, &saved.old, nullptr);
    saved.~Saved();
}

} // namespace platform

// --- public functions whose body is an OS call -------------------------------------------

std::string operatingSystemName()
{
    utsname name{};
    if (::uname(&name) != 0)
        return "unknown";
    return std::string(name.sysname) + ' ' + name.release + ' ' + name.machine;
}

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
    return ::syscall(SYS_sched_getattr, 0, &attributes, static_cast<unsigned>(sizeof attributes), 0u) == 0;
}

} // namespace

bool requestThreadTimeSlice(std::chrono::microseconds slice) noexcept
{
    if (slice.count() != 0 && (slice < MinThreadTimeSlice || slice > MaxThreadTimeSlice))
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
    attributes.sched_runtime = static_cast<std::uint64_t>(std::chrono::nanoseconds(slice).count()); // 0: default
    attributes.sched_deadline = 0;
    attributes.sched_period = 0;
    return ::syscall(SYS_sched_setattr, 0, &attributes, 0u) == 0;
}

std::chrono::nanoseconds threadTimeSlice() noexcept
{
    SchedAttributes attributes;
    if (!readAttributes(attributes))
        return std::chrono::nanoseconds::zero();
    return std::chrono::nanoseconds(static_cast<std::int64_t>(attributes.sched_runtime));
}

} // namespace poolscope
