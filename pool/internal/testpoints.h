#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif
// Test-only pause points: named places in pool/ where a test can stop a thread, or run an
// action on it, to force a race instead of looping and hoping for it.
//
// In the code: POOLSCOPE_TEST_POINT("workerpool.post.accepted");
// It expands to nothing unless the target is built with POOLSCOPE_TEST_POINTS=1 (the
// `pool_testpoints` library the pool tests link); the app's `pool` has no trace of it.
//
// In a test:
//   testpoints::pauseAt("workerpool.post.accepted");      // the next thread to get there stops
//   std::thread poster([&] { pool.post(...); });
//   QVERIFY(testpoints::waitUntilPaused("workerpool.post.accepted", 10s));
//   ... do what must happen while it is stopped ...
//   testpoints::release("workerpool.post.accepted");
// Each test should end with testpoints::reset() (or hold a testpoints::Scope).
//
// Thread safety: every function is thread-safe. An action runs on the thread that reached
// the point, outside the registry's lock; it may throw only where the point's comment says so.

#include <chrono>
#include <functional>
#include <string_view>

namespace poolscope::testpoints {

// The next `count` threads to reach `name` stop there until release(name).
void pauseAt(std::string_view name, int count = 1);

// Waits until a thread is stopped at `name` (true), or until `timeout` (false).
bool waitUntilPaused(std::string_view name, std::chrono::milliseconds timeout);

// Lets every thread stopped at `name` go on, and disarms the remaining pauses there. They stop
// counting as paused at once, so a waitUntilPaused() after a new pauseAt() waits for a new stop.
void release(std::string_view name);

// Runs `action` on every thread that reaches `name`, before any pause there, until reset().
// The action gets how many times the point was reached with an action set (1, 2, ...).
void onReach(std::string_view name, std::function<void(int hit)> action);

// Removes every pause and action and releases every stopped thread.
void reset();

// Called by POOLSCOPE_TEST_POINT. Costs one relaxed load while nothing is armed.
void reached(std::string_view name);

// Resets on construction and destruction: one per test function.
struct Scope {
    Scope() { reset(); }
    ~Scope() { reset(); }
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;
};

} // namespace poolscope::testpoints

#if defined(POOLSCOPE_TEST_POINTS) && POOLSCOPE_TEST_POINTS
#define POOLSCOPE_TEST_POINT(name) ::poolscope::testpoints::reached(name)
#else
#define POOLSCOPE_TEST_POINT(name) ((void)0)
#endif
