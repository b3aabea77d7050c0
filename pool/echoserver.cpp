#include "echoserver.h"

#include "fastclock.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace poolscope {

namespace {

void spinFor(std::chrono::nanoseconds cost) noexcept
{
    if (cost <= std::chrono::nanoseconds::zero())
        return;
    const std::uint64_t until = FastClock::now() + static_cast<std::uint64_t>(cost.count());
    while (FastClock::now() < until) {
    }
}

void add(std::atomic<std::uint64_t> &counter, std::uint64_t by = 1) noexcept
{
    counter.fetch_add(by, std::memory_order_relaxed);
}

} // namespace

// One accepted socket: its handle, its one record (a recv or a send at a time) and its
// buffer. The connection is its own completion key.
struct EchoServer::Connection final : IoCompletionTarget {
    Connection(EchoServer &owner, std::uint32_t bufferBytes) : server(owner), buffer(bufferBytes) {}

    void onIoCompletion(IoOperation &, const DequeueResult &result) noexcept override
    {
        server.onConnectionCompletion(*this, result);
    }

    EchoServer &server;
    IoHandle handle;
    IoOperation op;
    std::vector<std::byte> buffer;
    std::uint32_t pending = 0; // bytes of the last message to echo
    std::uint32_t sent = 0;    // of which sent
};

EchoServer::EchoServer(IoService &io, EchoServerOptions options)
    : m_io(io), m_options(options), m_costNs(options.costPerMessage.count())
{
    FastClock::calibrate();
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        throw std::system_error(errno, std::generic_category(), "echo server: socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // loopback only, by design
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || ::listen(listener, static_cast<int>(std::max(m_options.maxConnections, 16u))) != 0
        || ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        const int error = errno;
        ::close(listener);
        throw std::system_error(error, std::generic_category(), "echo server: listen on 127.0.0.1");
    }
    m_port = ntohs(address.sin_port);
    m_listener = m_io.associate(listener, completionKey());
    for (unsigned i = 0; i < std::max(m_options.acceptsOutstanding, 1u); ++i) {
        m_accepts.push_back(std::make_unique<AcceptOp>());
        startAccept(*m_accepts.back());
    }
}

EchoServer::~EchoServer()
{
    stop();
    waitUntilStopped(std::chrono::nanoseconds::max());
}

bool EchoServer::started(int startResult) noexcept
{
    if (startResult == 0)
        return true;
    m_lent.giveBack(); // lent before the start
    return false;
}

void EchoServer::startAccept(AcceptOp &op) noexcept
{
    m_lent.lend();
    const int rc = m_io.startAccept(m_listener, op);
    if (!started(rc) && rc != EBADF && rc != ESHUTDOWN)
        add(m_counts.acceptFailures);
}

void EchoServer::onIoCompletion(IoOperation &op, const DequeueResult &result) noexcept
{
    // The listener's key: every record here is an accept.
    auto &accept = static_cast<AcceptOp &>(op);
    bool again = true;
    if (result.outcome == DequeueOutcome::IoFailed) {
        const auto error = static_cast<int>(result.packet.status);
        if (error != ECANCELED)
            add(m_counts.acceptFailures);
        // Out of descriptors or memory: re-arming would spin on the same error, so this
        // record rests (counted above); the others carry on.
        again = error == ECONNABORTED || error == EINTR || error == EAGAIN || error == EPROTO;
    } else {
        accepted(accept.acceptedSocket());
    }
    bool stopping = false;
    {
        std::lock_guard lock(m_mutex);
        stopping = m_stopping;
    }
    if (again && !stopping)
        startAccept(accept);
    m_lent.giveBack();
}

