// The auto-sizer: on a synthetic pool whose best size is known it converges within a stated
// number of moves and then holds (no move at all for ten minutes of steady load); a load
// change moves it within a stated time; floor and ceiling hold; a hand on the worker count
// restarts it; and on the real pool, with units that block 75 % of their time, it ends well
// above the CPU count, near the 4x that such units need.

#include "autosizer.h"
#include "poolsession.h"
#include "textformat.h"

#include <QtTest>

#include <algorithm>
#include <random>
#include <thread>

using namespace poolscope;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t TickNs = 50'000'000; // 20 samples a second, as the app samples

// A pool as a formula: a unit needs `cpuMs` of a processor and then waits `blockMs`; with n
// workers the pool completes min(n / (cpu + block), cpus / cpu) units a second, less 2 % per
// worker beyond the best (contention), so that the best size is one number:
// ceil(cpus * (cpu + block) / cpu). The offered load is a rate, or 0 for as fast as
// possible (a queue that is always full: its wait is far over any target). Throughput has a
// deterministic +-2 % noise.
struct SyntheticPool {
    double cpus = 2, cpuMs = 0.25, blockMs = 0.75;
    double offered = 0; // units/s; 0: as fast as possible
    unsigned workers = 2;
    std::uint64_t now = 0, completed = 0, posted = 0;
    std::mt19937 random{42};

    unsigned bestSize() const { return static_cast<unsigned>(std::ceil(cpus * (cpuMs + blockMs) / cpuMs - 1e-9)); }
    double capacity(unsigned n) const
    {
        const double raw = std::min(n * 1000.0 / (cpuMs + blockMs), cpus * 1000.0 / cpuMs);
        const double beyond = n > bestSize() ? n - bestSize() : 0;
        return raw * std::max(0.1, 1 - 0.02 * beyond);
    }

    Sample next()
    {
        std::uniform_real_distribution<double> noise(-0.02, 0.02);
        const double cap = capacity(workers);
        const double rate = (offered > 0 ? std::min(offered, cap) : cap) * (1 + noise(random));
        const auto done = static_cast<std::uint64_t>(rate * static_cast<double>(TickNs) / 1e9);
        now += TickNs;
        completed += done;
        posted += done;
        Sample s;
        s.pool.timestampNs = now;
        s.pool.completed = completed;
        s.pool.posted = posted;
        s.pool.targetWorkers = s.pool.liveWorkers = workers;
        s.completionsPerSecond = rate;
        s.queueWait.count = done;
        // Saturated: a full queue waits seconds. Below it, the wait grows as utilisation nears 1.
        const double utilisation = offered > 0 ? offered / cap : 1;
        s.queueWait.p99 = utilisation >= 0.97 ? 5'000'000'000ull
                                              : static_cast<std::uint64_t>(1e6 / (1 - utilisation));
        s.pool.queued = utilisation >= 0.97 ? 10'000 : 0;
        return s;
    }
};

struct Run {
    std::vector<AutoSizeDecision> decisions;
    std::size_t moves = 0;
    std::uint64_t lastMoveNs = 0;
};

// Feeds `seconds` of samples and applies each decision at once, as the session does.
void drive(AutoSizer &sizer, SyntheticPool &pool, double seconds, Run &run)
{
    const auto ticks = static_cast<int>(seconds * 1e9 / TickNs);
    for (int i = 0; i < ticks; ++i) {
        if (std::optional<AutoSizeDecision> d = sizer.observe(pool.next())) {
            if (d->to != d->from) {
                ++run.moves;
                run.lastMoveNs = d->timestampNs;
                pool.workers = d->to;
            }
            run.decisions.push_back(*d);
        }
    }
}

QString describe(const std::vector<AutoSizeDecision> &decisions)
{
    QString text;
    for (const AutoSizeDecision &d : decisions)
        text += QStringLiteral("\n  %1 s %2: %3").arg(static_cast<double>(d.timestampNs) / 1e9, 0, 'f', 1).arg(QString::fromStdString(std::string(nameOf(d.action))), QString::fromStdString(d.reason));
    return text;
}

} // namespace

