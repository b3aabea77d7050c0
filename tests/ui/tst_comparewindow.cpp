// Compare runs: two saved runs open side by side, their charts overlaid one line per run, and
// the table flags the setting that differs (and not the ones that agree); a sweep file opens
// as its points' runs; a file that is neither is refused naming it.

#include "comparedruns.h"
#include "comparemodel.h"
#include "comparewindow.h"
#include "linechart.h"
#include "sweepexport.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace poolscope;

namespace {

RunReport savedRun(unsigned workers, double ratePerSecond)
{
    RunReport report;
    report.poolscopeVersion = "test";
    report.runNumber = 1;
    report.exportedAt = std::chrono::system_clock::now();
    report.runStarted = report.exportedAt - std::chrono::seconds(2);
    report.durationSeconds = 2;
    report.backend = "linux-futex";
    report.processors = 2;
    report.pool.workers = workers;
    report.load.ratePerSecond = ratePerSecond;
    report.loadState = "stopped";
    report.sampleRateHz = 20;
    for (std::uint64_t i = 0; i < 5; ++i) {
        Sample sample;
        sample.sequence = i + 1;
        sample.pool.timestampNs = 1'000'000'000 + i * 50'000'000;
        sample.pool.completed = i * 100 * workers;
        sample.pool.posted = sample.pool.completed;
        sample.pool.queued = 10 * i;
        sample.pool.runningWorkers = workers;
        sample.completionsPerSecond = 2000.0 * workers;
        sample.queueWait.p99 = 1'000'000 * (i + 1);
        report.history.push_back(sample);
    }
    report.counters = report.history.back().pool;
    return report;
}

QString save(const QTemporaryDir &folder, const QString &name, const std::function<void(std::ostream &)> &write)
{
    const QString path = folder.filePath(name);
    std::ofstream out(path.toStdString());
    write(out);
    return path;
}

} // namespace

class TestCompareWindow : public QObject {
    Q_OBJECT

private slots:
    void twoSavedRunsSideBySideFlagTheDifferingSetting();
    void aSweepOpensAsItsPointsRuns();
    void aFileThatIsNeitherIsRefusedByName();
};

void TestCompareWindow::twoSavedRunsSideBySideFlagTheDifferingSetting()
{
    QTemporaryDir folder;
    const QString first = save(folder, QStringLiteral("four.json"), [](std::ostream &out) { writeJson(out, savedRun(4, 5000)); });
    const QString second = save(folder, QStringLiteral("eight.json"), [](std::ostream &out) { writeJson(out, savedRun(8, 5000)); });
    std::vector<ComparedRun> runs;
    QString error;
    QVERIFY2(readRunsForComparison(first, runs, error), qPrintable(error));
    QVERIFY2(readRunsForComparison(second, runs, error), qPrintable(error));
    QCOMPARE(runs.size(), std::size_t(2));
    QCOMPARE(runs[0].label, QStringLiteral("four.json"));

    CompareWindow window(runs);
    CompareModel *model = window.model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->columnCount(), 2);
    QCOMPARE(model->headerData(1, Qt::Horizontal).toString(), QStringLiteral("eight.json"));

    const int workers = model->rowOf(QStringLiteral("Workers"));
    QVERIFY(workers >= 0);
    QVERIFY(model->isSetting(workers));
    QVERIFY(model->differs(workers)); // the setting that differs is flagged ...
    QCOMPARE(model->index(workers, 0).data().toString(), QStringLiteral("4"));
    QCOMPARE(model->index(workers, 1).data().toString(), QStringLiteral("8"));
    QVERIFY(model->index(workers, 0).data(Qt::BackgroundRole).isValid());
    for (const QString &same : {QStringLiteral("Rate (units/s)"), QStringLiteral("Pattern"), QStringLiteral("Concurrency limit")}) {
        const int row = model->rowOf(same);
        QVERIFY2(row >= 0, qPrintable(same));
        QVERIFY2(!model->differs(row), qPrintable(same)); // ... and those that agree are not
        QVERIFY(!model->index(row, 0).data(Qt::BackgroundRole).isValid());
    }
    const int completions = model->rowOf(QStringLiteral("Completions/s (average)"));
    QVERIFY(!model->isSetting(completions));
    QVERIFY(model->differs(completions)); // 400 units per 50 ms against 800
    QCOMPARE(model->index(completions, 1).data().toString(), QStringLiteral("16.0k/s"));

    // The same charts, overlaid: one line per run.
    QCOMPARE(window.charts().size(), std::size_t(4));
    for (LineChart *chart : window.charts())
        QCOMPARE(chart->lineCount(), 2);
}

void TestCompareWindow::aSweepOpensAsItsPointsRuns()
{
    SweepResult sweep;
    sweep.options.grid = SweepGrid{{1, 2}, {0}};
    sweep.processors = 2;
    for (unsigned workers : {1u, 2u}) {
        SweepPoint point;
        point.figures.workers = workers;
        point.report = savedRun(workers, 1000);
        sweep.points.push_back(point);
    }
    QTemporaryDir folder;
    const QString path = save(folder, QStringLiteral("sweep.json"), [&](std::ostream &out) { writeSweepJson(out, sweep); });
    std::vector<ComparedRun> runs;
    QString error;
    QVERIFY2(readRunsForComparison(path, runs, error), qPrintable(error));
    QCOMPARE(runs.size(), std::size_t(2));
    QCOMPARE(runs[0].label, QStringLiteral("sweep.json: 1 worker, limit = CPUs"));
    QCOMPARE(runs[1].report.pool.workers, 2u);
    QCOMPARE(runs[1].report.history.size(), std::size_t(5));
}

void TestCompareWindow::aFileThatIsNeitherIsRefusedByName()
{
    QTemporaryDir folder;
    const QString path = save(folder, QStringLiteral("notes.json"), [](std::ostream &out) { out << R"({"hello": 1})"; });
    std::vector<ComparedRun> runs;
    QString error;
    QVERIFY(!readRunsForComparison(path, runs, error));
    QVERIFY2(error.startsWith(QStringLiteral("notes.json: ")), qPrintable(error));
    QVERIFY(runs.empty());
    const QString badSweep = save(folder, QStringLiteral("future.json"),
                                  [](std::ostream &out) { out << R"({"kind": "poolscope-sweep", "format": 9, "points": []})"; });
    QVERIFY(!readRunsForComparison(badSweep, runs, error));
    QVERIFY2(error.contains(QStringLiteral("format 9")), qPrintable(error));
}

QTEST_MAIN(TestCompareWindow)
#include "tst_comparewindow.moc"
