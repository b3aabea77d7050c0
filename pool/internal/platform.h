#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif
// The operating system, in one place: every call pool/ makes to the OS outside its two
// backends goes through a function here that says what it is for, so that a second OS adds
// one file (platform_<os>.cpp beside platform_linux.cpp) instead of touching each caller.
// Internal to pool/ (pool/internal/ is not on the include path of ui/ or app/).
//
// What belongs here: small OS services the pool's portable code needs (name a thread, the
// process's umask, random bytes, keep SIGPIPE from killing a write, whether the TSC is a
// clock, the scheduler's time slice, the OS's name). Public functions whose whole body is
// such a call keep their declaration in their public header and are defined in
// platform_<os>.cpp with the rest:
//   requestThreadTimeSlice(), threadTimeSlice()   threadtimeslice.h
//   operatingSystemName()                         runreport.h
//
// What does not belong here, and why:
//  - the completion port's backend (completionport_linux.cpp: futex, sched_yield,
//    sched_getcpu/affinity) is the port's per-OS file already, and its wait and wake must
//    stay inline on the hot path;
//  - the I/O backend (ioservice.cpp: io_uring; echoserver, echoclients, filereadload:
//    sockets, epoll, files) is the I/O model itself: another OS writes its own, whole;
//  - SafeFileWriter's file calls (open, fstat, renameat, fsync: POSIX) are what the writer
//    is; only its three Linux-specific calls moved here.
//
// Threading: every function is thread-safe; the thread-naming and signal-mask ones act on
// the calling thread or on a thread the caller owns.

#include <cstddef>
#include <span>
#include <string_view>
#include <thread>

namespace poolscope::platform {

// Names the calling thread for debuggers and `top -H`, cut to what the OS keeps (15
// characters on Linux): a longer name keeps its last "-N", which tells threads apart, and as
// much of the rest as fits. Best effort: never fails.
void nameCurrentThread(std::string_view name) noexcept;

// The same for a thread the caller started and still owns (not joined, not detached).
void nameThread(std::thread &thread, std::string_view name) noexcept;

// True when the CPU's time-stamp counter runs at one rate on every core and never stops
// (Linux: /proc/cpuinfo's constant_tsc and nonstop_tsc), so that it can serve as a clock.
// False when unknown or not x86-64. May throw std::bad_alloc.
bool hasReliableTsc();

// The permission bits the process's umask clears (e.g. 022), read without changing it:
// umask() itself sets it, which would race other threads creating files. 022 when unknown.
// May throw std::bad_alloc.
unsigned processUmask();

// Fills `bytes` from the OS's cryptographic random source. False when it could not (the
// caller falls back to something weaker). Never blocks once the OS has seeded its source.
bool fillRandom(std::span<unsigned char> bytes) noexcept;

// While it lives, SIGPIPE is blocked in the calling thread, so that writing to a pipe or
// FIFO whose reader went away fails with EPIPE instead of killing the process; a SIGPIPE
// raised meanwhile is consumed before the old mask comes back. Calling thread only: create
// and destroy it on the same thread. An OS without SIGPIPE makes it do nothing.
class SigpipeBlocked {
public:
    SigpipeBlocked() noexcept;
    ~SigpipeBlocked();
    SigpipeBlocked(const SigpipeBlocked &) = delete;
    SigpipeBlocked &operator=(const SigpipeBlocked &) = delete;

private:
    struct Saved; // the OS's signal masks, defined in platform_<os>.cpp
    // Inline storage, not a heap object: the writer must not allocate to protect a write.
    alignas(std::max_align_t) std::byte m_saved[320];
};

} // namespace poolscope::platform
