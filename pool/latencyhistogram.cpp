#include "latencyhistogram.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace poolscope {

using namespace histogram;

void LatencyHistogram::record(std::uint64_t nanoseconds, std::uint64_t times) noexcept
{
    m_buckets[bucketIndex(nanoseconds)] += times;
    m_count += times;
    m_sum += nanoseconds * times;
    m_max = std::max(m_max, nanoseconds);
}

namespace {

// The 1-based rank of the value at quantile q of `count` values: the smallest value with at
// least q of them at or below it.
std::uint64_t rankOf(double q, std::uint64_t count) noexcept
{
    q = std::clamp(q, 0.0, 1.0);
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count))));
}

// The value a rank inside bucket `index` reads as: the bucket's midpoint, never above max.
std::uint64_t valueInBucket(std::size_t index, std::uint64_t max) noexcept
{
    const std::uint64_t low = bucketLowerBound(index);
    const std::uint64_t high = index + 1 >= BucketCount ? std::max(low, max) : bucketUpperBound(index);
    return std::min(low + (high - low) / 2, max);
}

// The summary of `count` values with `countAt(index)` of them in each bucket, in one pass for
// all four quantiles (their ranks only grow). The largest rank is known exactly: max.
template <typename CountAt>
LatencySummary summarise(const CountAt &countAt, std::uint64_t count, std::uint64_t sum, std::uint64_t max) noexcept
{
    LatencySummary s;
    s.count = count;
    if (count == 0)
        return s;
    s.max = max;
    s.mean = static_cast<double>(sum) / static_cast<double>(count);
    struct Wanted {
        double quantile;
        std::uint64_t LatencySummary::*field;
    };
    constexpr Wanted wanted[] = {{0.50, &LatencySummary::p50},
                                 {0.90, &LatencySummary::p90},
                                 {0.99, &LatencySummary::p99},
                                 {0.999, &LatencySummary::p999}};
    std::size_t next = 0;
    std::uint64_t seen = 0;
    for (std::size_t index = 0; index < BucketCount && next < std::size(wanted); ++index) {
        seen += countAt(index);
        for (; next < std::size(wanted); ++next) {
            const std::uint64_t rank = rankOf(wanted[next].quantile, count);
            if (rank >= count)
                s.*wanted[next].field = max;
            else if (seen >= rank)
                s.*wanted[next].field = valueInBucket(index, max);
            else
                break;
        }
    }
    for (; next < std::size(wanted); ++next)
        s.*wanted[next].field = max;
    return s;
}

} // namespace

std::uint64_t LatencyHistogram::valueAtQuantile(double q) const noexcept
{
    if (m_count == 0)
        return 0;
    const std::uint64_t rank = rankOf(q, m_count);
    if (rank >= m_count)
        return m_max;
    std::uint64_t seen = 0;
    for (std::size_t index = 0; index < BucketCount; ++index) {
        seen += m_buckets[index];
        if (seen >= rank)
            return valueInBucket(index, m_max);
    }
    return m_max;
}

LatencySummary LatencyHistogram::summary() const noexcept
{
    return summarise([this](std::size_t index) { return m_buckets[index]; }, m_count, m_sum, m_max);
}

LatencySummary LatencyHistogram::summarySince(const LatencyHistogram &earlier) const noexcept
{
    if (m_count == 0) // then every bucket is 0, and so is every growth
        return {};
    const auto grown = [this, &earlier](std::size_t index) -> std::uint64_t {
        const std::uint64_t now = m_buckets[index];
        const std::uint64_t before = earlier.m_buckets[index];
        return now > before ? now - before : 0;
    };
    // The count, sum and max operator- would give the delta.
    std::uint64_t count = 0;
    std::size_t highest = 0;
    for (std::size_t index = 0; index < BucketCount; ++index) {
        if (const std::uint64_t growth = grown(index); growth != 0) {
            count += growth;
            highest = index;
        }
    }
    if (count == 0)
        return {};
    const std::uint64_t sum = m_sum > earlier.m_sum ? m_sum - earlier.m_sum : 0;
    return summarise(grown, count, sum, std::min(bucketUpperBound(highest), m_max));
}

std::uint64_t LatencyHistogram::countAtOrBelow(std::uint64_t nanoseconds) const noexcept
{
    const std::size_t last = bucketIndex(nanoseconds);
    std::uint64_t total = 0;
    for (std::size_t index = 0; index < last; ++index)
        total += m_buckets[index];
    // The bucket holding the bound counts only if the bound is its upper end.
    if (bucketUpperBound(last) == nanoseconds || last < SubBuckets)
        total += m_buckets[last];
    return total;
}

LatencyHistogram &LatencyHistogram::operator+=(const LatencyHistogram &other) noexcept
{
    for (std::size_t index = 0; index < BucketCount; ++index)
        m_buckets[index] += other.m_buckets[index];
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_max = std::max(m_max, other.m_max);
    return *this;
}

LatencyHistogram LatencyHistogram::operator-(const LatencyHistogram &earlier) const noexcept
{
    LatencyHistogram delta;
    std::size_t highest = 0;
    bool any = false;
    for (std::size_t index = 0; index < BucketCount; ++index) {
        const std::uint64_t now = m_buckets[index];
        const std::uint64_t before = earlier.m_buckets[index];
        delta.m_buckets[index] = now > before ? now - before : 0;
        delta.m_count += delta.m_buckets[index];
        if (delta.m_buckets[index] != 0) {
            highest = index;
            any = true;
        }
    }
    delta.m_sum = m_sum > earlier.m_sum ? m_sum - earlier.m_sum : 0;
    delta.m_max = any ? std::min(bucketUpperBound(highest), m_max) : 0;
    return delta;
}

void LatencyHistogram::clear() noexcept
{
    if (m_count != 0) // every operation keeps m_count the sum of the buckets
        m_buckets.fill(0);
    m_count = 0;
    m_sum = 0;
    m_max = 0;
}

void AtomicLatencyHistogram::addTo(LatencyHistogram &out) const noexcept
{
    const std::size_t end = m_endUsed.load(std::memory_order_relaxed);
    for (std::size_t index = m_firstUsed.load(std::memory_order_relaxed); index < end; ++index) {
        const std::uint64_t count = m_buckets[index].load(std::memory_order_relaxed);
        out.m_buckets[index] += count;
        out.m_count += count;
    }
    out.m_sum += m_sum.load(std::memory_order_relaxed);
    out.m_max = std::max(out.m_max, m_max.load(std::memory_order_relaxed));
}

} // namespace poolscope
