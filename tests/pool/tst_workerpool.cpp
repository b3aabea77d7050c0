// The worker pool's promises: resizing, the unit kinds, exactly-once destruction,
// exceptions and their policies, shutdown, the snapshot and its identity, bad input.
// Workers are held on latches, never on sleeps.

#include "countedunit.h"
#include "testprinters.h"
#include "workerpool.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <pthread.h>

using namespace poolscope;
using namespace std::chrono_literals;
using poolscope::testing::CountedUnit;
using poolscope::testing::Ledger;

// At namespace scope, so that their demangled names are plain.
struct CustomError : std::exception {
    const char *what() const noexcept override { return "custom failure"; }
};
struct NotAnException {
    int code = 7;
};

[[noreturn]] void throwKind(int kind)
{
    switch (kind) {
    case 0: throw std::runtime_error("disk on fire");
    case 1: throw CustomError();
    case 2: throw NotAnException();
    default: throw 42;
    }
}

// The three ways a unit can be posted; the last two travel in their packet.
enum class PostedAs { Callable, Function, Notify };
Q_DECLARE_METATYPE(PostedAs)

struct ThrowingTarget final : poolscope::NotifyTarget {
    void notify(void *, int kind) override { throwKind(kind); }
};

namespace {

std::string currentThreadName()
{
    char name[32] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    return name;
}

// Waits for the pool to be quiescent: nothing queued, nothing in flight.
bool waitQuiescent(const WorkerPool &pool, std::chrono::milliseconds limit = 10s)
{
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        const PoolSnapshot s = pool.snapshot();
        if (s.queued == 0 && s.inFlight == 0)
            return true;
        QTest::qWait(2);
    }
    return false;
}

} // namespace

class TestWorkerPool : public QObject {
    Q_OBJECT

private slots:
    void startsTheRequestedWorkers();
    void workersAreNamed();
    void workersTakeTheRequestedTimeSlice();
    void threeUnitKindsRun();
    void growAndShrinkWhileRunning();
    void shrinkDoesNotWaitBehindBacklog();
    void growTakesBackPendingRetires();
    void concurrencyLimitOneNeverRunsTwo();
    void blockingScopeLetsAnotherRun();
    void snapshotCountsWorkerStates();
    void snapshotIdentityUnderLoad();
    void peaksAndReset();
    void exceptionTypesAreReported_data();
    void exceptionTypesAreReported();
    void logAndContinueKeepsWorkers();
    void retireWorkerReplacesTheThread();
    void failFastStopsThePool();
    void fullReportQueueDropsReportsNotFailures();
    void gracefulShutdownDrains();
    void gracefulShutdownWithoutWorkersStillDrains();
    void fastShutdownCancelsQueued();
    void shutdownDeadlineIsReported();
    void destructionCancelsAndDestroysOnce();
    void badInputIsRejected();
    void postAfterShutdownIsRefusedAndDestroyed();
};

void TestWorkerPool::startsTheRequestedWorkers()
{
    WorkerPool pool({.workers = 3, .concurrency = 2});
    QTRY_COMPARE(pool.snapshot().idleWorkers, 3u);
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.targetWorkers, 3u);
    QCOMPARE(s.liveWorkers, 3u);
    QCOMPARE(s.concurrency, 2u);
    QCOMPARE(s.state, PoolState::Running);
    QCOMPARE(pool.workerCount(), 3u);
}

void TestWorkerPool::workersAreNamed()
{
    WorkerPool pool({.workers = 1});
    std::string name;
    std::latch done(1);
    pool.post([&] {
        name = currentThreadName();
        done.count_down();
    });
    done.wait();
    QCOMPARE(QString::fromStdString(name), QStringLiteral("pool-worker-1"));
}

