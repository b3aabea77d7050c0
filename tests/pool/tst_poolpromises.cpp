// Promises of completionport.h and workerpool.h under hostile timing. Each race is forced
// with a test pause point (testpoints.h) or a latch, never hoped for: every test here
// failed, deterministically, before the fix it guards.

#include "completionport.h"
#include "countedunit.h"
#include "testpoints.h"
#include "testprinters.h"
#include "workerpool.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <new>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

using namespace poolscope;
using namespace std::chrono_literals;
using poolscope::testing::CountedUnit;
using poolscope::testing::Ledger;

// Counts the calling thread's allocations while it is told to (post's wake path).
namespace {
thread_local bool t_countAllocations = false;
thread_local int t_allocations = 0;
} // namespace

void *operator new(std::size_t size)
{
    if (t_countAllocations)
        ++t_allocations;
    if (void *memory = std::malloc(size == 0 ? 1 : size))
        return memory;
    throw std::bad_alloc();
}
void operator delete(void *memory) noexcept { std::free(memory); }
void operator delete(void *memory, std::size_t) noexcept { std::free(memory); }

namespace {

// A unit whose n-th move (counting from arm()) stops until the test lets it go: the move
// inside post() is the caller's code, and may take as long as it likes.
class SlowToMove {
public:
    struct Control {
        std::atomic<int> movesUntilStop{-1};
        std::latch stopped{1};
        std::latch proceed{1};
    };
    SlowToMove(Ledger &ledger, Control &control) : m_unit(ledger, 0), m_control(&control) {}
    SlowToMove(SlowToMove &&other) noexcept : m_unit(std::move(other.m_unit)), m_control(other.m_control)
    {
        if (m_control->movesUntilStop.fetch_sub(1) == 1) {
            m_control->stopped.count_down();
            m_control->proceed.wait();
        }
    }
    void operator()() { m_unit(); }

private:
    CountedUnit m_unit;
    Control *m_control;
};

template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 20s)
{
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > until)
            return false;
        std::this_thread::yield();
    }
    return true;
}

} // namespace

class TestPoolPromises : public QObject {
    Q_OBJECT

private slots:
    void cleanup() { testpoints::reset(); }

    // 1. per-producer FIFO past the ring
    void fifoHoldsWhileARingCellIsClaimedButNotFilled();
    // 2. a refused post is rejected, not posted + cancelled
    void postRefusedDuringItsMoveIsOnlyRejected();
    void postRefusedAfterItWasCountedIsTakenBack_data();
    void postRefusedAfterItWasCountedIsTakenBack();
    // 3. retire requests reach idle workers past the limit and the backlog
    void shrinkRetiresParkedWorkersAtTheConcurrencyLimit();
    // 4. graceful shutdown drains when the last worker leaves with a retire request
    void gracefulShutdownDrainsWhenTheLastWorkerRetires();
    // 5. a unit accepted while a graceful shutdown misses its deadline is destroyed once
    void postAcceptedDuringALateDrainIsRunOrCancelledOnce();
    // 6. finite timeouts too long to add to the clock
    void dequeueWithTheLongestFiniteTimeout();
    // 7. a thread that cannot be started
    void threadStartFailureChangesNothing();
    void constructorThreadStartFailureLeavesNoThread();
    // 8. post never allocates to wake
    void postDoesNotAllocateToWakeAWaiter();
    // The two new port primitives the fixes stand on.
    void closeWhenDrainedDequeuesEverythingThenCloses();
    void alertWakesTheColdestWaiterPastTheLimit();
};

