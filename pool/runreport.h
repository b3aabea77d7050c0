#pragma once
// A whole run as one value, and its JSON form (the "snapshot" export): what a colleague
// opens to see the configuration, the counters, the rates, the latency, the history and the
// exceptions of a run. The schema is docs/snapshot-format.md; `format` counts its versions.

#include "exceptioncoalescer.h"
#include "latencyhistogram.h"
#include "loadsettings.h"
#include "metricsexport.h"
#include "sampler.h"
#include "sessionwatch.h"
#include "workerpool.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace poolscope {

struct RunReport {
    // 2: the I/O counters (io_*). The reader also takes 1, whose missing fields read as 0.
    static constexpr int Format = 2;
    static constexpr int OldestReadableFormat = 1;

    std::string poolscopeVersion;
    std::uint64_t runNumber = 0; // which run of the app's session (1 for the first pool)
    std::chrono::system_clock::time_point runStarted;
    std::chrono::system_clock::time_point exportedAt;
    double durationSeconds = 0; // how long the run had been going at export time
    std::string backend;
    unsigned processors = 0;
    std::string operatingSystem;

    WorkerPoolOptions pool;
    LoadSettings load;
    std::string loadState;
    double sampleRateHz = 0;

    PoolSnapshot counters;
    double postsPerSecond = 0, completionsPerSecond = 0, failuresPerSecond = 0; // the latest sample's
    LatencySummary queueWaitSinceStart, serviceTimeSinceStart;
    LatencySummary ioLatencySinceStart; // I/O start to completion (format 2; count 0 without I/O)
    std::vector<Sample> history;
    std::vector<ExceptionSummary> exceptions;
    WatchReport watch; // the auto-sizer's decisions and the alerts (the caller fills it: the session does not know them)
};

class PoolSession;

// What a report holds that the session does not know.
struct ReportContext {
    std::string poolscopeVersion;
    std::size_t historySamples = SIZE_MAX; // the run's newest N samples; all by default
};

// Reads the session's current run now: its identity, configuration, counters, latency since
// the start, its history and its coalesced exceptions, and host facts. Owner thread of the
// session (it reads the settings and the exception log); copies the ring under the sampler's
// lock without stopping the pool. `metrics`, when given, gets the same counters and
// histograms for an OpenMetrics export of the same instant.
RunReport captureRunReport(const PoolSession &session, ReportContext context, MetricsView *metrics = nullptr);

// Host facts for a report: processor count and "Linux 6.1.0 x86_64" from uname. Defined with
// the other OS calls in internal/platform_<os>.cpp. Thread-safe.
std::string operatingSystemName();

void writeJson(std::ostream &out, const RunReport &report); // Thread-safe: a pure function.

} // namespace poolscope
