// The window as a user drives it: the worker slider resizes the live pool, the load
// buttons move the counters and the charts, exceptions reach the log and the badge,
// fail fast shows its dialog and stops the pool, and a grab of the window is a real picture.

#include "unithold.h"
#include "chartspanel.h"
#include "controlpanel.h"
#include "counterspanel.h"
#include "exceptionlogmodel.h"
#include "exportcontroller.h"
#include "mainwindow.h"
#include "snapshotreader.h"
#include "snapshotwindow.h"
#include "workerslider.h"
#include "poolsession.h"
#include "sessioncontroller.h"

#include <qcustomplot.h>

#include <QAction>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cstdio>
#include <latch>
#include <thread>
#include <tuple>

#include <fcntl.h>
#include <unistd.h>

using namespace poolscope;
using poolscope::testing::UnitHold;

namespace {

ControlState quietState()
{
    ControlState state;
    state.workers = 4;
    state.concurrency = 2;
    state.load.ratePerSecond = 2000;
    state.load.meanCost = std::chrono::microseconds(20);
    return state;
}

ControlPanel *controlsOf(const MainWindow &window) { return window.findChild<ControlPanel *>(); }
ChartsPanel *chartsOf(const MainWindow &window) { return window.findChild<ChartsPanel *>(); }
SessionController *controllerOf(const MainWindow &window) { return window.findChild<SessionController *>(); }

QAbstractButton *buttonNamed(QMessageBox *box, const QString &text)
{
    for (QAbstractButton *button : box->buttons())
        if (button->text() == text)
            return button;
    return nullptr;
}

// Answers the question `dialogName` (Graceful/Fast shutdown, Restart ask first) with `answer`.
bool answerQuestion(const QWidget &window, const QString &dialogName, const QString &answer)
{
    QMessageBox *question = nullptr;
    if (!QTest::qWaitFor([&] { return (question = window.findChild<QMessageBox *>(dialogName)) && question->isVisible(); }, 5000))
        return false;
    QAbstractButton *button = buttonNamed(question, answer);
    if (!button)
        return false;
    QTest::mouseClick(button, Qt::LeftButton);
    return true;
}

// The largest time between two turns of the GUI thread's event loop while it is installed
// (a zero-interval timer fires once per turn), twice: as the wall clock saw it, and without
// the time the thread was ready to run but the machine gave it no processor (Linux's
// /proc/thread-self/schedstat, "time spent waiting on a runqueue"). The second is what the
// GUI thread itself spent: running, or blocked waiting for something. On a machine shared
// with builds and benchmarks the first is mostly the machine's; the second is the app's.
class EventLoopGapMeter : public QObject {
public:
    EventLoopGapMeter() : m_schedstat(::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC))
    {
        m_timer.setInterval(0);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 wallNs = m_sinceLast.nsecsElapsed();
            m_sinceLast.restart();
            const auto [ranNs, queuedNs] = schedulerTimesNs();
            m_largestWallMs = std::max(m_largestWallMs, wallNs / 1'000'000);
            const qint64 ownMs = std::max<qint64>(0, wallNs - (queuedNs - m_queuedNs)) / 1'000'000;
            if (ownMs > m_largestOwnMs) {
                m_largestOwnMs = ownMs;
                m_ranInLargestMs = (ranNs - m_ranNs) / 1'000'000;
            }
            m_ranNs = ranNs;
            m_queuedNs = queuedNs;
            ++m_turns;
        });
        std::tie(m_ranNs, m_queuedNs) = schedulerTimesNs();
        m_sinceLast.start();
        m_timer.start();
    }
    ~EventLoopGapMeter() override
    {
        if (m_schedstat >= 0)
            ::close(m_schedstat);
    }
    qint64 largestGapMs() const { return m_largestWallMs; }
    qint64 largestOwnGapMs() const { return m_largestOwnMs; } // the wall gap where schedstat is missing
    qint64 ranInLargestOwnGapMs() const { return m_ranInLargestMs; } // the rest of it, blocked
    qint64 turns() const { return m_turns; }

