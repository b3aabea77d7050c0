// The window's side of the auto-sizer and the alerts: a fired alert shows in the banner and
// the alert log (a silenced one only in the log), a clear takes it off the banner; auto-size
// decisions are listed and move the worker count; both are marked on the charts (a fired alert
// on every chart, a decision on the Threads chart only, at their run time); the rules dialog refuses a bad rule with
// the rule named and keeps good ones in the settings.

#include "alertbanner.h"
#include "alertrulesdialog.h"
#include "chartspanel.h"
#include "sessioncontroller.h"
#include "watchlogview.h"
#include "watchpresenter.h"

#include <qcustomplot.h>

#include <QPlainTextEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace poolscope;
using namespace std::chrono_literals;

class TestWatchPresenter : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void firedAlertShowsInBannerAndLog();
    void autoSizeDecisionsAreListedAndApplied();
    void dialogRefusesABadRuleNamingIt();
    void rulesAreKeptInTheSettings();

private:
    QTemporaryDir m_settingsFolder;
};

void TestWatchPresenter::initTestCase()
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsFolder.path());
    QCoreApplication::setOrganizationName(QStringLiteral("PoolscopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_watchpresenter"));
}

namespace {
std::vector<AlertRule> rules(const char *text)
{
    std::vector<AlertRule> parsed;
    std::string error;
    if (!parseAlertRules(text, parsed, error))
        qFatal("%s", error.c_str());
    return parsed;
}

// The labelled marks on `plot`: their text and their run time (the x coordinate).
QList<QPair<QString, double>> labelledMarks(QCustomPlot *plot)
{
    QList<QPair<QString, double>> marks;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto *label = qobject_cast<QCPItemText *>(plot->item(i)))
            marks.append({label->text(), label->position->key()});
    return marks;
}
} // namespace

