#include "workerpool.h"

#include "blockrecycler.h"
#include "exceptionreportqueue.h"
#include "fastclock.h"
#include "iocompletiontarget.h"
#include "platform.h"
#include "testpoints.h"
#include "threadhooks.h"
#include "workeroccupancy.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace poolscope {

namespace {

constexpr std::size_t CacheLine = 64;

// What a packet's key says it carries. Retire requests and the end of a graceful drain
// travel outside the queue (CompletionPort::alert, closeWhenDrained), so that neither
// waits behind a backlog nor counts against the concurrency limit.
enum PacketKind : std::uintptr_t {
    WorkPacket = 1,     // overlapped = WorkItem*
    FunctionPacket = 2, // the packet is the unit: see PacketUnit
    NotifyPacket = 3,   // the packet is the unit: see PacketUnit
};

// A queued callable: the pool owns it from post() until it is destroyed after running or
// cancelled. (Function and notify units need none: see PacketUnit.)
struct WorkItem {
    WorkUnit unit;
    UnitTag tag;
    std::uint64_t id = 0;       // set when the post is counted
    std::uint64_t postedAt = 0; // FastClock ticks; 0 when latency is not measured
};

using WorkItemMemory = detail::BlockRecycler<sizeof(WorkItem), alignof(WorkItem)>;

// A unit posted as a function and its context, or as a notify target with its sender and
// tag, sent whole in its packet: such a post allocates nothing, and the worker finds
// everything in the cache line the port's queue hands it. Through a WorkItem a post cost an
// allocation on the poster, a free on the worker and a second line crossing between the
// CPUs; floods run 1.5-2x faster without them (README, session 10). Only callables, whose
// size has no bound, still need a WorkItem. A plain value: built by the poster, read by the
// worker from its copy of the packet.
struct PacketUnit {
    PacketKind kind;       // FunctionPacket or NotifyPacket
    std::uintptr_t callee; // the WorkFunction, or the NotifyTarget*
    void *context;         // the function's context, or the notify sender
    int notifyTag;         // NotifyPacket only
    UnitTag tag;
    std::uint64_t id;
    std::uint64_t postedAt; // FastClock ticks; 0 when latency is not measured

    void run() const
    {
        if (kind == FunctionPacket)
            reinterpret_cast<WorkFunction>(callee)(context);
        else
            reinterpret_cast<NotifyTarget *>(callee)->notify(context, notifyTag);
    }

    CompletionPacket toPacket() const noexcept
    {
        CompletionPacket packet;
        packet.key = kind;
        packet.overlapped = context;
        packet.bytes = static_cast<std::uint32_t>(notifyTag);
        packet.payload = {callee, reinterpret_cast<std::uintptr_t>(tag), id, postedAt};
        return packet;
    }

    static bool isIn(const CompletionPacket &packet) noexcept
    {
        return packet.key == FunctionPacket || packet.key == NotifyPacket;
    }

    static PacketUnit fromPacket(const CompletionPacket &packet) noexcept
    {
        return {static_cast<PacketKind>(packet.key),
                static_cast<std::uintptr_t>(packet.payload[0]),
                packet.overlapped,
                static_cast<int>(packet.bytes),
                reinterpret_cast<UnitTag>(static_cast<std::uintptr_t>(packet.payload[1])),
                packet.payload[2],
                packet.payload[3]};
    }
};

WorkItem *newWorkItem(WorkUnit &&unit, UnitTag tag)
{
    void *memory = WorkItemMemory::allocate();
    return ::new (memory) WorkItem{std::move(unit), tag};
}

void deleteWorkItem(WorkItem *item) noexcept
{
    item->~WorkItem();
    WorkItemMemory::release(item);
}

struct WorkerLatency {
    AtomicLatencyHistogram queueWait;
    AtomicLatencyHistogram serviceTime;
};

enum class Activity : std::uint8_t { Vacant, Starting, Idle, Running, Blocked, Retiring, Exited };

// One per worker thread, on cache lines of its own: the thread is the only writer of its
// counters, so counting costs a plain store and no line is shared on the work path.
// Slots are reused by later threads; their counters keep growing, so sums stay monotonic.
struct alignas(CacheLine) WorkerSlot {
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<Activity> activity{Activity::Vacant};
    // Allocated when the slot is first used (70 KB: not for all 1024 slots up front) and
    // kept for the pool's life, so readers never see it freed.
    std::atomic<WorkerLatency *> latency{nullptr};
    // Time spent running, blocked and idle, when units are timed. Kept across the threads
    // that use the slot, so a retired worker's time stays in the sums.
    detail::WorkerOccupancy occupancy;

