#pragma once
// Which size to pick from a sweep: the knee. Of the sizes whose throughput is within 5 % of
// the best one, and whose queue wait p99 meets the user's target, the smallest (fewest
// workers; for equal workers the lower concurrency limit, 0 counting as the number of
// processors). Smallest, because a thread the pool does not need costs memory, context
// switches and cache, and gains nothing; within 5 %, because sweep figures from a shared
// machine wobble by that much, so "the best" alone would pick noise.

#include "latencyhistogram.h"
#include "textformat.h" // formatRate, formatNanoseconds: the explanation's words

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace poolscope {

// What a sweep measured at one size, over its measured period (not the warm-up).
struct SweepFigures {
    unsigned workers = 0;
    unsigned concurrency = 0;    // 0 = the number of processors
    double measuredSeconds = 0;  // the measured period's real length
    std::uint64_t completed = 0; // units that ran to the end in the measured period
    std::uint64_t failed = 0;
    double completionsPerSecond = 0;
    LatencySummary queueWait;    // of the units that started in the measured period
    LatencySummary serviceTime;  // of the units that finished in the measured period
    double utilisationPercent = 0; // time-weighted, as the sampler's (Sample::utilisationPercent)
};

struct KneeRule {
    static constexpr double ThroughputShare = 0.95; // "within 5 % of the best"
    std::chrono::nanoseconds waitTarget{std::chrono::milliseconds(10)}; // queue wait p99 must be at most this
    unsigned processors = 1; // what a limit of 0 means
};

struct Knee {
    std::optional<std::size_t> index; // into the figures; none when no size qualifies
    std::string explanation;          // one sentence, for people: why this size, or why none
};

// Applies the rule to `points` (any order). Thread-safe: a pure function.
Knee findKnee(const std::vector<SweepFigures> &points, const KneeRule &rule);

// "8 workers, limit 2" / "8 workers, limit 0 (= 2 processors)". Thread-safe.
std::string describeSize(unsigned workers, unsigned concurrency, unsigned processors);

} // namespace poolscope