// A worker asks the kernel for the pool's time slice before its first unit. Kernels before
// 6.12 accept the request and ignore it: the test can only check where the kernel keeps it.
void TestWorkerPool::workersTakeTheRequestedTimeSlice()
{
    std::chrono::nanoseconds probed{-1};
    std::thread([&] {
        if (requestThreadTimeSlice(std::chrono::microseconds(300)))
            probed = threadTimeSlice();
    }).join();
    if (probed != std::chrono::microseconds(300))
        QSKIP("this kernel keeps no per-thread time slice (Linux >= 6.12 does)");

    WorkerPool pool({.workers = 1, .timeSlice = std::chrono::microseconds(250)});
    std::chrono::nanoseconds seen{-1};
    std::latch done(1);
    pool.post([&] {
        seen = threadTimeSlice();
        done.count_down();
    });
    done.wait();
    QCOMPARE(seen, std::chrono::nanoseconds(std::chrono::microseconds(250)));

    // The default leaves the kernel's own slice alone.
    WorkerPool plain({.workers = 1});
    std::latch plainDone(1);
    plain.post([&] {
        seen = threadTimeSlice();
        plainDone.count_down();
    });
    plainDone.wait();
    QVERIFY(seen != std::chrono::nanoseconds(std::chrono::microseconds(250)));
}

void TestWorkerPool::threeUnitKindsRun()
{
    struct Target final : NotifyTarget {
        std::atomic<int> sum{0};
        std::atomic<void *> lastSender{nullptr}; // two notify units may run at once
        void notify(void *sender, int tag) override
        {
            lastSender = sender;
            sum.fetch_add(tag);
        }
    } target;
    std::atomic<int> functionRuns{0};
    std::atomic<int> callableRuns{0};
    std::array<char, 200> bigCapture{}; // larger than the inline buffer: takes the heap path
    bigCapture[199] = 1;

    WorkerPool pool({.workers = 2});
    int sender = 0;
    QVERIFY(pool.post(target, &sender, 5, "notify") != 0);
    QVERIFY(pool.post(target, &sender, -3, "notify") != 0); // a negative tag arrives as it was sent
    QVERIFY(pool.post([](void *context) { static_cast<std::atomic<int> *>(context)->fetch_add(1); },
                      &functionRuns, "function") != 0);
    QVERIFY(pool.post([&callableRuns, bigCapture] { callableRuns.fetch_add(bigCapture[199]); }, "callable") != 0);
    QVERIFY(pool.post([&callableRuns] { callableRuns.fetch_add(1); }) != 0);
    QVERIFY(waitQuiescent(pool));
    QCOMPARE(target.sum.load(), 2);
    QCOMPARE(target.lastSender.load(), static_cast<void *>(&sender));
    QCOMPARE(functionRuns.load(), 1);
    QCOMPARE(callableRuns.load(), 2);
    QCOMPARE(pool.snapshot().completed, std::uint64_t(5));
}

void TestWorkerPool::growAndShrinkWhileRunning()
{
    WorkerPool pool({.workers = 2});
    pool.setWorkerCount(6);
    QCOMPARE(pool.snapshot().targetWorkers, 6u);
    QTRY_COMPARE(pool.snapshot().liveWorkers, 6u);
    pool.setWorkerCount(1);
    QCOMPARE(pool.snapshot().targetWorkers, 1u);
    QTRY_COMPARE(pool.snapshot().liveWorkers, 1u);
    QTRY_COMPARE(pool.snapshot().retiringWorkers, 0u);
    pool.setWorkerCount(0);
    QTRY_COMPARE(pool.snapshot().liveWorkers, 0u);
    // With no worker, work waits; a grow runs it.
    std::atomic<int> ran{0};
    pool.post([&] { ran.fetch_add(1); });
    QCOMPARE(pool.snapshot().queued, std::uint64_t(1));
    pool.setWorkerCount(2);
    QTRY_COMPARE(ran.load(), 1);
    QTRY_COMPARE(pool.snapshot().liveWorkers, 2u);
}

