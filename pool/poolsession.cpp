#include "poolsession.h"

#include "runreport.h"

#include "ioservice.h"

#include <stdexcept>

namespace poolscope {

namespace {
// io_uring may be missing (an old kernel, a seccomp filter): then the runs go on without I/O.
const std::string &ioUnavailableReason()
{
    static const std::string reason = [] {
        std::string why;
        return IoService::ioUringAvailable(&why) ? std::string() : why;
    }();
    return reason;
}

WorkerPoolOptions poolOptionsOf(const SessionSettings &settings)
{
    WorkerPoolOptions options;
    options.serveIo = ioUnavailableReason().empty();
    options.workers = settings.workers;
    options.concurrency = settings.concurrency;
    options.policy = settings.policy;
    return options;
}

SessionSettings validated(SessionSettings settings)
{
    if (const std::string error = settings.validate(); !error.empty())
        throw std::invalid_argument(error);
    return settings;
}
} // namespace

std::string_view nameOf(RunPhase phase) noexcept
{
    switch (phase) {
    case RunPhase::Running: return "running";
    case RunPhase::ShuttingDown: return "shutting down";
    case RunPhase::Stopped: return "stopped";
    }
    return "unknown";
}

PoolSession::PoolSession(SessionSettings settings, SamplerOptions samplerOptions)
    : m_settings(validated(std::move(settings))), m_sampler(samplerOptions),
      m_pool(std::make_shared<WorkerPool>(poolOptionsOf(m_settings)))
{
    m_run.number = 1;
    m_run.started = std::chrono::system_clock::now();
    m_run.firstSample = 1;
    m_run.settings = m_settings;
    m_load.setPool(m_pool.get());
    m_load.applySettings(m_settings.load);
    m_io = ioLoadFor(*m_pool);
    if (m_io)
        noteIoProblem(m_io->apply(m_settings.io));
    m_sampler.setSource(Sampler::sourceFor(*m_pool));
    if (samplerOptions.autoStart)
        m_sampler.start();
}

PoolSession::~PoolSession()
{
    m_load.stop();
    if (m_io)
        m_io->stopIssuing();
    m_sampler.stop(); // before the pool it reads goes
    releaseRetiredPools();
    // The I/O drivers go before the pool, once it has handed every record back.
    m_pool->cancelQueued();
    m_io.reset();
}

std::unique_ptr<IoLoad> PoolSession::ioLoadFor(WorkerPool &pool)
{
    return pool.ioService() ? std::make_unique<IoLoad>(*pool.ioService()) : nullptr;
}

void PoolSession::noteIoProblem(std::string problem)
{
    const bool wanted = m_settings.io.echo || m_settings.io.fileReads;
    if (problem.empty() && wanted && !ioUnavailableReason().empty())
        problem = "the I/O load needs io_uring: " + ioUnavailableReason();
    std::lock_guard lock(m_runMutex);
    m_ioProblem = std::move(problem);
}

std::shared_ptr<WorkerPool> PoolSession::currentPool() const
{
    std::lock_guard lock(m_runMutex);
    return m_pool;
}

bool PoolSession::apply(const SessionSettings &settings, std::string &error)
{
    error = settings.validate();
    if (!error.empty())
        return false;
    bool live = false;
    {
        std::lock_guard lock(m_runMutex);
        live = m_phase == RunPhase::Running && m_pool->snapshot().state == PoolState::Running;
    }
    if (live) {
        try {
            // The only step that can fail (no thread could start) comes first and changes
            // nothing when it throws; the rest cannot fail once validated.
            m_pool->setWorkerCount(static_cast<int>(settings.workers));
        } catch (const std::exception &failure) {
            error = failure.what();
            return false;
        }
        m_pool->setConcurrency(static_cast<int>(settings.concurrency));
        m_pool->setExceptionPolicy(settings.policy);
        m_load.applySettings(settings.load);
    } else {
        m_load.applySettings(settings.load); // validated: the generator keeps them for the next run
    }
    m_settings = settings;
    // A part that cannot start (the scratch file) is a message, not a refusal: the run goes on.
    noteIoProblem(m_io ? m_io->apply(settings.io) : std::string());
    return true;
}

bool PoolSession::startLoad()
{
    if (status().phase != RunPhase::Running || m_pool->snapshot().state != PoolState::Running)
        return false;
    if (m_load.state() == LoadState::Paused)
        m_load.resume();
    else
        m_load.start();
    if (m_io)
        noteIoProblem(m_io->setRunning(true));
    return true;
}

void PoolSession::pauseLoad()
{
    if (m_load.state() == LoadState::Running)
        m_load.pause();
    if (m_io)
        m_io->setRunning(false);
}

void PoolSession::resumeLoad()
{
    if (m_load.state() == LoadState::Paused) {
        m_load.resume();
        if (m_io)
            noteIoProblem(m_io->setRunning(true));
    }
}

void PoolSession::stopLoad()
{
    m_load.stop();
    if (m_io)
        m_io->setRunning(false);
}

void PoolSession::resetPeaks() { m_pool->resetPeaks(); }

void PoolSession::beginShutdown()
{
    {
        std::lock_guard lock(m_runMutex);
        if (m_phase != RunPhase::Running)
            return;
        m_phase = RunPhase::ShuttingDown;
    }
    m_load.stop();
    if (m_io)
        m_io->stopIssuing(); // Q192800: stop issuing; drain() waits for or cancels the rest
}

ShutdownResult PoolSession::drain(ShutdownMode mode, std::chrono::nanoseconds deadline)
{
    std::shared_ptr<WorkerPool> pool;
    {
        std::lock_guard lock(m_runMutex);
        if (m_lastDrain)
            return *m_lastDrain;
        pool = m_pool;
        if (m_phase == RunPhase::Running)
            m_phase = RunPhase::ShuttingDown;
        DrainProgress progress;
        progress.mode = mode;
        progress.started = std::chrono::steady_clock::now();
        progress.deadline = deadline > std::chrono::hours(24 * 365) // as WorkerPool reads "no deadline"
                                ? std::chrono::steady_clock::time_point::max()
                                : progress.started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline);
        m_drain = progress;
    }
    const PoolSnapshot before = pool->snapshot();
    ShutdownResult result = pool->shutdown(mode, deadline);
    std::unique_lock lock(m_runMutex);
    // A cancelQueued() still destroying units counts them when it is done: wait for it, so
    // that the result counts every unit this drain cancelled.
    m_cancelDone.wait(lock, [this] { return m_cancelsInProgress == 0; });
    const PoolSnapshot after = pool->snapshot();
    result.cancelled = after.cancelled - before.cancelled;
    result.drained = (after.completed + after.failed) - (before.completed + before.failed);
    m_drain.reset();
    m_lastDrain = result;
    m_phase = RunPhase::Stopped;
    return result;
}

