#pragma once
// Real descriptors for the I/O tests: socket pairs, loopback TCP connections, and a
// descriptor that closes itself. Blocking calls here carry a receive/send timeout, so a
// broken test fails instead of hanging.

#include "completionport.h"
#include "ioservice.h"

#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <utility>

namespace iotest {

// A descriptor the test owns; closed on scope exit unless released (to IoService).
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(Fd &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    Fd &operator=(Fd &&other) noexcept
    {
        reset();
        m_fd = std::exchange(other.m_fd, -1);
        return *this;
    }
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }
    void reset()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd = -1;
};

inline void setTimeouts(int fd)
{
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Two connected Unix stream sockets: [0] for IoService, [1] the peer the test drives.
inline std::pair<Fd, Fd> socketPair()
{
    int sv[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        qFatal("socketpair: %s", strerror(errno));
    setTimeouts(sv[1]);
    return {Fd(sv[0]), Fd(sv[1])};
}

// A listening TCP socket on 127.0.0.1 and an ephemeral port.
inline Fd listenLoopback(quint16 *port)
{
    Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || ::listen(listener.get(), 1024) != 0)
        qFatal("listen: %s", strerror(errno));
    socklen_t length = sizeof address;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr *>(&address), &length);
    *port = ntohs(address.sin_port);
    return listener;
}

inline Fd connectLoopback(quint16 port)
{
    Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(client.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        qFatal("connect: %s", strerror(errno));
    setTimeouts(client.get());
    return client;
}

// A connected loopback TCP pair: [0] accepted (for IoService), [1] the client side.
inline std::pair<Fd, Fd> tcpPair()
{
    quint16 port = 0;
    Fd listener = listenLoopback(&port);
    Fd client = connectLoopback(port);
    Fd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (accepted.get() < 0)
        qFatal("accept: %s", strerror(errno));
    return {std::move(accepted), std::move(client)};
}

// Closes `fd` with a reset (RST) instead of a FIN.
inline void closeWithReset(Fd &fd)
{
    linger hard{1, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    fd.reset();
}

// The I/O identity, per kind and in total: started == outstanding + completed + failed + cancelled.
inline void verifyIdentity(const poolscope::IoSnapshot &s)
{
    for (poolscope::IoKind kind : poolscope::AllIoKinds) {
        const poolscope::IoKindCounters &c = s.of(kind);
        QCOMPARE(c.started, c.outstanding + c.completed + c.failed + c.cancelled);
    }
    const poolscope::IoKindCounters &t = s.total;
    QCOMPARE(t.started, t.outstanding + t.completed + t.failed + t.cancelled);
}

// Dequeues one packet, failing the test on a timeout (a lost completion).
inline poolscope::DequeueResult dequeueOne(poolscope::CompletionPort &port)
{
    return port.dequeue(std::chrono::seconds(30));
}

} // namespace iotest
