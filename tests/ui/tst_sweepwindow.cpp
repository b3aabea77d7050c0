// The Sweep window: a tiny real sweep runs off the GUI thread and fills the table, the charts
// and the knee's sentence; a bad grid is refused with its reason; cancel and close never wait
// on the GUI thread. The results model passes QAbstractItemModelTester.

#include "linechart.h"
#include "sweepmodel.h"
#include "sweepwindow.h"

#include <QAbstractItemModelTester>
#include <QLineEdit>
#include <QPointer>
#include <QtTest>

using namespace poolscope;
using namespace std::chrono_literals;

namespace {

SessionSettings lightLoad()
{
    SessionSettings settings;
    settings.load.ratePerSecond = 2000;
    settings.load.costDistribution = CostDistribution::Constant;
    settings.load.meanCost = 20us;
    return settings;
}

SweepFigures figures(unsigned workers, unsigned concurrency, double rate, std::uint64_t waitP99Ns)
{
    SweepFigures f;
    f.workers = workers;
    f.concurrency = concurrency;
    f.completionsPerSecond = rate;
    f.queueWait.p99 = waitP99Ns;
    f.measuredSeconds = 1;
    return f;
}

} // namespace

class TestSweepWindow : public QObject {
    Q_OBJECT

private slots:
    void modelShowsPointsAndTheKnee();
    void runsATinySweepOffTheGuiThread();
    void refusesABadGridWithItsReason();
    void cancelKeepsWhatWasMeasured();
    void closingDuringASweepCancelsItWithoutWaiting();
};

void TestSweepWindow::modelShowsPointsAndTheKnee()
{
    SweepModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPoints({figures(1, 0, 500, 2'000'000), figures(2, 0, 41'200, 3'100'000)}, 1);
    model.appendPoint(figures(4, 2, 43'000, 900'000));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(1, SweepModel::CompletionsPerSecond).data().toString(), QStringLiteral("41.2k/s"));
    QCOMPARE(model.index(1, SweepModel::WaitP99).data().toString(), QStringLiteral("3.10 ms"));
    QCOMPARE(model.index(0, SweepModel::Limit).data().toString(), QStringLiteral("0 = CPUs"));
    QCOMPARE(model.index(2, SweepModel::Limit).data().toString(), QStringLiteral("2"));
    QCOMPARE(model.index(1, SweepModel::WaitP99).data(Qt::UserRole).toDouble(), 3.1e6);
    QVERIFY(model.index(1, 0).data(Qt::FontRole).value<QFont>().bold());
    QVERIFY(model.index(1, 0).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model.index(0, 0).data(Qt::BackgroundRole).isValid());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setKnee(2);
    QCOMPARE(changed.count(), 2); // the old knee's row and the new one's
    QVERIFY(!model.index(1, 0).data(Qt::BackgroundRole).isValid());
    model.setKnee(7); // past the end: no knee
    QVERIFY(!model.knee());
}

void TestSweepWindow::runsATinySweepOffTheGuiThread()
{
    SweepWindow window(lightLoad);
    QSignalSpy started(&window, &SweepWindow::sweepStarted);
    QSignalSpy finished(&window, &SweepWindow::sweepFinished);
    window.gridEdit()->setText(QStringLiteral("workers=1,2,concurrency=0"));
    window.setTimes(0, 0.1, 50);
    QVERIFY(window.startSweep());
    QVERIFY(window.isRunning()); // startSweep returned at once: the sweep runs on a helper
    QCOMPARE(started.count(), 1);
    QVERIFY(!window.startSweep()); // one at a time
    QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 120'000);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(window.model()->rowCount(), 2);
    QVERIFY2(window.progressText().startsWith(QStringLiteral("Done: 2 points")), qPrintable(window.progressText()));
    QVERIFY(window.kneeText().startsWith(QStringLiteral("Knee at")) || window.kneeText().startsWith(QStringLiteral("No size")));
    QVERIFY(window.result());
    QCOMPARE(window.result()->points.size(), std::size_t(2));
    QCOMPARE(window.result()->points[1].report.pool.workers, 2u);
    QCOMPARE(window.charts().size(), std::size_t(5));
    for (LineChart *chart : window.charts())
        QCOMPARE(chart->lineCount(), 1); // one limit, one line
}

void TestSweepWindow::refusesABadGridWithItsReason()
{
    SweepWindow window(lightLoad);
    QSignalSpy started(&window, &SweepWindow::sweepStarted);
    window.gridEdit()->setText(QStringLiteral("workers=1..x"));
    QVERIFY(!window.startSweep());
    QVERIFY(!window.isRunning());
    QCOMPARE(started.count(), 0);
    QVERIFY2(window.errorText().contains(QStringLiteral("'x' is not a whole number")), qPrintable(window.errorText()));
}

void TestSweepWindow::cancelKeepsWhatWasMeasured()
{
    SweepWindow window(lightLoad);
    window.gridEdit()->setText(QStringLiteral("workers=1,2"));
    window.setTimes(600, 600, 10); // only the cancel ends it in time
    QVERIFY(window.startSweep());
    window.cancelSweep();
    QTRY_VERIFY_WITH_TIMEOUT(!window.isRunning(), 60'000);
    QVERIFY2(window.progressText().startsWith(QStringLiteral("Cancelled: 0 of 2")), qPrintable(window.progressText()));
    QVERIFY(window.result()->cancelled);
}

void TestSweepWindow::closingDuringASweepCancelsItWithoutWaiting()
{
    QPointer<SweepWindow> window = new SweepWindow(lightLoad);
    window->gridEdit()->setText(QStringLiteral("workers=1"));
    window->setTimes(600, 600, 10);
    QVERIFY(window->startSweep());
    QVERIFY(!window->close()); // refused for now: the sweep is cancelled, the window closes when it has drained
    QVERIFY(!window.isNull());
    QTRY_VERIFY_WITH_TIMEOUT(window.isNull(), 60'000); // WA_DeleteOnClose, once the sweep ended
}

QTEST_MAIN(TestSweepWindow)
#include "tst_sweepwindow.moc"
