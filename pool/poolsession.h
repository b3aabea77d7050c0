#pragma once

#include "exceptioncoalescer.h"
#include "ioload.h"
#include "latencyhistogram.h"
#include "loadgenerator.h"
#include "metricsexport.h"
#include "sampler.h"
#include "sessionsettings.h"
#include "workerpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace poolscope {

struct RunReport;

// Which pool a number belongs to. Each pool the session starts is a run: its counters, its
// exception log, its history and its exports describe it alone.
struct RunIdentity {
    std::uint64_t number = 0;                      // 1, 2, 3 ... per session
    std::chrono::system_clock::time_point started; // wall clock, for people and exports
    std::uint64_t firstSample = 1;                 // sequence of the run's first sample
    SessionSettings settings;                      // what the run was started with
};

// A drain in progress, as far as a window needs it to show progress.
struct DrainProgress {
    ShutdownMode mode = ShutdownMode::Graceful;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point deadline; // max() for none
    bool cancelRequested = false;                   // cancelQueued() turned it into a fast one
};

enum class RunPhase : std::uint8_t {
    Running,      // accepting work (or failed fast, still to be drained)
    ShuttingDown, // beginShutdown(): the load is stopped; a drain runs or is about to
    Stopped,      // a drain returned: the pool accepts nothing; restart() may begin a new run
};
std::string_view nameOf(RunPhase phase) noexcept;

// What a status line shows, read in one go.
struct SessionStatus {
    RunIdentity run;
    RunPhase phase = RunPhase::Running;
    PoolSnapshot pool;
    LoadState load = LoadState::Stopped;
    LoadStats loadStats;
    double samplingRateHz = 0;
    std::optional<DrainProgress> drain; // set while drain() runs
    std::optional<ShutdownResult> lastDrain; // the run's drain, once it returned
    IoLoadStats io; // the I/O load's drivers; io.problem says why a part does not run
};

// One door to a run (heaptrack's shape: one core, its lifecycle included, for the GUI and the
// headless runner alike). It owns the WorkerPool, the LoadGenerator that feeds it and the
// Sampler that records it, hands none of them out, and offers verbs and plain-value reads.
//
// Threading: the session belongs to the thread that creates it (the owner: the GUI or the
// headless main thread). Owner-thread verbs (apply, the load verbs, resetPeaks, beginShutdown,
// restart, takeExceptionReports, exceptions, previousRun) never wait for pool threads nor for
// the sampler's (restart hands the new pool to the sampler without waiting for a sample in
// progress): the longest is stopping the load's producers, which takes a few milliseconds. drain() is the one
// verb that waits, for as long as the pool needs, and may run on any thread (a helper), while
// the owner keeps calling the rest; restart() refuses to run while it does. Thread-safe reads
// (status, samplesSince, metrics, failFastException, latencySinceStart, cancelQueued) may
// come from any thread at any time, a drain included.
//
// Exceptions thrown by work units never reach the session's caller: the pool catches them;
// the session coalesces the run's reports (ExceptionCoalescer) as the owner takes them.
//
// I/O: where io_uring is available the pool serves I/O (WorkerPoolOptions::serveIo) and the
// run's IoLoad (echo server and clients, file reads) follows SessionSettings::io and the load
// verbs: it issues while the load runs, stops issuing at beginShutdown(), and drain() does
// Q192800's I/O part (ShutdownResult::io). Where io_uring is not, the run goes on without
// I/O and status().io.problem says why.
//
// Destruction stops the load and the sampler, then destroys the pool, which cancels what is
// queued and joins its threads: it waits for running units. Drain first to keep it short.
class PoolSession {
public:
    // Throws std::invalid_argument with validate()'s message for bad settings.
    explicit PoolSession(SessionSettings settings = {}, SamplerOptions samplerOptions = {});
    ~PoolSession();
    PoolSession(const PoolSession &) = delete;
    PoolSession &operator=(const PoolSession &) = delete;

    // --- owner thread --------------------------------------------------------------------

    // Validates everything, then applies everything: true; or changes nothing and returns
    // false with `error` naming the first bad field (or why the pool refused). While the run
    // is shutting down or stopped, the settings are kept for the next restart() only.
    // Owner thread only.
    bool apply(const SessionSettings &settings, std::string &error);
    const SessionSettings &settings() const noexcept { return m_settings; } // Owner thread only.

    // Load verbs. Refused (false) once the run is shutting down, stopped or failed fast.
    bool startLoad();   // Stopped or Paused -> Running. Owner thread only.
    void pauseLoad();   // Owner thread only.
    void resumeLoad();  // Owner thread only.
    void stopLoad();    // Owner thread only. Joins the producers (milliseconds).
    void resetPeaks();  // Owner thread only.

    // Stops the load and marks the run as shutting down; the drain itself is drain()'s, on
    // any thread. Does nothing when the run already is shutting down or stopped. Owner thread only.
    void beginShutdown();