void TestPoolPromises::fifoHoldsWhileARingCellIsClaimedButNotFilled()
{
    CompletionPort port(1);
    std::atomic<int> overflowed{0};
    testpoints::onReach("port.queue.overflowed", [&](int) { overflowed.store(1); });

    // Another producer claims the first ring cell and stops before filling it.
    testpoints::pauseAt("port.ring.cellClaimed");
    std::thread other([&] { QVERIFY(port.post({2, nullptr, 0, 0})); });
    QVERIFY(testpoints::waitUntilPaused("port.ring.cellClaimed", 20s));

    // This producer fills the rest of the ring and spills into the overflow.
    constexpr std::uint32_t Posts = 8192 + 64;
    for (std::uint32_t sequence = 0; sequence < Posts; ++sequence)
        QVERIFY(port.post({1, nullptr, sequence, 0}));
    QVERIFY(overflowed.load() == 1);

    std::atomic<bool> consumerStuckOnTheCell{false};
    std::atomic<int> dequeued{0};
    testpoints::onReach("port.queue.waitForRingHead", [&](int) { consumerStuckOnTheCell.store(true); });
    std::vector<CompletionPacket> order;
    std::thread consumer([&] {
        for (std::uint32_t i = 0; i < Posts + 1; ++i) {
            const DequeueResult result = port.dequeue(60s);
            if (!result.hasPacket())
                return;
            order.push_back(result.packet);
            dequeued.fetch_add(1);
        }
    });
    // Either the consumer waits for the claimed cell (right) or takes something else first.
    QVERIFY(eventually([&] { return consumerStuckOnTheCell.load() || dequeued.load() > 0; }));
    testpoints::release("port.ring.cellClaimed");
    other.join();
    consumer.join();

    QCOMPARE(order.size(), std::size_t(Posts + 1));
    std::uint32_t expected = 0;
    for (const CompletionPacket &packet : order) {
        if (packet.key != 1)
            continue;
        QCOMPARE(packet.bytes, expected);
        ++expected;
    }
    QCOMPARE(expected, Posts);
    QCOMPARE(order.front().key, std::uintptr_t(2)); // the oldest packet of all came first
}

void TestPoolPromises::postRefusedDuringItsMoveIsOnlyRejected()
{
    Ledger ledger(1);
    SlowToMove::Control control;
    auto pool = std::make_unique<WorkerPool>(WorkerPoolOptions{.workers = 1});
    QVERIFY(pool->post([] {}) == 1);
    QVERIFY(eventually([&] { return pool->snapshot().completed == 1; }));

    WorkUnit unit{SlowToMove(ledger, control)};
    control.movesUntilStop.store(2); // into post's parameter, then into the queued item
    std::uint64_t id = 99;
    std::thread poster([&] { id = pool->post(std::move(unit)); });
    control.stopped.wait();
    const ShutdownResult result = pool->shutdown(ShutdownMode::Fast);
    QVERIFY(!result.deadlineMissed);
    control.proceed.count_down();
    poster.join();

    QCOMPARE(id, std::uint64_t(0));
    const PoolSnapshot s = pool->snapshot();
    QCOMPARE(s.posted, std::uint64_t(1)); // the refused post is not counted, and used no id
    QCOMPARE(s.cancelled, std::uint64_t(0));
    QCOMPARE(s.rejected, std::uint64_t(1));
    QCOMPARE(s.identityError(), std::int64_t(0));
    QCOMPARE(ledger.destroyed[0].load(), 1);
    QCOMPARE(ledger.ran[0].load(), 0);
}

void TestPoolPromises::postRefusedAfterItWasCountedIsTakenBack_data()
{
    QTest::addColumn<int>("postedAs"); // 0 a callable; 1 a function, 2 a notify unit: nothing to destroy
    QTest::newRow("callable") << 0;
    QTest::newRow("function unit") << 1;
    QTest::newRow("notify unit") << 2;
}

