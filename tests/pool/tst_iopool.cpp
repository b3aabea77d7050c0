// WorkerPool serving I/O: completions on the pool's own port run on its workers under the
// same LIFO wake, concurrency limit and BlockingScope as units; Q192800's two shutdowns with
// operations outstanding; and every operation record back with its owner exactly once
// whatever closes the port (graceful, fast, a missed deadline, fail fast, destruction).

#include "echoclients.h"
#include "echoserver.h"
#include "iocompletiontarget.h"
#include "iotesthelpers.h"
#include "testprinters.h"
#include "workerpool.h"

#include <QtTest>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <set>
#include <string>
#include <vector>

using namespace poolscope;
using namespace std::chrono_literals;
using iotest::Fd;
using iotest::verifyIdentity;

namespace {

// Recvs of one byte outstanding on socket pairs: the test's peer sends to complete them.
// Each record's completion is counted once per outcome; a second claim would show as a
// record counted twice.
class RecvTarget final : public IoCompletionTarget {
public:
    struct Op : IoOperation {
        std::byte byte{};
        std::atomic<int> deliveries{0};
    };

    RecvTarget(IoService &io, int pairs, int recvsPerPair) : m_io(io)
    {
        for (int p = 0; p < pairs; ++p) {
            auto [mine, peer] = iotest::socketPair();
            m_handles.push_back(m_io.associate(mine.release(), completionKey()));
            m_peers.push_back(std::move(peer));
        }
        for (int p = 0; p < pairs; ++p) {
            for (int r = 0; r < recvsPerPair; ++r) {
                m_ops.push_back(std::make_unique<Op>());
                m_ops.back()->deliveries = 0;
                if (m_io.startRecv(m_handles[std::size_t(p)], *m_ops.back(), std::span(&m_ops.back()->byte, 1)) != 0)
                    qFatal("startRecv refused");
            }
        }
    }

    void onIoCompletion(IoOperation &op, const DequeueResult &result) noexcept override
    {
        auto &mine = static_cast<Op &>(op);
        mine.deliveries.fetch_add(1);
        if (result.outcome == DequeueOutcome::BytesTransferred)
            completed.fetch_add(1);
        else if (result.outcome == DequeueOutcome::IoFailed && result.packet.status == ECANCELED)
            cancelled.fetch_add(1);
        else
            other.fetch_add(1);
        char name[32] = {};
        pthread_getname_np(pthread_self(), name, sizeof name);
        std::lock_guard lock(m_namesMutex);
        m_threadNames.insert(name);
    }

    // Each peer sends one byte per recv outstanding on its pair.
    void sendToAll(int recvsPerPair)
    {
        const std::string bytes(std::size_t(recvsPerPair), 'x');
        for (Fd &peer : m_peers)
            QCOMPARE(::send(peer.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL), ssize_t(bytes.size()));
    }

    int recordsDeliveredOnce() const
    {
        int once = 0;
        for (const auto &op : m_ops)
            once += op->deliveries.load() == 1 && !op->isLent() ? 1 : 0;
        return once;
    }
    int records() const { return int(m_ops.size()); }
    std::set<std::string> threadNames() const
    {
        std::lock_guard lock(m_namesMutex);
        return m_threadNames;
    }

    std::atomic<int> completed{0}, cancelled{0}, other{0};

private:
    IoService &m_io;
    std::vector<IoHandle> m_handles;
    std::vector<Fd> m_peers;
    std::vector<std::unique_ptr<Op>> m_ops;
    mutable std::mutex m_namesMutex;
    std::set<std::string> m_threadNames;
};

// A target whose handler holds its thread until released, inside a BlockingScope or not.
class HoldingTarget final : public IoCompletionTarget {
public:
    explicit HoldingTarget(bool blockingScope) : m_blockingScope(blockingScope) {}

    void onIoCompletion(IoOperation &, const DequeueResult &) noexcept override
    {
        entered.fetch_add(1);
        if (m_blockingScope) {
            BlockingScope blocking;
            m_release.wait();
        } else {
            m_release.wait();
        }
        left.fetch_add(1);
    }
    void release()
    {
        if (!m_released.exchange(true))
            m_release.count_down();
    }

