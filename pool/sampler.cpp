#include "sampler.h"

#include "settingranges.h"
#include "workerpool.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>
#include <stdexcept>
#include <thread>

namespace poolscope {

namespace {

// The last few snapshots, newest last, for the rates' baseline. A rate over a very short
// interval is mostly noise (a producer's batch landing in it reads as a spike: a sample 4 ms
// after a late one read 55,398 posts/s in a steady 3,000/s run), so rates are taken against
// the newest earlier snapshot at least half a period old: a sample that comes too soon is
// averaged over a longer interval, and a late one over its own.
class RecentSnapshots {
public:
    void clear() noexcept { m_count = 0; }
    void add(const PoolSnapshot &snapshot) noexcept
    {
        m_items[m_next] = snapshot;
        m_next = (m_next + 1) % Capacity;
        m_count = std::min(m_count + 1, Capacity);
    }
    // The newest snapshot at least `floorNs` older than `nowNs`, else the oldest kept; null
    // when none is kept.
    const PoolSnapshot *baseline(std::uint64_t nowNs, std::uint64_t floorNs) const noexcept
    {
        const PoolSnapshot *oldest = nullptr;
        for (std::size_t back = 1; back <= m_count; ++back) {
            const PoolSnapshot &candidate = m_items[(m_next + Capacity - back) % Capacity];
            if (candidate.timestampNs + floorNs <= nowNs)
                return &candidate;
            oldest = &candidate;
        }
        return oldest;
    }

private:
    static constexpr std::size_t Capacity = 8;
    std::array<PoolSnapshot, Capacity> m_items{};
    std::size_t m_next = 0;
    std::size_t m_count = 0;
};

std::uint64_t ioCompletedOf(const PoolSnapshot &s, IoKind kind) noexcept
{
    switch (kind) {
    case IoKind::Read: return s.ioReadCompleted;
    case IoKind::Write: return s.ioWriteCompleted;
    case IoKind::Recv: return s.ioRecvCompleted;
    case IoKind::Send: return s.ioSendCompleted;
    case IoKind::Accept: return s.ioAcceptCompleted;
    }
    return 0;
}

// Per second over `seconds`; 0 when the counter did not grow (never negative).
double perSecond(std::uint64_t later, std::uint64_t earlier, double seconds) noexcept
{
    return later > earlier ? static_cast<double>(later - earlier) / seconds : 0.0;
}

// The I/O rates of `sample` against `base`, `seconds` earlier.
void addIoRates(Sample &sample, const PoolSnapshot &base, double seconds) noexcept
{
    const PoolSnapshot &now = sample.pool;
    for (IoKind kind : AllIoKinds)
        sample.*ioCompletionsMember(kind) = perSecond(ioCompletedOf(now, kind), ioCompletedOf(base, kind), seconds);
    sample.ioCompletionsPerSecond = perSecond(now.ioCompleted, base.ioCompleted, seconds);
    sample.ioFailuresPerSecond = perSecond(now.ioFailed, base.ioFailed, seconds);
    sample.ioBytesReadPerSecond = perSecond(now.ioBytesRead, base.ioBytesRead, seconds);
    sample.ioBytesWrittenPerSecond = perSecond(now.ioBytesWritten, base.ioBytesWritten, seconds);
}

} // namespace

void addOccupancy(Sample &sample, const PoolSnapshot &base, double seconds) noexcept
{
    const PoolSnapshot &now = sample.pool;
    const auto averageOver = [seconds](std::uint64_t later, std::uint64_t earlier) {
        return later > earlier ? static_cast<double>(later - earlier) / 1e9 / seconds : 0.0;
    };
    sample.averageRunning = averageOver(now.runningNs, base.runningNs);
    sample.averageBlocked = averageOver(now.blockedNs, base.blockedNs);
    sample.averageIdle = averageOver(now.idleNs, base.idleNs);
    const double averageLive = sample.averageRunning + sample.averageBlocked + sample.averageIdle;
    const double mayRun = std::min(averageLive, static_cast<double>(now.concurrency));
    sample.utilisationPercent = mayRun > 0 ? 100.0 * sample.averageRunning / mayRun : 0.0;
}

struct Sampler::State {
    mutable std::mutex ringMutex; // the ring and its bookkeeping
    std::vector<Sample> ring;     // fixed capacity, written round
    std::size_t next = 0;         // where the next sample goes
    std::size_t count = 0;
    std::uint64_t sequence = 0;

