// The I/O load drivers on a real port: the loopback echo server (byte counts that match the
// clients' exactly, resets and refusals counted, a stop with connections open) and file
// reads from a scratch file (every byte counted, the file made and removed, or a clear error).

#include "completionport.h"
#include "echoclients.h"
#include "echoserver.h"
#include "filereadload.h"
#include "ioservice.h"
#include "ioworkerthreads.h"
#include "iotesthelpers.h"
#include "testprinters.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

using namespace poolscope;
using namespace std::chrono_literals;
using iotest::Fd;
using iotest::verifyIdentity;

namespace {

// A port, its I/O service and two worker threads, torn down in the right order: the
// drivers first (by the test), then the workers, then the service, then the port.
struct Rig {
    CompletionPort port{2};
    IoService io{port};
    IoWorkerThreads workers{port, 2};
};

} // namespace

class TestIoLoad : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void echoByteCountsMatchTheClients_data();
    void echoByteCountsMatchTheClients();
    void refusedConnectionsAreCounted();
    void aResetIsCountedAndTheServerGoesOn();
    void stopWithConnectionsOpenReturnsEveryRecord();
    void fastShutdownUnderEchoLoad();
    void fileReadsCountEveryByte();
    void fileLoadStopsMidway();
    void scratchFileIsRemoved();
    void scratchFileThatCannotBeMade_data();
    void scratchFileThatCannotBeMade();
};

void TestIoLoad::initTestCase()
{
    std::string why;
    if (!IoService::ioUringAvailable(&why))
        QSKIP(qPrintable(QStringLiteral("io_uring is not available here (%1): the I/O tests need it")
                             .arg(QString::fromStdString(why))));
}

void TestIoLoad::echoByteCountsMatchTheClients_data()
{
    QTest::addColumn<unsigned>("connections");
    QTest::addColumn<quint32>("messageBytes");
    QTest::addColumn<quint64>("messages");
    QTest::addColumn<double>("rate");
    QTest::addColumn<qint64>("thinkMicroseconds");
    QTest::addColumn<qint64>("costMicroseconds");

    QTest::newRow("8 connections, 1 KB, as fast as possible") << 8u << 1000u << quint64(200) << 0.0 << qint64(0) << qint64(0);
    QTest::newRow("one connection, 1 byte") << 1u << 1u << quint64(500) << 0.0 << qint64(0) << qint64(0);
    // Larger than the server's 16 KiB buffer and the socket buffers: echoed in pieces,
    // with full buffers on both sides.
    QTest::newRow("4 connections, 300 KB messages") << 4u << 300'000u << quint64(5) << 0.0 << qint64(0) << qint64(0);
    QTest::newRow("rate, think time and a CPU cost") << 3u << 64u << quint64(30) << 3000.0 << qint64(100) << qint64(50);
}

void TestIoLoad::echoByteCountsMatchTheClients()
{
    QFETCH(unsigned, connections);
    QFETCH(quint32, messageBytes);
    QFETCH(quint64, messages);
    QFETCH(double, rate);
    QFETCH(qint64, thinkMicroseconds);
    QFETCH(qint64, costMicroseconds);

    Rig rig;
    EchoServerOptions serverOptions;
    serverOptions.costPerMessage = std::chrono::microseconds(costMicroseconds);
    EchoServer server(rig.io, serverOptions);

    EchoClientOptions options;
    options.port = server.port();
    options.connections = connections;
    options.messageBytes = messageBytes;
    options.messagesPerConnection = messages;
    options.messagesPerSecond = rate;
    options.thinkTime = std::chrono::microseconds(thinkMicroseconds);
    options.duration = 120s; // a bound, not a pace: the run ends at its message count
    const EchoClientResult result = runEchoClients(options);

    QVERIFY2(result.error.empty(), result.error.c_str());
    const std::uint64_t expectedBytes = std::uint64_t{connections} * messages * messageBytes;
    QCOMPARE(result.connected, std::uint64_t{connections});
    QCOMPARE(result.messagesEchoed, std::uint64_t{connections} * messages);
    QCOMPARE(result.bytesSent, expectedBytes);
    QCOMPARE(result.bytesReceived, expectedBytes);
    QCOMPARE(result.mismatches, 0u);
    QCOMPARE(result.resets + result.earlyCloses + result.otherErrors + result.connectFailures, 0u);
    QCOMPARE(result.roundTrip.count(), result.messagesEchoed);

    // The clients closed: the server sees each end of stream and closes its side.
    QTRY_COMPARE_WITH_TIMEOUT(server.counters().closed, std::uint64_t{connections}, 60000);
    server.stop();
    QVERIFY(server.waitUntilStopped(60s));
    const EchoServerCounters counters = server.counters();
    QCOMPARE(counters.accepted, std::uint64_t{connections});
    QCOMPARE(counters.bytesEchoed, expectedBytes);
    QCOMPARE(counters.resets + counters.otherFailures + counters.acceptFailures, 0u);
    QVERIFY(counters.messages >= result.messagesEchoed); // a message may arrive in pieces

    const IoSnapshot s = rig.io.snapshot();
    QCOMPARE(s.bytesRead, expectedBytes);
    QCOMPARE(s.bytesWritten, expectedBytes);
    QCOMPARE(s.of(IoKind::Accept).completed, std::uint64_t{connections});
    QCOMPARE(s.total.outstanding, 0u);
    verifyIdentity(s);
}

