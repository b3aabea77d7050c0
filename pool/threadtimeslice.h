#pragma once
// The time slice the kernel gives the calling thread: on Linux >= 6.12 a thread may ask the
// EEVDF scheduler for a shorter slice than the default (sched_setattr's sched_runtime for a
// SCHED_OTHER/SCHED_BATCH thread, 0.1-100 ms). A shorter slice gives it an earlier deadline:
// when it wakes on a CPU running a thread with a longer slice (the poster, or another
// program's thread), the scheduler lets it preempt that thread at once, where a thread with
// the default slice waits until the running one has used its own, often until the next tick
// (4 ms at HZ=250). Measured (README, "Wake latency under load"): the p99 of a worker's wake
// on a shared 2-vCPU machine drops from ~3.6 ms to ~50-150 us; the cost is more context
// switches when workers and posters share a CPU.

// Both functions are defined with the other OS calls in internal/platform_<os>.cpp.

#include <chrono>

namespace poolscope {

// The range the kernel accepts; 0 means "the kernel's default" and is always valid.
inline constexpr std::chrono::microseconds MinThreadTimeSlice{100};
inline constexpr std::chrono::microseconds MaxThreadTimeSlice{100'000};

// Asks for `slice` (MinThreadTimeSlice..MaxThreadTimeSlice, or 0 for the kernel's default
// again) for the calling thread, keeping its policy and nice value. False when the kernel
// refused it or the thread runs a real-time policy; kernels before 6.12 accept the call and
// ignore the slice (see threadTimeSlice()).
// Calling thread only. Never blocks.
bool requestThreadTimeSlice(std::chrono::microseconds slice) noexcept;

// The slice the kernel reports for the calling thread (its default or the one requested);
// 0 when the kernel reports none (before 6.12) or the call failed. Calling thread only.
std::chrono::nanoseconds threadTimeSlice() noexcept;

} // namespace poolscope