void TestWatchPresenter::firedAlertShowsInBannerAndLog()
{
    PoolSession session({.workers = 2}, {.autoStart = false});
    SessionController controller(session);
    ChartsPanel charts;
    QWidget window;
    WatchPresenter presenter(&controller, &charts, &window);
    presenter.setAlertRules(rules("busy: live > 0 silence 1h; gone: live == 0"));
    QSignalSpy events(&controller, &SessionController::watchEvents);

    QTRY_COMPARE_WITH_TIMEOUT(session.status().pool.liveWorkers, 2u, 10'000);
    session.sampleNow();
    controller.refresh();
    QCOMPARE(events.size(), 1);
    QVERIFY2(presenter.banner()->text().startsWith(QStringLiteral("⚠ Alert busy: live 2 > 0")), qPrintable(presenter.banner()->text()));
    QCOMPARE(presenter.alertLog()->rowCount(), 1);
    QVERIFY(presenter.alertLog()->rowText(0).contains(QStringLiteral("busy fired")));
    for (QCustomPlot *plot : charts.plots()) {
        const auto marks = labelledMarks(plot);
        QCOMPARE(marks.size(), 1);
        QCOMPARE(marks[0].first, QStringLiteral("busy"));
        // On the charts' time base (seconds since the run's first sample), not the steady clock.
        QVERIFY2(marks[0].second >= 0 && marks[0].second < 60, qPrintable(QString::number(marks[0].second)));
    }

    // Shrink to 0 workers: "busy" clears (off the banner), "gone" fires.
    SessionSettings none = session.settings();
    none.workers = 0;
    std::string error;
    QVERIFY(session.apply(none, error));
    QTRY_COMPARE_WITH_TIMEOUT(session.status().pool.liveWorkers, 0u, 10'000);
    session.sampleNow();
    controller.refresh();
    QVERIFY2(presenter.banner()->text().startsWith(QStringLiteral("⚠ Alert gone: live 0 == 0")), qPrintable(presenter.banner()->text()));
    QVERIFY(!presenter.banner()->text().contains(QStringLiteral("more firing")));
    QCOMPARE(presenter.alertLog()->rowCount(), 3);

    // "busy" fires again within its hour of silence: logged, but no banner.
    SessionSettings one = session.settings();
    one.workers = 1;
    QVERIFY(session.apply(one, error));
    QTRY_COMPARE_WITH_TIMEOUT(session.status().pool.liveWorkers, 1u, 10'000);
    session.sampleNow();
    controller.refresh();
    QCOMPARE(presenter.alertLog()->rowCount(), 5); // in rule order: busy fires (silenced), gone clears
    QVERIFY(presenter.alertLog()->rowText(3).contains(QStringLiteral("busy fired (silenced)")));
    QVERIFY(presenter.alertLog()->rowText(4).contains(QStringLiteral("gone cleared")));
    QCOMPARE(presenter.banner()->text(), QString()); // "gone" cleared, "busy" silenced
}

void TestWatchPresenter::autoSizeDecisionsAreListedAndApplied()
{
    PoolSession session({.workers = 3}, {.autoStart = false});
    SessionController controller(session);
    ChartsPanel charts;
    QWidget window;
    WatchPresenter presenter(&controller, &charts, &window);
    presenter.setAlertRules({});
    QSignalSpy moved(&presenter, &WatchPresenter::workersChanged);
    QVERIFY(presenter.setAutoSize(true, 50));
    QCOMPARE(presenter.decisionLog()->rowCount(), 1);
    QVERIFY(presenter.decisionLog()->rowText(0).contains(QStringLiteral("auto-size on: queue wait p99 target 50 ms")));

    // An idle pool (no load) measures 0/s at any size: the sizer looks down first and keeps
    // fewer workers that do as well, so the first decision is a probe down.
    for (int i = 0; i < 400 && moved.isEmpty(); ++i) {
        session.sampleNow();
        controller.refresh();
        QTest::qWait(10); // samples must be apart in time for the window to fill
    }
    QVERIFY(!moved.isEmpty());
    QCOMPARE(presenter.decisionLog()->rowCount(), 2);
    QVERIFY2(presenter.decisionLog()->rowText(1).contains(QStringLiteral("−1 → 2 | -1 worker (3 -> 2): probing down from 0/s")),
             qPrintable(presenter.decisionLog()->rowText(1)));
    QCOMPARE(session.settings().workers, 2u);
    const auto plots = charts.plots();
    const auto decisionMarks = labelledMarks(plots[ChartsPanel::ThreadsChart]);
    QCOMPARE(decisionMarks.size(), 1);
    QCOMPARE(decisionMarks[0].first, QStringLiteral("−1 → 2"));
    QVERIFY2(decisionMarks[0].second > 0 && decisionMarks[0].second < 60, qPrintable(QString::number(decisionMarks[0].second)));
    for (ChartsPanel::ChartIndex other : {ChartsPanel::QueueChart, ChartsPanel::ThroughputChart, ChartsPanel::LatencyChart})
        QVERIFY(labelledMarks(plots[other]).isEmpty());
    QVERIFY(presenter.setAutoSize(false, 50));
    QVERIFY(!controller.watch().isAutoSizing());
}

void TestWatchPresenter::dialogRefusesABadRuleNamingIt()
{
    AlertRulesDialog dialog(rules("busy: live > 0"));
    QCOMPARE(dialog.editor()->toPlainText(), QStringLiteral("busy: live > 0\n"));
    dialog.editor()->setPlainText(QStringLiteral("busy: live > 0\nslow: wait.p99 > 50\n"));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected)); // still open
    QVERIFY2(dialog.errorText().startsWith(QStringLiteral("rule 'slow': 'wait.p99' is a time")), qPrintable(dialog.errorText()));
    dialog.editor()->setPlainText(QStringLiteral("busy: live > 0\nslow: wait.p99 > 50ms\n"));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.rules().size(), std::size_t(2));
    QCOMPARE(dialog.rules()[1].name, std::string("slow"));
}

void TestWatchPresenter::rulesAreKeptInTheSettings()
{
    QSettings settings;
    settings.clear();
    QCOMPARE(loadAlertRules(settings), defaultAlertRules());
    QCOMPARE(defaultAlertRules().size(), std::size_t(2));
    saveAlertRules(settings, rules("a: queued > 5; b: failures/s > 0 silence 1m"));
    QCOMPARE(loadAlertRules(settings), rules("a: queued > 5; b: failures/s > 0 silence 1m"));
    settings.setValue(QStringLiteral("alerts/rules"), QStringLiteral("broken: nonsense > 1"));
    QCOMPARE(loadAlertRules(settings), defaultAlertRules()); // an unreadable setting does not stop the app

    PoolSession session({.workers = 1}, {.autoStart = false});
    SessionController controller(session);
    ChartsPanel charts;
    QWidget window;
    saveAlertRules(settings, rules("kept: queued > 7"));
    WatchPresenter presenter(&controller, &charts, &window);
    QCOMPARE(controller.watch().alertRules(), rules("kept: queued > 7"));
}

QTEST_MAIN(TestWatchPresenter)
#include "tst_watchpresenter.moc"
