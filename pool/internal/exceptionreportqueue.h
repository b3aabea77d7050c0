#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif

#include "exceptionreport.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace poolscope {

// Bounded queue of exception reports from workers (many producers) to the pool's owner
// (one consumer). A report that finds the queue full is dropped and counted: a flood of
// exceptions must not grow memory nor slow the workers down more than the throw did.
// Exceptions are the slow path, so a mutex is fine here.
class ExceptionReportQueue {
public:
    explicit ExceptionReportQueue(std::size_t capacity) : m_capacity(capacity) {}

    // Returns false (and counts the drop) when full. Thread-safe.
    bool push(ExceptionReport &&report)
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_reports.size() < m_capacity) {
                m_reports.push_back(std::move(report));
                return true;
            }
        }
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }

    // Appends up to `max` reports to `out`, oldest first. Thread-safe.
    std::size_t drain(std::vector<ExceptionReport> &out, std::size_t max)
    {
        std::lock_guard lock(m_mutex);
        std::size_t moved = 0;
        while (moved < max && !m_reports.empty()) {
            out.push_back(std::move(m_reports.front()));
            m_reports.pop_front();
            ++moved;
        }
        return moved;
    }

    std::uint64_t dropped() const noexcept { return m_dropped.load(std::memory_order_relaxed); } // Thread-safe.

private:
    const std::size_t m_capacity;
    std::mutex m_mutex;
    std::deque<ExceptionReport> m_reports;
    std::atomic<std::uint64_t> m_dropped{0};
};

} // namespace poolscope
