#include "sweeprunner.h"

#include "completionport.h"
#include "poolsession.h"
#include "settingranges.h"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <utility>

namespace poolscope {

namespace {

using Clock = std::chrono::steady_clock;

SweepOptions validated(SweepOptions options)
{
    if (const std::string error = options.validate(); !error.empty())
        throw std::invalid_argument(error);
    return options;
}

// What the measured period saw, from the run's counters and cumulative histograms at its
// two ends: exact counts, latency of every unit in between (not an average of samples).
SweepFigures figuresBetween(const MetricsView &before, const MetricsView &after, unsigned workers, unsigned concurrency)
{
    SweepFigures f;
    f.workers = workers;
    f.concurrency = concurrency;
    f.measuredSeconds = static_cast<double>(after.snapshot.timestampNs - before.snapshot.timestampNs) / 1e9;
    f.completed = after.snapshot.completed - before.snapshot.completed;
    f.failed = after.snapshot.failed - before.snapshot.failed;
    f.completionsPerSecond = f.measuredSeconds > 0 ? static_cast<double>(f.completed) / f.measuredSeconds : 0;
    f.queueWait = (after.queueWait - before.queueWait).summary();
    f.serviceTime = (after.serviceTime - before.serviceTime).summary();
    Sample occupancy;
    occupancy.pool = after.snapshot;
    if (f.measuredSeconds > 0)
        addOccupancy(occupancy, before.snapshot, f.measuredSeconds);
    f.utilisationPercent = occupancy.utilisationPercent;
    return f;
}

} // namespace

std::string SweepOptions::validate() const
{
    using namespace std::chrono;
    if (grid.workers.empty() || grid.concurrency.empty())
        return "the sweep grid has no points";
    if (grid.pointCount() > SweepGrid::MaxPoints)
        return "the sweep grid has " + std::to_string(grid.pointCount()) + " points, at most " + std::to_string(SweepGrid::MaxPoints);
    for (const unsigned w : grid.workers)
        if (w < 1 || w > SweepGrid::MaxWorkers)
            return "sweep workers must be 1.." + std::to_string(SweepGrid::MaxWorkers) + " (got " + std::to_string(w) + ")";
    for (const unsigned c : grid.concurrency)
        if (c > SweepGrid::MaxConcurrency)
            return "sweep concurrency must be 0.." + std::to_string(SweepGrid::MaxConcurrency) + " (got " + std::to_string(c) + ")";
    // The ranges are settingranges.h's (the headless --sweep-* options read the same rows).
    const std::pair<Setting, double> values[] = {
        {Setting::SweepWarmUp, duration<double>(warmUp).count()},
        {Setting::SweepPeriod, duration<double>(period).count()},
        {Setting::WaitTarget, duration<double, std::milli>(waitTarget).count()},
        {Setting::SampleRate, sampleRateHz},
    };
    if (std::string error = firstOutOfRange(values); !error.empty())
        return error;
    return settings.validate();
}

std::string_view nameOf(SweepPhase phase) noexcept
{
    switch (phase) {
    case SweepPhase::WarmingUp: return "warming up";
    case SweepPhase::Measuring: return "measuring";
    case SweepPhase::Draining: return "draining";
    }
    return "unknown";
}

std::vector<SweepFigures> SweepResult::figures() const
{
    std::vector<SweepFigures> out;
    out.reserve(points.size());
    for (const SweepPoint &point : points)
        out.push_back(point.figures);
    return out;
}

Knee SweepResult::knee() const
{
    KneeRule rule;
    rule.waitTarget = options.waitTarget;
    rule.processors = processors;
    return findKnee(figures(), rule);
}

SweepRunner::SweepRunner(SweepOptions options) : m_options(validated(std::move(options))) {}

void SweepRunner::cancel()
{
    {
        std::lock_guard lock(m_mutex); // so that a waitFor() between its check and its wait sees it
        m_cancelled.store(true, std::memory_order_relaxed);
    }
    m_wake.notify_all();
}

bool SweepRunner::isCancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

bool SweepRunner::waitFor(std::chrono::nanoseconds duration, const std::function<void()> &tick)
{
    const auto end = Clock::now() + duration;
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (m_cancelled.load(std::memory_order_relaxed))
            return false;
        const auto now = Clock::now();
        if (now >= end)
            return true;
        const auto until = std::min(end, now + ProgressInterval);
        m_wake.wait_until(lock, until, [this] { return m_cancelled.load(std::memory_order_relaxed); });
        lock.unlock();
        tick();
        lock.lock();
    }
}

