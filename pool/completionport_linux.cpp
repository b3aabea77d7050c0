// Linux backend of CompletionPort: a user-space queue with per-waiter futex parking.
//
// Two words carry the port. The state word (m_state) counts the threads running, parked and
// spinning, with the closed and draining flags; it changes when a thread starts or stops
// running, spins or parks, not per packet. The packets are counted by the lock-free queue's
// own positions (PacketQueue): a post takes the next tail position and fills its cell, and
// a dequeue claims the next head position below the tail. So a post only *reads* the state
// word (to see whether a parked thread must be woken), and a thread that comes back for the
// next packet keeps its running slot and claims the packet without writing the state word:
// in a flood, producers and consumers write no line in common but the cells (README,
// "Session 12": the word every post added to and every dequeue exchanged was 73 % of a
// post's time with 4 producers). Neither takes a lock nor makes a syscall while no thread is
// parked: the lock (m_waitersMutex) and the futex are reached only to park or to wake a
// parked thread, which costs a syscall anyway.
//
// No packet is left beside a parked thread: a post pushes, then reads the state word; a
// thread that parks counts itself parked, then looks at the queue (both sequentially
// consistent, Dekker's pattern), so one of the two sees the other. A thread granted a
// packet by a waker gets its position claimed for it under the waiters' lock, so it never
// wakes to an empty queue. A claimant whose packet is not yet filled (its producer took the
// position and is between the two steps) spins until it is: that window is a few
// instructions long.
//
// Two more ways out of dequeue() than a packet: alerts (alert(): a pending count handed to
// the coldest parked waiters first, taken before any packet) and a drain (closeWhenDrained():
// the port closes itself at the moment its queue becomes empty).

