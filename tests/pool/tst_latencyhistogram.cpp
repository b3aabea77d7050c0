// Latency histograms: bucket arithmetic, the <= 1 % error promise over 100 ns..100 s,
// percentiles, merging and deltas, and the pool's per-unit timing.

#include "latencyhistogram.h"
#include "workerpool.h"

#include <QtTest>

#include <chrono>
#include <latch>
#include <memory>
#include <random>
#include <thread>

using namespace poolscope;
using namespace std::chrono_literals;

class TestLatencyHistogram : public QObject {
    Q_OBJECT

private slots:
    void bucketsTileTheRange();
    void relativeErrorBelowOnePercent();
    void percentilesOfAKnownDistribution();
    void emptyHistogram();
    void mergeAndDelta();
    void summaryIsTheQuantilesOfOnePass();
    void summarySinceIsTheDeltasSummary();
    void clearedHistogramIsEmptyAndReusable();
    void atomicHistogramReadsEveryBucketItUsed();
    void countAtOrBelowForLeBuckets();
    void poolTimesQueueWaitAndService_data();
    void poolTimesQueueWaitAndService();
    void poolWithoutTimingRecordsNothing();
};

void TestLatencyHistogram::bucketsTileTheRange()
{
    using namespace histogram;
    for (std::size_t index = 0; index + 1 < BucketCount; ++index) {
        QCOMPARE(bucketUpperBound(index) + 1, bucketLowerBound(index + 1));
        QCOMPARE(bucketIndex(bucketLowerBound(index)), index);
        QCOMPARE(bucketIndex(bucketUpperBound(index)), index);
    }
    QCOMPARE(bucketIndex(0), std::size_t(0));
    QCOMPARE(bucketIndex(UINT64_MAX), BucketCount - 1);
}

void TestLatencyHistogram::relativeErrorBelowOnePercent()
{
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> exponent(2.0, 11.0); // 100 ns .. 100 s, log-uniform
    double worst = 0;
    for (int i = 0; i < 200'000; ++i) {
        const auto value = static_cast<std::uint64_t>(std::pow(10.0, exponent(random)));
        LatencyHistogram histogram;
        histogram.record(value);
        histogram.record(value + 1'000'000'000'000); // a larger max, so max does not clamp the estimate
        const double estimate = static_cast<double>(histogram.valueAtQuantile(0.5));
        worst = std::max(worst, std::abs(estimate - static_cast<double>(value)) / static_cast<double>(value));
    }
    QVERIFY2(worst <= 0.01, qPrintable(QString::number(worst)));
}