private:
    // {time on a processor, time waiting on a runqueue} of this thread so far.
    std::pair<qint64, qint64> schedulerTimesNs() const
    {
        char text[96] = {};
        if (m_schedstat < 0 || ::pread(m_schedstat, text, sizeof text - 1, 0) <= 0)
            return {0, 0};
        unsigned long long ranNs = 0, waitedNs = 0;
        if (std::sscanf(text, "%llu %llu", &ranNs, &waitedNs) != 2)
            return {0, 0};
        return {static_cast<qint64>(ranNs), static_cast<qint64>(waitedNs)};
    }

    int m_schedstat;
    QTimer m_timer;
    QElapsedTimer m_sinceLast;
    qint64 m_ranNs = 0;
    qint64 m_queuedNs = 0;
    qint64 m_ranInLargestMs = 0;
    qint64 m_largestWallMs = 0;
    qint64 m_largestOwnMs = 0;
    qint64 m_turns = 0;
};

QString artifactPath(const QString &name)
{
    const QString folder = qEnvironmentVariable("POOLSCOPE_ARTIFACTS", QDir::tempPath());
    QDir().mkpath(folder);
    return QDir(folder).filePath(name);
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void workerSliderResizesTheLivePool();
    void loadStartAndStopMoveTheCounters();
    void exceptionsReachTheLogAndBadge();
    void failFastShowsDialogAndStopsPool();
    void restartWaitsForTheStoppingPool();
    void fastShutdownReportsWhatItCancelled();
    void windowGrabIsARealPicture();
    void restartDuringADrainNeverStallsTheGui_data();
    void restartDuringADrainNeverStallsTheGui();
    void restartBeginsANewRunEverywhere();
    void quitDuringADrainAsks_data();
    void quitDuringADrainAsks();
};

void TestMainWindow::workerSliderResizesTheLivePool()
{
    PoolSession session;
    MainWindow window(session);
    window.applyControlState(quietState());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    WorkerSlider *slider = controlsOf(window)->workerSlider();
    QTRY_COMPARE(session.status().pool.liveWorkers, 4u);

    slider->setFocus();
    for (int i = 0; i < 3; ++i)
        QTest::keyClick(slider, Qt::Key_Right); // the user's keyboard on the real widget: one worker a key
    QCOMPARE(slider->count(), 7);
    QCOMPARE(controlsOf(window)->workerSpin()->value(), 7);
    QCOMPARE(session.status().pool.targetWorkers, 7u);
    QTRY_COMPARE(session.status().pool.liveWorkers, 7u);

    // Home is the slider's low end: one worker, never none.
    QTest::keyClick(slider, Qt::Key_Home);
    QCOMPARE(session.status().pool.targetWorkers, 1u);
    QTRY_COMPARE(session.status().pool.liveWorkers, 1u);
    // None is typed in the box, on purpose.
    controlsOf(window)->workerSpin()->setValue(0);
    QCOMPARE(session.status().pool.targetWorkers, 0u);
    QTRY_COMPARE(session.status().pool.liveWorkers, 0u);

    // A drag with the mouse: press on the handle and move to the far right end.
    const QPoint handle(slider->style()->sliderPositionFromValue(slider->minimum(), slider->maximum(), slider->value(), slider->width()),
                        slider->height() / 2);
    QTest::mousePress(slider, Qt::LeftButton, {}, handle + QPoint(4, 0));
    QTest::mouseMove(slider, QPoint(slider->width() - 1, slider->height() / 2));
    QTest::mouseRelease(slider, Qt::LeftButton, {}, QPoint(slider->width() - 1, slider->height() / 2));
    QVERIFY(slider->count() > 200);
    QCOMPARE(session.status().pool.targetWorkers, unsigned(slider->count()));
    QTRY_COMPARE_WITH_TIMEOUT(session.status().pool.liveWorkers, unsigned(slider->count()), 15000);
}

