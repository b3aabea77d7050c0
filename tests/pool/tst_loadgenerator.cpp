// The load generator: settings validation, patterns, unit kinds and behaviours, the queue
// cap, and prompt stop.

#include "loadgenerator.h"
#include "testprinters.h"
#include "workerpool.h"

#include <QtTest>

#include <chrono>
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
    void burstsPostExactlyTheBurst();
    void everyUnitThrowsTheChosenType_data();
    void everyUnitThrowsTheChosenType();
    void blockingUnitsShowAsBlockedWorkers();
    void queueCapHoldsProducersBack();
    void pauseResumeAndStopPromptly();
    void settingsChangeWhileRunning();
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
    QCOMPARE(parseCostDistribution("uniform"), std::optional(CostDistribution::Uniform));
    QVERIFY(!parseLoadPattern("zigzag").has_value());
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
    generator.start();
    QTest::qWait(1000); // the rate is the behaviour under test: let a second of it pass
    generator.stop();
    const std::uint64_t posted = generator.stats().posted;
    QVERIFY2(posted > 10'000 && posted < 30'000, qPrintable(QString::number(posted)));
    QCOMPARE(pool.snapshot().posted, posted);
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
    QTest::qWait(50);
    const PoolSnapshot s = pool.snapshot();
    // Each producer checks the room before a batch, so the cap holds up to one batch per producer.
    QVERIFY2(s.queued >= 5000 && s.queued <= 5000 + 2 * 4096, qPrintable(QString::number(s.queued)));
    QVERIFY(generator.stats().throttledNs > 0);
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
    QTest::qWait(20);
    const std::uint64_t whilePaused = generator.stats().posted;
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