    static void bump(std::atomic<std::uint64_t> &counter) noexcept
    {
        // Single writer: a load and a release store, no read-modify-write. Release so that a
        // reader who sees this count sees every count the unit made before it.
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
};

// The pool's snapshot carries the I/O counters flat, one member per exported field.
void copyIoInto(const IoSnapshot &io, PoolSnapshot &s) noexcept
{
    s.ioStarted = io.total.started;
    s.ioCompleted = io.total.completed;
    s.ioFailed = io.total.failed;
    s.ioCancelled = io.total.cancelled;
    s.ioOutstanding = io.total.outstanding;
    s.ioPeakOutstanding = io.peakOutstanding;
    s.ioBytesRead = io.bytesRead;
    s.ioBytesWritten = io.bytesWritten;
    const auto copyKind = [&io](IoKind kind, std::uint64_t &started, std::uint64_t &completed, std::uint64_t &failed,
                                std::uint64_t &cancelled) {
        const IoKindCounters &c = io.of(kind);
        started = c.started;
        completed = c.completed;
        failed = c.failed;
        cancelled = c.cancelled;
    };
    copyKind(IoKind::Read, s.ioReadStarted, s.ioReadCompleted, s.ioReadFailed, s.ioReadCancelled);
    copyKind(IoKind::Write, s.ioWriteStarted, s.ioWriteCompleted, s.ioWriteFailed, s.ioWriteCancelled);
    copyKind(IoKind::Recv, s.ioRecvStarted, s.ioRecvCompleted, s.ioRecvFailed, s.ioRecvCancelled);
    copyKind(IoKind::Send, s.ioSendStarted, s.ioSendCompleted, s.ioSendFailed, s.ioSendCancelled);
    copyKind(IoKind::Accept, s.ioAcceptStarted, s.ioAcceptCompleted, s.ioAcceptFailed, s.ioAcceptCancelled);
}

} // namespace

class WorkerPool::Impl {
public:
    explicit Impl(WorkerPoolOptions options)
        : m_options(std::move(options)),
          m_port(m_options.concurrency),
          m_io(m_options.serveIo ? std::make_unique<IoService>(m_port, m_options.io) : nullptr),
          m_reports(m_options.exceptionReportCapacity),
          m_slots(std::make_unique<WorkerSlot[]>(MaxWorkers)),
          m_policy(m_options.policy)
    {
        if (m_options.measureLatency)
            FastClock::calibrate();
        if (m_options.workers > MaxWorkers)
            throw std::invalid_argument("worker count " + std::to_string(m_options.workers) +
                                        " is out of range 0.." + std::to_string(MaxWorkers));
        if (m_options.timeSlice.count() != 0 &&
            (m_options.timeSlice < MinThreadTimeSlice || m_options.timeSlice > MaxThreadTimeSlice))
            throw std::invalid_argument("time slice " + std::to_string(m_options.timeSlice.count()) +
                                        " us is out of range " + std::to_string(MinThreadTimeSlice.count()) + ".." +
                                        std::to_string(MaxThreadTimeSlice.count()) + " (0 = the kernel's default)");
        std::unique_lock lock(m_controlMutex);
        try {
            for (unsigned i = 0; i < m_options.workers; ++i) {
                startWorkerLocked();
                ++m_committed;
            }
        } catch (...) {
            // No half-built pool: the threads that did start leave before the error goes on.
            cancelQueued();
            m_workerExited.wait(lock, [this] { return m_liveThreads == 0; });
            reapLocked();
            throw;
        }
        m_target.store(m_options.workers, std::memory_order_relaxed);
    }

    ~Impl()
    {
        POOLSCOPE_TEST_POINT("workerpool.destroying");
        shutdown(ShutdownMode::Fast, std::chrono::nanoseconds::max()); // nothing if one ran already
        // A graceful shutdown that missed its deadline may still be draining: what is still
        // queued is cancelled now, so that every unit is destroyed exactly once.
        cancelQueued();
        std::unique_lock lock(m_controlMutex);
        // Threads left running by a missed deadline finish their unit and exit: wait for them.
        m_workerExited.wait(lock, [this] { return m_liveThreads == 0; });
        reapLocked();
    }

    // --- posting --------------------------------------------------------------------------

    std::uint64_t post(WorkUnit &&unit, UnitTag tag)
    {
        if (!unit || !m_accepting.load(std::memory_order_acquire)) {
            m_rejected.fetch_add(1, std::memory_order_relaxed);
            return 0;
        }
        // The unit moves into its item before anything is counted: a move is the caller's
        // code and may take its time, and a shutdown meanwhile makes this a plain refusal.
        WorkItem *item = newWorkItem(std::move(unit), tag);
        if (!m_accepting.load(std::memory_order_acquire))
            return refuse(item);
        return countAndSend(
            [item](std::uint64_t id, std::uint64_t postedAt) {
                item->id = id;
                item->postedAt = postedAt;
                return CompletionPacket{WorkPacket, item, 0, 0};
            },
            [this, item] { refuse(item); });
    }

    // A function unit (callee != 0) or a notify unit: sent in its packet. `unit`'s id and
    // stamp are filled in here.
    std::uint64_t post(PacketUnit unit)
    {
        if (unit.callee == 0 || !m_accepting.load(std::memory_order_acquire)) {
            m_rejected.fetch_add(1, std::memory_order_relaxed);
            return 0;
        }
        return countAndSend(
            [&unit](std::uint64_t id, std::uint64_t postedAt) {
                unit.id = id;
                unit.postedAt = postedAt;
                return unit.toPacket();
            },
            [this] { m_rejected.fetch_add(1, std::memory_order_relaxed); });
    }