SweepResult SweepRunner::run(const ProgressHandler &progress, const PointHandler &pointDone)
{
    SweepResult result;
    result.options = m_options;
    result.processors = CompletionPort::processorCount();
    result.started = std::chrono::system_clock::now();

    const auto runStart = Clock::now();
    const std::size_t pointCount = m_options.grid.pointCount();
    const std::chrono::nanoseconds planned = m_options.warmUp + m_options.period;
    // The ring holds one point's history with room for its drain; each run reads its own.
    const double pointSeconds = std::chrono::duration<double>(planned).count();
    SamplerOptions samplerOptions;
    samplerOptions.rateHz = m_options.sampleRateHz;
    samplerOptions.capacity = static_cast<std::size_t>(std::min(72'000.0, std::ceil(pointSeconds * 2 * m_options.sampleRateHz) + 200));

    std::unique_ptr<PoolSession> session;
    std::vector<ExceptionReport> reports;
    const auto takeReports = [&] {
        reports.clear();
        session->takeExceptionReports(reports);
    };

    std::size_t index = 0;
    Clock::time_point pointStart;
    SweepProgress state;
    state.pointCount = pointCount;
    const auto report = [&](SweepPhase phase) {
        if (!progress)
            return;
        const auto now = Clock::now();
        // Per point: the average so far (drains and restarts included), the plan before.
        const std::chrono::nanoseconds perPoint =
            index > 0 ? std::chrono::nanoseconds((pointStart - runStart) / index) : planned;
        const std::chrono::nanoseconds inPoint = now - pointStart;
        state.phase = phase;
        state.pointIndex = index;
        state.elapsed = now - runStart;
        state.estimatedRemaining = perPoint * static_cast<std::int64_t>(pointCount - index - 1) +
                                   std::max(std::chrono::nanoseconds(0), perPoint - inPoint);
        progress(state);
    };

    for (const unsigned concurrency : m_options.grid.concurrency) {
        for (const unsigned workers : m_options.grid.workers) {
            if (isCancelled())
                break;
            SessionSettings settings = m_options.settings;
            settings.workers = workers;
            settings.concurrency = concurrency;
            pointStart = Clock::now();
            state.workers = workers;
            state.concurrency = concurrency;
            if (!session) {
                session = std::make_unique<PoolSession>(settings, samplerOptions);
            } else {
                std::string error;
                if (!session->apply(settings, error)) // validated above: a stopped run only keeps them
                    throw std::logic_error("sweep: settings refused: " + error);
                session->restart(m_options.poolscopeVersion);
                session->releaseRetiredPools(); // this thread may wait; the pool is drained
            }

            report(SweepPhase::WarmingUp);
            session->startLoad();
            const auto tick = [&](SweepPhase phase) {
                return [&, phase] {
                    takeReports();
                    report(phase);
                };
            };
            bool measured = false;
            MetricsView before, after;
            if (waitFor(m_options.warmUp, tick(SweepPhase::WarmingUp))) {
                before = session->metrics();
                report(SweepPhase::Measuring);
                if (waitFor(m_options.period, tick(SweepPhase::Measuring))) {
                    after = session->metrics();
                    measured = true;
                }
            }

            report(SweepPhase::Draining);
            session->beginShutdown();
            session->drain(ShutdownMode::Fast, DrainDeadline);
            takeReports();
            if (!measured)
                break; // cancelled: this point's period is incomplete
            session->sampleNow();
            SweepPoint point;
            point.figures = figuresBetween(before, after, workers, concurrency);
            ReportContext context;
            context.poolscopeVersion = m_options.poolscopeVersion;
            point.report = captureRunReport(*session, std::move(context));
            result.points.push_back(std::move(point));
            if (pointDone)
                pointDone(result.points.back(), index);
            ++index;
        }
    }
    result.cancelled = isCancelled() && result.points.size() < pointCount;
    return result;
}

} // namespace poolscope
