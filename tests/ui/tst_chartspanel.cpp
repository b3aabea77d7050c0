// The charts as a user meets them: a click never pauses, a drag or a wheel turn does (with a
// banner and a way back); hover reads time, wall clock and every value; the Threads chart
// draws averages, counts in whole threads and marks running above the limit; exceptions are
// marked on the time axis; time ticks never collide at any window length or width.

#include "charthelpers.h"
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

// A panel showing `count` samples as a saved run does (SnapshotWindow), on screen at 900 x 500.
void openSavedRun(ChartsPanel &saved, int count)
{
    saved.resize(900, 500);
    saved.show();
    QVERIFY(QTest::qWaitForWindowExposed(&saved));
    saved.appendSamples(samples(count));
    saved.showSavedRun();
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
    void legendTakesItsOwnRowWhenSqueezed_data();
    void legendTakesItsOwnRowWhenSqueezed();
    void threadsAxisKeepsTwoWholeTicks_data();
    void threadsAxisKeepsTwoWholeTicks();
    void savedRunSelectorSaysWhatTheChartsShow();
    void dragAndWheelRepaintAllFour();
    void savedRunTimeNeverNegative();

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
    // 2.5 running, 0.5 blocked, limit 2: blocking explains it (the Threads tile's rule).
    QVERIFY2(text.contains("running above the limit, which blocking explains"), qPrintable(text));
    QVERIFY2(!text.contains("more than blocking explains"), qPrintable(text));

    // 3 running and nothing blocked against a limit of 2: the limit was broken, and it says so.
    std::vector<Sample> broken = samples(1, 100);
    broken.front().averageRunning = 3;
    broken.front().averageBlocked = 0;
    m_panel->appendSamples(broken);
    const QString brokenText = m_panel->hoverTextAt(ChartsPanel::ThreadsChart, 5.0);
    QVERIFY2(brokenText.contains("running above the limit by more than blocking explains (running - blocked = 3"),
             qPrintable(brokenText));
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

void TestChartsPanel::legendTakesItsOwnRowWhenSqueezed_data()
{
    QTest::addColumn<QSize>("panel");
    QTest::addColumn<bool>("throughputOwnRow"); // "Throughput" is the widest title: it gives way first
    // The charts' column of a 1024 x 700 window (the counters column hidden), of 1280 x 720,
    // and of a 1920 px screen.
    QTest::newRow("1024 x 700") << QSize(620, 330) << true;
    QTest::newRow("1280 x 720") << QSize(860, 380) << false;
    QTest::newRow("1920 x 1080") << QSize(1500, 720) << false;
}

void TestChartsPanel::legendTakesItsOwnRowWhenSqueezed()
{
    QFETCH(QSize, panel);
    QFETCH(bool, throughputOwnRow);
    m_panel->resize(panel);
    QTRY_COMPARE(m_panel->size(), panel);
    for (QCustomPlot *p : m_panel->plots()) {
        charts::fitToSize(p);
        p->replot();
        charts::fitToSize(p); // the legend's row changes the axis rect: settle as a resize does
        p->replot();
    }
    QCOMPARE(charts::legendHasOwnRow(plot(ChartsPanel::ThroughputChart)), throughputOwnRow);
    for (QCustomPlot *p : m_panel->plots()) {
        const QString title = qobject_cast<QCPTextElement *>(
            qobject_cast<QCPLayoutGrid *>(p->plotLayout()->element(0, 0))->element(0, 0))->text();
        // Every entry at full size, inside the plot, none on another and none on the plot area.
        QList<QRect> seen;
        for (int i = 0; i < p->legend->itemCount(); ++i) {
            const QCPAbstractLegendItem *item = p->legend->item(i);
            if (!item)
                continue;
            const QRect box = item->outerRect();
            const QSize wanted = item->minimumOuterSizeHint();
            QVERIFY2(box.width() >= wanted.width() && box.height() >= wanted.height(),
                     qPrintable(QStringLiteral("%1: entry %2 squeezed to %3 x %4 (needs %5 x %6)")
                                    .arg(title).arg(i).arg(box.width()).arg(box.height()).arg(wanted.width()).arg(wanted.height())));
            QVERIFY2(p->rect().contains(box), qPrintable(QStringLiteral("%1: entry %2 at %3,%4 %5 x %6 outside %7 x %8").arg(title).arg(i).arg(box.x()).arg(box.y()).arg(box.width()).arg(box.height()).arg(p->width()).arg(p->height())));
            QVERIFY2(!box.intersects(p->axisRect()->rect()), qPrintable(title));
            for (const QRect &other : std::as_const(seen))
                QVERIFY2(!box.intersects(other), qPrintable(title));
            seen << box;
        }
        // A legend that had to leave the title's side is the whole width, in few rows.
        if (charts::legendHasOwnRow(p)) {
            QVERIFY2(p->legend->outerRect().width() >= p->width() - 20, qPrintable(title));
            QVERIFY2(p->legend->rowCount() <= 2, qPrintable(title));
        }
        QVERIFY2(p->axisRect()->rect().height() >= 40, qPrintable(title)); // room left for data
    }
}

void TestChartsPanel::threadsAxisKeepsTwoWholeTicks_data()
{
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("threads");
    for (int height : {300, 330, 400, 520, 700, 1000})
        for (int threads : {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 33, 64, 256})
            QTest::addRow("%d px, %d threads", height, threads) << height << threads;
}

void TestChartsPanel::threadsAxisKeepsTwoWholeTicks()
{
    QFETCH(int, height);
    QFETCH(int, threads);
    m_panel->resize(620, height);
    QTRY_COMPARE(m_panel->height(), height);
    m_panel->startNewRun();
    std::vector<Sample> live = samples(40);
    for (Sample &s : live) {
        s.pool.liveWorkers = s.pool.targetWorkers = static_cast<std::uint32_t>(threads);
        s.pool.concurrency = 1;
        s.averageRunning = 1;
        s.averageBlocked = 0;
        s.averageIdle = threads - 1;
    }
    m_panel->appendSamples(live);
    QCustomPlot *p = plot(ChartsPanel::ThreadsChart);
    charts::fitToSize(p);
    p->replot();
    const QVector<double> ticks = p->yAxis->tickVector();
    const QVector<QString> labels = p->yAxis->tickVectorLabels();
    QVERIFY2(ticks.size() >= 2, qPrintable(QStringLiteral("axis %1 px, range %2..%3, ticks %4")
                                               .arg(p->axisRect()->height()).arg(p->yAxis->range().lower)
                                               .arg(p->yAxis->range().upper).arg(QStringList(labels.begin(), labels.end()).join(", "))));
    const int labelHeight = QFontMetrics(p->yAxis->tickLabelFont()).height();
    for (qsizetype i = 0; i < ticks.size(); ++i) {
        QVERIFY2(ticks[i] == std::round(ticks[i]), qPrintable(labels[i]));
        if (i > 0) // readable: labels apart by at least their height
            QVERIFY2(std::abs(p->yAxis->coordToPixel(ticks[i]) - p->yAxis->coordToPixel(ticks[i - 1])) >= labelHeight,
                     qPrintable(QStringLiteral("%1 and %2").arg(labels[i - 1], labels[i])));
    }
}

void TestChartsPanel::savedRunSelectorSaysWhatTheChartsShow()
{
    ChartsPanel saved;
    openSavedRun(saved, 2000); // 0 .. 99.95 s
    QCOMPARE(saved.windowText(), QStringLiteral("Whole run"));
    for (QCustomPlot *p : saved.plots())
        QCOMPARE(p->xAxis->range(), QCPRange(0, 99.95));
    QVERIFY(!saved.isPausedBannerVisible()); // a saved run has no present to follow

    // Picking 30 s shows 30 s: the run's last ones.
    auto *selector = saved.findChild<QComboBox *>();
    QVERIFY(selector);
    selector->setCurrentIndex(selector->findText(QStringLiteral("30 s")));
    QCOMPARE(saved.windowText(), QStringLiteral("30 s"));
    for (QCustomPlot *p : saved.plots()) {
        QCOMPARE(p->xAxis->range().size(), 30.0);
        QCOMPARE(p->xAxis->range().upper, 99.95);
    }
    selector->setCurrentIndex(selector->findText(QStringLiteral("Whole run")));
    QCOMPARE(saved.plots().front()->xAxis->range(), QCPRange(0, 99.95));

    // A live panel has no "Whole run".
    QCOMPARE(m_panel->findChild<QComboBox *>()->findText(QStringLiteral("Whole run")), -1);
}

void TestChartsPanel::dragAndWheelRepaintAllFour()
{
    ChartsPanel saved;
    openSavedRun(saved, 2000);
    saved.setWindowSeconds(30);
    QCoreApplication::processEvents(); // the queued replots of the set-up are done

    const auto repaintsAll = [&saved](const std::function<void(QCustomPlot *)> &act) {
        std::vector<std::unique_ptr<QSignalSpy>> spies;
        for (QCustomPlot *p : saved.plots())
            spies.push_back(std::make_unique<QSignalSpy>(p, &QCustomPlot::afterReplot));
        QCustomPlot *acted = saved.plots().at(ChartsPanel::ThroughputChart);
        const QCPRange before = acted->xAxis->range();
        act(acted);
        QVERIFY(acted->xAxis->range() != before);
        for (std::size_t i = 0; i < spies.size(); ++i) {
            QTRY_VERIFY2(spies[i]->count() > 0, qPrintable(QStringLiteral("chart %1 not repainted").arg(i)));
            QCOMPARE(saved.plots()[i]->xAxis->range(), acted->xAxis->range());
        }
    };
    repaintsAll([](QCustomPlot *p) {
        const QPoint at = p->axisRect()->rect().center();
        QTest::mousePress(p, Qt::LeftButton, {}, at);
        QTest::mouseMove(p, at + QPoint(30, 0));
        QTest::mouseMove(p, at + QPoint(60, 0));
        QTest::mouseRelease(p, Qt::LeftButton, {}, at + QPoint(60, 0));
    });
    repaintsAll([](QCustomPlot *p) {
        const QPointF at = p->axisRect()->rect().center();
        QWheelEvent wheel(at, p->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(p, &wheel);
    });
}

void TestChartsPanel::savedRunTimeNeverNegative()
{
    ChartsPanel saved;
    openSavedRun(saved, 400); // 0 .. 19.95 s
    const auto noNegativeTime = [&saved] {
        for (QCustomPlot *p : saved.plots()) {
            p->replot();
            QVERIFY2(p->xAxis->range().lower >= 0, qPrintable(QString::number(p->xAxis->range().lower)));
            for (const QString &label : p->xAxis->tickVectorLabels())
                QVERIFY2(!label.startsWith(QLatin1Char('-')), qPrintable(label));
        }
    };
    // Drag far to the right: back past the run's start.
    QCustomPlot *p = saved.plots().front();
    const QPoint at = p->axisRect()->rect().center();
    QTest::mousePress(p, Qt::LeftButton, {}, at);
    QTest::mouseMove(p, at + QPoint(100, 0));
    QTest::mouseMove(p, at + QPoint(300, 0));
    QTest::mouseRelease(p, Qt::LeftButton, {}, at + QPoint(300, 0));
    noNegativeTime();
    // Zoom out with the wheel near the left edge.
    for (int turn = 0; turn < 5; ++turn) {
        const QPointF left = p->axisRect()->rect().topLeft() + QPoint(5, 20);
        QWheelEvent wheel(left, p->mapToGlobal(left), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(p, &wheel);
    }
    noNegativeTime();
    QVERIFY(p->xAxis->range().size() > 20); // it did zoom out
}

QTEST_MAIN(TestChartsPanel)
#include "tst_chartspanel.moc"
