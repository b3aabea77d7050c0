// The charts as a user meets them: a click never pauses, a drag or a wheel turn does (with a
// banner and a way back); hover reads time, wall clock and every value; the Threads chart
// draws averages, counts in whole threads and marks running above the limit; exceptions are
// marked on the time axis; time ticks never collide at any window length or width.

#include "chartspanel.h"

#include <qcustomplot.h>

#include <QtTest>

using namespace poolscope;

namespace {

// `count` samples 50 ms apart from run time 0: 4 live threads averaging 2.5 running, 0.5
// blocked and 1 idle (instantaneously 3 / 0 / 1), limit 2 (so running is above it), a
// queue of 1500, 9050 completions/s, and one new failure every 10th sample.
std::vector<Sample> samples(int count, int first = 0)
{
    std::vector<Sample> out;
    for (int i = first; i < first + count; ++i) {
        Sample s;
        s.sequence = static_cast<std::uint64_t>(i + 1);
        s.wallTimeMs = QDateTime(QDate(2026, 11, 27), QTime(10, 0)).toMSecsSinceEpoch() + i * 50;
        s.pool.timestampNs = std::uint64_t{5'000'000'000} + static_cast<std::uint64_t>(i) * std::uint64_t{50'000'000};
        s.pool.queued = 1500;
        s.pool.liveWorkers = s.pool.targetWorkers = 4;
        s.pool.concurrency = 2;
        s.pool.runningWorkers = 3;
        s.pool.idleWorkers = 1;
        s.pool.runningNs = 1; // a timed pool
        s.pool.failed = static_cast<std::uint64_t>(i / 10);
        s.averageRunning = 2.5;
        s.averageBlocked = 0.5;
        s.averageIdle = 1;
        s.utilisationPercent = 125;
        s.completionsPerSecond = 9050;
        out.push_back(s);
    }
    return out;
}

} // namespace

class TestChartsPanel : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void plainClickDoesNotPause();
    void trembleIsStillAClick();
    void dragPausesAndShowsTheBanner();
    void wheelPauses();
    void followLiveResumes();
    void hoverShowsTimeWallClockAndEveryValue();
    void threadsReadoutHasAveragesAndInstantCounts();
    void exceptionsAreMarkedOnTheTimeAxis();
    void countAxesTickInWholeNumbers();
    void timeTicksNeverCollide_data();
    void timeTicksNeverCollide();

private:
    QCustomPlot *plot(ChartsPanel::ChartIndex index) const { return m_panel->plots().at(index); }
    QPoint middleOf(QCustomPlot *p) const { return p->axisRect()->rect().center(); }

    ChartsPanel *m_panel = nullptr;
};

void TestChartsPanel::init()
{
    m_panel = new ChartsPanel;
    m_panel->resize(1000, 640);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel));
    m_panel->appendSamples(samples(100)); // 0 .. 4.95 s
    for (QCustomPlot *p : m_panel->plots())
        p->replot();
    QVERIFY(m_panel->isFollowing());
}

void TestChartsPanel::cleanup()
{
    delete m_panel;
    m_panel = nullptr;
}

void TestChartsPanel::plainClickDoesNotPause()
{
    QCustomPlot *queue = plot(ChartsPanel::QueueChart);
    QTest::mouseClick(queue, Qt::LeftButton, {}, middleOf(queue));
    QVERIFY(m_panel->isFollowing());
    QVERIFY(!m_panel->isPausedBannerVisible());
    QTest::mouseDClick(queue, Qt::LeftButton, {}, middleOf(queue));
    QVERIFY(m_panel->isFollowing());
}

void TestChartsPanel::trembleIsStillAClick()
{
    QCustomPlot *threads = plot(ChartsPanel::ThreadsChart);
    const QPoint at = middleOf(threads);
    const QCPRange before = threads->xAxis->range();
    QTest::mousePress(threads, Qt::LeftButton, {}, at);
    QTest::mouseMove(threads, at + QPoint(1, 1));
    QTest::mouseRelease(threads, Qt::LeftButton, {}, at + QPoint(1, 1));
    QVERIFY(m_panel->isFollowing());
    QCOMPARE(threads->xAxis->range(), before);
}

void TestChartsPanel::dragPausesAndShowsTheBanner()
{
    m_panel->setWindowSeconds(30);
    m_panel->appendSamples(samples(1000, 100)); // to 55 s: the window shows 25 .. 55 s
    QCustomPlot *rates = plot(ChartsPanel::ThroughputChart);
    const QPoint at = middleOf(rates);
    const QCPRange before = rates->xAxis->range();
    QTest::mousePress(rates, Qt::LeftButton, {}, at);
    QTest::mouseMove(rates, at + QPoint(40, 0));  // drag right: look back in time
    QTest::mouseMove(rates, at + QPoint(80, 0));
    QTest::mouseRelease(rates, Qt::LeftButton, {}, at + QPoint(80, 0));
    QVERIFY(!m_panel->isFollowing());
    QVERIFY(m_panel->isPausedBannerVisible());
    QVERIFY(rates->xAxis->range().upper < before.upper);
    // Every chart scrolled with it.
    QCOMPARE(plot(ChartsPanel::QueueChart)->xAxis->range(), rates->xAxis->range());

    // New samples do not move a paused view.
    const QCPRange paused = rates->xAxis->range();
    m_panel->appendSamples(samples(20, 1100));
    QCOMPARE(rates->xAxis->range(), paused);
}

