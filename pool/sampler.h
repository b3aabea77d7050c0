#pragma once

#include "iooperation.h"
#include "latencyhistogram.h"
#include "poolsnapshot.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace poolscope {

class WorkerPool;

// One point of the pool's history: its counters, the rates and the latency of the units that
// started or finished since the previous sample. Rates are taken over at least half a sampling
// period (against an earlier sample when the previous one is closer): a sample that comes
// too soon after a late one is averaged, never drawn as a spike.
struct Sample {
    std::uint64_t sequence = 0; // 1, 2, 3 ... never reused, also across a wrap of the ring
    // When it was taken on the wall clock (Unix time, ms): what the hover and the exports show
    // beside the time since the run started (pool.timestampNs is steady, for intervals).
    std::int64_t wallTimeMs = 0;
    PoolSnapshot pool;
    double postsPerSecond = 0;
    double completionsPerSecond = 0;
    double failuresPerSecond = 0;
    // Thread occupancy, time-weighted over the rates' interval: the average number of
    // threads running a unit, blocked in one (BlockingScope) and idle. Unlike the pool's
    // instantaneous counts these do not alias at chart rates: 1 ms units on 4 threads, 60 %
    // busy, read 2.4 running at any sampling rate. 0 when the pool does not time its units.
    double averageRunning = 0;
    double averageBlocked = 0;
    double averageIdle = 0;
    // averageRunning as a share of the threads that may run at once: min(concurrency limit,
    // average live threads). Relative to the limit, not to the live threads, because the
    // port never runs more than the limit (blocked units aside): 16 threads at limit 2 that
    // keep 2 running are a saturated pool, which running/live would show as 12.5 %. Above
    // 100 % only when units left a BlockingScope and the port briefly ran more than the limit.
    double utilisationPercent = 0;
    LatencySummary queueWait;   // over the interval since the previous sample
    LatencySummary serviceTime; // over the interval since the previous sample

    // I/O on the pool's port (0 without I/O), over the same interval and floor as the rates
    // above (exported by the sample field table, snapshotfields.cpp): operations that completed (status 0) per second, by kind (indexed by IoKind) and
    // in all; operations that failed (any error but cancellation); bytes moved by completed
    // reads and recvs, and by writes and sends.
    double ioReadCompletionsPerSecond = 0;
    double ioWriteCompletionsPerSecond = 0;
    double ioRecvCompletionsPerSecond = 0;
    double ioSendCompletionsPerSecond = 0;
    double ioAcceptCompletionsPerSecond = 0;
    double ioCompletionsPerSecond = 0;
    double ioFailuresPerSecond = 0;
    double ioBytesReadPerSecond = 0;
    double ioBytesWrittenPerSecond = 0;
    LatencySummary ioLatency; // I/O start to completion, over the interval since the previous sample

    double ioCompletionsPerSecondOf(IoKind kind) const noexcept;
};

// The member that holds `kind`'s completions per second. Thread-safe: pure.
constexpr double Sample::*ioCompletionsMember(IoKind kind) noexcept
{
    switch (kind) {
    case IoKind::Read: return &Sample::ioReadCompletionsPerSecond;
    case IoKind::Write: return &Sample::ioWriteCompletionsPerSecond;
    case IoKind::Recv: return &Sample::ioRecvCompletionsPerSecond;
    case IoKind::Send: return &Sample::ioSendCompletionsPerSecond;
    case IoKind::Accept: return &Sample::ioAcceptCompletionsPerSecond;
    }
    return &Sample::ioCompletionsPerSecond;
}

inline double Sample::ioCompletionsPerSecondOf(IoKind kind) const noexcept { return this->*ioCompletionsMember(kind); }


// Fills the sample's average running, blocked and idle threads and its utilisation from the
// occupancy counters of `base` and of sample.pool, `seconds` apart (what every sample gets
// against its baseline; a sweep gets it over its measured period). Thread-safe: pure.
void addOccupancy(Sample &sample, const PoolSnapshot &base, double seconds) noexcept;

struct SamplerOptions {
    double rateHz = 20;              // samples per second: rangeOf(Setting::SampleRate)
    std::size_t capacity = 72'000;   // samples kept: one hour at 20 Hz
    // false: an owner that starts it (PoolSession) leaves it stopped, and samples are taken
    // by sampleNow() alone, so that a test knows every sample there is.
    bool autoStart = true;
};