void TestIoLoad::refusedConnectionsAreCounted()
{
    quint16 closedPort = 0;
    { Fd listener = iotest::listenLoopback(&closedPort); } // nobody listens there any more
    EchoClientOptions options;
    options.port = closedPort;
    options.connections = 3;
    options.duration = 30s;
    const EchoClientResult result = runEchoClients(options);
    QVERIFY(result.error.empty());
    QCOMPARE(result.connectFailures, 3u);
    QCOMPARE(result.connected, 0u);
    QCOMPARE(result.messagesSent, 0u);
}

void TestIoLoad::aResetIsCountedAndTheServerGoesOn()
{
    Rig rig;
    EchoServer server(rig.io);
    {
        Fd rude = iotest::connectLoopback(server.port());
        QTRY_COMPARE_WITH_TIMEOUT(server.counters().accepted, 1u, 60000);
        iotest::closeWithReset(rude);
    }
    QTRY_COMPARE_WITH_TIMEOUT(server.counters().closed, 1u, 60000);
    QCOMPARE(server.counters().resets, 1u);

    // The next client is served as if nothing happened.
    EchoClientOptions options;
    options.port = server.port();
    options.messagesPerConnection = 10;
    options.duration = 60s;
    const EchoClientResult result = runEchoClients(options);
    QCOMPARE(result.messagesEchoed, 10u);
    server.stop();
    QVERIFY(server.waitUntilStopped(60s));
}

void TestIoLoad::stopWithConnectionsOpenReturnsEveryRecord()
{
    Rig rig;
    EchoServer server(rig.io);
    std::vector<Fd> idle;
    for (int i = 0; i < 5; ++i)
        idle.push_back(iotest::connectLoopback(server.port()));
    QTRY_COMPARE_WITH_TIMEOUT(server.counters().accepted, 5u, 60000);
    // Each connection has a recv outstanding that no data will finish: stop cancels them.
    QTRY_COMPARE_WITH_TIMEOUT(rig.io.snapshot().of(IoKind::Recv).outstanding, 5u, 60000);
    server.stop();
    QVERIFY(server.waitUntilStopped(60s));
    QCOMPARE(server.counters().closed, 5u);
    QCOMPARE(server.counters().otherFailures, 0u);
    const IoSnapshot s = rig.io.snapshot();
    QCOMPARE(s.total.outstanding, 0u);
    QCOMPARE(s.of(IoKind::Recv).cancelled, 5u);
    verifyIdentity(s);
    for (Fd &client : idle) {
        char c = 0;
        QCOMPARE(::recv(client.get(), &c, 1, 0), ssize_t(0)); // the server closed its side
    }
}

// Q192800's fast shutdown with clients in full flight: every operation cancelled or done,
// every record back, every client connection ended and counted, nothing hangs.
void TestIoLoad::fastShutdownUnderEchoLoad()
{
    Rig rig;
    EchoServer server(rig.io);
    EchoClientOptions options;
    options.port = server.port();
    options.connections = 16;
    options.messageBytes = 512;
    options.duration = 120s; // a bound: the shutdown ends the run long before
    std::atomic<bool> stopClients{false};
    EchoClientResult result;
    std::thread clients([&] { result = runEchoClients(options, &stopClients); });

    QTRY_VERIFY_WITH_TIMEOUT(server.counters().messages >= 200, 60000);
    const IoShutdownResult shut = rig.io.shutdown(IoShutdownMode::Fast, 60s);
    QVERIFY(!shut.deadlineMissed);
    QCOMPARE(shut.stillOutstanding, 0u);
    QVERIFY(shut.cancelled >= 1); // at least the listener's accepts
    QVERIFY(server.waitUntilStopped(60s)); // the handlers saw their starts refused and closed
    clients.join(); // each connection ends when the server closes it
    stopClients = true;

    QCOMPARE(result.connected, 16u);
    QCOMPARE(result.earlyCloses + result.resets + result.otherErrors, 16u);
    QCOMPARE(result.mismatches, 0u);
    QVERIFY(result.bytesReceived <= result.bytesSent);
    const IoSnapshot s = rig.io.snapshot();
    QCOMPARE(s.total.outstanding, 0u);
    QCOMPARE(s.bytesWritten, server.counters().bytesEchoed);
    // A reset may discard echoed bytes still in a client's socket buffer: at most, not exactly.
    QVERIFY(result.bytesReceived <= s.bytesWritten);
    verifyIdentity(s);
}

