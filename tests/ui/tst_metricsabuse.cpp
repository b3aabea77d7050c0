// /metrics under attack, bounded and on loopback only: a slowloris of 200 sockets, an
// oversized head, 200 idle connections against a server limited to 128 descriptors, accept()
// failing for want of descriptors, and the status codes of malformed or foreign requests.
// Each time a normal scrape must still be answered (within 100 ms, the median of five) and
// the attackers' sockets must be closed by the server.
//
// The server runs in a thread of its own so that this thread may use blocking sockets.

#include "metricsserver.h"

#include <QtTest>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <csignal>
#include <memory>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace poolscope;

namespace {

// A MetricsServer living in its own thread with its own event loop.
class ServerThread {
public:
    explicit ServerThread(const MetricsServerLimits &limits = {})
    {
        m_anchor.moveToThread(&m_thread);
        m_thread.start();
        run([this, limits] {
            m_server = new MetricsServer([] { return MetricsView{}; }, limits);
            QString error;
            m_listening = m_server->listen(ListenAddress{}, error);
        });
    }
    ~ServerThread()
    {
        QThread *home = QThread::currentThread();
        run([this, home] {
            delete m_server;
            m_anchor.moveToThread(home);
        });
        m_thread.quit();
        m_thread.wait();
    }
    ServerThread(const ServerThread &) = delete;
    ServerThread &operator=(const ServerThread &) = delete;

    bool isListening() const { return m_listening; }
    quint16 port() const { return m_server->port(); }
    int openConnections()
    {
        int count = 0;
        run([&] { count = m_server->openConnections(); });
        return count;
    }

private:
    template <typename F>
    void run(F f)
    {
        QMetaObject::invokeMethod(&m_anchor, f, Qt::BlockingQueuedConnection);
    }

    QThread m_thread;
    QObject m_anchor;
    MetricsServer *m_server = nullptr;
    bool m_listening = false;
};

struct Exchange {
    QByteArray answer;  // everything the server sent
    bool closedByServer = false;
    double milliseconds = 0;
};

// Sends `request` on a fresh connection and reads until the server closes, or until a
// complete answer on a connection it keeps alive, or `waitMs`.
Exchange exchange(quint16 port, const QByteArray &request, int waitMs = 5000)
{
    Exchange result;
    QElapsedTimer clock;
    clock.start();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(waitMs))
        return result;
    socket.write(request);
    socket.waitForBytesWritten(waitMs);
    while (clock.elapsed() < waitMs) {
        if (!socket.waitForReadyRead(std::max<int>(1, waitMs - static_cast<int>(clock.elapsed())))) {
            result.closedByServer = socket.state() != QAbstractSocket::ConnectedState;
            break;
        }
        result.answer += socket.readAll();
        const qsizetype end = result.answer.indexOf("\r\n\r\n");
        if (end >= 0 && result.milliseconds == 0) {
            const qsizetype at = result.answer.indexOf("Content-Length: ");
            const qsizetype length = at >= 0 ? result.answer.mid(at + 16, result.answer.indexOf('\r', at) - at - 16).toLongLong() : 0;
            const bool headOnly = request.startsWith("HEAD ");
            if (result.answer.size() >= end + 4 + (headOnly ? 0 : length)) {
                result.milliseconds = static_cast<double>(clock.nsecsElapsed()) / 1e6;
                if (!result.answer.contains("Connection: close"))
                    break; // kept alive: done
            }
        }
    }
    return result;
}

// Median time of five normal scrapes, each of which must be a 200.
double medianScrapeMs(quint16 port, int &failures)
{
    std::vector<double> times;
    failures = 0;
    for (int i = 0; i < 5; ++i) {
        const Exchange e = exchange(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
        if (!e.answer.startsWith("HTTP/1.1 200 OK"))
            ++failures;
        times.push_back(e.milliseconds > 0 ? e.milliseconds : 1e9);
    }
    std::sort(times.begin(), times.end());
    return times[2];
}

// True once the server has closed `socket` (EOF or reset), reading whatever it sent first.
bool closedByServer(QTcpSocket &socket)
{
    if (socket.state() != QAbstractSocket::ConnectedState)
        return true;
    socket.waitForReadyRead(0);
    socket.readAll();
    return socket.state() != QAbstractSocket::ConnectedState;
}

int openDescriptors()
{
    int count = 0;
    if (DIR *dir = opendir("/proc/self/fd")) {
        while (readdir(dir))
            ++count;
        closedir(dir);
    }
    return count - 3; // ".", ".." and the directory's own descriptor
}

} // namespace

