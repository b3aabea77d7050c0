// The window as a user drives it: the worker slider resizes the live pool, the load
// buttons move the counters and the charts, exceptions reach the log and the badge,
// fail fast shows its dialog and stops the pool, and a grab of the window is a real picture.

#include "chartspanel.h"
#include "controlpanel.h"
#include "exceptionlogmodel.h"
#include "mainwindow.h"
#include "poolmonitor.h"
#include "poolsession.h"

#include <qcustomplot.h>

#include <QDir>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QSlider>
#include <QtTest>

#include <atomic>
#include <latch>

using namespace poolscope;

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
};

void TestMainWindow::workerSliderResizesTheLivePool()
{
    PoolSession session;
    MainWindow window(session);
    window.applyControlState(quietState());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSlider *slider = window.controls()->workerSlider();
    QTRY_COMPARE(session.pool().snapshot().liveWorkers, 4u);

    slider->setFocus();
    for (int i = 0; i < 3; ++i)
        QTest::keyClick(slider, Qt::Key_Right); // the user's keyboard on the real widget
    QCOMPARE(slider->value(), 7);
    QCOMPARE(window.controls()->workerSpin()->value(), 7);
    QCOMPARE(session.pool().snapshot().targetWorkers, 7u);
    QTRY_COMPARE(session.pool().snapshot().liveWorkers, 7u);

    QTest::keyClick(slider, Qt::Key_Home);
    QCOMPARE(session.pool().snapshot().targetWorkers, 0u);
    QTRY_COMPARE(session.pool().snapshot().liveWorkers, 0u);

    // A drag with the mouse: press on the handle and move to the far right end.
    const QPoint handle(slider->style()->sliderPositionFromValue(0, 256, 0, slider->width()), slider->height() / 2);
    QTest::mousePress(slider, Qt::LeftButton, {}, handle + QPoint(4, 0));
    QTest::mouseMove(slider, QPoint(slider->width() - 1, slider->height() / 2));
    QTest::mouseRelease(slider, Qt::LeftButton, {}, QPoint(slider->width() - 1, slider->height() / 2));
    QVERIFY(slider->value() > 200);
    QCOMPARE(session.pool().snapshot().targetWorkers, unsigned(slider->value()));
    QTRY_COMPARE_WITH_TIMEOUT(session.pool().snapshot().liveWorkers, unsigned(slider->value()), 15000);
}

void TestMainWindow::loadStartAndStopMoveTheCounters()
{
    PoolSession session;
    MainWindow window(session);
    window.applyControlState(quietState());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(session.pool().snapshot().posted, std::uint64_t(0));

    QTest::mouseClick(window.controls()->startButton(), Qt::LeftButton);
    QCOMPARE(session.load().state(), LoadState::Running);
    QTRY_VERIFY(session.pool().snapshot().completed > 500);
    const int points = window.charts()->pointCount();
    QTRY_VERIFY(window.charts()->pointCount() > points); // the charts keep growing

    QTest::mouseClick(window.controls()->stopButton(), Qt::LeftButton);
    QCOMPARE(session.load().state(), LoadState::Stopped);
    QTRY_COMPARE(session.pool().snapshot().inFlight, std::uint64_t(0));
    const std::uint64_t posted = session.pool().snapshot().posted;
    QTest::qWait(200);
    QCOMPARE(session.pool().snapshot().posted, posted);
    QCOMPARE(session.pool().snapshot().completed + session.pool().snapshot().failed, posted);
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
    ExceptionLogModel *log = window.exceptionLog();
    QTRY_VERIFY_WITH_TIMEOUT(log->rowCount() >= 1, 2000); // within 2 s of the throw
    QCOMPARE(log->data(log->index(0, ExceptionLogModel::TypeColumn)).toString(), QStringLiteral("std::runtime_error"));
    QCOMPARE(log->data(log->index(0, ExceptionLogModel::MessageColumn)).toString(),
             QStringLiteral("simulated failure (std::runtime_error)"));
    QTRY_VERIFY(log->entry(0).count > 10);
    QCOMPARE(log->rowCount(), 1); // identical ones coalesce
    QTRY_VERIFY(window.exceptionBadge()->isVisible());
    QVERIFY(window.exceptionBadge()->text().contains(QLocale().toString(log->totalCount())));
    window.stopLoad();
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
    QTRY_VERIFY_WITH_TIMEOUT(window.failureDialog() != nullptr && window.failureDialog()->isVisible(), 5000);
    QMessageBox *dialog = window.failureDialog();
    QVERIFY(dialog->text().contains(QStringLiteral("poolscope::SimulatedError")));
    QCOMPARE(session.load().state(), LoadState::Stopped);
    QTRY_COMPARE(session.pool().snapshot().liveWorkers, 0u);
    QCOMPARE(session.pool().snapshot().state, PoolState::Failed);
    QCOMPARE(session.pool().post([] {}), std::uint64_t(0)); // stopped: refuses work

    // "Restart pool" in the dialog brings a fresh pool with the same settings.
    QPushButton *restart = nullptr;
    for (QAbstractButton *button : dialog->buttons())
        if (button->text() == QStringLiteral("Restart pool"))
            restart = qobject_cast<QPushButton *>(button);
    QVERIFY(restart);
    QTest::mouseClick(restart, Qt::LeftButton);
    QTRY_COMPARE(session.pool().snapshot().state, PoolState::Running);
    QTRY_COMPARE(session.pool().snapshot().liveWorkers, 4u);
    QCOMPARE(session.pool().exceptionPolicy(), ExceptionPolicy::FailFast);
}

