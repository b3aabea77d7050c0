#include "echoclients.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace poolscope {

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t nowNs()
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

// The byte at `index` of message `sequence` on connection `connection`: every message
// differs, so an echo that mixes up or drops bytes is seen.
std::byte patternByte(std::uint64_t connection, std::uint64_t sequence, std::uint64_t index) noexcept
{
    return static_cast<std::byte>((connection * 29u + sequence * 131u + index) & 0xffu);
}

struct Client {
    int fd = -1;
    std::uint64_t index = 0;
    std::uint64_t sequence = 0;     // of the message in flight or next
    std::vector<std::byte> message; // the one in flight
    std::uint32_t sent = 0;
    std::uint32_t received = 0;
    bool inFlight = false;
    bool writeBlocked = false;
    bool finished = false;          // done, closed by the server, or failed
    std::uint64_t sendStartNs = 0;
    std::uint64_t nextSendNs = 0;
    std::uint64_t echoes = 0;
};

class Runner {
public:
    Runner(const EchoClientOptions &options, const std::atomic<bool> *stop) : m_options(options), m_stop(stop) {}

    EchoClientResult run();

private:
    bool connectAll();
    void beginMessage(Client &c, std::uint64_t now);
    void writeSome(Client &c);
    void readSome(Client &c, std::uint64_t now);
    void finish(Client &c);
    void fail(Client &c, int error);
    void watch(Client &c, bool wantWrite);

    const EchoClientOptions &m_options;
    const std::atomic<bool> *m_stop;
    EchoClientResult m_result;
    std::vector<Client> m_clients;
    int m_epoll = -1;
    std::uint64_t m_intervalNs = 0; // between two messages of one connection (rate), 0 = none
    unsigned m_active = 0;          // connections not finished
};

bool Runner::connectAll()
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(m_options.port);
    m_clients.resize(m_options.connections);
    for (std::size_t i = 0; i < m_clients.size(); ++i) {
        Client &c = m_clients[i];
        c.index = i;
        c.message.resize(m_options.messageBytes);
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c.fd < 0) {
            ++m_result.connectFailures;
            c.finished = true;
            continue;
        }
        // A blocking connect bounded by a timeout: loopback answers at once, unless the
        // server's backlog is full, and then this must not hang.
        timeval timeout{5, 0};
        ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        if (::connect(c.fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            ++m_result.connectFailures;
            ::close(c.fd);
            c.fd = -1;
            c.finished = true;
            continue;
        }
        const int one = 1;
        ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = i;
        if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &event) != 0) {
            ++m_result.otherErrors;
            ::close(c.fd);
            c.fd = -1;
            c.finished = true;
            continue;
        }
        ++m_result.connected;
        ++m_active;
    }
    return m_active > 0;
}

void Runner::watch(Client &c, bool wantWrite)
{
    if (c.writeBlocked == wantWrite)
        return;
    c.writeBlocked = wantWrite;
    epoll_event event{};
    event.events = EPOLLIN | (wantWrite ? EPOLLOUT : 0u);
    event.data.u64 = c.index;
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &event);
}

void Runner::beginMessage(Client &c, std::uint64_t now)
{
    for (std::size_t i = 0; i < c.message.size(); ++i)
        c.message[i] = patternByte(c.index, c.sequence, i);
    c.sent = 0;
    c.received = 0;
    c.inFlight = true;
    c.sendStartNs = now;
    ++m_result.messagesSent;
    writeSome(c);
}

void Runner::writeSome(Client &c)
{
    while (c.sent < c.message.size()) {
        const ssize_t n = ::send(c.fd, c.message.data() + c.sent, c.message.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<std::uint32_t>(n);
            m_result.bytesSent += static_cast<std::uint64_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(c, true); // a full socket buffer: wait for room
            return;
        }
        fail(c, errno);
        return;
    }
    watch(c, false);
}

