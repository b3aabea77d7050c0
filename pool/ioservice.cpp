// IoService over io_uring. The class comment in ioservice.h says who reaps and what it
// costs; this file keeps to one rule that makes the rest simple: the ring thread is the
// only thread that touches the io_uring instance (prepares, submits, reaps, closes
// descriptors of closed handles). Other threads reach it through two queues: a lock-free
// stack of started records (the hot path) and a locked list of control requests (cancel,
// close, cancel-all: rare).

#include "ioservice.h"

#include "fastclock.h"
#include "platform.h"
#include "testpoints.h"

#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <mutex>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

namespace poolscope {

std::string_view nameOf(IoKind kind) noexcept
{
    switch (kind) {
    case IoKind::Read: return "read";
    case IoKind::Write: return "write";
    case IoKind::Recv: return "recv";
    case IoKind::Send: return "send";
    case IoKind::Accept: return "accept";
    }
    return "unknown";
}

// ---------------------------------------------------------------------------------------
// IoOperation

IoOperation::~IoOperation()
{
    // A lent record may still be written by the kernel, or sit in the port as a packet
    // someone will dereference: freeing it would corrupt memory far from here. Stop now.
    if (stateOf(m_state.load(std::memory_order_acquire)) != State::Idle) {
        std::fputs("poolscope: an IoOperation was destroyed while lent to IoService "
                   "(outstanding, or its packet not yet claimed)\n",
                   stderr);
        std::abort();
    }
}

IoOperation *IoOperation::claim(const CompletionPacket &packet) noexcept
{
    auto *op = static_cast<IoOperation *>(packet.overlapped);
    if (op == nullptr)
        return nullptr;
    std::uint32_t word = op->m_state.load(std::memory_order_acquire);
    while (stateOf(word) == State::Delivered) {
        const std::uint32_t idle = word & ~StateMask; // same generation, Idle
        if (op->m_state.compare_exchange_weak(word, idle, std::memory_order_acq_rel,
                                              std::memory_order_acquire))
            return op;
    }
    return nullptr; // claimed already (or not delivered): exactly once
}

bool IoOperation::isLent() const noexcept
{
    return stateOf(m_state.load(std::memory_order_acquire)) != State::Idle;
}

// ---------------------------------------------------------------------------------------
// Association

namespace detail {
// One associated descriptor. Shared by the caller's IoHandle copies and by each record
// outstanding on it, so it outlives every operation that names its descriptor.
struct Association {
    Association(int descriptor, std::uintptr_t completionKey) noexcept
        : fd(descriptor), key(completionKey) {}
    ~Association()
    {
        if (!descriptorClosed)
            ::close(fd);
    }
    Association(const Association &) = delete;
    Association &operator=(const Association &) = delete;