    std::atomic<int> entered{0}, left{0};

private:
    const bool m_blockingScope;
    std::latch m_release{1};
    std::atomic<bool> m_released{false};
};

WorkerPoolOptions ioPoolOptions(unsigned workers, unsigned concurrency = 0)
{
    WorkerPoolOptions options;
    options.workers = workers;
    options.concurrency = concurrency;
    options.serveIo = true;
    return options;
}

} // namespace

class TestIoPool : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void workersRunIoCompletions();
    void echoThroughThePoolMatchesTheClients();
    void ioCompletionsKeepTheConcurrencyLimit_data();
    void ioCompletionsKeepTheConcurrencyLimit();
    void gracefulShutdownDrainsOutstandingIo();
    void gracefulShutdownCancelsWhatIsLeftAtTheDeadline();
    void fastShutdownCancelsOutstandingIo();
    void failFastReturnsEveryRecord();
    void destructionReturnsEveryRecord();
    void poolWithoutIoHasNone();
};

void TestIoPool::initTestCase()
{
    std::string why;
    if (!IoService::ioUringAvailable(&why))
        QSKIP(qPrintable(QStringLiteral("io_uring is not available here (%1): the I/O tests need it")
                             .arg(QString::fromStdString(why))));
}

void TestIoPool::workersRunIoCompletions()
{
    WorkerPool pool(ioPoolOptions(2));
    QVERIFY(pool.ioService() != nullptr);
    RecvTarget target(*pool.ioService(), 4, 3);
    target.sendToAll(3);
    QTRY_COMPARE_WITH_TIMEOUT(target.completed.load(), 12, 30000);
    QCOMPARE(target.recordsDeliveredOnce(), 12);
    for (const std::string &name : target.threadNames())
        QVERIFY2(name.rfind("pool-worker-", 0) == 0, name.c_str());

    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.ioRecvCompleted, 12u);
    QCOMPARE(s.ioBytesRead, 12u);
    QCOMPARE(s.ioOutstanding, 0u);
    verifyIdentity(pool.ioService()->snapshot());
    // I/O completions are not units.
    QCOMPARE(s.posted, 0u);
    QCOMPARE(s.started, 0u);
    LatencyHistogram latency;
    pool.addIoLatencyHistogram(latency);
    QCOMPARE(latency.count(), 12u);
}

