// State that never surprises: the verbs that end a run act only once confirmed; the first
// launch shows one "Start load" call to action; no workers facing a backlog is said out
// loud; a change of unit settings with old units still queued is said, with an offer to drop
// them; fail fast is not reported as a "Fast shutdown" nobody asked for; the worker slider
// steps by one and ignores the wheel until focused; Help lists every menu shortcut.

#include "unithold.h"
#include "controlpanel.h"
#include "exceptionlogmodel.h"
#include "exceptionlogview.h"
#include "helpdialogs.h"
#include "mainwindow.h"
#include "noticebar.h"
#include "poolsession.h"
#include "runnotices.h"
#include "sessioncontroller.h"
#include "snapshotwindow.h"
#include "wheelguard.h"
#include "workerslider.h"

#include <QAction>
#include <QDialog>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTextCursor>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QStatusBar>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtTest>

using namespace poolscope;
using poolscope::testing::UnitHold;

namespace {

SessionController *controllerOf(const MainWindow &window) { return window.findChild<SessionController *>(); }
ControlPanel *controlsOf(const MainWindow &window) { return window.findChild<ControlPanel *>(); }

QMessageBox *visibleQuestion(const QWidget &window, const QString &name)
{
    QMessageBox *question = nullptr;
    const bool shown = QTest::qWaitFor([&] { return (question = window.findChild<QMessageBox *>(name)) && question->isVisible(); }, 5000);
    return shown ? question : nullptr;
}

QAbstractButton *buttonNamed(QMessageBox *box, const QString &text)
{
    for (QAbstractButton *button : box->buttons())
        if (button->text() == text)
            return button;
    return nullptr;
}

QAction *menuAction(const QMainWindow &window, const QString &text)
{
    for (QAction *menu : window.menuBar()->actions())
        if (menu->menu())
            for (QAction *action : menu->menu()->actions())
                if (action->text().remove(QLatin1Char('&')) == text)
                    return action;
    return nullptr;
}

// A wheel turn over `widget`'s middle, delivered as the platform would: spontaneous, so that
// Qt offers it to the parents while nobody accepts it (a sent one stops at the widget).
void turnWheel(QWidget *widget, int steps)
{
    const QPointF local(widget->width() / 2.0, widget->height() / 2.0);
    QWheelEvent event(local, widget->mapToGlobal(local), QPoint(), QPoint(0, 120 * steps), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QSpontaneKeyEvent::setSpontaneous(&event);
    QApplication::sendEvent(widget, &event);
}

} // namespace

class TestRunState : public QObject {
    Q_OBJECT

private slots:
    void shutdownActsOnlyWhenConfirmed_data();
    void shutdownActsOnlyWhenConfirmed();
    void restartActsOnlyWhenConfirmed();
    void restartOfAStoppedPoolNeedsNoQuestion();
    void firstLaunchOffersToStartTheLoad();
    void noWorkersWithABacklogIsAWarning();
    void outdatedQueuedUnitsAreSaidAndCanBeDropped();
    void keepingOutdatedUnitsHidesTheNotice();
    void failFastIsNotReportedAsAFastShutdown();
    void workerSliderStepsByOneAndNeverLandsOnZero();
    void wheelScrollsThePanelUntilAWidgetHasFocus();
    void helpListsEveryMenuShortcut();
    void savedRunWindowClosesWithEscAndCtrlW_data();
    void savedRunWindowClosesWithEscAndCtrlW();
    void ctrlQInASavedRunAsksFirst();
    void exceptionDetailsKeepTheirPlaceWhileReportsArrive();
};

void TestRunState::shutdownActsOnlyWhenConfirmed_data()
{
    QTest::addColumn<QString>("button");
    QTest::addColumn<QString>("dialog");
    QTest::addColumn<QString>("confirm");
    QTest::newRow("graceful") << "gracefulShutdownButton" << "confirmGracefulShutdownDialog" << "Shut down gracefully";
    QTest::newRow("fast") << "fastShutdownButton" << "confirmFastShutdownDialog" << "Shut down fast";
}

void TestRunState::shutdownActsOnlyWhenConfirmed()
{
    QFETCH(QString, button);
    QFETCH(QString, dialog);
    QFETCH(QString, confirm);
    PoolSession session({.workers = 2});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *shutdown = window.findChild<QPushButton *>(button);
    QSignalSpy drains(controllerOf(window), &SessionController::drainStarted);

    // Clicked, then thought better of: nothing happened, nothing happens.
    QTest::mouseClick(shutdown, Qt::LeftButton);
    QMessageBox *question = visibleQuestion(window, dialog);
    QVERIFY(question);
    QCOMPARE(session.status().phase, RunPhase::Running);
    QCOMPARE(session.status().pool.state, PoolState::Running);
    QCOMPARE(question->defaultButton(), question->button(QMessageBox::Cancel)); // Enter does not end the run
    QTest::mouseClick(question->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!window.findChild<QMessageBox *>(dialog) || !window.findChild<QMessageBox *>(dialog)->isVisible());
    QCoreApplication::processEvents();
    QCOMPARE(drains.count(), 0);
    QCOMPARE(session.status().phase, RunPhase::Running);

    // Escape is a no as well.
    QTest::mouseClick(shutdown, Qt::LeftButton);
    question = visibleQuestion(window, dialog);
    QVERIFY(question);
    QTest::keyClick(question, Qt::Key_Escape);
    QCoreApplication::processEvents();
    QCOMPARE(drains.count(), 0);
    QCOMPARE(session.status().phase, RunPhase::Running);

    // Confirmed: now it stops.
    QTest::mouseClick(shutdown, Qt::LeftButton);
    question = visibleQuestion(window, dialog);
    QVERIFY(question);
    QTest::mouseClick(buttonNamed(question, confirm), Qt::LeftButton);
    QTRY_COMPARE(session.status().phase, RunPhase::Stopped);
    QCOMPARE(drains.count(), 1);
}

void TestRunState::restartActsOnlyWhenConfirmed()
{
    PoolSession session({.workers = 2});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QAction *restart = menuAction(window, QStringLiteral("Restart…"));
    QVERIFY(restart);
    restart->trigger();
    QMessageBox *question = visibleQuestion(window, QStringLiteral("confirmRestartDialog"));
    QVERIFY(question);
    QVERIFY2(question->text().contains(QStringLiteral("Previous run")), qPrintable(question->text()));
    QTest::mouseClick(question->button(QMessageBox::Cancel), Qt::LeftButton);
    QCoreApplication::processEvents();
    QCOMPARE(session.run().number, std::uint64_t(1));
    QCOMPARE(session.status().phase, RunPhase::Running);

    restart->trigger();
    question = visibleQuestion(window, QStringLiteral("confirmRestartDialog"));
    QVERIFY(question);
    QTest::mouseClick(buttonNamed(question, QStringLiteral("Restart")), Qt::LeftButton);
    QTRY_COMPARE(session.run().number, std::uint64_t(2));
}

void TestRunState::restartOfAStoppedPoolNeedsNoQuestion()
{
    PoolSession session({.workers = 1});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    controllerOf(window)->shutdown(true);
    QTRY_COMPARE(session.status().phase, RunPhase::Stopped);
    QTRY_VERIFY(!controllerOf(window)->isDraining());
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("restartButton")), Qt::LeftButton);
    QTRY_COMPARE(session.run().number, std::uint64_t(2)); // nothing was running: nothing to lose
    QVERIFY(!window.findChild<QMessageBox *>(QStringLiteral("confirmRestartDialog")));
}