void TestMainWindow::loadStartAndStopMoveTheCounters()
{
    PoolSession session;
    MainWindow window(session);
    window.applyControlState(quietState());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(session.status().pool.posted, std::uint64_t(0));

    QTest::mouseClick(controlsOf(window)->startButton(), Qt::LeftButton);
    QCOMPARE(session.status().load, LoadState::Running);
    QTRY_VERIFY(session.status().pool.completed > 500);
    const int points = chartsOf(window)->pointCount();
    QTRY_VERIFY(chartsOf(window)->pointCount() > points); // the charts keep growing

    QTest::mouseClick(controlsOf(window)->stopButton(), Qt::LeftButton);
    QCOMPARE(session.status().load, LoadState::Stopped);
    QTRY_COMPARE(session.status().pool.inFlight, std::uint64_t(0));
    const std::uint64_t posted = session.status().pool.posted;
    QTest::qWait(200);
    QCOMPARE(session.status().pool.posted, posted);
    QCOMPARE(session.status().pool.completed + session.status().pool.failed, posted);
}

void TestMainWindow::exceptionsReachTheLogAndBadge()
{
    PoolSession session;
    MainWindow window(session);
    ControlState state = quietState();
    state.load.exceptionProbability = 1.0;
    state.load.exceptionType = ThrownType::RuntimeError;
    window.applyControlState(state);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    window.toggleLoad();
    ExceptionLogModel *log = window.findChild<ExceptionLogModel *>();
    QTRY_VERIFY_WITH_TIMEOUT(log->rowCount() >= 1, 2000); // within 2 s of the throw
    QCOMPARE(log->data(log->index(0, ExceptionLogModel::TypeColumn)).toString(), QStringLiteral("std::runtime_error"));
    QCOMPARE(log->data(log->index(0, ExceptionLogModel::MessageColumn)).toString(),
             QStringLiteral("simulated failure (std::runtime_error)"));
    QTRY_VERIFY(log->entry(0).count > 10);
    QCOMPARE(log->rowCount(), 1); // identical ones coalesce
    QTRY_VERIFY(window.findChild<QLabel *>(QStringLiteral("exceptionBadge"))->isVisible());
    QVERIFY(window.findChild<QLabel *>(QStringLiteral("exceptionBadge"))->text().contains(QLocale().toString(log->totalCount())));
    session.stopLoad();
}

void TestMainWindow::failFastShowsDialogAndStopsPool()
{
    PoolSession session;
    MainWindow window(session);
    ControlState state = quietState();
    state.policy = ExceptionPolicy::FailFast;
    state.load.exceptionProbability = 0.5;
    state.load.exceptionType = ThrownType::CustomException;
    window.applyControlState(state);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    window.toggleLoad();
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<QMessageBox *>(QStringLiteral("failFastDialog")) != nullptr && window.findChild<QMessageBox *>(QStringLiteral("failFastDialog"))->isVisible(), 5000);
    QMessageBox *dialog = window.findChild<QMessageBox *>(QStringLiteral("failFastDialog"));
    QVERIFY(dialog->text().contains(QStringLiteral("poolscope::SimulatedError")));
    QCOMPARE(session.status().load, LoadState::Stopped);
    QTRY_COMPARE(session.status().pool.liveWorkers, 0u);
    QCOMPARE(session.status().pool.state, PoolState::Failed);
    QCOMPARE(session.post([] {}), std::uint64_t(0)); // stopped: refuses work

    // "Restart pool" in the dialog brings a fresh pool with the same settings.
    QPushButton *restart = nullptr;
    for (QAbstractButton *button : dialog->buttons())
        if (button->text() == QStringLiteral("Restart pool"))
            restart = qobject_cast<QPushButton *>(button);
    QVERIFY(restart);
    QTest::mouseClick(restart, Qt::LeftButton);
    QTRY_COMPARE(session.status().pool.state, PoolState::Running);
    QTRY_COMPARE(session.status().pool.liveWorkers, 4u);
    QCOMPARE(session.status().pool.policy, ExceptionPolicy::FailFast);
}

