// The load generator: settings validation, patterns, unit kinds and behaviours, the queue
// cap, and prompt stop.

#include "loadgenerator.h"
#include "testprinters.h"
#include "workerpool.h"

#include <QtTest>

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <thread>

using namespace poolscope;
using namespace std::chrono_literals;

class TestLoadGenerator : public QObject {
    Q_OBJECT

private slots:
    void validationNamesTheField_data();
    void validationNamesTheField();
    void namesRoundTrip();
    void steadyRateIsRoughlyHonoured();
    void unitCostFollowsTheDistribution_data();
    void unitCostFollowsTheDistribution();
    void burstsPostExactlyTheBurst();
    void everyUnitThrowsTheChosenType_data();
    void everyUnitThrowsTheChosenType();
    void blockingUnitsShowAsBlockedWorkers();
    void queueCapHoldsProducersBack();
    void pauseResumeAndStopPromptly();
    void settingsChangeWhileRunning();
    void refusedPostsAreCountedWithoutSpinning();
    void needsAPool();
};

void TestLoadGenerator::validationNamesTheField_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<QString>("expected");
    QTest::newRow("producers") << 0 << "producers must be 1..8";
    QTest::newRow("rate") << 1 << "rate must be 1..10000000";
    QTest::newRow("burst") << 2 << "burst size must be 1..1000000";
    QTest::newRow("cost") << 3 << "unit cost must be 0..100000 us";
    QTest::newRow("blocking") << 4 << "blocking share must be 0..1";
    QTest::newRow("exceptions") << 5 << "exception probability must be 0..1";
    QTest::newRow("cap") << 6 << "queue cap must be 1..10000000";
    QTest::newRow("interval") << 7 << "burst interval must be 1..60000 ms";
    QTest::newRow("period") << 8 << "period must be 100..600000 ms";
    QTest::newRow("blocking time") << 9 << "blocking time must be 0..10000000 us";
    QTest::newRow("rate NaN") << 10 << "rate must be 1..10000000";
    QTest::newRow("producers 0") << 11 << "producers must be 1..8 (got 0)";
    QTest::newRow("rate 0") << 12 << "rate must be 1..10000000";
    QTest::newRow("negative cost") << 13 << "unit cost must be 0..100000 us";
}

void TestLoadGenerator::validationNamesTheField()
{
    QFETCH(int, field);
    QFETCH(QString, expected);
    LoadSettings settings;
    QVERIFY(settings.validate().empty());
    switch (field) {
    case 0: settings.producers = 9; break;
    case 1: settings.ratePerSecond = 2e7; break;
    case 2: settings.burstSize = 0; break;
    case 3: settings.meanCost = 200ms; break;
    case 4: settings.blockingShare = 1.5; break;
    case 5: settings.exceptionProbability = -0.1; break;
    case 6: settings.queueCap = 20'000'000; break;
    case 7: settings.burstInterval = 0ms; break;
    case 8: settings.period = 50ms; break;
    case 9: settings.blockingTime = 20s; break;
    case 10: settings.ratePerSecond = std::numeric_limits<double>::quiet_NaN(); break;
    case 11: settings.producers = 0; break;
    case 12: settings.ratePerSecond = 0; break;
    case 13: settings.meanCost = -1us; break;
    }
    const QString error = QString::fromStdString(settings.validate());
    QVERIFY2(error.startsWith(expected), qPrintable(error));
    LoadGenerator generator;
    const LoadSettings before = generator.settings();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, generator.applySettings(settings));
    QVERIFY(generator.settings() == before); // nothing changed
}