    // Counts a post, stamps it and sends the packet `makePacket(id, postedAt)` builds; calls
    // `refuse` when the port has closed meanwhile. Returns the id, or 0 when refused.
    template <typename MakePacket, typename Refuse>
    std::uint64_t countAndSend(MakePacket makePacket, Refuse refuse)
    {
        // Counted before it becomes visible, so no worker can start a unit not yet posted.
        const std::uint64_t id = m_posted.fetch_add(1, std::memory_order_acq_rel) + 1;
        const std::uint64_t postedAt = m_options.measureLatency ? FastClock::ticks() : 0;
        POOLSCOPE_TEST_POINT("workerpool.post.counted");
        if (!m_port.post(makePacket(id, postedAt))) {
            // A shutdown closed the port after our check: refused after all. The count is
            // taken back (snapshot() subtracts the retracted posts); the id stays unused.
            m_retractedPosts.fetch_add(1, std::memory_order_release);
            refuse();
            return 0;
        }
        return id;
    }

    // --- control --------------------------------------------------------------------------

    void setWorkerCount(int count)
    {
        if (count < 0 || count > static_cast<int>(MaxWorkers))
            throw std::invalid_argument("worker count " + std::to_string(count) + " is out of range 0.." +
                                        std::to_string(MaxWorkers));
        std::lock_guard lock(m_controlMutex);
        if (m_shutdownStarted || m_port.isClosed())
            throw std::logic_error("the pool has stopped; setWorkerCount needs a running pool");
        reapLocked();
        const auto wanted = static_cast<unsigned>(count);
        if (wanted > m_committed)
            growLocked(wanted - m_committed);
        else if (wanted < m_committed)
            requestRetireLocked(m_committed - wanted);
        m_target.store(wanted, std::memory_order_relaxed);
    }

    void setConcurrency(int concurrency)
    {
        if (concurrency < 0 || concurrency > static_cast<int>(MaxWorkers))
            throw std::invalid_argument("concurrency " + std::to_string(concurrency) +
                                        " is out of range 0.." + std::to_string(MaxWorkers) +
                                        " (0 = number of processors)");
        m_port.setConcurrency(static_cast<unsigned>(concurrency));
    }

    // WorkerPool::cancelQueued(): a pool whose port closes is on its way down.
    void stopAcceptingAndCancel()
    {
        m_accepting.store(false, std::memory_order_release);
        PoolState running = PoolState::Running;
        m_state.compare_exchange_strong(running, PoolState::Draining, std::memory_order_acq_rel);
        cancelQueued();
    }

    ShutdownResult shutdown(ShutdownMode mode, std::chrono::nanoseconds deadline)
    {
        const auto startedAt = std::chrono::steady_clock::now();
        const auto until = deadline == std::chrono::nanoseconds::max() || deadline > std::chrono::hours(24 * 365)
                               ? std::chrono::steady_clock::time_point::max()
                               : startedAt + deadline;
        std::unique_lock lock(m_controlMutex);
        ShutdownResult result;
        if (m_shutdownStarted)
            return result;
        m_shutdownStarted = true;
        m_accepting.store(false, std::memory_order_release);
        // Draining needs the threads: retire requests no worker has taken yet are withdrawn.
        // A worker that took one just before still leaves; see handOverDrainLocked().
        m_retireTokens.store(0, std::memory_order_release);
        const PoolSnapshot before = snapshot();
        if (m_state.load(std::memory_order_relaxed) == PoolState::Running)
            m_state.store(PoolState::Draining, std::memory_order_release);

        if (m_io)
            result.io = shutdownIo(mode, until);
        if (mode == ShutdownMode::Graceful && !m_port.isClosed()) {
            m_gracefulDrain = true;
            if (m_liveThreads == 0)
                handOverDrainLocked();
            // The port closes itself once the queue is empty, waking every idle worker to
            // leave. A post that passed its check before m_accepting fell is still taken
            // and run: nothing a post accepted is cancelled by a graceful shutdown.
            m_port.closeWhenDrained();
        } else {
            cancelQueued();
        }
        POOLSCOPE_TEST_POINT("workerpool.shutdown.waiting"); // holds m_controlMutex: observe, never pause

        const bool allExited = m_workerExited.wait_until(lock, until, [this] { return m_liveThreads == 0; });
        // All workers gone: the port is closed (drained or cancelled); this closes it if not.
        if (allExited)
            cancelQueued();
        reapLocked();
        const PoolSnapshot after = snapshot();

        result.drained = (after.completed + after.failed) - (before.completed + before.failed);
        result.cancelled = after.cancelled - before.cancelled;
        result.deadlineMissed = !allExited;
        result.workersStillAlive = m_liveThreads;
        result.stillRunning = allExited ? 0 : after.queued + after.inFlight;
        result.elapsed = std::chrono::steady_clock::now() - startedAt;
        if (allExited && m_state.load(std::memory_order_relaxed) != PoolState::Failed)
            m_state.store(PoolState::Stopped, std::memory_order_release);
        m_target.store(0, std::memory_order_relaxed);
        m_committed = 0;
        return result;
    }