#include "completionport.h"
#include "testpoints.h"
#include "threadhooks.h"
#include "threadtimeslice.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <type_traits>

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace poolscope {

namespace {

constexpr std::size_t CacheLine = 64;

inline void cpuRelax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

// Spins politely: a few pauses, then yields the core, since on a small machine the thread
// we wait for may be waiting for our core.
class Backoff {
public:
    void pause() noexcept
    {
        if (m_count < 16) {
            for (unsigned i = 0; i < (1u << (m_count / 4)); ++i)
                cpuRelax();
        } else {
            sched_yield();
        }
        ++m_count;
    }

private:
    unsigned m_count = 0;
};

// --- the state word ---------------------------------------------------------------------

struct StateWord {
    static constexpr unsigned RunningShift = 32;
    static constexpr unsigned ParkedShift = 46;
    static constexpr unsigned SpinningShift = 60;
    static constexpr std::uint64_t FieldMask14 = (1ull << 14) - 1;
    static constexpr std::uint64_t SpinningMask = 3ull << SpinningShift;
    // Two bits were free. One spinner was too few: the 1-producer flood's second worker then
    // parked and was woken again and again (twice the context switches; README, Session 8).
    static constexpr std::uint32_t MaxSpinning = 3;
    static constexpr std::uint64_t DrainingBit = 1ull << 62; // close as soon as nothing is queued
    static constexpr std::uint64_t ClosedBit = 1ull << 63;
    static constexpr std::uint64_t OneRunning = 1ull << RunningShift;
    static constexpr std::uint64_t OneParked = 1ull << ParkedShift;
    static constexpr std::uint64_t OneSpinning = 1ull << SpinningShift;

    static std::uint32_t running(std::uint64_t s) noexcept
    {
        return static_cast<std::uint32_t>((s >> RunningShift) & FieldMask14);
    }
    static std::uint32_t parked(std::uint64_t s) noexcept
    {
        return static_cast<std::uint32_t>((s >> ParkedShift) & FieldMask14);
    }
    static std::uint32_t spinning(std::uint64_t s) noexcept
    {
        return static_cast<std::uint32_t>((s & SpinningMask) >> SpinningShift);
    }
    static bool closed(std::uint64_t s) noexcept { return (s & ClosedBit) != 0; }
    static bool draining(std::uint64_t s) noexcept { return (s & DrainingBit) != 0 && !closed(s); }
    // Threads of the port that are awake: holding a packet (granted ones included) or spinning.
    static std::uint64_t awake(std::uint64_t s) noexcept { return running(s) + spinning(s); }
    // A parked thread to take a packet and room under the limit: the word's half of "a parked
    // thread must be woken" (the queue's half: more packets than the spinners will take).
    static bool mayWake(std::uint64_t s, unsigned limit) noexcept
    {
        return parked(s) != 0 && running(s) < limit && !closed(s);
    }
};

// --- the packet queue -------------------------------------------------------------------

// Unbounded multi-producer multi-consumer FIFO: a lock-free queue of cells that lives in
// segments of SegmentCells, allocated as the queue reaches them and freed (one kept as a
// spare) as soon as every cell of theirs has been popped, and behind it a mutex-guarded
// overflow list for a backlog larger than the segment directory holds (SegmentSlots
// segments: 4M packets; 8 in the test build, so that the tests reach the overflow).
//
// Positions: a producer takes the next enqueue position with a compare-exchange, after
// checking that the position's segment slot belongs to the position's round (so the check
// "the queue is full" comes before a position is taken, and a taken position is always
// filled); a consumer claims the next dequeue position with a compare-exchange while it is
// below the enqueue position (tryClaim), and then waits for that cell to be filled (take).
// The enqueue position's top bit closes the queue for posts (closeForPosts). Position p lives in cell p % SegmentCells of the segment in slot
// (p / SegmentCells) % SegmentSlots; a cell is full when its sequence is p + 1.
//
// Why a segment is never freed under a thread that uses it: every thread touches only the
// cell of its own position, a segment is freed by the consumer whose take completes its
// SegmentCells takes, and a position's take waits for its push. A slot word packs the segment
// pointer with the round it serves (position / the directory's span, mod 4096), so that a
// thread finds its segment without ever reading a segment that may be freed under it.
//
// Once anything is in the overflow, producers append there too; a consumer that finds the
// cells empty moves overflow packets into the queue's tail. Packets from one producer thus
// enter the cells in the order they were posted, and cells are claimed in position order.
//
// Thread safety: every method from any thread; take() only for a position the caller
// claimed (it waits for that packet). The destructor runs when no thread is inside any.
class PacketQueue {
public:
    static constexpr std::size_t SegmentCells = 1024; // power of two
#if defined(POOLSCOPE_TEST_POINTS)
    static constexpr std::size_t SegmentSlots = 8; // 8192 cells, as the tests expect
#else
    static constexpr std::size_t SegmentSlots = 4096; // power of two
#endif

    PacketQueue()
    {
        // The first segment is there from the start: posting to a new port never allocates.
        m_slots[0].store(reinterpret_cast<std::uintptr_t>(newSegment()), std::memory_order_relaxed);
    }

    ~PacketQueue()
    {
        for (std::size_t slot = 0; slot < SegmentSlots; ++slot)
            deleteSegment(segmentOf(m_slots[slot].load(std::memory_order_relaxed)));
        deleteSegment(m_spare.load(std::memory_order_relaxed));
    }

    PacketQueue(const PacketQueue &) = delete;
    PacketQueue &operator=(const PacketQueue &) = delete;

    // Queues the packet, or refuses it once closeForPosts() has run. A pushed packet is visible
    // to tryClaim() by the time push() returns (a sequentially consistent write: see the port's
    // post() for why).
    [[nodiscard]] bool push(const CompletionPacket &packet)
    {
        if (m_overflowCount.load(std::memory_order_acquire) == 0) {
            switch (tryPushCells(packet)) {
            case Push::Done:
                return true;
            case Push::Closed:
                return false;
            case Push::Full:
                break;
            }
        }
        POOLSCOPE_TEST_POINT("port.queue.overflowed");
        std::lock_guard lock(m_overflowMutex); // closeForPosts() sets the bit under it
        if ((m_enqueuePosition.load(std::memory_order_relaxed) & ClosedForPosts) != 0)
            return false;
        m_overflow.push_back(packet);
        m_overflowCount.store(m_overflow.size(), std::memory_order_seq_cst);
        return true;
    }

    // Claims the oldest queued packet for the caller (who then take()s it), or says none is
    // queued. Overflow packets move into the cells first when the cells hold none.
    // `cachedTail` is the caller's own last reading of the tail: while the claims stay below it,
    // a claim reads no line the producers write.
    bool tryClaim(std::uint64_t &position, std::uint64_t &cachedTail)
    {
        std::uint64_t head = m_dequeuePosition.load(std::memory_order_relaxed);
        for (;;) {
            if (head >= cachedTail) {
                cachedTail = m_enqueuePosition.load(std::memory_order_seq_cst) & ~ClosedForPosts;
                if (head >= cachedTail) {
                    if (m_overflowCount.load(std::memory_order_seq_cst) != 0 && refillFromOverflow()) {
                        head = m_dequeuePosition.load(std::memory_order_relaxed);
                        continue;
                    }
                    return false;
                }
            }
            if (m_dequeuePosition.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel,
                                                        std::memory_order_relaxed)) {
                position = head;
                return true;
            }
        }
    }

    // Packets queued and not claimed, read without a lock. The tail is read before the head, so
    // claims made meanwhile cannot make it count packets that are gone (a peak taken from it
    // is one the queue reached).
    std::uint64_t size() const noexcept
    {
        const std::uint64_t tail = m_enqueuePosition.load(std::memory_order_seq_cst) & ~ClosedForPosts;
        const std::uint64_t head = m_dequeuePosition.load(std::memory_order_seq_cst);
        const std::uint64_t inCells = tail > head ? tail - head : 0;
        return inCells + m_overflowCount.load(std::memory_order_seq_cst);
    }

    // From now on push() refuses. Returns whether this call closed it.
    bool closeForPosts() noexcept
    {
        std::lock_guard lock(m_overflowMutex);
        return (m_enqueuePosition.fetch_or(ClosedForPosts, std::memory_order_seq_cst) & ClosedForPosts) == 0;
    }

    // closeForPosts(), but only while nothing is queued: the check and the close are one
    // exchange on the tail, so a packet pushed meanwhile keeps the queue open. Claimed packets
    // not yet taken do not count: their claimants take them.
    bool closeForPostsIfEmpty() noexcept
    {
        std::lock_guard lock(m_overflowMutex);
        if (!m_overflow.empty())
            return false;
        std::uint64_t tail = m_enqueuePosition.load(std::memory_order_seq_cst);
        if ((tail & ClosedForPosts) != 0)
            return true;
        // No claim passes the tail, so a head equal to it stays so until the tail moves.
        if (m_dequeuePosition.load(std::memory_order_seq_cst) != tail)
            return false;
        return m_enqueuePosition.compare_exchange_strong(tail, tail | ClosedForPosts, std::memory_order_seq_cst);
    }

    // After closeForPosts(): what the overflow still holds, oldest first.
    std::deque<CompletionPacket> takeOverflow()
    {
        std::lock_guard lock(m_overflowMutex);
        std::deque<CompletionPacket> rest;
        rest.swap(m_overflow);
        m_overflowCount.store(0, std::memory_order_seq_cst);
        return rest;
    }

    // The packet at a position the caller claimed; waits for its producer to fill it.
    CompletionPacket take(std::uint64_t position)
    {
        const std::size_t slot = slotOf(position);
        Backoff backoff;
        for (;;) {
            const std::uintptr_t word = m_slots[slot].load(std::memory_order_acquire);
            Segment *segment = segmentOf(word);
            if (segment != nullptr && roundOfSlot(word) == roundOfPosition(position)) {
                Cell &cell = segment->cells[position % SegmentCells];
                if (cell.sequence.load(std::memory_order_acquire) == position + 1) {
                    CompletionPacket packet;
                    std::memcpy(&packet, cell.packet, sizeof packet);
                    finishPop(slot, position, segment);
                    return packet;
                }
            }
            // The cell is not filled yet: a producer took its position and is about to fill it.
            if (m_overflowCount.load(std::memory_order_relaxed) != 0)
                POOLSCOPE_TEST_POINT("port.queue.waitForRingHead");
            backoff.pause();
        }
    }

private:
    // One cache line: the consumer of a cell reads the packet, payload included, from the
    // one line its producer wrote, and no two cells share a line.
    struct alignas(CacheLine) Cell {
        std::atomic<std::uint64_t> sequence; // position + 1 once filled
        // Raw bytes, so that a new segment writes only the sequences (a line each, where a
        // zeroed packet would write the whole 64 KB once more).
        alignas(CompletionPacket) unsigned char packet[sizeof(CompletionPacket)];
    };
    static_assert(std::is_trivially_copyable_v<CompletionPacket>);
    static_assert(sizeof(Cell) == CacheLine);
    struct Segment {
        Cell cells[SegmentCells];
    };
    static constexpr std::size_t SegmentAlign = 4096; // frees the low 12 bits of a pointer
    // The tail's top bit: set by closeForPosts(), after which no position is taken.
    static constexpr std::uint64_t ClosedForPosts = 1ull << 63;
    enum class Push { Done, Full, Closed };
    static constexpr std::uintptr_t RoundMask = SegmentAlign - 1;
    static_assert(sizeof(Segment) % SegmentAlign == 0);

    static std::size_t slotOf(std::uint64_t position) noexcept
    {
        return static_cast<std::size_t>((position / SegmentCells) % SegmentSlots);
    }
    static std::uintptr_t roundOfPosition(std::uint64_t position) noexcept
    {
        return static_cast<std::uintptr_t>(position / (SegmentCells * SegmentSlots)) & RoundMask;
    }
    static std::uintptr_t roundOfSlot(std::uintptr_t word) noexcept { return word & RoundMask; }
    static Segment *segmentOf(std::uintptr_t word) noexcept { return reinterpret_cast<Segment *>(word & ~RoundMask); }

    // Cells need no clearing between uses: a cell counts as filled only with its position's
    // sequence. Null when no memory is left.
    Segment *newSegment() noexcept
    {
        if (Segment *spare = m_spare.exchange(nullptr, std::memory_order_acquire))
            return spare;
        void *memory = ::operator new(sizeof(Segment), std::align_val_t(SegmentAlign), std::nothrow);
        if (memory == nullptr)
            return nullptr;
        return ::new (memory) Segment; // sequences 0 (std::atomic's default): position + 1 is never 0
    }

    static void deleteSegment(Segment *segment) noexcept
    {
        if (segment == nullptr)
            return;
        segment->~Segment();
        ::operator delete(segment, std::align_val_t(SegmentAlign));
    }

    void recycle(Segment *segment) noexcept
    {
        deleteSegment(m_spare.exchange(segment, std::memory_order_acq_rel));
    }

    Push tryPushCells(const CompletionPacket &packet) noexcept
    {
        std::uint64_t position = m_enqueuePosition.load(std::memory_order_relaxed);
        for (;;) {
            if ((position & ClosedForPosts) != 0)
                return Push::Closed;
            const std::size_t slot = slotOf(position);
            std::uintptr_t word = m_slots[slot].load(std::memory_order_acquire);
            if (roundOfSlot(word) != roundOfPosition(position)) {
                // The slot still serves the previous round: full, unless our position is stale.
                const std::uint64_t current = m_enqueuePosition.load(std::memory_order_relaxed);
                if (current == position)
                    return Push::Full;
                position = current;
                continue;
            }
            if (segmentOf(word) == nullptr) {
                Segment *segment = newSegment();
                if (segment == nullptr)
                    return Push::Full; // the overflow list will try to allocate, and throw
                const std::uintptr_t installed = reinterpret_cast<std::uintptr_t>(segment) | roundOfPosition(position);
                if (!m_slots[slot].compare_exchange_strong(word, installed, std::memory_order_acq_rel,
                                                           std::memory_order_acquire)) {
                    recycle(segment); // another producer installed one first
                    continue;
                }
                word = installed;
            }
            // Sequentially consistent: the port's post() reads the state word after it, and a
            // parking thread writes that word before it reads the tail (Dekker).
            if (m_enqueuePosition.compare_exchange_weak(position, position + 1, std::memory_order_seq_cst,
                                                        std::memory_order_relaxed)) {
                POOLSCOPE_TEST_POINT("port.ring.cellClaimed");
                Cell &cell = segmentOf(word)->cells[position % SegmentCells];
                std::memcpy(cell.packet, &packet, sizeof packet);
                cell.sequence.store(position + 1, std::memory_order_release);
                return Push::Done;
            }
        }
    }

    // The pop that completes a segment's SegmentCells pops frees it. Counted per slot and
    // never reset: the slot's rounds follow one another, so a multiple of SegmentCells marks
    // the end of one.
    void finishPop(std::size_t slot, std::uint64_t position, Segment *segment) noexcept
    {
        const std::uint32_t popped = m_popped[slot].fetch_add(1, std::memory_order_acq_rel) + 1;
        if (popped % SegmentCells != 0)
            return;
        // Every position of this round in the slot was taken and filled, so no thread waits
        // for the slot until it serves the next round.
        const std::uint64_t nextRound = position / (SegmentCells * SegmentSlots) + 1;
        m_slots[slot].store(static_cast<std::uintptr_t>(nextRound) & RoundMask, std::memory_order_release);
        recycle(segment);
    }

    // Moves the oldest overflow packets into the cells' tail while there is room; producers
    // wait on the mutex meanwhile, so nothing overtakes them. False when nothing moved.
    bool refillFromOverflow()
    {
        std::lock_guard lock(m_overflowMutex);
        std::size_t moved = 0;
        while (!m_overflow.empty() && moved < SegmentCells && tryPushCells(m_overflow.front()) == Push::Done) {
            m_overflow.pop_front();
            ++moved;
        }
        m_overflowCount.store(m_overflow.size(), std::memory_order_seq_cst);
        return moved != 0;
    }

    std::unique_ptr<std::atomic<std::uintptr_t>[]> m_slots{new std::atomic<std::uintptr_t>[SegmentSlots]{}};
    std::unique_ptr<std::atomic<std::uint32_t>[]> m_popped{new std::atomic<std::uint32_t>[SegmentSlots]{}};
    std::atomic<Segment *> m_spare{nullptr};
    alignas(CacheLine) std::atomic<std::uint64_t> m_enqueuePosition{0};
    alignas(CacheLine) std::atomic<std::uint64_t> m_dequeuePosition{0};
    alignas(CacheLine) std::atomic<std::size_t> m_overflowCount{0};
    std::mutex m_overflowMutex;
    std::deque<CompletionPacket> m_overflow;
};

// --- parking ----------------------------------------------------------------------------

enum WaiterWord : std::uint32_t { Waiting = 0, Granted = 1, WokenByClose = 2, WokenByAlert = 3 };

// Lives on the parked thread's stack, linked into the port's waiter stack while parked.
struct Waiter {
    std::atomic<std::uint32_t> word{Waiting};
    // Where the kernel will most likely wake it (PendingStarts): written by the parking
    // thread before it pushes itself, read by the waker; both under the waiters' lock.
    int parkedCpu = 0;
    // The CPU of the thread that granted it a packet: written by the waker before its
    // release store of Granted, read by the woken thread after it sees Granted.
    int wakerCpu = -1;
    // When the waker granted it a packet (SpinBudget): written and read like wakerCpu.
    std::chrono::steady_clock::time_point grantedAt{};
    // The queue position the waker claimed for it: written and read like wakerCpu.
    std::uint64_t position = 0;
    Waiter *above = nullptr; // toward the top (more recently parked)
    Waiter *below = nullptr;
};
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

void futexWake(std::atomic<std::uint32_t> &word) noexcept
{
    syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

// Sleeps while word == Waiting, at most for `relative` (null: no limit). Spurious returns are fine.
void futexWait(std::atomic<std::uint32_t> &word, const struct timespec *relative) noexcept
{
    syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word), FUTEX_WAIT_PRIVATE, Waiting, relative,
            nullptr, 0);
}

