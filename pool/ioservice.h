#pragma once
// Overlapped I/O for a CompletionPort: file descriptors associated with the port under a
// completion key, read / write / recv / send / accept operations started on them, and each
// completion delivered as one packet into the port. Linux backend: io_uring (liburing).

#include "completionport.h"
#include "iooperation.h"
#include "iosnapshot.h"
#include "latencyhistogram.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace poolscope {

// An association of a file descriptor with a completion key (CreateIoCompletionPort with
// a file handle). Copies share it; the descriptor is closed by IoService::close() or, if
// that was never called, when the last copy and the last operation on it are gone.
// Thread-safe to copy and read from any thread.
class IoHandle {
public:
    IoHandle() = default;
    bool isValid() const noexcept { return m_association != nullptr; }
    int fd() const noexcept;                    // -1 for an invalid handle. Thread-safe.
    std::uintptr_t key() const noexcept;        // the completion key. Thread-safe.
    bool isClosed() const noexcept;             // close() was called. Thread-safe.

private:
    friend class IoService;
    explicit IoHandle(std::shared_ptr<detail::Association> association) noexcept
        : m_association(std::move(association)) {}
    std::shared_ptr<detail::Association> m_association;
};

struct IoServiceOptions {
    // Operations that may be outstanding at once; a start beyond it is refused with EAGAIN
    // (and counted), so the completion queue can never overflow and memory stays bounded.
    std::uint32_t maxOutstanding = 16384;
    std::uint32_t submissionQueueEntries = 256; // one io_uring_enter submits at most this many
};

// Starts overlapped operations through io_uring and posts each completion into a
// CompletionPort as one packet: {key = the handle's key, overlapped = the operation record,
// bytes = bytes transferred (0 for an accept), status = 0 or the errno}. The port decodes it
// as BytesTransferred, EndOfStream or IoFailed, and its LIFO wake, concurrency limit and
// BlockingScope apply to I/O exactly as to posted packets: the workers that dequeue are
// the port's, never IoService's.
//
// Who reaps, and what it costs: one thread of IoService's own, the ring thread, owns the
// io_uring instance; it is the ring's only submitter and only reaper (io_uring's
// SINGLE_ISSUER + DEFER_TASKRUN mode where the kernel has it). A start, on any thread,
// pushes the record onto a lock-free stack (one compare-exchange) and, only if the ring
// thread is asleep, writes an eventfd to wake it (one syscall). The ring thread takes the
// whole stack at once and submits it with its wait for completions in one io_uring_enter
// (submissions batched: one syscall per batch, however many threads started operations),
// then for each completion entry: scales a timestamp into the latency histogram, counts,
// and calls port.post() (lock-free; a futex wake only when a worker is parked). No lock on
// that path. Because the submitter never changes, the kernel's deferred completion work
// always runs on the ring thread and never interrupts a worker, and a worker thread that
// exits never takes its operations with it. The price is one thread hop per completion:
// the kernel wakes the ring thread, which wakes a worker through the port; under load both
// are batched away (see README, "I/O completions", for the measured cost per completion).
//
// Cancellation (CancelIoEx): cancel(op) cancels one start of one record, cancel(handle)
// every operation on a handle, close(handle) cancels them and closes the descriptor.
// Cancelled operations still complete, with status ECANCELED, and are counted.
//
// Threading: every method is thread-safe. Starts never block and never allocate;
// cancellation and close take a short lock (never on the start or completion path).
//
// Errors: a start that cannot be accepted returns an errno value (ESHUTDOWN after
// shutdown, EBADF for a closed or invalid handle, EBUSY for a record already lent,
// EAGAIN beyond maxOutstanding) and posts nothing; every other failure arrives as a
// packet with a status. The constructor throws std::system_error when io_uring cannot be
// set up (an old kernel, a seccomp filter): see ioUringAvailable().
//
// Destruction: the destructor does a fast shutdown with no deadline (every outstanding
// operation is cancelled and completes into the port, if it is still open), then stops the
// ring thread. The port must outlive IoService. Completions the closed port refuses are
// counted as undelivered and their records handed straight back (no longer lent).
class IoService {
public:
    // Throws std::system_error when io_uring is unavailable, std::invalid_argument for a zero
    // option or a maxOutstanding the kernel's completion queue cannot hold. Starts the ring thread.
    explicit IoService(CompletionPort &port, IoServiceOptions options = {});
    ~IoService();
    IoService(const IoService &) = delete;
    IoService &operator=(const IoService &) = delete;

    // Associates `fd` (a socket or a file, opened by the caller) with the port under `key`.
    // IoService owns the descriptor from now on. Thread-safe.
    IoHandle associate(int fd, std::uintptr_t key);

    // Start an operation; 0 when started (a packet will follow), else an errno and no packet.
    // Read/write at a file offset; recv/send on a socket (MSG_NOSIGNAL for send); accept
    // a connection on a listening socket. Thread-safe. Never blocks, never allocates.
    int startRead(const IoHandle &handle, IoOperation &op, std::span<std::byte> buffer, std::uint64_t offset);
    int startWrite(const IoHandle &handle, IoOperation &op, std::span<const std::byte> buffer, std::uint64_t offset);
    int startRecv(const IoHandle &handle, IoOperation &op, std::span<std::byte> buffer);
    int startSend(const IoHandle &handle, IoOperation &op, std::span<const std::byte> buffer);
    int startAccept(const IoHandle &handle, IoOperation &op);

    // Cancels this start of `op` if it is still outstanding (returns false when it is not
    // lent to the kernel any more). Its packet still arrives. Thread-safe.
    bool cancel(IoOperation &op);
    // Cancels every operation outstanding on the handle. Thread-safe.
    void cancel(const IoHandle &handle);
    // Refuses further starts on the handle, cancels its outstanding operations and closes
    // the descriptor. Each of them still arrives as a packet (ECANCELED unless it had
    // already finished) and is counted. A second call does nothing. Thread-safe.
    void close(const IoHandle &handle);

    // Stops issuing (later starts return ESHUTDOWN), then waits, on a condition, until
    // nothing is outstanding or the deadline passes; Fast cancels everything first.
    // A second call only waits again. Thread-safe; blocks the caller (not a worker of the
    // port: the completions it waits for are dequeued by them).
    IoShutdownResult shutdown(IoShutdownMode mode,
                              std::chrono::nanoseconds deadline = std::chrono::nanoseconds::max());

    IoSnapshot snapshot() const; // Thread-safe. Never blocks a worker.
    // Adds the latency (start to completion reaped, ns) of every operation so far. Costs a
    // pass over the buckets: call it at sampling rate. Thread-safe. Never blocks a worker.
    void addLatencyHistogram(LatencyHistogram &out) const;
    void resetPeaks() noexcept; // Thread-safe.

    // Whether this kernel and process may use io_uring (false under an old kernel or a
    // seccomp filter), with the reason in `why` when not. Thread-safe.
    static bool ioUringAvailable(std::string *why = nullptr);

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace poolscope
