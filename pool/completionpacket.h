#pragma once
// What a completion port carries and what a dequeue returns. Plain values; no threads here.

#include <array>
#include <cstdint>
#include <string_view>

namespace poolscope {

// The fields of a Windows completion packet: what PostQueuedCompletionStatus takes
// (key, byte count, overlapped) plus the status GetQueuedCompletionStatus reports.
// status == 0 means the operation succeeded; any other value is the backend's error
// code (errno on Linux, a Win32 error on Windows).
//
// `payload` is not one of Windows' fields: words the port carries untouched from post() to
// dequeue(), so that a poster can send a small record in the packet itself instead of
// allocating one and sending its address (the pool sends its function and notify units so:
// no allocation per post, and the worker reads the one cache line the port's queue already
// brought in). I/O completions leave it zero. With it a packet fills the rest of the
// port's 64-byte queue cell.
struct CompletionPacket {
    std::uintptr_t key = 0;
    void *overlapped = nullptr;
    std::uint32_t bytes = 0;
    std::uint32_t status = 0;
    std::array<std::uint64_t, 4> payload{};

    friend bool operator==(const CompletionPacket &, const CompletionPacket &) = default;
};

// GetQueuedCompletionStatus encodes its result in (return value, overlapped, byte count).
// The port decodes that once, here, into an explicit outcome. The Windows "no packet"
// case is split by its reason, since a worker treats the two very differently.
enum class DequeueOutcome : std::uint8_t {
    Timeout,          // no packet: the wait timed out
    Closed,           // no packet: the port is closed
    Alerted,          // no packet: alert() woke this waiter (as an APC ends an alertable wait)
    IoFailed,         // a packet for an operation that failed (overlapped set, status != 0)
    UserPosted,       // a packet posted by a program, not by I/O (overlapped == nullptr)
    EndOfStream,      // an operation completed with 0 bytes (overlapped set)
    BytesTransferred, // an operation completed with bytes > 0 (overlapped set)
};

// Stable lower-case names ("user-posted"), for logs and exports. (Not toString: Qt Test
// looks that name up by ADL and expects a char* it owns.)
std::string_view nameOf(DequeueOutcome outcome) noexcept;

// The one place where a dequeued packet is classified. Never allocates.
constexpr DequeueOutcome classifyPacket(const CompletionPacket &packet) noexcept
{
    if (packet.overlapped == nullptr)
        return DequeueOutcome::UserPosted;
    if (packet.status != 0)
        return DequeueOutcome::IoFailed;
    return packet.bytes == 0 ? DequeueOutcome::EndOfStream : DequeueOutcome::BytesTransferred;
}

struct DequeueResult {
    DequeueOutcome outcome = DequeueOutcome::Timeout;
    CompletionPacket packet; // meaningful only when hasPacket()
    // False when the packet was taken at once, without spinning or parking, so that a caller
    // may stand in a clock reading taken just before the call for "now" (the pool's latency
    // timing does). True otherwise, and whenever a backend cannot tell.
    bool waited = true;

    constexpr bool hasPacket() const noexcept
    {
        return outcome != DequeueOutcome::Timeout && outcome != DequeueOutcome::Closed &&
               outcome != DequeueOutcome::Alerted;
    }
};

} // namespace poolscope
