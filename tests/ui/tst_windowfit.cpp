// The window on a small screen: it opens no larger than the screen it is on (here a
// 1024 x 700 offscreen screen), its minimum size fits that screen, and at that size every
// panel is on the window and usable: the controls scroll to their last field, the charts and
// the exception log have room, the status bar ends inside the window, and the counters
// column, hidden when the charts would get too narrow, comes back from the View menu. A
// saved geometry from a larger screen is clamped; the splitters' layout survives a restart.

#include "chartspanel.h"
#include "controlpanel.h"
#include "counterspanel.h"
#include "exceptionlogview.h"
#include "mainwindow.h"
#include "poolsession.h"
#include "sessioncontroller.h"
#include "windowfit.h"

#include <qcustomplot.h>

#include <QAction>
#include <QFile>
#include <QMenuBar>
#include <QScreen>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace poolscope;

namespace {

constexpr QSize SmallScreen{1024, 700};

// The window's area in its own coordinates that `widget` covers, or an empty rect.
QRect areaIn(const QWidget &window, const QWidget *widget)
{
    return QRect(widget->mapTo(&window, QPoint(0, 0)), widget->size());
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

// Shows the window and lets it settle before anything is measured: the first refresh after the
// window appears shows or hides notices (first launch, 0 workers, ...) and so moves the panels
// below them. Measured before that refresh (which a busy machine can delay past the window's
// exposure), the log had 16 px more than it keeps.
bool showSettled(MainWindow &window)
{
    QSignalSpy refreshed(window.findChild<SessionController *>(), &SessionController::statusChanged);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        return false;
    if (!refreshed.wait(10'000) && refreshed.isEmpty())
        return false;
    QCoreApplication::sendPostedEvents(); // the layout requests the refresh made
    QCoreApplication::processEvents();
    return true;
}

} // namespace

class TestWindowFit : public QObject {
    Q_OBJECT

private slots:
    void theScreenIsTheSmallOne();
    void firstSizeFitsTheScreen_data();
    void firstSizeFitsTheScreen();
    void restoredGeometryIsClampedToTheScreen_data();
    void restoredGeometryIsClampedToTheScreen();
    void minimumSizeFitsTheSmallScreen();
    void opensWithinTheSmallScreen();
    void everyPanelIsReachableOnTheSmallScreen();
    void aWideWindowShowsEveryColumn();
    void layoutSurvivesARestart();
    void aForeignLayoutIsIgnored();
};

void TestWindowFit::theScreenIsTheSmallOne()
{
    // main() below configures the offscreen platform with one 1024 x 700 screen; without it
    // the rest of this suite would test nothing.
    QCOMPARE(QGuiApplication::primaryScreen()->geometry().size(), SmallScreen);
}

void TestWindowFit::firstSizeFitsTheScreen_data()
{
    QTest::addColumn<QRect>("available");
    QTest::addColumn<QSize>("expected");
    QTest::newRow("1024x700") << QRect(0, 0, 1024, 700) << QSize(1008, 660);
    QTest::newRow("1280x720 with a panel") << QRect(0, 32, 1280, 688) << QSize(1264, 648);
    QTest::newRow("1920x1080") << QRect(0, 0, 1920, 1080) << QSize(1560, 960);
    QTest::newRow("1600x1000 (was 7 px too tall)") << QRect(0, 0, 1600, 1000) << QSize(1560, 960);
    QTest::newRow("second screen") << QRect(1920, 0, 1366, 768) << QSize(1350, 728);
}

void TestWindowFit::firstSizeFitsTheScreen()
{
    QFETCH(QRect, available);
    QFETCH(QSize, expected);
    const QSize size = firstWindowSize({1560, 960}, available);
    QCOMPARE(size, expected);
    QVERIFY(size.width() + WindowFrameAllowance.width() <= available.width());
    QVERIFY(size.height() + WindowFrameAllowance.height() <= available.height());
}

void TestWindowFit::restoredGeometryIsClampedToTheScreen_data()
{
    QTest::addColumn<QRect>("saved");
    QTest::addColumn<QRect>("available");
    QTest::addColumn<QRect>("expected");
    const QRect laptop(0, 0, 1024, 700);
    QTest::newRow("fits: unchanged") << QRect(10, 20, 800, 600) << laptop << QRect(10, 20, 800, 600);
    QTest::newRow("from a big screen") << QRect(100, 50, 1600, 1000) << laptop << laptop;
    QTest::newRow("off the right edge") << QRect(900, 100, 600, 400) << laptop << QRect(424, 100, 600, 400);
    QTest::newRow("above the top") << QRect(10, -50, 600, 400) << laptop << QRect(10, 0, 600, 400);
    QTest::newRow("screen that is gone") << QRect(2500, 300, 1200, 800) << QRect(0, 0, 1920, 1080) << QRect(720, 280, 1200, 800);
}

void TestWindowFit::restoredGeometryIsClampedToTheScreen()
{
    QFETCH(QRect, saved);
    QFETCH(QRect, available);
    QFETCH(QRect, expected);
    const QRect fitted = clampToScreen(saved, available);
    QCOMPARE(fitted, expected);
    QVERIFY(available.contains(fitted));
}

void TestWindowFit::minimumSizeFitsTheSmallScreen()
{
    PoolSession session;
    MainWindow window(session);
    QVERIFY(showSettled(window));
    const QSize minimum = window.minimumSizeHint().expandedTo(window.minimumSize());
    qInfo("minimum size %dx%d", minimum.width(), minimum.height());
    QVERIFY2(minimum.width() + WindowFrameAllowance.width() <= SmallScreen.width() &&
                 minimum.height() + WindowFrameAllowance.height() <= SmallScreen.height(),
             qPrintable(QStringLiteral("%1x%2").arg(minimum.width()).arg(minimum.height())));
    // Even with the counters column shown, the window may shrink to the screen.
    window.setCountersColumnVisible(true);
    const QSize withCounters = window.minimumSizeHint();
    QVERIFY2(withCounters.width() + WindowFrameAllowance.width() <= SmallScreen.width(),
             qPrintable(QString::number(withCounters.width())));
}

void TestWindowFit::opensWithinTheSmallScreen()
{
    PoolSession session;
    MainWindow window(session);
    QVERIFY(showSettled(window));
    QCOMPARE(window.size(), firstWindowSize({1560, 960}, window.screen()->availableGeometry()));
    QVERIFY(window.width() < SmallScreen.width() && window.height() < SmallScreen.height());
}

void TestWindowFit::everyPanelIsReachableOnTheSmallScreen()
{
    PoolSession session;
    MainWindow window(session);
    QVERIFY(showSettled(window));
    const QRect inside = window.rect();

    // The controls column: there, wide enough for its sliders, and it scrolls to its last field.
    auto *controls = window.findChild<QScrollArea *>(QStringLiteral("controlsColumn"));
    QVERIFY(controls && controls->isVisible());
    QVERIFY(inside.contains(areaIn(window, controls)));
    QVERIFY2(controls->width() >= window.findChild<ControlPanel *>()->minimumSizeHint().width(),
             qPrintable(QString::number(controls->width())));
    QWidget *last = nullptr;
    for (QWidget *field : window.findChild<ControlPanel *>()->findChildren<QWidget *>())
        if (field->isVisibleTo(controls) && (!last || field->mapTo(controls->widget(), QPoint()).y() > last->mapTo(controls->widget(), QPoint()).y()))
            last = field;
    QVERIFY(last);
    controls->ensureWidgetVisible(last);
    const QRect lastInViewport(last->mapTo(controls->viewport(), QPoint(0, 0)), last->size());
    QVERIFY2(controls->viewport()->rect().contains(lastInViewport), qPrintable(last->objectName()));

    // The charts: all four on the window, each big enough to read.
    ChartsPanel *charts = window.findChild<ChartsPanel *>();
    QVERIFY(inside.contains(areaIn(window, charts)));
    for (QCustomPlot *plot : charts->plots()) {
        QVERIFY(plot->isVisible());
        QVERIFY2(plot->width() >= 250 && plot->height() >= 120, qPrintable(QStringLiteral("%1x%2").arg(plot->width()).arg(plot->height())));
        QVERIFY(inside.contains(areaIn(window, plot)));
    }

    // The exception log: on the window with room for a few rows.
    auto *log = window.findChild<ExceptionLogView *>();
    QVERIFY(log->isVisible());
    QVERIFY(inside.contains(areaIn(window, log)));
    QVERIFY2(log->table()->viewport()->height() >= 3 * 22, qPrintable(QString::number(log->table()->viewport()->height())));

    // The status bar's lines end inside the window.
    for (QWidget *item : window.statusBar()->findChildren<QWidget *>(Qt::FindDirectChildrenOnly))
        if (item->isVisible())
            QVERIFY2(inside.contains(areaIn(window, item)), qPrintable(item->objectName()));

    // The counters column: hidden at this width (the charts come first), one View action away.
    auto *counters = window.findChild<QScrollArea *>(QStringLiteral("countersColumn"));
    QVERIFY(!window.isCountersColumnVisible());
    QAction *show = menuAction(window, QStringLiteral("Counters column"));
    QVERIFY(show && show->isCheckable() && !show->isChecked());
    show->trigger();
    QVERIFY(counters->isVisible());
    QCoreApplication::sendPostedEvents(); // the layout request
    QCOMPARE(window.size(), firstWindowSize({1560, 960}, window.screen()->availableGeometry())); // the window did not grow
    QVERIFY(inside.contains(areaIn(window, counters)));
    QVERIFY2(counters->width() >= 150, qPrintable(QString::number(counters->width())));
    for (QCustomPlot *plot : charts->plots())
        QVERIFY(inside.contains(areaIn(window, plot)));
}

void TestWindowFit::aWideWindowShowsEveryColumn()
{
    PoolSession session;
    MainWindow window(session);
    window.resize(1560, 960); // a big screen's first size
    QVERIFY(showSettled(window));
    window.setCountersColumnVisible(true);
    QVERIFY(window.isCountersColumnVisible());
    QCoreApplication::sendPostedEvents();
    auto *counters = window.findChild<QScrollArea *>(QStringLiteral("countersColumn"));
    // Wide enough that nothing in the counters column needs a horizontal scroll bar.
    QVERIFY2(counters->width() >= window.findChild<CountersPanel *>()->minimumSizeHint().width(),
             qPrintable(QString::number(counters->width())));
}

void TestWindowFit::layoutSurvivesARestart()
{
    PoolSession session;
    QByteArray saved;
    QList<int> columns, details;
    {
        MainWindow window(session);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.setCountersColumnVisible(true);
        auto *splitter = window.findChild<QSplitter *>(QStringLiteral("columnsSplitter"));
        QList<int> sizes = splitter->sizes();
        sizes[0] += 30;
        sizes[1] -= 30;
        splitter->setSizes(sizes);
        QCoreApplication::sendPostedEvents();
        columns = splitter->sizes();
        QSplitter *detailSplitter = window.findChild<ExceptionLogView *>()->splitter();
        QList<int> detailSizes = detailSplitter->sizes();
        detailSizes[0] -= 40;
        detailSizes[1] += 40;
        detailSplitter->setSizes(detailSizes);
        details = detailSplitter->sizes();
        saved = window.saveLayout();
    }
    MainWindow window(session);
    QVERIFY(showSettled(window));
    QVERIFY(!window.isCountersColumnVisible()); // the small screen's default
    QVERIFY(window.restoreLayout(saved));
    QVERIFY(window.isCountersColumnVisible());
    QCoreApplication::sendPostedEvents();
    QCOMPARE(window.findChild<QSplitter *>(QStringLiteral("columnsSplitter"))->sizes(), columns);
    QCOMPARE(window.findChild<ExceptionLogView *>()->splitter()->sizes(), details);
}

void TestWindowFit::aForeignLayoutIsIgnored()
{
    PoolSession session;
    MainWindow window(session);
    const QList<int> before = window.findChild<QSplitter *>(QStringLiteral("columnsSplitter"))->sizes();
    QVERIFY(!window.restoreLayout(QByteArrayLiteral("not a layout")));
    QVERIFY(!window.restoreLayout({}));
    QCOMPARE(window.findChild<QSplitter *>(QStringLiteral("columnsSplitter"))->sizes(), before);
}

// The offscreen platform with one 1024 x 700 screen (its default is 800 x 600).
int main(int argc, char **argv)
{
    QTemporaryDir folder;
    const QString config = folder.filePath(QStringLiteral("screens.json"));
    QFile file(config);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QStringLiteral(R"({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": %1, "height": %2,
                                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]})")
                       .arg(SmallScreen.width())
                       .arg(SmallScreen.height())
                       .toUtf8()) < 0)
        return 2;
    file.close();
    qputenv("QT_QPA_PLATFORM", QByteArray("offscreen:configfile=") + QFile::encodeName(config));
    QApplication app(argc, argv);
    TestWindowFit test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_windowfit.moc"