void TestLatencyHistogram::percentilesOfAKnownDistribution()
{
    LatencyHistogram histogram;
    for (std::uint64_t value = 1; value <= 100'000; ++value)
        histogram.record(value * 1000); // 1 us .. 100 ms, uniform
    const LatencySummary s = histogram.summary();
    QCOMPARE(s.count, std::uint64_t(100'000));
    QCOMPARE(s.max, std::uint64_t(100'000'000));
    const auto near = [](std::uint64_t actual, double expected) {
        return std::abs(static_cast<double>(actual) - expected) <= 0.01 * expected;
    };
    QVERIFY(near(s.p50, 50e6));
    QVERIFY(near(s.p90, 90e6));
    QVERIFY(near(s.p99, 99e6));
    QVERIFY(near(s.p999, 99.9e6));
    QVERIFY(std::abs(s.mean - 50.0005e6) < 1.0);
    QCOMPARE(histogram.valueAtQuantile(1.0), std::uint64_t(100'000'000));
}

void TestLatencyHistogram::emptyHistogram()
{
    const LatencyHistogram histogram;
    QVERIFY(histogram.empty());
    const LatencySummary s = histogram.summary();
    QCOMPARE(s.count, std::uint64_t(0));
    QCOMPARE(s.p99, std::uint64_t(0));
    QCOMPARE(histogram.valueAtQuantile(0.5), std::uint64_t(0));
}

void TestLatencyHistogram::mergeAndDelta()
{
    LatencyHistogram a, b;
    for (int i = 0; i < 100; ++i)
        a.record(1000);
    for (int i = 0; i < 50; ++i)
        b.record(5'000'000);
    LatencyHistogram total = a;
    total += b;
    QCOMPARE(total.count(), std::uint64_t(150));
    QCOMPARE(total.max(), std::uint64_t(5'000'000));
    const LatencyHistogram sinceA = total - a;
    QCOMPARE(sinceA.count(), std::uint64_t(50));
    QCOMPARE(sinceA.sum(), std::uint64_t(50) * 5'000'000);
    QVERIFY(std::abs(static_cast<double>(sinceA.valueAtQuantile(0.5)) - 5e6) <= 0.01 * 5e6);
    QVERIFY(sinceA.max() <= total.max());
    const LatencyHistogram nothing = total - total;
    QVERIFY(nothing.empty());
    QCOMPARE(nothing.max(), std::uint64_t(0));
}

// summary() finds all four quantiles in one pass: each must be what valueAtQuantile says.
void TestLatencyHistogram::summaryIsTheQuantilesOfOnePass()
{
    std::mt19937_64 random(7);
    for (const std::uint64_t values : {1u, 2u, 3u, 10u, 999u, 1000u, 1001u, 50'000u}) {
        LatencyHistogram histogram;
        std::lognormal_distribution<double> latency(9.0, 2.0); // ~8 us, spread over decades
        for (std::uint64_t i = 0; i < values; ++i)
            histogram.record(static_cast<std::uint64_t>(latency(random)));
        const LatencySummary s = histogram.summary();
        QCOMPARE(s.count, values);
        QCOMPARE(s.p50, histogram.valueAtQuantile(0.50));
        QCOMPARE(s.p90, histogram.valueAtQuantile(0.90));
        QCOMPARE(s.p99, histogram.valueAtQuantile(0.99));
        QCOMPARE(s.p999, histogram.valueAtQuantile(0.999));
        QCOMPARE(s.max, histogram.max());
        QCOMPARE(s.mean, static_cast<double>(histogram.sum()) / static_cast<double>(values));
    }
}

// What a sampler computes without building the delta must be the delta's summary, also
// when the earlier copy has more in some bucket (a source that went back) or nothing grew.
void TestLatencyHistogram::summarySinceIsTheDeltasSummary()
{
    const auto same = [](const LatencySummary &a, const LatencySummary &b) {
        return a.count == b.count && a.p50 == b.p50 && a.p90 == b.p90 && a.p99 == b.p99 && a.p999 == b.p999 &&
               a.max == b.max && a.mean == b.mean;
    };
    std::mt19937_64 random(11);
    std::lognormal_distribution<double> latency(8.0, 2.5);
    LatencyHistogram earlier, later;
    QVERIFY(same(later.summarySince(earlier), (later - earlier).summary())); // both empty
    for (int round = 0; round < 6; ++round) {
        earlier = later;
        for (int i = 0; i < 200 * round; ++i) // round 0 adds nothing: an empty delta
            later.record(static_cast<std::uint64_t>(latency(random)));
        QVERIFY2(same(later.summarySince(earlier), (later - earlier).summary()), qPrintable(QString::number(round)));
        QCOMPARE(later.summarySince(earlier).count, later.count() - earlier.count());
    }
    LatencyHistogram other; // not an older copy: buckets of `other` above `later` count as 0
    for (int i = 0; i < 300; ++i)
        other.record(static_cast<std::uint64_t>(latency(random)));
    QVERIFY(same(later.summarySince(other), (later - other).summary()));
    QVERIFY(same(other.summarySince(later), (other - later).summary()));
    QCOMPARE(LatencyHistogram().summarySince(later).count, std::uint64_t(0));
}

void TestLatencyHistogram::clearedHistogramIsEmptyAndReusable()
{
    LatencyHistogram histogram;
    histogram.clear(); // already empty: nothing to do, and nothing broken
    QVERIFY(histogram.empty());
    for (std::uint64_t value : {5u, 700u, 90'000u, 4'000'000u})
        histogram.record(value);
    histogram.clear();
    QVERIFY(histogram.empty());
    QCOMPARE(histogram.sum(), std::uint64_t(0));
    QCOMPARE(histogram.max(), std::uint64_t(0));
    for (std::size_t index = 0; index < histogram::BucketCount; ++index)
        QCOMPARE(histogram.bucket(index), std::uint64_t(0));
    histogram.record(1234);
    QCOMPARE(histogram.count(), std::uint64_t(1));
    QCOMPARE(histogram.summary().p50, histogram.valueAtQuantile(0.5));
}

// The recording side is read over the range of buckets it used: values at both ends of the
// range, and one that widens it after a read, must all be there.
void TestLatencyHistogram::atomicHistogramReadsEveryBucketItUsed()
{
    auto recorded = std::make_unique<AtomicLatencyHistogram>();
    LatencyHistogram empty;
    recorded->addTo(empty);
    QVERIFY(empty.empty());
    LatencyHistogram expected;
    for (const std::uint64_t value : {std::uint64_t(900), std::uint64_t(40'000), std::uint64_t(0), UINT64_MAX}) {
        recorded->record(value);
        expected.record(value);
        LatencyHistogram read;
        recorded->addTo(read);
        QCOMPARE(read.count(), expected.count());
        QCOMPARE(read.max(), expected.max());
        for (std::size_t index = 0; index < histogram::BucketCount; ++index)
            QCOMPARE(read.bucket(index), expected.bucket(index));
    }
}

void TestLatencyHistogram::countAtOrBelowForLeBuckets()
{
    LatencyHistogram histogram;
    histogram.record(50);
    histogram.record(1000);
    histogram.record(2'000'000);
    QCOMPARE(histogram.countAtOrBelow(49), std::uint64_t(0));
    QCOMPARE(histogram.countAtOrBelow(50), std::uint64_t(1));
    QCOMPARE(histogram.countAtOrBelow(histogram::bucketUpperBound(histogram::bucketIndex(1000))), std::uint64_t(2));
    QCOMPARE(histogram.countAtOrBelow(UINT64_MAX - 1), std::uint64_t(3));
}

void TestLatencyHistogram::poolTimesQueueWaitAndService_data()
{
    QTest::addColumn<bool>("asFunction"); // the timed unit posted as a function: its stamp travels in the packet
    QTest::newRow("callable") << false;
    QTest::newRow("function unit") << true;
}

void TestLatencyHistogram::poolTimesQueueWaitAndService()
{
    QFETCH(bool, asFunction);
    WorkerPool pool({.workers = 1});
    std::latch release(1);
    pool.post([&] { release.wait(); });
    if (asFunction) // service time >= 5 ms
        pool.post([](void *) { std::this_thread::sleep_for(5ms); }, nullptr);
    else
        pool.post([] { std::this_thread::sleep_for(5ms); });
    std::this_thread::sleep_for(20ms);                   // the second unit waits >= 20 ms in the queue
    release.count_down();
    QTRY_COMPARE(pool.snapshot().completed, std::uint64_t(2));
    LatencyHistogram queueWait, service;
    pool.addLatencyHistograms(queueWait, service);
    QCOMPARE(queueWait.count(), std::uint64_t(2));
    QCOMPARE(service.count(), std::uint64_t(2));
    QVERIFY(queueWait.max() >= 19'000'000); // 1 % below 20 ms: the clock is calibrated, not exact
    QVERIFY(service.valueAtQuantile(0.0) <= 2'000'000 || service.max() >= 4'900'000);
    QVERIFY(service.max() >= 4'900'000);
    QVERIFY(pool.measuresLatency());
}

void TestLatencyHistogram::poolWithoutTimingRecordsNothing()
{
    WorkerPool pool({.workers = 1, .measureLatency = false});
    pool.post([] {});
    QTRY_COMPARE(pool.snapshot().completed, std::uint64_t(1));
    LatencyHistogram queueWait, service;
    pool.addLatencyHistograms(queueWait, service);
    QVERIFY(queueWait.empty());
    QVERIFY(service.empty());
    QVERIFY(!pool.measuresLatency());
}

QTEST_GUILESS_MAIN(TestLatencyHistogram)
#include "tst_latencyhistogram.moc"
