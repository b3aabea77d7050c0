// One formatter for every number with a unit: compact counts, rates, durations, thread
// averages, run time and wall clock; and the key tiles that show them.

#include "keytiles.h"
#include "unitformat.h"

#include <QtTest>

using namespace poolscope;

class TestUnitFormat : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }
    void counts_data();
    void counts();
    void durations_data();
    void durations();
    void runTimes_data();
    void runTimes();
    void threadsAndPercent();
    void tilesShowTheLatestSample();
    void threadsTileWarnsAboveTheLimit();
};

void TestUnitFormat::counts_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << 0.0 << "0";
    QTest::newRow("small whole") << 7.0 << "7";
    QTest::newRow("small fraction") << 2.4 << "2.4";
    QTest::newRow("below a thousand") << 950.0 << "950";
    QTest::newRow("rounds into k") << 999.7 << "1.00 k";
    QTest::newRow("thousands") << 9050.0 << "9.05 k";
    QTest::newRow("tens of thousands") << 20000.0 << "20.0 k";
    QTest::newRow("hundreds of thousands") << 750000.0 << "750 k";
    QTest::newRow("a million") << 1e6 << "1.00 M";
    QTest::newRow("just under a million") << 999'900.0 << "1.00 M";
    QTest::newRow("billions") << 2.5e9 << "2.50 G";
    QTest::newRow("negative") << -1500.0 << "-1.50 k";
}

void TestUnitFormat::counts()
{
    QFETCH(double, value);
    QFETCH(QString, text);
    QCOMPARE(unitformat::count(value), text);
    QCOMPARE(unitformat::rate(value), text + "/s");
}

void TestUnitFormat::durations_data()
{
    QTest::addColumn<double>("nanoseconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("ns") << 850.0 << "850 ns";
    QTest::newRow("µs") << 12'300.0 << "12.3 µs";
    QTest::newRow("ms") << 4.56e6 << "4.56 ms";
    QTest::newRow("s") << 1.234e9 << "1.23 s";
    QTest::newRow("tens of s") << 42e9 << "42.0 s";
    QTest::newRow("minutes") << 95e9 << "1 min 35 s";
    QTest::newRow("10^8 µs") << 1e11 << "1 min 40 s";
    QTest::newRow("hours") << 3.0 * 3600e9 + 120e9 << "3 h 2 min";
}

void TestUnitFormat::durations()
{
    QFETCH(double, nanoseconds);
    QFETCH(QString, text);
    QCOMPARE(unitformat::durationNs(nanoseconds), text);
}

void TestUnitFormat::runTimes_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("start") << 0.0 << "0s";
    QTest::newRow("seconds") << 5.0 << "5s";
    QTest::newRow("minutes") << 90.0 << "1m30s";
    QTest::newRow("not a clock") << 530.0 << "8m50s";
    QTest::newRow("hours") << 3725.0 << "1h02m05s";
}

void TestUnitFormat::runTimes()
{
    QFETCH(double, seconds);
    QFETCH(QString, text);
    QCOMPARE(unitformat::runTime(seconds), text);
}

void TestUnitFormat::threadsAndPercent()
{
    QCOMPARE(unitformat::threads(3.0), QString("3"));
    QCOMPARE(unitformat::threads(2.43), QString("2.4"));
    QCOMPARE(unitformat::threads(1.98), QString("2"));
    QCOMPARE(unitformat::percent(57.25), QString("57 %"));
    QCOMPARE(unitformat::exactCount(1'000'000), QString("1,000,000"));
    QCOMPARE(unitformat::wallClock(QDateTime(QDate(2026, 11, 27), QTime(10, 42, 13, 250)).toMSecsSinceEpoch()),
             QString("10:42:13.250"));
}

namespace {
Sample sampleAt(double seconds)
{
    Sample s;
    s.pool.timestampNs = static_cast<std::uint64_t>((100 + seconds) * 1e9);
    s.pool.queued = 12'345;
    s.pool.peakQueued = 80'000;
    s.pool.liveWorkers = 8;
    s.pool.concurrency = 4;
    s.pool.peakRunning = 5;
    s.pool.runningNs = 1; // a timed pool: the tile shows the averages
    s.averageRunning = 2.43;
    s.averageBlocked = 1;
    s.completionsPerSecond = 9050;
    return s;
}
} // namespace

void TestUnitFormat::tilesShowTheLatestSample()
{
    KeyTiles tiles;
    std::vector<Sample> samples{sampleAt(0), sampleAt(0.05)};
    samples.front().completionsPerSecond = 20'000; // the minute's peak
    samples.front().failuresPerSecond = 3;
    tiles.appendSamples(samples);
    QCOMPARE(tiles.tile(KeyTiles::QueueDepth)->valueText(), QString("12.3 k"));
    QCOMPARE(tiles.tile(KeyTiles::QueueDepth)->detailText(), QString("peak 80.0 k"));
    QCOMPARE(tiles.tile(KeyTiles::Threads)->valueText(), QString("2.4 / 8"));
    QVERIFY(tiles.tile(KeyTiles::Threads)->detailText().startsWith("limit 4"));
    QCOMPARE(tiles.tile(KeyTiles::Completions)->valueText(), QString("9.05 k/s"));
    QCOMPARE(tiles.tile(KeyTiles::Completions)->detailText(), QString("peak 20.0 k/s (1 min)"));
    QCOMPARE(tiles.tile(KeyTiles::Failures)->valueText(), QString("0/s"));
    QCOMPARE(tiles.tile(KeyTiles::Failures)->detailText(), QString("peak 3/s (1 min)"));

    // A minute and more later the old peak has dropped out.
    tiles.appendSamples({sampleAt(70)});
    QCOMPARE(tiles.tile(KeyTiles::Completions)->detailText(), QString("peak 9.05 k/s (1 min)"));

    tiles.startNewRun();
    QCOMPARE(tiles.tile(KeyTiles::Completions)->valueText(), QString("–"));
}

void TestUnitFormat::threadsTileWarnsAboveTheLimit()
{
    KeyTiles tiles;
    tiles.resize(900, tiles.sizeHint().height());
    tiles.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tiles));
    Sample s = sampleAt(0);
    s.averageRunning = 5.5; // units left their BlockingScope: more than the limit of 4 run
    tiles.appendSamples({s});
    QCOMPARE(tiles.tile(KeyTiles::Threads)->valueText(), QString("5.5 / 8"));
    const QImage picture = tiles.tile(KeyTiles::Threads)->grab().toImage();
    int reddish = 0;
    for (int y = 0; y < picture.height(); ++y)
        for (int x = 0; x < picture.width(); ++x) {
            const QColor c = picture.pixelColor(x, y);
            reddish += c.red() > c.green() + 10 && c.red() > c.blue() + 10;
        }
    QVERIFY2(reddish > 200, qPrintable(QString::number(reddish))); // a pink tile, a red number
}

QTEST_MAIN(TestUnitFormat)
#include "tst_unitformat.moc"
