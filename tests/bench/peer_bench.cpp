// peer_bench: Poolscope's pool side by side with the pools users would pick instead, in one
// process, on the same machine, same scenarios, contender order rotated per repetition.
// Prints a Markdown table and writes a JSON file of medians and ratios to Poolscope.
// Usage: peer_bench [--quick] [--reps N] [--only NAME] [--scenarios floods,bursts,wakes,stream]
//                   [--json FILE] [--markdown FILE]

#include "peers.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <set>
#include <sstream>

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t nowNs()
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

double median(std::vector<double> values)
{
    if (values.empty())
        return NAN;
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? NAN : values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

struct ProcessUsage {
    double cpuSeconds = 0;
    long switches = 0;
    static ProcessUsage now()
    {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        return {static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6,
                usage.ru_nvcsw + usage.ru_nivcsw};
    }
};

// CPU seconds the whole machine spent busy, from /proc/stat.
double machineBusySeconds()
{
    std::ifstream stat("/proc/stat");
    std::string cpu;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return static_cast<double>(user + nice + system + irq + softirq) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Waits (up to 5 s) until other processes use less than 10 % of one core. False when the
// machine stayed busy.
bool waitUntilQuiet()
{
    for (int attempt = 0; attempt < 25; ++attempt) {
        const double machine = machineBusySeconds();
        const ProcessUsage self = ProcessUsage::now();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const double foreign = (machineBusySeconds() - machine) - (ProcessUsage::now().cpuSeconds - self.cpuSeconds);
        if (foreign < 0.02)
            return true;
    }
    return false;
}

// How long a cache line takes to go from one CPU to another and back (ns, the median of 5
// runs of 20,000 trips), between the first two CPUs this process may use. On a VM the host
// decides where its vCPUs sit: on this machine the round trip flips between ~80 ns and
// ~350 ns from one minute to the next, and every contender's throughput flips with it
// (README, "Session 9"). Measured beside each contender's floods so that a table says which
// fabric its figures came from. NaN with fewer than two CPUs.
double cpuRoundTripNs()
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return NAN;
    std::vector<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu)
        if (CPU_ISSET(cpu, &allowed))
            cpus.push_back(cpu);
    if (cpus.size() < 2)
        return NAN;
    const auto setCpus = [](const cpu_set_t &set) { return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0; };
    const auto pinTo = [&](int cpu) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        return setCpus(one);
    };
    constexpr long Trips = 20'000;
    std::vector<double> runs;
    for (int run = 0; run < 5; ++run) {
        alignas(64) std::atomic<long> ball{0};
        std::atomic<bool> pinned{true};
        std::thread echo([&] {
            pinned.store(pinTo(cpus[1]), std::memory_order_relaxed);
            for (long trip = 0; trip < Trips; ++trip) {
                while (ball.load(std::memory_order_acquire) != 2 * trip + 1) {
                }
                ball.store(2 * trip + 2, std::memory_order_release);
            }
        });
        // The bench's own thread, pinned for the measurement and let go after it.
        const bool mainPinned = pinTo(cpus[0]);
        const auto start = Clock::now();
        for (long trip = 0; trip < Trips; ++trip) {
            ball.store(2 * trip + 1, std::memory_order_release);
            while (ball.load(std::memory_order_acquire) != 2 * trip + 2) {
            }
        }
        const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / Trips;
        echo.join();
        setCpus(allowed);
        if (mainPinned && pinned.load())
            runs.push_back(ns);
    }
    return median(runs);
}

// The units. Each counts itself done and releases the waiting producer at the last one.
struct Completion {
    std::atomic<std::uint64_t> done{0};
    std::uint64_t target = 0;
    std::atomic<bool> finished{false};
};

void countUnit(void *context)
{
    auto *completion = static_cast<Completion *>(context);
    if (completion->done.fetch_add(1, std::memory_order_relaxed) + 1 == completion->target)
        completion->finished.store(true, std::memory_order_release);
}