void PoolSession::cancelQueued()
{
    std::shared_ptr<WorkerPool> pool;
    {
        std::lock_guard lock(m_runMutex);
        if (m_drain)
            m_drain->cancelRequested = true;
        pool = m_pool;
        ++m_cancelsInProgress;
    }
    pool->cancelQueued(); // outside the lock: destroying a long queue takes a while
    std::lock_guard lock(m_runMutex);
    --m_cancelsInProgress;
    m_cancelDone.notify_all();
}

void PoolSession::restart(const std::string &poolscopeVersion)
{
    {
        std::lock_guard lock(m_runMutex);
        if (m_phase != RunPhase::Stopped)
            throw std::logic_error("restart needs a stopped run: begin a shutdown and drain it first");
    }
    auto fresh = std::make_shared<WorkerPool>(poolOptionsOf(m_settings)); // may throw: nothing changed yet
    std::unique_ptr<IoLoad> freshIo = ioLoadFor(*fresh);

    // The old run's last reports and final sample belong to its report, not the new run.
    std::vector<ExceptionReport> leftovers;
    takeExceptionReports(leftovers);
    // Not sampleNow(): that would wait for the sampler's thread when it is in the middle of a
    // sample, and a preempted sampler made the GUI thread wait ~200 ms. When it is, its sample
    // ends unstored (setSource() below) and the newest stored one is the run's last.
    m_sampler.trySampleNow();
    ReportContext context;
    context.poolscopeVersion = poolscopeVersion;
    m_previousRun = std::make_shared<const RunReport>(captureRunReport(*this, std::move(context)));

    // Every sample after the boundary is the new pool's, every one up to it the old pool's.
    const std::uint64_t boundary = m_sampler.setSource(Sampler::sourceFor(*fresh));
    m_load.setPool(fresh.get());
    std::shared_ptr<WorkerPool> old;
    {
        std::lock_guard lock(m_runMutex);
        old = std::exchange(m_pool, fresh);
        m_retiredIo.push_back(std::exchange(m_io, std::move(freshIo)));
        m_run.number += 1;
        m_run.started = std::chrono::system_clock::now();
        m_run.firstSample = boundary + 1;
        m_run.settings = m_settings;
        m_phase = RunPhase::Running;
        m_lastDrain.reset();
        // Never destroyed here: threads that outlived their drain's deadline would make the
        // destructor wait, and freeing a pool that ran a million units takes a while too.
        m_retired.push_back(std::move(old));
    }
    m_exceptions.clear();
    m_load.applySettings(m_settings.load);
    noteIoProblem(m_io ? m_io->apply(m_settings.io) : std::string());
}

