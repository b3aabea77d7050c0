#include "metricsserver.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QTcpServer>

#include <sstream>

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

MetricsServer::MetricsServer(Provider provider, QObject *parent)
    : QObject(parent), m_provider(std::move(provider)), m_http(new QHttpServer(this))
{
    m_http->route(QStringLiteral("/metrics"), QHttpServerRequest::Method::Get,
                  [this](const QHttpServerRequest &request) { return metricsResponse(request); });
    m_http->route(QStringLiteral("/"), QHttpServerRequest::Method::Get, [] {
        return QHttpServerResponse(QByteArrayLiteral("text/plain; charset=utf-8"),
                                   QByteArrayLiteral("Poolscope: the metrics are at /metrics\n"));
    });
}

MetricsServer::~MetricsServer() = default;

bool MetricsServer::listen(const ListenAddress &address, QString &error)
{
    // A QTcpServer of our own, rather than QHttpServer::listen(), to have its error text.
    auto *tcp = new QTcpServer(m_http);
    if (!tcp->listen(address.host, address.port)) {
        error = QStringLiteral("cannot listen on %1:%2: %3")
                    .arg(address.host.toString(), QString::number(address.port), tcp->errorString());
        delete tcp;
        return false;
    }
    m_http->bind(tcp);
    m_address = address.host;
    m_port = tcp->serverPort();
    return true;
}

QString MetricsServer::metricsUrl() const
{
    const QString host = m_address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(m_address.toString())
                             : m_address.toString();
    return QStringLiteral("http://%1:%2/metrics").arg(host, QString::number(m_port));
}

QHttpServerResponse MetricsServer::metricsResponse(const QHttpServerRequest &request)
{
    const bool openMetrics = request.value("Accept").contains("application/openmetrics-text");
    std::ostringstream text;
    writeMetrics(text, m_provider(), openMetrics ? MetricsFormat::OpenMetrics : MetricsFormat::PrometheusText);
    ++m_scrapes;
    emit scraped();
    return QHttpServerResponse(openMetrics ? QByteArrayLiteral("application/openmetrics-text; version=1.0.0; charset=utf-8")
                                           : QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"),
                               QByteArray::fromStdString(text.str()));
}
