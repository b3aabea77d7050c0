#pragma once

#include "completionpacket.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace poolscope {

// Approximate figures of a port, read without a lock. Each field is exact on its own
// at the moment it was read; together they may disagree by the threads in transition.
struct PortCounters {
    std::uint64_t queued = 0;       // packets waiting to be dequeued
    std::uint32_t running = 0;      // threads that hold a packet and count against the limit
    std::uint32_t parked = 0;       // threads asleep in dequeue()
    std::uint32_t concurrency = 0;  // the limit in force (never 0: 0 was resolved to the CPU count)
    std::uint64_t peakQueued = 0;   // since construction or resetPeaks()
    std::uint32_t peakRunning = 0;  // since construction or resetPeaks()
    std::uint64_t parks = 0;        // times a thread went to sleep in dequeue() (a syscall each)
    std::uint64_t wakes = 0;        // times a post, close or limit change woke a parked thread (a syscall each)
    bool closed = false;
};

// An I/O completion port: a kernel-style queue of completion packets.
//
// Semantics (those of Windows' port, which the Windows backend uses directly):
// - post() never blocks and never fails for want of space (the queue is unbounded).
// - A post wakes at most one parked waiter: the most recently parked (LIFO), since its
//   stack and cache are the hottest and the others may stay asleep. It wakes none when a
//   waiter that is still awake will take the packet (the Linux backend lets a waiter spin
//   briefly before it sleeps); a thread never sleeps while a packet it could run is queued.
// - Concurrency limit N: at most N threads "run" a packet at once. A thread runs from the
//   moment dequeue() hands it a packet until it calls dequeue() again or leave(). While
//   running == N, packets stay queued and waiters stay parked.
// - A running thread inside a BlockingScope does not count against N, so the port may
//   release another waiter. When the scope ends the thread counts again, and until threads
//   come back to dequeue() more than N may run, exactly as on Windows.
// - close() wakes every waiter with Closed and hands back every packet still queued, so
//   that their owner destroys them; later posts are refused. closeWhenDrained() closes the
//   port at the moment its queue becomes empty instead, so that nothing queued is lost.
// - alert() ends the wait of a parked thread without a packet (Alerted), bypassing the
//   queue and the limit: the way to reach idle threads while a backlog waits.
//
// Packet order is first in, first out for packets from one thread, however long the queue.
//
// Thread safety: every method is thread-safe unless it says otherwise. The destructor must
// not run while another thread is inside a method; packets still queued at destruction are
// dropped (their owner should call close() first and take them back).
//
// The backend (Linux: a user-space queue with per-waiter futex parking; Windows: the native
// port) is chosen at build time in pool/CMakeLists.txt; this interface is the same for both.
class CompletionPort {
public:
    // concurrency == 0 means the number of processors, as for CreateIoCompletionPort.
    explicit CompletionPort(unsigned concurrency = 0);
    ~CompletionPort();
    CompletionPort(const CompletionPort &) = delete;
    CompletionPort &operator=(const CompletionPort &) = delete;

    // Queues a packet. Returns false, and queues nothing, when the port is closed.
    // Thread-safe. Never blocks. Allocates at most once per 1024 posts (the Linux queue's
    // segments, recycled as they empty), never to wake a waiter while fewer than 4M packets
    // are queued (beyond that, a wake may move overflow packets into a new segment).
    bool post(const CompletionPacket &packet);

    // Waits for a packet, the timeout, close() or an alert. The calling thread stops running
    // (if it was) on entry and runs again when a packet is returned. A pending alert is
    // returned before any queued packet.
    // Thread-safe. Blocks up to `timeout` (zero: a poll; too long to add to the clock,
    // up to nanoseconds::max(): no limit).
    DequeueResult dequeue(std::chrono::nanoseconds timeout);
    DequeueResult dequeue(); // no timeout

    // The calling thread stops counting as running on this port (for a thread that will
    // not call dequeue() again, e.g. one that exits). Thread-safe.
    void leave() noexcept;

    // Changes N while threads wait and run; raising it may release waiters at once.
    // 0 means the number of processors. Thread-safe.
    void setConcurrency(unsigned concurrency);
    unsigned concurrency() const noexcept; // Thread-safe.

    // Closes the port: refuses further posts, wakes every waiter with Closed and returns
    // the packets still queued, oldest first. A second call returns nothing.
    // Packets already handed to a woken waiter are not returned: that waiter gets them.
    // Thread-safe.
    std::vector<CompletionPacket> close();
    bool isClosed() const noexcept; // Thread-safe.

    // Closes the port as soon as no packet is queued (at once if none is): until then posts
    // are still taken and every queued packet is dequeued; then waiters get Closed as after
    // close(). A post that comes in before the queue empties keeps the port open for itself,
    // so a post that returned true is always dequeued. Thread-safe. Never blocks a dequeuer.
    void closeWhenDrained() noexcept;

    // Wakes `count` waiters with Alerted, the least recently parked first, whatever is queued
    // and whatever the limit. Alerts no parked thread takes stay pending and go to the next
    // threads that call dequeue(). Thread-safe. Never allocates.
    void alert(unsigned count) noexcept;

    PortCounters counters() const noexcept; // Thread-safe. Never blocks.
    void resetPeaks() noexcept;             // Thread-safe.

    // "linux-futex" or "windows-iocp": shown in the UI and written in exports.
    static const char *backendName() noexcept;
    static unsigned processorCount() noexcept;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

// Marks the calling thread as blocked for the scope's lifetime (a sleep, a lock, a
// synchronous call) so that the port it runs for may release another waiter. Nests; only
// the outermost scope counts. Outside a port's thread it does nothing.
// Create and destroy it on the same thread. Never blocks itself.
class BlockingScope {
public:
    BlockingScope() noexcept;
    ~BlockingScope();
    BlockingScope(const BlockingScope &) = delete;
    BlockingScope &operator=(const BlockingScope &) = delete;
};

} // namespace poolscope
