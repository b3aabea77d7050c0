#pragma once

#include "metricsexport.h"

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <chrono>
#include <functional>
#include <map>
#include <memory>

class TcpListener;
class QTcpSocket;
class QTimer;
struct HttpRequestHead;

// Where --serve-metrics listens: "PORT" (on 127.0.0.1), "HOST:PORT" or "[IPv6]:PORT". Only a
// loopback default: serving to the network takes an explicit address such as 0.0.0.0.
struct ListenAddress {
    QHostAddress host{QHostAddress::LocalHost};
    quint16 port = 0; // 0: any free port (see MetricsServer::port())
};

// False with a one-line error naming what is wrong and the accepted forms.
bool parseListenAddress(const QString &text, ListenAddress &out, QString &error);

// What a connection may cost the server. The defaults hold against a slowloris, oversized
// heads and descriptor exhaustion while a Prometheus scraping every few seconds over one
// kept-alive connection never meets them.
struct MetricsServerLimits {
    int maxConnections = 64;                         // also at most a quarter of RLIMIT_NOFILE
    std::chrono::milliseconds idleTimeout{30'000};   // no request in progress: closed
    std::chrono::milliseconds headerTimeout{10'000}; // from a request's first byte to its blank line: else 408
    std::chrono::milliseconds closeTimeout{5'000};   // a closing peer that does not read its answer: aborted
    qsizetype maxHeadBytes = 8192;                   // request line and fields: else 431
    qint64 maxPendingOutput = 4 * 1024 * 1024;       // unread answers; past it no more requests are read
};

// Serves the live metrics at http://HOST:PORT/metrics for Prometheus to scrape, in the
// exposition format the scraper asks for: OpenMetrics when its Accept header names
// application/openmetrics-text, else Prometheus text 0.0.4. Each scrape reads the pool
// through `provider` (a snapshot and a histogram merge: microseconds), so a scrape costs
// the workers nothing and needs no timer.
//
// HTTP/1.1 on a listener (TcpListener) and QTcpSockets that this class owns with their
// timers and limits (Qt HttpServer 6.4 has none of these knobs, and QTcpServer spins when
// accept() fails with EMFILE): GET and HEAD; 400 for a malformed head (HTTP/0.9 too, and HTTP/1.1
// without Host), 404 for other paths, 405 (with Allow) for other methods, 408 when a head
// is not complete within headerTimeout, 431 past maxHeadBytes, 505 for a major version
// other than 1. Keep-alive for HTTP/1.1 unless "Connection: close"; HTTP/1.0 is closed after
// its answer. At maxConnections the oldest connection is closed for the new one; when
// accept() fails (out of descriptors), accepting pauses, the oldest connection is closed, and
// accepting resumes 100 ms later: never a busy loop.
//
// Threading: a QObject of the thread that creates it (the GUI or headless main thread);
// requests are answered in that thread's event loop, and `provider` is called there.
class MetricsServer : public QObject {
    Q_OBJECT

public:
    using Provider = std::function<poolscope::MetricsView()>;

    explicit MetricsServer(Provider provider, QObject *parent = nullptr);
    MetricsServer(Provider provider, const MetricsServerLimits &limits, QObject *parent = nullptr);
    ~MetricsServer() override;

    // Starts listening; false with a one-line error (port in use, not an address of this
    // machine). Call once.
    bool listen(const ListenAddress &address, QString &error);
    bool isListening() const noexcept { return m_port != 0; }
    quint16 port() const noexcept { return m_port; }       // the bound port, also for a requested 0
    QString metricsUrl() const;                             // http://127.0.0.1:9464/metrics
    quint64 scrapesServed() const noexcept { return m_scrapes; }
    int openConnections() const noexcept { return static_cast<int>(m_connections.size()); }
    int connectionLimit() const noexcept { return m_maxConnections; } // after the descriptor cap

signals:
    void scraped(); // after each /metrics answer, for a status line

private:
    struct Connection;

    void acceptPending();
    void pauseAccepting();
    void onReadable(QTcpSocket *socket);
    void serve(Connection &connection);
    void answer(Connection &connection, const HttpRequestHead &head, bool close);
    void respond(Connection &connection, int status, const QByteArray &contentType, const QByteArray &body,
                 bool headOnly, bool close, const QByteArray &extraFields = {});
    void onTimeout(QTcpSocket *socket);
    void evictOldest();
    void forget(QTcpSocket *socket);

    Provider m_provider;
    MetricsServerLimits m_limits;
    int m_maxConnections;
    TcpListener *m_listener = nullptr;
    QTimer *m_resumeAccepting;
    std::map<QTcpSocket *, std::unique_ptr<Connection>> m_connections;
    quint64 m_accepted = 0;
    QHostAddress m_address;
    quint16 m_port = 0;
    quint64 m_scrapes = 0;
};