    // Q192800's two shutdowns with I/O outstanding; the IoService stops issuing either way.
    // Graceful waits until nothing is outstanding or `until`, then cancels what is left, so
    // that no completion comes after the port closes. Runs before the units' drain and leaves
    // the workers running: they dequeue the completions meanwhile.
    IoShutdownResult shutdownIo(ShutdownMode mode, std::chrono::steady_clock::time_point until)
    {
        if (mode == ShutdownMode::Fast)
            return m_io->shutdown(IoShutdownMode::Fast);
        const auto now = std::chrono::steady_clock::now();
        const std::chrono::nanoseconds remaining =
            until == std::chrono::steady_clock::time_point::max() ? std::chrono::nanoseconds::max()
            : until > now ? std::chrono::duration_cast<std::chrono::nanoseconds>(until - now)
                          : std::chrono::nanoseconds::zero();
        IoShutdownResult result = m_io->shutdown(IoShutdownMode::Graceful, remaining);
        if (!result.deadlineMissed)
            return result;
        const IoShutdownResult rest = m_io->shutdown(IoShutdownMode::Fast);
        result.completed += rest.completed;
        result.failed += rest.failed;
        result.cancelled += rest.cancelled;
        result.elapsed += rest.elapsed;
        return result; // stillOutstanding: at the deadline (since cancelled)
    }

    // --- reading --------------------------------------------------------------------------

    PoolSnapshot snapshot() const
    {
        PoolSnapshot s;
        // The occupancy is taken as of the instant of the timestamp the sampler divides by:
        // were it read after the loops below, or even just after the timestamp, a reader
        // preempted in between would add the time it lost, for every thread, to an interval
        // that does not contain it.
        const FastClock::Reading now = FastClock::readBoth();
        s.timestampNs = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now.steady.time_since_epoch()).count());
        const std::uint64_t occupancyTicks = m_options.measureLatency ? now.ticks : 0;
        const unsigned slotCount = m_slotHighWater.load(std::memory_order_acquire);
        // Read in the reverse of the order a unit moves through them (posted, started,
        // finished), with acquire loads: every unit counted as finished is then counted as
        // started, and every started one as posted, so the derived values are never negative.
        // Each slot's finished and started counts are read back to back, so a slot's share
        // of inFlight is off by at most the units its worker ran while the reader was between
        // two loads (more only if the reader is preempted there).
        std::uint32_t retiringThreads = 0;
        for (unsigned i = 0; i < slotCount; ++i) {
            const WorkerSlot &slot = m_slots[i];
            s.completed += slot.completed.load(std::memory_order_acquire);
            s.failed += slot.failed.load(std::memory_order_acquire);
            s.started += slot.started.load(std::memory_order_acquire);
            switch (slot.activity.load(std::memory_order_relaxed)) {
            case Activity::Idle: ++s.idleWorkers; break;
            case Activity::Running: ++s.runningWorkers; break;
            case Activity::Blocked: ++s.blockedWorkers; break;
            case Activity::Retiring: ++retiringThreads; break;
            case Activity::Starting: ++s.idleWorkers; break;
            case Activity::Vacant:
            case Activity::Exited: break;
            }
        }
        s.cancelled = m_cancelled.load(std::memory_order_acquire);
        // Retracted before posted: a post refused between the two reads then counts as posted
        // for this snapshot (as one in transition would), never the other way round.
        const std::uint64_t retracted = m_retractedPosts.load(std::memory_order_acquire);
        s.posted = m_posted.load(std::memory_order_acquire) - retracted;
        s.rejected = m_rejected.load(std::memory_order_relaxed);
        s.queued = s.posted - s.started - s.cancelled;
        s.inFlight = s.started - s.completed - s.failed;

        s.targetWorkers = m_target.load(std::memory_order_relaxed);
        s.liveWorkers = m_liveCount.load(std::memory_order_relaxed);
        s.retiringWorkers = retiringThreads + m_retireTokens.load(std::memory_order_relaxed);
        const PortCounters port = m_port.counters();
        s.concurrency = port.concurrency;
        s.peakQueued = port.peakQueued;
        s.peakRunning = port.peakRunning;
        s.parks = port.parks;
        s.wakes = port.wakes;
        s.exceptionReportsDropped = m_reports.dropped();
        s.policy = m_policy.load(std::memory_order_relaxed);
        s.state = m_state.load(std::memory_order_acquire);
        if (m_io)
            copyIoInto(m_io->snapshot(), s);
        if (m_options.measureLatency)
            addOccupancy(s, slotCount, occupancyTicks);
        return s;
    }

    // Sums the workers' running/blocked/idle time as of `nowTicks`, the phases in progress
    // included (a phase that ended after `nowTicks` counts up to its end: the next snapshot
    // then adds that much less).
    void addOccupancy(PoolSnapshot &s, unsigned slotCount, std::uint64_t nowTicks) const noexcept
    {
        detail::OccupancyTotals sum;
        for (unsigned i = 0; i < slotCount; ++i) {
            const detail::OccupancyTotals slot = m_slots[i].occupancy.read(nowTicks);
            sum.idle += slot.idle;
            sum.running += slot.running;
            sum.blocked += slot.blocked;
        }
        // A worker stamps a phase change a few instructions before it publishes it, so a
        // read in between extrapolates the old phase a little past its end. Each total is
        // made monotonic across snapshots: they are exported as counters, and a counter
        // that steps back reads as a reset.
        s.runningNs = monotonic(m_reportedOccupancy[0], FastClock::toNanoseconds(sum.running));
        s.blockedNs = monotonic(m_reportedOccupancy[1], FastClock::toNanoseconds(sum.blocked));
        s.idleNs = monotonic(m_reportedOccupancy[2], FastClock::toNanoseconds(sum.idle));
    }

    static std::uint64_t monotonic(std::atomic<std::uint64_t> &highest, std::uint64_t value) noexcept
    {
        std::uint64_t seen = highest.load(std::memory_order_relaxed);
        while (seen < value && !highest.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
        }
        return std::max(seen, value);
    }

    void resetPeaks() noexcept
    {
        m_port.resetPeaks();
        if (m_io)
            m_io->resetPeaks();
    }

    IoService *ioService() const noexcept { return m_io.get(); }

    void addLatencyHistograms(LatencyHistogram &queueWait, LatencyHistogram &serviceTime) const
    {
        const unsigned slotCount = m_slotHighWater.load(std::memory_order_acquire);
        for (unsigned i = 0; i < slotCount; ++i) {
            if (const WorkerLatency *latency = m_slots[i].latency.load(std::memory_order_acquire)) {
                latency->queueWait.addTo(queueWait);
                latency->serviceTime.addTo(serviceTime);
            }
        }
    }

    bool measuresLatency() const noexcept { return m_options.measureLatency; }

    std::size_t drainExceptionReports(std::vector<ExceptionReport> &out, std::size_t max)
    {
        return m_reports.drain(out, max);
    }

    std::exception_ptr failFastException() const
    {
        std::lock_guard lock(m_failFastMutex);
        return m_failFastException;
    }

    unsigned target() const noexcept { return m_target.load(std::memory_order_relaxed); }
    void setPolicy(ExceptionPolicy policy) noexcept { m_policy.store(policy, std::memory_order_relaxed); }
    ExceptionPolicy policy() const noexcept { return m_policy.load(std::memory_order_relaxed); }