// A million queued units must not delay a shrink: retiring is not a packet behind them.
void TestWorkerPool::shrinkDoesNotWaitBehindBacklog()
{
    WorkerPool pool({.workers = 4, .concurrency = 4});
    std::atomic<bool> release{false};
    std::atomic<int> waiting{0};
    // Hold all four workers so that the backlog builds up behind them.
    for (int i = 0; i < 4; ++i)
        pool.post([&] {
            waiting.fetch_add(1);
            while (!release.load())
                std::this_thread::yield();
        });
    QTRY_COMPARE(waiting.load(), 4);
    constexpr int Backlog = 1'000'000;
    const auto microsecondOfWork = [](void *) {
        const auto until = std::chrono::steady_clock::now() + 1us;
        while (std::chrono::steady_clock::now() < until) {
        }
    };
    for (int i = 0; i < Backlog; ++i)
        pool.post(microsecondOfWork, nullptr);
    QCOMPARE(pool.snapshot().queued, std::uint64_t(Backlog));

    pool.setWorkerCount(1);
    QCOMPARE(pool.snapshot().retiringWorkers, 3u);
    release = true;
    // Three workers leave right after their current unit, with the backlog still there:
    // watch closely (not at QTRY's 50 ms pace) for the moment they are gone.
    const auto until = std::chrono::steady_clock::now() + 10s;
    PoolSnapshot whenShrunk = pool.snapshot();
    while (whenShrunk.liveWorkers != 1 && std::chrono::steady_clock::now() < until)
        whenShrunk = pool.snapshot();
    QCOMPARE(whenShrunk.liveWorkers, 1u);
    QVERIFY2(whenShrunk.queued > std::uint64_t(Backlog / 2),
             qPrintable(QStringLiteral("only %1 units were still queued").arg(whenShrunk.queued)));
    const ShutdownResult result = pool.shutdown(ShutdownMode::Fast);
    QVERIFY(result.cancelled > std::uint64_t(Backlog / 2));
    QCOMPARE(pool.snapshot().identityError(), 0);
    QCOMPARE(pool.snapshot().queued, std::uint64_t(0));
}

void TestWorkerPool::growTakesBackPendingRetires()
{
    WorkerPool pool({.workers = 2, .concurrency = 2});
    std::latch release(1);
    std::atomic<int> waiting{0};
    for (int i = 0; i < 2; ++i)
        pool.post([&] {
            waiting.fetch_add(1);
            release.wait();
        });
    QTRY_COMPARE(waiting.load(), 2);
    pool.setWorkerCount(0); // both busy: two retire requests pending
    QCOMPARE(pool.snapshot().retiringWorkers, 2u);
    pool.setWorkerCount(2); // takes both back instead of starting threads
    QCOMPARE(pool.snapshot().retiringWorkers, 0u);
    QCOMPARE(pool.snapshot().liveWorkers, 2u);
    release.count_down();
    QVERIFY(waitQuiescent(pool));
    QTest::qWait(20);
    QCOMPARE(pool.snapshot().liveWorkers, 2u);
}

void TestWorkerPool::concurrencyLimitOneNeverRunsTwo()
{
    WorkerPool pool({.workers = 4, .concurrency = 1});
    std::atomic<int> running{0};
    std::atomic<int> maxRunning{0};
    for (int i = 0; i < 200; ++i)
        pool.post([&] {
            const int now = running.fetch_add(1) + 1;
            int seen = maxRunning.load();
            while (now > seen && !maxRunning.compare_exchange_weak(seen, now)) {
            }
            const auto until = std::chrono::steady_clock::now() + 100us; // CPU work, no blocking
            while (std::chrono::steady_clock::now() < until) {
            }
            running.fetch_sub(1);
        });
    QVERIFY(waitQuiescent(pool));
    QCOMPARE(maxRunning.load(), 1);
    QCOMPARE(pool.snapshot().peakRunning, 1u);
    QCOMPARE(pool.snapshot().completed, std::uint64_t(200));
}

void TestWorkerPool::blockingScopeLetsAnotherRun()
{
    WorkerPool pool({.workers = 2, .concurrency = 1});
    std::latch secondStarted(1);
    std::atomic<bool> firstSawSecond{false};
    pool.post([&] {
        BlockingScope blocked; // e.g. a synchronous call: the port may run another unit meanwhile
        firstSawSecond = secondStarted.try_wait() ||
                         [&] {
                             const auto until = std::chrono::steady_clock::now() + 10s;
                             while (!secondStarted.try_wait() && std::chrono::steady_clock::now() < until)
                                 std::this_thread::yield();
                             return secondStarted.try_wait();
                         }();
    });
    pool.post([&] { secondStarted.count_down(); });
    QVERIFY(waitQuiescent(pool, 15s));
    QVERIFY(firstSawSecond.load());
}

void TestWorkerPool::snapshotCountsWorkerStates()
{
    WorkerPool pool({.workers = 4, .concurrency = 4});
    std::latch release(1);
    std::atomic<int> inside{0};
    pool.post([&] {
        inside.fetch_add(1);
        release.wait(); // running, not blocked
    });
    for (int i = 0; i < 2; ++i)
        pool.post([&] {
            BlockingScope blocked;
            inside.fetch_add(1);
            release.wait();
        });
    QTRY_COMPARE(inside.load(), 3);
    QTRY_COMPARE(pool.snapshot().blockedWorkers, 2u);
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.runningWorkers, 1u);
    QCOMPARE(s.idleWorkers, 1u);
    QCOMPARE(s.inFlight, std::uint64_t(3));
    QCOMPARE(s.started, std::uint64_t(3));
    release.count_down();
    QVERIFY(waitQuiescent(pool));
    QTRY_COMPARE(pool.snapshot().idleWorkers, 4u);
}