void TestIoPool::echoThroughThePoolMatchesTheClients()
{
    WorkerPool pool(ioPoolOptions(3));
    std::uint64_t expected = 0;
    {
        EchoServer server(*pool.ioService());
        // Units beside the echo load: the same workers serve both.
        std::atomic<int> unitsRan{0};
        for (int i = 0; i < 500; ++i)
            pool.post([&unitsRan] { unitsRan.fetch_add(1); });
        EchoClientOptions options;
        options.port = server.port();
        options.connections = 4;
        options.messageBytes = 512;
        options.messagesPerConnection = 100;
        options.duration = 120s; // a bound: the run ends at its message count
        const EchoClientResult result = runEchoClients(options);
        QVERIFY2(result.error.empty(), result.error.c_str());
        expected = 4u * 100u * 512u;
        QCOMPARE(result.bytesReceived, expected);
        QCOMPARE(result.mismatches, 0u);
        QTRY_COMPARE_WITH_TIMEOUT(server.counters().closed, 4u, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(unitsRan.load(), 500, 60000);
        server.stop();
        QVERIFY(server.waitUntilStopped(60s));
        QCOMPARE(server.counters().bytesEchoed, expected);
    }
    const PoolSnapshot s = pool.snapshot();
    QCOMPARE(s.ioBytesWritten, expected);
    QCOMPARE(s.ioBytesRead, expected);
    QCOMPARE(s.completed, 500u);
    verifyIdentity(pool.ioService()->snapshot());
}

void TestIoPool::ioCompletionsKeepTheConcurrencyLimit_data()
{
    QTest::addColumn<bool>("blockingScope");
    QTest::newRow("running: the second waits") << false;
    QTest::newRow("inside a BlockingScope: the second runs") << true;
}

// Concurrency 1, four workers: while one I/O handler runs, the next completion stays queued,
// unless the handler is inside a BlockingScope, as for units.
void TestIoPool::ioCompletionsKeepTheConcurrencyLimit()
{
    QFETCH(bool, blockingScope);
    WorkerPool pool(ioPoolOptions(4, 1));
    HoldingTarget target(blockingScope);
    auto [mine, peer] = iotest::socketPair();
    const IoHandle handle = pool.ioService()->associate(mine.release(), target.completionKey());
    struct Op : IoOperation {
        std::byte byte{};
    } first, second;
    QCOMPARE(pool.ioService()->startRecv(handle, first, std::span(&first.byte, 1)), 0);
    QCOMPARE(pool.ioService()->startRecv(handle, second, std::span(&second.byte, 1)), 0);
    // A failed check must not leave a worker held: the pool's destructor would wait for it.
    const auto releaseOnExit = qScopeGuard([&target] { target.release(); });
    QCOMPARE(::send(peer.get(), "ab", 2, MSG_NOSIGNAL), ssize_t(2));

    QTRY_VERIFY_WITH_TIMEOUT(target.entered.load() >= 1, 30000);
    if (blockingScope) {
        QTRY_COMPARE_WITH_TIMEOUT(target.entered.load(), 2, 30000);
    } else {
        // The second completion is in the port and stays there: the limit holds it.
        QTRY_COMPARE_WITH_TIMEOUT(pool.ioService()->snapshot().total.outstanding, 0u, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(pool.snapshot().runningWorkers == 1, 30000);
        QCOMPARE(target.entered.load(), 1);
    }
    target.release();
    QTRY_COMPARE_WITH_TIMEOUT(target.left.load(), 2, 30000);
    QVERIFY(!first.isLent());
    QVERIFY(!second.isLent());
    pool.ioService()->close(handle);
}

// Q192800 graceful: stop issuing, wait until nothing is outstanding. 1,000 recvs complete
// while the shutdown waits; none is cancelled and every record comes back once.
void TestIoPool::gracefulShutdownDrainsOutstandingIo()
{
    auto pool = std::make_unique<WorkerPool>(ioPoolOptions(2));
    RecvTarget target(*pool->ioService(), 100, 10);
    QCOMPARE(pool->ioService()->snapshot().total.outstanding, 1000u);

    auto shutdown = std::async(std::launch::async, [&] { return pool->shutdown(ShutdownMode::Graceful, 120s); });
    // The shutdown has stopped issuing (and waits) before the peers answer.
    QTRY_VERIFY_WITH_TIMEOUT(!pool->ioService()->snapshot().accepting, 30000);
    target.sendToAll(10);
    const ShutdownResult result = shutdown.get();

    QCOMPARE(result.io.outstandingAtStart, 1000u);
    QCOMPARE(result.io.completed, 1000u);
    QCOMPARE(result.io.cancelled, 0u);
    QCOMPARE(result.io.stillOutstanding, 0u);
    QVERIFY(!result.io.deadlineMissed);
    QVERIFY(!result.deadlineMissed);
    QCOMPARE(target.completed.load(), 1000);
    QCOMPARE(target.recordsDeliveredOnce(), 1000);
    const IoSnapshot s = pool->ioService()->snapshot();
    QCOMPARE(s.undelivered, 0u);
    verifyIdentity(s);
}

// A graceful shutdown whose deadline passes with recvs still waiting cancels them, so that
// no completion comes after the port closes.
void TestIoPool::gracefulShutdownCancelsWhatIsLeftAtTheDeadline()
{
    auto pool = std::make_unique<WorkerPool>(ioPoolOptions(2));
    RecvTarget target(*pool->ioService(), 10, 5);
    const ShutdownResult result = pool->shutdown(ShutdownMode::Graceful, 20ms);
    QCOMPARE(result.io.outstandingAtStart, 50u);
    QVERIFY(result.io.deadlineMissed);
    QCOMPARE(result.io.stillOutstanding, 50u);
    QCOMPARE(result.io.cancelled, 50u);
    // The deadline is spent: workers may still be handing the cancelled records back.
    QTRY_COMPARE_WITH_TIMEOUT(target.cancelled.load(), 50, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(target.recordsDeliveredOnce(), 50, 30000);
    QCOMPARE(pool->ioService()->snapshot().undelivered, 0u);
    // The deadline left workers running: join them before the target they call goes (a
    // worker may still be inside onIoCompletion after its record was counted; TSan saw it).
    pool.reset();
}

// Q192800 fast: stop issuing, cancel, count what the cancellation completed.
void TestIoPool::fastShutdownCancelsOutstandingIo()
{
    auto pool = std::make_unique<WorkerPool>(ioPoolOptions(2));
    RecvTarget target(*pool->ioService(), 100, 10);
    const ShutdownResult result = pool->shutdown(ShutdownMode::Fast, 120s);
    QCOMPARE(result.io.outstandingAtStart, 1000u);
    QCOMPARE(result.io.cancelled, 1000u);
    QCOMPARE(result.io.completed, 0u);
    QVERIFY(!result.io.deadlineMissed);
    QCOMPARE(target.cancelled.load(), 1000);
    QCOMPARE(target.other.load(), 0);
    QCOMPARE(target.recordsDeliveredOnce(), 1000);
    const IoSnapshot s = pool->ioService()->snapshot();
    QCOMPARE(s.undelivered, 0u);
    QCOMPARE(s.of(IoKind::Recv).cancelled, 1000u);
    QCOMPARE(pool->snapshot().ioRecvCancelled, 1000u);
    verifyIdentity(s);
}

// Fail fast closes the port from a worker: the I/O is cancelled first, and the packets the
// close hands back go to their targets, so no record stays lent.
void TestIoPool::failFastReturnsEveryRecord()
{
    WorkerPoolOptions options = ioPoolOptions(2);
    options.policy = ExceptionPolicy::FailFast;
    auto pool = std::make_unique<WorkerPool>(options);
    RecvTarget target(*pool->ioService(), 20, 5);
    pool->post([] { throw std::runtime_error("stop everything"); });
    QTRY_VERIFY_WITH_TIMEOUT(pool->snapshot().state == PoolState::Failed, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(target.recordsDeliveredOnce(), 100, 30000);
    QCOMPARE(target.cancelled.load(), 100);
    QCOMPARE(pool->ioService()->snapshot().undelivered, 0u);
    QVERIFY(!pool->ioService()->snapshot().accepting);
    pool.reset(); // join the workers before the target they call goes (as above)
}

// Destruction alone, with completions queued behind a held worker and recvs outstanding:
// each record comes back once before the pool is gone.
void TestIoPool::destructionReturnsEveryRecord()
{
    auto pool = std::make_unique<WorkerPool>(ioPoolOptions(1, 1));
    std::latch started(1), release(1);
    pool->post([&] {
        started.count_down();
        release.wait();
    });
    started.wait();
    bool released = false;
    const auto releaseOnExit = qScopeGuard([&] {
        if (!released)
            release.count_down();
    });
    RecvTarget target(*pool->ioService(), 10, 4);
    // Half complete into the port (queued behind the held worker), half stay outstanding.
    target.sendToAll(2);
    QTRY_COMPARE_WITH_TIMEOUT(pool->ioService()->snapshot().total.outstanding, 20u, 30000);
    auto destroyed = std::async(std::launch::async, [&] { pool.reset(); });
    released = true;
    release.count_down();
    destroyed.get();
    QCOMPARE(target.recordsDeliveredOnce(), 40);
    QCOMPARE(target.cancelled.load() + target.completed.load(), 40);
    QCOMPARE(target.completed.load(), 20);
}

void TestIoPool::poolWithoutIoHasNone()
{
    WorkerPool pool(WorkerPoolOptions{});
    QVERIFY(pool.ioService() == nullptr);
    const ShutdownResult result = pool.shutdown(ShutdownMode::Fast);
    QCOMPARE(result.io.outstandingAtStart, 0u);
    QCOMPARE(pool.snapshot().ioStarted, 0u);
}

QTEST_GUILESS_MAIN(TestIoPool)
#include "tst_iopool.moc"
