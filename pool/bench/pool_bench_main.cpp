// pool_bench: the pool alone, no peers (tests/bench compares it with other pools).
//   throughput: one producer posts empty units to 2 workers; items/s, median of 7 rotated runs,
//   plain, with latency timing and with a 60 Hz sampler, and what each costs per unit
//   (process CPU, worker parks)
//   wake latency: an idle pool gets one unit every 50 us / 1 ms; post -> start, p50 / p99
//   wake diagnosis (--only wake): idle poster after 50 us and 1 ms, running poster; where the woken
//   worker ran, and what the scheduler says each thread did (/proc/self/task/*/schedstat)
//   time slice (--only slice): the kernel's default slice against workers that ask for 100 us
//   (WorkerPoolOptions::timeSlice), alternated round by round in this process: wake p50/p99
//   in the three wake scenarios, 1-producer items/s and context switches per unit
//   monitoring (--only monitor): a 60 Hz sampler against none, alternated round by round, with
//   empty units and with ~0.4 us units, and what the sampler costs by itself
// Usage: pool_bench [--items N] [--samples N] [--rounds N] [--only wake|slice|monitor]

#include "sampler.h"
#include "workerpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace poolscope;
using Clock = std::chrono::steady_clock;

namespace {

std::uint64_t nowNs()
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

void emptyUnit(void *) {}

// A unit that does something: a chain of 300 dependent multiply-adds, about 0.4 us. With
// such units the workers, not the hand-over, set the pace, so the empty-unit flood's
// scheduling swings (its two regimes) no longer drown a cost of a few percent.
void arithmeticUnit(void *)
{
    std::uint64_t x = 1;
    for (int i = 0; i < 300; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        asm volatile("" : "+r"(x)); // kept, and not folded into a closed form
    }
}

double quartile(std::vector<double> values, int which)
{
    std::sort(values.begin(), values.end());
    return values[values.size() * static_cast<std::size_t>(which) / 4];
}

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

double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double g_switchesPerUnit = 0;

// Besides items/s, what a run cost: process CPU per unit (producer, workers spinning or
// not, the bench's own polling) and worker parks per unit (each one a futex sleep, and a
// futex wake paid by the producer). On 2 vCPUs with 3 busy threads, a few ns more on either
// side shift the spin/park balance, so these explain a throughput ratio better than it
// explains itself.
struct RunCost {
    double cpuNsPerUnit = 0;
    double parksPerUnit = 0;
};

// How the pool runs: plain (counters only), with latency timing, or watched by a Sampler at
// 60 Hz (what the app does with no window open).
enum class Setup { Plain, Timed, Sampled };

double throughputRun(std::uint64_t items, Setup setup, RunCost &cost,
                     std::chrono::microseconds timeSlice = std::chrono::microseconds(0),
                     WorkFunction unit = &emptyUnit)
{
    WorkerPool pool({.workers = 2, .concurrency = 2, .measureLatency = setup == Setup::Timed, .timeSlice = timeSlice});
    Sampler sampler({.rateHz = 60});
    if (setup == Setup::Sampled) {
        sampler.setSource(Sampler::sourceFor(pool));
        sampler.start();
    }
    const long switchesBefore = contextSwitches();
    const double cpuBefore = cpuSeconds();
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < items; ++i)
        pool.post(unit, nullptr);
    // Polling the snapshot is the benchmark's own completion check, outside the units.
    while (pool.snapshot().completed < items)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    g_switchesPerUnit = static_cast<double>(contextSwitches() - switchesBefore) / static_cast<double>(items);
    cost.cpuNsPerUnit = 1e9 * (cpuSeconds() - cpuBefore) / static_cast<double>(items);
    cost.parksPerUnit = static_cast<double>(pool.snapshot().parks) / static_cast<double>(items);
    return static_cast<double>(items) / seconds;
}

struct LatencyProbe {
    std::atomic<std::uint64_t> postedAt{0};
    std::atomic<std::uint64_t> startedAt{0};
};

// The poster yields its CPU while it waits for the unit to start (idle poster), or keeps
// it, spinning (running poster: a server's I/O loop, a producer in a loop).
enum class PosterWait { Yield, Spin };