// Waiters chosen under the waiters' lock and woken after it is released, so that no thread
// makes a syscall while holding it. A fixed array, not a vector: post() must not allocate
// to wake, and a wake loop that fills it simply takes the lock again for the rest.
class WakeBatch {
public:
    static constexpr std::size_t Capacity = 32;

    bool full() const noexcept { return m_size == Capacity; }
    void add(Waiter *waiter) noexcept { m_waiters[m_size++] = waiter; }

    // A chosen waiter may return (and its Waiter vanish) as soon as it sees its word; a wake
    // on the dead address is harmless, so the addresses serve only as futex keys here.
    void wakeAll(std::atomic<std::uint64_t> &wakes) noexcept
    {
        wakes.fetch_add(m_size, std::memory_order_relaxed);
        for (std::size_t i = 0; i < m_size; ++i)
            futexWake(m_waiters[i]->word);
    }

private:
    Waiter *m_waiters[Capacity];
    std::size_t m_size = 0;
};

// How long one thread spins in dequeue() before it parks, learnt from its own recent waits.
//
// Spinning pays when a packet follows within microseconds (a producer posting in a loop): the
// thread takes it without a futex round trip. When none follows, the spin is pure run time,
// and on Linux (EEVDF) run time decides whether a woken thread may preempt the one running on
// the CPU it is woken on, which on this machine kind is the poster's CPU nearly every time.
// Measured (README, "Wake latency: the cause"): a ~25 us spin after every unit let the woken
// worker start after a running poster's 1.4 ms slice or the 4 ms tick (p99 1.6-2.8 ms), where
// without the spin it preempted the poster at once (p99 15-60 us). So the budget grows after a
// spin that caught a packet or a park that half the spin would have outlasted, and halves
// after a longer park: sparse wakes stop spinning within a few units, a steady stream keeps
// the full spin. Per thread, so one thread's pattern never sets another's.
class SpinBudget {
public:
    // With the growing pauses, about 50 us here: two gaps of a poster that streams every
    // 20 us, so that a gap a little late (the poster preempted, a vCPU interrupted, both
    // common here) does not park the spinner just before its packet. With 64 looks (25 us),
    // about 1.5x as many of a stream's units started late (post -> start > 10 us: 920 against
    // 556-652 of 20,000; README, "Session 11").
    static constexpr unsigned MaxLooks = 96;

