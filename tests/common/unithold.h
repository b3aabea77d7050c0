#pragma once
// Holds the worker that runs unit() until release(): how a test keeps one unit in flight
// (and the queue behind it) without sleeping. Shared by the pool and ui suites.
//
//   UnitHold hold;
//   session.post(hold.unit());
//   QTRY_VERIFY(hold.isHolding());
//   ... the pool has one unit running ...
//   hold.release();
//
// Thread safety: unit() runs on a worker; isHolding() and release() from any thread.
// release() once; the hold must outlive the unit.

#include "completionport.h"

#include <atomic>
#include <latch>

namespace poolscope::testing {

class UnitHold {
public:
    auto unit()
    {
        return [this] {
            m_holding.store(true);
            m_release.wait();
        };
    }
    // The same, held inside a BlockingScope: the worker counts as blocked, not running.
    auto blockingUnit()
    {
        return [this] {
            BlockingScope blocked;
            m_holding.store(true);
            m_release.wait();
        };
    }
    bool isHolding() const { return m_holding.load(); }
    void release() { m_release.count_down(); }

private:
    std::atomic<bool> m_holding{false};
    std::latch m_release{1};
};

} // namespace poolscope::testing