std::vector<double> wakeLatencies(int samples, std::chrono::microseconds gap, PosterWait posterWait = PosterWait::Yield,
                                  std::chrono::microseconds timeSlice = std::chrono::microseconds(0))
{
    WorkerPool pool({.workers = 2, .concurrency = 2, .measureLatency = false, .timeSlice = timeSlice});
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
        while (probe.startedAt.load(std::memory_order_acquire) == 0) {
            if (posterWait == PosterWait::Yield)
                std::this_thread::yield();
        }
        latenciesUs.push_back(static_cast<double>(probe.startedAt.load() - probe.postedAt.load()) / 1000.0);
    }
    return latenciesUs;
}

// What the scheduler counted for one thread: time on a CPU, time runnable but waiting for
// one (on a runqueue), and how many times it was put on a CPU.
struct SchedStat {
    std::string name;
    double runNs = 0, waitNs = 0, slices = 0;
};

std::map<int, SchedStat> threadSchedStats()
{
    std::map<int, SchedStat> stats;
    DIR *tasks = opendir("/proc/self/task");
    if (tasks == nullptr)
        return stats;
    while (const dirent *entry = readdir(tasks)) {
        if (entry->d_name[0] == '.')
            continue;
        const int tid = std::atoi(entry->d_name);
        SchedStat stat;
        std::ifstream(std::string("/proc/self/task/") + entry->d_name + "/comm") >> stat.name;
        std::ifstream(std::string("/proc/self/task/") + entry->d_name + "/schedstat") >> stat.runNs >> stat.waitNs >> stat.slices;
        stats[tid] = stat;
    }
    closedir(tasks);
    return stats;
}

struct WakeProbe {
    std::atomic<std::uint64_t> startedAt{0};
    std::atomic<int> cpu{-1};
};

// An idle pool gets one unit after `gap`; the poster then yields (idle poster) or keeps its
// CPU (running poster) until the unit starts. Splits the latencies by whether the woken
// worker ran on the poster's CPU, says how often it ran on the CPU the previous unit ran on
// (the CPU it parked on: the kernel's first choice when that CPU is idle), and reports per
// wake what each thread spent on a CPU and runnable but waiting (schedstat), so that the
// cause of a slow wake can be read off.
void wakeDiagnosis(int samples, std::chrono::microseconds gap, PosterWait posterWait,
                   std::chrono::microseconds timeSlice = std::chrono::microseconds(0))
{
    WorkerPool pool({.workers = 2, .concurrency = 2, .measureLatency = false, .timeSlice = timeSlice});
    WakeProbe probe;
    std::vector<double> sameCpu, otherCpu;
    int onPreviousCpu = 0;
    int previousCpu = -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // let both workers park
    const auto before = threadSchedStats();
    const PoolSnapshot poolBefore = pool.snapshot();
    const double cpuBefore = cpuSeconds();
    for (int i = 0; i < samples; ++i) {
        std::this_thread::sleep_for(gap);
        probe.startedAt.store(0, std::memory_order_relaxed);
        const int posterCpu = sched_getcpu();
        const std::uint64_t postedAt = nowNs();
        pool.post(
            [](void *context) {
                auto *p = static_cast<WakeProbe *>(context);
                p->cpu.store(sched_getcpu(), std::memory_order_relaxed);
                p->startedAt.store(nowNs(), std::memory_order_release);
            },
            &probe);
        while (probe.startedAt.load(std::memory_order_acquire) == 0) {
            if (posterWait == PosterWait::Yield)
                std::this_thread::yield();
        }
        const double us = static_cast<double>(probe.startedAt.load() - postedAt) / 1000.0;
        const int unitCpu = probe.cpu.load();
        (unitCpu == posterCpu ? sameCpu : otherCpu).push_back(us);
        onPreviousCpu += unitCpu == previousCpu;
        previousCpu = unitCpu;
    }
    const double cpuPerWakeUs = 1e6 * (cpuSeconds() - cpuBefore) / samples;
    const auto after = threadSchedStats();
    const PoolSnapshot poolAfter = pool.snapshot();
    std::vector<double> all = sameCpu;
    all.insert(all.end(), otherCpu.begin(), otherCpu.end());
    std::printf("wake, %s poster, %lld us gap%s (%d samples): p50 %.1f us, p99 %.1f us, p99.9 %.1f us; parks %.2f, "
                "wakes %.2f per sample; process CPU %.1f us per wake; unit on the previous unit's CPU %.0f %%\n",
                posterWait == PosterWait::Yield ? "idle" : "running", static_cast<long long>(gap.count()),
                timeSlice.count() != 0 ? ", 100 us slice" : "", samples, percentile(all, 0.5), percentile(all, 0.99),
                percentile(all, 0.999), static_cast<double>(poolAfter.parks - poolBefore.parks) / samples,
                static_cast<double>(poolAfter.wakes - poolBefore.wakes) / samples, cpuPerWakeUs,
                100.0 * onPreviousCpu / samples);
    for (const auto &[label, values] : {std::pair{"on the poster's CPU", &sameCpu}, std::pair{"on the other CPU", &otherCpu}})
        if (!values->empty())
            std::printf("  unit ran %s: %zu (%.0f %%), p50 %.1f us, p99 %.1f us\n", label, values->size(),
                        100.0 * static_cast<double>(values->size()) / samples, percentile(*values, 0.5),
                        percentile(*values, 0.99));
    for (const auto &[tid, end] : after) {
        const auto start = before.find(tid);
        if (start == before.end())
            continue;
        std::printf("  %-16s per sample: on a CPU %.1f us, runnable but waiting for a CPU %.1f us, %.2f slices\n",
                    end.name.c_str(), (end.runNs - start->second.runNs) / 1000.0 / samples,
                    (end.waitNs - start->second.waitNs) / 1000.0 / samples, (end.slices - start->second.slices) / samples);
    }
}

