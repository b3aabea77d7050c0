#pragma once
// Per-handle state as the completion key (Q192800's "per-handle data"): the worker that
// dequeues an I/O packet hands it to the object the key points to.

#include "completionpacket.h"
#include "iooperation.h"

#include <cstdint>

namespace poolscope {

// An object that owns associated handles and the records started on them, and is their
// completion key. Used by the I/O load drivers (EchoServer, FileReadLoad); any program on
// the port may use it.
//
// Threading: onIoCompletion() runs on whichever thread dequeued the packet, possibly on
// several threads at once for different records; it must not throw.
class IoCompletionTarget {
public:
    // `op` has been claimed: it is the target's again. `result` is the dequeued packet and
    // its decoded outcome (BytesTransferred, EndOfStream or IoFailed).
    virtual void onIoCompletion(IoOperation &op, const DequeueResult &result) noexcept = 0;

    std::uintptr_t completionKey() noexcept { return reinterpret_cast<std::uintptr_t>(this); }

    // For a packet dequeued from a port on which every I/O key is an IoCompletionTarget:
    // claims the record and calls its target. Returns false, and does nothing, for a packet
    // that carries no record (user posted). Thread-safe.
    static bool dispatch(const DequeueResult &result) noexcept
    {
        if (!result.hasPacket() || result.packet.overlapped == nullptr)
            return false;
        IoOperation *op = IoOperation::claim(result.packet);
        if (op == nullptr)
            return false; // claimed already: IoOperation keeps that exactly-once
        reinterpret_cast<IoCompletionTarget *>(result.packet.key)->onIoCompletion(*op, result);
        return true;
    }

protected:
    IoCompletionTarget() = default;
    ~IoCompletionTarget() = default;
    IoCompletionTarget(const IoCompletionTarget &) = default;
    IoCompletionTarget &operator=(const IoCompletionTarget &) = default;
};

} // namespace poolscope