// Restart pressed while the failed pool's threads still finish a long unit: the restart
// happens when they are done, not never, and the window stays responsive meanwhile.
void TestMainWindow::restartWaitsForTheStoppingPool()
{
    PoolSession session({.workers = 2, .concurrency = 2, .policy = ExceptionPolicy::FailFast});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    UnitHold hold;
    session.post(hold.unit());
    QTRY_VERIFY(hold.isHolding());
    session.post([] { throw 7; });
    QTRY_VERIFY(window.findChild<QMessageBox *>(QStringLiteral("failFastDialog")) != nullptr && window.findChild<QMessageBox *>(QStringLiteral("failFastDialog"))->isVisible());
    QTest::mouseClick(qobject_cast<QPushButton *>(buttonNamed(window.findChild<QMessageBox *>(QStringLiteral("failFastDialog")),
                                                              QStringLiteral("Restart pool"))),
                      Qt::LeftButton);
    QTest::qWait(100);
    QCOMPARE(session.status().pool.state, PoolState::Failed); // still finishing the blocked unit
    hold.release();
    QTRY_COMPARE(session.status().pool.state, PoolState::Running);
    QTRY_COMPARE(session.status().pool.liveWorkers, 2u);
}

void TestMainWindow::fastShutdownReportsWhatItCancelled()
{
    PoolSession session({.workers = 0}); // nothing runs: everything posted stays queued
    MainWindow window(session);
    QCOMPARE(controlsOf(window)->workerSpin()->value(), 0); // the controls show the session as it is
    for (int i = 0; i < 1000; ++i)
        session.post([] {});
    QSignalSpy finished(controllerOf(window), &SessionController::drainFinished);
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("fastShutdownButton")), Qt::LeftButton);
    QVERIFY(answerQuestion(window, QStringLiteral("confirmFastShutdownDialog"), QStringLiteral("Shut down fast")));
    QVERIFY(finished.wait(10000));
    QVERIFY2(finished.first().at(0).toString().contains(QStringLiteral("1,000 cancelled")),
             qPrintable(finished.first().at(0).toString()));
    QCOMPARE(session.status().pool.state, PoolState::Stopped);
}

void TestMainWindow::windowGrabIsARealPicture()
{
    PoolSession session;
    MainWindow window(session);
    ControlState state = quietState();
    state.load.exceptionProbability = 0.05;
    window.applyControlState(state);
    window.resize(1500, 950);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    chartsOf(window)->setWindowSeconds(2); // a short window, so that the data spans the plots
    window.toggleLoad();
    QTRY_VERIFY(chartsOf(window)->pointCount() > 30);
    QTest::qWait(300); // let a few more frames land: the picture is the behaviour under test

    const QImage image = window.grab().toImage();
    const QString path = artifactPath(QStringLiteral("mainwindow.png"));
    QVERIFY(image.save(path));
    qInfo("window picture kept at %s", qPrintable(path));
    QCOMPARE(image.width(), window.width() * int(window.devicePixelRatio()));

    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y) & 0xf0f0f0); // quantised: a real picture has many
    QVERIFY2(colours.size() > 30, qPrintable(QString::number(colours.size())));

    // The plot area of the throughput chart holds its green fill.
    QCustomPlot *throughput = chartsOf(window)->plots().at(2);
    const QImage chart = throughput->toPixmap().toImage();
    int greenish = 0;
    for (int y = 0; y < chart.height(); y += 2)
        for (int x = 0; x < chart.width(); x += 2) {
            const QColor c = chart.pixelColor(x, y);
            greenish += c.green() > c.red() + 8 && c.green() > c.blue() + 8; // the line and its light fill
        }
    QVERIFY2(greenish > 500, qPrintable(QString::number(greenish)));
    session.stopLoad();
}

// What the GUI thread may take of its own between two events (see EventLoopGapMeter).
// Nothing it does waits for pool threads; what remains is its own work, painting above all.
// Sanitizer builds (Debug, instrumented) do that work several times slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr qint64 MaxEventLoopGapMs = 400;
#else
constexpr qint64 MaxEventLoopGapMs = 100;
#endif

