// The knee rule on synthetic sweep results: the smallest size within 5 % of the best
// throughput whose queue wait p99 meets the target, and a sentence that says why.

#include "kneerule.h"

#include <QtTest>

using namespace poolscope;
using namespace std::chrono_literals;

namespace {

struct Row {
    unsigned workers, concurrency;
    double rate;
    std::uint64_t waitP99Us;
};

std::vector<SweepFigures> figures(std::initializer_list<Row> rows)
{
    std::vector<SweepFigures> out;
    for (const Row &row : rows) {
        SweepFigures f;
        f.workers = row.workers;
        f.concurrency = row.concurrency;
        f.completionsPerSecond = row.rate;
        f.queueWait.p99 = row.waitP99Us * 1000;
        out.push_back(f);
    }
    return out;
}

KneeRule rule(std::chrono::nanoseconds target, unsigned processors = 2)
{
    KneeRule r;
    r.waitTarget = target;
    r.processors = processors;
    return r;
}

} // namespace

using Figures = std::vector<SweepFigures>;
Q_DECLARE_METATYPE(Figures)

class TestKneeRule : public QObject {
    Q_OBJECT

private slots:
    void picksTheKnee_data();
    void picksTheKnee();
    void explainsTheKneeInOneSentence();
    void explainsWhyThereIsNone();
    void formatsFiguresForPeople();
};

void TestKneeRule::picksTheKnee_data()
{
    QTest::addColumn<Figures>("points");
    QTest::addColumn<qint64>("targetUs");
    QTest::addColumn<int>("expected"); // index, -1 for none

    QTest::newRow("throughput saturates: the first size within 5 %")
        << figures({{1, 0, 10'000, 50}, {2, 0, 19'000, 40}, {4, 0, 38'500, 30}, {8, 0, 40'000, 20}, {16, 0, 39'800, 20}})
        << qint64(1000) << 2;
    QTest::newRow("exactly 95 % counts")
        << figures({{1, 0, 95, 1}, {2, 0, 100, 1}}) << qint64(1000) << 0;
    QTest::newRow("just under 95 % does not")
        << figures({{1, 0, 94.99, 1}, {2, 0, 100, 1}}) << qint64(1000) << 1;
    QTest::newRow("the wait target rules out the small ones")
        << figures({{2, 0, 99, 5000}, {4, 0, 98, 3000}, {8, 0, 100, 800}}) << qint64(1000) << 2;
    QTest::newRow("a p99 equal to the target meets it")
        << figures({{2, 0, 99, 1000}, {4, 0, 100, 10}}) << qint64(1000) << 0;
    QTest::newRow("slow but fast-waiting sizes do not count")
        << figures({{1, 0, 50, 1}, {8, 0, 100, 10'000}}) << qint64(1000) << -1;
    QTest::newRow("equal workers: the lower limit, 0 counting as 2 processors")
        << figures({{4, 4, 100, 10}, {4, 0, 99, 10}, {4, 3, 100, 10}}) << qint64(1000) << 1;
    QTest::newRow("order of the input does not matter")
        << figures({{16, 0, 100, 10}, {4, 0, 97, 10}, {8, 0, 99, 10}}) << qint64(1000) << 1;
    QTest::newRow("nothing completed") << figures({{1, 0, 0, 0}, {2, 0, 0, 0}}) << qint64(1000) << -1;
    QTest::newRow("no points") << figures({}) << qint64(1000) << -1;
}

void TestKneeRule::picksTheKnee()
{
    QFETCH(Figures, points);
    QFETCH(qint64, targetUs);
    QFETCH(int, expected);
    const Knee knee = findKnee(points, rule(std::chrono::microseconds(targetUs)));
    QCOMPARE(knee.index.has_value(), expected >= 0);
    if (expected >= 0)
        QCOMPARE(*knee.index, std::size_t(expected));
    QVERIFY(!knee.explanation.empty());
}

void TestKneeRule::explainsTheKneeInOneSentence()
{
    const Knee knee = findKnee(figures({{2, 0, 20'000, 500}, {4, 2, 41'200, 3100}, {16, 4, 43'000, 900}}), rule(10ms));
    QCOMPARE(knee.index, std::optional<std::size_t>(1));
    QCOMPARE(knee.explanation,
             std::string("Knee at 4 workers, limit 2: the smallest size within 5 % of the best throughput (41.2k/s against "
                         "43.0k/s at 16 workers, limit 4) whose queue wait p99 (3.10 ms) meets the 10.00 ms target."));
}

void TestKneeRule::explainsWhyThereIsNone()
{
    const Knee knee = findKnee(figures({{1, 0, 10'000, 1}, {8, 0, 43'000, 23'000}, {32, 0, 42'000, 15'000}}), rule(10ms));
    QVERIFY(!knee.index);
    QCOMPARE(knee.explanation,
             std::string("No size within 5 % of the best throughput (43.0k/s at 8 workers, limit 0 (= 2 processors)) keeps the "
                         "queue wait p99 within 10.00 ms: the lowest among them is 15.00 ms at 32 workers, limit 0 (= 2 processors)."));
    QCOMPARE(findKnee({}, rule(10ms)).explanation, std::string("No size was measured: there is no knee."));
    QVERIFY(findKnee(figures({{1, 0, 0, 0}}), rule(10ms)).explanation.find("completed any unit") != std::string::npos);
}

void TestKneeRule::formatsFiguresForPeople()
{
    QCOMPARE(formatRate(950), std::string("950/s"));
    QCOMPARE(formatRate(41'200), std::string("41.2k/s"));
    QCOMPARE(formatRate(1'250'000), std::string("1.25M/s"));
    QCOMPARE(formatNanoseconds(850), std::string("850 ns"));
    QCOMPARE(formatNanoseconds(12'500), std::string("12.5 µs"));
    QCOMPARE(formatNanoseconds(1.5e9), std::string("1.50 s"));
    QCOMPARE(describeSize(1, 1, 2), std::string("1 worker, limit 1"));
    QCOMPARE(describeSize(8, 0, 1), std::string("8 workers, limit 0 (= 1 processor)"));
}

QTEST_GUILESS_MAIN(TestKneeRule)
#include "tst_kneerule.moc"
