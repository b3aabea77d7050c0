// The sampler: a fixed-size ring, rates from deltas, sampling on its own thread while every
// worker is blocked, live rate changes, a source swapped for a new pool, destruction joins.

#include "sampler.h"
#include "snapshotfields.h"
#include "workerpool.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <latch>
#include <string>
#include <thread>

using namespace poolscope;
using namespace std::chrono_literals;

class TestSampler : public QObject {
    Q_OBJECT

private slots:
    void ringKeepsItsSizeAfterWrapping();
    void ratesComeFromDeltas();
    void countersGoingBackGiveZeroRates();
    void lateThenEarlySampleMakesNoSpike();
    void swappedSourceKeepsTheHistory();
    void setSourceNeverWaitsForASampleInProgress();
    void copyLastTakesTheNewest();
    void latencySinceStartIsCumulative();
    void destructionJoinsTheThread();
    void keepsSamplingWhileEveryWorkerIsBlocked();
    void rateChangesLive();
    void badRateIsRejected();
    void samplesCarryTheWallClock();
    void ioRatesComeFromDeltas();
    void ioLatencyIsPerInterval();
    void ioCountersGoingBackGiveZeroRates();
};

namespace {
// A synthetic pool: `completed` grows by 100 per sample, 1 ms of "time" apart.
struct SyntheticSource {
    std::uint64_t step = 0;
    void operator()(PoolSnapshot &snapshot, LatencyHistogram &wait, LatencyHistogram &, LatencyHistogram &)
    {
        ++step;
        snapshot.timestampNs = step * 1'000'000;
        snapshot.posted = step * 200;
        snapshot.completed = step * 100;
        snapshot.failed = step * 10;
        for (std::uint64_t i = 0; i < step; ++i)
            wait.record(1000);
    }
};
} // namespace

void TestSampler::ringKeepsItsSizeAfterWrapping()
{
    Sampler sampler({.rateHz = 20, .capacity = 10});
    auto source = std::make_shared<SyntheticSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    for (int i = 0; i < 25; ++i)
        sampler.sampleNow();
    QCOMPARE(sampler.size(), std::size_t(10));
    std::vector<Sample> all;
    QCOMPARE(sampler.copySince(0, all), std::uint64_t(25));
    QCOMPARE(all.size(), std::size_t(10));
    for (std::size_t i = 0; i < all.size(); ++i)
        QCOMPARE(all[i].sequence, std::uint64_t(16 + i)); // oldest first, sequences continue
    std::vector<Sample> newer;
    QCOMPARE(sampler.copySince(22, newer), std::uint64_t(25));
    QCOMPARE(newer.size(), std::size_t(3));
    QCOMPARE(newer.front().sequence, std::uint64_t(23));
    std::vector<Sample> none;
    sampler.copySince(25, none);
    QVERIFY(none.empty());
    Sample last;
    QVERIFY(sampler.latest(last));
    QCOMPARE(last.sequence, std::uint64_t(25));
}