void PoolSession::releaseRetiredPools()
{
    std::vector<std::shared_ptr<WorkerPool>> retired;
    std::vector<std::unique_ptr<IoLoad>> retiredIo;
    {
        std::lock_guard lock(m_runMutex);
        retired.swap(m_retired);
        retiredIo.swap(m_retiredIo);
    }
    // A sample still being taken from a retired pool (setSource() does not wait for it) ends
    // before the pool goes.
    if (!retired.empty())
        m_sampler.waitForPreviousSources();
    // Outside the lock: each pool hands its I/O records back, then its drivers go, then it
    // joins.
    for (std::size_t i = 0; i < retired.size(); ++i) {
        retired[i]->cancelQueued();
        retiredIo[i].reset();
        retired[i].reset();
    }
}

std::size_t PoolSession::takeExceptionReports(std::vector<ExceptionReport> &out, std::size_t max)
{
    const std::size_t before = out.size();
    const std::size_t taken = m_pool->drainExceptionReports(out, max);
    for (std::size_t i = before; i < out.size(); ++i)
        m_exceptions.add(out[i]);
    return taken;
}

SessionStatus PoolSession::status() const
{
    SessionStatus status;
    {
        std::lock_guard lock(m_runMutex);
        status.run = m_run;
        status.phase = m_phase;
        status.pool = m_pool->snapshot();
        status.drain = m_drain;
        status.lastDrain = m_lastDrain;
        if (m_io)
            status.io = m_io->stats();
        if (!m_ioProblem.empty())
            status.io.problem = status.io.problem.empty() ? m_ioProblem : m_ioProblem + "; " + status.io.problem;
    }
    status.load = m_load.state();
    status.loadStats = m_load.stats();
    status.samplingRateHz = m_sampler.rateHz();
    return status;
}

RunIdentity PoolSession::run() const
{
    std::lock_guard lock(m_runMutex);
    return m_run;
}

std::uint64_t PoolSession::samplesSince(std::uint64_t afterSequence, std::vector<Sample> &out) const
{
    const std::uint64_t first = run().firstSample;
    return m_sampler.copySince(std::max(afterSequence, first - 1), out);
}

std::vector<Sample> PoolSession::history(std::size_t count) const
{
    const std::uint64_t first = run().firstSample;
    std::vector<Sample> samples;
    m_sampler.copyLast(count, samples);
    std::erase_if(samples, [first](const Sample &sample) { return sample.sequence < first; });
    return samples;
}

bool PoolSession::latencySinceStart(LatencySummary &queueWait, LatencySummary &serviceTime) const
{
    Sample newest;
    if (!m_sampler.latest(newest) || newest.sequence < run().firstSample)
        return false;
    return m_sampler.latestSinceStart(queueWait, serviceTime);
}

MetricsView PoolSession::metrics() const
{
    std::lock_guard lock(m_runMutex); // the pool is not swapped while its histograms are read
    return metricsOf(*m_pool);
}

std::exception_ptr PoolSession::failFastException() const
{
    std::lock_guard lock(m_runMutex);
    return m_pool->failFastException();
}

void PoolSession::sampleNow() { m_sampler.sampleNow(); }

std::uint64_t PoolSession::post(WorkUnit unit)
{
    std::lock_guard lock(m_runMutex);
    return m_pool->post(std::move(unit));
}

} // namespace poolscope