void TestPoolPromises::postRefusedAfterItWasCountedIsTakenBack()
{
    QFETCH(int, postedAs);
    Ledger ledger(1);
    std::atomic<int> functionRuns{0};
    struct CountingTarget final : NotifyTarget {
        std::atomic<int> *runs;
        explicit CountingTarget(std::atomic<int> &counter) : runs(&counter) {}
        void notify(void *, int) override { runs->fetch_add(1); }
    } target(functionRuns);
    auto pool = std::make_unique<WorkerPool>(WorkerPoolOptions{.workers = 1});
    testpoints::pauseAt("workerpool.post.counted");
    std::uint64_t id = 99;
    std::thread poster([&] {
        switch (postedAs) {
        case 0: id = pool->post(CountedUnit(ledger, 0)); break;
        case 1:
            id = pool->post([](void *runs) { static_cast<std::atomic<int> *>(runs)->fetch_add(1); }, &functionRuns);
            break;
        default: id = pool->post(target, nullptr, 1); break;
        }
    });
    QVERIFY(testpoints::waitUntilPaused("workerpool.post.counted", 20s));
    pool->shutdown(ShutdownMode::Fast);
    testpoints::release("workerpool.post.counted");
    poster.join();

    QCOMPARE(id, std::uint64_t(0));
    const PoolSnapshot s = pool->snapshot();
    QCOMPARE(s.posted, std::uint64_t(0));
    QCOMPARE(s.cancelled, std::uint64_t(0));
    QCOMPARE(s.rejected, std::uint64_t(1));
    QCOMPARE(s.queued, std::uint64_t(0));
    QCOMPARE(ledger.destroyed[0].load(), postedAs == 0 ? 1 : 0);
    QCOMPARE(ledger.ran[0].load(), 0);
    QCOMPARE(functionRuns.load(), 0);
}

void TestPoolPromises::shrinkRetiresParkedWorkersAtTheConcurrencyLimit()
{
    constexpr std::size_t Units = 22;
    Ledger ledger(Units);
    std::latch gate(1);
    {
        WorkerPool pool({.workers = 8, .concurrency = 2});
        for (std::size_t i = 0; i < Units; ++i)
            QVERIFY(pool.post(CountedUnit(ledger, i, &gate)) != 0);
        // Two run (held), twenty wait behind the limit, six workers sit idle.
        QVERIFY(eventually([&] {
            const PoolSnapshot s = pool.snapshot();
            return s.started == 2 && s.idleWorkers == 6;
        }));

        pool.setWorkerCount(1);
        // The six idle ones leave at once: neither the backlog nor the limit holds them.
        QVERIFY(eventually([&] { return pool.snapshot().liveWorkers == 2; }));
        PoolSnapshot s = pool.snapshot();
        QCOMPARE(s.started, std::uint64_t(2)); // none started a unit on its way out
        QCOMPARE(s.targetWorkers, 1u);

        gate.count_down();
        QVERIFY(eventually([&] { return pool.snapshot().completed == Units; }));
        QVERIFY(eventually([&] { return pool.snapshot().liveWorkers == 1; }));
    }
    for (std::size_t i = 0; i < Units; ++i)
        QCOMPARE(ledger.destroyed[i].load(), 1);
}

void TestPoolPromises::gracefulShutdownDrainsWhenTheLastWorkerRetires()
{
    constexpr std::size_t Units = 101;
    Ledger ledger(Units);
    std::latch gate(1);
    WorkerPool pool({.workers = 1});
    QVERIFY(pool.post(CountedUnit(ledger, 0, &gate)) != 0);
    QVERIFY(eventually([&] { return pool.snapshot().started == 1; }));
    for (std::size_t i = 1; i < Units; ++i)
        QVERIFY(pool.post(CountedUnit(ledger, i)) != 0);
    pool.setWorkerCount(0);

    // The worker takes the retire request after its unit and stops on its way out, where
    // it still reads as a worker to a shutdown that looks now.
    testpoints::pauseAt("workerpool.worker.leaving");
    gate.count_down();
    QVERIFY(testpoints::waitUntilPaused("workerpool.worker.leaving", 20s));

    std::atomic<bool> shutdownWaiting{false};
    testpoints::onReach("workerpool.shutdown.waiting", [&](int) { shutdownWaiting.store(true); });
    std::optional<ShutdownResult> result;
    std::thread closer([&] { result = pool.shutdown(ShutdownMode::Graceful, 60s); });
    QVERIFY(eventually([&] { return shutdownWaiting.load(); }));
    testpoints::release("workerpool.worker.leaving");
    closer.join();

    QVERIFY(result.has_value());
    QVERIFY(!result->deadlineMissed);
    QCOMPARE(result->cancelled, std::uint64_t(0));
    QCOMPARE(result->drained, std::uint64_t(Units - 1));
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.completed, std::uint64_t(Units));
    QCOMPARE(s.cancelled, std::uint64_t(0));
    for (std::size_t i = 0; i < Units; ++i)
        QCOMPARE(ledger.ran[i].load(), 1);
}