// The yardstick: a graceful drain of a million queued units is running (held on a
// latch, so that it lasts as long as the test needs), the user presses Restart and answers
// the question, and the GUI thread answers every event within 100 ms throughout.
void TestMainWindow::restartDuringADrainNeverStallsTheGui_data()
{
    QTest::addColumn<QString>("answer");
    QTest::newRow("cut short") << "Cancel the rest and restart";
    QTest::newRow("wait for the drain") << "Restart when drained";
}

void TestMainWindow::restartDuringADrainNeverStallsTheGui()
{
    QFETCH(QString, answer);
    constexpr std::uint64_t Queued = 1'000'000;
    PoolSession session({.workers = 1, .concurrency = 1}, {.rateHz = 20, .capacity = 1000});
    MainWindow window(session);
    // Qt 6 converts big images on its own thread pool and waits for it, which the meter counts
    // as the GUI's own time; a laptop-sized window keeps painting out of the measurement.
    window.resize(1024, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    UnitHold hold;
    session.post(hold.unit());
    QTRY_VERIFY(hold.isHolding());
    // Posted from a thread of its own, as a load generator's producer does.
    std::thread([&] {
        for (std::uint64_t i = 0; i < Queued; ++i)
            session.post([] {});
    }).join();
    QCOMPARE(session.status().pool.queued, Queued);

    EventLoopGapMeter meter;
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("gracefulShutdownButton")), Qt::LeftButton);
    QVERIFY(answerQuestion(window, QStringLiteral("confirmGracefulShutdownDialog"), QStringLiteral("Shut down gracefully")));
    QTRY_VERIFY(session.status().drain.has_value());
    QTRY_VERIFY(window.findChild<QLabel *>(QStringLiteral("drainProgress"))->isVisible());
    QVERIFY2(window.findChild<QLabel *>(QStringLiteral("drainProgress"))->text().contains(QLocale().toString(qulonglong(Queued))),
             qPrintable(window.findChild<QLabel *>(QStringLiteral("drainProgress"))->text()));
    QVERIFY(window.findChild<QPushButton *>(QStringLiteral("cancelDrainButton"))->isVisible());

    QPushButton *restart = window.findChild<QPushButton *>(QStringLiteral("restartButton"));
    QVERIFY(restart->isEnabled());
    QTest::mouseClick(restart, Qt::LeftButton);
    QMessageBox *question = nullptr;
    QTRY_VERIFY((question = window.findChild<QMessageBox *>(QStringLiteral("restartDuringDrainDialog"))) && question->isVisible());
    QAbstractButton *choice = buttonNamed(question, answer);
    QVERIFY(choice);
    QTest::mouseClick(choice, Qt::LeftButton);
    SessionController *controller = controllerOf(window);
    QVERIFY(controller->isRestartPending());
    if (answer.startsWith(QStringLiteral("Cancel")))
        QTRY_COMPARE_WITH_TIMEOUT(session.status().pool.queued, std::uint64_t(0), 60000);
    QTest::qWait(200); // the event loop keeps turning while the unit is held
    QCOMPARE(session.run().number, std::uint64_t(1)); // the drain is not over: no restart yet
    hold.release();
    QTRY_COMPARE_WITH_TIMEOUT(session.run().number, std::uint64_t(2), 120000);
    QTRY_COMPARE(session.status().pool.liveWorkers, 1u);
    QCOMPARE(session.status().pool.posted, std::uint64_t(0));
    const std::shared_ptr<const RunReport> previous = session.previousRun();
    QVERIFY(previous);
    if (answer.startsWith(QStringLiteral("Cancel")))
        QVERIFY(previous->counters.cancelled > 0);
    else
        QCOMPARE(previous->counters.completed, Queued + 1);
    QCOMPARE(previous->counters.completed + previous->counters.cancelled, Queued + 1);
    qInfo("largest gap between event-loop turns over %lld turns: %lld ms on the wall clock; %lld ms of the GUI "
          "thread's own (running or blocked, not waiting for a processor), of which it ran %lld ms",
          meter.turns(), meter.largestGapMs(), meter.largestOwnGapMs(), meter.ranInLargestOwnGapMs());
    // The wall-clock gap is reported, not asserted: on this shared machine (and under
    // scripts/test.sh --busy) other processes alone withheld the processor for 0.7-1.8 s.
    QVERIFY2(meter.largestOwnGapMs() < MaxEventLoopGapMs, qPrintable(QString::number(meter.largestOwnGapMs())));
}

