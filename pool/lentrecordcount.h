#pragma once
// How many operation records a driver has lent to IoService, and a wait until none is:
// what a driver's stop needs before its records may be destroyed.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace poolscope {

// Threading: lend() and giveBack() from any thread, lock-free except for the give-back
// that reaches zero; waitUntilNone() from any thread. Thread-safe.
class LentRecordCount {
public:
    // Before a start (a failed start gives it back). Thread-safe. Never blocks.
    void lend() noexcept { m_count.fetch_add(1, std::memory_order_relaxed); }

    // When a record is back: its completion handled, or its start refused. Thread-safe.
    void giveBack() noexcept
    {
        // Above one, count down without the lock. The last one is counted under the lock,
        // so that a waiter cannot see zero, return and destroy the owner before the notify.
        std::int64_t lent = m_count.load(std::memory_order_relaxed);
        while (lent > 1) {
            if (m_count.compare_exchange_weak(lent, lent - 1, std::memory_order_acq_rel, std::memory_order_relaxed))
                return;
        }
        std::lock_guard lock(m_mutex);
        if (m_count.fetch_sub(1, std::memory_order_acq_rel) == 1)
            m_none.notify_all();
    }

    // Waits on a condition (never polling) until no record is lent; false at the deadline.
    // Thread-safe.
    bool waitUntilNone(std::chrono::nanoseconds deadline)
    {
        std::unique_lock lock(m_mutex);
        const auto none = [this] { return m_count.load(std::memory_order_acquire) == 0; };
        if (deadline >= std::chrono::hours(24 * 365)) { // "no deadline": a time_point would overflow
            m_none.wait(lock, none);
            return true;
        }
        return m_none.wait_for(lock, deadline, none);
    }

    std::int64_t count() const noexcept { return m_count.load(std::memory_order_acquire); } // Thread-safe.

private:
    std::atomic<std::int64_t> m_count{0};
    std::mutex m_mutex;
    std::condition_variable m_none;
};

} // namespace poolscope