void TestWorkerPool::snapshotIdentityUnderLoad()
{
    WorkerPool pool({.workers = 3, .concurrency = 2});
    std::atomic<bool> stop{false};
    std::thread producer([&] {
        int i = 0;
        while (!stop.load()) {
            if (++i % 10 == 0)
                pool.post([] { throw std::runtime_error("x"); });
            else
                pool.post([](void *) {}, nullptr);
        }
    });
    bool identityHeld = true, neverWrapped = true;
    const auto until = std::chrono::steady_clock::now() + 10s;
    for (int i = 0; i < 2000 || (pool.snapshot().failed < 10 && std::chrono::steady_clock::now() < until); ++i) {
        const PoolSnapshot s = pool.snapshot();
        identityHeld = identityHeld && s.identityError() == 0;
        // No bound on inFlight beyond this: a reader preempted mid-snapshot may see a worker's
        // later starts and earlier finishes (the snapshot promises consistency, not a moment).
        neverWrapped = neverWrapped && s.queued <= s.posted && s.inFlight <= s.started && s.started <= s.posted;
    }
    stop = true;
    producer.join();
    QVERIFY(identityHeld);
    QVERIFY(neverWrapped);
    QVERIFY(waitQuiescent(pool));
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.identityError(), 0);
    QCOMPARE(s.posted, s.completed + s.failed);
    QVERIFY(s.failed > 0);
}

void TestWorkerPool::peaksAndReset()
{
    WorkerPool pool({.workers = 2, .concurrency = 2});
    std::latch release(1);
    std::atomic<int> inside{0};
    for (int i = 0; i < 2; ++i)
        pool.post([&] {
            inside.fetch_add(1);
            release.wait();
        });
    QTRY_COMPARE(inside.load(), 2);
    for (int i = 0; i < 10; ++i)
        pool.post([](void *) {}, nullptr);
    QCOMPARE(pool.snapshot().peakQueued, std::uint64_t(10));
    QCOMPARE(pool.snapshot().peakRunning, 2u);
    release.count_down();
    QVERIFY(waitQuiescent(pool));
    QTRY_COMPARE(pool.snapshot().idleWorkers, 2u);
    pool.resetPeaks();
    QCOMPARE(pool.snapshot().peakQueued, std::uint64_t(0));
    QCOMPARE(pool.snapshot().peakRunning, 0u);
}

void TestWorkerPool::exceptionTypesAreReported_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<PostedAs>("postedAs");
    QTest::addColumn<QString>("typeName");
    QTest::addColumn<QString>("message");
    for (const PostedAs postedAs : {PostedAs::Callable, PostedAs::Function, PostedAs::Notify}) {
        const char *const way = postedAs == PostedAs::Callable   ? ", callable"
                                : postedAs == PostedAs::Function ? ", function unit"
                                                                 : ", notify unit";
        QTest::addRow("std::runtime_error%s", way) << 0 << postedAs << "std::runtime_error" << "disk on fire";
        QTest::addRow("custom std::exception%s", way) << 1 << postedAs << "CustomError" << "custom failure";
        QTest::addRow("non-std class%s", way)
            << 2 << postedAs << "NotAnException" << "(a NotAnException carries no message)";
        QTest::addRow("int%s", way) << 3 << postedAs << "int" << "42";
    }
}