void waitFor(const Completion &completion)
{
    while (!completion.finished.load(std::memory_order_acquire))
        std::this_thread::sleep_for(std::chrono::microseconds(50));
}

struct Probe {
    std::atomic<std::uint64_t> startedAt{0};
    std::atomic<int> cpu{-1};
};

void probeUnit(void *context)
{
    auto *probe = static_cast<Probe *>(context);
    probe->cpu.store(sched_getcpu(), std::memory_order_relaxed);
    probe->startedAt.store(nowNs(), std::memory_order_release);
}

using Metrics = std::map<std::string, double>;

struct Options {
    bool quick = false;
    int reps = 3;
    std::string only;
    // Scenario groups to run (--scenarios floods,bursts,wakes,stream); empty: all. Wakes alone
    // take a seventh of a full repetition, so their tails can get many more repetitions.
    std::set<std::string> scenarios;
    bool runs(const std::string &group) const { return scenarios.empty() || scenarios.contains(group); }
    std::string jsonFile = "peer_bench.json";
    std::string markdownFile = "peer_bench.md";
};

// --- scenarios -------------------------------------------------------------------------

// N producers post `units` empty units between them, as fast as they can, to 2 workers.
// With one producer the posting thread is the bench's own, as in a server's I/O loop.
void throughput(Contender &contender, const Options &options, Metrics &metrics, int producers)
{
    const std::uint64_t perProducer = (options.quick ? 200'000 : 2'000'000) / static_cast<std::uint64_t>(producers);
    Completion completion;
    completion.target = perProducer * static_cast<std::uint64_t>(producers);
    contender.start(2);
    std::latch go(1);
    std::vector<std::thread> threads;
    for (int p = 1; p < producers; ++p)
        threads.emplace_back([&] {
            go.wait();
            for (std::uint64_t i = 0; i < perProducer; ++i)
                contender.post({&countUnit, &completion});
        });
    const ProcessUsage before = ProcessUsage::now();
    const auto start = Clock::now();
    go.count_down();
    for (std::uint64_t i = 0; i < perProducer; ++i)
        contender.post({&countUnit, &completion});
    for (auto &thread : threads)
        thread.join();
    waitFor(completion);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const ProcessUsage after = ProcessUsage::now();
    contender.stop();
    const std::string label = std::to_string(producers) + "p";
    const auto units = static_cast<double>(completion.target);
    metrics[label + " items/s"] = units / seconds;
    if (producers == 1) {
        metrics["1p cpu ns/unit"] = (after.cpuSeconds - before.cpuSeconds) * 1e9 / units;
        metrics["1p switches/unit"] = static_cast<double>(after.switches - before.switches) / units;
    }
}

void bursty(Contender &contender, const Options &options, Metrics &metrics)
{
    const int bursts = options.quick ? 100 : 500;
    Completion completion;
    completion.target = std::uint64_t(bursts) * 1000;
    contender.start(2);
    std::vector<double> drainNsPerUnit;
    const ProcessUsage before = ProcessUsage::now();
    for (int burst = 1; burst <= bursts; ++burst) {
        const auto start = Clock::now();
        for (int i = 0; i < 1000; ++i)
            contender.post({&countUnit, &completion});
        while (completion.done.load(std::memory_order_acquire) < std::uint64_t(burst) * 1000)
            std::this_thread::yield();
        drainNsPerUnit.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / 1000);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const ProcessUsage after = ProcessUsage::now();
    contender.stop();
    const double units = bursts * 1000.0;
    metrics["burst drain ns/unit"] = median(drainNsPerUnit);
    metrics["burst cpu ns/unit"] = (after.cpuSeconds - before.cpuSeconds) * 1e9 / units;
    metrics["burst switches/unit"] = static_cast<double>(after.switches - before.switches) / units;
}

// How the poster waits for the unit it posted to start.
enum class PosterWait {
    Yield, // idle poster: it gives its core away (as a thread that goes on to sleep does)
    Spin,  // running poster: it keeps its core (a server's I/O loop, a producer in a loop)
};

// An idle pool gets one unit after a gap; post -> start of the unit, and where it ran.
void wakeLatency(Contender &contender, const Options &options, Metrics &metrics, std::chrono::microseconds gap,
                 PosterWait posterWait, const std::string &label)
{
    const int samples = gap >= std::chrono::milliseconds(1) ? (options.quick ? 300 : 2000) : (options.quick ? 2000 : 20'000);
    contender.start(2);
    Probe probe;
    std::vector<double> latencies;
    latencies.reserve(static_cast<std::size_t>(samples));
    int onProducerCpu = 0;
    const ProcessUsage before = ProcessUsage::now();
    for (int i = 0; i < samples; ++i) {
        std::this_thread::sleep_for(gap);
        probe.startedAt.store(0, std::memory_order_relaxed);
        const int producerCpu = sched_getcpu();
        const std::uint64_t postedAt = nowNs();
        contender.post({&probeUnit, &probe});
        while (probe.startedAt.load(std::memory_order_acquire) == 0) {
            if (posterWait == PosterWait::Yield)
                std::this_thread::yield();
        }
        latencies.push_back(static_cast<double>(probe.startedAt.load() - postedAt) / 1000.0);
        onProducerCpu += probe.cpu.load() == producerCpu;
    }
    const ProcessUsage after = ProcessUsage::now();
    contender.stop();
    metrics[label + " p50 us"] = percentile(latencies, 0.50);
    metrics[label + " p99 us"] = percentile(latencies, 0.99);
    metrics[label + " p99.9 us"] = percentile(latencies, 0.999);
    metrics[label + " on producer cpu %"] = 100.0 * onProducerCpu / samples;
    // Poster and workers together; the gaps are sleeps, so this is what a wake costs.
    metrics[label + " cpu us/wake"] = (after.cpuSeconds - before.cpuSeconds) * 1e6 / samples;
}

// A running poster that streams: it posts a unit every `gap` and stays on its core in
// between (spinning to the next post time), never waiting for a unit; post -> start of each
// unit. A server's I/O thread handing off requests at tens of thousands a second: the
// workers must get a CPU while the poster keeps its own.
struct StreamProbe {
    std::uint64_t postedAt = 0;
    std::atomic<std::uint64_t> startedAt{0};
};

void streamProbeUnit(void *context)
{
    static_cast<StreamProbe *>(context)->startedAt.store(nowNs(), std::memory_order_release);
}

void runningPosterStream(Contender &contender, const Options &options, Metrics &metrics, std::chrono::microseconds gap,
                         const std::string &label)
{
    const int units = options.quick ? 2000 : 20'000;
    std::vector<StreamProbe> probes(static_cast<std::size_t>(units));
    contender.start(2);
    auto next = Clock::now();
    for (auto &probe : probes) {
        next += gap;
        while (Clock::now() < next) {
        }
        probe.postedAt = nowNs();
        contender.post({&streamProbeUnit, &probe});
    }
    for (const auto &probe : probes)
        while (probe.startedAt.load(std::memory_order_acquire) == 0)
            std::this_thread::yield();
    contender.stop();
    std::vector<double> latencies;
    latencies.reserve(probes.size());
    for (const auto &probe : probes)
        latencies.push_back(static_cast<double>(probe.startedAt.load() - probe.postedAt) / 1000.0);
    metrics[label + " p50 us"] = percentile(latencies, 0.50);
    metrics[label + " p99 us"] = percentile(latencies, 0.99);
    // One stall of a vCPU (this machine's host takes one for 0.1-4 ms now and then) makes
    // the p99 of 20,000 units by itself; the share of units that started late says more
    // about the pool (README, "Session 11").
    const auto late = std::count_if(latencies.begin(), latencies.end(), [](double us) { return us > 10.0; });
    metrics[label + " late %"] = 100.0 * static_cast<double>(late) / static_cast<double>(latencies.size());
}

// One contender through every scenario; reruns once if other processes disturbed it.
Metrics runContender(const std::function<std::unique_ptr<Contender>()> &make, const Options &options)
{
    Metrics metrics;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool quiet = waitUntilQuiet();
        metrics.clear();
        const double machineBefore = machineBusySeconds();
        const ProcessUsage selfBefore = ProcessUsage::now();
        const auto start = Clock::now();
        auto contender = make();
        std::vector<double> roundTrips;
        if (options.runs("floods")) {
            for (const int producers : {1, 4, 8}) {
                roundTrips.push_back(cpuRoundTripNs());
                throughput(*contender, options, metrics, producers);
            }
            metrics["cpu round trip ns"] = median(roundTrips);
        }
        if (options.runs("bursts"))
            bursty(*contender, options, metrics);
        if (options.runs("wakes")) {
            wakeLatency(*contender, options, metrics, std::chrono::microseconds(50), PosterWait::Yield, "wake 50us");
            wakeLatency(*contender, options, metrics, std::chrono::microseconds(1000), PosterWait::Yield, "wake 1ms");
            wakeLatency(*contender, options, metrics, std::chrono::microseconds(1000), PosterWait::Spin,
                        "wake running poster");
        }
        if (options.runs("stream"))
            runningPosterStream(*contender, options, metrics, std::chrono::microseconds(20), "stream 20us");
        const double wall = std::chrono::duration<double>(Clock::now() - start).count();
        const double foreign = (machineBusySeconds() - machineBefore) - (ProcessUsage::now().cpuSeconds - selfBefore.cpuSeconds);
        metrics["foreign cpu %"] = std::max(0.0, 100.0 * foreign / wall);
        // A rerun only helps when the machine was quiet before and something passed by; on a
        // machine that stays busy, the "foreign cpu %" row says how busy.
        if (metrics["foreign cpu %"] < 10 || !quiet)
            break;
        std::fprintf(stderr, "  %s was disturbed (%.0f %% of a core used by other processes): running it again\n",
                     contender->name().c_str(), metrics["foreign cpu %"]);
    }
    return metrics;
}

bool higherIsBetter(const std::string &metric) { return metric.find("items/s") != std::string::npos; }

bool isPeer(const std::string &name) { return name.rfind("poolscope", 0) != 0 && name != "busy-poll limit"; }

using Results = std::map<std::string, std::map<std::string, std::vector<double>>>;

// Poolscope's advantage (> 1: better) of `ours` over `theirs`, for one repetition.
double advantage(const std::string &metric, double ours, double theirs)
{
    if (!(ours > 0) || !(theirs > 0))
        return NAN;
    return higherIsBetter(metric) ? ours / theirs : theirs / ours;
}

// The library peer whose median over the repetitions is best for `metric`; empty when none
// measured it.
std::string bestPeerByMedian(Results &results, const std::string &metric)
{
    std::string bestName;
    double bestValue = NAN;
    for (auto &[name, metrics] : results) {
        if (!isPeer(name) || metrics[metric].empty())
            continue;
        const double value = median(metrics[metric]);
        if (std::isnan(bestValue) || (higherIsBetter(metric) ? value > bestValue : value < bestValue)) {
            bestValue = value;
            bestName = name;
        }
    }
    return bestName;
}

// `name`'s advantage over `other` for `metric`: the median of per-repetition ratios.
double versusPeer(Results &results, const std::string &name, const std::string &other, const std::string &metric)
{
    const std::vector<double> &ours = results[name][metric];
    const std::vector<double> &theirs = results[other][metric];
    std::vector<double> ratios;
    for (std::size_t rep = 0; rep < std::min(ours.size(), theirs.size()); ++rep)
        if (const double ratio = advantage(metric, ours[rep], theirs[rep]); !std::isnan(ratio))
            ratios.push_back(ratio);
    return median(ratios);
}

// The per-repetition yardstick applied to every contender: each one's advantage over the
// best of the other library peers in the same repetition (the median of per-repetition
// ratios). For a tail that swings from run to run, the best of several contenders in a
// repetition is the luckiest of several draws: this table says whether any pool, the peers
// included, reaches that yardstick in every cell (README, "Session 12").
std::string yardstickTable(Results &results, const std::vector<std::string> &metricOrder)
{
    std::vector<std::string> contenders = {"poolscope"};
    for (const auto &[name, metrics] : results)
        if (isPeer(name))
            contenders.push_back(name);
    std::ostringstream out;
    out << "\nEach contender against the best of the other library peers in the same repetition (> 1: better):\n\n| metric |";
    for (const std::string &name : contenders)
        out << ' ' << name << " |";
    out << "\n|---|";
    for (std::size_t i = 0; i < contenders.size(); ++i)
        out << "---|";
    out << '\n';
    for (const std::string &metric : metricOrder) {
        const bool latency = metric.find(" p50 us") != std::string::npos || metric.find(" p99 us") != std::string::npos;
        if (!latency)
            continue;
        out << "| " << metric << " |";
        for (const std::string &name : contenders) {
            std::vector<double> ratios;
            for (std::size_t rep = 0; rep < results[name][metric].size(); ++rep) {
                double best = NAN;
                for (auto &[other, metrics] : results) {
                    if (!isPeer(other) || other == name || metrics[metric].size() <= rep)
                        continue;
                    const double value = metrics[metric][rep];
                    if (std::isnan(best) || (higherIsBetter(metric) ? value > best : value < best))
                        best = value;
                }
                if (const double ratio = advantage(metric, results[name][metric][rep], best); !std::isnan(ratio))
                    ratios.push_back(ratio);
            }
            char cell[32];
            std::snprintf(cell, sizeof cell, " %.2fx |", median(ratios));
            out << cell;
        }
        out << '\n';
    }
    return out.str();
}

// Per metric: Poolscope's median and spread, the best peer of each repetition (peers swing
// from run to run, so the best one is picked per repetition, not from the medians), the
// ratio to it and to the busy-poll limit measured in the same repetition, and what the
// variants (latency timing, sampler) keep of the plain pool, what the adaptive time slice
// gives it (the plain pool against the one without); the short-slice variant's own median and
// its ratio to the best peer of the same repetition.
std::string summaryTable(Results &results, const std::vector<std::string> &metricOrder)
{
    std::ostringstream out;
    out << "\n| metric | poolscope median (min-max) | best peer per repetition, median | vs best peer | vs best peer, same fabric |"
           " vs the peer with the best median | vs busy-poll | +latency / plain | +sampler / plain | plain / -adaptive |"
           " +slice median | +slice vs best peer |\n"
           "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    // The CPU-to-CPU round trip each contender ran beside, per repetition (NaN when unknown).
    const auto roundTrip = [&](const std::string &name, std::size_t rep) {
        const auto &values = results[name]["cpu round trip ns"];
        return rep < values.size() ? values[rep] : NAN;
    };
    // Same fabric: round trips within 30 % of each other (here ~80 against ~350 ns).
    const auto sameFabric = [&](const std::string &name, std::size_t rep) {
        const double ours = roundTrip("poolscope", rep), theirs = roundTrip(name, rep);
        return std::isnan(ours) || std::isnan(theirs) || std::abs(theirs / ours - 1) < 0.3;
    };
    const auto &ours = results["poolscope"];
    for (const std::string &metric : metricOrder) {
        if (metric.find("foreign") != std::string::npos || metric.find("producer cpu") != std::string::npos ||
            metric.find("round trip") != std::string::npos)
            continue;
        const std::vector<double> &values = ours.at(metric);
        std::vector<double> best, versusBest, versusBestSameFabric, versusLimit, latencyKeeps, samplerKeeps,
            adaptiveGives, slice, sliceVersusBest;
        std::map<std::string, int> bestNames;
        for (std::size_t rep = 0; rep < values.size(); ++rep) {
            double bestValue = NAN, bestSameFabric = NAN;
            std::string bestName;
            for (auto &[name, metrics] : results) {
                if (!isPeer(name) || metrics[metric].size() <= rep)
                    continue;
                const double value = metrics[metric][rep];
                const auto beats = [&](double other) {
                    return std::isnan(other) || (higherIsBetter(metric) ? value > other : value < other);
                };
                if (beats(bestValue)) {
                    bestValue = value;
                    bestName = name;
                }
                if (sameFabric(name, rep) && beats(bestSameFabric))
                    bestSameFabric = value;
            }
            versusBestSameFabric.push_back(advantage(metric, values[rep], bestSameFabric));
            if (!std::isnan(bestValue)) {
                best.push_back(bestValue);
                versusBest.push_back(advantage(metric, values[rep], bestValue));
                ++bestNames[bestName];
            }
            const auto sameRep = [&](const std::string &name) {
                const auto &other = results[name][metric];
                return other.size() > rep ? other[rep] : NAN;
            };
            slice.push_back(sameRep("poolscope +slice"));
            sliceVersusBest.push_back(advantage(metric, sameRep("poolscope +slice"), bestValue));
            versusLimit.push_back(advantage(metric, values[rep], sameRep("busy-poll limit")));
            latencyKeeps.push_back(advantage(metric, sameRep("poolscope +latency"), values[rep]));
            samplerKeeps.push_back(advantage(metric, sameRep("poolscope +sampler"), values[rep]));
            adaptiveGives.push_back(advantage(metric, values[rep], sameRep("poolscope -adaptive")));
        }
        std::string names;
        for (const auto &[name, count] : bestNames)
            names += (names.empty() ? "" : ", ") + name + (bestNames.size() > 1 ? " x" + std::to_string(count) : "");
        const auto withoutNan = [](std::vector<double> v) {
            std::erase_if(v, [](double x) { return std::isnan(x); });
            return v;
        };
        const std::vector<double> sameFabricRatios = withoutNan(versusBestSameFabric);
        char sameFabricCell[48];
        std::snprintf(sameFabricCell, sizeof sameFabricCell, "%.2fx (%zu of %zu)", median(sameFabricRatios),
                      sameFabricRatios.size(), values.size());
        const std::string steadyPeer = bestPeerByMedian(results, metric);
        char steadyCell[96] = "-";
        if (!steadyPeer.empty())
            std::snprintf(steadyCell, sizeof steadyCell, "%.2fx (%s)", versusPeer(results, "poolscope", steadyPeer, metric),
                          steadyPeer.c_str());
        char row[800];
        std::snprintf(row, sizeof row, "| %s | %.4g (%.4g-%.4g) | %.4g (%s) | %.2fx | %s | %s | %.2fx | %.2fx | %.2fx | %.2fx | %.4g | %.2fx |\n",
                      metric.c_str(), median(values), *std::min_element(values.begin(), values.end()),
                      *std::max_element(values.begin(), values.end()), median(best), names.c_str(),
                      median(withoutNan(versusBest)), sameFabricCell, steadyCell, median(withoutNan(versusLimit)),
                      median(withoutNan(latencyKeeps)), median(withoutNan(samplerKeeps)),
                      median(withoutNan(adaptiveGives)), median(withoutNan(slice)),
                      median(withoutNan(sliceVersusBest)));
        out << row;
    }
    // Throughput follows the CPU-to-CPU round trip (cpuRoundTripNs), so each contender's
    // round trip per repetition: a ratio between a run at ~80 ns and one at ~350 ns compares
    // fabrics, not pools.
    std::string roundTrips;
    for (auto &[name, metrics] : results) {
        const auto found = metrics.find("cpu round trip ns");
        if (found == metrics.end() || found->second.empty())
            continue;
        roundTrips += (roundTrips.empty() ? " " : "; ") + name + ' ';
        for (std::size_t rep = 0; rep < found->second.size(); ++rep) {
            char value[32];
            std::snprintf(value, sizeof value, "%s%.0f", rep == 0 ? "" : " / ", found->second[rep]);
            roundTrips += value;
        }
    }
    if (!roundTrips.empty()) // the floods ran
        out << "\nCPU-to-CPU cache-line round trip beside the floods, ns, by repetition:" << roundTrips << ".\n";
    out << yardstickTable(results, metricOrder);
    out << "\nRatios: medians of per-repetition ratios, > 1 means the first is better (for items/s ours / theirs, "
           "for times, CPU and switches theirs / ours). \"Same fabric\" picks the best peer of each repetition "
           "among those whose round trip was within 30 % of Poolscope's, and says in how many repetitions one was. "
           "\"The peer with the best median\" is issue 13's method: one peer per metric, the one whose median over the "
           "repetitions is best, and the median of per-repetition ratios against it. "
           "+latency and +sampler compare the pool with latency timing, "
           "and with a 60 Hz sampler, to the plain pool; -adaptive is the pool without the adaptive time slice "
           "(WorkerPoolOptions::adaptiveTimeSlice off: the kernel's default slice throughout); +slice is the pool whose workers "
           "ask for a 100 us time slice all the time.\n";
    return out.str();
}

} // namespace