void TestSampler::ratesComeFromDeltas()
{
    Sampler sampler;
    auto source = std::make_shared<SyntheticSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    sampler.sampleNow();
    sampler.sampleNow();
    Sample sample;
    QVERIFY(sampler.latest(sample));
    QCOMPARE(sample.completionsPerSecond, 100'000.0); // 100 per 1 ms
    QCOMPARE(sample.postsPerSecond, 200'000.0);
    QCOMPARE(sample.failuresPerSecond, 10'000.0);
    QCOMPARE(sample.queueWait.count, std::uint64_t(1)); // cumulative 2 minus the 1 of the sample before
}

// A steady 3,000 posts/s that arrive in batches; the timer fires late (90 ms), then early
// (4 ms), and a batch lands in those 4 ms. Over 4 ms alone that reads 37,500/s.
void TestSampler::lateThenEarlySampleMakesNoSpike()
{
    Sampler sampler({.rateHz = 20, .capacity = 100});
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> timeMsAndPosted = {
        {0, 0}, {50, 150}, {100, 300}, {190, 570}, {194, 720}, {244, 870}};
    std::size_t step = 0;
    sampler.setSource([&](PoolSnapshot &snapshot, LatencyHistogram &, LatencyHistogram &, LatencyHistogram &) {
        snapshot.timestampNs = 1'000'000'000 + timeMsAndPosted[step].first * 1'000'000;
        snapshot.posted = snapshot.completed = timeMsAndPosted[step].second;
        // I/O on the same clock and the same floor: its rates follow posts/s exactly.
        snapshot.ioCompleted = snapshot.ioRecvCompleted = timeMsAndPosted[step].second;
        snapshot.ioBytesRead = 100 * timeMsAndPosted[step].second;
        ++step;
    });
    for (std::size_t i = 0; i < timeMsAndPosted.size(); ++i)
        sampler.sampleNow();
    std::vector<Sample> samples;
    sampler.copySince(0, samples);
    QCOMPARE(samples.size(), timeMsAndPosted.size());
    QCOMPARE(samples[3].postsPerSecond, 3000.0);                  // the late one: over its own 90 ms
    const double early = samples[4].postsPerSecond;                // over 94 ms, from the 100 ms sample
    QVERIFY2(early > 4000 && early < 5000, qPrintable(QString::number(early)));
    QCOMPARE(samples[4].completionsPerSecond, early);
    for (const Sample &sample : samples) {
        QCOMPARE(sample.ioCompletionsPerSecond, sample.postsPerSecond);
        QCOMPARE(sample.ioCompletionsPerSecondOf(IoKind::Recv), sample.postsPerSecond);
        QCOMPARE(sample.ioBytesReadPerSecond, 100 * sample.postsPerSecond);
    }
    QVERIFY2(samples[5].postsPerSecond < 6000, qPrintable(QString::number(samples[5].postsPerSecond)));
    for (const Sample &sample : samples)
        QVERIFY2(sample.postsPerSecond < 2 * 3000 + 1, qPrintable(QString::number(sample.postsPerSecond)));
}

void TestSampler::countersGoingBackGiveZeroRates()
{
    Sampler sampler;
    auto source = std::make_shared<SyntheticSource>();
    source->step = 50;
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    sampler.sampleNow();
    source->step = 0; // a new pool: counters start again
    sampler.sampleNow();
    Sample sample;
    QVERIFY(sampler.latest(sample));
    QCOMPARE(sample.completionsPerSecond, 0.0);
    QCOMPARE(sampler.size(), std::size_t(2)); // the history is kept
}

void TestSampler::swappedSourceKeepsTheHistory()
{
    Sampler sampler;
    auto first = std::make_shared<SyntheticSource>();
    sampler.setSource([first](auto &...args) { (*first)(args...); });
    sampler.sampleNow();
    sampler.sampleNow();
    // The new pool's counters happen to be higher: still no delta against the old pool.
    auto second = std::make_shared<SyntheticSource>();
    second->step = 1000;
    sampler.setSource([second](auto &...args) { (*second)(args...); });
    sampler.sampleNow();
    Sample sample;
    QVERIFY(sampler.latest(sample));
    QCOMPARE(sample.sequence, std::uint64_t(3));
    QCOMPARE(sample.completionsPerSecond, 0.0);
    QCOMPARE(sample.postsPerSecond, 0.0);
    QCOMPARE(sample.pool.completed, std::uint64_t(100'100));
    QCOMPARE(sample.queueWait.count, std::uint64_t(1001)); // the new pool's cumulative latency
    QCOMPARE(first->step, std::uint64_t(2));              // the old source is no longer called
    sampler.sampleNow();
    QVERIFY(sampler.latest(sample));
    QCOMPARE(sample.completionsPerSecond, 100'000.0); // deltas resume against the new pool
    QCOMPARE(sampler.size(), std::size_t(4));
}

// The owner's setSource() must not wait for a sample that another thread is in the middle of
// (a preempted sampler thread held the GUI thread ~200 ms in a restart): that sample is
// dropped, the boundary is the newest sample stored before the swap, and
// waitForPreviousSources() is what waits until the old source is no longer called. The sample
// in progress is held inside the old source on a latch, so nothing depends on timing.
void TestSampler::setSourceNeverWaitsForASampleInProgress()
{
    Sampler sampler;
    auto first = std::make_shared<SyntheticSource>();
    std::atomic<bool> holdNext{false}, inside{false}, oldSourceReturned{false};
    std::latch release(1);
    bool released = false;
    const auto releaseOnce = [&] {
        if (!std::exchange(released, true))
            release.count_down();
    };
    sampler.setSource([&, first](PoolSnapshot &s, LatencyHistogram &w, LatencyHistogram &v, LatencyHistogram &i) {
        (*first)(s, w, v, i);
        if (holdNext.load()) {
            inside.store(true);
            release.wait();
            oldSourceReturned.store(true);
        }
    });
    sampler.sampleNow();
    holdNext.store(true);
    std::thread preempted([&] { sampler.sampleNow(); });
    // Released on every path, also when a check below fails, so the thread can be joined.
    const auto releaseAndJoin = qScopeGuard([&] {
        releaseOnce();
        preempted.join();
    });
    QTRY_VERIFY(inside.load());

    QVERIFY(!sampler.trySampleNow()); // the owner's final sample: refused at once, not waited for
    auto second = std::make_shared<SyntheticSource>();
    second->step = 1000;
    // Returns while the old source is still being called: the boundary is sample 1.
    QCOMPARE(sampler.setSource([second](auto &...args) { (*second)(args...); }),
             std::uint64_t(1));
    QVERIFY(!oldSourceReturned.load());

    releaseOnce();
    sampler.waitForPreviousSources();
    QVERIFY(oldSourceReturned.load());
    QCOMPARE(sampler.size(), std::size_t(1)); // the sample in progress ended unstored
    QVERIFY(sampler.trySampleNow());
    Sample sample;
    QVERIFY(sampler.latest(sample));
    QCOMPARE(sample.sequence, std::uint64_t(2));
    QCOMPARE(sample.pool.completed, std::uint64_t(100'100)); // the new source's, with no delta
    QCOMPARE(sample.completionsPerSecond, 0.0);
    QCOMPARE(first->step, std::uint64_t(2)); // the old source is no longer called
}

void TestSampler::copyLastTakesTheNewest()
{
    Sampler sampler({.rateHz = 20, .capacity = 10});
    std::vector<Sample> out;
    QCOMPARE(sampler.copyLast(5, out), std::uint64_t(0));
    QVERIFY(out.empty());
    auto source = std::make_shared<SyntheticSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    for (int i = 0; i < 25; ++i)
        sampler.sampleNow();
    QCOMPARE(sampler.copyLast(3, out), std::uint64_t(25));
    QCOMPARE(out.size(), std::size_t(3));
    QCOMPARE(out.front().sequence, std::uint64_t(23));
    QCOMPARE(out.back().sequence, std::uint64_t(25));
    out.clear();
    sampler.copyLast(100, out); // more than the ring holds: all of it
    QCOMPARE(out.size(), std::size_t(10));
    QCOMPARE(out.front().sequence, std::uint64_t(16));
    out.clear();
    QCOMPARE(sampler.copyLast(0, out), std::uint64_t(25));
    QVERIFY(out.empty());
}

void TestSampler::latencySinceStartIsCumulative()
{
    Sampler sampler({.rateHz = 20, .capacity = 10});
    LatencySummary wait, service;
    QVERIFY(!sampler.latestSinceStart(wait, service)); // nothing sampled yet
    auto source = std::make_shared<SyntheticSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    for (int i = 0; i < 4; ++i)
        sampler.sampleNow();
    QVERIFY(sampler.latestSinceStart(wait, service));
    QCOMPARE(wait.count, std::uint64_t(4)); // the source's cumulative histogram at step 4
    Sample latest;
    QVERIFY(sampler.latest(latest));
    QCOMPARE(latest.queueWait.count, std::uint64_t(1)); // the interval's: one more than before
    QCOMPARE(service.count, std::uint64_t(0));
}

void TestSampler::destructionJoinsTheThread()
{
    auto calls = std::make_shared<std::atomic<int>>(0);
    {
        Sampler sampler({.rateHz = 100, .capacity = 100});
        sampler.setSource([calls](PoolSnapshot &s, LatencyHistogram &, LatencyHistogram &, LatencyHistogram &) {
            s.timestampNs = static_cast<std::uint64_t>(calls->fetch_add(1) + 1);
        });
        sampler.start();
        QTRY_VERIFY(calls->load() >= 3);
    } // destroyed while running
    QCOMPARE(calls.use_count(), 1L); // the source, and the thread that called it, are gone
    const int after = calls->load();
    QTest::qWait(50); // two periods at 100 Hz: a thread left behind would have sampled
    QCOMPARE(calls->load(), after);
}

void TestSampler::keepsSamplingWhileEveryWorkerIsBlocked()
{
    WorkerPool pool({.workers = 2, .concurrency = 2});
    std::latch release(1);
    for (int i = 0; i < 2; ++i)
        pool.post([&] { release.wait(); });
    QTRY_COMPARE(pool.snapshot().inFlight, std::uint64_t(2));
    Sampler sampler({.rateHz = 100, .capacity = 1000});
    sampler.setSource(Sampler::sourceFor(pool));
    sampler.start();
    QTRY_VERIFY(sampler.size() >= 10);
    Sample sample;
    QVERIFY(sampler.latest(sample));
    QCOMPARE(sample.pool.inFlight, std::uint64_t(2));
    QCOMPARE(sample.pool.idleWorkers, 0u);
    release.count_down();
    sampler.stop();
    QVERIFY(!sampler.isRunning());
}

void TestSampler::rateChangesLive()
{
    Sampler sampler({.rateHz = 1, .capacity = 1000});
    auto source = std::make_shared<SyntheticSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    sampler.start();
    QTRY_COMPARE(sampler.size(), std::size_t(1));
    const auto changed = std::chrono::steady_clock::now();
    sampler.setRate(100); // was one per second: the waiting sampler re-plans, no 1 s wait
    QCOMPARE(sampler.rateHz(), 100.0);
    QTRY_VERIFY_WITH_TIMEOUT(sampler.size() >= 2, 3000);
    const auto secondSample = std::chrono::steady_clock::now() - changed;
    QVERIFY2(secondSample < 700ms, qPrintable(QString::number(secondSample.count())));
    QTRY_VERIFY_WITH_TIMEOUT(sampler.size() >= 20, 3000);
    sampler.setRate(1);
    sampler.stop();
}

void TestSampler::badRateIsRejected()
{
    Sampler sampler;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sampler.setRate(0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sampler.setRate(101));
    QCOMPARE(sampler.rateHz(), 20.0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Sampler({.rateHz = 20, .capacity = 0}));
}

void TestSampler::samplesCarryTheWallClock()
{
    Sampler sampler({.rateHz = 20, .capacity = 10, .autoStart = false});
    auto source = std::make_shared<SyntheticSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    const auto unixMs = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    const std::int64_t before = unixMs();
    sampler.sampleNow();
    const std::int64_t after = unixMs();
    Sample sample;
    QVERIFY(sampler.latest(sample));
    QVERIFY(sample.wallTimeMs >= before && sample.wallTimeMs <= after);
}

namespace {
// A synthetic echo server with file reads, 2 ms of "time" apart per step: 40 accepts once,
// then per step 300 recvs of 64 bytes, 300 sends of 64 bytes, 100 reads of 4 KiB and 6
// failed recvs; `latencyNs` recorded once per completion.
struct SyntheticIoSource {
    std::uint64_t step = 0;
    std::uint64_t tick = 0; // the clock never goes back, even when the counters do
    std::uint64_t latencyNs = 50'000;
    LatencyHistogram io;
    void operator()(PoolSnapshot &s, LatencyHistogram &, LatencyHistogram &, LatencyHistogram &ioOut)
    {
        ++step;
        s.timestampNs = ++tick * 2'000'000;
        s.ioAcceptCompleted = 40;
        s.ioRecvCompleted = step * 300;
        s.ioSendCompleted = step * 300;
        s.ioReadCompleted = step * 100;
        s.ioRecvFailed = s.ioFailed = step * 6;
        s.ioCompleted = s.ioAcceptCompleted + s.ioRecvCompleted + s.ioSendCompleted + s.ioReadCompleted;
        s.ioBytesRead = step * (300 * 64 + 100 * 4096);
        s.ioBytesWritten = step * 300 * 64;
        io.record(latencyNs, 700);
        ioOut += io;
    }
};
} // namespace

void TestSampler::ioRatesComeFromDeltas()
{
    Sampler sampler({.rateHz = 20, .capacity = 10, .autoStart = false});
    auto source = std::make_shared<SyntheticIoSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    sampler.sampleNow();
    Sample first;
    QVERIFY(sampler.latest(first));
    QCOMPARE(first.ioCompletionsPerSecond, 0.0); // no baseline yet
    sampler.sampleNow();
    Sample sample;
    QVERIFY(sampler.latest(sample));
    // Per 2 ms: 700 completed, 300 recvs and sends, 100 reads, no accept (all 40 came before).
    QCOMPARE(sample.ioCompletionsPerSecond, 350'000.0);
    QCOMPARE(sample.ioCompletionsPerSecondOf(IoKind::Recv), 150'000.0);
    QCOMPARE(sample.ioCompletionsPerSecondOf(IoKind::Send), 150'000.0);
    QCOMPARE(sample.ioCompletionsPerSecondOf(IoKind::Read), 50'000.0);
    QCOMPARE(sample.ioCompletionsPerSecondOf(IoKind::Write), 0.0);
    QCOMPARE(sample.ioCompletionsPerSecondOf(IoKind::Accept), 0.0);
    QCOMPARE(sample.ioFailuresPerSecond, 3'000.0);
    QCOMPARE(sample.ioBytesReadPerSecond, (300.0 * 64 + 100.0 * 4096) / 0.002);
    QCOMPARE(sample.ioBytesWrittenPerSecond, 300.0 * 64 / 0.002);

    // The same figures under the export's names (the sample field table: JSON history, CSV).
    const auto exported = [&sample](std::string_view name) {
        for (const SampleField &field : sampleFields())
            if (field.name == name)
                return sample.*field.member;
        return -1.0;
    };
    QCOMPARE(exported("io_completions_per_s"), 350'000.0);
    QCOMPARE(exported("io_recv_completions_per_s"), 150'000.0);
    QCOMPARE(exported("io_read_completions_per_s"), 50'000.0);
    QCOMPARE(exported("io_accept_completions_per_s"), 0.0);
    QCOMPARE(exported("io_failures_per_s"), 3'000.0);
    QCOMPARE(exported("io_bytes_written_per_s"), 9'600'000.0);
}

void TestSampler::ioLatencyIsPerInterval()
{
    Sampler sampler({.rateHz = 20, .capacity = 10, .autoStart = false});
    auto source = std::make_shared<SyntheticIoSource>();
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    sampler.sampleNow();
    sampler.sampleNow();
    source->latencyNs = 2'000'000; // the third interval's completions take 2 ms
    sampler.sampleNow();
    std::vector<Sample> samples;
    sampler.copySince(0, samples);
    QCOMPARE(samples.size(), std::size_t(3));
    QCOMPARE(samples[0].ioLatency.count, std::uint64_t(700)); // no baseline: everything so far
    QCOMPARE(samples[1].ioLatency.count, std::uint64_t(700)); // 1,400 cumulative minus 700
    QVERIFY2(std::abs(static_cast<double>(samples[1].ioLatency.p99) - 50'000) <= 500,
             qPrintable(QString::number(samples[1].ioLatency.p99)));
    QCOMPARE(samples[2].ioLatency.count, std::uint64_t(700));
    // Only this interval's: the 50 µs of the earlier ones are not in it (since the start, p50 would be 50 µs).
    QVERIFY2(std::abs(static_cast<double>(samples[2].ioLatency.p50) - 2'000'000) <= 20'000,
             qPrintable(QString::number(samples[2].ioLatency.p50)));
}

void TestSampler::ioCountersGoingBackGiveZeroRates()
{
    Sampler sampler({.rateHz = 20, .capacity = 10, .autoStart = false});
    auto source = std::make_shared<SyntheticIoSource>();
    source->step = 50;
    sampler.setSource([source](auto &...args) { (*source)(args...); });
    sampler.sampleNow();
    source->step = 0; // an I/O service that started again, work-unit counters unchanged (0)
    source->io.clear();
    sampler.sampleNow();
    Sample sample;
    QVERIFY(sampler.latest(sample));
    QCOMPARE(sample.ioCompletionsPerSecond, 0.0);
    QCOMPARE(sample.ioBytesReadPerSecond, 0.0);
    QCOMPARE(sample.ioFailuresPerSecond, 0.0);
    QCOMPARE(sample.ioLatency.count, std::uint64_t(0));
}

QTEST_GUILESS_MAIN(TestSampler)
#include "tst_sampler.moc"
