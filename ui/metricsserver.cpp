#include "metricsserver.h"

#include "httprequesthead.h"
#include "tcplistener.h"

#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace poolscope;

bool parseListenAddress(const QString &text, ListenAddress &out, QString &error)
{
    const QString accepted = QStringLiteral("PORT, HOST:PORT or [IPv6]:PORT, with PORT 0..65535 and HOST an IP address");
    QString host, portText = text.trimmed();
    if (portText.startsWith(QLatin1Char('['))) {
        const qsizetype close = portText.indexOf(QStringLiteral("]:"));
        if (close < 0) {
            error = QStringLiteral("'%1' is not %2").arg(text, accepted);
            return false;
        }
        host = portText.mid(1, close - 1);
        portText = portText.mid(close + 2);
    } else if (const qsizetype colon = portText.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        host = portText.left(colon);
        portText = portText.mid(colon + 1);
    }
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port > 65535) {
        error = QStringLiteral("'%1' is not %2").arg(text, accepted);
        return false;
    }
    ListenAddress parsed;
    parsed.port = static_cast<quint16>(port);
    if (host == QLatin1String("localhost")) {
        parsed.host = QHostAddress(QHostAddress::LocalHost);
    } else if (!host.isEmpty() && !parsed.host.setAddress(host)) {
        error = QStringLiteral("'%1' is not an IP address (%2)").arg(host, accepted);
        return false;
    }
    out = parsed;
    return true;
}

namespace {

QByteArray reasonOf(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

// A quarter of the descriptors this process may open: a flood of connections must leave the
// rest to the app (the exports at the end of a run need a few).
int descriptorCap(int wanted)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return wanted;
    const auto quarter = static_cast<long long>(limit.rlim_cur / 4);
    return static_cast<int>(std::clamp<long long>(quarter, 1, wanted));
}

constexpr qint64 SocketReadBuffer = 16 * 1024; // Qt stops reading from the kernel past this
constexpr qint64 MaxDiscard = 16 * 1024 * 1024; // what a closing connection may still send us

} // namespace

struct MetricsServer::Connection {
    QTcpSocket *socket = nullptr;
    QTimer *timer = nullptr;
    QByteArray buffer;
    quint64 sequence = 0;    // accept order: the oldest is evicted first
    bool inRequest = false;  // bytes of a request head have arrived
    bool closing = false;    // the last answer is written; waiting for the peer to take it
    bool halfClosed = false; // our side is shut down for writing; the peer's bytes are discarded
    qint64 discarded = 0;    // bytes thrown away while closing; a flood past MaxDiscard is cut off
};

MetricsServer::MetricsServer(Provider provider, QObject *parent) : MetricsServer(std::move(provider), MetricsServerLimits{}, parent) {}

MetricsServer::MetricsServer(Provider provider, const MetricsServerLimits &limits, QObject *parent)
    : QObject(parent), m_provider(std::move(provider)), m_limits(limits),
      m_maxConnections(descriptorCap(limits.maxConnections)), m_resumeAccepting(new QTimer(this))
{
    m_resumeAccepting->setSingleShot(true);
    m_resumeAccepting->setInterval(std::chrono::milliseconds(100));
    connect(m_resumeAccepting, &QTimer::timeout, this, [this] {
        m_listener->resume();
        acceptPending();
    });
}

MetricsServer::~MetricsServer()
{
    for (auto &[socket, connection] : m_connections) {
        socket->disconnect(this);
        socket->abort();
    }
}

bool MetricsServer::listen(const ListenAddress &address, QString &error)
{
    auto *listener = new TcpListener(this);
    if (!listener->listen(address.host, address.port, error)) {
        error = QStringLiteral("cannot listen on %1:%2: %3").arg(address.host.toString(), QString::number(address.port), error);
        delete listener;
        return false;
    }
    m_listener = listener;
    connect(m_listener, &TcpListener::readyToAccept, this, &MetricsServer::acceptPending);
    m_address = address.host;
    m_port = listener->port();
    return true;
}

QString MetricsServer::metricsUrl() const
{
    const QString host = m_address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(m_address.toString())
                             : m_address.toString();
    return QStringLiteral("http://%1:%2/metrics").arg(host, QString::number(m_port));
}

void MetricsServer::acceptPending()
{
    while (true) {
        int failure = 0;
        const int fd = m_listener->accept(failure);
        if (fd < 0) {
            if (failure != EAGAIN && failure != EWOULDBLOCK)
                pauseAccepting();
            return;
        }
        if (openConnections() >= m_maxConnections)
            evictOldest();
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(fd)) {
            ::close(fd);
            delete socket;
            continue;
        }
        auto connection = std::make_unique<Connection>();
        connection->socket = socket;
        connection->sequence = ++m_accepted;
        connection->timer = new QTimer(socket);
        connection->timer->setSingleShot(true);
        connection->timer->start(m_limits.idleTimeout);
        socket->setReadBufferSize(SocketReadBuffer);
        connect(connection->timer, &QTimer::timeout, this, [this, socket] { onTimeout(socket); });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadable(socket); });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] { onReadable(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
        m_connections.emplace(socket, std::move(connection));
    }
}

void MetricsServer::pauseAccepting()
{
    // Out of descriptors (EMFILE, ENFILE) or out of memory: retrying at once would spin.
    // Pause, free a descriptor by closing the oldest connection, and try again shortly.
    m_listener->pause();
    evictOldest();
    if (!m_resumeAccepting->isActive())
        m_resumeAccepting->start();
}