    // Held while a sample is taken (the source called, the baseline moved on), by the sampler's
    // thread or a sampleNow() caller; never by setSource(), so the owner never waits for a
    // sampler thread that is preempted in the middle of one.
    std::mutex samplingMutex;
    Source source;          // under samplingMutex
    std::uint64_t sourceGeneration = 0; // of `source`; under samplingMutex
    PoolSnapshot previous;
    bool hasPrevious = false;
    RecentSnapshots recent; // the rates' baselines
    // The source's cumulative histograms at this sample and at the previous one, in turn:
    // histograms[previousIndex] is the previous sample's; both under samplingMutex. Kept, not
    // rebuilt: each is 35 KB, and filling, subtracting and copying them was most of a
    // sample's cost.
    struct Histograms {
        LatencyHistogram wait, service, io;
    };
    std::array<Histograms, 2> histograms;
    std::size_t previousIndex = 0;
    LatencySummary sinceStartWait, sinceStartService; // of the newest sample; under ringMutex
    // setSource()'s hand-over, under ringMutex: the next sample takes `pendingSource` before it
    // calls a source. A sample of an older generation that ends after a setSource() is dropped.
    Source pendingSource;
    bool sourcePending = false;
    std::uint64_t generation = 0;

    std::mutex runMutex;          // stopping and rateChanges
    std::condition_variable wake;
    bool stopping = false;
    std::uint64_t rateChanges = 0; // tells a waiting sampler to re-plan its next sample
    std::thread thread;
    std::atomic<double> rateHz{20};
};

Sampler::Sampler(SamplerOptions options) : m_capacity(options.capacity), m_state(std::make_unique<State>())
{
    if (options.capacity == 0)
        throw std::invalid_argument("sampler capacity must be at least 1");
    setRate(options.rateHz);
    m_state->ring.resize(m_capacity);
}

Sampler::~Sampler() { stop(); }

Sampler::Source Sampler::sourceFor(const WorkerPool &pool)
{
    return [&pool](PoolSnapshot &snapshot, LatencyHistogram &wait, LatencyHistogram &service, LatencyHistogram &io) {
        snapshot = pool.snapshot();
        pool.addLatencyHistograms(wait, service);
        pool.addIoLatencyHistogram(io);
    };
}

std::uint64_t Sampler::setSource(Source source)
{
    Source replaced; // a hand-over no sample took yet: destroyed outside the lock
    std::uint64_t newestOfPrevious = 0;
    {
        // Every sample stored up to here is the previous source's; a sample still being taken
        // from it is dropped when it ends (its generation is no longer the ring's), so this is
        // the boundary between the two sources, without waiting for that sample.
        std::lock_guard ring(m_state->ringMutex);
        newestOfPrevious = m_state->sequence;
        replaced = std::exchange(m_state->pendingSource, std::move(source));
        m_state->sourcePending = true;
        ++m_state->generation;
    }
    return newestOfPrevious;
}

void Sampler::waitForPreviousSources()
{
    // A sample in progress holds samplingMutex; any sample that starts after setSource()
    // takes the new source first.
    std::lock_guard lock(m_state->samplingMutex);
}

void Sampler::start()
{
    if (m_state->thread.joinable())
        return;
    {
        std::lock_guard lock(m_state->runMutex);
        m_state->stopping = false;
    }
    m_state->thread = std::thread([this] { run(); });
}

void Sampler::stop()
{
    {
        std::lock_guard lock(m_state->runMutex);
        m_state->stopping = true;
    }
    m_state->wake.notify_all();
    if (m_state->thread.joinable())
        m_state->thread.join();
}

bool Sampler::isRunning() const noexcept { return m_state->thread.joinable(); }

void Sampler::setRate(double hz)
{
    if (!rangeOf(Setting::SampleRate).contains(hz))
        throw std::invalid_argument(rangeOf(Setting::SampleRate).outOfRange(hz));
    {
        std::lock_guard lock(m_state->runMutex);
        m_state->rateHz.store(hz, std::memory_order_relaxed);
        ++m_state->rateChanges;
    }
    m_state->wake.notify_all();
}

double Sampler::rateHz() const { return m_state->rateHz.load(std::memory_order_relaxed); }

void Sampler::run()
{
    using Clock = std::chrono::steady_clock;
    State &s = *m_state;
    const auto periodNow = [&s] {
        return std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / s.rateHz.load(std::memory_order_relaxed)));
    };
    auto due = Clock::now(); // when the sample just taken was due
    std::unique_lock lock(s.runMutex);
    while (!s.stopping) {
        lock.unlock();
        sampleNow();
        lock.lock();
        // Keep the schedule (no drift), but never catch up on missed samples. A rate change
        // while waiting re-plans from the same sample, so 1 Hz -> 100 Hz does not wait 1 s.
        for (;;) {
            const std::uint64_t changes = s.rateChanges;
            const auto next = std::max(due + periodNow(), Clock::now());
            if (!s.wake.wait_until(lock, next, [&] { return s.stopping || s.rateChanges != changes; })) {
                due = next;
                break;
            }
            if (s.stopping)
                break;
        }
    }
}