    unsigned looks() const noexcept { return m_looks; }

    // The spin caught a packet at look `look` (0-based): keep at least twice that.
    void caught(unsigned look) noexcept { m_looks = std::min(MaxLooks, std::max(m_looks, 2 * look + 2)); }

    // The thread parked and was granted a packet `parked` later. Measured to the grant, not
    // to the thread's start: waking a parked thread on an idle vCPU took 17-58 us here, time a
    // spin would not have spent. Measured to the start, two workers taking turns behind a
    // poster that streams every 20 us each saw parks of 25-60 us, halved their budgets to no
    // spin at all and stayed there, every unit waiting for a wake (README, "Session 11").
    void woken(std::chrono::steady_clock::duration parked) noexcept
    {
        if (parked < ShortPark)
            m_looks = std::min(MaxLooks, std::max(2 * m_looks, MinLooks));
        else
            m_looks /= 2;
    }

private:
    static constexpr unsigned MinLooks = 8;
    // A park shorter than this, a spin would have saved: half the full spin. The other half
    // is margin for a late packet, not a reason to spin for sparser ones: at the full spin, a
    // poster posting every 50 us would keep a worker spinning after every unit, the run time
    // that makes its wakes wait behind the poster (above).
    static constexpr std::chrono::microseconds ShortPark{25};
    unsigned m_looks = MaxLooks;
};

// The time slice of a thread whose wakes are sparse, for threads that opt in
// (detail::setThreadAdaptiveTimeSlice; the WorkerPool's workers do by default).
//
// A thread woken on a CPU that runs another thread (here nearly always the poster's CPU)
// starts at once only if the kernel lets it preempt that thread, and EEVDF does so when the
// woken thread's deadline is the earlier one: a short requested slice gives it that. A short
// slice all the time ("+slice" in peer_bench) costs where workers and posters share a CPU
// for long: 2.6x the switches of a flood, 1.27x the drain time of bursts, and 1.45x the late
// units of a 20 us stream (README, "Session 12"). So the slice follows the spin budget:
// a thread asks for MinThreadTimeSlice when it parks with no spin left (its wakes are
// sparse, and each one is a wake that should preempt), and for the default again as soon as
// it takes a packet without parking (a stream or a backlog, where it competes for the CPU).
// Two syscalls per change of regime (read and set the attributes), none per packet.
// Measured (README, "Session 13"): the wake p50s about halved (2.9 against 5.7 us after a
// 50 us gap), the running poster's p99.9 from 3.2 ms to 0.23 ms; floods, bursts' drain time
// and the stream as without it.
// Thread safety: the owning thread only (it lives in the thread's ThreadAssociation).
class AdaptiveTimeSlice {
public:
    void enable(bool enabled) noexcept
    {
        if (!enabled)
            useDefault();
        m_enabled = enabled;
    }

    // About to park with `looksLeft` looks of spin budget.
    void parking(unsigned looksLeft) noexcept
    {
        if (m_enabled && !m_short && looksLeft == 0) {
            POOLSCOPE_TEST_POINT("port.slice.short");
            m_short = requestThreadTimeSlice(MinThreadTimeSlice);
        }
    }

    // Took a packet without parking (the work path: one test of a flag unless it holds the
    // short slice).
    void busy() noexcept { useDefault(); }

private:
    void useDefault() noexcept
    {
        if (!m_short) [[likely]]
            return;
        POOLSCOPE_TEST_POINT("port.slice.default");
        requestThreadTimeSlice(std::chrono::microseconds::zero());
        m_short = false; // a refusal too: asking again per packet would not help
    }

    bool m_enabled = false;
    bool m_short = false;
};

// Threads that were handed a packet and have not started yet, counted by the CPU each one
// parked on: the kernel wakes a thread there unless another CPU is idle.
//
// A spinning thread on that CPU holds it while the woken thread waits: EEVDF lets the
// running thread finish its slice (RUN_TO_PARITY, milliseconds here), and a spinner that
// keeps catching packets never parks. A poster streaming a unit every 20 us beside two
// workers (README, "Session 8") put both workers on the one CPU the poster left free, and
// the woken one waited there for the other's slice: p99 0.3-2.1 ms in 5 of 8 runs. A spinner
// that finds a thread waiting to start on its own CPU therefore yields the CPU to it and
// looks again: p99 medians 39-57 us in five batches of the same harness.
// CPUs share a counter modulo Slots: a stray yield costs one syscall.
// Thread safety: granted() by a waker, started() by the woken thread, waitingOn() by any
// thread. Relaxed: a stale read costs one yield more or one less, never a packet.
class PendingStarts {
public:
    void granted(int cpu) noexcept { m_counts[slot(cpu)].fetch_add(1, std::memory_order_relaxed); }
    void started(int cpu) noexcept { m_counts[slot(cpu)].fetch_sub(1, std::memory_order_relaxed); }
    bool waitingOn(int cpu) const noexcept { return m_counts[slot(cpu)].load(std::memory_order_relaxed) != 0; }

private:
    static constexpr std::size_t Slots = 32;
    static std::size_t slot(int cpu) noexcept { return static_cast<std::size_t>(cpu) % Slots; }
    std::atomic<std::uint16_t> m_counts[Slots]{}; // 16383 threads at most can park
};

// What the calling thread is to a port: whether it runs a packet of that port, its
// BlockingScope nesting, and how long it spins before parking. A thread belongs to the port
// it last dequeued from, as on Windows.
struct ThreadAssociation {
    CompletionPort::Impl *port = nullptr;
    bool running = false;
    unsigned blockingDepth = 0;
    bool releasedForBlocking = false;
    detail::BlockingHook hook = nullptr;
    void *hookContext = nullptr;
    SpinBudget spin;
    AdaptiveTimeSlice slice;
    int lastWakerCpu = -1; // the CPU of the thread that last woke this one with a packet
    std::uint64_t cachedTail = 0; // PacketQueue::tryClaim's reading of `port`'s tail
};
thread_local ThreadAssociation t_association;

} // namespace

// --- the port ---------------------------------------------------------------------------

struct CompletionPort::Impl {
    explicit Impl(unsigned concurrency) : m_concurrency(resolve(concurrency)) {}

    static unsigned resolve(unsigned concurrency) noexcept
    {
        return concurrency == 0 ? CompletionPort::processorCount() : std::min(concurrency, 16383u);
    }

