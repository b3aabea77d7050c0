#include "latencyhistogram.h"

#include <algorithm>
#include <cmath>

namespace poolscope {

using namespace histogram;

void LatencyHistogram::record(std::uint64_t nanoseconds, std::uint64_t times) noexcept
{
    m_buckets[bucketIndex(nanoseconds)] += times;
    m_count += times;
    m_sum += nanoseconds * times;
    m_max = std::max(m_max, nanoseconds);
}

std::uint64_t LatencyHistogram::valueAtQuantile(double q) const noexcept
{
    if (m_count == 0)
        return 0;
    q = std::clamp(q, 0.0, 1.0);
    // The rank of the value (1-based): the smallest value with at least q of the values at or below it.
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(m_count))));
    if (rank >= m_count)
        return m_max; // the largest value is known exactly
    std::uint64_t seen = 0;
    for (std::size_t index = 0; index < BucketCount; ++index) {
        seen += m_buckets[index];
        if (seen >= rank) {
            const std::uint64_t low = bucketLowerBound(index);
            const std::uint64_t high = index + 1 >= BucketCount ? std::max(low, m_max) : bucketUpperBound(index);
            return std::min(low + (high - low) / 2, m_max);
        }
    }
    return m_max;
}

LatencySummary LatencyHistogram::summary() const noexcept
{
    LatencySummary s;
    s.count = m_count;
    if (m_count == 0)
        return s;
    s.p50 = valueAtQuantile(0.50);
    s.p90 = valueAtQuantile(0.90);
    s.p99 = valueAtQuantile(0.99);
    s.p999 = valueAtQuantile(0.999);
    s.max = m_max;
    s.mean = static_cast<double>(m_sum) / static_cast<double>(m_count);
    return s;
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

void LatencyHistogram::clear() noexcept { *this = LatencyHistogram(); }

void AtomicLatencyHistogram::addTo(LatencyHistogram &out) const noexcept
{
    for (std::size_t index = 0; index < BucketCount; ++index) {
        const std::uint64_t count = m_buckets[index].load(std::memory_order_relaxed);
        out.m_buckets[index] += count;
        out.m_count += count;
    }
    out.m_sum += m_sum.load(std::memory_order_relaxed);
    out.m_max = std::max(out.m_max, m_max.load(std::memory_order_relaxed));
}

} // namespace poolscope