    // Begins a new run with the current settings. The run before must be stopped (a drain
    // returned); std::logic_error otherwise, and nothing changes. Never waits: the old pool
    // (whose threads may have outlived their drain's deadline, and whose memory takes a while
    // to free after a million units) is kept until releaseRetiredPools(). The old
    // run's report (counters, history, exceptions) stays readable via previousRun(); its history
    // ends with a sample taken now, or, when the sampler's thread is taking one at that moment,
    // with the sample before (the one in progress is dropped rather than waited for).
    // Throws what the new pool throws (std::system_error when no thread starts), and then
    // nothing changes either. Owner thread only.
    void restart(const std::string &poolscopeVersion = {});

    // Moves up to `max` new exception reports of the run into `out` (appending) and counts
    // them in the run's coalesced log. Owner thread only.
    std::size_t takeExceptionReports(std::vector<ExceptionReport> &out, std::size_t max = SIZE_MAX);
    // The run's exceptions as coalesced rows (what takeExceptionReports() took). Owner thread only.
    const ExceptionCoalescer &exceptions() const noexcept { return m_exceptions; }
    // The run before the current one, as it was when restart() ended it; null before the
    // first restart. Owner thread only.
    std::shared_ptr<const RunReport> previousRun() const { return m_previousRun; }

    // --- any thread ----------------------------------------------------------------------

    // Stops accepting, then drains (Graceful) or cancels (Fast) what is queued and joins the
    // workers, waiting at most `deadline` (see WorkerPool::shutdown). Call beginShutdown()
    // first: posts of a load still running are refused and counted as rejected. Returns the
    // first drain's result again when called twice. Thread-safe; waits.
    ShutdownResult drain(ShutdownMode mode, std::chrono::nanoseconds deadline = std::chrono::nanoseconds::max());
    // Cancels what is still queued: turns a graceful drain in progress into a fast one
    // ("cancel the rest"). Thread-safe. Does not wait.
    void cancelQueued();
    // Destroys the pools restart() retired, waiting for threads that outlived their drain and
    // for a sample still being taken from one. Call it on a helper after each restart(); the
    // destructor does it otherwise.
    // Thread-safe; waits.
    void releaseRetiredPools();

    SessionStatus status() const; // Thread-safe. Never blocks a worker.
    RunIdentity run() const;      // Thread-safe.
    // Appends the samples of the current run newer than `afterSequence`, oldest first;
    // returns the newest sequence in the ring (0 when empty). Thread-safe.
    std::uint64_t samplesSince(std::uint64_t afterSequence, std::vector<Sample> &out) const;
    // The run's newest `count` samples (all by default), oldest first. Thread-safe.
    std::vector<Sample> history(std::size_t count = SIZE_MAX) const;
    // Latency since the run's start as of the newest sample; false before one. Thread-safe.
    bool latencySinceStart(LatencySummary &queueWait, LatencySummary &serviceTime) const;
    // The run's counters and latency histograms now (for /metrics and exports). Thread-safe.
    MetricsView metrics() const;
    // The exception that tripped fail fast in this run, or null. Thread-safe.
    std::exception_ptr failFastException() const;
    // Takes one sample now (a final one before an export). Thread-safe.
    void sampleNow();

    // For tests that need a known pool state: posts `unit` into the run's pool. Returns the
    // unit's id, 0 when refused. Thread-safe.
    std::uint64_t post(WorkUnit unit);

private:
    std::shared_ptr<WorkerPool> currentPool() const;
    static std::unique_ptr<IoLoad> ioLoadFor(WorkerPool &pool);
    void noteIoProblem(std::string problem);
    void applyToPool(WorkerPool &pool, const SessionSettings &settings);

    SessionSettings m_settings;
    ExceptionCoalescer m_exceptions;
    std::shared_ptr<const RunReport> m_previousRun;
    LoadGenerator m_load;
    Sampler m_sampler;

    // The run: swapped by restart() on the owner thread; read by every thread. Written only
    // with m_runMutex locked; the owner thread, the only writer of m_pool, reads m_pool
    // without it; every other thread reads under it.
    mutable std::mutex m_runMutex;
    std::shared_ptr<WorkerPool> m_pool;
    RunIdentity m_run;
    RunPhase m_phase = RunPhase::Running;
    std::optional<DrainProgress> m_drain;
    std::optional<ShutdownResult> m_lastDrain;
    std::vector<std::shared_ptr<WorkerPool>> m_retired;
    // The run's I/O load, bound to m_pool's IoService (null without io_uring); swapped with
    // it. m_retiredIo[i] belongs to m_retired[i] and is destroyed before it.
    std::unique_ptr<IoLoad> m_io;
    std::vector<std::unique_ptr<IoLoad>> m_retiredIo;
    std::string m_ioProblem; // a part of the I/O load that could not start, or no io_uring
    int m_cancelsInProgress = 0;
    std::condition_variable m_cancelDone; // m_cancelsInProgress reached 0
};

} // namespace poolscope