    bool post(const CompletionPacket &packet)
    {
        // The packet goes into the queue and the state word is only read: while no thread is
        // parked, a post writes no line the dequeuers write (README, "Session 12"). A draining
        // port still takes packets until it closes, and the drain runs them.
        if (!m_queue.push(packet))
            return false; // closed
        // Dekker with park(): the push is a sequentially consistent write and this a
        // sequentially consistent read; a parking thread writes the word, then reads the
        // queue. One of the two sees the other, so no thread parks beside this packet unseen.
        const std::uint64_t state = m_state.load(std::memory_order_seq_cst);
        const std::uint64_t queued = m_queue.size();
        raisePeak(m_peakQueued, queued);
        // A parked waiter may take it (or another queued packet) if the limit allows and no
        // spinning thread will.
        if (StateWord::mayWake(state, limit()) && queued > StateWord::spinning(state))
            wakeWhileRoom();
        return true;
    }

    DequeueResult dequeue(std::chrono::nanoseconds timeout)
    {
        ThreadAssociation &association = t_association;
        // A thread moving to another port stops running for the old one. It only touches the
        // old port if it runs a packet of it, and a port must outlive its running threads.
        if (association.port != this && association.port != nullptr && association.running)
            association.port->leave(association);
        const bool wasRunning = association.port == this && association.running &&
                                !association.releasedForBlocking;

        if (association.port != this)
            association.cachedTail = 0;
        association.port = this;
        association.running = false;
        association.releasedForBlocking = false;

        // Step 1: take the next packet if one may run. A thread coming back from a packet
        // keeps its running slot and takes the next packet itself: the state word is neither
        // written nor waited for, and no wake is owed. A pending alert comes before any packet.
        const bool alertPending = m_alerts.load(std::memory_order_relaxed) != 0;
        if (!alertPending) {
            std::uint64_t position = 0;
            if (claimPacket(association, wasRunning, position)) {
                association.slice.busy();
                DequeueResult result = takeClaimed(position);
                result.waited = false;
                return result;
            }
        }
        // None: leave the running set, and count as spinning if the thread will spin, in one
        // exchange.
        const unsigned looks = association.spin.looks();
        const bool mayWait = !alertPending && timeout > std::chrono::nanoseconds::zero();
        bool spinning = false;
        std::uint64_t state = m_state.load(std::memory_order_relaxed);
        for (;;) {
            std::uint64_t next = wasRunning ? state - StateWord::OneRunning : state;
            spinning = mayWait && looks != 0 && !StateWord::closed(next) &&
                       !(StateWord::draining(next) && m_queue.size() == 0) &&
                       StateWord::spinning(next) < StateWord::MaxSpinning;
            if (spinning)
                next += StateWord::OneSpinning;
            if (m_state.compare_exchange_weak(state, next, std::memory_order_seq_cst, std::memory_order_relaxed)) {
                state = next;
                break;
            }
        }
        // A packet posted while this thread still held its slot saw no room and woke no one.
        // A spinning or parking thread looks at the queue again itself; one that leaves now
        // passes the packet on.
        if (wasRunning && !spinning && !mayWait)
            wakeIfOwed(state);
        if (StateWord::closed(state) || (StateWord::draining(state) && m_queue.size() == 0 && closeIfDrained()))
            return closedResult(association);
        if (alertPending && takeAlert())
            return {DequeueOutcome::Alerted, {}};
        if (timeout <= std::chrono::nanoseconds::zero())
            return {DequeueOutcome::Timeout, {}};

        // Step 2: spin a little before sleeping (spinForPacket), then park.
        if (spinning) {
            if (std::optional<DequeueResult> result = spinForPacket(association, looks, spinning))
                return *result;
        }
        return park(association, timeout, spinning);
    }

    void leave(ThreadAssociation &association) noexcept
    {
        if (association.port == this && association.running && !association.releasedForBlocking)
            releaseRunningSlot();
        association.running = false;
        association.releasedForBlocking = false;
        association.port = nullptr;
    }

    void enterBlocking(ThreadAssociation &association) noexcept
    {
        if (!association.running || association.releasedForBlocking)
            return;
        association.releasedForBlocking = true;
        releaseRunningSlot();
    }

    void exitBlocking(ThreadAssociation &association) noexcept
    {
        if (!association.releasedForBlocking)
            return;
        association.releasedForBlocking = false;
        const std::uint64_t before = m_state.fetch_add(StateWord::OneRunning, std::memory_order_acq_rel);
        raisePeak(m_peakRunning, StateWord::running(before) + 1);
    }

    void setConcurrency(unsigned concurrency)
    {
        m_concurrency.store(resolve(concurrency), std::memory_order_release);
        wakeWhileRoom();
    }

    std::vector<CompletionPacket> close()
    {
        {
            std::lock_guard lock(m_waitersMutex);
            if (!closeLocked(CloseWhen::Always))
                return {}; // closed already
        }
        // No packet comes in any more: claim what is left, the cells (older) before the overflow.
        std::vector<CompletionPacket> remaining;
        remaining.reserve(static_cast<std::size_t>(m_queue.size()));
        std::uint64_t position = 0;
        std::uint64_t cachedTail = 0;
        while (m_queue.tryClaim(position, cachedTail))
            remaining.push_back(m_queue.take(position));
        for (const CompletionPacket &packet : m_queue.takeOverflow())
            remaining.push_back(packet);
        return remaining;
    }

    void closeWhenDrained() noexcept
    {
        std::lock_guard lock(m_waitersMutex);
        m_state.fetch_or(StateWord::DrainingBit, std::memory_order_acq_rel);
        closeLocked(CloseWhen::Drained);
    }

    void alert(unsigned count) noexcept
    {
        m_alerts.fetch_add(count, std::memory_order_acq_rel);
        for (;;) {
            WakeBatch batch;
            bool more = false;
            {
                std::lock_guard lock(m_waitersMutex);
                // The coldest waiters first: the hot ones (on top) keep serving packets.
                while (!batch.full() && m_bottom != nullptr && takeAlert()) {
                    Waiter *waiter = m_bottom;
                    removeWaiter(waiter);
                    m_state.fetch_sub(StateWord::OneParked, std::memory_order_acq_rel);
                    waiter->word.store(WokenByAlert, std::memory_order_release);
                    batch.add(waiter);
                }
                more = batch.full();
            }
            batch.wakeAll(m_wakes);
            if (!more)
                return;
        }
    }

    PortCounters counters() const noexcept
    {
        const std::uint64_t state = m_state.load(std::memory_order_acquire);
        PortCounters counters;
        counters.queued = m_queue.size();
        counters.running = StateWord::running(state);
        counters.parked = StateWord::parked(state);
        counters.closed = StateWord::closed(state);
        counters.concurrency = limit();
        counters.peakQueued = m_peakQueued.load(std::memory_order_relaxed);
        counters.peakRunning = static_cast<std::uint32_t>(m_peakRunning.load(std::memory_order_relaxed));
        counters.parks = m_parks.load(std::memory_order_relaxed);
        counters.wakes = m_wakes.load(std::memory_order_relaxed);
        return counters;
    }