void TestLoadGenerator::namesRoundTrip()
{
    for (auto pattern : {LoadPattern::Steady, LoadPattern::Bursts, LoadPattern::Ramp, LoadPattern::Sine,
                         LoadPattern::AsFastAsPossible})
        QCOMPARE(parseLoadPattern(nameOf(pattern)), std::optional(pattern));
    for (auto type : {ThrownType::RuntimeError, ThrownType::CustomException, ThrownType::NonStdClass, ThrownType::Int})
        QCOMPARE(parseThrownType(nameOf(type)), std::optional(type));
    for (auto distribution : {CostDistribution::Constant, CostDistribution::Uniform, CostDistribution::Exponential})
        QCOMPARE(parseCostDistribution(nameOf(distribution)), std::optional(distribution));
    QCOMPARE(parseCostDistribution("uniform"), std::optional(CostDistribution::Uniform));
    QVERIFY(!parseLoadPattern("zigzag").has_value());
    QVERIFY(!parseThrownType("").has_value());
    QVERIFY(!parseCostDistribution("Uniform").has_value()); // names are exact
    QCOMPARE(nameOf(LoadState::Paused), std::string_view("paused"));
}

void TestLoadGenerator::steadyRateIsRoughlyHonoured()
{
    WorkerPool pool({.workers = 2});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.ratePerSecond = 20'000;
    settings.meanCost = 0us;
    settings.producers = 2;
    generator.applySettings(settings);
    const auto startedAt = std::chrono::steady_clock::now();
    generator.start();
    QTest::qWait(1000); // the rate is the behaviour under test: let a second of it pass
    generator.stop();
    // Against the time that really passed: on a busy machine the wait may last longer.
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - startedAt).count();
    const std::uint64_t posted = generator.stats().posted;
    const double expected = 20'000 * seconds;
    QVERIFY2(double(posted) > expected * 0.5 && double(posted) < expected * 1.5,
             qPrintable(QStringLiteral("%1 posted in %2 s").arg(posted).arg(seconds)));
    QCOMPARE(pool.snapshot().posted, posted);
}

void TestLoadGenerator::unitCostFollowsTheDistribution_data()
{
    QTest::addColumn<int>("distribution");
    QTest::newRow("constant") << int(CostDistribution::Constant);
    QTest::newRow("uniform") << int(CostDistribution::Uniform);
    QTest::newRow("exponential") << int(CostDistribution::Exponential);
}

