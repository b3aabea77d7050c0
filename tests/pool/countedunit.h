#pragma once
// A unit that counts, in a ledger of the test's own, how often it is destroyed (moved-from
// shells do not count) and run; optionally held on a latch. Shared by the pool suites.

#include <atomic>
#include <cstddef>
#include <latch>
#include <utility>
#include <vector>

namespace poolscope::testing {

// Counts how often each unit is destroyed (moved-from shells do not count) and run.
struct Ledger {
    explicit Ledger(std::size_t units) : destroyed(units), ran(units) {}
    std::vector<std::atomic<int>> destroyed;
    std::vector<std::atomic<int>> ran;
    int destroyedTotal() const
    {
        int total = 0;
        for (const auto &count : destroyed)
            total += count.load();
        return total;
    }
    int ranTotal() const
    {
        int total = 0;
        for (const auto &count : ran)
            total += count.load();
        return total;
    }
    bool eachDestroyedOnce() const
    {
        for (const auto &count : destroyed)
            if (count.load() != 1)
                return false;
        return true;
    }
};

class CountedUnit {
public:
    CountedUnit(Ledger &ledger, std::size_t index, std::latch *gate = nullptr)
        : m_ledger(&ledger), m_index(index), m_gate(gate)
    {
    }
    CountedUnit(CountedUnit &&other) noexcept
        : m_ledger(std::exchange(other.m_ledger, nullptr)), m_index(other.m_index), m_gate(other.m_gate)
    {
    }
    CountedUnit &operator=(CountedUnit &&) = delete;
    ~CountedUnit()
    {
        if (m_ledger)
            m_ledger->destroyed[m_index].fetch_add(1);
    }
    void operator()()
    {
        if (m_gate)
            m_gate->wait();
        m_ledger->ran[m_index].fetch_add(1);
    }

private:
    Ledger *m_ledger;
    std::size_t m_index;
    std::latch *m_gate;
};

} // namespace poolscope::testing