class TestMetricsAbuse : public QObject {
    Q_OBJECT

private slots:
    void slowlorisOf200Sockets();
    void oversizedHeadIsCutShort();
    void statusCodes_data();
    void statusCodes();
    void keepAliveAnswersEachRequest();
    void acceptFailingForWantOfDescriptorsDoesNotSpin();
    void idleConnectionsUnder128Descriptors();
};

void TestMetricsAbuse::slowlorisOf200Sockets()
{
    ServerThread server({.headerTimeout = std::chrono::milliseconds(1000)});
    QVERIFY(server.isListening());
    std::vector<std::unique_ptr<QTcpSocket>> attackers;
    for (int i = 0; i < 200; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(socket->waitForConnected(5000));
        socket->write("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: "); // and never the rest
        socket->waitForBytesWritten(5000);
        attackers.push_back(std::move(socket));
    }
    int failures = 0;
    const double median = medianScrapeMs(server.port(), failures);
    qInfo("slowloris of 200: a normal scrape takes %.2f ms (median of 5)", median);
    QCOMPARE(failures, 0);
    QVERIFY2(median < 100, qPrintable(QString::number(median)));
    // Beyond the connection cap they are closed at once; the rest when the head times out.
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(attackers.begin(), attackers.end(), [](auto &s) { return closedByServer(*s); }), 20'000);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, 10'000);
}

void TestMetricsAbuse::oversizedHeadIsCutShort()
{
    ServerThread server;
    QVERIFY(server.isListening());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /metrics HTTP/1.1\r\nHost: localhost\r\n");
    const QByteArray line = "X-Padding: " + QByteArray(1000, 'p') + "\r\n";
    qint64 sent = 0;
    QByteArray answer;
    // Up to 64 MiB (the attack sent 200 MiB and grew the server by 410 MB).
    while (sent < 64LL * 1024 * 1024 && socket.state() == QAbstractSocket::ConnectedState && !answer.contains("\r\n\r\n")) {
        for (int i = 0; i < 64; ++i)
            sent += socket.write(line);
        socket.waitForBytesWritten(100);
        if (socket.waitForReadyRead(0) || socket.bytesAvailable() > 0)
            answer += socket.readAll();
    }
    QTRY_VERIFY_WITH_TIMEOUT((answer += socket.readAll(), answer.contains("\r\n\r\n") || socket.state() != QAbstractSocket::ConnectedState), 10'000);
    answer += socket.readAll();
    qInfo("oversized head: the server answered after %.1f MiB were sent", double(sent) / 1024 / 1024);
    QVERIFY2(answer.startsWith("HTTP/1.1 431 Request Header Fields Too Large"), answer.left(100).constData());
    QVERIFY(answer.contains("Connection: close"));
    QTRY_VERIFY_WITH_TIMEOUT(closedByServer(socket), 10'000);
}

void TestMetricsAbuse::statusCodes_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("statusLine");
    QTest::addColumn<bool>("closes");
    const QByteArray host = "Host: localhost\r\n";
    QTest::newRow("GET") << "GET /metrics HTTP/1.1\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 200 OK") << false;
    QTest::newRow("GET with a query") << "GET /metrics?name=x HTTP/1.1\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 200 OK") << false;
    QTest::newRow("HEAD: no body") << "HEAD /metrics HTTP/1.1\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 200 OK") << false;
    QTest::newRow("POST") << "POST /metrics HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n" << QByteArray("HTTP/1.1 405 Method Not Allowed") << false;
    QTest::newRow("POST with a body") << "POST /metrics HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello"
                                      << QByteArray("HTTP/1.1 405 Method Not Allowed") << true;
    QTest::newRow("OPTIONS") << "OPTIONS /metrics HTTP/1.1\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 405 Method Not Allowed") << false;
    QTest::newRow("DELETE") << "DELETE /metrics HTTP/1.1\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 405 Method Not Allowed") << false;
    QTest::newRow("other path") << "GET /admin HTTP/1.1\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 404 Not Found") << false;
    QTest::newRow("garbage") << QByteArray("HELLO\r\n\r\n") << QByteArray("HTTP/1.1 400 Bad Request") << true;
    QTest::newRow("HTTP/0.9") << QByteArray("GET /metrics\r\n\r\n") << QByteArray("HTTP/1.1 400 Bad Request") << true;
    QTest::newRow("HTTP/9.9") << "GET /metrics HTTP/9.9\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 505 HTTP Version Not Supported") << true;
    QTest::newRow("HTTP/2.0") << "GET /metrics HTTP/2.0\r\n" + host + "\r\n" << QByteArray("HTTP/1.1 505 HTTP Version Not Supported") << true;
    QTest::newRow("HTTP/1.0 closes") << QByteArray("GET /metrics HTTP/1.0\r\n\r\n") << QByteArray("HTTP/1.1 200 OK") << true;
    QTest::newRow("Connection: close") << "GET /metrics HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n" << QByteArray("HTTP/1.1 200 OK") << true;
    QTest::newRow("HTTP/1.1 without Host") << QByteArray("GET /metrics HTTP/1.1\r\n\r\n") << QByteArray("HTTP/1.1 400 Bad Request") << true;
    QTest::newRow("folded field") << "GET /metrics HTTP/1.1\r\n" + host + "X-A: 1\r\n folded\r\n\r\n" << QByteArray("HTTP/1.1 400 Bad Request") << true;
    QTest::newRow("space before colon") << "GET /metrics HTTP/1.1\r\n" + host + "X-A : 1\r\n\r\n" << QByteArray("HTTP/1.1 400 Bad Request") << true;
    QTest::newRow("bare LF: never a head") << QByteArray("GET /metrics HTTP/1.1\nHost: x\n\n") << QByteArray("HTTP/1.1 408 Request Timeout") << true;
    QTest::newRow("request line over 8 KiB") << "GET /" + QByteArray(9000, 'a') << QByteArray("HTTP/1.1 414 URI Too Long") << true;
}

