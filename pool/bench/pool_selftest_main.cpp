// A Qt-free smoke test of the pool, for machines where the pool is built on its own
// (cmake -S pool). The full behaviour is tested by tests/pool with Qt Test as the runner.

#include "workerpool.h"

#include <atomic>
#include <cstdio>
#include <latch>
#include <stdexcept>

using namespace poolscope;

namespace {
int failures = 0;
void check(bool condition, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "FAIL: %s\n", what);
        ++failures;
    }
}
} // namespace

int main()
{
    {
        CompletionPort port(1);
        check(port.post({7, nullptr, 0, 0}), "post to an open port");
        const DequeueResult result = port.dequeue(std::chrono::milliseconds(100));
        check(result.outcome == DequeueOutcome::UserPosted && result.packet.key == 7, "dequeue what was posted");
        check(port.dequeue(std::chrono::milliseconds(1)).outcome == DequeueOutcome::Timeout, "empty port times out");
        port.close();
        check(port.dequeue(std::chrono::milliseconds(1)).outcome == DequeueOutcome::Closed, "closed port says so");
    }
    {
        std::atomic<int> ran{0};
        WorkerPool pool({.workers = 3});
        for (int i = 0; i < 10000; ++i)
            pool.post([&ran] { ran.fetch_add(1, std::memory_order_relaxed); });
        pool.post([] { throw std::runtime_error("boom"); });
        const ShutdownResult result = pool.shutdown(ShutdownMode::Graceful);
        const PoolSnapshot snapshot = pool.snapshot();
        check(ran.load() == 10000, "every unit ran");
        check(snapshot.completed == 10000 && snapshot.failed == 1, "completed and failed counted");
        check(snapshot.identityError() == 0 && snapshot.queued == 0 && snapshot.inFlight == 0, "identity");
        check(!result.deadlineMissed && result.drained <= 10001, "graceful shutdown result");
        check(pool.post([] {}) == 0, "post after shutdown refused");
    }
    std::printf("pool_selftest: %s\n", failures == 0 ? "all checks passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