void wakeDiagnoses(int samples)
{
    wakeDiagnosis(samples, std::chrono::microseconds(50), PosterWait::Yield);
    wakeDiagnosis(samples, std::chrono::microseconds(1000), PosterWait::Yield);
    wakeDiagnosis(samples, std::chrono::microseconds(1000), PosterWait::Spin);
}

// What a 60 Hz sampler costs by itself: process CPU per second of a parked pool (workers
// asleep, nothing posted) with and without it. Robust where a throughput ratio of a few
// percent drowns in the noise of a shared 2-vCPU machine.
void samplerCost()
{
    for (const bool timed : {false, true}) {
        double cpu[2] = {};
        for (const bool sampled : {false, true}) {
            WorkerPool pool({.workers = 2, .concurrency = 2, .measureLatency = timed});
            for (int i = 0; i < 1000; ++i) // something in the histograms to summarise
                pool.post(&emptyUnit, nullptr);
            while (pool.snapshot().completed < 1000)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            Sampler sampler({.rateHz = 60});
            if (sampled) {
                sampler.setSource(Sampler::sourceFor(pool));
                sampler.start();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100)); // workers park
            const double before = cpuSeconds();
            std::this_thread::sleep_for(std::chrono::seconds(2));
            cpu[sampled] = (cpuSeconds() - before) / 2;
        }
        std::printf("60 Hz sampler, latency timing %s: %.0f us of CPU per second (parked pool alone: %.0f us/s)\n",
                    timed ? "on" : "off", 1e6 * (cpu[1] - cpu[0]), 1e6 * cpu[0]);
    }
}