void TestChartsPanel::wheelPauses()
{
    QCustomPlot *latency = plot(ChartsPanel::LatencyChart);
    const QPointF at = middleOf(latency);
    QWheelEvent wheel(at, latency->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(latency, &wheel);
    QVERIFY(!m_panel->isFollowing());
    QVERIFY(m_panel->isPausedBannerVisible());
}

void TestChartsPanel::followLiveResumes()
{
    m_panel->setFollowing(false);
    QVERIFY(m_panel->isPausedBannerVisible());
    auto *follow = m_panel->findChild<QPushButton *>(QStringLiteral("followLiveButton"));
    QVERIFY(follow);
    QTest::mouseClick(follow, Qt::LeftButton);
    QVERIFY(m_panel->isFollowing());
    QVERIFY(!m_panel->isPausedBannerVisible());
}

void TestChartsPanel::hoverShowsTimeWallClockAndEveryValue()
{
    const QString text = m_panel->hoverTextAt(ChartsPanel::ThroughputChart, 2.0);
    QVERIFY2(text.contains("2s") && text.contains("10:00:02.000"), qPrintable(text));
    QVERIFY2(text.contains("completed: <b>9.05 k/s</b>"), qPrintable(text));
    QVERIFY2(text.contains("failed:") && text.contains("posted:"), qPrintable(text));

    // And the mouse brings it up.
    QCustomPlot *queue = plot(ChartsPanel::QueueChart);
    QTest::mouseMove(queue, middleOf(queue));
    auto *readout = queue->findChild<QLabel *>(QStringLiteral("chartReadout"));
    QVERIFY(readout);
    QTRY_VERIFY(readout->isVisible());
    QVERIFY2(readout->text().contains("queued: <b>1.50 k</b>"), qPrintable(readout->text()));
    QVERIFY(m_panel->isFollowing()); // hovering is not pausing
}

void TestChartsPanel::threadsReadoutHasAveragesAndInstantCounts()
{
    const QString text = m_panel->hoverTextAt(ChartsPanel::ThreadsChart, 1.0);
    QVERIFY2(text.contains("running: <b>2.5") && text.contains("(now 3)"), qPrintable(text));
    QVERIFY2(text.contains("blocked: <b>0.5"), qPrintable(text));
    QVERIFY2(text.contains("limit 2"), qPrintable(text));
    QVERIFY2(text.contains("utilisation 125 %"), qPrintable(text));
    QVERIFY2(text.contains("running above the limit"), qPrintable(text));
}

void TestChartsPanel::exceptionsAreMarkedOnTheTimeAxis()
{
    QCOMPARE(m_panel->exceptionMarkCount(), 9); // failed grew at samples 10, 20, ... 90
    QVERIFY(m_panel->hoverTextAt(ChartsPanel::QueueChart, 0.5).contains("1 exception"));
    QVERIFY(!m_panel->hoverTextAt(ChartsPanel::QueueChart, 0.6).contains("exception"));
    m_panel->startNewRun();
    QCOMPARE(m_panel->exceptionMarkCount(), 0);
}

void TestChartsPanel::countAxesTickInWholeNumbers()
{
    for (auto index : {ChartsPanel::ThreadsChart, ChartsPanel::QueueChart}) {
        QCustomPlot *p = plot(index);
        p->yAxis->setRange(0, 3.4); // a range where a free ticker picks 0.5 steps
        p->replot();
        const QVector<double> ticks = p->yAxis->tickVector();
        QVERIFY(ticks.size() >= 2);
        for (double tick : ticks)
            QVERIFY2(tick == std::round(tick), qPrintable(QString::number(tick)));
    }
}

void TestChartsPanel::timeTicksNeverCollide_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<double>("window");
    for (int width : {520, 900, 1900})
        for (double window : {30.0, 300.0, 3600.0})
            QTest::addRow("%d px, %g s", width, window) << width << window;
}

void TestChartsPanel::timeTicksNeverCollide()
{
    QFETCH(int, width);
    QFETCH(double, window);
    m_panel->resize(width, 640);
    QTRY_VERIFY(m_panel->plots().front()->width() <= width / 2); // two charts side by side
    m_panel->setWindowSeconds(window);
    m_panel->appendSamples(samples(1, static_cast<int>(window * 20 + 3600 * 20))); // past an hour and a window
    for (QCustomPlot *p : m_panel->plots()) {
        p->replot();
        const QVector<QString> labels = p->xAxis->tickVectorLabels();
        QVERIFY(labels.size() >= 2);
        const QFontMetrics metrics(p->xAxis->tickLabelFont());
        int used = 0;
        for (const QString &label : labels)
            used += metrics.horizontalAdvance(label) + metrics.horizontalAdvance(QStringLiteral("  "));
        QVERIFY2(used <= p->axisRect()->width(),
                 qPrintable(QStringLiteral("%1 labels need %2 px of %3: %4")
                                .arg(labels.size()).arg(used).arg(p->axisRect()->width()).arg(QStringList(labels.begin(), labels.end()).join(", "))));
        for (const QString &label : labels)
            QVERIFY2(!label.contains(':'), qPrintable(label)); // run time, never a clock
    }
}

QTEST_MAIN(TestChartsPanel)
#include "tst_chartspanel.moc"
