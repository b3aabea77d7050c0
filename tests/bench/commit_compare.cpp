// commit_compare: 1-producer throughput of WorkerPool (2 workers, empty units), plain and with
// latency timing, alternated within the process. Uses only the API every version of pool/
// has, so scripts/compare-commits.sh can build it against two commits' pool/ and run the two
// binaries in turn: "did this change slow the fast path" on a machine whose throughput swings
// 2x within minutes. Not a CMake target: the script compiles it against each commit.
// Usage: commit_compare [runs] [items] [producers]
// Prints: plain M/s, plain CPU ns/unit, timed M/s, timed CPU ns/unit

#include "workerpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <thread>
#include <vector>

#include <sys/resource.h>

namespace {

double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void countUnit(void *context) { static_cast<std::atomic<std::uint64_t> *>(context)->fetch_add(1, std::memory_order_relaxed); }

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
    const std::uint64_t items = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1'000'000;
    const unsigned producers = argc > 3 ? static_cast<unsigned>(std::max(1, std::atoi(argv[3]))) : 1;
    const std::uint64_t perProducer = items / producers;
    const std::uint64_t total = perProducer * producers;
    std::vector<double> rate[2], cpu[2];
    for (int run = 0; run < runs; ++run) {
        for (int k = 0; k < 2; ++k) {
            const int timed = (k + run) % 2; // rotated: neither always runs first
            poolscope::WorkerPool pool({.workers = 2, .concurrency = 2, .measureLatency = timed == 1});
            std::atomic<std::uint64_t> done{0};
            const double cpuBefore = cpuSeconds();
            const auto start = std::chrono::steady_clock::now();
            // The first producer is this thread; the others start with it.
            std::latch go(1);
            std::vector<std::thread> others;
            for (unsigned p = 1; p < producers; ++p)
                others.emplace_back([&] {
                    go.wait();
                    for (std::uint64_t i = 0; i < perProducer; ++i)
                        pool.post(&countUnit, &done);
                });
            go.count_down();
            for (std::uint64_t i = 0; i < perProducer; ++i)
                pool.post(&countUnit, &done);
            for (std::thread &other : others)
                other.join();
            while (done.load(std::memory_order_relaxed) < total)
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            rate[timed].push_back(static_cast<double>(total) / seconds / 1e6);
            cpu[timed].push_back((cpuSeconds() - cpuBefore) * 1e9 / static_cast<double>(total));
        }
    }
    std::printf("%.3f %.0f %.3f %.0f\n", median(rate[0]), median(cpu[0]), median(rate[1]), median(cpu[1]));
    return 0;
}