void EchoServer::accepted(int socket) noexcept
{
    add(m_counts.accepted);
    const int one = 1;
    ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); // echo replies are small
    Connection *connection = nullptr;
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping && m_connections.size() < m_options.maxConnections) {
            try {
                connection = new Connection(*this, m_options.bufferBytes);
                m_connections.insert(connection);
            } catch (const std::bad_alloc &) {
                delete connection;
                connection = nullptr;
            }
        }
    }
    if (connection == nullptr) {
        add(m_counts.refused);
        ::close(socket);
        return;
    }
    connection->handle = m_io.associate(socket, connection->completionKey());
    m_lent.lend();
    const int rc = m_io.startRecv(connection->handle, connection->op, connection->buffer);
    if (!started(rc)) {
        if (rc != EBADF && rc != ESHUTDOWN)
            add(m_counts.otherFailures);
        endConnection(connection);
    }
}

void EchoServer::onConnectionCompletion(Connection &c, const DequeueResult &result) noexcept
{
    int rc = 0;
    if (result.outcome == DequeueOutcome::IoFailed || (result.outcome == DequeueOutcome::EndOfStream
                                                       && c.op.kind() == IoKind::Send)) {
        const auto error = static_cast<int>(result.packet.status);
        if (error == ECONNRESET || error == EPIPE)
            add(m_counts.resets);
        else if (error != ECANCELED) // cancelled: closed by stop()
            add(m_counts.otherFailures);
        rc = -1;
    } else if (result.outcome == DequeueOutcome::EndOfStream) {
        rc = -1; // the client closed: the normal end
    } else if (c.op.kind() == IoKind::Recv) {
        add(m_counts.messages);
        spinFor(std::chrono::nanoseconds(m_costNs.load(std::memory_order_relaxed)));
        c.pending = result.packet.bytes;
        c.sent = 0;
        m_lent.lend();
        rc = m_io.startSend(c.handle, c.op, std::span<const std::byte>(c.buffer.data(), c.pending));
    } else {
        add(m_counts.bytesEchoed, result.packet.bytes);
        c.sent += result.packet.bytes;
        m_lent.lend();
        if (c.sent < c.pending) // a full socket buffer: send the rest
            rc = m_io.startSend(c.handle, c.op,
                                std::span<const std::byte>(c.buffer.data() + c.sent, c.pending - c.sent));
        else
            rc = m_io.startRecv(c.handle, c.op, c.buffer);
    }
    if (rc > 0) {
        m_lent.giveBack();
        if (rc != EBADF && rc != ESHUTDOWN) // closed or shut down by stop(): not a failure
            add(m_counts.otherFailures);
    }
    if (rc != 0)
        endConnection(&c);
    m_lent.giveBack();
}

void EchoServer::endConnection(Connection *connection) noexcept
{
    {
        std::lock_guard lock(m_mutex);
        m_connections.erase(connection);
    }
    m_io.close(connection->handle);
    add(m_counts.closed);
    delete connection;
}

void EchoServer::stop()
{
    std::vector<IoHandle> handles;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return;
        m_stopping = true;
        handles.reserve(m_connections.size());
        for (Connection *connection : m_connections)
            handles.push_back(connection->handle);
    }
    m_io.close(m_listener);
    for (const IoHandle &handle : handles)
        m_io.close(handle);
}

bool EchoServer::waitUntilStopped(std::chrono::nanoseconds deadline)
{
    return m_lent.waitUntilNone(deadline);
}

EchoServerCounters EchoServer::counters() const
{
    EchoServerCounters c;
    c.accepted = m_counts.accepted.load(std::memory_order_relaxed);
    c.refused = m_counts.refused.load(std::memory_order_relaxed);
    c.closed = m_counts.closed.load(std::memory_order_relaxed);
    c.messages = m_counts.messages.load(std::memory_order_relaxed);
    c.bytesEchoed = m_counts.bytesEchoed.load(std::memory_order_relaxed);
    c.acceptFailures = m_counts.acceptFailures.load(std::memory_order_relaxed);
    c.resets = m_counts.resets.load(std::memory_order_relaxed);
    c.otherFailures = m_counts.otherFailures.load(std::memory_order_relaxed);
    return c;
}

} // namespace poolscope