// What a 60 Hz sampler takes from a 1-producer flood: plain and sampled runs alternated
// round by round (the order flips every round), with empty units and with ~0.4 us units.
// Medians of per-round ratios with their interquartile range: a few percent is what is
// asked, and one flood of empty units swings by more than that from run to run.
void monitoringComparison(int rounds, std::uint64_t items)
{
    std::printf("60 Hz sampler against none, %d alternated rounds, 1 producer -> 2 workers; sampled / plain, "
                "median of per-round ratios (interquartile range)\n", rounds);
    for (const auto &[unit, name, count] : {std::tuple{WorkFunction(&emptyUnit), "empty units", items},
                                            std::tuple{WorkFunction(&arithmeticUnit), "0.4 us units", items / 2}}) {
        std::vector<double> rate[2], cpu[2], throughputRatios, cpuRatios;
        for (int round = 0; round < rounds; ++round) {
            for (int k = 0; k < 2; ++k) {
                const int sampled = (k + round) % 2;
                RunCost cost;
                rate[sampled].push_back(
                    throughputRun(count, sampled ? Setup::Sampled : Setup::Plain, cost, std::chrono::microseconds(0), unit));
                cpu[sampled].push_back(cost.cpuNsPerUnit);
            }
            throughputRatios.push_back(rate[1].back() / rate[0].back());
            cpuRatios.push_back(cpu[1].back() / cpu[0].back());
        }
        std::printf("  %-13s items/s %.3f (%.3f-%.3f), plain %.2f M/s, sampled %.2f M/s; process CPU per unit %.3f "
                    "(%.3f-%.3f), plain %.0f ns, sampled %.0f ns (%llu units a run)\n",
                    name, median(throughputRatios), quartile(throughputRatios, 1), quartile(throughputRatios, 3),
                    median(rate[0]) / 1e6, median(rate[1]) / 1e6, median(cpuRatios), quartile(cpuRatios, 1),
                    quartile(cpuRatios, 3), median(cpu[0]), median(cpu[1]), static_cast<unsigned long long>(count));
    }
}

