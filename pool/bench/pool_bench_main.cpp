// pool_bench: the pool alone, no peers (tests/bench compares it with other pools).
//   throughput: one producer posts empty units to 2 workers; items/s, median of 5 runs
//   wake latency: an idle pool gets one unit every 50 us; post -> start, p50 / p99
// Usage: pool_bench [--items N] [--samples N]

#include "workerpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <sys/resource.h>

using namespace poolscope;
using Clock = std::chrono::steady_clock;

namespace {

std::uint64_t nowNs()
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

void emptyUnit(void *) {}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
    return values[index];
}

long contextSwitches()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_nvcsw + usage.ru_nivcsw;
}

double g_switchesPerUnit = 0;

double throughputRun(std::uint64_t items, bool measureLatency)
{
    WorkerPool pool({.workers = 2, .concurrency = 2, .measureLatency = measureLatency});
    const long switchesBefore = contextSwitches();
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < items; ++i)
        pool.post(&emptyUnit, nullptr);
    // Polling the snapshot is the benchmark's own completion check, outside the units.
    while (pool.snapshot().completed < items)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    g_switchesPerUnit = static_cast<double>(contextSwitches() - switchesBefore) / static_cast<double>(items);
    return static_cast<double>(items) / seconds;
}

struct LatencyProbe {
    std::atomic<std::uint64_t> postedAt{0};
    std::atomic<std::uint64_t> startedAt{0};
};

std::vector<double> wakeLatencies(int samples, std::chrono::microseconds gap)
{
    WorkerPool pool({.workers = 2, .concurrency = 2, .measureLatency = false});
    LatencyProbe probe;
    std::vector<double> latenciesUs;
    latenciesUs.reserve(static_cast<std::size_t>(samples));
    for (int i = 0; i < samples; ++i) {
        std::this_thread::sleep_for(gap);
        probe.startedAt.store(0, std::memory_order_relaxed);
        probe.postedAt.store(nowNs(), std::memory_order_relaxed);
        pool.post(
            [](void *context) {
                static_cast<LatencyProbe *>(context)->startedAt.store(nowNs(), std::memory_order_release);
            },
            &probe);
        while (probe.startedAt.load(std::memory_order_acquire) == 0)
            std::this_thread::yield();
        latenciesUs.push_back(static_cast<double>(probe.startedAt.load() - probe.postedAt.load()) / 1000.0);
    }
    return latenciesUs;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t items = 2'000'000;
    int samples = 20'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--items") == 0)
            items = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--samples") == 0)
            samples = std::atoi(argv[i + 1]);
    }

    std::printf("backend: %s, processors: %u\n", WorkerPool::backendName(), CompletionPort::processorCount());
    // Alternate the two configurations so that machine noise hits both alike.
    std::vector<double> plain, timed, ratios;
    for (int run = 0; run < 7; ++run) {
        plain.push_back(throughputRun(items, false));
        timed.push_back(throughputRun(items, true));
        ratios.push_back(timed.back() / plain.back());
    }
    for (const auto &[label, rates] : {std::pair{"counters on", &plain}, std::pair{"counters + latency histograms", &timed}})
        std::printf("throughput, 1 producer -> 2 workers, empty units, %s: median %.2f M items/s "
                    "(min %.2f, max %.2f, 7 runs of %llu)\n",
                    label, median(*rates) / 1e6, *std::min_element(rates->begin(), rates->end()) / 1e6,
                    *std::max_element(rates->begin(), rates->end()) / 1e6, static_cast<unsigned long long>(items));
    std::printf("context switches per unit (last run): %.4f\n", g_switchesPerUnit);
    std::printf("latency timing keeps %.0f %% of the throughput (median of per-run ratios)\n", 100.0 * median(ratios));

    for (auto gap : {std::chrono::microseconds(50), std::chrono::microseconds(1000)}) {
        const auto latencies = wakeLatencies(gap.count() >= 1000 ? samples / 10 : samples, gap);
        std::printf("wake latency of an idle pool, %lld us gap: p50 %.1f us, p99 %.1f us, p99.9 %.1f us (%zu samples)\n",
                    static_cast<long long>(gap.count()), percentile(latencies, 0.50), percentile(latencies, 0.99),
                    percentile(latencies, 0.999), latencies.size());
    }
    return 0;
}
