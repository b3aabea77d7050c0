// The sweep runner on a tiny real grid with a short period, and the sweep's JSON and CSV.
// Assertions hold however fast the machine is: which points ran and in what order, that each
// is a run of its own with its settings and a quiescent end, that the measured period lasted
// at least as long as asked; never how many units a busy machine managed.

#include "sweepexport.h"
#include "sweeprunner.h"

#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <sstream>

using namespace poolscope;
using namespace std::chrono_literals;

namespace {

SweepOptions tinySweep()
{
    SweepOptions options;
    std::string error;
    if (!parseSweepGrid("workers=1,2,concurrency=0", 2, 0, options.grid, error))
        qFatal("%s", error.c_str());
    options.settings.load.ratePerSecond = 2000;
    options.settings.load.costDistribution = CostDistribution::Constant;
    options.settings.load.meanCost = 20us;
    options.warmUp = 0ms;
    options.period = 100ms;
    options.waitTarget = 50ms;
    options.poolscopeVersion = "test";
    return options;
}

QJsonObject parsed(const std::string &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("%s", qPrintable(error.errorString()));
    return document.object();
}

} // namespace

class TestSweepRunner : public QObject {
    Q_OBJECT

private slots:
    void runsEveryPointAsARunOfItsOwn();
    void cancelKeepsThePointsMeasured_data();
    void cancelKeepsThePointsMeasured();
    void refusesBadOptions_data();
    void refusesBadOptions();
    void exportsJsonWithEachRunInside();
    void exportsCsvOneRowPerPointWithTheKnee();
};

void TestSweepRunner::runsEveryPointAsARunOfItsOwn()
{
    SweepRunner runner(tinySweep());
    std::vector<std::pair<std::size_t, SweepPhase>> phases;
    std::vector<std::size_t> done;
    const SweepResult result = runner.run(
        [&](const SweepProgress &p) {
            QCOMPARE(p.pointCount, std::size_t(2));
            if (phases.empty() || phases.back() != std::pair(p.pointIndex, p.phase))
                phases.emplace_back(p.pointIndex, p.phase);
        },
        [&](const SweepPoint &, std::size_t index) { done.push_back(index); });

    QVERIFY(!result.cancelled);
    QCOMPARE(result.points.size(), std::size_t(2));
    QCOMPARE(done, (std::vector<std::size_t>{0, 1}));
    using P = std::pair<std::size_t, SweepPhase>;
    QCOMPARE(phases, (std::vector<P>{{0, SweepPhase::WarmingUp}, {0, SweepPhase::Measuring}, {0, SweepPhase::Draining},
                                     {1, SweepPhase::WarmingUp}, {1, SweepPhase::Measuring}, {1, SweepPhase::Draining}}));
    for (std::size_t i = 0; i < 2; ++i) {
        const SweepPoint &point = result.points[i];
        QCOMPARE(point.figures.workers, unsigned(i + 1));
        QCOMPARE(point.figures.concurrency, 0u);
        QCOMPARE(point.report.pool.workers, unsigned(i + 1));
        QCOMPARE(point.report.runNumber, std::uint64_t(i + 1)); // a run of its own
        QCOMPARE(point.report.load.ratePerSecond, 2000.0);
        QVERIFY2(point.figures.measuredSeconds >= 0.1, qPrintable(QString::number(point.figures.measuredSeconds)));
        // Drained fast at the end: quiescent, so the identity holds exactly.
        QCOMPARE(point.report.counters.queued, std::uint64_t(0));
        QCOMPARE(point.report.counters.inFlight, std::uint64_t(0));
        QCOMPARE(point.report.counters.identityError(), std::int64_t(0));
        QVERIFY(point.figures.completed <= point.report.counters.completed);
        QVERIFY(point.figures.queueWait.count <= point.report.counters.started);
        QVERIFY(!point.report.history.empty());
        QVERIFY(point.figures.utilisationPercent >= 0); // measured, never negative
    }
    QVERIFY(!result.knee().explanation.empty());
}

void TestSweepRunner::cancelKeepsThePointsMeasured_data()
{
    QTest::addColumn<int>("cancelAtPoint");
    QTest::addColumn<int>("cancelInPhase");
    QTest::addColumn<int>("kept");
    QTest::newRow("in the first warm-up") << 0 << int(SweepPhase::WarmingUp) << 0;
    QTest::newRow("in the second measured period") << 1 << int(SweepPhase::Measuring) << 1;
    QTest::newRow("in the last drain") << 1 << int(SweepPhase::Draining) << 2; // its period was measured
}

void TestSweepRunner::cancelKeepsThePointsMeasured()
{
    QFETCH(int, cancelAtPoint);
    QFETCH(int, cancelInPhase);
    QFETCH(int, kept);
    SweepOptions options = tinySweep();
    options.period = 10s; // only a cancel ends it in time
    options.warmUp = 10s;
    if (cancelInPhase == int(SweepPhase::Draining) || cancelAtPoint > 0) {
        options.warmUp = 0ms;
        options.period = 100ms;
    }
    SweepRunner runner(options);
    const auto started = std::chrono::steady_clock::now();
    const SweepResult result = runner.run([&](const SweepProgress &p) {
        if (p.pointIndex == std::size_t(cancelAtPoint) && int(p.phase) == cancelInPhase)
            runner.cancel();
    });
    QVERIFY(runner.isCancelled());
    QCOMPARE(result.points.size(), std::size_t(kept));
    QCOMPARE(result.cancelled, kept < 2);
    QVERIFY(std::chrono::steady_clock::now() - started < 10s); // the cancel cut the long wait short
}