// Samples a pool at a steady rate on a thread of its own, never a pool worker, so that
// the history keeps moving when every worker is blocked, into a ring buffer of fixed size:
// memory stays the same however long it runs.
//
// Threading: start/stop/setSource belong to the owner's thread; setRate(), sampleNow(),
// trySampleNow(), waitForPreviousSources(), copySince(), copyLast(), latest(), size() and
// rateHz() may be called from any thread. Readers hold the ring's lock only to copy, and the
// sampler holds it only to store one sample or to take a new source, so neither waits on the
// pool. A sample in progress (the source called) holds a lock of its own that setSource() never
// takes: the owner (a GUI thread) does not wait for a sampler thread that was preempted in the
// middle of a sample. The ring is allocated once, at construction (capacity samples).
class Sampler {
public:
    // Fills a snapshot and adds the latency histograms since the start (cumulative): queue
    // wait, service time and I/O (start to completion; left empty by a pool without I/O).
    using Source = std::function<void(PoolSnapshot &, LatencyHistogram &queueWait, LatencyHistogram &serviceTime,
                                      LatencyHistogram &ioLatency)>;

    explicit Sampler(SamplerOptions options = {});
    ~Sampler(); // stops
    Sampler(const Sampler &) = delete;
    Sampler &operator=(const Sampler &) = delete;

    static Source sourceFor(const WorkerPool &pool);

    // What to sample. Never waits: a sample being taken from the previous source when it is
    // called ends unstored, and every later sample calls the new one; the previous source may
    // still be running until waitForPreviousSources() returns (or stop() does), so keep what
    // it reads alive until then. The history and the sequence numbers carry on across the
    // swap; the first sample from the new source has rates of 0 (it has no baseline yet) and
    // its latency is the new source's cumulative one. Counters that go backwards without a
    // swap also give rates of 0 for one sample, never negative ones. Returns the sequence of
    // the previous source's newest sample (0 for none): every later one is the new source's,
    // so the sampler need not stop for a swap. Owner thread only.
    std::uint64_t setSource(Source source);
    // Waits until no sample calls a source set before the newest setSource() (a sample in
    // progress at most): then what those sources read may be destroyed. Thread-safe; waits.
    void waitForPreviousSources();

    void start(); // Owner thread only. Does nothing when already running.
    void stop();  // Owner thread only. Joins the thread; the ring is kept.
    bool isRunning() const noexcept; // Owner thread only.

    // rangeOf(Setting::SampleRate) (1..100 Hz); throws std::invalid_argument otherwise. A sampler waiting on the old
    // period re-plans at once: the next sample comes one new period after the last one.
    void setRate(double hz); // Thread-safe.
    double rateHz() const;   // Thread-safe.

    // Appends the samples newer than `afterSequence` (oldest first) that are still in the
    // ring, and returns the newest sequence number in it (0 when empty). Pass 0 for all.
    std::uint64_t copySince(std::uint64_t afterSequence, std::vector<Sample> &out) const; // Thread-safe.
    // Appends the newest `count` samples (fewer when the ring holds fewer), oldest first, and
    // returns the newest sequence number (0 when empty). Thread-safe.
    std::uint64_t copyLast(std::size_t count, std::vector<Sample> &out) const;
    bool latest(Sample &out) const;                // Thread-safe. False when nothing was sampled yet.
    // The latency since the source's start, as of the newest sample. Thread-safe. False when
    // nothing was sampled yet.
    bool latestSinceStart(LatencySummary &queueWait, LatencySummary &serviceTime) const;
    std::size_t size() const;                      // Thread-safe. Samples in the ring.
    std::size_t capacity() const noexcept { return m_capacity; } // Thread-safe. Fixed at construction.

    // Takes one sample now, on the calling thread (for tests and for a final sample before
    // an export). Thread-safe; waits for a sample in progress on another thread.
    void sampleNow();
    // The same, unless another thread is taking a sample at this moment: then false at once
    // (for an owner thread that must not wait). Thread-safe.
    bool trySampleNow();

private:
    void run();
    void sampleLocked();
    void storeLocked(Sample &sample, const LatencySummary &sinceStartWait, const LatencySummary &sinceStartService);

    const std::size_t m_capacity;
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace poolscope