private:
    // --- threads --------------------------------------------------------------------------

    // Adds `count` to the committed threads: first by taking back retire requests no worker
    // has acted on yet, then by starting threads. All or nothing: if a thread cannot be
    // started, the ones started here retire again, the requests taken back are put back, and
    // a std::system_error says how far it got. Prerequisite: m_controlMutex locked.
    void growLocked(unsigned count)
    {
        unsigned reclaimed = 0;
        while (reclaimed < count && takeRetireToken())
            ++reclaimed;
        const unsigned missing = count - reclaimed;
        unsigned started = 0;
        try {
            for (; started < missing; ++started)
                startWorkerLocked();
        } catch (...) {
            requestRetireLocked(0, reclaimed + started);
            const std::string what = "could not start worker thread " + std::to_string(started + 1) + " of " +
                                     std::to_string(missing) + "; the worker count stays " +
                                     std::to_string(m_committed);
            try {
                throw;
            } catch (const std::system_error &error) {
                throw std::system_error(error.code(), what);
            } catch (const std::exception &error) {
                throw std::runtime_error(what + ": " + error.what());
            }
        }
        m_committed += count;
    }

    // Asks `count` committed threads (and `extra` uncommitted ones: threads started or
    // requests taken back by a grow that failed) to retire. A retire request is a token
    // plus an alert: a busy worker sees the token after its current unit, whatever is
    // queued; the alert reaches an idle one past the backlog and the concurrency limit.
    // Prerequisite: m_controlMutex locked.
    void requestRetireLocked(unsigned count, unsigned extra = 0)
    {
        m_committed -= count;
        m_retireTokens.fetch_add(count + extra, std::memory_order_acq_rel);
        m_port.alert(count + extra);
    }

    // The last worker is leaving (or none is left) while a graceful drain still has work
    // queued: a fresh one takes over. If none can start, the rest is cancelled, so that the
    // shutdown ends. Prerequisite: m_controlMutex locked, m_gracefulDrain.
    void handOverDrainLocked()
    {
        if (m_port.isClosed() || m_port.counters().queued == 0)
            return;
        try {
            startWorkerLocked();
        } catch (...) {
            cancelQueued();
        }
    }

    // Counts a thread as live only once it exists: std::thread may throw (EAGAIN).
    // Prerequisite: m_controlMutex locked (the thread's exit path takes it, so it cannot
    // be counted out before it is counted in).
    void startWorkerLocked()
    {
        POOLSCOPE_TEST_POINT("workerpool.startThread"); // tests throw here to inject a failure
        unsigned index = 0;
        while (index < MaxWorkers && m_slots[index].activity.load(std::memory_order_relaxed) != Activity::Vacant)
            ++index;
        if (index == MaxWorkers) {
            reapLocked();
            index = 0;
            while (index < MaxWorkers && m_slots[index].activity.load(std::memory_order_relaxed) != Activity::Vacant)
                ++index;
            if (index == MaxWorkers)
                throw std::runtime_error("no free worker slot: more than " + std::to_string(MaxWorkers) +
                                         " threads would be alive");
        }
        if (m_options.measureLatency && m_slots[index].latency.load(std::memory_order_relaxed) == nullptr) {
            m_latencies.push_back(std::make_unique<WorkerLatency>());
            m_slots[index].latency.store(m_latencies.back().get(), std::memory_order_release);
        }
        m_slots[index].activity.store(Activity::Starting, std::memory_order_relaxed);
        if (index + 1 > m_slotHighWater.load(std::memory_order_relaxed))
            m_slotHighWater.store(index + 1, std::memory_order_release);
        const std::uint64_t number = m_threadsStarted + 1;
        try {
            m_threads[index] = std::thread([this, index, number] { workerMain(index, number); });
        } catch (...) {
            m_slots[index].activity.store(Activity::Vacant, std::memory_order_relaxed);
            throw;
        }
        m_threadsStarted = number;
        ++m_liveThreads;
        m_liveCount.fetch_add(1, std::memory_order_relaxed);
    }

    // Joins threads that have exited and frees their slots.
    // Prerequisite: m_controlMutex locked.
    void reapLocked()
    {
        const unsigned slotCount = m_slotHighWater.load(std::memory_order_relaxed);
        for (unsigned i = 0; i < slotCount; ++i) {
            if (m_slots[i].activity.load(std::memory_order_acquire) == Activity::Exited) {
                if (m_threads[i].joinable())
                    m_threads[i].join();
                m_slots[i].activity.store(Activity::Vacant, std::memory_order_relaxed);
            }
        }
    }

    bool takeRetireToken() noexcept
    {
        std::uint32_t tokens = m_retireTokens.load(std::memory_order_relaxed);
        while (tokens != 0) {
            if (m_retireTokens.compare_exchange_weak(tokens, tokens - 1, std::memory_order_acq_rel))
                return true;
        }
        return false;
    }

    static void onBlockingChanged(void *context, bool blocked) noexcept
    {
        static_cast<WorkerSlot *>(context)->activity.store(blocked ? Activity::Blocked : Activity::Running,
                                                           std::memory_order_relaxed);
    }

    // With units timed: a clock read per blocking scope (not per unit) for the occupancy.
    static void onBlockingChangedTimed(void *context, bool blocked) noexcept
    {
        onBlockingChanged(context, blocked);
        static_cast<WorkerSlot *>(context)->occupancy.enter(
            blocked ? detail::OccupancyPhase::Blocked : detail::OccupancyPhase::Running, FastClock::ticks());
    }

    void workerMain(unsigned index, std::uint64_t number)
    {
        const std::string name = m_options.threadNamePrefix + "-" + std::to_string(number);
        platform::nameCurrentThread(name); // cut to what the OS keeps, the number kept
        if (m_options.timeSlice.count() != 0)
            requestThreadTimeSlice(m_options.timeSlice); // a refusal leaves the kernel's default: no error
        else
            detail::setThreadAdaptiveTimeSlice(m_options.adaptiveTimeSlice);
        WorkerSlot &slot = m_slots[index];
        WorkerLatency *const latency = slot.latency.load(std::memory_order_acquire);
        detail::setThreadBlockingHook(latency ? &Impl::onBlockingChangedTimed : &Impl::onBlockingChanged, &slot);
        if (latency) // first, so that a worker seen idle has its idle time counting
            slot.occupancy.enter(detail::OccupancyPhase::Idle, FastClock::ticks());
        slot.activity.store(Activity::Idle, std::memory_order_relaxed);

        bool replaceMe = false;
        WorkerThread worker{index, name, slot, latency};
        for (;;) {
            const DequeueResult result = m_port.dequeue();
            const std::uint64_t handedOverAt = result.waited ? 0 : worker.previousEnd;
            worker.previousEnd = 0;
            if (result.outcome == DequeueOutcome::Closed)
                break;
            if (result.outcome == DequeueOutcome::Alerted) {
                if (takeRetireToken())
                    break;
                continue; // a grow took the request back, or a busy worker took it
            }

            if (PacketUnit::isIn(result.packet)) {
                const PacketUnit unit = PacketUnit::fromPacket(result.packet);
                replaceMe = runUnit(worker, {unit.id, unit.tag, unit.postedAt}, handedOverAt, [&unit] { unit.run(); },
                                    [] {});
            } else if (result.packet.key == WorkPacket) {
                WorkItem *item = static_cast<WorkItem *>(result.packet.overlapped);
                replaceMe = runUnit(worker, {item->id, item->tag, item->postedAt}, handedOverAt,
                                    [item] { item->unit(); }, [item] { deleteWorkItem(item); });
            } else {
                // An I/O completion: its target (the key) runs it, as a unit would run. Counted
                // by the IoService, not as a unit.
                slot.activity.store(Activity::Running, std::memory_order_relaxed);
                if (latency) // running time too; I/O has no stamps of its own to reuse
                    slot.occupancy.enter(detail::OccupancyPhase::Running, FastClock::ticks());
                IoCompletionTarget::dispatch(result);
                if (latency)
                    slot.occupancy.enter(detail::OccupancyPhase::Idle, FastClock::ticks());
                slot.activity.store(Activity::Idle, std::memory_order_relaxed);
            }
            if (replaceMe)
                break;
            if (m_retireTokens.load(std::memory_order_relaxed) != 0 && takeRetireToken())
                break;
        }

        slot.activity.store(Activity::Retiring, std::memory_order_relaxed);
        if (latency)
            slot.occupancy.enter(detail::OccupancyPhase::None, FastClock::ticks()); // its time stays in the slot
        POOLSCOPE_TEST_POINT("workerpool.worker.leaving");
        m_port.leave();
        detail::setThreadBlockingHook(nullptr, nullptr);
        detail::setThreadAdaptiveTimeSlice(false);
        std::lock_guard lock(m_controlMutex);
        // Replaced during a graceful shutdown too: the queue still has to drain.
        if (replaceMe && !m_port.isClosed()) {
            try {
                startWorkerLocked();
            } catch (...) {
                // No thread could be started: the pool runs one short, as the snapshot shows.
                --m_committed;
                m_target.store(m_committed, std::memory_order_relaxed);
            }
        }
        if (m_gracefulDrain && m_liveThreads == 1)
            handOverDrainLocked();
        --m_liveThreads;
        m_liveCount.fetch_sub(1, std::memory_order_relaxed);
        slot.activity.store(Activity::Exited, std::memory_order_release);
        m_workerExited.notify_all();
    }

    // A worker thread's own state, for runUnit(); only that thread touches it.
    struct WorkerThread {
        unsigned index;
        const std::string &name;
        WorkerSlot &slot;
        WorkerLatency *latency; // null when units are not timed
        // Latency timing reads the clock once per unit while the worker is busy: a unit the
        // port hands over at once (it did not spin or park) starts at the previous unit's end
        // stamp, so its service time includes the hand-over (tens of nanoseconds). 0: no
        // usable stamp (none yet, or an alert or an I/O completion came in between).
        std::uint64_t previousEnd = 0;
    };

    // What a worker knows of a unit, whichever way the unit travelled.
    struct UnitIdentity {
        std::uint64_t id;
        UnitTag tag;
        std::uint64_t postedAt;
    };

    // Runs one unit on its worker: counts it started, times it, runs it (`run`), reports
    // what it throws, destroys it (`destroy`) and only then counts it done. `handedOverAt`:
    // the previous unit's end stamp when the port handed this one over without a wait, else
    // 0. Returns true when the worker must exit and be replaced.
    template <typename Run, typename Destroy>
    bool runUnit(WorkerThread &worker, const UnitIdentity &unit, std::uint64_t handedOverAt, Run run,
                 Destroy destroy)
    {
        WorkerSlot &slot = worker.slot;
        slot.activity.store(Activity::Running, std::memory_order_relaxed);
        WorkerSlot::bump(slot.started);
        // Raw ticks on the hot path; only the two differences are scaled to nanoseconds. A
        // unit posted after the previous one ended started no earlier than its post.
        std::uint64_t startedAt = 0;
        if (worker.latency) {
            startedAt = handedOverAt != 0 ? std::max(handedOverAt, unit.postedAt) : FastClock::ticks();
            slot.occupancy.enter(detail::OccupancyPhase::Running, startedAt); // same stamp: no extra read
        }
        bool threw = false;
        bool replaceMe = false;
        try {
            run();
        } catch (...) {
            threw = true;
            replaceMe = handleException(worker.index, worker.name, unit);
        }
        if (worker.latency) {
            const std::uint64_t endedAt = FastClock::ticks();
            slot.occupancy.enter(detail::OccupancyPhase::Idle, endedAt);
            // A post and a start on different cores may read TSCs a few ticks apart.
            worker.latency->queueWait.record(
                startedAt > unit.postedAt ? FastClock::toNanoseconds(startedAt - unit.postedAt) : 0);
            worker.latency->serviceTime.record(endedAt > startedAt ? FastClock::toNanoseconds(endedAt - startedAt)
                                                                    : 0);
            worker.previousEnd = endedAt;
        }
        destroy(); // before it is counted: "completed" means fully done
        WorkerSlot::bump(threw ? slot.failed : slot.completed);
        slot.activity.store(Activity::Idle, std::memory_order_relaxed);
        return replaceMe;
    }

    // Runs on the worker, inside its catch block. Returns true when the worker should exit
    // and be replaced.
    bool handleException(unsigned index, const std::string &name, const UnitIdentity &unit) noexcept
    {
        const ExceptionPolicy policy = m_policy.load(std::memory_order_relaxed);
        try {
            ExceptionReport report;
            report.sequence = m_reportSequence.fetch_add(1, std::memory_order_relaxed) + 1;
            report.time = std::chrono::system_clock::now();
            report.workerIndex = index;
            report.threadName = name;
            report.unitId = unit.id;
            report.unitTag = unit.tag ? unit.tag : "";
            describeCurrentException(report.typeName, report.message);
            report.exception = std::current_exception();
            if (policy == ExceptionPolicy::FailFast)
                tripFailFast(report.exception);
            m_reports.push(std::move(report));
        } catch (...) {
            // Out of memory while reporting: the failure is still counted by the caller.
        }
        return policy == ExceptionPolicy::RetireWorker;
    }

    std::uint64_t refuse(WorkItem *item) noexcept
    {
        deleteWorkItem(item);
        m_rejected.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }

    void tripFailFast(std::exception_ptr exception)
    {
        {
            std::lock_guard lock(m_failFastMutex);
            if (m_failFastException)
                return; // only the first one stops the pool
            m_failFastException = std::move(exception);
        }
        m_accepting.store(false, std::memory_order_release);
        m_state.store(PoolState::Failed, std::memory_order_release);
        cancelQueued(); // closes the port: every worker leaves after its current unit
    }

    // Closes the port and destroys the units still queued, uncounted as run. I/O first: a
    // fast IoService shutdown (nothing when it is shut down already), after which no
    // completion is posted any more, so the close hands back every I/O packet there will
    // be; each goes to its target here, on the closing thread. Thread-safe.
    void cancelQueued()
    {
        if (m_io)
            m_io->shutdown(IoShutdownMode::Fast);
        std::uint64_t cancelled = 0;
        for (const CompletionPacket &packet : m_port.close()) {
            if (packet.key == WorkPacket) {
                deleteWorkItem(static_cast<WorkItem *>(packet.overlapped));
                ++cancelled;
            } else if (PacketUnit::isIn(packet)) {
                ++cancelled; // nothing to destroy: the packet was the unit
            } else {
                IoCompletionTarget::dispatch({classifyPacket(packet), packet, true});
            }
        }
        m_cancelled.fetch_add(cancelled, std::memory_order_release);
    }

    const WorkerPoolOptions m_options;
    CompletionPort m_port;
    std::unique_ptr<IoService> m_io; // after the port: destroyed before it
    ExceptionReportQueue m_reports;

    // Producers' line: written by every post.
    alignas(CacheLine) std::atomic<std::uint64_t> m_posted{0};
    // Read by every post, written at shutdown and fail fast.
    alignas(CacheLine) std::atomic<bool> m_accepting{true};
    // Read by every worker after each unit; written on shrink.
    alignas(CacheLine) std::atomic<std::uint32_t> m_retireTokens{0};
    alignas(CacheLine) std::atomic<std::uint64_t> m_cancelled{0};
    std::atomic<std::uint64_t> m_rejected{0};
    std::atomic<std::uint64_t> m_retractedPosts{0}; // counted in m_posted, then refused by a closed port
    std::atomic<std::uint64_t> m_reportSequence{0};
    std::atomic<unsigned> m_target{0};
    std::atomic<unsigned> m_liveCount{0};
    std::atomic<unsigned> m_slotHighWater{0};
    std::atomic<PoolState> m_state{PoolState::Running};
    std::unique_ptr<WorkerSlot[]> m_slots;
    // The occupancy totals (running, blocked, idle ns) snapshot() last returned: never less.
    mutable std::atomic<std::uint64_t> m_reportedOccupancy[3]{};
    std::atomic<ExceptionPolicy> m_policy;

    mutable std::mutex m_failFastMutex;
    std::exception_ptr m_failFastException;

    // Thread management; all below under m_controlMutex.
    std::mutex m_controlMutex;
    std::condition_variable m_workerExited;
    std::array<std::thread, MaxWorkers> m_threads;
    std::vector<std::unique_ptr<WorkerLatency>> m_latencies; // owned here, lent to slots
    unsigned m_liveThreads = 0;  // started and not yet exited
    unsigned m_committed = 0;    // live threads not asked to retire: what the target is made of
    std::uint64_t m_threadsStarted = 0;
    bool m_shutdownStarted = false;
    bool m_gracefulDrain = false; // a graceful shutdown is draining: the last worker hands over
};