const char *const UsageText = "usage: peer_bench [--quick] [--reps N] [--only NAME] [--scenarios floods,bursts,wakes,stream]"
                          " [--json FILE] [--markdown FILE]\n";
const std::set<std::string> ScenarioGroups = {"floods", "bursts", "wakes", "stream"};

int main(int argc, char **argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick")
            options.quick = true;
        else if (arg == "--reps" && i + 1 < argc)
            options.reps = std::max(1, std::atoi(argv[++i]));
        else if (arg == "--only" && i + 1 < argc)
            options.only = argv[++i];
        else if (arg == "--json" && i + 1 < argc)
            options.jsonFile = argv[++i];
        else if (arg == "--markdown" && i + 1 < argc)
            options.markdownFile = argv[++i];
        else if (arg == "--scenarios" && i + 1 < argc) {
            std::istringstream list(argv[++i]);
            for (std::string group; std::getline(list, group, ',');)
                options.scenarios.insert(group);
        } else {
            std::fprintf(stderr, "%s", UsageText);
            return 2;
        }
    }
    for (const std::string &group : options.scenarios)
        if (!ScenarioGroups.contains(group)) {
            std::fprintf(stderr, "peer_bench: unknown scenario group '%s'\n%s", group.c_str(), UsageText);
            return 2;
        }

    std::vector<std::pair<std::string, std::function<std::unique_ptr<Contender>()>>> contenders = {
        {"poolscope", [] { return std::make_unique<PoolscopeContender>(PoolscopeContender::Variant{}); }},
        {"poolscope +latency", [] { return std::make_unique<PoolscopeContender>(PoolscopeContender::Variant{.latency = true}); }},
        {"poolscope +sampler", [] { return std::make_unique<PoolscopeContender>(PoolscopeContender::Variant{.sampler = true}); }},
        {"poolscope -adaptive",
         [] { return std::make_unique<PoolscopeContender>(PoolscopeContender::Variant{.adaptiveSlice = false}); }},
        {"poolscope +slice", [] { return std::make_unique<PoolscopeContender>(PoolscopeContender::Variant{.shortSlice = true}); }},
        {"asio::thread_pool", [] { return std::make_unique<AsioContender>(); }},
        {"oneTBB task_arena", [] { return std::make_unique<TbbContender>(); }},
        {"moodycamel blocking queue", [] { return std::make_unique<MoodycamelContender>(); }},
        {"mutex+condvar", [] { return std::make_unique<CondvarContender>(); }},
        {"busy-poll limit", [] { return std::make_unique<BusyPollContender>(); }},
    };
    if (!options.only.empty()) {
        std::erase_if(contenders, [&](const auto &c) {
            return c.first.find(options.only) == std::string::npos && c.first != "poolscope";
        });
    }

    // results[contender][metric] = one value per repetition
    Results results;
    for (int rep = 0; rep < options.reps; ++rep) { // each repetition starts one contender later
        for (std::size_t k = 0; k < contenders.size(); ++k) {
            const auto &[name, make] = contenders[(k + static_cast<std::size_t>(rep)) % contenders.size()];
            std::fprintf(stderr, "repetition %d/%d: %s\n", rep + 1, options.reps, name.c_str());
            for (const auto &[metric, value] : runContender(make, options))
                results[name][metric].push_back(value);
        }
    }

    // Medians, and each contender's ratio to Poolscope as the median of per-repetition ratios
    // (for "lower is better" metrics, Poolscope / contender, so that > 1 always means Poolscope wins).
    std::vector<std::string> metricOrder;
    for (const auto &[metric, values] : results["poolscope"])
        metricOrder.push_back(metric);
    const auto ratioOf = [&](const std::string &name, const std::string &metric) {
        std::vector<double> ratios;
        const auto &ours = results["poolscope"][metric];
        const auto &theirs = results[name][metric];
        for (std::size_t i = 0; i < std::min(ours.size(), theirs.size()); ++i)
            if (ours[i] > 0 && theirs[i] > 0)
                ratios.push_back(higherIsBetter(metric) ? ours[i] / theirs[i] : theirs[i] / ours[i]);
        return median(ratios);
    };

    std::ostringstream markdown;
    markdown << "| metric |";
    for (const auto &[name, make] : contenders)
        markdown << ' ' << name << " |";
    markdown << "\n|---|";
    for (std::size_t i = 0; i < contenders.size(); ++i)
        markdown << "---|";
    markdown << '\n';
    // JSON has no NaN (a ratio against a contender with a zero figure, a metric it lacks): null.
    auto jsonNumber = [](double value) {
        std::ostringstream text;
        if (std::isfinite(value))
            text << value;
        else
            text << "null";
        return text.str();
    };
    std::ostringstream json;
    json << "{\n  \"format\": 1,\n  \"repetitions\": " << options.reps << ",\n  \"quick\": " << (options.quick ? "true" : "false")
         << ",\n  \"processors\": " << std::thread::hardware_concurrency() << ",\n  \"contenders\": {\n";
    for (std::size_t c = 0; c < contenders.size(); ++c) {
        const std::string &name = contenders[c].first;
        json << "    \"" << name << "\": {";
        for (std::size_t m = 0; m < metricOrder.size(); ++m) {
            const std::string &metric = metricOrder[m];
            json << (m ? ", " : "") << "\"" << metric << "\": {\"median\": " << jsonNumber(median(results[name][metric]))
                 << ", \"ratio_poolscope_advantage\": " << jsonNumber(ratioOf(name, metric)) << ", \"repetitions\": [";
            const std::vector<double> &values = results[name][metric];
            for (std::size_t rep = 0; rep < values.size(); ++rep)
                json << (rep ? ", " : "") << jsonNumber(values[rep]);
            json << "]}";
        }
        json << "}" << (c + 1 < contenders.size() ? "," : "") << "\n";
    }
    json << "  }\n}\n";
    for (const std::string &metric : metricOrder) {
        markdown << "| " << metric << (higherIsBetter(metric) ? " (higher is better)" : "") << " |";
        for (const auto &[name, make] : contenders) {
            char cell[96];
            const double value = median(results[name][metric]);
            if (name == "poolscope" || metric.find("foreign") != std::string::npos || metric.find("producer cpu") != std::string::npos)
                std::snprintf(cell, sizeof cell, " %.4g |", value);
            else
                std::snprintf(cell, sizeof cell, " %.4g (%.2fx) |", value, ratioOf(name, metric));
            markdown << cell;
        }
        markdown << '\n';
    }
    markdown << "\nRatios in brackets: Poolscope's advantage over that contender, the median of per-repetition ratios "
                "(> 1: Poolscope is better; for times and counts it is theirs / ours).\n";
    markdown << summaryTable(results, metricOrder);
    std::printf("%s", markdown.str().c_str());
    std::ofstream(options.markdownFile) << markdown.str();
    std::ofstream(options.jsonFile) << json.str();
    std::fprintf(stderr, "wrote %s and %s\n", options.markdownFile.c_str(), options.jsonFile.c_str());
    return 0;
}
