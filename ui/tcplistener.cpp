#include "tcplistener.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

TcpListener::TcpListener(QObject *parent) : QObject(parent) {}

TcpListener::~TcpListener()
{
    delete m_notifier;
    if (m_fd >= 0)
        ::close(m_fd);
}

bool TcpListener::listen(const QHostAddress &address, quint16 port, QString &error)
{
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET6;
    const bool anyDualStack = address == QHostAddress(QHostAddress::Any);
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        family = AF_INET;
        auto *in = reinterpret_cast<sockaddr_in *>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof(sockaddr_in);
    } else {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        if (!anyDualStack) {
            const Q_IPV6ADDR bytes = address.toIPv6Address();
            std::memcpy(&in6->sin6_addr, bytes.c, sizeof bytes.c);
            in6->sin6_scope_id = address.scopeId().toUInt();
        }
        length = sizeof(sockaddr_in6);
    }
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    const int yes = 1, no = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes); // restart while old connections linger
    if (family == AF_INET6)
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, anyDualStack ? &no : &yes, sizeof yes);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&storage), length) != 0 || ::listen(fd, 128) != 0) {
        error = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return false;
    }
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    m_port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<const sockaddr_in *>(&bound)->sin_port
                                              : reinterpret_cast<const sockaddr_in6 *>(&bound)->sin6_port);
    m_fd = fd;
    m_notifier = new QSocketNotifier(static_cast<qintptr>(fd), QSocketNotifier::Read);
    connect(m_notifier, &QSocketNotifier::activated, this, &TcpListener::readyToAccept);
    return true;
}

int TcpListener::accept(int &error)
{
    while (true) {
        const int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        if (errno == EINTR || errno == ECONNABORTED) // a peer that gave up: try the next one
            continue;
        error = errno;
        return -1;
    }
}

void TcpListener::pause()
{
    if (m_notifier)
        m_notifier->setEnabled(false);
}

void TcpListener::resume()
{
    if (m_notifier)
        m_notifier->setEnabled(true);
}
