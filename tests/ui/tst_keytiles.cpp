// The Threads tile against the concurrency limit: running above the limit while units block
// is what the port does by design (a unit back from a BlockingScope runs beside the one
// released in its place), so the tile stays calm and says why; it turns red only when
// blocking cannot explain the excess. Shown at the width the tiles get in a 1024 px window.

#include "keytiles.h"

#include <QtTest>

using namespace poolscope;

namespace {

// One timed sample of a pool of 8 threads at the given limit.
Sample threadsSample(double seconds, double running, double blocked, std::uint32_t limit)
{
    Sample s;
    s.pool.timestampNs = static_cast<std::uint64_t>((100 + seconds) * 1e9);
    s.pool.liveWorkers = s.pool.targetWorkers = 8;
    s.pool.concurrency = limit;
    s.pool.runningNs = 1; // a timed pool: the tile judges the averages
    s.averageRunning = running;
    s.averageBlocked = blocked;
    s.averageIdle = 8 - running - blocked;
    return s;
}

// Pixels of the tile that are clearly red (the alarm's pink fill and red number).
int reddishPixels(QWidget *tile)
{
    const QImage picture = tile->grab().toImage();
    int reddish = 0;
    for (int y = 0; y < picture.height(); ++y)
        for (int x = 0; x < picture.width(); ++x) {
            const QColor c = picture.pixelColor(x, y);
            reddish += c.red() > c.green() + 10 && c.red() > c.blue() + 10;
        }
    return reddish;
}

} // namespace

class TestKeyTiles : public QObject {
    Q_OBJECT

private slots:
    void judgeRunning_data();
    void judgeRunning();
    void threadsTileIsRedOnlyWhenBlockingCannotExplainIt();
    void instantCountsAreJudgedWithoutTiming();
};

void TestKeyTiles::judgeRunning_data()
{
    QTest::addColumn<double>("running");
    QTest::addColumn<double>("blocked");
    QTest::addColumn<std::uint32_t>("limit");
    QTest::addColumn<bool>("broken");
    QTest::addColumn<QString>("why");
    QTest::newRow("under the limit") << 1.9 << 0.0 << 2u << false << QString();
    QTest::newRow("at the limit") << 2.0 << 0.0 << 2u << false << QString();
    QTest::newRow("rounding slack") << 2.04 << 0.0 << 2u << false << QString();
    QTest::newRow("above, nothing blocked") << 2.6 << 0.0 << 2u << true << "by more than the 0 blocked";
    QTest::newRow("above, blocking explains it") << 2.6 << 0.8 << 2u << false << "which blocking explains";
    QTest::newRow("above, blocking explains exactly") << 3.0 << 1.0 << 2u << false << "which blocking explains";
    QTest::newRow("above by more than blocked") << 3.5 << 1.0 << 2u << true << "running - blocked = 2.5";
    QTest::newRow("no limit known") << 4.0 << 0.0 << 0u << false << QString();
}

void TestKeyTiles::judgeRunning()
{
    QFETCH(double, running);
    QFETCH(double, blocked);
    QFETCH(std::uint32_t, limit);
    QFETCH(bool, broken);
    QFETCH(QString, why);
    const KeyTiles::LimitVerdict verdict = KeyTiles::judgeRunning(running, blocked, limit);
    QCOMPARE(verdict.broken, broken);
    if (why.isEmpty())
        QVERIFY2(verdict.why.isEmpty(), qPrintable(verdict.why));
    else
        QVERIFY2(verdict.why.contains(why), qPrintable(verdict.why));
}

void TestKeyTiles::threadsTileIsRedOnlyWhenBlockingCannotExplainIt()
{
    QWidget window;
    window.resize(1024, 700);
    KeyTiles tiles(&window);
    tiles.setGeometry(0, 0, 700, tiles.sizeHint().height()); // the charts' column of a 1024 px window
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    KeyTile *threads = tiles.tile(KeyTiles::Threads);
    const QString calmTip = threads->toolTip();

    // Limit 2, units blocking a third of the time: 2.6 run on average, 0.9 blocked.
    tiles.appendSamples({threadsSample(0, 2.6, 0.9, 2)});
    QCOMPARE(threads->valueText(), QStringLiteral("2.6 / 8"));
    QVERIFY(!threads->isAlarming());
    QVERIFY2(reddishPixels(threads) < 40, qPrintable(QString::number(reddishPixels(threads))));
    QVERIFY2(threads->toolTip().contains(QStringLiteral("which blocking explains")), qPrintable(threads->toolTip()));

    // Nothing blocks and 3.2 run against a limit of 2: the port broke its promise.
    tiles.appendSamples({threadsSample(0.05, 3.2, 0.1, 2)});
    QVERIFY(threads->isAlarming());
    QVERIFY2(reddishPixels(threads) > 200, qPrintable(QString::number(reddishPixels(threads))));
    QVERIFY2(threads->toolTip().contains(QStringLiteral("the port ran more threads than its limit")),
             qPrintable(threads->toolTip()));

    // Back under the limit: calm, and the tooltip without a reason.
    tiles.appendSamples({threadsSample(0.1, 1.5, 0.2, 2)});
    QVERIFY(!threads->isAlarming());
    QCOMPARE(threads->toolTip(), calmTip);
}

void TestKeyTiles::instantCountsAreJudgedWithoutTiming()
{
    KeyTiles tiles;
    Sample s = threadsSample(0, 0, 0, 2);
    s.pool.runningNs = 0; // untimed: the instantaneous counts stand in for the averages
    s.pool.runningWorkers = 3;
    s.pool.blockedWorkers = 2;
    tiles.appendSamples({s});
    QVERIFY(!tiles.tile(KeyTiles::Threads)->isAlarming()); // 3 - 2 = 1 <= 2
    s.pool.blockedWorkers = 0;
    tiles.appendSamples({s});
    QVERIFY(tiles.tile(KeyTiles::Threads)->isAlarming());
}

QTEST_MAIN(TestKeyTiles)
#include "tst_keytiles.moc"