void MetricsServer::evictOldest()
{
    auto oldest = m_connections.end();
    for (auto it = m_connections.begin(); it != m_connections.end(); ++it)
        if (oldest == m_connections.end() || it->second->sequence < oldest->second->sequence)
            oldest = it;
    if (oldest == m_connections.end())
        return;
    QTcpSocket *socket = oldest->first;
    m_connections.erase(oldest);
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

void MetricsServer::forget(QTcpSocket *socket)
{
    if (m_connections.erase(socket) > 0)
        socket->deleteLater();
}

void MetricsServer::onTimeout(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    Connection &connection = *it->second;
    if (connection.closing || !connection.inRequest) { // idle, or a peer that does not take its answer
        forget(socket);
        socket->disconnect(this);
        socket->abort();
        return;
    }
    respond(connection, 408, "text/plain; charset=utf-8", "the request head did not arrive in time\n", false, true);
}

void MetricsServer::onReadable(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    Connection &connection = *it->second;
    if (connection.closing) {
        // A lingering close: shut our side only once the answer is out, and keep discarding
        // what the peer still sends, so that its unread bytes do not turn the close into a
        // reset that could destroy the answer before the peer reads it (RFC 9112 9.6).
        if (!connection.halfClosed && socket->bytesToWrite() == 0) {
            ::shutdown(static_cast<int>(socket->socketDescriptor()), SHUT_WR);
            connection.halfClosed = true;
        }
        connection.discarded += socket->skip(socket->bytesAvailable());
        if (connection.discarded > MaxDiscard) { // a flood, not a slow reader: no more courtesy
            forget(socket);
            socket->disconnect(this);
            socket->abort();
        }
        return;
    }
    const qsizetype room = 2 * m_limits.maxHeadBytes - connection.buffer.size();
    if (room > 0 && socket->bytesAvailable() > 0)
        connection.buffer += socket->read(room);
    if (!connection.inRequest && !connection.buffer.isEmpty()) {
        connection.inRequest = true;
        connection.timer->start(m_limits.headerTimeout);
    }
    serve(connection);
}

void MetricsServer::serve(Connection &connection)
{
    while (!connection.closing && connection.socket->bytesToWrite() <= m_limits.maxPendingOutput) {
        HttpRequestHead head;
        if (parseHttpRequestHead(connection.buffer, head) == HeadScan::Incomplete) {
            if (connection.buffer.size() > m_limits.maxHeadBytes) {
                const bool noLineYet = !connection.buffer.contains("\r\n");
                respond(connection, noLineYet ? 414 : 431, "text/plain; charset=utf-8",
                        noLineYet ? "the request line is too long\n" : "the request head is too large\n", false, true);
            }
            return;
        }
        if (head.headBytes > m_limits.maxHeadBytes) {
            respond(connection, 431, "text/plain; charset=utf-8", "the request head is too large\n", false, true);
            return;
        }
        connection.buffer.remove(0, head.headBytes);
        if (head.status != 0) {
            respond(connection, head.status, "text/plain; charset=utf-8", reasonOf(head.status) + '\n', false, true);
            return;
        }
        // A body is never read here: answer, then close rather than parse it as a request.
        answer(connection, head, !head.keepAlive() || head.contentLength != 0);
        if (connection.closing)
            return;
        connection.inRequest = !connection.buffer.isEmpty();
        connection.timer->start(connection.inRequest ? m_limits.headerTimeout : m_limits.idleTimeout);
    }
}

void MetricsServer::answer(Connection &connection, const HttpRequestHead &head, bool close)
{
    const qsizetype query = head.target.indexOf('?');
    const QByteArray path = query < 0 ? head.target : head.target.left(query);
    const bool get = head.method == "GET", headOnly = head.method == "HEAD";
    if (path != "/metrics" && path != "/") {
        respond(connection, 404, "text/plain; charset=utf-8", "Poolscope serves /metrics\n", headOnly, close);
        return;
    }
    if (!get && !headOnly) {
        respond(connection, 405, "text/plain; charset=utf-8", "only GET and HEAD\n", false, close, "Allow: GET, HEAD\r\n");
        return;
    }
    if (path == "/") {
        respond(connection, 200, "text/plain; charset=utf-8", "Poolscope: the metrics are at /metrics\n", headOnly, close);
        return;
    }
    const bool openMetrics = head.field("accept").contains("application/openmetrics-text");
    std::ostringstream text;
    writeMetrics(text, m_provider(), openMetrics ? MetricsFormat::OpenMetrics : MetricsFormat::PrometheusText);
    ++m_scrapes;
    respond(connection, 200,
            openMetrics ? QByteArrayLiteral("application/openmetrics-text; version=1.0.0; charset=utf-8")
                        : QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"),
            QByteArray::fromStdString(text.str()), headOnly, close);
    emit scraped();
}

void MetricsServer::respond(Connection &connection, int status, const QByteArray &contentType, const QByteArray &body,
                            bool headOnly, bool close, const QByteArray &extraFields)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonOf(status) + "\r\nContent-Type: " + contentType +
                     "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" + extraFields +
                     (close ? "Connection: close\r\n" : "") + "\r\n";
    if (!headOnly)
        out += body;
    connection.socket->write(out);
    if (close) {
        connection.closing = true;
        connection.buffer.clear();
        connection.timer->start(m_limits.closeTimeout); // a peer that never closes is aborted then
        QMetaObject::invokeMethod(this, [this, socket = connection.socket] { onReadable(socket); }, Qt::QueuedConnection);
    }
}
