// The sweep grid's syntax: good grids parse to the points they promise, bad ones are refused
// with a message naming the bad part, and a grid's text parses back to the same grid.

#include "sweepgrid.h"

#include <QtTest>

using namespace poolscope;

using Values = std::vector<unsigned>;
Q_DECLARE_METATYPE(Values)

class TestSweepGrid : public QObject {
    Q_OBJECT

private slots:
    void parsesGoodGrids_data();
    void parsesGoodGrids();
    void refusesBadGridsNamingThePart_data();
    void refusesBadGridsNamingThePart();
    void textParsesBackToTheSameGrid();
    void aRefusedGridLeavesTheOldOneAlone();
};

void TestSweepGrid::parsesGoodGrids_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Values>("workers");
    QTest::addColumn<Values>("concurrency");
    // Defaults for the axes a grid leaves out: 6 workers, limit 3.
    QTest::newRow("issue example") << "workers=1..32,concurrency=0,2,4" << Values{1, 2, 4, 8, 16, 32} << Values{0, 2, 4};
    QTest::newRow("doubling ends at the bound") << "workers=3..20" << Values{3, 6, 12, 20} << Values{3};
    QTest::newRow("doubling from 0") << "concurrency=0..8" << Values{6} << Values{0, 1, 2, 4, 8};
    QTest::newRow("a range of one") << "workers=5..5" << Values{5} << Values{3};
    QTest::newRow("a step") << "workers=2..8:2" << Values{2, 4, 6, 8} << Values{3};
    QTest::newRow("a step past the bound") << "workers=1..10:4" << Values{1, 5, 9} << Values{3};
    QTest::newRow("items mixed, sorted, deduplicated") << "workers=16,1..4,3,2" << Values{1, 2, 3, 4, 16} << Values{3};
    QTest::newRow("axes in any order, spaces") << " concurrency = 2 , workers = 1 , 8 " << Values{1, 8} << Values{2};
    QTest::newRow("neither axis: the configured size") << "workers=6" << Values{6} << Values{3};
    QTest::newRow("the bounds") << "workers=1024,concurrency=0,1024" << Values{1024} << Values{0, 1024};
}

void TestSweepGrid::parsesGoodGrids()
{
    QFETCH(QString, text);
    QFETCH(Values, workers);
    QFETCH(Values, concurrency);
    SweepGrid grid;
    std::string error;
    QVERIFY2(parseSweepGrid(text.toStdString(), 6, 3, grid, error), error.c_str());
    QCOMPARE(grid.workers, workers);
    QCOMPARE(grid.concurrency, concurrency);
    QCOMPARE(grid.pointCount(), workers.size() * concurrency.size());
}

void TestSweepGrid::refusesBadGridsNamingThePart_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // a part of the message
    QTest::newRow("empty") << "  " << "empty";
    QTest::newRow("unknown axis") << "threads=4" << "unknown axis 'threads'";
    QTest::newRow("axis twice") << "workers=1,workers=2" << "'workers' is given twice";
    QTest::newRow("value before an axis") << "4,workers=2" << "'4' comes before any";
    QTest::newRow("empty value") << "workers=" << "'workers=' has an empty value";
    QTest::newRow("trailing comma") << "workers=1,2," << "'workers=' has an empty value";
    QTest::newRow("two commas") << "workers=1,,2" << "'workers=' has an empty value";
    QTest::newRow("not a number") << "workers=1..x" << "'workers=1..x': 'x' is not a whole number";
    QTest::newRow("negative") << "workers=-1" << "'-1' is not a whole number";
    QTest::newRow("fraction") << "workers=1.5" << "'1.5' is not a whole number";
    QTest::newRow("missing bound") << "workers=1.." << "'workers=1..': a number is missing";
    QTest::newRow("zero workers") << "workers=0,4" << "workers must be 1..1024 (got 0)";
    QTest::newRow("too many workers") << "workers=2000" << "workers must be 1..1024 (got 2000)";
    QTest::newRow("huge number") << "concurrency=99999999999999999999" << "is not a whole number";
    QTest::newRow("limit out of range") << "concurrency=0..2048" << "concurrency must be 0..1024 (got 2048)";
    QTest::newRow("backwards") << "workers=8..2" << "'workers=8..2': the range runs backwards";
    QTest::newRow("zero step") << "workers=1..8:0" << "the step '0' must be a whole number of at least 1";
    QTest::newRow("bad step") << "workers=1..8:z" << "the step 'z'";
    QTest::newRow("too many points") << "workers=1..1024:1,concurrency=0,1" << "2048 points, at most 1024";
}

void TestSweepGrid::refusesBadGridsNamingThePart()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    SweepGrid grid;
    std::string error;
    QVERIFY(!parseSweepGrid(text.toStdString(), 6, 3, grid, error));
    QVERIFY2(QString::fromStdString(error).contains(expected), error.c_str());
    QVERIFY2(error.starts_with("sweep grid: "), error.c_str());
}

void TestSweepGrid::textParsesBackToTheSameGrid()
{
    SweepGrid grid;
    std::string error;
    QVERIFY(parseSweepGrid("workers=1..32,concurrency=0..4:2", 2, 0, grid, error));
    QCOMPARE(grid.text(), std::string("workers=1,2,4,8,16,32,concurrency=0,2,4"));
    SweepGrid again;
    QVERIFY2(parseSweepGrid(grid.text(), 7, 7, again, error), error.c_str());
    QCOMPARE(again, grid);
}

void TestSweepGrid::aRefusedGridLeavesTheOldOneAlone()
{
    SweepGrid grid{{1, 2}, {0}};
    std::string error;
    QVERIFY(!parseSweepGrid("workers=1,banana", 2, 0, grid, error));
    QCOMPARE(grid, (SweepGrid{{1, 2}, {0}}));
    // A configured pool of 0 workers gives no default worker count to sweep.
    QVERIFY(!parseSweepGrid("concurrency=2", 0, 0, grid, error));
    QVERIFY2(QString::fromStdString(error).contains("give workers="), error.c_str());
}

QTEST_GUILESS_MAIN(TestSweepGrid)
#include "tst_sweepgrid.moc"