    const int fd;
    const std::uintptr_t key;
    std::atomic<bool> closeRequested{false}; // any thread: close() was called
    bool descriptorClosed = false;           // ring thread only (and the destructor, after it)
};
} // namespace detail

int IoHandle::fd() const noexcept
{
    return m_association ? m_association->fd : -1;
}

std::uintptr_t IoHandle::key() const noexcept
{
    return m_association ? m_association->key : 0;
}

bool IoHandle::isClosed() const noexcept
{
    return m_association && m_association->closeRequested.load(std::memory_order_acquire);
}

IoKindCounters &IoKindCounters::operator+=(const IoKindCounters &other) noexcept
{
    started += other.started;
    completed += other.completed;
    failed += other.failed;
    cancelled += other.cancelled;
    outstanding += other.outstanding;
    return *this;
}

// ---------------------------------------------------------------------------------------
// IoService::Impl

namespace {

constexpr std::size_t CacheLine = 64;

// user_data of entries that are not operations (records are at least 8-byte aligned and
// far above these values).
constexpr std::uint64_t WakeTag = 1;    // the eventfd read that wakes the ring thread
constexpr std::uint64_t CancelTag = 2;  // an async cancel's own completion

// A record's address in the low 48 bits, its generation above: a cancel aimed at one start
// of a record never matches a later start of it.
constexpr unsigned GenerationShift = 48;
constexpr std::uint64_t AddressMask = (std::uint64_t{1} << GenerationShift) - 1;

std::uint64_t userDataOf(const IoOperation *op, std::uint16_t generation) noexcept
{
    return reinterpret_cast<std::uintptr_t>(op) | (std::uint64_t{generation} << GenerationShift);
}

// A counter written by the ring thread alone: a plain store, no read-modify-write. Release,
// so that a snapshot that sees a completion also sees its start (see snapshot()).
void bump(std::atomic<std::uint64_t> &counter, std::uint64_t by = 1) noexcept
{
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_release);
}

struct alignas(CacheLine) RingCounters {
    std::array<std::atomic<std::uint64_t>, IoKindCount> completed{};
    std::array<std::atomic<std::uint64_t>, IoKindCount> failed{};
    std::array<std::atomic<std::uint64_t>, IoKindCount> cancelled{};
    std::atomic<std::uint64_t> bytesRead{0};
    std::atomic<std::uint64_t> bytesWritten{0};
    std::atomic<std::uint64_t> undelivered{0};
    std::atomic<std::uint64_t> submitCalls{0};
    std::atomic<std::uint64_t> submitted{0};
};

struct ControlRequest {
    enum class Kind : std::uint8_t { CancelOperation, CancelHandle, CloseHandle, CancelEverything };
    Kind kind;
    std::uint64_t userData = 0;                       // CancelOperation
    std::shared_ptr<detail::Association> association; // CancelHandle, CloseHandle
};

} // namespace

class IoService::Impl {
public:
    Impl(CompletionPort &port, IoServiceOptions options);
    ~Impl();

    int start(const IoHandle &handle, IoOperation &op, IoKind kind, void *buffer, std::size_t length,
              std::uint64_t offset) noexcept;
    bool cancel(IoOperation &op);
    void control(ControlRequest request);
    IoShutdownResult shutdown(IoShutdownMode mode, std::chrono::nanoseconds deadline);
    IoSnapshot snapshot() const;

    AtomicLatencyHistogram latency; // written by the ring thread only
    std::atomic<std::uint64_t> peakOutstanding{0};

private:
    void run() noexcept;
    void takeSubmissions() noexcept;
    void takeControls();
    void prepare(IoOperation *op) noexcept;
    void prepareControl(const ControlRequest &request) noexcept;
    io_uring_sqe *nextSqe() noexcept;
    int submit(bool wait) noexcept;
    void reap() noexcept;
    void complete(IoOperation *op, int result) noexcept;
    void armWakeRead() noexcept;
    void wakeRing() noexcept;
    void releaseSlot() noexcept;
    void notifyDrained();

    CompletionPort &m_port;
    const IoServiceOptions m_options;
    io_uring m_ring{};
    int m_wakeFd = -1;
    std::uint64_t m_wakeValue = 0; // the eventfd read's buffer (ring thread)
    bool m_wakeArmed = false;      // ring thread
    bool m_cancelEverything = false; // ring thread: a fast shutdown completes new starts cancelled
    bool m_startsDisabled = false;   // set up SINGLE_ISSUER + R_DISABLED: the ring thread enables it

    // The start path: a Treiber stack of records, taken whole by the ring thread.
    alignas(CacheLine) std::atomic<IoOperation *> m_submissions{nullptr};
    std::atomic<bool> m_ringAsleep{false};
    alignas(CacheLine) std::atomic<std::int64_t> m_slots{0}; // outstanding operations (and starts being decided)
    std::atomic<bool> m_accepting{true};
    std::atomic<bool> m_stopping{false};
    alignas(CacheLine) std::array<std::atomic<std::uint64_t>, IoKindCount> m_started{};
    std::atomic<std::uint64_t> m_refused{0};

    RingCounters m_ringCounters;

    std::mutex m_controlMutex;
    std::vector<ControlRequest> m_controls;  // guarded by m_controlMutex
    std::vector<ControlRequest> m_takenControls; // ring thread
    std::atomic<bool> m_hasControls{false};