void TestWorkerPool::exceptionTypesAreReported()
{
    QFETCH(int, kind);
    QFETCH(PostedAs, postedAs);
    QFETCH(QString, typeName);
    QFETCH(QString, message);
    WorkerPool pool({.workers = 1});
    pool.post([] {}); // so that the thrower's id is not 1
    QVERIFY(waitQuiescent(pool));
    ThrowingTarget target;
    std::uint64_t id = 0;
    switch (postedAs) {
    case PostedAs::Callable: id = pool.post([kind] { throwKind(kind); }, "thrower"); break;
    case PostedAs::Function:
        id = pool.post([](void *context) { throwKind(*static_cast<int *>(context)); }, &kind, "thrower");
        break;
    case PostedAs::Notify: id = pool.post(target, nullptr, kind, "thrower"); break;
    }
    QCOMPARE(id, std::uint64_t(2));
    QVERIFY(waitQuiescent(pool));
    std::vector<ExceptionReport> reports;
    QCOMPARE(pool.drainExceptionReports(reports), std::size_t(1));
    const ExceptionReport &report = reports.front();
    QCOMPARE(QString::fromStdString(report.typeName), typeName);
    QCOMPARE(QString::fromStdString(report.message), message);
    QCOMPARE(report.unitId, id);
    QCOMPARE(QString::fromStdString(report.unitTag), QStringLiteral("thrower"));
    QCOMPARE(report.sequence, std::uint64_t(1));
    QCOMPARE(report.workerIndex, 0u);
    QCOMPARE(QString::fromStdString(report.threadName), QStringLiteral("pool-worker-1"));
    QVERIFY(report.exception != nullptr);
    QVERIFY(std::chrono::system_clock::now() - report.time < 60s);
    QCOMPARE(pool.snapshot().failed, std::uint64_t(1));
    QCOMPARE(pool.snapshot().completed, std::uint64_t(1));
    if (kind == 3) {
        try {
            std::rethrow_exception(report.exception);
        } catch (int value) {
            QCOMPARE(value, 42);
        }
    }
}

void TestWorkerPool::logAndContinueKeepsWorkers()
{
    WorkerPool pool({.workers = 1, .policy = ExceptionPolicy::LogAndContinue});
    for (int i = 0; i < 5; ++i)
        pool.post([] { throw std::runtime_error("again"); });
    QVERIFY(waitQuiescent(pool));
    std::vector<ExceptionReport> reports;
    pool.drainExceptionReports(reports);
    QCOMPARE(reports.size(), std::size_t(5));
    std::set<std::string> threads;
    for (const auto &report : reports)
        threads.insert(report.threadName);
    QCOMPARE(threads.size(), std::size_t(1)); // the same thread took every one
    QCOMPARE(reports.back().sequence, std::uint64_t(5));
    QCOMPARE(pool.snapshot().liveWorkers, 1u);
}

void TestWorkerPool::retireWorkerReplacesTheThread()
{
    WorkerPool pool({.workers = 1, .policy = ExceptionPolicy::RetireWorker});
    for (int i = 0; i < 3; ++i) {
        pool.post([] { throw std::runtime_error("isolate me"); });
        QVERIFY(waitQuiescent(pool));
    }
    std::vector<ExceptionReport> reports;
    pool.drainExceptionReports(reports);
    QCOMPARE(reports.size(), std::size_t(3));
    std::set<std::string> threads;
    for (const auto &report : reports)
        threads.insert(report.threadName);
    QCOMPARE(threads.size(), std::size_t(3)); // a fresh thread each time
    QTRY_COMPARE(pool.snapshot().liveWorkers, 1u);
    QCOMPARE(pool.snapshot().targetWorkers, 1u);
    std::latch ran(1);
    pool.post([&] { ran.count_down(); });
    QVERIFY(ran.try_wait() || (QTest::qWaitFor([&] { return ran.try_wait(); }, 5000)));
    QCOMPARE(QString::fromStdString(reports.back().threadName), QStringLiteral("pool-worker-3"));
}

void TestWorkerPool::failFastStopsThePool()
{
    WorkerPool pool({.workers = 1, .policy = ExceptionPolicy::FailFast});
    std::latch throwNow(1);
    pool.post([&] {
        throwNow.wait();
        throw CustomError();
    });
    for (int i = 0; i < 100; ++i)
        pool.post([](void *) {}, nullptr);
    throwNow.count_down();
    QTRY_COMPARE(pool.snapshot().state, PoolState::Failed);
    QTRY_COMPARE(pool.snapshot().liveWorkers, 0u);
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.failed, std::uint64_t(1));
    QCOMPARE(s.cancelled, std::uint64_t(100));
    QCOMPARE(s.identityError(), 0);
    QCOMPARE(pool.post([] {}), std::uint64_t(0));
    const std::exception_ptr first = pool.failFastException();
    QVERIFY(first != nullptr);
    bool rethrown = false;
    try {
        std::rethrow_exception(first);
    } catch (const CustomError &) {
        rethrown = true;
    }
    QVERIFY(rethrown);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, pool.setWorkerCount(2));
    const ShutdownResult result = pool.shutdown(ShutdownMode::Graceful);
    QVERIFY(!result.deadlineMissed);
    QCOMPARE(pool.snapshot().state, PoolState::Failed); // stays failed: the owner can tell why it stopped
}