void TestPoolPromises::postAcceptedDuringALateDrainIsRunOrCancelledOnce()
{
    Ledger ledger(3);
    std::latch gate(1);
    std::uint64_t lateId = 0;
    {
        WorkerPool pool({.workers = 1});
        QVERIFY(pool.post(CountedUnit(ledger, 0, &gate)) != 0);
        QVERIFY(eventually([&] { return pool.snapshot().started == 1; }));
        QVERIFY(pool.post(CountedUnit(ledger, 1)) != 0); // keeps the draining port open

        // A poster passes the accepting check and stops before its post reaches the port.
        testpoints::pauseAt("workerpool.post.counted");
        std::thread poster([&] { lateId = pool.post(CountedUnit(ledger, 2)); });
        QVERIFY(testpoints::waitUntilPaused("workerpool.post.counted", 20s));

        const ShutdownResult result = pool.shutdown(ShutdownMode::Graceful, 1ms);
        QVERIFY(result.deadlineMissed);
        testpoints::release("workerpool.post.counted");
        poster.join();
        QVERIFY(lateId != 0); // the port was still open: accepted

        // The pool goes while the first unit still runs; the destructor must not leave the
        // accepted units in the port.
        testpoints::onReach("workerpool.destroying", [&](int) { gate.count_down(); });
    }
    for (std::size_t i = 0; i < 3; ++i)
        QCOMPARE(ledger.destroyed[i].load(), 1);
    QCOMPARE(ledger.ran[0].load(), 1);
}

void TestPoolPromises::dequeueWithTheLongestFiniteTimeout()
{
    CompletionPort port(1);
    std::optional<DequeueResult> result;
    std::thread waiter([&] { result = port.dequeue(std::chrono::nanoseconds::max() - 1ns); });
    QVERIFY(eventually([&] { return port.counters().parked == 1; }));
    QVERIFY(port.post({7, nullptr, 0, 0}));
    waiter.join();
    QVERIFY(result.has_value());
    QCOMPARE(result->outcome, DequeueOutcome::UserPosted);
    QCOMPARE(result->packet.key, std::uintptr_t(7));
}

void TestPoolPromises::threadStartFailureChangesNothing()
{
    WorkerPool pool({.workers = 2});
    testpoints::onReach("workerpool.startThread", [](int hit) {
        if (hit == 2)
            throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    });
    try {
        pool.setWorkerCount(4);
        QFAIL("setWorkerCount should have thrown");
    } catch (const std::system_error &error) {
        QCOMPARE(error.code(), std::make_error_code(std::errc::resource_unavailable_try_again));
        QVERIFY2(std::string(error.what()).find("2 of 2; the worker count stays 2") != std::string::npos,
                 error.what());
    }
    QCOMPARE(pool.workerCount(), 2u);
    QCOMPARE(pool.snapshot().targetWorkers, 2u);
    QVERIFY(eventually([&] { return pool.snapshot().liveWorkers == 2; })); // the one it started left

    testpoints::reset();
    pool.setWorkerCount(4);
    QVERIFY(eventually([&] { return pool.snapshot().liveWorkers == 4; }));
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i)
        QVERIFY(pool.post([&ran] { ran.fetch_add(1); }) != 0);
    QVERIFY(eventually([&] { return ran.load() == 100; }));
} // destruction joins: no hang

