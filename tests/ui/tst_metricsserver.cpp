// The Prometheus endpoint over real HTTP: /metrics answers with the live counters in the
// format the scraper asks for, promtool accepts the text, other paths are 404, and a port
// that is taken is a clear error.

#include "mainwindow.h"
#include "metricsserver.h"
#include "poolsession.h"

#include "workerpool.h"

#include <QAbstractButton>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

using namespace poolscope;

namespace {

struct Response {
    int status = 0;
    QByteArray contentType;
    QByteArray body;
};

Response get(const QString &url, const QByteArray &accept = {})
{
    QNetworkAccessManager network;
    QNetworkRequest request{QUrl(url)};
    if (!accept.isEmpty())
        request.setRawHeader("Accept", accept);
    QNetworkReply *reply = network.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(10'000))
        return {};
    Response response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    response.body = reply->readAll();
    reply->deleteLater();
    return response;
}

// The value of an unlabelled sample line "name value".
double sampleValue(const QByteArray &text, const QByteArray &name)
{
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith(name + ' '))
            return line.mid(name.size() + 1).toDouble();
    return -1;
}

} // namespace

class TestMetricsServer : public QObject {
    Q_OBJECT

private slots:
    void servesTheLiveCounters();
    void negotiatesTheFormat();
    void promtoolAcceptsWhatIsServed();
    void headAnswersLikeGetWithoutABody();
    void otherPathsAreNotFound();
    void aTakenPortIsAClearError();
    void theWindowServesItsSession();
};

void TestMetricsServer::servesTheLiveCounters()
{
    WorkerPool pool({.workers = 2});
    MetricsServer server([&pool] { return metricsOf(pool); });
    QString error;
    QVERIFY2(server.listen({QHostAddress(QHostAddress::LocalHost), 0}, error), qPrintable(error));
    QVERIFY(server.port() != 0);
    QCOMPARE(server.metricsUrl(), QStringLiteral("http://127.0.0.1:%1/metrics").arg(server.port()));

    const Response before = get(server.metricsUrl());
    QCOMPARE(before.status, 200);
    QCOMPARE(sampleValue(before.body, "poolscope_units_posted_total"), 0.0);
    for (int i = 0; i < 500; ++i)
        pool.post([] {});
    QTRY_COMPARE(pool.snapshot().completed, std::uint64_t(500));
    const Response after = get(server.metricsUrl());
    QCOMPARE(after.status, 200);
    QCOMPARE(sampleValue(after.body, "poolscope_units_posted_total"), 500.0);
    QCOMPARE(sampleValue(after.body, "poolscope_units_completed_total"), 500.0);
    QCOMPARE(server.scrapesServed(), quint64(2));
}