// Forty units of 5 ms mean on one worker. A unit spins until its wall-clock deadline, so the
// pool's service time bounds the cost from below; process CPU time bounds it from above (a
// machine shared with other builds may preempt the spinner, which lowers CPU, never raises it).
void TestLoadGenerator::unitCostFollowsTheDistribution()
{
    QFETCH(int, distribution);
    constexpr int Units = 40;
    constexpr double MeanMs = 5;
    WorkerPool pool({.workers = 1});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.pattern = LoadPattern::Bursts;
    settings.burstSize = Units;
    settings.burstInterval = 60'000ms;
    settings.costDistribution = static_cast<CostDistribution>(distribution);
    settings.meanCost = 5ms;
    generator.applySettings(settings);
    const std::clock_t cpuBefore = std::clock();
    generator.start();
    QTRY_COMPARE_WITH_TIMEOUT(pool.snapshot().completed, std::uint64_t(Units), 10'000);
    const double cpuMs = 1000.0 * static_cast<double>(std::clock() - cpuBefore) / CLOCKS_PER_SEC;
    generator.stop();

    LatencyHistogram wait, service;
    pool.addLatencyHistograms(wait, service);
    const LatencySummary summary = service.summary();
    QCOMPARE(summary.count, std::uint64_t(Units));
    const double meanMs = summary.mean / 1e6;
    const double expectedTotalMs = Units * MeanMs;
    QVERIFY2(meanMs * Units >= 0.5 * expectedTotalMs, qPrintable(QString::number(meanMs)));
    QVERIFY2(cpuMs <= 2 * expectedTotalMs + 100, qPrintable(QString::number(cpuMs)));
    if (settings.costDistribution == CostDistribution::Constant) {
        // From below only: a preempted spinner ends late by wall clock (an ASan build on a busy
        // machine read a 22 ms mean), and the CPU bound above already caps the cost from above.
        QVERIFY2(summary.p50 >= 4'900'000, qPrintable(QString::number(summary.p50))); // 1% histogram error
    } else {
        // Not constant: the draws differ (uniform 0..10 ms, exponential unbounded but for the cap).
        QVERIFY2(summary.max > summary.p50 + 500'000, qPrintable(QString::number(summary.max)));
    }
}

void TestLoadGenerator::burstsPostExactlyTheBurst()
{
    WorkerPool pool({.workers = 2});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.pattern = LoadPattern::Bursts;
    settings.burstSize = 1000;
    settings.burstInterval = 60'000ms; // one burst, then a minute of quiet
    settings.producers = 3;
    settings.meanCost = 0us;
    generator.applySettings(settings);
    generator.start();
    QTRY_COMPARE(generator.stats().posted, std::uint64_t(1000));
    QTest::qWait(50);
    QCOMPARE(generator.stats().posted, std::uint64_t(1000));
    generator.stop();
}

void TestLoadGenerator::everyUnitThrowsTheChosenType_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("typeName");
    QTest::newRow("runtime_error") << int(ThrownType::RuntimeError) << "std::runtime_error";
    QTest::newRow("custom") << int(ThrownType::CustomException) << "poolscope::SimulatedError";
    QTest::newRow("non-std") << int(ThrownType::NonStdClass) << "poolscope::SimulatedFault";
    QTest::newRow("int") << int(ThrownType::Int) << "int";
}

void TestLoadGenerator::everyUnitThrowsTheChosenType()
{
    QFETCH(int, type);
    QFETCH(QString, typeName);
    WorkerPool pool({.workers = 2});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.pattern = LoadPattern::Bursts;
    settings.burstSize = 30; // ten of each unit kind
    settings.burstInterval = 60'000ms;
    settings.exceptionProbability = 1.0;
    settings.exceptionType = static_cast<ThrownType>(type);
    settings.meanCost = 0us;
    generator.applySettings(settings);
    generator.start();
    QTRY_COMPARE(pool.snapshot().failed, std::uint64_t(30));
    generator.stop();
    QCOMPARE(pool.snapshot().completed, std::uint64_t(0));
    std::vector<ExceptionReport> reports;
    pool.drainExceptionReports(reports);
    QCOMPARE(reports.size(), std::size_t(30));
    for (const ExceptionReport &report : reports) {
        QCOMPARE(QString::fromStdString(report.typeName), typeName);
        QCOMPARE(QString::fromStdString(report.unitTag), QStringLiteral("throwing"));
    }
}

void TestLoadGenerator::blockingUnitsShowAsBlockedWorkers()
{
    WorkerPool pool({.workers = 4, .concurrency = 2});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.ratePerSecond = 2000;
    settings.blockingShare = 1.0;
    settings.blockingTime = 20'000us;
    settings.meanCost = 0us;
    generator.applySettings(settings);
    generator.start();
    // Blocked workers do not count against the limit of 2: more than 2 can be inside units.
    QTRY_VERIFY(pool.snapshot().blockedWorkers > 2);
    generator.stop();
}

void TestLoadGenerator::queueCapHoldsProducersBack()
{
    WorkerPool pool({.workers = 0}); // nothing drains: the queue only grows
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.pattern = LoadPattern::AsFastAsPossible;
    settings.queueCap = 5000;
    settings.producers = 2;
    generator.applySettings(settings);
    generator.start();
    QTRY_VERIFY(generator.stats().atQueueCap);
    QTRY_VERIFY(generator.stats().throttledNs > 0); // counted when a wait at the cap ends
    // Each producer checks the room before a batch, so the cap holds up to one batch per
    // producer. Watch it for 50 ms (and a bounded number of reads), not only once.
    std::uint64_t most = 0;
    const auto until = std::chrono::steady_clock::now() + 50ms;
    for (int i = 0; i < 1'000'000 && std::chrono::steady_clock::now() < until; ++i) {
        most = std::max(most, pool.snapshot().queued);
        std::this_thread::yield();
    }
    QVERIFY2(most >= 5000 && most <= 5000 + 2 * 4096, qPrintable(QString::number(most)));
    const auto before = std::chrono::steady_clock::now();
    generator.stop();
    QVERIFY(std::chrono::steady_clock::now() - before < 1s);
    QCOMPARE(generator.state(), LoadState::Stopped);
}

void TestLoadGenerator::pauseResumeAndStopPromptly()
{
    WorkerPool pool({.workers = 2});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.ratePerSecond = 50'000;
    settings.meanCost = 0us;
    generator.applySettings(settings);
    generator.start();
    QCOMPARE(generator.state(), LoadState::Running);
    QTRY_VERIFY(generator.stats().posted > 100);
    generator.pause();
    QCOMPARE(generator.state(), LoadState::Paused);
    const std::uint64_t whilePaused = generator.stats().posted; // exact: pause() waited for the batches
    QTest::qWait(100);
    QCOMPARE(generator.stats().posted, whilePaused);
    generator.resume();
    QTRY_VERIFY(generator.stats().posted > whilePaused);
    const auto before = std::chrono::steady_clock::now();
    generator.stop();
    QVERIFY(std::chrono::steady_clock::now() - before < 1s);
    const std::uint64_t stopped = generator.stats().posted;
    QTest::qWait(50);
    QCOMPARE(generator.stats().posted, stopped);
}

void TestLoadGenerator::settingsChangeWhileRunning()
{
    WorkerPool pool({.workers = 2});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.ratePerSecond = 1000;
    settings.meanCost = 0us;
    generator.applySettings(settings);
    generator.start();
    settings.producers = 4; // restarts the producers behind the scenes
    settings.pattern = LoadPattern::Sine;
    generator.applySettings(settings);
    QCOMPARE(generator.state(), LoadState::Running);
    QCOMPARE(generator.settings().producers, 4u);
    const std::uint64_t before = generator.stats().posted;
    QTRY_VERIFY(generator.stats().posted > before);
    generator.stop();
}

void TestLoadGenerator::refusedPostsAreCountedWithoutSpinning()
{
    WorkerPool pool({.workers = 1});
    LoadGenerator generator(&pool);
    LoadSettings settings;
    settings.pattern = LoadPattern::AsFastAsPossible;
    settings.meanCost = 0us;
    generator.applySettings(settings);
    generator.start();
    QTRY_VERIFY(generator.stats().posted > 1000);
    pool.shutdown(ShutdownMode::Fast);
    QTRY_VERIFY(generator.stats().refused > 0);
    const LoadStats before = generator.stats();
    const auto startedAt = std::chrono::steady_clock::now();
    QTest::qWait(200); // the rate of refused posts is the behaviour under test
    const LoadStats after = generator.stats();
    const auto milliseconds =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - startedAt).count();
    QCOMPARE(after.posted, before.posted);
    // One probe per 1 ms tick (per producer), not a batch of 1,024 (or a spinning core) per
    // tick; against the time that really passed, which a busy machine stretches.
    const auto probes = after.refused - before.refused;
    QVERIFY2(probes < std::uint64_t(5 * (milliseconds + 10)),
             qPrintable(QStringLiteral("%1 refused in %2 ms").arg(probes).arg(milliseconds)));
    QCOMPARE(generator.state(), LoadState::Running);
    generator.stop();
}

void TestLoadGenerator::needsAPool()
{
    LoadGenerator generator;
    QVERIFY_THROWS_EXCEPTION(std::logic_error, generator.start());
    WorkerPool pool({.workers = 1});
    generator.setPool(&pool);
    generator.start();
    QVERIFY_THROWS_EXCEPTION(std::logic_error, generator.setPool(nullptr));
    generator.stop();
}

QTEST_GUILESS_MAIN(TestLoadGenerator)
#include "tst_loadgenerator.moc"
