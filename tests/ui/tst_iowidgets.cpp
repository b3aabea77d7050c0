// The I/O side of the window: the I/O load panel sends what the user sets (and keeps what it
// does not show), the window applies it to the session through apply() and brings the I/O
// page forward; the chart draws the samples' I/O rates, outstanding count and latency, with
// a hover readout; the tiles show the latest sample; the settings file keeps the I/O load.

#include "iochart.h"
#include "ioloadpanel.h"
#include "iosection.h"
#include "iotiles.h"
#include "keytiles.h"
#include "mainwindow.h"
#include "poolsession.h"
#include "settingranges.h"
#include "settingsstore.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QtTest>

#include <cmath>

using namespace poolscope;

namespace {

// `count` samples 50 ms apart from run time 0: an echo load at 150 k recv/s and send/s, file
// reads at 50 k/s, 3 k failures/s, 12 outstanding (peak 40), 64 B messages and 4 KiB blocks,
// I/O latency p50 50 µs / p99 400 µs; every 5th sample has no completion at all.
std::vector<Sample> ioSamples(int count)
{
    std::vector<Sample> out;
    for (int i = 0; i < count; ++i) {
        Sample s;
        s.sequence = static_cast<std::uint64_t>(i + 1);
        s.wallTimeMs = QDateTime(QDate(2026, 11, 27), QTime(11, 0)).toMSecsSinceEpoch() + i * 50;
        s.pool.timestampNs = std::uint64_t{7'000'000'000} + static_cast<std::uint64_t>(i) * std::uint64_t{50'000'000};
        s.pool.ioOutstanding = 12;
        s.pool.ioPeakOutstanding = 40;
        s.ioRecvCompletionsPerSecond = 150'000;
        s.ioSendCompletionsPerSecond = 150'000;
        s.ioReadCompletionsPerSecond = 50'000;
        s.ioCompletionsPerSecond = 350'000;
        s.ioFailuresPerSecond = 3'000;
        s.ioBytesReadPerSecond = 150'000.0 * 64 + 50'000.0 * 4096;
        s.ioBytesWrittenPerSecond = 150'000.0 * 64;
        if (i % 5 != 4)
            s.ioLatency = {.count = 1000, .p50 = 50'000, .p90 = 100'000, .p99 = 400'000, .p999 = 500'000, .max = 600'000};
        out.push_back(s);
    }
    return out;
}

} // namespace

class TestIoWidgets : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void panelSendsWhatTheUserSets();
    void panelSaysWhyTheIoLoadDoesNotRun();
    void windowAppliesThePanelToTheSession();
    void chartDrawsTheSamples();
    void chartFollowsTheWindowAndStartsAgain();
    void tilesShowTheLatestSample();
    void settingsKeepTheIoLoad();
};

void TestIoWidgets::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // settings go to a test location
    QCoreApplication::setOrganizationName(QStringLiteral("PoolscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_iowidgets"));
}