    void resetPeaks() noexcept
    {
        const std::uint64_t state = m_state.load(std::memory_order_relaxed);
        m_peakQueued.store(m_queue.size(), std::memory_order_relaxed);
        m_peakRunning.store(StateWord::running(state), std::memory_order_relaxed);
    }

    unsigned limit() const noexcept { return m_concurrency.load(std::memory_order_relaxed); }
    bool isClosed() const noexcept { return StateWord::closed(m_state.load(std::memory_order_acquire)); }

private:
    // Claims a packet for the calling thread. A thread that holds a running slot keeps it (unless
    // the limit was lowered under it); another takes a slot first, if the limit allows, and
    // gives it back when the packet it saw is gone. Writes the state word only for a slot.
    bool claimPacket(ThreadAssociation &association, bool holdsSlot, std::uint64_t &position)
    {
        std::uint64_t state = m_state.load(std::memory_order_seq_cst);
        if (StateWord::closed(state))
            return false;
        if (holdsSlot) {
            if (StateWord::running(state) > limit() || !m_queue.tryClaim(position, association.cachedTail))
                return false;
            association.running = true;
            return true;
        }
        if (m_queue.size() == 0)
            return false;
        do {
            if (StateWord::closed(state) || StateWord::running(state) >= limit())
                return false;
        } while (!m_state.compare_exchange_weak(state, state + StateWord::OneRunning, std::memory_order_seq_cst,
                                                std::memory_order_relaxed));
        raisePeak(m_peakRunning, StateWord::running(state) + 1);
        if (m_queue.tryClaim(position, association.cachedTail)) {
            association.running = true;
            return true;
        }
        releaseRunningSlot(); // another thread took it first; a packet posted meanwhile saw no room
        return false;
    }

    DequeueResult takeClaimed(std::uint64_t position)
    {
        const CompletionPacket packet = m_queue.take(position);
        // The last packet of a drain: the idle waiters need not wait for this one to finish.
        if (StateWord::draining(m_state.load(std::memory_order_relaxed)) && m_queue.size() == 0)
            closeIfDrained();
        return {classifyPacket(packet), packet};
    }

    static DequeueResult closedResult(ThreadAssociation &association) noexcept
    {
        association.port = nullptr;
        return {DequeueOutcome::Closed, {}};
    }

    bool takeAlert() noexcept
    {
        std::uint32_t alerts = m_alerts.load(std::memory_order_relaxed);
        while (alerts != 0) {
            if (m_alerts.compare_exchange_weak(alerts, alerts - 1, std::memory_order_acq_rel,
                                               std::memory_order_relaxed))
                return true;
        }
        return false;
    }

    // Closes a draining port whose queue is empty. False when a packet came in first (a
    // draining port still takes posts until it closes): the caller should go and claim it.
    bool closeIfDrained() noexcept
    {
        std::lock_guard lock(m_waitersMutex);
        if (StateWord::closed(m_state.load(std::memory_order_relaxed)))
            return true;
        return closeLocked(CloseWhen::Drained);
    }

    enum class CloseWhen { Always, Drained };

    // Closes the queue for posts, sets the closed bit (parked count to zero) and wakes every
    // parked waiter with Closed. False when the port was closed already or (CloseWhen::Drained)
    // a packet is queued: the queue's check and its close are one exchange, so a packet
    // posted meanwhile is never shut in. Prerequisite: m_waitersMutex locked.
    bool closeLocked(CloseWhen when) noexcept
    {
        std::uint64_t state = m_state.load(std::memory_order_relaxed);
        if (StateWord::closed(state) || (when == CloseWhen::Drained && !StateWord::draining(state)))
            return false;
        if (when == CloseWhen::Drained ? !m_queue.closeForPostsIfEmpty() : !m_queue.closeForPosts())
            return false;
        // Parked waiters leave the stack only under the mutex, so only running and spinning
        // threads can change the word meanwhile.
        for (;;) {
            const std::uint64_t next =
                (state & ((StateWord::FieldMask14 << StateWord::RunningShift) | StateWord::SpinningMask)) |
                StateWord::ClosedBit;
            if (m_state.compare_exchange_weak(state, next, std::memory_order_acq_rel, std::memory_order_relaxed))
                break;
        }
        std::uint64_t woken = 0;
        for (Waiter *waiter = m_top; waiter != nullptr;) {
            Waiter *below = waiter->below; // read before the store: the waiter may vanish after it
            waiter->word.store(WokenByClose, std::memory_order_release);
            futexWake(waiter->word); // a syscall under the lock, but only once per port
            ++woken;
            waiter = below;
        }
        m_top = m_bottom = nullptr;
        m_wakes.fetch_add(woken, std::memory_order_relaxed);
        return true;
    }

    // Spins for `looks` looks, as long as this thread's recent waits say a packet is likely to
    // follow within microseconds (SpinBudget): taking it without a futex round trip is the
    // point of the fast path. The pauses between looks grow, so that spinners do not keep the
    // queue's tail line away from the posting thread.
    // The caller counts as spinning in the state word, and a post wakes a parked thread only
    // for the packets the spinners will not take (wakeIfOwed): a packet that a
    // spinner catches costs no futex wake and wakes no second thread to find the queue empty.
    // A spinner on the CPU of the thread that last woke it yields at every look while another
    // thread of the port is awake. The kernel wakes a thread beside its waker when no other
    // CPU is idle, and the woken one usually preempts it; spinning there holds the CPU that
    // poster needs to post what the spin waits for, until the spin runs out and the thread
    // parks, to be woken beside the poster again. The one thread awake does not yield: behind
    // a poster that never blocks, a yield costs it the poster's whole slice while no one else
    // takes the packets, and its park lets the next wake put it on an idle CPU. Figures in the
    // README, "Session 9" (1-producer flood: context switches per unit 0.0018 -> 0.0002).
    // Returns how the wait ended (a packet, Closed, Alerted; the spinner count given back), or
    // nothing when the looks ran out: the caller parks, still counted as spinning unless it
    // cleared `spinning`.
    std::optional<DequeueResult> spinForPacket(ThreadAssociation &association, unsigned looks, bool &spinning)
    {
        const int cpu = sched_getcpu();
        const bool besideWaker = cpu == association.lastWakerCpu;
        for (unsigned look = 0; look < looks; ++look) {
            for (unsigned pause = 0; pause < (1u << std::min(look / 8, 5u)); ++pause)
                cpuRelax();
            POOLSCOPE_TEST_POINT("port.spin.look");
            std::uint64_t state = m_state.load(std::memory_order_relaxed);
            if (besideWaker && StateWord::awake(state) > 1) {
                POOLSCOPE_TEST_POINT("port.spin.yieldToWaker");
                sched_yield();
                state = m_state.load(std::memory_order_relaxed);
            } else if (m_pendingStarts.waitingOn(cpu)) {
                POOLSCOPE_TEST_POINT("port.spin.yieldToWoken");
                sched_yield();
                state = m_state.load(std::memory_order_relaxed);
            }
            if (StateWord::closed(state) ||
                (StateWord::draining(state) && m_queue.size() == 0 && closeIfDrained())) {
                stopSpinning();
                return closedResult(association);
            }
            if (m_alerts.load(std::memory_order_relaxed) != 0 && takeAlert()) {
                stopSpinning();
                return DequeueResult{DequeueOutcome::Alerted, {}};
            }
            // The spinner becomes a running thread, then claims: one packet and one spinner
            // fewer, so the packets left for parked threads stay as many and no wake is owed.
            // A packet gone meanwhile (another thread was quicker) makes it a spinner again.
            if (StateWord::running(state) >= limit() || m_queue.size() == 0)
                continue;
            const std::uint64_t running = state + StateWord::OneRunning - StateWord::OneSpinning;
            if (!m_state.compare_exchange_weak(state, running, std::memory_order_seq_cst, std::memory_order_relaxed))
                continue;
            raisePeak(m_peakRunning, StateWord::running(running));
            POOLSCOPE_TEST_POINT("port.spin.claiming"); // running, its packet not yet claimed
            std::uint64_t position = 0;
            if (m_queue.tryClaim(position, association.cachedTail)) {
                association.running = true;
                association.spin.caught(look);
                association.slice.busy();
                return takeClaimed(position);
            }
            if (!spinAgain()) {
                spinning = false; // MaxSpinning others spin already: park, which looks once more
                return std::nullopt;
            }
        }
        return std::nullopt;
    }