void TestMetricsAbuse::statusCodes()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, statusLine);
    QFETCH(bool, closes);
    ServerThread server({.headerTimeout = std::chrono::milliseconds(300)});
    QVERIFY(server.isListening());
    const Exchange e = exchange(server.port(), request);
    QVERIFY2(e.answer.startsWith(statusLine + "\r\n"), e.answer.left(200).constData());
    QCOMPARE(e.answer.contains("Connection: close"), closes);
    if (closes)
        QVERIFY(e.closedByServer);
    if (statusLine.contains("405"))
        QVERIFY(e.answer.contains("\r\nAllow: GET, HEAD\r\n"));
    if (request.startsWith("HEAD ")) { // the GET's Content-Length, and no body
        QVERIFY(!e.answer.contains("Content-Length: 0\r\n"));
        QVERIFY(e.answer.endsWith("\r\n\r\n"));
    }
}

void TestMetricsAbuse::keepAliveAnswersEachRequest()
{
    ServerThread server;
    QVERIFY(server.isListening());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(5000));
    const QByteArray get = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
    socket.write(get + get + "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n"); // pipelined
    QByteArray answer;
    QTRY_VERIFY_WITH_TIMEOUT((answer += socket.readAll(), answer.count("HTTP/1.1 200 OK") == 3), 10'000);
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState); // HTTP/1.1: kept alive
    QCOMPARE(server.openConnections(), 1);
}