void TestIoWidgets::panelSendsWhatTheUserSets()
{
    IoLoadPanel panel;
    IoLoadSettings given;
    given.readsOutstanding = 9;        // not on the panel: kept
    given.scratchFolder = "/tmp/here"; // not on the panel: kept
    QSignalSpy spy(&panel, &IoLoadPanel::settingsChanged);
    panel.setSettings(given);
    QCOMPARE(spy.count(), 0); // setting the widgets is not a user's change
    QVERIFY(!panel.connectionsSpin()->isEnabled()); // echo off: its fields wait
    QVERIFY(!panel.blockSizeSpin()->isEnabled());

    panel.echoBox()->setChecked(true);
    QVERIFY(panel.connectionsSpin()->isEnabled());
    panel.connectionsSpin()->setValue(64);
    panel.messageSizeSpin()->setValue(1024);
    panel.rateSpin()->setValue(5000);
    panel.thinkTimeSpin()->setValue(250);
    panel.costSpin()->setValue(40);
    panel.fileReadsBox()->setChecked(true);
    panel.blockSizeSpin()->setValue(65536);
    QCOMPARE(spy.count(), 8);
    const auto sent = spy.last().at(0).value<IoLoadSettings>();
    QVERIFY(sent.echo);
    QCOMPARE(sent.connections, 64u);
    QCOMPARE(sent.messageBytes, 1024u);
    QCOMPARE(sent.messagesPerSecond, 5000.0);
    QCOMPARE(sent.thinkTime, std::chrono::microseconds(250));
    QCOMPARE(sent.costPerMessage, std::chrono::microseconds(40));
    QVERIFY(sent.fileReads);
    QCOMPARE(sent.blockBytes, 65536u);
    QCOMPARE(sent.readsOutstanding, 9u);
    QCOMPARE(sent.scratchFolder, std::string("/tmp/here"));
    QVERIFY(sent.validate().empty());
    QCOMPARE(panel.settings(), sent);

    // The spin boxes hold the range table's rows (what validate() reads): what it refuses
    // cannot be typed.
    const std::pair<QSpinBox *, Setting> rows[] = {
        {panel.connectionsSpin(), Setting::IoConnections}, {panel.messageSizeSpin(), Setting::IoMessageSize},
        {panel.rateSpin(), Setting::IoRate},               {panel.thinkTimeSpin(), Setting::IoThinkTime},
        {panel.costSpin(), Setting::IoCost},               {panel.blockSizeSpin(), Setting::IoBlockSize}};
    for (const auto &[spin, setting] : rows) {
        QCOMPARE(spin->minimum(), static_cast<int>(rangeOf(setting).low));
        QCOMPARE(spin->maximum(), static_cast<int>(rangeOf(setting).high));
    }
    panel.connectionsSpin()->setValue(100'000);
    QCOMPARE(panel.settings().connections, 256u);
    panel.blockSizeSpin()->setValue(1);
    QCOMPARE(panel.settings().blockBytes, 512u);
    QVERIFY(panel.settings().validate().empty());
    QCOMPARE(panel.rateSpin()->specialValueText(), QStringLiteral("as fast as possible"));
}

void TestIoWidgets::panelSaysWhyTheIoLoadDoesNotRun()
{
    IoLoadPanel panel;
    panel.show();
    QVERIFY(panel.problemText().isEmpty());
    panel.setProblem(QStringLiteral("io_uring is not available here"));
    QCOMPARE(panel.problemText(), QStringLiteral("io_uring is not available here"));
    panel.setProblem({});
    QVERIFY(panel.problemText().isEmpty());
}

void TestIoWidgets::windowAppliesThePanelToTheSession()
{
    PoolSession session({.workers = 1}, {.autoStart = false});
    MainWindow window(session);
    window.resize(1280, 720);
    window.show();
    auto *panel = window.findChild<IoLoadPanel *>(QStringLiteral("ioLoadPanel"));
    auto *tabs = window.findChild<QTabWidget *>(QStringLiteral("chartTabs"));
    QVERIFY(panel && tabs);
    QCOMPARE(tabs->count(), 2);
    QVERIFY(!tabs->tabBar()->isVisible()); // no I/O load: the pool's charts alone, no tab bar
    QCOMPARE(tabs->currentIndex(), 0);

    panel->connectionsSpin()->setValue(7);
    QCOMPARE(session.settings().io.connections, 7u); // applied through apply(), with the other controls
    QVERIFY(!session.settings().io.echo);
    panel->echoBox()->setChecked(true);
    QVERIFY(session.settings().io.echo);
    QCOMPARE(session.settings().workers, 1u); // the rest of the controls went with it, unchanged
    QVERIFY(tabs->tabBar()->isVisible());     // an I/O load is set: its page comes forward
    QCOMPARE(tabs->currentWidget()->objectName(), QStringLiteral("ioPage"));
    QCOMPARE(window.controlState().io, session.settings().io); // what the settings file gets

    panel->echoBox()->setChecked(false);
    QVERIFY(!session.settings().io.echo);
    QVERIFY(!tabs->tabBar()->isVisible());
    QCOMPARE(tabs->currentIndex(), 0);

    // State applied from outside (saved settings, a scenario) shows in the panel.
    ControlState state = window.controlState();
    state.io.fileReads = true;
    state.io.blockBytes = 8192;
    window.applyControlState(state);
    QCOMPARE(session.settings().io.blockBytes, 8192u);
    QVERIFY(panel->fileReadsBox()->isChecked());
    QCOMPARE(panel->blockSizeSpin()->value(), 8192);
    QVERIFY(tabs->tabBar()->isVisible());
}

void TestIoWidgets::chartDrawsTheSamples()
{
    IoChart chart;
    chart.resize(900, 500);
    chart.show();
    chart.appendSamples(ioSamples(40));
    QCOMPARE(chart.pointCount(), 40);
    QCPGraph *outstanding = chart.plot(IoChart::OutstandingChart)->graph(0);
    QCOMPARE(outstanding->data()->at(10)->value, 12.0);
    QCOMPARE(outstanding->data()->at(10)->key, 0.5); // run time: 10 samples of 50 ms
    QCOMPARE(chart.plot(IoChart::OutstandingChart)->graph(1)->data()->at(10)->value, 40.0); // the peak
    QCustomPlot *completions = chart.plot(IoChart::CompletionsChart);
    QCOMPARE(completions->graph(0)->name(), QStringLiteral("recv"));
    QCOMPARE(completions->graph(0)->data()->at(3)->value, 150'000.0);
    QCOMPARE(completions->graph(2)->name(), QStringLiteral("read"));
    QCOMPARE(completions->graph(2)->data()->at(3)->value, 50'000.0);
    QCOMPARE(completions->graph(5)->name(), QStringLiteral("failed"));
    QCOMPARE(completions->graph(5)->data()->at(3)->value, 3'000.0);
    QCustomPlot *bytes = chart.plot(IoChart::BytesChart);
    QCOMPARE(bytes->graph(0)->data()->at(3)->value, 150'000.0 * 64 + 50'000.0 * 4096);
    QCOMPARE(bytes->graph(1)->data()->at(3)->value, 150'000.0 * 64);
    QCustomPlot *latency = chart.plot(IoChart::LatencyChart);
    QCOMPARE(latency->graph(1)->data()->at(3)->value, 400'000.0);
    QVERIFY(std::isnan(latency->graph(1)->data()->at(4)->value)); // no completion: a gap, not a 0
    QVERIFY(chart.plot(IoChart::CompletionsChart)->yAxis->range().upper >= 150'000);

    const QString readout = chart.hoverTextAt(IoChart::CompletionsChart, 1.0);
    QVERIFY2(readout.contains(QStringLiteral("recv")) && readout.contains(QStringLiteral("150 k/s")), qPrintable(readout));
    QVERIFY2(readout.contains(QStringLiteral("11:00:01")), qPrintable(readout)); // the wall clock of that sample
    const QString latencyReadout = chart.hoverTextAt(IoChart::LatencyChart, 1.0);
    QVERIFY2(latencyReadout.contains(QStringLiteral("400 µs")), qPrintable(latencyReadout));
}

void TestIoWidgets::chartFollowsTheWindowAndStartsAgain()
{
    IoChart chart;
    chart.resize(900, 500);
    chart.appendSamples(ioSamples(1200)); // 60 s
    QCOMPARE(chart.plot(IoChart::BytesChart)->xAxis->range().upper, 59.95);
    QCOMPARE(chart.plot(IoChart::BytesChart)->xAxis->range().lower, 29.95); // the default 30 s window
    chart.setWindowSeconds(300);
    QCOMPARE(chart.plot(IoChart::LatencyChart)->xAxis->range().lower, 0.0); // less than a window: from the start
    QCOMPARE(chart.plot(IoChart::LatencyChart)->xAxis->range().upper, 300.0);
    chart.startNewRun();
    QCOMPARE(chart.pointCount(), 0);
    chart.appendSamples(ioSamples(2));
    QCOMPARE(chart.plot(IoChart::OutstandingChart)->graph(0)->data()->at(0)->key, 0.0); // the new run's time base
}

void TestIoWidgets::tilesShowTheLatestSample()
{
    IoTiles tiles;
    QCOMPARE(tiles.tile(IoTiles::Outstanding)->detailText(), QStringLiteral("no I/O yet"));
    tiles.appendSamples(ioSamples(10));
    QCOMPARE(tiles.tile(IoTiles::Outstanding)->valueText(), QStringLiteral("12"));
    QCOMPARE(tiles.tile(IoTiles::Outstanding)->detailText(), QStringLiteral("peak 40"));
    QCOMPARE(tiles.tile(IoTiles::Completions)->valueText(), QStringLiteral("350 k/s"));
    const QString kinds = tiles.tile(IoTiles::Completions)->detailText();
    QVERIFY2(kinds.contains(QStringLiteral("3.00 k/s failed")) && kinds.contains(QStringLiteral("recv 150 k/s")) &&
                 kinds.contains(QStringLiteral("send 150 k/s")) && !kinds.contains(QStringLiteral("read")),
             qPrintable(kinds)); // the two busiest kinds, failures first
    QCOMPARE(tiles.tile(IoTiles::Bytes)->valueText(), QStringLiteral("224 MB/s"));
    QCOMPARE(tiles.tile(IoTiles::Bytes)->detailText(), QStringLiteral("read 214 MB/s · written 9.60 MB/s"));

    std::vector<Sample> quiet = ioSamples(1);
    quiet.front().pool.timestampNs += 1'000'000'000;
    quiet.front().ioRecvCompletionsPerSecond = quiet.front().ioSendCompletionsPerSecond = 0;
    quiet.front().ioReadCompletionsPerSecond = 0;
    quiet.front().ioCompletionsPerSecond = quiet.front().ioFailuresPerSecond = 0;
    quiet.front().ioBytesReadPerSecond = quiet.front().ioBytesWrittenPerSecond = 900;
    tiles.appendSamples(quiet);
    QCOMPARE(tiles.tile(IoTiles::Completions)->detailText(), QStringLiteral("none completing"));
    QCOMPARE(tiles.tile(IoTiles::Bytes)->valueText(), QStringLiteral("1.80 kB/s"));
    QCOMPARE(tiles.tile(IoTiles::Bytes)->detailText(), QStringLiteral("read 900 B/s · written 900 B/s"));
    tiles.startNewRun();
    QCOMPARE(tiles.tile(IoTiles::Completions)->valueText(), QStringLiteral("–"));
}

void TestIoWidgets::settingsKeepTheIoLoad()
{
    QSettings settings;
    settings.clear();
    ControlState state;
    state.io.echo = true;
    state.io.connections = 64;
    state.io.messageBytes = 4096;
    state.io.messagesPerSecond = 20'000;
    state.io.thinkTime = std::chrono::microseconds(100);
    state.io.costPerMessage = std::chrono::microseconds(30);
    state.io.fileReads = true;
    state.io.blockBytes = 16384;
    SettingsStore(settings).saveControls(state);
    settings.sync();
    QSettings reopened;
    QCOMPARE(SettingsStore(reopened).loadControls().io, state.io);

    reopened.setValue(QStringLiteral("io/connections"), 100'000); // edited by hand, out of range
    const IoLoadSettings loaded = SettingsStore(reopened).loadControls().io;
    QCOMPARE(loaded, IoLoadSettings{}); // the I/O load starts from its defaults
    QCOMPARE(SettingsStore(reopened).loadControls().workers, state.workers); // and nothing else changes
    settings.clear();
}

QTEST_MAIN(TestIoWidgets)
#include "tst_iowidgets.moc"
