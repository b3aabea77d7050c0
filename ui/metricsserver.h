#pragma once

#include "metricsexport.h"

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <functional>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponse;

// Where --serve-metrics listens: "PORT" (on 127.0.0.1), "HOST:PORT" or "[IPv6]:PORT". Only a
// loopback default: serving to the network takes an explicit address such as 0.0.0.0.
struct ListenAddress {
    QHostAddress host{QHostAddress::LocalHost};
    quint16 port = 0; // 0: any free port (see MetricsServer::port())
};

// False with a one-line error naming what is wrong and the accepted forms.
bool parseListenAddress(const QString &text, ListenAddress &out, QString &error);

// Serves the live metrics at http://HOST:PORT/metrics for Prometheus to scrape, in the
// exposition format the scraper asks for: OpenMetrics when its Accept header names
// application/openmetrics-text, else Prometheus text 0.0.4. Each scrape reads the pool
// through `provider` (a snapshot and a histogram merge: microseconds), so a scrape costs
// the workers nothing and needs no timer.
//
// Threading: a QObject of the thread that creates it (the GUI or headless main thread);
// requests are answered in that thread's event loop, and `provider` is called there.
class MetricsServer : public QObject {
    Q_OBJECT

public:
    using Provider = std::function<poolscope::MetricsView()>;

    explicit MetricsServer(Provider provider, QObject *parent = nullptr);
    ~MetricsServer() override;

    // Starts listening; false with a one-line error (port in use, not an address of this
    // machine). Call once.
    bool listen(const ListenAddress &address, QString &error);
    bool isListening() const noexcept { return m_port != 0; }
    quint16 port() const noexcept { return m_port; }       // the bound port, also for a requested 0
    QString metricsUrl() const;                             // http://127.0.0.1:9464/metrics
    quint64 scrapesServed() const noexcept { return m_scrapes; }

signals:
    void scraped(); // after each /metrics answer, for a status line

private:
    QHttpServerResponse metricsResponse(const QHttpServerRequest &request);

    Provider m_provider;
    QHttpServer *m_http;
    QHostAddress m_address;
    quint16 m_port = 0;
    quint64 m_scrapes = 0;
};