class TestAutoSizer : public QObject {
    Q_OBJECT

private slots:
    void convergesOnTheBestSizeAndHolds_data();
    void convergesOnTheBestSizeAndHolds();
    void loadChangeMovesIt();
    void staysWithinFloorAndCeiling();
    void handOnTheWorkerCountRestartsIt();
    void reasonsNameTheThroughput();
    void badOptionsAreRefused();
    void realPoolWithBlockingUnitsEndsNearFourTimesTheCpus();
};

// Bound: each step is a warm-up and a window (2.5 s at the defaults); the climb doubles its
// step, so from any start within 1..64 it needs at most 16 moves and 60 s of samples.
void TestAutoSizer::convergesOnTheBestSizeAndHolds_data()
{
    QTest::addColumn<double>("cpus");
    QTest::addColumn<double>("blockMs");
    QTest::addColumn<double>("offered");
    QTest::addColumn<unsigned>("start");
    QTest::addColumn<unsigned>("best");

    QTest::newRow("75 % blocking, 2 cpus, from 2") << 2.0 << 0.75 << 0.0 << 2u << 8u;
    QTest::newRow("75 % blocking, 2 cpus, from 1") << 2.0 << 0.75 << 0.0 << 1u << 8u;
    QTest::newRow("75 % blocking, 2 cpus, from 40") << 2.0 << 0.75 << 0.0 << 40u << 8u;
    QTest::newRow("75 % blocking, 4 cpus, from 2") << 4.0 << 0.75 << 0.0 << 2u << 16u;
    QTest::newRow("cpu-bound, 2 cpus, from 16") << 2.0 << 0.0 << 0.0 << 16u << 2u;
    // A steady 3,000/s that 3 workers barely carry: 4 meet the 50 ms wait target.
    QTest::newRow("steady rate, from 16") << 8.0 << 0.75 << 3000.0 << 16u << 4u;
    QTest::newRow("steady rate, from 1") << 8.0 << 0.75 << 3000.0 << 1u << 4u;
}

void TestAutoSizer::convergesOnTheBestSizeAndHolds()
{
    QFETCH(double, cpus);
    QFETCH(double, blockMs);
    QFETCH(double, offered);
    QFETCH(unsigned, start);
    QFETCH(unsigned, best);

    SyntheticPool pool;
    pool.cpus = cpus;
    pool.blockMs = blockMs;
    pool.offered = offered;
    pool.workers = start;
    AutoSizer sizer;
    Run run;
    drive(sizer, pool, 60, run);
    QVERIFY2(sizer.phase() == AutoSizer::Phase::Settled, qPrintable(describe(run.decisions)));
    qInfo("settled at %u (best %u) after %zu moves, %.1f s of samples", pool.workers, best, run.moves,
          static_cast<double>(run.lastMoveNs) / 1e9);
    QVERIFY2(run.moves <= 16, qPrintable(describe(run.decisions)));
    QVERIFY2(pool.workers + 1 >= best && pool.workers <= best + 1,
             qPrintable(QStringLiteral("settled at %1, best %2:").arg(pool.workers).arg(best) + describe(run.decisions)));

    // Holds: ten more minutes of the same load, not one decision.
    const std::size_t before = run.decisions.size();
    const unsigned settledAt = pool.workers;
    drive(sizer, pool, 600, run);
    QVERIFY2(run.decisions.size() == before, qPrintable(describe(run.decisions)));
    QCOMPARE(pool.workers, settledAt);
}