void TestWorkerPool::fullReportQueueDropsReportsNotFailures()
{
    WorkerPool pool({.workers = 2, .exceptionReportCapacity = 10});
    for (int i = 0; i < 100; ++i)
        pool.post([] { throw 1; });
    QVERIFY(waitQuiescent(pool));
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.failed, std::uint64_t(100));
    QCOMPARE(s.exceptionReportsDropped, std::uint64_t(90));
    std::vector<ExceptionReport> reports;
    QCOMPARE(pool.drainExceptionReports(reports, 4), std::size_t(4));
    QCOMPARE(pool.drainExceptionReports(reports), std::size_t(6));
}

void TestWorkerPool::gracefulShutdownDrains()
{
    WorkerPool pool({.workers = 1});
    std::latch release(1);
    std::atomic<int> ran{0};
    pool.post([&] { release.wait(); });
    for (int i = 0; i < 1000; ++i)
        pool.post([&] { ran.fetch_add(1); });
    std::thread releaser([&] {
        while (pool.snapshot().state != PoolState::Draining) // all 1001 finish during shutdown
            std::this_thread::yield();
        release.count_down();
    });
    const ShutdownResult result = pool.shutdown(ShutdownMode::Graceful, 30s);
    releaser.join();
    QCOMPARE(ran.load(), 1000);
    QCOMPARE(result.drained, std::uint64_t(1001));
    QCOMPARE(result.cancelled, std::uint64_t(0));
    QVERIFY(!result.deadlineMissed);
    QCOMPARE(result.stillRunning, std::uint64_t(0));
    QCOMPARE(result.workersStillAlive, 0u);
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.state, PoolState::Stopped);
    QCOMPARE(s.liveWorkers, 0u);
    QCOMPARE(s.identityError(), 0);
    QCOMPARE(pool.shutdown(ShutdownMode::Graceful).drained, std::uint64_t(0)); // second call does nothing
}

void TestWorkerPool::gracefulShutdownWithoutWorkersStillDrains()
{
    WorkerPool pool({.workers = 0});
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i)
        pool.post([&] { ran.fetch_add(1); });
    const ShutdownResult result = pool.shutdown(ShutdownMode::Graceful, 30s);
    QCOMPARE(ran.load(), 100);
    QCOMPARE(result.drained, std::uint64_t(100));
    QVERIFY(!result.deadlineMissed);
}

void TestWorkerPool::fastShutdownCancelsQueued()
{
    Ledger ledger(502);
    std::latch release(1);
    std::atomic<int> inside{0};
    std::atomic<int> functionRuns{0};
    const auto countRun = [](void *context) { static_cast<std::atomic<int> *>(context)->fetch_add(1); };
    struct CountingTarget final : NotifyTarget {
        std::atomic<int> runs{0};
        void notify(void *, int) override { runs.fetch_add(1); }
    } notifyTarget;
    {
        WorkerPool pool({.workers = 2, .concurrency = 2});
        pool.post([&] {
            inside.fetch_add(1);
            release.wait();
        });
        pool.post([&] {
            inside.fetch_add(1);
            release.wait();
        });
        QTRY_COMPARE(inside.load(), 2);
        for (std::size_t i = 0; i < 500; ++i) {
            pool.post(CountedUnit(ledger, i));
            if (i % 2 == 0)
                pool.post(countRun, &functionRuns, "function");
            if (i % 5 == 0)
                pool.post(notifyTarget, nullptr, 1, "notify");
        }
        std::atomic<PoolState> stateWhileStopping{PoolState::Running};
        std::thread releaser([&] {
            while (pool.snapshot().cancelled < 850) // until shutdown has cancelled the queue
                std::this_thread::yield();
            stateWhileStopping = pool.snapshot().state;
            release.count_down();
        });
        const ShutdownResult result = pool.shutdown(ShutdownMode::Fast, 30s);
        releaser.join();
        QCOMPARE(stateWhileStopping.load(), PoolState::Draining);
        QCOMPARE(result.cancelled, std::uint64_t(850));
        QCOMPARE(result.drained, std::uint64_t(2)); // the two running units finished
        QVERIFY(!result.deadlineMissed);
        QCOMPARE(pool.snapshot().state, PoolState::Stopped);
        QCOMPARE(pool.snapshot().identityError(), 0);
    }
    QCOMPARE(ledger.ranTotal(), 0);
    QCOMPARE(ledger.destroyedTotal(), 500);
    QCOMPARE(functionRuns.load(), 0);
    QCOMPARE(notifyTarget.runs.load(), 0);
}