    // A spinner that became a running thread to claim a packet and found it taken gives the
    // slot back and spins again, unless MaxSpinning others spin meanwhile (the field holds no
    // more): then it only gives the slot back. Returns whether it spins.
    bool spinAgain() noexcept
    {
        std::uint64_t state = m_state.load(std::memory_order_relaxed);
        for (;;) {
            const bool again = StateWord::spinning(state) < StateWord::MaxSpinning;
            const std::uint64_t next = state - StateWord::OneRunning + (again ? StateWord::OneSpinning : 0);
            if (m_state.compare_exchange_weak(state, next, std::memory_order_seq_cst, std::memory_order_relaxed))
                return again;
        }
    }

    // `spinning`: the thread still counts as spinning; the exchange that parks it (or claims
    // a packet after all) ends that.
    DequeueResult park(ThreadAssociation &association, std::chrono::nanoseconds timeout, bool spinning)
    {
        Waiter self;
        bool claimed = false; // claimed a packet instead of parking
        std::uint64_t claimedPosition = 0;
        std::optional<DequeueResult> leftEarly;
        association.slice.parking(association.spin.looks()); // syscalls, if any, outside the lock
        const int parkedCpu = sched_getcpu(); // outside the lock; a futex wait follows anyway
        {
            std::lock_guard lock(m_waitersMutex);
            // Under the mutex, like alert() and closeWhenDrained(): neither can slip past us.
            if (takeAlert())
                leftEarly = DequeueResult{DequeueOutcome::Alerted, {}};
            std::uint64_t state = m_state.load(std::memory_order_relaxed);
            while (!leftEarly) {
                if (StateWord::closed(state)) {
                    leftEarly = closedResult(association);
                    break;
                }
                if (StateWord::draining(state) && m_queue.size() == 0) {
                    closeLocked(CloseWhen::Drained); // unless a post came in: then claim it
                    state = m_state.load(std::memory_order_relaxed);
                    continue;
                }
                // Counted as parked first, then a look at the queue (Dekker with post(): it
                // pushes, then reads the word). Wakers change the count only under this lock.
                std::uint64_t next = state + StateWord::OneParked - (spinning ? StateWord::OneSpinning : 0);
                if (!m_state.compare_exchange_weak(state, next, std::memory_order_seq_cst, std::memory_order_relaxed))
                    continue;
                state = next;
                spinning = false;
                if (StateWord::running(state) < limit() && m_queue.size() != 0) {
                    // A packet came in: take it instead of parking, as a running thread.
                    next = state - StateWord::OneParked + StateWord::OneRunning;
                    if (!m_state.compare_exchange_strong(state, next, std::memory_order_seq_cst,
                                                         std::memory_order_relaxed)) {
                        state = m_state.fetch_sub(StateWord::OneParked, std::memory_order_seq_cst) -
                                StateWord::OneParked;
                        continue; // the word moved: look again from the start
                    }
                    raisePeak(m_peakRunning, StateWord::running(next));
                    if (m_queue.tryClaim(claimedPosition, association.cachedTail)) {
                        claimed = true;
                        association.running = true;
                        break;
                    }
                    state = m_state.fetch_sub(StateWord::OneRunning, std::memory_order_seq_cst) -
                            StateWord::OneRunning;
                    continue; // another thread was quicker: park after all
                }
                self.parkedCpu = parkedCpu;
                pushWaiter(&self);
                m_parks.fetch_add(1, std::memory_order_relaxed);
                break;
            }
        }
        if (leftEarly) {
            if (spinning)
                stopSpinning(); // takes the waiters' lock if it owes a wake: outside ours
            return *leftEarly;
        }
        // Taking waits for the packet's producer, which may need the waiters' lock: outside it.
        if (claimed)
            return takeClaimed(claimedPosition);

        POOLSCOPE_TEST_POINT("port.park.pushed"); // on the stack, the park's clock not read
        // A timeout too long to add to the clock (up to nanoseconds::max()) waits forever.
        const auto now = std::chrono::steady_clock::now(); // a syscall follows: not the fast path
        const auto parkedAt = now;
        POOLSCOPE_TEST_POINT("port.park.clocked");
        const bool forever = timeout >= std::chrono::steady_clock::time_point::max() - now;
        const auto deadline = forever ? std::chrono::steady_clock::time_point::max() : now + timeout;
        while (self.word.load(std::memory_order_acquire) == Waiting) {
            if (forever) {
                futexWait(self.word, nullptr);
                continue;
            }
            const auto left = deadline - std::chrono::steady_clock::now();
            if (left <= std::chrono::nanoseconds::zero())
                break;
            const auto leftNs = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
            struct timespec relative {};
            relative.tv_sec = static_cast<time_t>(leftNs / 1'000'000'000);
            relative.tv_nsec = static_cast<long>(leftNs % 1'000'000'000);
            futexWait(self.word, &relative);
        }

        std::uint32_t word = self.word.load(std::memory_order_acquire);
        if (word == Waiting) {
            std::lock_guard lock(m_waitersMutex);
            word = self.word.load(std::memory_order_acquire);
            if (word == Waiting) { // still on the stack: nobody chose us; leave quietly
                removeWaiter(&self);
                m_state.fetch_sub(StateWord::OneParked, std::memory_order_acq_rel);
                return {DequeueOutcome::Timeout, {}};
            }
        }
        if (word == WokenByClose)
            return closedResult(association);
        if (word == WokenByAlert)
            return {DequeueOutcome::Alerted, {}};
        // The poster counted us as running when it chose us.
        association.running = true;
        POOLSCOPE_TEST_POINT("port.park.granted");
        association.spin.woken(self.grantedAt - parkedAt);
        association.lastWakerCpu = self.wakerCpu;
        m_pendingStarts.started(self.parkedCpu);
        return takeClaimed(self.position);
    }

    // A spinner leaves without a packet: the packets it would have taken may now be owed a
    // parked thread.
    void stopSpinning() noexcept
    {
        wakeIfOwed(m_state.fetch_sub(StateWord::OneSpinning, std::memory_order_seq_cst) - StateWord::OneSpinning);
    }

    // The thread stops counting against N; if that makes room for a queued packet and a
    // waiter is parked, the most recently parked one takes it.
    void releaseRunningSlot() noexcept
    {
        wakeIfOwed(m_state.fetch_sub(StateWord::OneRunning, std::memory_order_seq_cst) - StateWord::OneRunning);
    }

    // `state`: the word just after the caller's change. More packets queued than the spinning
    // threads will take, a parked thread and room under the limit: wake the most recent.
    void wakeIfOwed(std::uint64_t state) noexcept
    {
        if (StateWord::mayWake(state, limit()) && m_queue.size() > StateWord::spinning(state))
            wakeWhileRoom();
    }

    // Hands queued packets to parked waiters (most recently parked first) while the limit
    // allows. Never allocates.
    void wakeWhileRoom() noexcept
    {
        // Outside the lock; a futex wake follows anyway.
        const int wakerCpu = sched_getcpu();
        const auto grantedAt = std::chrono::steady_clock::now();
        for (;;) {
            WakeBatch batch;
            bool more = false;
            {
                std::lock_guard lock(m_waitersMutex);
                std::uint64_t state = m_state.load(std::memory_order_seq_cst);
                std::uint64_t cachedTail = 0;
                while (!batch.full() && StateWord::mayWake(state, limit()) &&
                       m_queue.size() > StateWord::spinning(state)) {
                    // The top waiter gets a running slot, then a packet claimed on its behalf:
                    // it wakes with its packet and never finds the queue empty.
                    const std::uint64_t next = state - StateWord::OneParked + StateWord::OneRunning;
                    if (!m_state.compare_exchange_weak(state, next, std::memory_order_seq_cst,
                                                       std::memory_order_relaxed))
                        continue;
                    Waiter *waiter = m_top;
                    if (!m_queue.tryClaim(waiter->position, cachedTail)) {
                        // A spinning or running thread took it first: nobody to wake.
                        m_state.fetch_add(StateWord::OneParked - StateWord::OneRunning, std::memory_order_seq_cst);
                        break;
                    }
                    raisePeak(m_peakRunning, StateWord::running(next));
                    removeWaiter(waiter);
                    m_pendingStarts.granted(waiter->parkedCpu);
                    waiter->wakerCpu = wakerCpu;
                    waiter->grantedAt = grantedAt;
                    waiter->word.store(Granted, std::memory_order_release);
                    batch.add(waiter);
                    state = next;
                }
                more = batch.full();
            }
            batch.wakeAll(m_wakes);
            if (!more)
                return;
        }
    }

    // Waiter stack, under m_waitersMutex. Top = most recently parked, bottom = the coldest.
    void pushWaiter(Waiter *waiter) noexcept
    {
        waiter->below = m_top;
        waiter->above = nullptr;
        if (m_top != nullptr)
            m_top->above = waiter;
        else
            m_bottom = waiter;
        m_top = waiter;
    }
    void removeWaiter(Waiter *waiter) noexcept
    {
        if (waiter->above != nullptr)
            waiter->above->below = waiter->below;
        else
            m_top = waiter->below;
        if (waiter->below != nullptr)
            waiter->below->above = waiter->above;
        else
            m_bottom = waiter->above;
    }

    template <typename T>
    static void raisePeak(std::atomic<T> &peak, std::uint64_t value) noexcept
    {
        T current = peak.load(std::memory_order_relaxed);
        while (value > current &&
               !peak.compare_exchange_weak(current, static_cast<T>(value), std::memory_order_relaxed)) {
        }
    }

    alignas(CacheLine) std::atomic<std::uint64_t> m_state{0};
    // Read by every dequeue, written rarely.
    alignas(CacheLine) std::atomic<unsigned> m_concurrency;
    std::atomic<std::uint32_t> m_alerts{0};
    alignas(CacheLine) std::atomic<std::uint64_t> m_peakQueued{0};
    std::atomic<std::uint64_t> m_peakRunning{0};
    alignas(CacheLine) std::mutex m_waitersMutex;
    std::atomic<std::uint64_t> m_parks{0}; // slow path only: counted next to the syscall
    std::atomic<std::uint64_t> m_wakes{0};
    Waiter *m_top = nullptr;
    Waiter *m_bottom = nullptr;
    alignas(CacheLine) PendingStarts m_pendingStarts;
    PacketQueue m_queue;
};

// --- public interface -------------------------------------------------------------------

CompletionPort::CompletionPort(unsigned concurrency) : m_impl(std::make_unique<Impl>(concurrency)) {}

CompletionPort::~CompletionPort()
{
    m_impl->close();
    ThreadAssociation &association = t_association;
    if (association.port == m_impl.get())
        association = ThreadAssociation{nullptr, false, 0, false, association.hook, association.hookContext,
                                        association.spin, association.slice};
}

bool CompletionPort::post(const CompletionPacket &packet) { return m_impl->post(packet); }

DequeueResult CompletionPort::dequeue(std::chrono::nanoseconds timeout) { return m_impl->dequeue(timeout); }

DequeueResult CompletionPort::dequeue() { return m_impl->dequeue(std::chrono::nanoseconds::max()); }

void CompletionPort::leave() noexcept
{
    ThreadAssociation &association = t_association;
    if (association.port == m_impl.get())
        m_impl->leave(association);
}

void CompletionPort::setConcurrency(unsigned concurrency) { m_impl->setConcurrency(concurrency); }

unsigned CompletionPort::concurrency() const noexcept { return m_impl->limit(); }

std::vector<CompletionPacket> CompletionPort::close() { return m_impl->close(); }

void CompletionPort::closeWhenDrained() noexcept { m_impl->closeWhenDrained(); }

void CompletionPort::alert(unsigned count) noexcept
{
    if (count != 0)
        m_impl->alert(count);
}

bool CompletionPort::isClosed() const noexcept { return m_impl->isClosed(); }

PortCounters CompletionPort::counters() const noexcept { return m_impl->counters(); }

void CompletionPort::resetPeaks() noexcept { m_impl->resetPeaks(); }

const char *CompletionPort::backendName() noexcept { return "linux-futex"; }

unsigned CompletionPort::processorCount() noexcept
{
    const unsigned count = std::thread::hardware_concurrency();
    return count == 0 ? 1 : count;
}

BlockingScope::BlockingScope() noexcept
{
    ThreadAssociation &association = t_association;
    if (association.blockingDepth++ != 0)
        return;
    if (association.port != nullptr && association.running)
        association.port->enterBlocking(association);
    if (association.hook != nullptr)
        association.hook(association.hookContext, true);
}

BlockingScope::~BlockingScope()
{
    ThreadAssociation &association = t_association;
    if (--association.blockingDepth != 0)
        return;
    if (association.hook != nullptr)
        association.hook(association.hookContext, false);
    if (association.port != nullptr && association.releasedForBlocking)
        association.port->exitBlocking(association);
}

namespace detail {
void setThreadBlockingHook(BlockingHook hook, void *context) noexcept
{
    t_association.hook = hook;
    t_association.hookContext = context;
}

void setThreadAdaptiveTimeSlice(bool adaptive) noexcept
{
    t_association.slice.enable(adaptive);
}
} // namespace detail

} // namespace poolscope