// Stated reaction: a load change while settled is noticed within three windows (6 s) and
// the first move comes with it; the new best is reached within 60 s.
void TestAutoSizer::loadChangeMovesIt()
{
    SyntheticPool pool;
    pool.workers = 2;
    AutoSizer sizer;
    Run run;
    drive(sizer, pool, 60, run);
    QCOMPARE(sizer.phase(), AutoSizer::Phase::Settled);
    QVERIFY(pool.workers >= 7 && pool.workers <= 9);

    // Units now spin as long as they block: 2 cpus need 4 workers.
    pool.cpuMs = 0.5;
    pool.blockMs = 0.5;
    const std::uint64_t changedAt = pool.now;
    const std::size_t before = run.decisions.size();
    drive(sizer, pool, 60, run);
    QVERIFY2(run.decisions.size() > before, qPrintable(describe(run.decisions)));
    const AutoSizeDecision &first = run.decisions[before];
    QCOMPARE(first.action, AutoSizeAction::Reset);
    QVERIFY2(first.to != first.from, qPrintable(describe(run.decisions)));
    QVERIFY2(first.timestampNs - changedAt <= 6'000'000'000ull + TickNs, qPrintable(describe(run.decisions)));
    QCOMPARE(sizer.phase(), AutoSizer::Phase::Settled);
    QVERIFY2(pool.workers >= 3 && pool.workers <= 5, qPrintable(describe(run.decisions)));
}

void TestAutoSizer::staysWithinFloorAndCeiling()
{
    SyntheticPool pool;
    pool.workers = 2;
    AutoSizer sizer({.floor = 3, .ceiling = 6});
    Run run;
    drive(sizer, pool, 60, run);
    // The first sample is under the floor: the first decision lifts it.
    QVERIFY(!run.decisions.empty());
    QCOMPARE(run.decisions.front().to, 3u);
    for (const AutoSizeDecision &d : run.decisions)
        QVERIFY2(d.to >= 3 && d.to <= 6, qPrintable(describe(run.decisions)));
    QCOMPARE(pool.workers, 6u); // the best (8) is past the ceiling
    QCOMPARE(sizer.phase(), AutoSizer::Phase::Settled);
}

void TestAutoSizer::handOnTheWorkerCountRestartsIt()
{
    SyntheticPool pool;
    pool.workers = 2;
    AutoSizer sizer;
    Run run;
    drive(sizer, pool, 60, run);
    QCOMPARE(sizer.phase(), AutoSizer::Phase::Settled);

    pool.workers = 20; // the user moved the slider
    const std::size_t before = run.decisions.size();
    drive(sizer, pool, 1, run);
    QVERIFY(run.decisions.size() > before);
    QCOMPARE(run.decisions[before].action, AutoSizeAction::Reset);
    QCOMPARE(run.decisions[before].to, 20u);
    QCOMPARE(sizer.workers(), 20u);
    drive(sizer, pool, 60, run);
    QVERIFY2(pool.workers >= 7 && pool.workers <= 9, qPrintable(describe(run.decisions)));
}

void TestAutoSizer::reasonsNameTheThroughput()
{
    SyntheticPool pool;
    pool.workers = 2;
    AutoSizer sizer;
    Run run;
    drive(sizer, pool, 60, run);
    QVERIFY(run.decisions.size() >= 3);
    // The first probe says where it starts; the second one what the first move earned.
    QVERIFY2(QString::fromStdString(run.decisions[0].reason).startsWith(QStringLiteral("+1 worker (2 -> 3): probing up from")),
             run.decisions[0].reason.c_str());
    QVERIFY2(QString::fromStdString(run.decisions[1].reason)
                 .contains(QRegularExpression(QStringLiteral("^\\+2 workers \\(3 -> 5\\): throughput [0-9.]+k/s at 2 -> [0-9.]+k/s at 3, going on up$"))),
             run.decisions[1].reason.c_str());
    QCOMPARE(run.decisions.back().action, AutoSizeAction::Settle);
    QVERIFY2(QString::fromStdString(run.decisions.back().reason).contains(QStringLiteral("settled at")), run.decisions.back().reason.c_str());

    QCOMPARE(formatRate(41'234), std::string("41.2k/s"));
    QCOMPARE(formatRate(950), std::string("950/s"));
    QCOMPARE(formatRate(1'250'000), std::string("1.25M/s"));
    QCOMPARE(formatNanoseconds(3.1e6), std::string("3.10 ms"));
}

void TestAutoSizer::badOptionsAreRefused()
{
    QVERIFY(AutoSizerOptions{}.validate().empty());
    QCOMPARE(AutoSizerOptions{.floor = 0}.validate(), std::string("auto-size floor must be 1..1024 (got 0)"));
    QCOMPARE((AutoSizerOptions{.floor = 8, .ceiling = 4}.validate()), std::string("auto-size ceiling must be 8..1024 (got 4)"));
    QCOMPARE(AutoSizerOptions{.waitTarget = 0ms}.validate(), std::string("auto-size wait target must be 1..60000 ms (got 0)"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, AutoSizer(AutoSizerOptions{.window = 10ms}));
}

// The real pool, a real load: each unit spins 0.25 ms and then blocks 0.75 ms, as fast as
// the producer can post (a small queue cap keeps the backlog short). Such units need about
// 4x the CPU count on an idle machine. On a shared one the best size drifts upward (a worker
// preempted by another process looks blocked, so more threads keep paying: CI saw it settle at
// 17 on 2 CPUs while a build ran beside it), so the known best is asserted on the synthetic
// model above, and here only what holds however the machine is paced: it climbs above the CPU
// count, stops short of its ceiling (16x) instead of running away, and settles within 120 s.
void TestAutoSizer::realPoolWithBlockingUnitsEndsNearFourTimesTheCpus()
{
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    SessionSettings settings;
    settings.workers = 1;
    settings.concurrency = 0;
    settings.load.pattern = LoadPattern::AsFastAsPossible;
    settings.load.costDistribution = CostDistribution::Constant;
    settings.load.meanCost = 250us;
    settings.load.blockingShare = 1.0;
    settings.load.blockingTime = 750us;
    settings.load.queueCap = 200;
    PoolSession session(settings, {.rateHz = 20, .capacity = 4096});
    QVERIFY(session.startLoad());

    AutoSizer sizer({.ceiling = 16 * cpus, .warmUp = 300ms, .window = 1000ms});
    std::vector<Sample> samples;
    std::uint64_t last = 0;
    std::vector<AutoSizeDecision> decisions;
    int settledSamples = 0; // in a row: 60 is three windows
    QElapsedTimer elapsed;
    elapsed.start();
    while (elapsed.elapsed() < 120'000 && settledSamples < 60) {
        std::this_thread::sleep_for(50ms); // the pace of reading, not a synchronisation
        samples.clear();
        last = session.samplesSince(last, samples);
        for (const Sample &sample : samples) {
            if (std::optional<AutoSizeDecision> d = sizer.observe(sample)) {
                decisions.push_back(*d);
                if (d->to != d->from) {
                    SessionSettings next = session.settings();
                    next.workers = d->to;
                    std::string error;
                    QVERIFY2(session.apply(next, error), error.c_str());
                }
            }
            settledSamples = sizer.phase() == AutoSizer::Phase::Settled ? settledSamples + 1 : 0;
        }
    }
    session.beginShutdown();
    session.drain(ShutdownMode::Fast, 30s);
    const unsigned ended = session.settings().workers;
    qInfo("real pool, %u cpus: ended at %u workers after %.1f s, %zu decisions", cpus, ended, static_cast<double>(elapsed.elapsed()) / 1000.0,
          decisions.size());
    qInfo("%s", qPrintable(describe(decisions)));
    QVERIFY2(settledSamples >= 60, qPrintable(describe(decisions)));
    QVERIFY2(ended > cpus && ended < 16 * cpus, qPrintable(QStringLiteral("ended at %1:").arg(ended) + describe(decisions)));
}

QTEST_GUILESS_MAIN(TestAutoSizer)
#include "tst_autosizer.moc"