// --- public interface -------------------------------------------------------------------

WorkerPool::WorkerPool(WorkerPoolOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) {}

WorkerPool::~WorkerPool() = default;

std::uint64_t WorkerPool::post(WorkUnit unit, UnitTag tag) { return m_impl->post(std::move(unit), tag); }

std::uint64_t WorkerPool::post(WorkFunction function, void *context, UnitTag tag)
{
    return m_impl->post(
        PacketUnit{FunctionPacket, reinterpret_cast<std::uintptr_t>(function), context, 0, tag, 0, 0});
}

std::uint64_t WorkerPool::post(NotifyTarget &target, void *sender, int notifyTag, UnitTag tag)
{
    return m_impl->post(
        PacketUnit{NotifyPacket, reinterpret_cast<std::uintptr_t>(&target), sender, notifyTag, tag, 0, 0});
}

void WorkerPool::setWorkerCount(int count) { m_impl->setWorkerCount(count); }

unsigned WorkerPool::workerCount() const noexcept { return m_impl->target(); }

void WorkerPool::setConcurrency(int concurrency) { m_impl->setConcurrency(concurrency); }

void WorkerPool::setExceptionPolicy(ExceptionPolicy policy) noexcept { m_impl->setPolicy(policy); }

ExceptionPolicy WorkerPool::exceptionPolicy() const noexcept { return m_impl->policy(); }