// A restart with exceptions logged: the log, the counters, the history and a JSON export all
// describe the new run, and the old run is still reachable (Pool -> Previous run).
void TestMainWindow::restartBeginsANewRunEverywhere()
{
    PoolSession session({.workers = 2, .concurrency = 2});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    for (int i = 0; i < 10; ++i)
        session.post([] { throw std::runtime_error("first run"); });
    for (int i = 0; i < 20; ++i)
        session.post([] {});
    auto *log = window.findChild<ExceptionLogModel *>();
    QTRY_COMPARE(log->totalCount(), quint64(10));
    CountersPanel *counters = window.findChild<CountersPanel *>();
    QTRY_COMPARE(counters->valueText(QStringLiteral("failed")), QStringLiteral("10"));

    controllerOf(window)->restart(); // a running pool: cancel what is queued, drain, restart
    QTRY_COMPARE(session.run().number, std::uint64_t(2));
    QCOMPARE(log->totalCount(), quint64(0));
    QCOMPARE(log->rowCount(), 0);
    for (int i = 0; i < 3; ++i)
        session.post([] { throw std::logic_error("second run"); });
    QTRY_COMPARE(log->totalCount(), quint64(3));
    QCOMPARE(log->rowCount(), 1);
    QCOMPARE(log->entry(0).message, QStringLiteral("second run"));
    QTRY_COMPARE(counters->valueText(QStringLiteral("failed")), QStringLiteral("3"));
    QTRY_VERIFY(chartsOf(window)->pointCount() >= 2);
    const std::uint64_t firstSample = session.run().firstSample;
    for (const Sample &sample : session.history())
        QVERIFY(sample.sequence >= firstSample && sample.pool.failed <= 3);
    QVERIFY(window.findChild<QLabel *>(QStringLiteral("runStatus"))->text().startsWith(QStringLiteral("Run 2")));

    QTemporaryDir folder;
    const QString path = folder.filePath(QStringLiteral("run2.json"));
    auto *exports = window.findChild<ExportController *>();
    QSignalSpy exported(exports, &ExportController::exported);
    QVERIFY(exports->exportTo(ExportController::Kind::Snapshot, path));
    QTRY_COMPARE(exported.count(), 1);
    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(path, report, error), qPrintable(error));
    QCOMPARE(report.counters.failed, std::uint64_t(3));
    QCOMPARE(report.counters.completed, std::uint64_t(0));
    QCOMPARE(report.exceptions.size(), std::size_t(1));
    QCOMPARE(report.exceptions.front().message, std::string("second run"));
    QCOMPARE(report.exceptions.front().count, std::uint64_t(3));
    for (const Sample &sample : report.history)
        QVERIFY(sample.pool.failed <= 3 && sample.pool.completed == 0);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("\"run\":{\"number\":2,"));

    // The old run, from the Pool menu.
    QAction *previous = nullptr;
    for (QAction *action : window.findChildren<QAction *>())
        if (action->text() == QStringLiteral("&Previous run…"))
            previous = action;
    QVERIFY(previous && previous->isEnabled());
    previous->trigger();
    SnapshotWindow *old = window.findChild<SnapshotWindow *>();
    QVERIFY(old && old->isVisible());
    QCOMPARE(old->exceptionLog()->totalCount(), quint64(10));
    QCOMPARE(old->exceptionLog()->entry(0).message, QStringLiteral("first run"));
    QCOMPARE(old->counters()->valueText(QStringLiteral("failed")), QStringLiteral("10"));
    QCOMPARE(old->counters()->valueText(QStringLiteral("completed")), QStringLiteral("20"));
}

