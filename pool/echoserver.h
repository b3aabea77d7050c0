#pragma once
// A loopback TCP echo server on the port: Q192800's socket server in miniature. Its
// listening and connected sockets are associated with the port; each connection runs
// recv -> CPU cost -> send (all of it) -> recv again, one operation outstanding at a time.

#include "iocompletiontarget.h"
#include "ioservice.h"
#include "lentrecordcount.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace poolscope {

struct EchoServerOptions {
    std::chrono::nanoseconds costPerMessage{0}; // CPU spin per received message (recv completion)
    std::uint32_t bufferBytes = 16 * 1024;      // per connection; a longer message is echoed in pieces
    unsigned acceptsOutstanding = 4;            // accepts kept outstanding on the listener
    unsigned maxConnections = 1024;             // more are accepted and closed at once (counted as refused)
};

// Plain counts. Monotonic; exact once the server is stopped and its packets handled.
struct EchoServerCounters {
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;        // accepted beyond maxConnections and closed
    std::uint64_t closed = 0;         // connections ended (end of stream, error, stop)
    std::uint64_t messages = 0;       // recv completions with bytes
    std::uint64_t bytesEchoed = 0;    // bytes sent back
    std::uint64_t acceptFailures = 0; // accepts that completed with an error other than cancellation
    std::uint64_t resets = 0;         // connections ended by ECONNRESET / EPIPE
    std::uint64_t otherFailures = 0;  // any other error on recv or send, or a refused start
};

// Threading: completions run on the port's workers (IoCompletionTarget::dispatch), several
// connections at once; a connection's state is touched by one thread at a time, since it
// has one operation outstanding. port(), counters() and stop() are thread-safe.
//
// Errors are data: a reset, a refused start, a failed accept end one connection (counted);
// the server goes on. The constructor throws std::system_error when it cannot listen.
//
// Destruction: stop(), then wait until every record is back. The port's workers must still
// be dequeuing then, since the last completions arrive through them.
class EchoServer final : public IoCompletionTarget {
public:
    EchoServer(IoService &io, EchoServerOptions options = {});
    ~EchoServer();
    EchoServer(const EchoServer &) = delete;
    EchoServer &operator=(const EchoServer &) = delete;

    std::uint16_t port() const noexcept { return m_port; } // on 127.0.0.1. Thread-safe.

    // The CPU spin per received message from the next message on. Thread-safe.
    void setCostPerMessage(std::chrono::nanoseconds cost) noexcept
    {
        m_costNs.store(cost.count(), std::memory_order_relaxed);
    }

    // Closes the listener and every connection; their operations complete cancelled and
    // are handled by the workers. Thread-safe; does not wait.
    void stop();
    // Waits, on a condition, until every record is back after stop(); false at the deadline.
    // Thread-safe.
    bool waitUntilStopped(std::chrono::nanoseconds deadline);

    EchoServerCounters counters() const; // Thread-safe. Never blocks a worker.

    // Called by IoCompletionTarget::dispatch on the worker that dequeued the packet. Thread-safe.
    void onIoCompletion(IoOperation &op, const DequeueResult &result) noexcept override;

private:
    struct Connection;
    struct AcceptOp : IoOperation {};

    void startAccept(AcceptOp &op) noexcept;
    void accepted(int socket) noexcept;
    void onConnectionCompletion(Connection &connection, const DequeueResult &result) noexcept;
    void endConnection(Connection *connection) noexcept;
    bool started(int startResult) noexcept;

    IoService &m_io;
    const EchoServerOptions m_options;
    std::uint16_t m_port = 0;
    IoHandle m_listener;
    std::vector<std::unique_ptr<AcceptOp>> m_accepts;

    mutable std::mutex m_mutex;                  // guards the two below
    std::unordered_set<Connection *> m_connections;
    bool m_stopping = false;

    std::atomic<std::int64_t> m_costNs{0}; // starts as options.costPerMessage
    LentRecordCount m_lent; // the server is quiet at 0
    struct Counts {
        std::atomic<std::uint64_t> accepted{0}, refused{0}, closed{0}, messages{0}, bytesEchoed{0},
            acceptFailures{0}, resets{0}, otherFailures{0};
    } m_counts;
};

} // namespace poolscope