void TestRunState::firstLaunchOffersToStartTheLoad()
{
    PoolSession session;
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    RunNotices *notices = window.findChild<RunNotices *>();
    QTRY_VERIFY(notices->startNotice()->isVisible());
    QCOMPARE(session.status().load, LoadState::Stopped); // it offers, it does not start by itself
    QVERIFY(!notices->noWorkersNotice()->isVisible());
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("startLoadNoticeButton")), Qt::LeftButton);
    QCOMPARE(session.status().load, LoadState::Running);
    QTRY_VERIFY(!notices->startNotice()->isVisible());
    // Stopped again later, the pool has had work: the status bar says so, no invitation.
    QTRY_VERIFY(session.status().pool.posted > 0);
    controllerOf(window)->stopLoad();
    controllerOf(window)->refresh();
    QVERIFY(!notices->startNotice()->isVisible());
}

void TestRunState::noWorkersWithABacklogIsAWarning()
{
    PoolSession session({.workers = 0});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    RunNotices *notices = window.findChild<RunNotices *>();
    controllerOf(window)->refresh();
    QVERIFY(!notices->noWorkersNotice()->isVisible()); // no workers, but nothing waits either
    for (int i = 0; i < 25; ++i)
        session.post([] {});
    controllerOf(window)->refresh();
    QVERIFY(notices->noWorkersNotice()->isVisible());
    QVERIFY2(notices->noWorkersNotice()->text().contains(QStringLiteral("25 units wait")), qPrintable(notices->noWorkersNotice()->text()));
    // Its button gives the pool workers, through the controls like a user's change.
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("addWorkersButton")), Qt::LeftButton);
    QVERIFY(session.status().pool.targetWorkers >= 1);
    QCOMPARE(controlsOf(window)->workerSpin()->value(), int(session.status().pool.targetWorkers));
    QTRY_COMPARE(session.status().pool.completed, std::uint64_t(25));
    controllerOf(window)->refresh();
    QVERIFY(!notices->noWorkersNotice()->isVisible());
}