// Quitting during a long drain: closing the window (or File -> Quit) asks; "Keep draining"
// keeps the run and the window; "Cancel the rest and quit" cancels what is queued and closes
// the window once the running unit is done, the GUI thread never waiting for pool threads
// (the unit is held on a latch past the answer, and the event loop keeps turning).
void TestMainWindow::quitDuringADrainAsks_data()
{
    QTest::addColumn<bool>("fromTheMenu");
    QTest::addColumn<QString>("answer");
    QTest::newRow("close, keep draining") << false << "Keep draining";
    QTest::newRow("close, cancel the rest") << false << "Cancel the rest and quit";
    QTest::newRow("File -> Quit, keep draining") << true << "Keep draining";
    QTest::newRow("File -> Quit, cancel the rest") << true << "Cancel the rest and quit";
}

void TestMainWindow::quitDuringADrainAsks()
{
    QFETCH(bool, fromTheMenu);
    QFETCH(QString, answer);
    constexpr std::uint64_t Queued = 200'000;
    PoolSession session({.workers = 1, .concurrency = 1}, {.rateHz = 20, .capacity = 1000});
    MainWindow window(session);
    window.resize(1024, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    UnitHold hold; // declared after the session: released first on every path, a failed check included
    session.post(hold.unit());
    QTRY_VERIFY(hold.isHolding());
    for (std::uint64_t i = 0; i < Queued; ++i)
        session.post([] {});
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("gracefulShutdownButton")), Qt::LeftButton);
    QVERIFY(answerQuestion(window, QStringLiteral("confirmGracefulShutdownDialog"), QStringLiteral("Shut down gracefully")));
    QTRY_VERIFY(session.status().drain.has_value());

    EventLoopGapMeter meter;
    if (fromTheMenu) {
        QAction *quit = nullptr;
        for (QAction *action : window.findChildren<QAction *>())
            if (action->text() == QLatin1String("&Quit"))
                quit = action;
        QVERIFY(quit);
        quit->trigger();
    } else {
        QVERIFY(!window.close()); // refused for now: the question decides
    }
    QMessageBox *question = nullptr;
    QTRY_VERIFY((question = window.findChild<QMessageBox *>(QStringLiteral("quitDuringDrainDialog"))) && question->isVisible());
    QVERIFY2(question->text().contains(QLocale().toString(qulonglong(Queued))), qPrintable(question->text()));
    QVERIFY(window.isVisible());
    QAbstractButton *choice = buttonNamed(question, answer);
    QVERIFY(choice);
    QTest::mouseClick(choice, Qt::LeftButton);
    QTRY_VERIFY(!window.findChild<QMessageBox *>(QStringLiteral("quitDuringDrainDialog")));
    SessionController *controller = controllerOf(window);

    if (answer == QLatin1String("Keep draining")) {
        QVERIFY(!controller->isQuitPending());
        QTest::qWait(200); // the event loop turns; nothing is cancelled and the window stays
        QVERIFY(window.isVisible());
        QCOMPARE(session.status().pool.queued, Queued); // the one worker is still held
        QCOMPARE(session.status().pool.cancelled, std::uint64_t(0));
        hold.release();
        QTRY_VERIFY_WITH_TIMEOUT(!session.status().drain.has_value(), 120000);
        QCOMPARE(session.status().pool.completed, Queued + 1);
        QVERIFY(window.isVisible()); // the drain ended; the user did not ask to quit again
    } else {
        QVERIFY(controller->isQuitPending());
        // The queue is cancelled off the GUI thread while the held unit keeps the drain open.
        QTRY_COMPARE_WITH_TIMEOUT(session.status().pool.queued, std::uint64_t(0), 60000);
        QTest::qWait(200); // the event loop turns while the unit is held: nobody waits on it
        QVERIFY(window.isVisible());
        QCOMPARE(session.status().pool.cancelled, Queued);
        hold.release();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isVisible(), 60000);
        QCOMPARE(session.status().pool.completed, std::uint64_t(1));
    }
    qInfo("largest gap between event-loop turns: %lld ms wall, %lld ms the GUI thread's own", meter.largestGapMs(),
          meter.largestOwnGapMs());
    QVERIFY2(meter.largestOwnGapMs() < MaxEventLoopGapMs, qPrintable(QString::number(meter.largestOwnGapMs())));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
