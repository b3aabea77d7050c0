// The JSON snapshot: it parses as JSON, carries its format version, and reads back with the
// values that went in, including awkward strings.

#include "poolsession.h"
#include "runreport.h"

#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <sstream>

using namespace poolscope;

class TestRunReport : public QObject {
    Q_OBJECT

private slots:
    void roundTripsThroughJson();
    void captureReadsTheSessionAndAWindowOfHistory();
};

void TestRunReport::roundTripsThroughJson()
{
    WorkerPool pool({.workers = 2, .concurrency = 1});
    Sampler sampler({.rateHz = 20, .capacity = 100});
    sampler.setSource(Sampler::sourceFor(pool));
    sampler.sampleNow();
    for (int i = 0; i < 100; ++i)
        pool.post([i] {
            if (i % 10 == 0)
                throw std::runtime_error("boom");
        });
    QTRY_COMPARE(pool.snapshot().completed + pool.snapshot().failed, std::uint64_t(100));
    sampler.sampleNow();

    RunReport report;
    report.poolscopeVersion = "0.1.0";
    report.exportedAt = std::chrono::system_clock::now();
    report.durationSeconds = 1.5;
    report.backend = WorkerPool::backendName();
    report.processors = 2;
    report.operatingSystem = operatingSystemName();
    report.pool = {.workers = 2, .concurrency = 1};
    report.load.pattern = LoadPattern::Bursts;
    report.loadState = "stopped";
    report.sampleRateHz = 20;
    report.counters = pool.snapshot();
    LatencyHistogram wait, service;
    pool.addLatencyHistograms(wait, service);
    report.queueWaitSinceStart = wait.summary();
    report.serviceTimeSinceStart = service.summary();
    sampler.copySince(0, report.history);
    report.exceptions.push_back({"std::runtime_error", "a \"quoted\"\nline\twith\\tabs \x01", 10, report.exportedAt,
                                 report.exportedAt, {0, 1}});

    std::ostringstream out;
    writeJson(out, report);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(out.str()), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonObject root = document.object();
    QCOMPARE(root[QStringLiteral("format")].toInt(), RunReport::Format);
    QCOMPARE(root[QStringLiteral("host")][QStringLiteral("backend")].toString(), QStringLiteral("linux-futex"));
    QVERIFY(root[QStringLiteral("host")][QStringLiteral("os")].toString().startsWith(QStringLiteral("Linux")));
    const QJsonObject counters = root[QStringLiteral("counters")].toObject();
    QCOMPARE(counters[QStringLiteral("posted")].toInteger(), 100);
    QCOMPARE(counters[QStringLiteral("failed")].toInteger(), 10);
    QCOMPARE(counters[QStringLiteral("posted")].toInteger(),
             counters[QStringLiteral("queued")].toInteger() + counters[QStringLiteral("in_flight")].toInteger() +
                 counters[QStringLiteral("completed")].toInteger() + counters[QStringLiteral("failed")].toInteger() +
                 counters[QStringLiteral("cancelled")].toInteger());
    QCOMPARE(root[QStringLiteral("configuration")][QStringLiteral("load")][QStringLiteral("pattern")].toString(),
             QStringLiteral("bursts"));
    QCOMPARE(root[QStringLiteral("configuration")][QStringLiteral("pool")][QStringLiteral("concurrency")].toInt(), 1);
    QCOMPARE(root[QStringLiteral("latency_since_start")][QStringLiteral("service")][QStringLiteral("count")].toInteger(), 100);
    QCOMPARE(root[QStringLiteral("history")].toArray().size(), 2);
    QCOMPARE(root[QStringLiteral("history")][1][QStringLiteral("completed")].toInteger(), 90);
    // The I/O rates and interval latency are in every entry (0 here: this pool serves no I/O).
    const QJsonObject entry = root[QStringLiteral("history")][1].toObject();
    for (const char *io : {"io_completions_per_s", "io_read_completions_per_s", "io_send_completions_per_s",
                           "io_failures_per_s", "io_bytes_read_per_s", "io_bytes_written_per_s"}) {
        QVERIFY2(entry.contains(QLatin1String(io)), io);
        QCOMPARE(entry[QLatin1String(io)].toDouble(), 0.0);
    }
    QCOMPARE(entry[QStringLiteral("io")][QStringLiteral("count")].toInteger(), 0);
    const QJsonObject exception = root[QStringLiteral("exceptions")][0].toObject();
    QCOMPARE(exception[QStringLiteral("message")].toString(), QStringLiteral("a \"quoted\"\nline\twith\\tabs \x01"));
    QCOMPARE(exception[QStringLiteral("workers")].toArray().size(), 2);
}

void TestRunReport::captureReadsTheSessionAndAWindowOfHistory()
{
    // Samples only where this test takes them.
    PoolSession session({.workers = 3, .concurrency = 2}, {.rateHz = 50, .capacity = 100, .autoStart = false});
    SessionSettings settings = session.settings();
    settings.load.pattern = LoadPattern::Sine;
    settings.load.ratePerSecond = 1234;
    std::string error;
    QVERIFY2(session.apply(settings, error), error.c_str());
    for (int i = 0; i < 50; ++i)
        session.post([] {});
    QTRY_COMPARE(session.status().pool.completed, std::uint64_t(50));
    for (int i = 0; i < 5; ++i)
        session.sampleNow();
    session.post([] { throw 42; });
    std::vector<ExceptionReport> reports;
    QTRY_VERIFY((session.takeExceptionReports(reports), reports.size() == 1));
    QCOMPARE(session.status().pool.failed, std::uint64_t(1));

    MetricsView metrics;
    const RunReport report = captureRunReport(session, {.poolscopeVersion = "9.9", .historySamples = 3}, &metrics);
    QCOMPARE(report.runNumber, std::uint64_t(1));
    QCOMPARE(report.runStarted, session.run().started);
    QCOMPARE(report.poolscopeVersion, std::string("9.9"));
    QVERIFY(report.durationSeconds >= 0 && report.durationSeconds < 60);
    QCOMPARE(report.pool.workers, 3u);
    QCOMPARE(report.pool.concurrency, 2u);
    QCOMPARE(report.load.pattern, LoadPattern::Sine);
    QCOMPARE(report.load.ratePerSecond, 1234.0);
    QCOMPARE(report.loadState, std::string("stopped"));
    QCOMPARE(report.sampleRateHz, 50.0);
    QCOMPARE(report.counters.completed, std::uint64_t(50));
    QCOMPARE(report.serviceTimeSinceStart.count, std::uint64_t(51));
    QCOMPARE(report.history.size(), std::size_t(3)); // the newest three of five
    QCOMPARE(report.history.back().sequence, std::uint64_t(5));
    QCOMPARE(report.history.front().sequence, std::uint64_t(3));
    QCOMPARE(report.exceptions.size(), std::size_t(1));
    QCOMPARE(report.exceptions.front().count, std::uint64_t(1)); // the run's own log
    QCOMPARE(report.exceptions.front().typeName, std::string("int"));
    QCOMPARE(metrics.snapshot.completed, report.counters.completed); // the same instant
    QCOMPARE(metrics.serviceTime.count(), std::uint64_t(51));
    QCOMPARE(metrics.backend, std::string(WorkerPool::backendName()));
}

QTEST_GUILESS_MAIN(TestRunReport)
#include "tst_runreport.moc"