void TestRunState::outdatedQueuedUnitsAreSaidAndCanBeDropped()
{
    PoolSession session({.workers = 1, .concurrency = 1});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    RunNotices *notices = window.findChild<RunNotices *>();
    UnitHold hold;
    session.post(hold.unit());
    QTRY_VERIFY(hold.isHolding());
    for (int i = 0; i < 500; ++i)
        session.post([] {});

    // The pace of posting is not what a queued unit carries: no notice.
    ControlState state = window.controlState();
    state.load.ratePerSecond *= 2;
    window.applyControlState(state);
    QVERIFY(!notices->outdatedNotice()->isVisible());

    // What a unit does is: the 500 queued ones still do the old thing.
    state.load.meanCost = std::chrono::microseconds(state.load.meanCost.count() + 100);
    window.applyControlState(state);
    QVERIFY(notices->outdatedNotice()->isVisible());
    QVERIFY2(notices->outdatedNotice()->text().contains(QStringLiteral("500 queued units")), qPrintable(notices->outdatedNotice()->text()));

    QSignalSpy started(controllerOf(window), &SessionController::runStarted);
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("dropOutdatedButton")), Qt::LeftButton);
    QTRY_COMPARE(session.status().pool.queued, std::uint64_t(0)); // cancelled, not run
    QCOMPARE(session.run().number, std::uint64_t(1));             // the held unit finishes first
    hold.release();
    QTRY_COMPARE(session.run().number, std::uint64_t(2));
    QVERIFY(session.previousRun());
    QCOMPARE(session.previousRun()->counters.cancelled, std::uint64_t(500));
    QCOMPARE(session.settings().load.meanCost, state.load.meanCost); // the new run has the new settings
    QVERIFY(!notices->outdatedNotice()->isVisible());
}

void TestRunState::keepingOutdatedUnitsHidesTheNotice()
{
    PoolSession session({.workers = 0});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    RunNotices *notices = window.findChild<RunNotices *>();
    for (int i = 0; i < 10; ++i)
        session.post([] {});
    ControlState state = window.controlState();
    state.load.blockingShare = 0.5;
    window.applyControlState(state);
    QVERIFY(notices->outdatedNotice()->isVisible());
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("keepOutdatedButton")), Qt::LeftButton);
    QVERIFY(!notices->outdatedNotice()->isVisible());
    state.load.blockingShare = 0.25; // the same backlog: not asked again
    window.applyControlState(state);
    QVERIFY(!notices->outdatedNotice()->isVisible());
    QCOMPARE(session.run().number, std::uint64_t(1));
    QCOMPARE(session.status().pool.queued, std::uint64_t(10));
}

