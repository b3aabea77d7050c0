#pragma once
// Log-linear latency histograms: each power of two is split into 128 equal buckets, so any
// value is known to within 1/128 (< 0.8 %) of itself, from 1 ns to ~9 minutes, in a fixed
// 35 KB of counts. Values above the range land in the last bucket; the exact max is kept.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace poolscope {

namespace histogram {
constexpr unsigned SubBucketBits = 7;
constexpr std::uint64_t SubBuckets = 1u << SubBucketBits; // 128
constexpr unsigned MaxExponent = 39;                        // values up to 2^40 ns ≈ 18 min
constexpr std::size_t BucketCount = (MaxExponent - SubBucketBits + 2) * SubBuckets;

constexpr std::size_t bucketIndex(std::uint64_t value) noexcept
{
    if (value < SubBuckets)
        return static_cast<std::size_t>(value); // exact below 128 ns
    const unsigned exponent = 63u - static_cast<unsigned>(__builtin_clzll(value));
    if (exponent > MaxExponent)
        return BucketCount - 1;
    const unsigned shift = exponent - SubBucketBits;
    const std::uint64_t mantissa = (value >> shift) & (SubBuckets - 1);
    return static_cast<std::size_t>((exponent - SubBucketBits + 1) * SubBuckets + mantissa);
}

// Smallest value that lands in bucket `index`.
constexpr std::uint64_t bucketLowerBound(std::size_t index) noexcept
{
    if (index < SubBuckets)
        return index;
    const std::uint64_t group = index / SubBuckets; // >= 1
    const std::uint64_t mantissa = index % SubBuckets;
    const unsigned shift = static_cast<unsigned>(group - 1);
    return (SubBuckets + mantissa) << shift;
}

// Largest value that lands in bucket `index`.
constexpr std::uint64_t bucketUpperBound(std::size_t index) noexcept
{
    return index + 1 >= BucketCount ? UINT64_MAX : bucketLowerBound(index + 1) - 1;
}
} // namespace histogram

// Percentiles of one histogram, in nanoseconds. count == 0 means no value was recorded
// (then every field is 0).
struct LatencySummary {
    std::uint64_t count = 0;
    std::uint64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
    double mean = 0;
};

// A plain histogram: a merged view, a delta between two samples, or a whole run.
// Not thread-safe: one thread at a time.
class LatencyHistogram {
public:
    void record(std::uint64_t nanoseconds, std::uint64_t times = 1) noexcept;

    std::uint64_t count() const noexcept { return m_count; }
    std::uint64_t sum() const noexcept { return m_sum; } // nanoseconds
    std::uint64_t max() const noexcept { return m_max; } // exact, except in a delta (see operator-)
    bool empty() const noexcept { return m_count == 0; }

    // The value at quantile q (0..1): the midpoint of the bucket holding it, never above max.
    std::uint64_t valueAtQuantile(double q) const noexcept;
    LatencySummary summary() const noexcept;
    // (*this - earlier).summary() without building the 35 KB delta: what a sampler asks of
    // every sample. Nothing to scan when nothing was recorded.
    LatencySummary summarySince(const LatencyHistogram &earlier) const noexcept;

    std::uint64_t bucket(std::size_t index) const noexcept { return m_buckets[index]; }
    // Number of recorded values <= `nanoseconds` (exact at bucket bounds; for "le" buckets).
    std::uint64_t countAtOrBelow(std::uint64_t nanoseconds) const noexcept;

    LatencyHistogram &operator+=(const LatencyHistogram &other) noexcept;
    // What was recorded since `earlier` (an older copy of the same cumulative histogram).
    // Its max is the upper bound of the highest bucket that grew (capped by the later max).
    LatencyHistogram operator-(const LatencyHistogram &earlier) const noexcept;

    // Cheap on an empty histogram (no 35 KB fill), so scratch histograms are reused freely.
    void clear() noexcept;

private:
    friend class AtomicLatencyHistogram;
    std::array<std::uint64_t, histogram::BucketCount> m_buckets{};
    std::uint64_t m_count = 0;
    std::uint64_t m_sum = 0;
    std::uint64_t m_max = 0;
};

// The recording side: one writer thread (a worker) counts into it with plain stores;
// any thread may read it into a LatencyHistogram at the same time. Readers may see the
// counts of a value before its sum, or the other way round: off by the values in flight.
// It also keeps the range of buckets ever used, so a reader walks only that (a pool's
// latencies span a few decades, not all 35 KB): the range only widens, so a bucket a reader
// counted once it counts in every later read.
class AtomicLatencyHistogram {
public:
    void record(std::uint64_t nanoseconds) noexcept // Owner (writer) thread only. Never blocks.
    {
        const auto index = static_cast<std::uint32_t>(histogram::bucketIndex(nanoseconds));
        if (index < m_firstUsed.load(std::memory_order_relaxed))
            m_firstUsed.store(index, std::memory_order_relaxed);
        if (index >= m_endUsed.load(std::memory_order_relaxed))
            m_endUsed.store(index + 1, std::memory_order_relaxed);
        std::atomic<std::uint64_t> &bucket = m_buckets[index];
        bucket.store(bucket.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        m_sum.store(m_sum.load(std::memory_order_relaxed) + nanoseconds, std::memory_order_relaxed);
        if (nanoseconds > m_max.load(std::memory_order_relaxed))
            m_max.store(nanoseconds, std::memory_order_relaxed);
    }

    void addTo(LatencyHistogram &out) const noexcept; // Thread-safe. Never blocks the writer.

private:
    std::atomic<std::uint64_t> m_sum{0};
    std::atomic<std::uint64_t> m_max{0};
    std::atomic<std::uint32_t> m_firstUsed{histogram::BucketCount}; // buckets [first, end) may be non-zero
    std::atomic<std::uint32_t> m_endUsed{0};
    std::array<std::atomic<std::uint64_t>, histogram::BucketCount> m_buckets{};
};

} // namespace poolscope
