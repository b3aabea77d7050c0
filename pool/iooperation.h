#pragma once
// The per-I/O state of an overlapped operation (Windows' OVERLAPPED), and the kinds of
// operation IoService starts. Plain data plus one atomic; no threads here.

#include "completionpacket.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

namespace poolscope {

enum class IoKind : std::uint8_t { Read, Write, Recv, Send, Accept };
constexpr std::size_t IoKindCount = 5;
constexpr std::array<IoKind, IoKindCount> AllIoKinds{IoKind::Read, IoKind::Write, IoKind::Recv,
                                                     IoKind::Send, IoKind::Accept};

// Stable lower-case names ("recv"), for logs and exports.
std::string_view nameOf(IoKind kind) noexcept;

namespace detail {
struct Association;
}

// One overlapped operation's record: what the packet's `overlapped` points to.
//
// Callers derive from it to carry their own per-I/O state (a buffer, a connection, a
// phase) and find it again from the dequeued packet with claim():
//
//     struct ReadOp : IoOperation { std::array<std::byte, 4096> buffer; Connection *conn; };
//     ...
//     DequeueResult r = port.dequeue();
//     auto *op = static_cast<ReadOp *>(IoOperation::claim(r.packet));
//
// Ownership: the record belongs to its caller, who lends it to IoService from a successful
// start until its completion packet is claimed. While lent (outstanding in the kernel, or
// its packet queued in the port) it must not be started again, moved or destroyed; the
// buffer it names must stay valid. Both misuses are caught, in every build type: a second
// start returns EBUSY and changes nothing, and destroying a lent record aborts the process
// with a message (the kernel would otherwise write into freed memory).
//
// Threading: the record is touched by one thread at a time, handed over by the start (to
// the ring thread) and by the port (to the thread that dequeues it). isLent() and the
// state checks are atomic and may be called from any thread.
class IoOperation {
public:
    IoOperation() = default;
    ~IoOperation();
    IoOperation(const IoOperation &) = delete;
    IoOperation &operator=(const IoOperation &) = delete;

    // Hands the record of a dequeued I/O packet back to its owner, exactly once: a second
    // claim of the same completion returns nullptr. Use it on packets IoService posted
    // (packet.overlapped != nullptr). Thread-safe.
    static IoOperation *claim(const CompletionPacket &packet) noexcept;

    // What the last start was. Meaningful once claimed. Owner thread only.
    IoKind kind() const noexcept { return m_kind; }

    // For a completed accept: the new socket (the owner closes it or associates it);
    // -1 otherwise. An accept completes with 0 bytes, as AcceptEx without receive data
    // does, so it decodes as EndOfStream: tell it by kind(). Owner thread only.
    int acceptedSocket() const noexcept { return m_acceptedSocket; }

    // True from a successful start until the completion is claimed. Thread-safe.
    bool isLent() const noexcept;

private:
    friend class IoService;

    enum class State : std::uint32_t {
        Idle = 0,      // the caller's: may be started, changed, destroyed
        Submitted = 1, // started: in IoService's queue or in the kernel
        Delivered = 2, // completed: its packet is in the port until claimed
    };
    // The state in the low byte, a generation (incremented by each start) above it, so
    // that a cancel aimed at one start never hits a later start of the same record.
    static constexpr std::uint32_t StateMask = 0xff;
    static State stateOf(std::uint32_t word) noexcept { return static_cast<State>(word & StateMask); }
    static std::uint16_t generationOf(std::uint32_t word) noexcept
    {
        return static_cast<std::uint16_t>(word >> 8);
    }

    std::atomic<std::uint32_t> m_state{0};

    // Set by the starting thread before the record is handed over; read by the ring thread.
    IoKind m_kind = IoKind::Read;
    std::uint16_t m_generation = 0;
    void *m_buffer = nullptr;
    std::uint32_t m_length = 0;
    std::uint64_t m_offset = 0;
    std::uint64_t m_startTicks = 0;
    std::shared_ptr<detail::Association> m_association; // held while lent; released by the ring thread
    IoOperation *m_nextSubmission = nullptr;            // IoService's submission stack

    // Set by the ring thread before the packet is posted.
    int m_acceptedSocket = -1;
};

} // namespace poolscope