void TestRunState::failFastIsNotReportedAsAFastShutdown()
{
    PoolSession session({.workers = 1, .concurrency = 1, .policy = ExceptionPolicy::FailFast});
    MainWindow window(session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy finished(controllerOf(window), &SessionController::drainFinished);
    session.post([] { throw std::runtime_error("boom"); });
    QVERIFY(finished.wait(10'000));
    const QString summary = finished.first().at(0).toString();
    QVERIFY2(summary.startsWith(QStringLiteral("Fail fast")), qPrintable(summary));
    QVERIFY2(!summary.contains(QStringLiteral("Fast shutdown")), qPrintable(summary));
    QTRY_VERIFY(window.statusBar()->currentMessage().startsWith(QStringLiteral("Fail fast")));
}

void TestRunState::workerSliderStepsByOneAndNeverLandsOnZero()
{
    WorkerSlider slider;
    slider.setMaximumCount(256);
    slider.resize(150, 24);
    QSignalSpy counts(&slider, &WorkerSlider::countChanged);
    slider.setCount(3);
    QCOMPARE(counts.count(), 0); // placed, not chosen
    QTest::keyClick(&slider, Qt::Key_Left);
    QTest::keyClick(&slider, Qt::Key_Left);
    QCOMPARE(slider.count(), 1);
    QTest::keyClick(&slider, Qt::Key_Left);
    QTest::keyClick(&slider, Qt::Key_Home);
    QCOMPARE(slider.count(), 1); // the bottom is one worker
    QCOMPARE(counts.count(), 2);
    QCOMPARE(counts.last().at(0).toInt(), 1);
    QTest::keyClick(&slider, Qt::Key_PageUp);
    QTest::keyClick(&slider, Qt::Key_PageUp);
    QCOMPARE(slider.count(), 4);
    QTest::keyClick(&slider, Qt::Key_End);
    QCOMPARE(slider.count(), 256);
    // The low counts get a usable share of the slider: 1 -> 2 is an eighth of it.
    QCOMPARE(slider.positionOf(1), 0);
    QCOMPARE(slider.positionOf(2), WorkerSlider::Positions / 8);
    QCOMPARE(slider.countAt(slider.minimum()), 1);
    for (int position = slider.minimum(); position <= slider.maximum(); ++position)
        QVERIFY(slider.countAt(position) >= 1);
}

void TestRunState::wheelScrollsThePanelUntilAWidgetHasFocus()
{
    QScrollArea scroll;
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    auto *elsewhere = new QLineEdit; // where the focus is while the user scrolls
    auto *spin = new QSpinBox;
    spin->setRange(0, 100);
    spin->setValue(50);
    layout->addWidget(elsewhere);
    layout->addWidget(spin);
    layout->addSpacing(2000); // taller than the view: the panel scrolls
    scroll.setWidget(panel);
    scroll.setWidgetResizable(true);
    scroll.resize(200, 200);
    WheelGuard::install(panel);
    scroll.show();
    QVERIFY(QTest::qWaitForWindowExposed(&scroll));
    QCOMPARE(spin->focusPolicy(), Qt::StrongFocus);
    elsewhere->setFocus();
    QTRY_VERIFY(elsewhere->hasFocus());

    turnWheel(spin, -1);
    QCOMPARE(spin->value(), 50);                                // not changed in passing
    QVERIFY(scroll.verticalScrollBar()->value() > 0);           // the panel scrolled instead
    scroll.verticalScrollBar()->setValue(0);
    spin->setFocus();
    QTRY_VERIFY(spin->hasFocus());
    turnWheel(spin, 1);
    QCOMPARE(spin->value(), 51);                                // focused: the wheel is its own
}

void TestRunState::helpListsEveryMenuShortcut()
{
    PoolSession session;
    MainWindow window(session);
    const QString html = shortcutListHtml(window.menuBar());
    int withShortcut = 0;
    for (QAction *action : window.findChildren<QAction *>())
        if (!action->shortcut().isEmpty() && !action->menu()) {
            ++withShortcut;
            QVERIFY2(html.contains(action->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped()),
                     qPrintable(action->text()));
        }
    QVERIFY(withShortcut >= 10);
    QAction *quickStart = menuAction(window, QStringLiteral("Quick start"));
    QAction *shortcuts = menuAction(window, QStringLiteral("Keyboard shortcuts"));
    QVERIFY(quickStart && shortcuts && menuAction(window, QStringLiteral("About Poolscope")));
    shortcuts->trigger();
    auto *page = window.findChild<QDialog *>(QStringLiteral("shortcutsPage"));
    QVERIFY(page && page->isVisible());
    quickStart->trigger();
    QVERIFY(window.findChild<QDialog *>(QStringLiteral("quickStartPage")));
}

void TestRunState::savedRunWindowClosesWithEscAndCtrlW_data()
{
    QTest::addColumn<int>("key");
    QTest::addColumn<int>("modifiers");
    QTest::newRow("Esc") << int(Qt::Key_Escape) << int(Qt::NoModifier);
    QTest::newRow("Ctrl+W") << int(Qt::Key_W) << int(Qt::ControlModifier);
}

void TestRunState::savedRunWindowClosesWithEscAndCtrlW()
{
    QFETCH(int, key);
    QFETCH(int, modifiers);
    PoolSession session({.workers = 1});
    MainWindow window(session); // not shown: the saved run's window is the active one
    RunReport report = session.previousRun() ? *session.previousRun() : RunReport{};
    QPointer<SnapshotWindow> saved = new SnapshotWindow(QStringLiteral("run.json"), report, &window);
    saved->show();
    saved->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(saved));
    QTest::keyClick(saved, Qt::Key(key), Qt::KeyboardModifiers(modifiers));
    QTRY_VERIFY(!saved); // closed, and deleted
    QVERIFY(!controllerOf(window)->isQuitPending());
    QCOMPARE(session.status().phase, RunPhase::Running);
}

void TestRunState::ctrlQInASavedRunAsksFirst()
{
    PoolSession session({.workers = 1});
    MainWindow window(session); // not shown: the saved run's window is the active one
    QPointer<SnapshotWindow> saved = new SnapshotWindow(QStringLiteral("run.json"), RunReport{}, &window);
    saved->show();
    saved->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(saved));
    QTest::keyClick(saved, Qt::Key_Q, Qt::ControlModifier);
    QMessageBox *question = visibleQuestion(*saved, QStringLiteral("quitFromSnapshotDialog"));
    QVERIFY(question);
    QVERIFY(!controllerOf(window)->isQuitPending());
    QCOMPARE(session.status().phase, RunPhase::Running); // nothing stopped by the key alone
    QTest::mouseClick(question->button(QMessageBox::Cancel), Qt::LeftButton);
    QCoreApplication::processEvents();
    QVERIFY(saved && saved->isVisible());
    QCOMPARE(session.status().phase, RunPhase::Running);
}

void TestRunState::exceptionDetailsKeepTheirPlaceWhileReportsArrive()
{
    ExceptionLogModel model;
    ExceptionLogView view(&model);
    view.resize(900, 160); // a short details pane: its text scrolls
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const auto report = [](std::uint32_t worker, std::uint64_t sequence) {
        ExceptionReport r;
        r.sequence = sequence;
        r.time = std::chrono::system_clock::now();
        r.workerIndex = worker;
        r.threadName = "pool-worker-" + std::to_string(worker);
        r.typeName = "std::runtime_error";
        r.message = "disk on fire";
        return r;
    };
    model.addReports({report(10, 1), report(2, 2)});
    view.table()->selectRow(0);
    QPlainTextEdit *details = view.details();
    QVERIFY(details->toPlainText().contains(QStringLiteral("Workers: 2, 10"))); // numeric order
    // The reader selects a line and scrolls down.
    QTextCursor cursor = details->textCursor();
    cursor.setPosition(6);
    cursor.setPosition(18, QTextCursor::KeepAnchor);
    details->setTextCursor(cursor);
    details->verticalScrollBar()->setValue(details->verticalScrollBar()->maximum());
    const int scroll = details->verticalScrollBar()->value();
    const QString selected = details->textCursor().selectedText();
    QVERIFY(!selected.isEmpty());

    // The same exception keeps arriving: the count changes, the reader's place does not.
    for (std::uint64_t i = 3; i < 10; ++i)
        model.addReports({report(1, i)});
    QVERIFY(details->toPlainText().contains(QStringLiteral("Count: 9")));
    QCOMPARE(details->textCursor().selectedText(), selected);
    QCOMPARE(details->verticalScrollBar()->value(), scroll);
}

QTEST_MAIN(TestRunState)
#include "tst_runstate.moc"