// Restart pressed while the failed pool's threads still finish a long unit: the restart
// happens when they are done, not never, and the window stays responsive meanwhile.
void TestMainWindow::restartWaitsForTheStoppingPool()
{
    PoolSession session({.workers = 2, .concurrency = 2, .policy = ExceptionPolicy::FailFast});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    std::latch release(1);
    std::atomic<bool> blockerStarted{false};
    session.pool().post([&] {
        blockerStarted = true;
        release.wait();
    });
    QTRY_VERIFY(blockerStarted.load());
    session.pool().post([] { throw 7; });
    QTRY_VERIFY(window.failureDialog() != nullptr && window.failureDialog()->isVisible());
    window.restartPool(); // what the dialog's Restart button calls
    QTest::qWait(100);
    QCOMPARE(session.pool().snapshot().state, PoolState::Failed); // still finishing the blocked unit
    release.count_down();
    QTRY_COMPARE(session.pool().snapshot().state, PoolState::Running);
    QTRY_COMPARE(session.pool().snapshot().liveWorkers, 2u);
}

void TestMainWindow::fastShutdownReportsWhatItCancelled()
{
    PoolSession session({.workers = 0}); // nothing runs: everything posted stays queued
    MainWindow window(session);
    QCOMPARE(window.controls()->workerSpin()->value(), 0); // the controls show the session as it is
    for (int i = 0; i < 1000; ++i)
        session.pool().post([] {});
    QSignalSpy finished(&window, &MainWindow::shutdownFinished);
    window.shutdownPool(false);
    QVERIFY(finished.wait(10000));
    QVERIFY2(finished.first().at(0).toString().contains(QStringLiteral("1,000 cancelled")),
             qPrintable(finished.first().at(0).toString()));
    QCOMPARE(session.pool().snapshot().state, PoolState::Stopped);
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
    window.charts()->setWindowSeconds(2); // a short window, so that the data spans the plots
    window.toggleLoad();
    QTRY_VERIFY(window.charts()->pointCount() > 30);
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
    QCustomPlot *throughput = window.charts()->plots().at(2);
    const QImage chart = throughput->toPixmap().toImage();
    int greenish = 0;
    for (int y = 0; y < chart.height(); y += 2)
        for (int x = 0; x < chart.width(); x += 2) {
            const QColor c = chart.pixelColor(x, y);
            greenish += c.green() > c.red() + 8 && c.green() > c.blue() + 8; // the line and its light fill
        }
    QVERIFY2(greenish > 500, qPrintable(QString::number(greenish)));
    window.stopLoad();
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
