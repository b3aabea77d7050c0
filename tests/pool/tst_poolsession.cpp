// PoolSession as its two front ends use it: settings apply all-or-nothing, a run has an
// identity that its counters, exceptions, history and report share, a restart begins a new
// run while the old one stays readable, and the waiting verb (drain) runs on another thread
// while the owner keeps reading.

#include "unithold.h"
#include "poolsession.h"
#include "runreport.h"

#include <QtTest>

#include <atomic>
#include <latch>
#include <thread>

using namespace poolscope;
using poolscope::testing::UnitHold;

class TestPoolSession : public QObject {
    Q_OBJECT

private slots:
    void applyIsAllOrNothing_data();
    void applyIsAllOrNothing();
    void restartBeginsANewRunAndKeepsTheOldOneReadable();
    void restartRefusesARunThatIsNotStopped();
    void drainOnAHelperWhileTheOwnerReads();
    void cancelQueuedCutsAGracefulDrainShort();
};

void TestPoolSession::applyIsAllOrNothing_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<QString>("message");
    QTest::newRow("workers") << 0 << "workers must be 0..1024 (got 2000)";
    QTest::newRow("concurrency") << 1 << "concurrency must be 0..1024 (got 5000)";
    QTest::newRow("load") << 2 << "producers must be 1..8 (got 9)";
}

void TestPoolSession::applyIsAllOrNothing()
{
    QFETCH(int, field);
    QFETCH(QString, message);
    PoolSession session({.workers = 2, .concurrency = 2}, {.autoStart = false});
    const SessionSettings before = session.settings();
    SessionSettings wanted = before;
    wanted.workers = 5; // good, but must not be applied when another field is bad
    wanted.load.ratePerSecond = 777;
    if (field == 0)
        wanted.workers = 2000;
    else if (field == 1)
        wanted.concurrency = 5000;
    else
        wanted.load.producers = 9;
    std::string error;
    QVERIFY(!session.apply(wanted, error));
    QCOMPARE(QString::fromStdString(error), message);
    QVERIFY(session.settings() == before);
    QCOMPARE(session.status().pool.targetWorkers, 2u);

    wanted = before;
    wanted.workers = 5;
    wanted.concurrency = 3;
    wanted.policy = ExceptionPolicy::RetireWorker;
    wanted.load.ratePerSecond = 777;
    QVERIFY2(session.apply(wanted, error), error.c_str());
    QVERIFY(session.settings() == wanted);
    const PoolSnapshot now = session.status().pool;
    QCOMPARE(now.targetWorkers, 5u);
    QCOMPARE(now.concurrency, 3u);
    QCOMPARE(now.policy, ExceptionPolicy::RetireWorker);
}

void TestPoolSession::restartBeginsANewRunAndKeepsTheOldOneReadable()
{
    PoolSession session({.workers = 2, .concurrency = 2}, {.capacity = 1000, .autoStart = false});
    const RunIdentity first = session.run();
    QCOMPARE(first.number, std::uint64_t(1));
    for (int i = 0; i < 10; ++i)
        session.post([] { throw std::runtime_error("first run"); });
    for (int i = 0; i < 20; ++i)
        session.post([] {});
    QTRY_COMPARE(session.status().pool.completed + session.status().pool.failed, std::uint64_t(30));
    std::vector<ExceptionReport> reports;
    QTRY_VERIFY((session.takeExceptionReports(reports), reports.size() == 10));
    for (int i = 0; i < 3; ++i)
        session.sampleNow();
    QCOMPARE(session.exceptions().total(), std::uint64_t(10));

    session.beginShutdown();
    const ShutdownResult result = session.drain(ShutdownMode::Graceful);
    QVERIFY(!result.deadlineMissed);
    QCOMPARE(session.status().phase, RunPhase::Stopped);
    session.restart("test");

    // The new run: its own number, counters, log and history.
    const SessionStatus status = session.status();
    QCOMPARE(status.run.number, std::uint64_t(2));
    QCOMPARE(status.phase, RunPhase::Running);
    QCOMPARE(status.pool.posted, std::uint64_t(0));
    QCOMPARE(session.exceptions().total(), std::uint64_t(0));
    QVERIFY(session.history().empty());
    session.post([] { throw std::logic_error("second run"); });
    reports.clear();
    QTRY_VERIFY((session.takeExceptionReports(reports), reports.size() == 1));
    session.sampleNow();
    const std::vector<Sample> history = session.history();
    QCOMPARE(history.size(), std::size_t(1));
    QVERIFY(history.front().sequence >= status.run.firstSample);
    QCOMPARE(history.front().pool.failed, std::uint64_t(1));
    const RunReport report = captureRunReport(session, {});
    QCOMPARE(report.runNumber, std::uint64_t(2));
    QCOMPARE(report.counters.failed, std::uint64_t(1));
    QCOMPARE(report.exceptions.size(), std::size_t(1));
    QCOMPARE(report.exceptions.front().message, std::string("second run"));

    // The old run, as it ended.
    const std::shared_ptr<const RunReport> previous = session.previousRun();
    QVERIFY(previous);
    QCOMPARE(previous->runNumber, std::uint64_t(1));
    QCOMPARE(previous->runStarted, first.started);
    QCOMPARE(previous->counters.failed, std::uint64_t(10));
    QCOMPARE(previous->counters.completed, std::uint64_t(20));
    QCOMPARE(previous->exceptions.size(), std::size_t(1));
    QCOMPARE(previous->exceptions.front().count, std::uint64_t(10));
    QVERIFY(previous->history.size() >= 3);
    QVERIFY(previous->history.back().sequence < status.run.firstSample);
}