void Sampler::sampleNow()
{
    std::lock_guard lock(m_state->samplingMutex);
    sampleLocked();
}

bool Sampler::trySampleNow()
{
    std::unique_lock lock(m_state->samplingMutex, std::try_to_lock);
    if (!lock.owns_lock())
        return false;
    sampleLocked();
    return true;
}

// Prerequisite: samplingMutex locked.
void Sampler::sampleLocked()
{
    Source previousSource; // a source handed over: destroyed outside the ring's lock
    {
        std::lock_guard ring(m_state->ringMutex);
        if (m_state->sourcePending) {
            // Deltas against another pool's counters would be meaningless, even when they
            // happen not to go backwards.
            previousSource = std::exchange(m_state->source, std::move(m_state->pendingSource));
            m_state->pendingSource = nullptr;
            m_state->sourcePending = false;
            m_state->hasPrevious = false;
            m_state->recent.clear();
        }
        m_state->sourceGeneration = m_state->generation;
    }
    Sample sample;
    LatencySummary sinceStartWait, sinceStartService;
    {
        if (!m_state->source)
            return;
        State &s = *m_state;
        const State::Histograms &previous = s.histograms[s.previousIndex];
        State::Histograms &current = s.histograms[1 - s.previousIndex];
        LatencyHistogram &wait = current.wait, &service = current.service, &io = current.io;
        wait.clear();
        service.clear();
        io.clear();
        s.source(sample.pool, wait, service, io);
        sample.wallTimeMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();

        const PoolSnapshot &now = sample.pool;
        const bool wentBack = s.hasPrevious && (now.posted < s.previous.posted || now.completed < s.previous.completed ||
                                                now.failed < s.previous.failed || wait.count() < previous.wait.count() ||
                                                now.ioCompleted < s.previous.ioCompleted ||
                                                now.ioFailed < s.previous.ioFailed || io.count() < previous.io.count());
        if (wentBack)
            s.recent.clear();
        const auto floorNs = static_cast<std::uint64_t>(0.5e9 / s.rateHz.load(std::memory_order_relaxed));
        const PoolSnapshot *base = s.hasPrevious ? s.recent.baseline(now.timestampNs, floorNs) : nullptr;
        if (base != nullptr && now.timestampNs > base->timestampNs) {
            const double seconds = static_cast<double>(now.timestampNs - base->timestampNs) / 1e9;
            sample.postsPerSecond = static_cast<double>(now.posted - base->posted) / seconds;
            sample.completionsPerSecond = static_cast<double>(now.completed - base->completed) / seconds;
            sample.failuresPerSecond = static_cast<double>(now.failed - base->failed) / seconds;
            addOccupancy(sample, *base, seconds);
            addIoRates(sample, *base, seconds);
        }
        if (s.hasPrevious && !wentBack && now.timestampNs > s.previous.timestampNs) {
            sample.queueWait = wait.summarySince(previous.wait);
            sample.serviceTime = service.summarySince(previous.service);
            sample.ioLatency = io.summarySince(previous.io);
        }
        sinceStartWait = wait.summary();
        sinceStartService = service.summary();
        if (!s.hasPrevious) { // no baseline yet: the interval is everything so far
            sample.queueWait = sinceStartWait;
            sample.serviceTime = sinceStartService;
            sample.ioLatency = io.summary();
        }
        s.previous = now;
        s.recent.add(now);
        s.previousIndex = 1 - s.previousIndex;
        s.hasPrevious = true;
        storeLocked(sample, sinceStartWait, sinceStartService);
    }
}