// The kernel's default slice (A) against a 100 us slice for the workers (B), alternated
// round by round (the order flips every round) so that the machine's swings hit both alike.
// Prints medians over the rounds with min-max, and the median of per-round B/A ratios.
void timeSliceComparison(int rounds, std::uint64_t items, int samples)
{
    const std::chrono::microseconds slices[2] = {std::chrono::microseconds(0), std::chrono::microseconds(100)};
    const char *metrics[] = {"wake 50 us gap p50 us", "wake 50 us gap p99 us", "wake 1 ms gap p50 us",
                             "wake 1 ms gap p99 us", "wake running poster p50 us", "wake running poster p99 us",
                             "1 producer M items/s", "1 producer switches/unit"};
    constexpr int MetricCount = 8;
    std::vector<double> values[2][MetricCount];
    for (int round = 0; round < rounds; ++round) {
        for (int k = 0; k < 2; ++k) {
            const int which = (k + round) % 2;
            const std::chrono::microseconds slice = slices[which];
            int m = 0;
            for (const auto &[gap, wait, count] :
                 {std::tuple{std::chrono::microseconds(50), PosterWait::Yield, samples},
                  std::tuple{std::chrono::microseconds(1000), PosterWait::Yield, samples / 10},
                  std::tuple{std::chrono::microseconds(1000), PosterWait::Spin, samples / 10}}) {
                const auto latencies = wakeLatencies(count, gap, wait, slice);
                values[which][m++].push_back(percentile(latencies, 0.50));
                values[which][m++].push_back(percentile(latencies, 0.99));
            }
            RunCost cost;
            values[which][m++].push_back(throughputRun(items, Setup::Plain, cost, slice) / 1e6);
            values[which][m++].push_back(g_switchesPerUnit);
        }
    }
    std::printf("time slice: the kernel's default (A) against 100 us for the workers (B), %d alternated rounds; "
                "medians (min-max), B/A = median of per-round ratios\n", rounds);
    for (int m = 0; m < MetricCount; ++m) {
        std::vector<double> ratios;
        for (int round = 0; round < rounds; ++round)
            ratios.push_back(values[1][m][static_cast<std::size_t>(round)] / values[0][m][static_cast<std::size_t>(round)]);
        const auto [minA, maxA] = std::minmax_element(values[0][m].begin(), values[0][m].end());
        const auto [minB, maxB] = std::minmax_element(values[1][m].begin(), values[1][m].end());
        std::printf("  %-28s A %.4g (%.4g-%.4g)  B %.4g (%.4g-%.4g)  B/A %.2f\n", metrics[m], median(values[0][m]), *minA,
                    *maxA, median(values[1][m]), *minB, *maxB, median(ratios));
    }
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t items = 2'000'000;
    int samples = 20'000;
    bool wakeOnly = false;
    bool sliceOnly = false;
    bool monitorOnly = false;
    int rounds = 9;
    int monitorRounds = 21;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--only") == 0) {
            wakeOnly = std::strcmp(argv[i + 1], "wake") == 0;
            sliceOnly = std::strcmp(argv[i + 1], "slice") == 0;
            monitorOnly = std::strcmp(argv[i + 1], "monitor") == 0;
        } else if (std::strcmp(argv[i], "--rounds") == 0) {
            rounds = std::max(1, std::atoi(argv[i + 1]));
            monitorRounds = rounds;
        } else if (std::strcmp(argv[i], "--items") == 0)
            items = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--samples") == 0)
            samples = std::atoi(argv[i + 1]);
    }

    std::printf("backend: %s, processors: %u\n", WorkerPool::backendName(), CompletionPort::processorCount());
    if (wakeOnly) {
        wakeDiagnoses(samples / 10);
        return 0;
    }
    if (sliceOnly) {
        timeSliceComparison(rounds, items, samples / 10);
        return 0;
    }
    if (monitorOnly) {
        monitoringComparison(monitorRounds, items);
        samplerCost();
        return 0;
    }
    // Alternate the configurations so that machine noise hits them alike.
    const std::pair<Setup, const char *> setups[] = {{Setup::Plain, "counters on"},
                                                     {Setup::Timed, "counters + latency timing"},
                                                     {Setup::Sampled, "counters + 60 Hz sampler"}};
    std::vector<double> rates[3], keeps[3], cpu[3], parks[3];
    for (int run = 0; run < 7; ++run) {
        for (int k = 0; k < 3; ++k) {
            const int which = (k + run) % 3; // rotated: none always runs first
            RunCost cost;
            rates[which].push_back(throughputRun(items, setups[which].first, cost));
            cpu[which].push_back(cost.cpuNsPerUnit);
            parks[which].push_back(cost.parksPerUnit);
        }
        for (int which = 1; which < 3; ++which)
            keeps[which].push_back(rates[which].back() / rates[0].back());
    }
    for (int which = 0; which < 3; ++which)
        std::printf("throughput, 1 producer -> 2 workers, empty units, %s: median %.2f M items/s "
                    "(min %.2f, max %.2f, 7 runs of %llu); per unit: process CPU %.0f ns, worker parks %.4f\n",
                    setups[which].second, median(rates[which]) / 1e6,
                    *std::min_element(rates[which].begin(), rates[which].end()) / 1e6,
                    *std::max_element(rates[which].begin(), rates[which].end()) / 1e6,
                    static_cast<unsigned long long>(items), median(cpu[which]), median(parks[which]));
    std::printf("context switches per unit (last run): %.4f\n", g_switchesPerUnit);
    std::printf("latency timing keeps %.0f %% of the throughput, the 60 Hz sampler %.0f %% (medians of per-run "
                "ratios; min-max %.0f-%.0f %% and %.0f-%.0f %%)\n",
                100.0 * median(keeps[1]), 100.0 * median(keeps[2]),
                100.0 * *std::min_element(keeps[1].begin(), keeps[1].end()),
                100.0 * *std::max_element(keeps[1].begin(), keeps[1].end()),
                100.0 * *std::min_element(keeps[2].begin(), keeps[2].end()),
                100.0 * *std::max_element(keeps[2].begin(), keeps[2].end()));

    monitoringComparison(monitorRounds, items);
    samplerCost();
    for (auto gap : {std::chrono::microseconds(50), std::chrono::microseconds(1000)}) {
        const auto latencies = wakeLatencies(gap.count() >= 1000 ? samples / 10 : samples, gap);
        std::printf("wake latency of an idle pool, %lld us gap: p50 %.1f us, p99 %.1f us, p99.9 %.1f us (%zu samples)\n",
                    static_cast<long long>(gap.count()), percentile(latencies, 0.50), percentile(latencies, 0.99),
                    percentile(latencies, 0.999), latencies.size());
    }
    wakeDiagnoses(samples / 10);
    return 0;
}