void Runner::readSome(Client &c, std::uint64_t now)
{
    std::byte chunk[16 * 1024];
    for (;;) {
        const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
        if (n == 0) {
            ++m_result.earlyCloses;
            finish(c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                fail(c, errno);
            return;
        }
        m_result.bytesReceived += static_cast<std::uint64_t>(n);
        const auto length = static_cast<std::uint64_t>(n);
        // More than the message in flight, or bytes that differ: the echo is wrong.
        if (!c.inFlight || c.received + length > c.sent) {
            ++m_result.mismatches;
            finish(c);
            return;
        }
        for (std::uint64_t i = 0; i < length; ++i) {
            if (chunk[i] != patternByte(c.index, c.sequence, c.received + i)) {
                ++m_result.mismatches;
                finish(c);
                return;
            }
        }
        c.received += static_cast<std::uint32_t>(length);
        if (c.received == c.message.size()) {
            m_result.roundTrip.record(now - c.sendStartNs);
            ++m_result.messagesEchoed;
            ++c.echoes;
            ++c.sequence;
            c.inFlight = false;
            if (m_options.messagesPerConnection != 0 && c.echoes >= m_options.messagesPerConnection) {
                finish(c);
                return;
            }
            const std::uint64_t afterThink = now + static_cast<std::uint64_t>(m_options.thinkTime.count());
            c.nextSendNs = std::max(afterThink, m_intervalNs ? c.nextSendNs + m_intervalNs : 0);
            if (c.nextSendNs <= now)
                beginMessage(c, now);
        }
    }
}

void Runner::fail(Client &c, int error)
{
    if (error == ECONNRESET || error == EPIPE)
        ++m_result.resets;
    else
        ++m_result.otherErrors;
    finish(c);
}

void Runner::finish(Client &c)
{
    if (c.finished)
        return;
    c.finished = true;
    --m_active;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
}

EchoClientResult Runner::run()
{
    if (m_options.connections < 1 || m_options.connections > 4096) {
        m_result.error = "connections must be 1..4096 (got " + std::to_string(m_options.connections) + ")";
        return m_result;
    }
    if (m_options.messageBytes < 1 || m_options.messageBytes > (1u << 20)) {
        m_result.error = "message size must be 1..1048576 bytes (got " + std::to_string(m_options.messageBytes) + ")";
        return m_result;
    }
    if (std::uint64_t{m_options.connections} * m_options.messageBytes > (std::uint64_t{256} << 20)) {
        m_result.error = "connections x message size must stay within 256 MiB of buffers";
        return m_result;
    }
    if (!(m_options.messagesPerSecond >= 0) || m_options.duration <= std::chrono::nanoseconds::zero()
        || m_options.thinkTime < std::chrono::nanoseconds::zero()) {
        m_result.error = "rate, duration and think time must not be negative (and duration above 0)";
        return m_result;
    }
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        m_result.error = std::string("epoll_create1: ") + std::strerror(errno);
        return m_result;
    }
    if (m_options.messagesPerSecond > 0)
        m_intervalNs = static_cast<std::uint64_t>(1e9 * m_options.connections / m_options.messagesPerSecond);

    const std::uint64_t begin = nowNs();
    const std::uint64_t deadline = begin + static_cast<std::uint64_t>(m_options.duration.count());
    if (connectAll()) {
        const std::uint64_t start = nowNs();
        for (Client &c : m_clients) {
            if (c.finished)
                continue;
            // Spread the first messages over one interval, so a rate starts smooth.
            c.nextSendNs = start + (m_intervalNs * c.index) / m_options.connections;
            if (c.nextSendNs <= start)
                beginMessage(c, start);
        }
        std::vector<epoll_event> events(std::min<std::size_t>(m_clients.size(), 1024));
        while (m_active > 0) {
            std::uint64_t now = nowNs();
            if (now >= deadline || (m_stop != nullptr && m_stop->load(std::memory_order_relaxed)))
                break;
            std::uint64_t wakeAt = std::min(deadline, now + 10'000'000); // the stop flag every 10 ms
            for (Client &c : m_clients) {
                if (c.finished || c.inFlight)
                    continue;
                if (c.nextSendNs <= now)
                    beginMessage(c, now);
                else
                    wakeAt = std::min(wakeAt, c.nextSendNs);
            }
            const auto timeoutMs = static_cast<int>((wakeAt > now ? wakeAt - now + 999'999 : 0) / 1'000'000);
            const int ready = ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), timeoutMs);
            if (ready < 0 && errno != EINTR) {
                m_result.error = std::string("epoll_wait: ") + std::strerror(errno);
                break;
            }
            now = nowNs();
            for (int i = 0; i < ready; ++i) {
                Client &c = m_clients[events[static_cast<std::size_t>(i)].data.u64];
                if (c.finished)
                    continue;
                const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
                if (what & (EPOLLIN | EPOLLERR | EPOLLHUP))
                    readSome(c, now);
                if (!c.finished && c.inFlight && (what & EPOLLOUT))
                    writeSome(c);
            }
        }
        m_result.elapsed = std::chrono::nanoseconds(nowNs() - start);
    }
    for (Client &c : m_clients) {
        if (!c.finished && c.fd >= 0) {
            c.finished = true;
            ::close(c.fd);
        }
    }
    ::close(m_epoll);
    return m_result;
}

} // namespace

EchoClientResult runEchoClients(const EchoClientOptions &options, const std::atomic<bool> *stop)
{
    Runner runner(options, stop);
    return runner.run();
}

} // namespace poolscope