// Prerequisite: samplingMutex locked. Takes the ring's lock to store; drops the sample when a
// setSource() came while it was taken (it belongs to the source before the boundary).
void Sampler::storeLocked(Sample &sample, const LatencySummary &sinceStartWait, const LatencySummary &sinceStartService)
{
    std::lock_guard lock(m_state->ringMutex);
    State &s = *m_state;
    if (s.sourceGeneration != s.generation)
        return;
    sample.sequence = ++s.sequence;
    s.ring[s.next] = sample;
    s.sinceStartWait = sinceStartWait;
    s.sinceStartService = sinceStartService;
    s.next = (s.next + 1) % m_capacity;
    s.count = std::min(s.count + 1, m_capacity);
}

namespace {

// Appends the samples from sequence `first` to the newest, oldest first. Caller holds the
// ring's lock.
void appendFrom(const std::vector<Sample> &ring, std::size_t next, std::uint64_t newest, std::uint64_t first,
                std::vector<Sample> &out)
{
    const std::size_t capacity = ring.size();
    if (first > newest)
        return;
    out.reserve(out.size() + static_cast<std::size_t>(newest - first + 1));
    for (std::uint64_t sequence = first; sequence <= newest; ++sequence) {
        const auto back = static_cast<std::size_t>(newest - sequence); // 0 = newest
        out.push_back(ring[(next + capacity - 1 - back) % capacity]);
    }
}

} // namespace

std::uint64_t Sampler::copySince(std::uint64_t afterSequence, std::vector<Sample> &out) const
{
    std::lock_guard lock(m_state->ringMutex);
    const State &s = *m_state;
    if (s.count == 0)
        return 0;
    const std::uint64_t oldest = s.sequence - s.count + 1;
    appendFrom(s.ring, s.next, s.sequence, std::max(oldest, afterSequence + 1), out);
    return s.sequence;
}

bool Sampler::latestSinceStart(LatencySummary &queueWait, LatencySummary &serviceTime) const
{
    std::lock_guard lock(m_state->ringMutex);
    if (m_state->count == 0)
        return false;
    queueWait = m_state->sinceStartWait;
    serviceTime = m_state->sinceStartService;
    return true;
}

std::uint64_t Sampler::copyLast(std::size_t count, std::vector<Sample> &out) const
{
    std::lock_guard lock(m_state->ringMutex);
    const State &s = *m_state;
    const std::size_t taken = std::min(count, s.count);
    if (taken > 0)
        appendFrom(s.ring, s.next, s.sequence, s.sequence - taken + 1, out);
    return s.sequence;
}

bool Sampler::latest(Sample &out) const
{
    std::lock_guard lock(m_state->ringMutex);
    const State &s = *m_state;
    if (s.count == 0)
        return false;
    out = s.ring[(s.next + m_capacity - 1) % m_capacity];
    return true;
}

std::size_t Sampler::size() const
{
    std::lock_guard lock(m_state->ringMutex);
    return m_state->count;
}

} // namespace poolscope
