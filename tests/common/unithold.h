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
// release() any number of times; the hold releases when it goes.

#include "completionport.h"

#include <atomic>
#include <latch>
#include <memory>

namespace poolscope::testing {

class UnitHold {
public:
    UnitHold() = default;
    UnitHold(const UnitHold &) = delete;
    UnitHold &operator=(const UnitHold &) = delete;
    // Releases the unit: a test that fails half-way (a QVERIFY returns) must not leave a
    // worker held, or the pool's destruction waits for it forever and hangs the suite. Declare
    // the hold after the pool or session, so that it goes first.
    ~UnitHold() { release(); }

    // The unit shares the latch with the hold, so it may outlive the hold.
    auto unit()
    {
        return [state = m_state] {
            state->holding.store(true);
            state->release.wait();
        };
    }
    // The same, held inside a BlockingScope: the worker counts as blocked, not running.
    auto blockingUnit()
    {
        return [state = m_state] {
            BlockingScope blocked;
            state->holding.store(true);
            state->release.wait();
        };
    }
    bool isHolding() const { return m_state->holding.load(); }
    void release() // the first call releases; later ones do nothing
    {
        if (!m_state->released.exchange(true))
            m_state->release.count_down();
    }

private:
    struct State {
        std::atomic<bool> holding{false};
        std::atomic<bool> released{false};
        std::latch release{1};
    };
    std::shared_ptr<State> m_state = std::make_shared<State>();
};

} // namespace poolscope::testing
