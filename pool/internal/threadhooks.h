#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif
// Per-thread hooks between BlockingScope and whoever runs the thread (the WorkerPool's
// workers), so that the port knows nothing of the pool. Internal to pool/.

namespace poolscope::detail {

// Called on the calling thread when its outermost BlockingScope starts (true) or ends (false).
// Must not throw or block.
using BlockingHook = void (*)(void *context, bool blocked) noexcept;

// Installs the hook for the calling thread (nullptr removes it). Owner thread only: each
// thread installs its own.
void setThreadBlockingHook(BlockingHook hook, void *context) noexcept;

// Lets the calling thread's time slice follow how its packets come (CompletionPort's
// AdaptiveTimeSlice): short while it waits for sparse wakes, the kernel's default otherwise.
// Owner thread only; a thread that leaves it on keeps it for every port it dequeues from.
void setThreadAdaptiveTimeSlice(bool adaptive) noexcept;

} // namespace poolscope::detail