ShutdownResult WorkerPool::shutdown(ShutdownMode mode, std::chrono::nanoseconds deadline)
{
    return m_impl->shutdown(mode, deadline);
}

void WorkerPool::cancelQueued()
{
    m_impl->stopAcceptingAndCancel();
}

PoolSnapshot WorkerPool::snapshot() const { return m_impl->snapshot(); }

void WorkerPool::resetPeaks() noexcept { m_impl->resetPeaks(); }

std::size_t WorkerPool::drainExceptionReports(std::vector<ExceptionReport> &out, std::size_t max)
{
    return m_impl->drainExceptionReports(out, max);
}

std::exception_ptr WorkerPool::failFastException() const { return m_impl->failFastException(); }

void WorkerPool::addLatencyHistograms(LatencyHistogram &queueWait, LatencyHistogram &serviceTime) const
{
    m_impl->addLatencyHistograms(queueWait, serviceTime);
}

bool WorkerPool::measuresLatency() const noexcept { return m_impl->measuresLatency(); }

void WorkerPool::addIoLatencyHistogram(LatencyHistogram &out) const
{
    if (IoService *io = m_impl->ioService())
        io->addLatencyHistogram(out);
}

IoService *WorkerPool::ioService() const noexcept { return m_impl->ioService(); }

} // namespace poolscope