void TestSweepRunner::refusesBadOptions_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<QString>("expected");
    QTest::newRow("period") << 0 << "sweep period must be 0.1..3600 s";
    QTest::newRow("warm-up") << 1 << "warm-up must be 0..3600 s";
    QTest::newRow("target") << 2 << "queue wait target must be";
    QTest::newRow("grid") << 3 << "no points";
    QTest::newRow("load") << 4 << "producers must be 1..8";
}

void TestSweepRunner::refusesBadOptions()
{
    QFETCH(int, field);
    QFETCH(QString, expected);
    SweepOptions options = tinySweep();
    switch (field) {
    case 0: options.period = 50ms; break;
    case 1: options.warmUp = -1ms; break;
    case 2: options.waitTarget = 0ns; break;
    case 3: options.grid.workers.clear(); break;
    case 4: options.settings.load.producers = 9; break;
    }
    QVERIFY2(QString::fromStdString(options.validate()).contains(expected), options.validate().c_str());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SweepRunner{options});
}

namespace {
// Three points, known figures: the second is the knee (within 5 % of the best, wait met).
SweepResult syntheticSweep()
{
    SweepResult sweep;
    sweep.options = tinySweep();
    sweep.options.grid = SweepGrid{{1, 2, 4}, {0}};
    sweep.processors = 2;
    for (const auto &[workers, rate, waitP99] : {std::tuple{1u, 500.0, 100u}, std::tuple{2u, 980.0, 2000u},
                                                 std::tuple{4u, 1000.0, 1000u}}) {
        SweepPoint point;
        point.figures.workers = workers;
        point.figures.measuredSeconds = 2;
        point.figures.completed = static_cast<std::uint64_t>(rate * 2);
        point.figures.completionsPerSecond = rate;
        point.figures.utilisationPercent = rate / 20;
        point.figures.queueWait.p50 = waitP99 / 2;
        point.figures.queueWait.p99 = waitP99;
        point.figures.serviceTime.p99 = 20'000;
        point.report.runNumber = workers;
        point.report.pool.workers = workers;
        sweep.points.push_back(point);
    }
    return sweep;
}
} // namespace

void TestSweepRunner::exportsJsonWithEachRunInside()
{
    const SweepResult sweep = syntheticSweep();
    std::ostringstream out;
    writeSweepJson(out, sweep);
    const QJsonObject json = parsed(out.str());
    QCOMPARE(json.value("kind").toString(), QStringLiteral("poolscope-sweep"));
    QCOMPARE(json.value("format").toInt(), 1);
    QCOMPARE(json.value("grid").toString(), QStringLiteral("workers=1,2,4,concurrency=0"));
    QCOMPARE(json.value("period_s").toDouble(), 0.1);
    QCOMPARE(json.value("queue_wait_target_ns").toDouble(), 50e6);
    QCOMPARE(json.value("cancelled").toBool(), false);
    const QJsonObject knee = json.value("knee").toObject();
    QCOMPARE(knee.value("workers").toInt(), 2);
    QVERIFY(knee.value("explanation").toString().startsWith("Knee at 2 workers"));
    const QJsonArray points = json.value("points").toArray();
    QCOMPARE(points.size(), 3);
    const QJsonObject second = points.at(1).toObject();
    QCOMPARE(second.value("completions_per_s").toDouble(), 980.0);
    QCOMPARE(second.value("utilisation_percent").toDouble(), 49.0);
    QCOMPARE(second.value("queue_wait").toObject().value("p99_ns").toDouble(), 2000.0);
    QCOMPARE(second.value("service").toObject().value("p99_ns").toDouble(), 20000.0);
    // The point's run is a whole snapshot (format 1), as File -> Open reads it.
    const QJsonObject run = second.value("run").toObject();
    QCOMPARE(run.value("format").toInt(), RunReport::Format);
    QCOMPARE(run.value("run").toObject().value("number").toInt(), 2);
    QCOMPARE(run.value("configuration").toObject().value("pool").toObject().value("workers").toInt(), 2);

    // No knee: the object says why, and names no size.
    SweepResult none = sweep;
    none.options.waitTarget = 1ns;
    std::ostringstream noneOut;
    writeSweepJson(noneOut, none);
    const QJsonObject noKnee = parsed(noneOut.str()).value("knee").toObject();
    QVERIFY(!noKnee.contains("workers"));
    QVERIFY(noKnee.value("explanation").toString().startsWith("No size"));
}

void TestSweepRunner::exportsCsvOneRowPerPointWithTheKnee()
{
    std::ostringstream out;
    writeSweepCsv(out, syntheticSweep());
    const QStringList lines = QString::fromStdString(out.str()).split("\r\n", Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines[0], QStringLiteral("workers,concurrency,measured_s,completed,failed,completions_per_s,utilisation_percent,"
                                      "queue_wait_p50_ns,queue_wait_p99_ns,service_p50_ns,service_p99_ns,knee"));
    QCOMPARE(lines[1], QStringLiteral("1,0,2,1000,0,500,25,50,100,0,20000,0"));
    QCOMPARE(lines[2], QStringLiteral("2,0,2,1960,0,980,49,1000,2000,0,20000,1"));
    QCOMPARE(lines[3], QStringLiteral("4,0,2,2000,0,1000,50,500,1000,0,20000,0"));
}

QTEST_GUILESS_MAIN(TestSweepRunner)
#include "tst_sweeprunner.moc"
