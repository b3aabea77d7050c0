#include "kneerule.h"

#include <algorithm>
#include <tuple>

namespace poolscope {

std::string describeSize(unsigned workers, unsigned concurrency, unsigned processors)
{
    std::string text = std::to_string(workers) + (workers == 1 ? " worker, limit " : " workers, limit ") + std::to_string(concurrency);
    if (concurrency == 0)
        text += " (= " + std::to_string(processors) + (processors == 1 ? " processor)" : " processors)");
    return text;
}

Knee findKnee(const std::vector<SweepFigures> &points, const KneeRule &rule)
{
    Knee knee;
    const auto best = std::max_element(points.begin(), points.end(), [](const SweepFigures &a, const SweepFigures &b) {
        return a.completionsPerSecond < b.completionsPerSecond;
    });
    if (best == points.end() || !(best->completionsPerSecond > 0)) {
        knee.explanation = points.empty() ? "No size was measured: there is no knee."
                                          : "No size completed any unit in its measured period: there is no knee.";
        return knee;
    }
    const std::string target = formatNanoseconds(static_cast<double>(rule.waitTarget.count()));
    const std::string bestText = formatRate(best->completionsPerSecond) + " at " +
                                 describeSize(best->workers, best->concurrency, rule.processors);
    const auto effectiveLimit = [&](unsigned concurrency) { return concurrency == 0 ? rule.processors : concurrency; };
    // Smaller first: fewer workers, then a lower limit, then (a tie) the faster one.
    const auto smaller = [&](const SweepFigures &a, const SweepFigures &b) {
        return std::tuple(a.workers, effectiveLimit(a.concurrency), -a.completionsPerSecond) <
               std::tuple(b.workers, effectiveLimit(b.concurrency), -b.completionsPerSecond);
    };
    const double floor = best->completionsPerSecond * KneeRule::ThroughputShare;
    const auto fastEnough = [&](const SweepFigures &p) { return p.completionsPerSecond >= floor; };
    const auto meetsTarget = [&](const SweepFigures &p) {
        return std::chrono::nanoseconds(static_cast<std::int64_t>(std::min<std::uint64_t>(p.queueWait.p99, INT64_MAX))) <=
               rule.waitTarget;
    };

    std::optional<std::size_t> chosen, lowestWait;
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (!fastEnough(points[i]))
            continue;
        if (meetsTarget(points[i]) && (!chosen || smaller(points[i], points[*chosen])))
            chosen = i;
        if (!lowestWait || points[i].queueWait.p99 < points[*lowestWait].queueWait.p99)
            lowestWait = i;
    }
    if (!chosen) {
        const SweepFigures &p = points[*lowestWait];
        knee.explanation = "No size within 5 % of the best throughput (" + bestText + ") keeps the queue wait p99 within " +
                           target + ": the lowest among them is " + formatNanoseconds(static_cast<double>(p.queueWait.p99)) +
                           " at " + describeSize(p.workers, p.concurrency, rule.processors) + ".";
        return knee;
    }
    const SweepFigures &k = points[*chosen];
    knee.index = chosen;
    knee.explanation = "Knee at " + describeSize(k.workers, k.concurrency, rule.processors) +
                       ": the smallest size within 5 % of the best throughput (" + formatRate(k.completionsPerSecond) +
                       " against " + bestText + ") whose queue wait p99 (" +
                       formatNanoseconds(static_cast<double>(k.queueWait.p99)) + ") meets the " + target + " target.";
    return knee;
}

} // namespace poolscope