void TestIoLoad::fileReadsCountEveryByte()
{
    QTemporaryDir parent;
    QVERIFY(parent.isValid());
    ScratchFile file(1 << 20, parent.path().toStdString());
    Rig rig;
    FileReadOptions options;
    options.blockBytes = 4096;
    options.readsOutstanding = 8;
    options.maxReads = 1000;
    FileReadLoad load(rig.io, file, options);
    load.start();
    QVERIFY(load.waitUntilStopped(120s)); // maxReads ends it
    const FileReadCounters c = load.counters();
    QCOMPARE(c.reads, 1000u);
    QCOMPARE(c.bytes, 1000u * 4096u);
    QCOMPARE(c.mismatches, 0u);
    QCOMPARE(c.failures + c.cancelled, 0u);
    const IoSnapshot s = rig.io.snapshot();
    QCOMPARE(s.of(IoKind::Read).completed, 1000u);
    QCOMPARE(s.bytesRead, 1000u * 4096u);
    verifyIdentity(s);
}

void TestIoLoad::fileLoadStopsMidway()
{
    ScratchFile file(256 * 1024);
    Rig rig;
    FileReadOptions options;
    options.blockBytes = 512;
    options.readsOutstanding = 16;
    FileReadLoad load(rig.io, file, options);
    load.start();
    QTRY_VERIFY_WITH_TIMEOUT(load.counters().reads >= 100, 60000);
    load.stop();
    QVERIFY(load.waitUntilStopped(60s));
    const FileReadCounters c = load.counters();
    QCOMPARE(c.failures, 0u);
    QCOMPARE(c.mismatches, 0u);
    QCOMPARE(rig.io.snapshot().total.outstanding, 0u);
    QCOMPARE(rig.io.snapshot().bytesRead, c.bytes);
}

void TestIoLoad::scratchFileIsRemoved()
{
    QTemporaryDir parent;
    QVERIFY(parent.isValid());
    std::filesystem::path folder, path;
    {
        ScratchFile file(10'000, parent.path().toStdString());
        folder = file.folder();
        path = file.path();
        QCOMPARE(std::filesystem::file_size(path), 10'000u);
        QVERIFY(folder.parent_path() == std::filesystem::path(parent.path().toStdString()));
    }
    QVERIFY(!std::filesystem::exists(path));
    QVERIFY(!std::filesystem::exists(folder));
    QVERIFY(std::filesystem::is_empty(parent.path().toStdString()));
}

void TestIoLoad::scratchFileThatCannotBeMade_data()
{
    QTest::addColumn<QString>("parent");
    QTest::newRow("missing folder") << QStringLiteral("missing/deeper");
    QTest::newRow("a file, not a folder") << QStringLiteral("plain-file");
    QTest::newRow("a folder nobody may write (/proc)") << QStringLiteral("/proc");
}

void TestIoLoad::scratchFileThatCannotBeMade()
{
    QFETCH(QString, parent);
    QTemporaryDir base;
    QVERIFY(base.isValid());
    std::ofstream(base.filePath(QStringLiteral("plain-file")).toStdString()) << "x";
    const std::string where = parent.startsWith('/') ? parent.toStdString() : base.filePath(parent).toStdString();
    bool threw = false;
    try {
        ScratchFile file(4096, where);
    } catch (const std::system_error &error) {
        threw = true;
        QVERIFY2(std::string(error.what()).find(where) != std::string::npos, error.what()); // names the path
    }
    QVERIFY(threw);
    QStringList left = QDir(base.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries);
    left.removeAll(QStringLiteral("plain-file"));
    QVERIFY2(left.isEmpty(), qPrintable(left.join(',')));
}

QTEST_GUILESS_MAIN(TestIoLoad)
#include "tst_ioload.moc"