void TestWorkerPool::shutdownDeadlineIsReported()
{
    std::latch release(1);
    std::atomic<bool> inside{false};
    auto pool = std::make_unique<WorkerPool>(WorkerPoolOptions{.workers = 1});
    pool->post([&] {
        inside = true;
        release.wait();
    });
    pool->post([](void *) {}, nullptr);
    QTRY_VERIFY(inside.load());
    const ShutdownResult result = pool->shutdown(ShutdownMode::Graceful, 50ms);
    QVERIFY(result.deadlineMissed);
    QCOMPARE(result.stillRunning, std::uint64_t(2)); // one running, one queued behind it
    QCOMPARE(result.workersStillAlive, 1u);
    QVERIFY(result.elapsed >= 50ms);
    release.count_down();
    pool.reset(); // the destructor waits for the running unit and joins
    QVERIFY(true);
}

void TestWorkerPool::destructionCancelsAndDestroysOnce()
{
    constexpr std::size_t Units = 20'000;
    Ledger ledger(Units);
    {
        WorkerPool pool({.workers = 3, .concurrency = 2});
        for (std::size_t i = 0; i < Units; ++i)
            pool.post(CountedUnit(ledger, i));
    } // destroyed at once, mid-backlog
    QVERIFY(ledger.eachDestroyedOnce());
    for (std::size_t i = 0; i < Units; ++i)
        QVERIFY(ledger.ran[i].load() <= 1);
}

void TestWorkerPool::badInputIsRejected()
{
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, WorkerPool({.workers = 1025}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, WorkerPool({.timeSlice = std::chrono::microseconds(99)}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, WorkerPool({.timeSlice = std::chrono::microseconds(100'001)}));
    WorkerPool pool({.workers = 2});
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pool.setWorkerCount(-1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pool.setWorkerCount(1025));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pool.setConcurrency(-1));
    QCOMPARE(pool.workerCount(), 2u);
    QTRY_COMPARE(pool.snapshot().liveWorkers, 2u);
    try {
        pool.setWorkerCount(5000);
        QFAIL("no exception");
    } catch (const std::invalid_argument &error) {
        QVERIFY(std::string(error.what()).find("0..1024") != std::string::npos);
    }
    pool.setWorkerCount(1024); // the upper bound itself is fine
    QCOMPARE(pool.workerCount(), 1024u);
    pool.setWorkerCount(2);
    QCOMPARE(pool.post(WorkFunction(nullptr), nullptr), std::uint64_t(0)); // no function: refused, not run
    QCOMPARE(pool.snapshot().rejected, std::uint64_t(1));
    QCOMPARE(pool.snapshot().posted, std::uint64_t(0));
}

void TestWorkerPool::postAfterShutdownIsRefusedAndDestroyed()
{
    Ledger ledger(1);
    WorkerPool pool({.workers = 1});
    pool.shutdown(ShutdownMode::Fast);
    QCOMPARE(pool.post(CountedUnit(ledger, 0)), std::uint64_t(0));
    QCOMPARE(ledger.destroyed[0].load(), 1);
    QCOMPARE(ledger.ran[0].load(), 0);
    QCOMPARE(pool.snapshot().rejected, std::uint64_t(1));
    std::atomic<int> functionRuns{0};
    QCOMPARE(pool.post([](void *runs) { static_cast<std::atomic<int> *>(runs)->fetch_add(1); }, &functionRuns),
             std::uint64_t(0));
    QCOMPARE(pool.snapshot().rejected, std::uint64_t(2));
    QCOMPARE(pool.snapshot().posted, std::uint64_t(0));
    QCOMPARE(functionRuns.load(), 0);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, pool.setWorkerCount(3));
}

QTEST_GUILESS_MAIN(TestWorkerPool)
#include "tst_workerpool.moc"