void TestPoolPromises::constructorThreadStartFailureLeavesNoThread()
{
    testpoints::onReach("workerpool.startThread", [](int hit) {
        if (hit == 3)
            throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    });
    bool threw = false;
    try {
        WorkerPool pool({.workers = 4});
    } catch (const std::system_error &) {
        threw = true;
    }
    QVERIFY(threw); // and the two threads it started were joined, or the process would end
}

void TestPoolPromises::postDoesNotAllocateToWakeAWaiter()
{
    CompletionPort port(2);
    std::vector<std::thread> waiters;
    std::atomic<int> got{0};
    for (int i = 0; i < 2; ++i)
        waiters.emplace_back([&] {
            if (port.dequeue(60s).hasPacket())
                got.fetch_add(1);
        });
    QVERIFY(eventually([&] { return port.counters().parked == 2; }));

    t_allocations = 0;
    t_countAllocations = true;
    const bool posted = port.post({1, nullptr, 0, 0}) && port.post({2, nullptr, 0, 0});
    t_countAllocations = false;
    QVERIFY(posted);
    QCOMPARE(t_allocations, 0);
    for (std::thread &waiter : waiters)
        waiter.join();
    QCOMPARE(got.load(), 2);
    QVERIFY(port.counters().wakes >= 1);
}

void TestPoolPromises::closeWhenDrainedDequeuesEverythingThenCloses()
{
    CompletionPort port(1);
    QVERIFY(port.post({1, nullptr, 0, 0}));
    QVERIFY(port.post({2, nullptr, 0, 0}));
    port.closeWhenDrained();
    QVERIFY(!port.isClosed());
    QVERIFY(port.post({3, nullptr, 0, 0})); // still open: queued packets keep it so
    for (std::uintptr_t key = 1; key <= 3; ++key) {
        const DequeueResult result = port.dequeue(0ns);
        QVERIFY(result.hasPacket());
        QCOMPARE(result.packet.key, key);
    }
    QVERIFY(port.isClosed()); // the last claim closed it
    QVERIFY(!port.post({4, nullptr, 0, 0}));
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Closed);

    CompletionPort empty(1);
    std::optional<DequeueResult> parked;
    std::thread waiter([&] { parked = empty.dequeue(60s); });
    QVERIFY(eventually([&] { return empty.counters().parked == 1; }));
    empty.closeWhenDrained();
    waiter.join();
    QCOMPARE(parked->outcome, DequeueOutcome::Closed);
}

void TestPoolPromises::alertWakesTheColdestWaiterPastTheLimit()
{
    CompletionPort port(1);
    QVERIFY(port.post({1, nullptr, 0, 0}));
    QVERIFY(port.dequeue(0ns).hasPacket()); // this thread runs: the limit is reached
    QVERIFY(port.post({2, nullptr, 0, 0})); // and stays queued

    std::vector<int> alerted;
    std::mutex alertedMutex;
    std::vector<std::thread> waiters;
    for (int i = 0; i < 2; ++i) {
        const unsigned parkedBefore = port.counters().parked;
        waiters.emplace_back([&, i] {
            const DequeueResult result = port.dequeue(60s);
            std::lock_guard lock(alertedMutex);
            alerted.push_back(result.outcome == DequeueOutcome::Alerted ? i : -1 - i);
        });
        QVERIFY(eventually([&] { return port.counters().parked == parkedBefore + 1; }));
    }
    port.alert(1);
    waiters[0].join(); // the first parked, the coldest, is the one alerted
    QCOMPARE(alerted, std::vector<int>{0});
    QCOMPARE(port.counters().queued, std::uint64_t(1));
    port.close();
    waiters[1].join();
    QCOMPARE(alerted, (std::vector<int>{0, -2}));
}

QTEST_GUILESS_MAIN(TestPoolPromises)
#include "tst_poolpromises.moc"