void TestMetricsServer::negotiatesTheFormat()
{
    WorkerPool pool({.workers = 1});
    MetricsServer server([&pool] { return metricsOf(pool); });
    QString error;
    QVERIFY2(server.listen({}, error), qPrintable(error)); // 127.0.0.1, any port
    const Response plain = get(server.metricsUrl());
    QVERIFY2(plain.contentType.startsWith("text/plain; version=0.0.4"), plain.contentType.constData());
    QVERIFY(!plain.body.contains("# EOF"));
    // What Prometheus 2.x sends: OpenMetrics first.
    const Response open = get(server.metricsUrl(), "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
    QVERIFY2(open.contentType.startsWith("application/openmetrics-text; version=1.0.0"), open.contentType.constData());
    QVERIFY(open.body.endsWith("# EOF\n"));
}

void TestMetricsServer::promtoolAcceptsWhatIsServed()
{
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        QSKIP("promtool is not installed (Debian package prometheus; scripts/install-deps.sh test installs it)");
    WorkerPool pool({.workers = 2});
    for (int i = 0; i < 100; ++i)
        pool.post([] {});
    QTRY_COMPARE(pool.snapshot().completed, std::uint64_t(100));
    MetricsServer server([&pool] {
        MetricsView view = metricsOf(pool);
        view.alerts = {{"deep-queue", true, 3, 1}, {"slow.wait_2", false, 0, 0}}; // a gauge per alert rule
        return view;
    });
    QString error;
    QVERIFY2(server.listen({}, error), qPrintable(error));
    const Response response = get(server.metricsUrl());
    QCOMPARE(response.status, 200);
    QVERIFY(response.body.contains("\npoolscope_alert_firing{rule=\"deep-queue\"} 1\n"));
    QVERIFY(response.body.contains("\npoolscope_alert_fires_total{rule=\"slow.wait_2\"} 0\n"));
    QProcess check;
    check.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(check.waitForStarted());
    check.write(response.body);
    check.closeWriteChannel();
    QVERIFY(check.waitForFinished(30'000));
    QVERIFY2(check.exitCode() == 0, (check.readAllStandardOutput() + check.readAllStandardError()).constData());
}

// HEAD /metrics: the same status and header fields as GET (Content-Length included), and no
// body: on a kept-alive connection the next response starts right after the head.
void TestMetricsServer::headAnswersLikeGetWithoutABody()
{
    WorkerPool pool({.workers = 1});
    const MetricsView fixed = metricsOf(pool); // one view for both requests: the same bytes
    MetricsServer server([fixed] { return fixed; });
    QString error;
    QVERIFY2(server.listen({}, error), qPrintable(error));
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(10'000));
    socket.write("HEAD /metrics HTTP/1.1\r\nHost: test\r\n\r\n"
                 "GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT((received += socket.readAll(), socket.state() == QAbstractSocket::UnconnectedState), 10'000);
    received += socket.readAll();

    const auto headOf = [](const QByteArray &response) { return response.left(response.indexOf("\r\n\r\n")); };
    const auto fieldOf = [](const QByteArray &head, const QByteArray &name) {
        for (const QByteArray &line : head.split('\n'))
            if (line.toLower().startsWith(name + ':'))
                return line.mid(name.size() + 1).trimmed();
        return QByteArray();
    };
    const QByteArray headHead = headOf(received);
    const qsizetype secondStart = headHead.size() + 4;
    QVERIFY2(received.mid(secondStart).startsWith("HTTP/1.1 200 OK\r\n"), received.left(400).constData()); // no body in between
    const QByteArray get = received.mid(secondStart);
    const QByteArray getHead = headOf(get);
    const QByteArray getBody = get.mid(getHead.size() + 4);

    QVERIFY(headHead.startsWith("HTTP/1.1 200 OK\r\n"));
    QCOMPARE(fieldOf(headHead, "content-type"), fieldOf(getHead, "content-type"));
    QVERIFY(fieldOf(headHead, "content-type").startsWith("text/plain; version=0.0.4"));
    QCOMPARE(fieldOf(headHead, "content-length"), fieldOf(getHead, "content-length"));
    QCOMPARE(fieldOf(headHead, "content-length").toLongLong(), getBody.size());
    QVERIFY(getBody.contains("poolscope_units_posted_total"));
}

void TestMetricsServer::otherPathsAreNotFound()
{
    WorkerPool pool({.workers = 1});
    MetricsServer server([&pool] { return metricsOf(pool); });
    QString error;
    QVERIFY2(server.listen({}, error), qPrintable(error));
    QCOMPARE(get(server.metricsUrl().replace(QStringLiteral("/metrics"), QStringLiteral("/secret"))).status, 404);
    const Response root = get(server.metricsUrl().replace(QStringLiteral("/metrics"), QStringLiteral("/")));
    QCOMPARE(root.status, 200);
    QVERIFY(root.body.contains("/metrics"));
    QCOMPARE(server.scrapesServed(), quint64(0));
}

void TestMetricsServer::aTakenPortIsAClearError()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost));
    WorkerPool pool({.workers = 1});
    MetricsServer server([&pool] { return metricsOf(pool); });
    QString error;
    QVERIFY(!server.listen({QHostAddress(QHostAddress::LocalHost), squatter.serverPort()}, error));
    QVERIFY2(error.contains(QString::number(squatter.serverPort())) && error.contains(QStringLiteral("in use")),
             qPrintable(error));
    QVERIFY(!server.isListening());
}

void TestMetricsServer::theWindowServesItsSession()
{
    PoolSession session;
    MainWindow window(session);
    window.show();
    QString error;
    QVERIFY2(window.serveMetrics({QHostAddress(QHostAddress::LocalHost), 0}, error), qPrintable(error));
    QVERIFY(!window.metricsUrl().isEmpty());
    for (int i = 0; i < 42; ++i)
        session.post([] {});
    QTRY_COMPARE(session.status().pool.completed, std::uint64_t(42));
    const Response response = get(window.metricsUrl());
    QCOMPARE(response.status, 200);
    QCOMPARE(sampleValue(response.body, "poolscope_units_completed_total"), 42.0);
    // The pool is replaced on restart: the endpoint follows the session to the new one.
    window.restartPool(); // asks first
    QMessageBox *question = nullptr;
    QTRY_VERIFY((question = window.findChild<QMessageBox *>(QStringLiteral("confirmRestartDialog"))) && question->isVisible());
    QCOMPARE(session.run().number, std::uint64_t(1));
    for (QAbstractButton *button : question->buttons())
        if (button->text() == QStringLiteral("Restart"))
            QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(session.run().number, std::uint64_t(2));
    QTRY_COMPARE(session.status().pool.state, PoolState::Running);
    QTRY_COMPARE(sampleValue(get(window.metricsUrl()).body, "poolscope_units_completed_total"), 0.0);
}

QTEST_MAIN(TestMetricsServer)
#include "tst_metricsserver.moc"