    std::mutex m_drainMutex;
    std::condition_variable m_drained;
    std::atomic<int> m_drainWaiters{0};

    std::thread m_thread;
};

IoService::Impl::Impl(CompletionPort &port, IoServiceOptions options)
    : m_port(port), m_options(options)
{
    if (m_options.maxOutstanding == 0 || m_options.submissionQueueEntries == 0)
        throw std::invalid_argument("IoService: maxOutstanding and submissionQueueEntries must be at least 1");
    FastClock::calibrate();

    io_uring_params params{};
    // Room in the completion queue for every outstanding operation plus the cancellations
    // and the wake read, so that it never overflows.
    params.cq_entries = m_options.maxOutstanding + 2 * m_options.submissionQueueEntries + 8;
    const unsigned baseFlags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
    // SINGLE_ISSUER binds the ring to its creator unless it starts disabled: the ring thread
    // enables it, and so becomes the issuer.
    params.flags = baseFlags | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED;
    int rc = io_uring_queue_init_params(m_options.submissionQueueEntries, &m_ring, &params);
    m_startsDisabled = rc >= 0;
    if (rc == -EINVAL) {
        // Kernels before 6.1 know neither flag; the ring thread is the only submitter anyway,
        // so the kernel's completion work still runs on it.
        params = io_uring_params{};
        params.cq_entries = m_options.maxOutstanding + 2 * m_options.submissionQueueEntries + 8;
        params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
        rc = io_uring_queue_init_params(m_options.submissionQueueEntries, &m_ring, &params);
    }
    if (rc < 0)
        throw std::system_error(-rc, std::generic_category(), "io_uring_queue_init");
    if (params.cq_entries < m_options.maxOutstanding + 8) {
        io_uring_queue_exit(&m_ring);
        throw std::invalid_argument("IoService: maxOutstanding " + std::to_string(m_options.maxOutstanding)
                                    + " exceeds what the kernel's completion queue holds ("
                                    + std::to_string(params.cq_entries) + ")");
    }
    m_wakeFd = ::eventfd(0, EFD_CLOEXEC);
    if (m_wakeFd < 0) {
        const int error = errno;
        io_uring_queue_exit(&m_ring);
        throw std::system_error(error, std::generic_category(), "eventfd");
    }
    m_controls.reserve(64);
    m_takenControls.reserve(64);
    m_thread = std::thread([this] { run(); });
}

IoService::Impl::~Impl()
{
    shutdown(IoShutdownMode::Fast, std::chrono::nanoseconds::max());
    m_stopping.store(true, std::memory_order_seq_cst);
    wakeRing();
    m_thread.join();
    io_uring_queue_exit(&m_ring);
    ::close(m_wakeFd);
}