void TestMetricsAbuse::acceptFailingForWantOfDescriptorsDoesNotSpin()
{
    ServerThread server({.maxConnections = 1000});
    QVERIFY(server.isListening());
    rlimit original{};
    QVERIFY(getrlimit(RLIMIT_NOFILE, &original) == 0);
    // Fill every descriptor this process may open with connections the server cannot accept.
    rlimit low = original;
    low.rlim_cur = static_cast<rlim_t>(openDescriptors() + 8);
    QVERIFY(setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::vector<int> fillers;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    while (true) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break; // EMFILE: every descriptor is taken
        ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
        fillers.push_back(fd);
    }
    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    QTest::qSleep(1000); // the measurement window: the server thread's accept() keeps failing meanwhile
    getrusage(RUSAGE_SELF, &after);
    const auto seconds = [](const rusage &u) {
        return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    };
    const double busy = seconds(after) - seconds(before);
    for (const int fd : fillers)
        ::close(fd);
    QVERIFY(setrlimit(RLIMIT_NOFILE, &original) == 0);
    qInfo("out of descriptors for 1 s with %zu connections waiting: %.0f ms of CPU", fillers.size(), busy * 1000);
    QVERIFY(fillers.size() >= 2);
    QVERIFY2(busy < 0.3, qPrintable(QStringLiteral("%1 s of CPU in 1 s: a busy accept loop").arg(busy)));
    // Descriptors back: the server accepts again and answers.
    QTRY_VERIFY_WITH_TIMEOUT(exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1000).answer.startsWith("HTTP/1.1 200"), 10'000);
}

void TestMetricsAbuse::idleConnectionsUnder128Descriptors()
{
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("run.json"));
    QProcess child;
    child.setChildProcessModifier([] {
        const rlimit limit{128, 128};
        setrlimit(RLIMIT_NOFILE, &limit);
    });
    child.start(QStringLiteral(POOLSCOPE_BINARY),
                {QStringLiteral("--headless"), QStringLiteral("--serve-metrics"), QStringLiteral("0"), QStringLiteral("--rate"),
                 QStringLiteral("10"), QStringLiteral("--cost"), QStringLiteral("0"), QStringLiteral("--duration"),
                 QStringLiteral("300"), QStringLiteral("--quiet"), QStringLiteral("--export-json"), json});
    QByteArray err;
    quint16 port = 0;
    QElapsedTimer waited;
    waited.start();
    while (port == 0 && waited.elapsed() < 30'000 && child.state() != QProcess::NotRunning) {
        child.waitForReadyRead(500);
        err += child.readAllStandardError();
        const qsizetype at = err.indexOf("serving metrics at http://127.0.0.1:");
        if (at >= 0 && err.indexOf("/metrics", at + 36) > 0)
            port = static_cast<quint16>(err.mid(at + 36, err.indexOf("/metrics", at + 36) - at - 36).toUInt());
    }
    QVERIFY2(port != 0, err.constData());

    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < 200; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(socket->waitForConnected(5000));
        idle.push_back(std::move(socket));
    }
    const auto cpuSeconds = [pid = child.processId()] {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            return -1.0;
        const QList<QByteArray> fields = stat.readAll().split(')').last().split(' ');
        return (fields.value(12).toDouble() + fields.value(13).toDouble()) / double(sysconf(_SC_CLK_TCK));
    };
    const double cpuBefore = cpuSeconds();
    int failures = 0;
    const double median = medianScrapeMs(port, failures);
    QTest::qSleep(1000); // the window in which a busy accept loop would show
    const double cpu = cpuSeconds() - cpuBefore;
    qInfo("200 idle connections, 128 descriptors: scrape %.2f ms (median of 5), server CPU %.2f s in ~1 s", median, cpu);
    QCOMPARE(failures, 0);
    QVERIFY2(median < 100, qPrintable(QString::number(median)));
    QVERIFY2(cpu < 0.5, qPrintable(QString::number(cpu)));
    // Beyond the cap (a quarter of 128) closed at once; the rest at the 30 s idle timeout.
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(idle.begin(), idle.end(), [](auto &s) { return closedByServer(*s); }), 60'000);

    // The end-of-run export still gets its descriptors (before: "Too many open files").
    QVERIFY(::kill(static_cast<pid_t>(child.processId()), SIGTERM) == 0);
    QVERIFY(child.waitForFinished(60'000));
    QCOMPARE(child.exitCode(), 0);
    QFile file(json);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(file.readAll()).object().contains(QStringLiteral("counters")));
}

QTEST_GUILESS_MAIN(TestMetricsAbuse)
#include "tst_metricsabuse.moc"
