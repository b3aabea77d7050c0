#pragma once
// A sizing sweep: the load as configured, run at each size of a grid (worker count x
// concurrency limit), each for a warm-up and then a measured period, through the same
// PoolSession verbs as the window and the headless mode. Each size is a run of its own, so
// each point keeps a full RunReport that exports and reopens like any run.

#include "kneerule.h"
#include "runreport.h"
#include "sessionsettings.h"
#include "sweepgrid.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace poolscope {

struct SweepOptions {
    SweepGrid grid;
    SessionSettings settings; // the load as configured; workers and concurrency come from the grid
    std::chrono::milliseconds warmUp{1000}; // 0..1 h: not measured, lets the pool and queue settle
    std::chrono::milliseconds period{3000}; // 100 ms..1 h: what the figures describe
    std::chrono::nanoseconds waitTarget{std::chrono::milliseconds(10)}; // the knee's queue wait p99 target, 1 µs..1 h
    double sampleRateHz = 20; // 1..100, for each point's history
    std::string poolscopeVersion; // for the reports

    // Empty, or one sentence naming the first bad field and its range (the grid's and the
    // settings' own checks included). Thread-safe.
    std::string validate() const;
};

struct SweepPoint {
    SweepFigures figures;
    RunReport report; // the whole run: warm-up, measured period and the final drain
};

struct SweepResult {
    SweepOptions options;
    unsigned processors = 1; // what a limit of 0 meant
    std::chrono::system_clock::time_point started;
    std::vector<SweepPoint> points; // in the order run: per limit, workers ascending
    bool cancelled = false;         // cancel() ended it before every point was measured

    std::vector<SweepFigures> figures() const; // the points' figures, in order. Thread-safe.
    Knee knee() const;                          // findKnee over the points measured. Thread-safe.
};

enum class SweepPhase : std::uint8_t { WarmingUp, Measuring, Draining };
std::string_view nameOf(SweepPhase phase) noexcept; // "warming up", "measuring", "draining"

struct SweepProgress {
    std::size_t pointIndex = 0; // 0-based, of pointCount
    std::size_t pointCount = 0;
    unsigned workers = 0, concurrency = 0;
    SweepPhase phase = SweepPhase::WarmingUp;
    std::chrono::nanoseconds elapsed{0};            // since run() began
    std::chrono::nanoseconds estimatedRemaining{0}; // from the points so far (planned times before the first)
};

// Runs a sweep on the thread that calls run(), which owns the sessions it makes (one run per
// point, one session for the whole sweep). Points are run per limit, workers ascending.
//
// Threading: run() once, on one thread (it waits: warm-up, measured period and drain of each
// point); cancel() from any thread at any time. The handlers are called on run()'s thread,
// must not throw, and should return quickly (they pause the sweep, not the pool).
//
// Cancel keeps what was measured: the points finished before the cancel stay in the result;
// the point in progress is drained and dropped, since a part of a measured period is not the
// period the figures promise.
class SweepRunner {
public:
    using ProgressHandler = std::function<void(const SweepProgress &)>;
    using PointHandler = std::function<void(const SweepPoint &, std::size_t index)>;

    // How often run() reports progress while it waits, and takes the run's exception reports.
    static constexpr std::chrono::milliseconds ProgressInterval{200};
    // The drain between points is fast (queued units cancelled); running units get this long.
    static constexpr std::chrono::seconds DrainDeadline{30};

    // Throws std::invalid_argument with validate()'s message for bad options.
    explicit SweepRunner(SweepOptions options);

    // Runs every point (or until cancel()); `progress` at each phase and every
    // ProgressInterval, `pointDone` after each point. Throws what PoolSession throws when no
    // thread can be started (std::system_error); the points finished by then are lost with it.
    // Owner thread only (the thread that calls it).
    SweepResult run(const ProgressHandler &progress = {}, const PointHandler &pointDone = {});

    void cancel();                 // Thread-safe. Does not wait for the sweep to stop.
    bool isCancelled() const;      // Thread-safe.

private:
    // Waits `duration` or until cancel(), calling `tick` every ProgressInterval; false when cancelled.
    bool waitFor(std::chrono::nanoseconds duration, const std::function<void()> &tick);

    const SweepOptions m_options;
    std::atomic<bool> m_cancelled{false};
    std::mutex m_mutex;
    std::condition_variable m_wake; // cancel() happened
};

} // namespace poolscope