int IoService::Impl::start(const IoHandle &handle, IoOperation &op, IoKind kind, void *buffer,
                           std::size_t length, std::uint64_t offset) noexcept
{
    const auto refuse = [this](int error) {
        m_refused.fetch_add(1, std::memory_order_relaxed);
        return error;
    };
    detail::Association *association = handle.m_association.get();
    if (association == nullptr || association->closeRequested.load(std::memory_order_acquire))
        return refuse(EBADF);
    if (length > UINT32_MAX)
        return refuse(EINVAL);
    if ((reinterpret_cast<std::uintptr_t>(&op) & ~AddressMask) != 0)
        return refuse(EINVAL); // cannot happen in a 48-bit user address space
    std::uint32_t word = op.m_state.load(std::memory_order_acquire);
    if (IoOperation::stateOf(word) != IoOperation::State::Idle)
        return refuse(EBUSY);

    // Take a slot before looking at m_accepting (both seq_cst): a shutdown that stopped
    // accepting either sees this slot and waits for it, or this start sees the stop.
    if (m_slots.fetch_add(1, std::memory_order_seq_cst) >= static_cast<std::int64_t>(m_options.maxOutstanding)) {
        releaseSlot();
        return refuse(EAGAIN);
    }
    if (!m_accepting.load(std::memory_order_seq_cst)) {
        releaseSlot();
        return refuse(ESHUTDOWN);
    }
    const auto generation = static_cast<std::uint16_t>(IoOperation::generationOf(word) + 1);
    const std::uint32_t submitted = (std::uint32_t{generation} << 8)
                                    | static_cast<std::uint32_t>(IoOperation::State::Submitted);
    if (!op.m_state.compare_exchange_strong(word, submitted, std::memory_order_acq_rel)) {
        releaseSlot();
        return refuse(EBUSY); // another thread started it at the same moment
    }

    op.m_kind = kind;
    op.m_generation = generation;
    op.m_buffer = buffer;
    op.m_length = static_cast<std::uint32_t>(length);
    op.m_offset = offset;
    op.m_acceptedSocket = -1;
    op.m_association = handle.m_association; // a reference count, no allocation
    m_started[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
    const auto now = static_cast<std::uint64_t>(m_slots.load(std::memory_order_relaxed));
    std::uint64_t peak = peakOutstanding.load(std::memory_order_relaxed);
    while (now > peak && !peakOutstanding.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    op.m_startTicks = FastClock::ticks();
    // Accepted but not yet visible to the ring thread: a close() may overtake it here.
    POOLSCOPE_TEST_POINT("ioservice.start.beforePublish");

    // Publish: release, so that the ring thread sees every field above.
    IoOperation *head = m_submissions.load(std::memory_order_relaxed);
    do {
        op.m_nextSubmission = head;
    } while (!m_submissions.compare_exchange_weak(head, &op, std::memory_order_seq_cst,
                                                  std::memory_order_relaxed));
    // Dekker with the ring thread, which sets m_ringAsleep and then looks at the stack.
    if (m_ringAsleep.load(std::memory_order_seq_cst) && m_ringAsleep.exchange(false, std::memory_order_seq_cst))
        wakeRing();
    return 0;
}

bool IoService::Impl::cancel(IoOperation &op)
{
    const std::uint32_t word = op.m_state.load(std::memory_order_acquire);
    if (IoOperation::stateOf(word) != IoOperation::State::Submitted)
        return false;
    // The generation is taken: the start it names may finish, and the record start again, here.
    POOLSCOPE_TEST_POINT("ioservice.cancel.generationTaken");
    control({ControlRequest::Kind::CancelOperation, userDataOf(&op, IoOperation::generationOf(word)), nullptr});
    return true;
}

void IoService::Impl::control(ControlRequest request)
{
    {
        std::lock_guard lock(m_controlMutex);
        m_controls.push_back(std::move(request));
        m_hasControls.store(true, std::memory_order_seq_cst);
    }
    if (m_ringAsleep.load(std::memory_order_seq_cst) && m_ringAsleep.exchange(false, std::memory_order_seq_cst))
        wakeRing();
}

void IoService::Impl::wakeRing() noexcept
{
    // Cannot fail short of a counter overflow (2^64 - 1 writes); EINTR is retried.
    while (::eventfd_write(m_wakeFd, 1) < 0 && errno == EINTR) {
    }
}

void IoService::Impl::releaseSlot() noexcept
{
    if (m_slots.fetch_sub(1, std::memory_order_seq_cst) == 1 && m_drainWaiters.load(std::memory_order_seq_cst) > 0)
        notifyDrained();
}

void IoService::Impl::notifyDrained()
{
    std::lock_guard lock(m_drainMutex);
    m_drained.notify_all();
}

IoShutdownResult IoService::Impl::shutdown(IoShutdownMode mode, std::chrono::nanoseconds deadline)
{
    const auto begin = std::chrono::steady_clock::now();
    const IoSnapshot before = snapshot();
    IoShutdownResult result;
    // A start may slip in between this snapshot and the stop below; the drain waits for it too.
    POOLSCOPE_TEST_POINT("ioservice.shutdown.snapshotTaken");
    m_accepting.store(false, std::memory_order_seq_cst);
    if (mode == IoShutdownMode::Fast)
        control({ControlRequest::Kind::CancelEverything, 0, nullptr});

    {
        std::unique_lock lock(m_drainMutex);
        m_drainWaiters.fetch_add(1, std::memory_order_seq_cst);
        const auto drained = [this] { return m_slots.load(std::memory_order_seq_cst) <= 0; };
        // Guard the addition: nanoseconds::max() (no deadline) would overflow a time_point.
        if (deadline >= std::chrono::hours(24 * 365))
            m_drained.wait(lock, drained);
        else
            m_drained.wait_until(lock, begin + deadline, drained);
        m_drainWaiters.fetch_sub(1, std::memory_order_seq_cst);
    }

    const IoSnapshot after = snapshot();
    // Counted with the starts that slipped in, so that what the shutdown finished adds up to
    // it: outstanding(after) = outstanding(before) + started - finished, in any pair of snapshots.
    result.outstandingAtStart = before.total.outstanding + (after.total.started - before.total.started);
    result.completed = after.total.completed - before.total.completed;
    result.failed = after.total.failed - before.total.failed;
    result.cancelled = after.total.cancelled - before.total.cancelled;
    result.stillOutstanding = after.total.outstanding;
    result.deadlineMissed = result.stillOutstanding != 0;
    result.elapsed = std::chrono::steady_clock::now() - begin;
    return result;
}

IoSnapshot IoService::Impl::snapshot() const
{
    IoSnapshot s;
    // Finished counts first, starts after (acquire pairs with bump()'s release): every
    // finish read was started before, so started >= finished and outstanding >= 0.
    for (std::size_t k = 0; k < IoKindCount; ++k) {
        IoKindCounters &c = s.byKind[k];
        c.completed = m_ringCounters.completed[k].load(std::memory_order_acquire);
        c.failed = m_ringCounters.failed[k].load(std::memory_order_acquire);
        c.cancelled = m_ringCounters.cancelled[k].load(std::memory_order_acquire);
    }
    s.bytesRead = m_ringCounters.bytesRead.load(std::memory_order_acquire);
    s.bytesWritten = m_ringCounters.bytesWritten.load(std::memory_order_acquire);
    s.undelivered = m_ringCounters.undelivered.load(std::memory_order_acquire);
    s.submitCalls = m_ringCounters.submitCalls.load(std::memory_order_acquire);
    s.submitted = m_ringCounters.submitted.load(std::memory_order_acquire);
    // No fence needed here: the acquire loads above already keep the loads below after them
    // (and a fence is one thing TSan cannot model: -Wtsan, an error in CI's TSan build).
    for (std::size_t k = 0; k < IoKindCount; ++k) {
        IoKindCounters &c = s.byKind[k];
        c.started = m_started[k].load(std::memory_order_acquire);
        c.outstanding = c.started - c.completed - c.failed - c.cancelled;
        s.total += c;
    }
    s.peakOutstanding = std::max(peakOutstanding.load(std::memory_order_relaxed), s.total.outstanding);
    s.refused = m_refused.load(std::memory_order_relaxed);
    s.accepting = m_accepting.load(std::memory_order_relaxed);
    return s;
}

// --- the ring thread -------------------------------------------------------------------

void IoService::Impl::run() noexcept
{
    platform::nameCurrentThread("pool-io-ring");
    if (m_startsDisabled) {
        // io_uring_enable_rings() is declared by liburing 2.3 but not exported: register directly.
        const int rc = io_uring_register(static_cast<unsigned>(m_ring.ring_fd), IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
        if (rc < 0) {
            std::fprintf(stderr, "poolscope: io_uring_enable_rings failed: %s\n", std::strerror(-rc));
            std::abort(); // the ring was just made by this process; nothing else can have enabled it
        }
    }
    armWakeRead();
    for (;;) {
        takeSubmissions();
        takeControls();
        if (m_stopping.load(std::memory_order_seq_cst) && m_slots.load(std::memory_order_seq_cst) <= 0)
            break;
        // Sleep only if nothing arrived since the takes above (the starter's side of the
        // Dekker pair is in start()); a start after this store finds the flag and wakes us.
        m_ringAsleep.store(true, std::memory_order_seq_cst);
        const bool moreWork = m_submissions.load(std::memory_order_seq_cst) != nullptr
                              || m_hasControls.load(std::memory_order_seq_cst)
                              || m_stopping.load(std::memory_order_seq_cst);
        submit(!moreWork);
        m_ringAsleep.store(false, std::memory_order_seq_cst);
        reap();
    }
    // Stopping with nothing outstanding: retire the wake read so that no entry of ours is
    // left in the kernel, then let the destructor tear the ring down.
    if (m_wakeArmed) {
        io_uring_sqe *sqe = nextSqe();
        io_uring_prep_cancel64(sqe, WakeTag, 0);
        io_uring_sqe_set_data64(sqe, CancelTag);
        while (m_wakeArmed) {
            submit(true);
            reap();
        }
    }
}

void IoService::Impl::takeSubmissions() noexcept
{
    IoOperation *list = m_submissions.exchange(nullptr, std::memory_order_seq_cst);
    // The stack is newest first; submit in start order.
    IoOperation *ordered = nullptr;
    while (list != nullptr) {
        IoOperation *next = list->m_nextSubmission;
        list->m_nextSubmission = ordered;
        ordered = list;
        list = next;
    }
    while (ordered != nullptr) {
        IoOperation *next = ordered->m_nextSubmission; // before prepare(): it may complete the record
        prepare(ordered);
        ordered = next;
    }
}

void IoService::Impl::prepare(IoOperation *op) noexcept
{
    detail::Association &association = *op->m_association;
    // A fast shutdown cancels what is started after it; a closed handle's descriptor may
    // already name another file. Neither reaches the kernel.
    if (m_cancelEverything || association.descriptorClosed) {
        complete(op, -ECANCELED);
        return;
    }
    io_uring_sqe *sqe = nextSqe();
    const int fd = association.fd;
    switch (op->m_kind) {
    case IoKind::Read:
        io_uring_prep_read(sqe, fd, op->m_buffer, op->m_length, op->m_offset);
        break;
    case IoKind::Write:
        io_uring_prep_write(sqe, fd, op->m_buffer, op->m_length, op->m_offset);
        break;
    case IoKind::Recv:
        io_uring_prep_recv(sqe, fd, op->m_buffer, op->m_length, 0);
        break;
    case IoKind::Send:
        io_uring_prep_send(sqe, fd, op->m_buffer, op->m_length, MSG_NOSIGNAL);
        break;
    case IoKind::Accept:
        io_uring_prep_accept(sqe, fd, nullptr, nullptr, SOCK_CLOEXEC);
        break;
    }
    io_uring_sqe_set_data64(sqe, userDataOf(op, op->m_generation));
}

void IoService::Impl::takeControls()
{
    if (!m_hasControls.load(std::memory_order_seq_cst))
        return;
    {
        std::lock_guard lock(m_controlMutex);
        m_takenControls.swap(m_controls);
        m_hasControls.store(false, std::memory_order_seq_cst);
    }
    // A record started before a cancel aimed at it was pushed before the cancel was queued:
    // take the stack again now, so that the record reaches the kernel before its cancel.
    takeSubmissions();
    for (const ControlRequest &request : m_takenControls)
        prepareControl(request);
    m_takenControls.clear(); // drops the associations' references on this thread
}

void IoService::Impl::prepareControl(const ControlRequest &request) noexcept
{
    switch (request.kind) {
    case ControlRequest::Kind::CancelOperation: {
        io_uring_sqe *sqe = nextSqe();
        io_uring_prep_cancel64(sqe, request.userData, 0);
        io_uring_sqe_set_data64(sqe, CancelTag);
        break;
    }
    case ControlRequest::Kind::CancelHandle:
    case ControlRequest::Kind::CloseHandle: {
        detail::Association &association = *request.association;
        if (association.descriptorClosed)
            break;
        io_uring_sqe *sqe = nextSqe();
        io_uring_prep_cancel_fd(sqe, association.fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, CancelTag);
        if (request.kind == ControlRequest::Kind::CloseHandle) {
            // Every operation that names the descriptor was prepared before this point (this
            // thread prepares them all, in order), so once they are submitted the number may
            // be closed: each of them holds the file itself, and a later start on the
            // handle is completed cancelled in prepare() without reaching the kernel.
            submit(false);
            ::close(association.fd);
            association.descriptorClosed = true;
            POOLSCOPE_TEST_POINT("ioservice.ring.descriptorClosed");
        }
        break;
    }
    case ControlRequest::Kind::CancelEverything: {
        m_cancelEverything = true;
        io_uring_sqe *sqe = nextSqe();
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, CancelTag);
        break;
    }
    }
}

io_uring_sqe *IoService::Impl::nextSqe() noexcept
{
    for (;;) {
        if (io_uring_sqe *sqe = io_uring_get_sqe(&m_ring))
            return sqe;
        submit(false); // the submission queue is full: hand it to the kernel first
    }
}

int IoService::Impl::submit(bool wait) noexcept
{
    for (;;) {
        const unsigned ready = io_uring_sq_ready(&m_ring);
        const int rc = wait ? io_uring_submit_and_wait(&m_ring, 1) : io_uring_submit_and_get_events(&m_ring);
        if (rc >= 0) {
            if (rc > 0) {
                bump(m_ringCounters.submitCalls);
                bump(m_ringCounters.submitted, static_cast<std::uint64_t>(rc));
            }
            return rc;
        }
        if (rc == -EINTR)
            continue;
        if (rc == -EBUSY || rc == -EAGAIN) {
            // The kernel wants completions reaped before it takes more (cannot happen while
            // the queue is sized for maxOutstanding, but it costs nothing to be right).
            reap();
            if (ready == 0)
                return 0;
            continue;
        }
        std::fprintf(stderr, "poolscope: io_uring_enter failed: %s\n", std::strerror(-rc));
        std::abort(); // EBADF/EFAULT/EINVAL: the ring itself is broken; nothing sane remains
    }
}

void IoService::Impl::reap() noexcept
{
    unsigned head = 0;
    unsigned count = 0;
    io_uring_cqe *cqe = nullptr;
    io_uring_for_each_cqe(&m_ring, head, cqe)
    {
        ++count;
        const std::uint64_t userData = io_uring_cqe_get_data64(cqe);
        if (userData == WakeTag) {
            m_wakeArmed = false;
            if (!m_stopping.load(std::memory_order_relaxed) || m_slots.load(std::memory_order_relaxed) > 0)
                armWakeRead();
            continue;
        }
        if (userData == CancelTag) {
            POOLSCOPE_TEST_POINT("ioservice.ring.cancelReaped");
            continue; // the cancelled operations report for themselves
        }
        complete(reinterpret_cast<IoOperation *>(userData & AddressMask), cqe->res);
    }
    io_uring_cq_advance(&m_ring, count);
}

void IoService::Impl::armWakeRead() noexcept
{
    io_uring_sqe *sqe = nextSqe();
    io_uring_prep_read(sqe, m_wakeFd, &m_wakeValue, sizeof m_wakeValue, 0);
    io_uring_sqe_set_data64(sqe, WakeTag);
    m_wakeArmed = true;
}

void IoService::Impl::complete(IoOperation *op, int result) noexcept
{
    const auto kind = static_cast<std::size_t>(op->m_kind);
    const std::uint64_t elapsedTicks = FastClock::ticks() - op->m_startTicks;
    latency.record(static_cast<std::int64_t>(elapsedTicks) > 0 ? FastClock::toNanoseconds(elapsedTicks) : 0);

    CompletionPacket packet;
    packet.key = op->m_association->key;
    packet.overlapped = op;
    if (result >= 0) {
        if (op->m_kind == IoKind::Accept) {
            op->m_acceptedSocket = result; // bytes stay 0, as for AcceptEx without data
        } else {
            packet.bytes = static_cast<std::uint32_t>(result);
            if (op->m_kind == IoKind::Read || op->m_kind == IoKind::Recv)
                bump(m_ringCounters.bytesRead, packet.bytes);
            else
                bump(m_ringCounters.bytesWritten, packet.bytes);
        }
        bump(m_ringCounters.completed[kind]);
    } else {
        packet.status = static_cast<std::uint32_t>(-result);
        bump(result == -ECANCELED ? m_ringCounters.cancelled[kind] : m_ringCounters.failed[kind]);
    }
    op->m_association.reset(); // may close a handle nobody holds any more: on this thread

    // Hand the record to the port; from here on it is not ours to touch.
    const std::uint32_t delivered = (std::uint32_t{op->m_generation} << 8)
                                    | static_cast<std::uint32_t>(IoOperation::State::Delivered);
    op->m_state.store(delivered, std::memory_order_release);
    if (!m_port.post(packet)) {
        // Closed port: nobody will dequeue it, so the record goes straight back to its owner.
        bump(m_ringCounters.undelivered);
        op->m_state.store(delivered & ~IoOperation::StateMask, std::memory_order_release);
    }
    releaseSlot();
}

// ---------------------------------------------------------------------------------------
// IoService

IoService::IoService(CompletionPort &port, IoServiceOptions options)
    : m_impl(std::make_unique<Impl>(port, options))
{
}

IoService::~IoService() = default;

IoHandle IoService::associate(int fd, std::uintptr_t key)
{
    return IoHandle(std::make_shared<detail::Association>(fd, key));
}

int IoService::startRead(const IoHandle &handle, IoOperation &op, std::span<std::byte> buffer, std::uint64_t offset)
{
    return m_impl->start(handle, op, IoKind::Read, buffer.data(), buffer.size(), offset);
}

int IoService::startWrite(const IoHandle &handle, IoOperation &op, std::span<const std::byte> buffer,
                          std::uint64_t offset)
{
    return m_impl->start(handle, op, IoKind::Write, const_cast<std::byte *>(buffer.data()), buffer.size(), offset);
}

int IoService::startRecv(const IoHandle &handle, IoOperation &op, std::span<std::byte> buffer)
{
    return m_impl->start(handle, op, IoKind::Recv, buffer.data(), buffer.size(), 0);
}

int IoService::startSend(const IoHandle &handle, IoOperation &op, std::span<const std::byte> buffer)
{
    return m_impl->start(handle, op, IoKind::Send, const_cast<std::byte *>(buffer.data()), buffer.size(), 0);
}

int IoService::startAccept(const IoHandle &handle, IoOperation &op)
{
    return m_impl->start(handle, op, IoKind::Accept, nullptr, 0, 0);
}

bool IoService::cancel(IoOperation &op)
{
    return m_impl->cancel(op);
}

void IoService::cancel(const IoHandle &handle)
{
    if (handle.isValid())
        m_impl->control({ControlRequest::Kind::CancelHandle, 0, handle.m_association});
}

void IoService::close(const IoHandle &handle)
{
    if (!handle.isValid() || handle.m_association->closeRequested.exchange(true, std::memory_order_acq_rel))
        return;
    m_impl->control({ControlRequest::Kind::CloseHandle, 0, handle.m_association});
}

IoShutdownResult IoService::shutdown(IoShutdownMode mode, std::chrono::nanoseconds deadline)
{
    return m_impl->shutdown(mode, deadline);
}

IoSnapshot IoService::snapshot() const
{
    return m_impl->snapshot();
}

void IoService::addLatencyHistogram(LatencyHistogram &out) const
{
    m_impl->latency.addTo(out);
}

void IoService::resetPeaks() noexcept
{
    m_impl->peakOutstanding.store(0, std::memory_order_relaxed);
}

bool IoService::ioUringAvailable(std::string *why)
{
    io_uring ring{};
    const int rc = io_uring_queue_init(2, &ring, 0);
    if (rc < 0) {
        if (why != nullptr)
            *why = std::string("io_uring_queue_init: ") + std::strerror(-rc)
                   + (rc == -ENOSYS ? " (kernel without io_uring)"
                      : rc == -EPERM ? " (io_uring disabled: sysctl kernel.io_uring_disabled or a seccomp filter)"
                                     : "");
        return false;
    }
    io_uring_queue_exit(&ring);
    return true;
}

} // namespace poolscope