void TestPoolSession::restartRefusesARunThatIsNotStopped()
{
    PoolSession session({.workers = 1}, {.autoStart = false});
    QVERIFY_THROWS_EXCEPTION(std::logic_error, session.restart());
    session.beginShutdown(); // shutting down, not yet drained
    QVERIFY_THROWS_EXCEPTION(std::logic_error, session.restart());
    QCOMPARE(session.run().number, std::uint64_t(1));
    QVERIFY(!session.startLoad()); // no load verbs once the run is ending
}

void TestPoolSession::drainOnAHelperWhileTheOwnerReads()
{
    PoolSession session({.workers = 1, .concurrency = 1}, {.autoStart = false});
    UnitHold hold;
    session.post(hold.unit());
    QTRY_VERIFY(hold.isHolding());
    for (int i = 0; i < 1000; ++i)
        session.post([] {});
    session.beginShutdown();
    std::atomic<bool> drained{false};
    ShutdownResult result;
    std::thread helper([&] {
        result = session.drain(ShutdownMode::Graceful);
        drained = true;
    });
    QTRY_VERIFY(session.status().drain.has_value());
    // The owner goes on: reads and refusals, no waiting.
    const SessionStatus during = session.status();
    QCOMPARE(during.phase, RunPhase::ShuttingDown);
    QCOMPARE(during.pool.queued, std::uint64_t(1000));
    QCOMPARE(during.drain->mode, ShutdownMode::Graceful);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, session.restart());
    QVERIFY(!drained.load());
    hold.release();
    helper.join();
    QCOMPARE(result.drained, std::uint64_t(1001));
    QCOMPARE(session.status().phase, RunPhase::Stopped);
    QVERIFY(!session.status().drain);
    QCOMPARE(session.status().lastDrain->drained, std::uint64_t(1001));
}

void TestPoolSession::cancelQueuedCutsAGracefulDrainShort()
{
    PoolSession session({.workers = 1, .concurrency = 1}, {.autoStart = false});
    UnitHold hold;
    session.post(hold.unit());
    QTRY_VERIFY(hold.isHolding());
    for (int i = 0; i < 100'000; ++i)
        session.post([] {});
    session.beginShutdown();
    ShutdownResult result;
    std::thread helper([&] { result = session.drain(ShutdownMode::Graceful); });
    QTRY_VERIFY(session.status().drain.has_value());
    session.cancelQueued();
    QVERIFY(session.status().drain->cancelRequested);
    QTRY_COMPARE(session.status().pool.queued, std::uint64_t(0));
    hold.release();
    helper.join();
    QCOMPARE(result.cancelled, std::uint64_t(100'000));
    QCOMPARE(result.drained, std::uint64_t(1));
    QVERIFY(!result.deadlineMissed);
    session.restart();
    QCOMPARE(session.status().pool.state, PoolState::Running);
}

QTEST_GUILESS_MAIN(TestPoolSession)
#include "tst_poolsession.moc"
