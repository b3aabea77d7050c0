// IoService against real sockets and files: each completion kind's decode, a socket closed
// with reads outstanding, cancellation, exactly-once ownership of operation records, the
// counters' identity, and Q192800's two shutdowns with 1,000 operations outstanding.
// The test thread is the port's worker: it dequeues every packet itself, so nothing
// depends on how threads are paced.

#include "completionport.h"
#include "ioservice.h"
#include "iotesthelpers.h"
#include "testpoints.h"
#include "testprinters.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <sys/wait.h>

#include <csignal>

#include <array>
#include <atomic>
#include <cstring>
#include <future>
#include <latch>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace poolscope;
using namespace std::chrono_literals;
using iotest::Fd;
using iotest::verifyIdentity;

namespace {

struct BufferOp : IoOperation {
    std::array<std::byte, 256> buffer{};
};

std::span<const std::byte> bytesOf(const char *text)
{
    return {reinterpret_cast<const std::byte *>(text), std::strlen(text)};
}

// A port, its I/O service and one associated socket pair (key 3): where most tests start.
struct OnePair {
    explicit OnePair(IoServiceOptions options = {}) : io(port, options)
    {
        auto [mine, theirs] = iotest::socketPair();
        handle = io.associate(mine.release(), 3);
        peer = std::move(theirs);
    }
    CompletionPort port{1};
    IoService io;
    Fd peer;
    IoHandle handle;
};


} // namespace

class TestIoService : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void decode_data();
    void decode();
    void acceptDeliversTheNewSocket();
    void ioPacketsFollowLifoWakeConcurrencyAndBlockingScope();
    void socketClosedWithReadsOutstanding();
    void cancelOneOperation();
    void cancelEveryOperationOfAHandle();
    void aStartOvertakenByCloseNeverReachesTheReusedDescriptor();
    void aCancelForAnEarlierStartSparesTheNext();
    void secondStartOfALentRecordIsRefused();
    void claimIsExactlyOnce();
    void destroyingALentRecordAborts();
    void tooManyOutstandingIsRefused();
    void recordsReusedByWorkersCompleteExactlyOncePerStart();
    void gracefulShutdownDrainsThousandOutstanding();
    void fastShutdownCancelsThousandOutstanding();
    void gracefulShutdownReportsTheDeadline();
    void aStartJustBeforeTheShutdownStopsIsCountedInItsResult();
    void closedPortCountsUndeliveredAndReturnsTheRecord();
    void latencyIsRecordedPerCompletion();
};

void TestIoService::initTestCase()
{
    std::string why;
    if (!IoService::ioUringAvailable(&why))
        QSKIP(qPrintable(QStringLiteral("io_uring is not available here (%1): the I/O tests need it")
                             .arg(QString::fromStdString(why))));
}

// One row per way an operation can end, each against a real descriptor.
enum class Scenario {
    RecvBytes, RecvEndOfStream, RecvReset, SendBytes, SendBrokenPipe,
    ReadBytes, ReadAtEndOfFile, ReadOnWriteOnlyFile, WriteBytes,
};

void TestIoService::decode_data()
{
    QTest::addColumn<int>("scenario");
    QTest::addColumn<DequeueOutcome>("outcome");
    QTest::addColumn<quint32>("bytes");
    QTest::addColumn<quint32>("status");
    QTest::addColumn<int>("kind");

    QTest::newRow("recv: bytes") << int(Scenario::RecvBytes) << DequeueOutcome::BytesTransferred << 5u << 0u << int(IoKind::Recv);
    QTest::newRow("recv: peer shut down") << int(Scenario::RecvEndOfStream) << DequeueOutcome::EndOfStream << 0u << 0u << int(IoKind::Recv);
    QTest::newRow("recv: peer reset") << int(Scenario::RecvReset) << DequeueOutcome::IoFailed << 0u << quint32(ECONNRESET) << int(IoKind::Recv);
    QTest::newRow("send: bytes") << int(Scenario::SendBytes) << DequeueOutcome::BytesTransferred << 5u << 0u << int(IoKind::Send);
    QTest::newRow("send: peer closed") << int(Scenario::SendBrokenPipe) << DequeueOutcome::IoFailed << 0u << quint32(EPIPE) << int(IoKind::Send);
    QTest::newRow("read: bytes") << int(Scenario::ReadBytes) << DequeueOutcome::BytesTransferred << 5u << 0u << int(IoKind::Read);
    QTest::newRow("read: end of file") << int(Scenario::ReadAtEndOfFile) << DequeueOutcome::EndOfStream << 0u << 0u << int(IoKind::Read);
    QTest::newRow("read: write-only file") << int(Scenario::ReadOnWriteOnlyFile) << DequeueOutcome::IoFailed << 0u << quint32(EBADF) << int(IoKind::Read);
    QTest::newRow("write: bytes") << int(Scenario::WriteBytes) << DequeueOutcome::BytesTransferred << 5u << 0u << int(IoKind::Write);
}

void TestIoService::decode()
{
    QFETCH(int, scenario);
    QFETCH(DequeueOutcome, outcome);
    QFETCH(quint32, bytes);
    QFETCH(quint32, status);
    QFETCH(int, kind);

    CompletionPort port(1);
    IoService io(port);
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const std::string path = folder.filePath(QStringLiteral("data")).toStdString();
    BufferOp op;
    Fd peer;
    IoHandle handle;
    int rc = -1;

    switch (static_cast<Scenario>(scenario)) {
    case Scenario::RecvBytes:
    case Scenario::RecvEndOfStream:
    case Scenario::RecvReset: {
        auto [mine, theirs] = iotest::tcpPair();
        handle = io.associate(mine.release(), 7);
        peer = std::move(theirs);
        QCOMPARE(io.startRecv(handle, op, op.buffer), 0);
        if (static_cast<Scenario>(scenario) == Scenario::RecvBytes)
            QCOMPARE(::send(peer.get(), "hello", 5, MSG_NOSIGNAL), ssize_t(5));
        else if (static_cast<Scenario>(scenario) == Scenario::RecvEndOfStream)
            QCOMPARE(::shutdown(peer.get(), SHUT_WR), 0);
        else
            iotest::closeWithReset(peer);
        rc = 0;
        break;
    }
    case Scenario::SendBytes: {
        auto [mine, theirs] = iotest::socketPair();
        handle = io.associate(mine.release(), 7);
        peer = std::move(theirs);
        rc = io.startSend(handle, op, bytesOf("hello"));
        break;
    }
    case Scenario::SendBrokenPipe: {
        auto [mine, theirs] = iotest::socketPair();
        handle = io.associate(mine.release(), 7);
        theirs.reset();
        rc = io.startSend(handle, op, bytesOf("hello"));
        break;
    }
    case Scenario::ReadBytes:
    case Scenario::ReadAtEndOfFile: {
        Fd file(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        QCOMPARE(::write(file.get(), "hello", 5), ssize_t(5));
        handle = io.associate(file.release(), 7);
        const std::uint64_t offset = static_cast<Scenario>(scenario) == Scenario::ReadBytes ? 0 : 5;
        rc = io.startRead(handle, op, op.buffer, offset);
        break;
    }
    case Scenario::ReadOnWriteOnlyFile: {
        Fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        handle = io.associate(file.release(), 7);
        rc = io.startRead(handle, op, op.buffer, 0);
        break;
    }
    case Scenario::WriteBytes: {
        Fd file(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        handle = io.associate(file.release(), 7);
        rc = io.startWrite(handle, op, bytesOf("hello"), 0);
        break;
    }
    }
    QCOMPARE(rc, 0);

    const DequeueResult result = iotest::dequeueOne(port);
    QCOMPARE(result.outcome, outcome);
    QCOMPARE(result.packet.bytes, bytes);
    QCOMPARE(result.packet.status, status);
    QCOMPARE(result.packet.key, std::uintptr_t{7});
    QCOMPARE(IoOperation::claim(result.packet), static_cast<IoOperation *>(&op));
    QCOMPARE(int(op.kind()), kind);
    if (static_cast<Scenario>(scenario) == Scenario::RecvBytes)
        QCOMPARE(std::memcmp(op.buffer.data(), "hello", 5), 0);
    if (static_cast<Scenario>(scenario) == Scenario::WriteBytes) {
        char back[8] = {};
        Fd check(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        QCOMPARE(::read(check.get(), back, sizeof back), ssize_t(5));
        QCOMPARE(std::memcmp(back, "hello", 5), 0);
    }

    const IoSnapshot s = io.snapshot();
    const IoKindCounters &c = s.of(static_cast<IoKind>(kind));
    QCOMPARE(c.started, 1u);
    QCOMPARE(c.completed, outcome == DequeueOutcome::IoFailed ? 0u : 1u);
    QCOMPARE(c.failed, outcome == DequeueOutcome::IoFailed ? 1u : 0u);
    QCOMPARE(c.outstanding, 0u);
    QCOMPARE(s.bytesRead + s.bytesWritten, std::uint64_t{bytes});
    verifyIdentity(s);
}

void TestIoService::acceptDeliversTheNewSocket()
{
    CompletionPort port(1);
    IoService io(port);
    quint16 tcpPort = 0;
    Fd listener = iotest::listenLoopback(&tcpPort);
    IoHandle listening = io.associate(listener.release(), 1);
    IoOperation accept;
    QCOMPARE(io.startAccept(listening, accept), 0);
    Fd client = iotest::connectLoopback(tcpPort);

    const DequeueResult result = iotest::dequeueOne(port);
    // As AcceptEx without receive data: 0 bytes, told apart by the record's kind.
    QCOMPARE(result.outcome, DequeueOutcome::EndOfStream);
    QCOMPARE(IoOperation::claim(result.packet), &accept);
    QCOMPARE(accept.kind(), IoKind::Accept);
    Fd accepted(accept.acceptedSocket());
    QVERIFY(accepted.get() >= 0);
    QCOMPARE(::send(accepted.get(), "x", 1, MSG_NOSIGNAL), ssize_t(1));
    char c = 0;
    QCOMPARE(::recv(client.get(), &c, 1, 0), ssize_t(1));
    QCOMPARE(c, 'x');
    QCOMPARE(io.snapshot().of(IoKind::Accept).completed, 1u);
}

// I/O completions are packets like any other: the most recently parked waiter gets one, a
// full concurrency limit keeps the next queued, and a BlockingScope releases it.
void TestIoService::ioPacketsFollowLifoWakeConcurrencyAndBlockingScope()
{
    CompletionPort port(1);
    IoService io(port);
    auto [first, firstPeer] = iotest::socketPair();
    auto [second, secondPeer] = iotest::socketPair();
    IoHandle one = io.associate(first.release(), 1);
    IoHandle two = io.associate(second.release(), 2);
    BufferOp opOne, opTwo;
    QCOMPARE(io.startRecv(one, opOne, opOne.buffer), 0);
    QCOMPARE(io.startRecv(two, opTwo, opTwo.buffer), 0);

    std::atomic<std::uintptr_t> keyOfA{0}, keyOfB{0};
    CompletionPacket packetOfA, packetOfB; // read after the joins
    std::latch bBlocks(1), bDone(1);
    std::thread a([&] {
        packetOfA = port.dequeue(60s).packet;
        keyOfA = packetOfA.key;
        port.leave();
    });
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 1u, 30000); // A parks first
    std::thread b([&] {
        packetOfB = port.dequeue(60s).packet;
        keyOfB = packetOfB.key;
        bBlocks.wait();
        {
            BlockingScope blocked; // B stops counting against the limit: A may run
            bDone.wait();
        }
        port.leave();
    });
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 2u, 30000);

    QCOMPARE(::send(firstPeer.get(), "1", 1, MSG_NOSIGNAL), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(keyOfB.load(), std::uintptr_t{1}, 30000); // LIFO: B, parked last
    QCOMPARE(keyOfA.load(), std::uintptr_t{0});

    // B runs and the limit is 1: the second completion waits in the port, A stays parked.
    QCOMPARE(::send(secondPeer.get(), "2", 1, MSG_NOSIGNAL), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().queued, 1u, 30000);
    QCOMPARE(port.counters().parked, 1u);
    QCOMPARE(keyOfA.load(), std::uintptr_t{0});

    bBlocks.count_down();
    QTRY_COMPARE_WITH_TIMEOUT(keyOfA.load(), std::uintptr_t{2}, 30000);
    bDone.count_down();
    a.join();
    b.join();
    QCOMPARE(IoOperation::claim(packetOfB), &opOne);
    QCOMPARE(IoOperation::claim(packetOfA), &opTwo);
    QCOMPARE(io.snapshot().of(IoKind::Recv).completed, 2u);
}

void TestIoService::socketClosedWithReadsOutstanding()
{
    CompletionPort port(1);
    IoService io(port);
    auto [mine, peer] = iotest::tcpPair();
    IoHandle handle = io.associate(mine.release(), 3);
    constexpr int Reads = 8;
    std::array<BufferOp, Reads> ops;
    for (BufferOp &op : ops)
        QCOMPARE(io.startRecv(handle, op, op.buffer), 0);
    QCOMPARE(io.snapshot().total.outstanding, std::uint64_t{Reads});

    io.close(handle);
    QVERIFY(handle.isClosed());
    BufferOp late;
    QCOMPARE(io.startRecv(handle, late, late.buffer), EBADF); // refused, no packet

    std::map<IoOperation *, int> seen;
    for (int i = 0; i < Reads; ++i) {
        const DequeueResult result = iotest::dequeueOne(port);
        QCOMPARE(result.outcome, DequeueOutcome::IoFailed);
        QCOMPARE(result.packet.status, quint32(ECANCELED));
        IoOperation *op = IoOperation::claim(result.packet);
        QVERIFY(op != nullptr);
        ++seen[op];
    }
    QCOMPARE(int(seen.size()), Reads);
    for (const auto &[op, times] : seen)
        QCOMPARE(times, 1);
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Timeout); // nothing more

    const IoSnapshot s = io.snapshot();
    QCOMPARE(s.of(IoKind::Recv).cancelled, std::uint64_t{Reads});
    QCOMPARE(s.total.outstanding, 0u);
    QCOMPARE(s.refused, 1u);
    verifyIdentity(s);
    // The socket really is closed: the peer reads the end of the stream.
    char c = 0;
    QCOMPARE(::recv(peer.get(), &c, 1, 0), ssize_t(0));
}

void TestIoService::cancelOneOperation()
{
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp first, second;
    QVERIFY(!io.cancel(first)); // not lent: nothing to cancel
    QCOMPARE(io.startRecv(handle, first, first.buffer), 0);
    QCOMPARE(io.startRecv(handle, second, second.buffer), 0);
    QVERIFY(io.cancel(first));

    DequeueResult result = iotest::dequeueOne(port);
    QCOMPARE(result.outcome, DequeueOutcome::IoFailed);
    QCOMPARE(result.packet.status, quint32(ECANCELED));
    QCOMPARE(IoOperation::claim(result.packet), &first);
    QVERIFY(second.isLent()); // the other one is untouched

    QCOMPARE(::send(peer.get(), "abc", 3, MSG_NOSIGNAL), ssize_t(3));
    result = iotest::dequeueOne(port);
    QCOMPARE(result.outcome, DequeueOutcome::BytesTransferred);
    QCOMPARE(result.packet.bytes, 3u);
    QCOMPARE(IoOperation::claim(result.packet), &second);

    const IoSnapshot s = io.snapshot();
    QCOMPARE(s.of(IoKind::Recv).cancelled, 1u);
    QCOMPARE(s.of(IoKind::Recv).completed, 1u);
    verifyIdentity(s);
}

void TestIoService::cancelEveryOperationOfAHandle()
{
    CompletionPort port(1);
    IoService io(port);
    auto [a, aPeer] = iotest::socketPair();
    auto [b, bPeer] = iotest::socketPair();
    IoHandle handleA = io.associate(a.release(), 1);
    IoHandle handleB = io.associate(b.release(), 2);
    std::array<BufferOp, 4> onA;
    BufferOp onB;
    for (BufferOp &op : onA)
        QCOMPARE(io.startRecv(handleA, op, op.buffer), 0);
    QCOMPARE(io.startRecv(handleB, onB, onB.buffer), 0);

    io.cancel(handleA);
    for (int i = 0; i < 4; ++i) {
        const DequeueResult result = iotest::dequeueOne(port);
        QCOMPARE(result.packet.key, std::uintptr_t{1});
        QCOMPARE(result.packet.status, quint32(ECANCELED));
        QVERIFY(IoOperation::claim(result.packet) != nullptr);
    }
    QVERIFY(onB.isLent());
    QVERIFY(!handleA.isClosed()); // cancelled, not closed: it takes new operations
    QCOMPARE(io.startRecv(handleA, onA[0], onA[0].buffer), 0);
    QCOMPARE(::send(aPeer.get(), "a", 1, MSG_NOSIGNAL), ssize_t(1));
    QCOMPARE(::send(bPeer.get(), "b", 1, MSG_NOSIGNAL), ssize_t(1));
    for (int i = 0; i < 2; ++i) {
        const DequeueResult result = iotest::dequeueOne(port);
        QCOMPARE(result.outcome, DequeueOutcome::BytesTransferred);
        QVERIFY(IoOperation::claim(result.packet) != nullptr);
    }
    const IoSnapshot s = io.snapshot();
    QCOMPARE(s.of(IoKind::Recv).cancelled, 4u);
    QCOMPARE(s.of(IoKind::Recv).completed, 2u);
    verifyIdentity(s);
}

// A start that passed its checks, then was overtaken by close(): the ring thread has closed
// the descriptor, and the number is reused by a new socket, before the record reaches it.
// The record must complete cancelled without touching the new socket.
void TestIoService::aStartOvertakenByCloseNeverReachesTheReusedDescriptor()
{
    std::atomic<int> closed{0}; // outlives the points' reset and the ring thread
    testpoints::Scope points;
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    testpoints::onReach("ioservice.ring.descriptorClosed", [&](int) { closed.fetch_add(1); });
    testpoints::pauseAt("ioservice.start.beforePublish");
    BufferOp op;
    std::atomic<int> rc{-1};
    std::thread starter([&] { rc = io.startRecv(handle, op, op.buffer); });
    QVERIFY(testpoints::waitUntilPaused("ioservice.start.beforePublish", 30s));

    const int oldNumber = handle.fd();
    io.close(handle);
    QTRY_COMPARE_WITH_TIMEOUT(closed.load(), 1, 30000);
    auto [reused, reusedPeer] = iotest::socketPair(); // most likely takes the freed number
    testpoints::release("ioservice.start.beforePublish");
    starter.join();
    QCOMPARE(rc.load(), 0); // accepted: it passed the checks before the close

    const DequeueResult result = iotest::dequeueOne(port);
    QCOMPARE(result.outcome, DequeueOutcome::IoFailed);
    QCOMPARE(result.packet.status, quint32(ECANCELED));
    QCOMPARE(IoOperation::claim(result.packet), &op);
    // Whichever socket has the old number now, its data was not taken by the late record.
    QCOMPARE(::send(reusedPeer.get(), "x", 1, MSG_NOSIGNAL), ssize_t(1));
    char c = 0;
    QCOMPARE(::recv(reused.get(), &c, 1, MSG_DONTWAIT), ssize_t(1));
    QCOMPARE(c, 'x');
    if (reused.get() != oldNumber)
        qInfo("the freed descriptor number was not reused this time (%d, new %d)", oldNumber, reused.get());
    QCOMPARE(io.snapshot().of(IoKind::Recv).cancelled, 1u);
    verifyIdentity(io.snapshot());
}

// cancel(op) takes the start's generation; that start finishes and the record is started
// again before the cancel reaches the ring. The cancel must miss the new start.
void TestIoService::aCancelForAnEarlierStartSparesTheNext()
{
    std::atomic<int> cancelsReaped{0}; // outlives the points' reset and the ring thread
    testpoints::Scope points;
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp op;
    QCOMPARE(io.startRecv(handle, op, op.buffer), 0);
    testpoints::onReach("ioservice.ring.cancelReaped", [&](int) { cancelsReaped.fetch_add(1); });
    testpoints::pauseAt("ioservice.cancel.generationTaken");
    std::atomic<bool> cancelled{false};
    std::thread canceller([&] { cancelled = io.cancel(op); });
    QVERIFY(testpoints::waitUntilPaused("ioservice.cancel.generationTaken", 30s));

    QCOMPARE(::send(peer.get(), "a", 1, MSG_NOSIGNAL), ssize_t(1));
    DequeueResult result = iotest::dequeueOne(port);
    QCOMPARE(result.outcome, DequeueOutcome::BytesTransferred);
    QCOMPARE(IoOperation::claim(result.packet), &op);
    QCOMPARE(io.startRecv(handle, op, op.buffer), 0); // the next start of the same record

    testpoints::release("ioservice.cancel.generationTaken");
    canceller.join();
    QVERIFY(cancelled.load()); // it was outstanding when asked
    QTRY_COMPARE_WITH_TIMEOUT(cancelsReaped.load(), 1, 30000); // the kernel has seen the cancel
    QVERIFY(op.isLent());
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Timeout);

    QCOMPARE(::send(peer.get(), "b", 1, MSG_NOSIGNAL), ssize_t(1));
    result = iotest::dequeueOne(port);
    QCOMPARE(result.outcome, DequeueOutcome::BytesTransferred); // not cancelled
    QCOMPARE(IoOperation::claim(result.packet), &op);
    QCOMPARE(io.snapshot().of(IoKind::Recv).cancelled, 0u);
}

void TestIoService::secondStartOfALentRecordIsRefused()
{
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp op;
    QCOMPARE(io.startRecv(handle, op, op.buffer), 0);
    QCOMPARE(io.startRecv(handle, op, op.buffer), EBUSY);
    QCOMPARE(io.startSend(handle, op, bytesOf("x")), EBUSY);
    QCOMPARE(::send(peer.get(), "abcdef", 6, MSG_NOSIGNAL), ssize_t(6));

    const DequeueResult result = iotest::dequeueOne(port);
    QCOMPARE(result.packet.bytes, 6u); // the first start, whole
    // Completed but not yet claimed: still lent, still refused.
    QVERIFY(op.isLent());
    QCOMPARE(io.startRecv(handle, op, op.buffer), EBUSY);
    QCOMPARE(IoOperation::claim(result.packet), &op);
    QVERIFY(!op.isLent());
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Timeout); // one packet only
    const IoSnapshot s = io.snapshot();
    QCOMPARE(s.refused, 3u);
    QCOMPARE(s.total.started, 1u);
    verifyIdentity(s);
}

void TestIoService::claimIsExactlyOnce()
{
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp op;
    QCOMPARE(io.startSend(handle, op, bytesOf("x")), 0);
    const DequeueResult result = iotest::dequeueOne(port);
    QCOMPARE(IoOperation::claim(result.packet), &op);
    QCOMPARE(IoOperation::claim(result.packet), nullptr);
    QCOMPARE(IoOperation::claim(CompletionPacket{}), nullptr); // a posted packet carries no record
}

// A lent record may still be written by the kernel: destroying it must stop the process
// there and then, in every build type. Checked in a child process.
void TestIoService::destroyingALentRecordAborts()
{
#if defined(__SANITIZE_THREAD__)
    QSKIP("TSan does not support starting threads in the child of a multi-threaded fork");
#endif
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        ::alarm(30); // a hang ends as SIGALRM, which fails the test below
        ::close(STDERR_FILENO); // the abort's message is expected; keep the log clean
        CompletionPort port(1);
        IoService io(port);
        int sv[2] = {-1, -1};
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            ::_exit(3);
        IoHandle handle = io.associate(sv[0], 1);
        auto *op = new BufferOp;
        if (io.startRecv(handle, *op, op->buffer) != 0)
            ::_exit(4);
        delete op; // outstanding: must abort here
        ::_exit(0);
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFSIGNALED(status), qPrintable(QStringLiteral("child exited with %1").arg(WEXITSTATUS(status))));
    QCOMPARE(WTERMSIG(status), SIGABRT);
}

void TestIoService::tooManyOutstandingIsRefused()
{
    IoServiceOptions options;
    options.maxOutstanding = 4;
    OnePair rig(options);
    auto &[port, io, peer, handle] = rig;
    std::array<BufferOp, 5> ops;
    for (std::size_t i = 0; i < 4; ++i)
        QCOMPARE(io.startRecv(handle, ops[i], ops[i].buffer), 0);
    QCOMPARE(io.startRecv(handle, ops[4], ops[4].buffer), EAGAIN);
    QVERIFY(!ops[4].isLent());
    QCOMPARE(io.snapshot().refused, 1u);
    QCOMPARE(io.snapshot().peakOutstanding, 4u);
    io.close(handle);
    for (int i = 0; i < 4; ++i)
        QVERIFY(IoOperation::claim(iotest::dequeueOne(port).packet) != nullptr);
}

// Two worker threads dequeue and restart records (file reads: they finish at once) while
// the test thread shuts down fast in the middle. Every start yields exactly one packet.
void TestIoService::recordsReusedByWorkersCompleteExactlyOncePerStart()
{
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const std::string path = folder.filePath(QStringLiteral("blocks")).toStdString();
    {
        Fd file(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        std::vector<char> block(64 * 1024, 'z');
        QCOMPARE(::write(file.get(), block.data(), block.size()), ssize_t(block.size()));
    }
    CompletionPort port(2);
    auto io = std::make_unique<IoService>(port);
    IoHandle file = io->associate(::open(path.c_str(), O_RDONLY | O_CLOEXEC), 9);

    struct CountedOp : BufferOp {
        std::atomic<int> starts{0};
        std::atomic<int> packets{0};
    };
    constexpr int Records = 32;
    constexpr int RestartsBeforeShutdown = 2000;
    std::vector<std::unique_ptr<CountedOp>> records;
    for (int i = 0; i < Records; ++i)
        records.push_back(std::make_unique<CountedOp>());
    std::atomic<int> packets{0};
    std::atomic<bool> duplicate{false};
    std::promise<void> halfway;
    std::atomic<bool> halfwaySignalled{false};

    auto worker = [&] {
        for (;;) {
            const DequeueResult result = port.dequeue(30s);
            if (!result.hasPacket())
                return; // closed (or a lost packet: the counts below catch it)
            auto *op = static_cast<CountedOp *>(IoOperation::claim(result.packet));
            if (op == nullptr) {
                duplicate = true;
                continue;
            }
            op->packets.fetch_add(1);
            const int total = packets.fetch_add(1) + 1;
            if (total == RestartsBeforeShutdown && !halfwaySignalled.exchange(true))
                halfway.set_value();
            const auto offset = static_cast<std::uint64_t>((total % 64) * 1024);
            if (io->startRead(file, *op, op->buffer, offset) == 0)
                op->starts.fetch_add(1);
        }
    };
    for (auto &op : records) {
        QCOMPARE(io->startRead(file, *op, op->buffer, 0), 0);
        op->starts.fetch_add(1);
    }
    std::thread a(worker), b(worker);
    QVERIFY(halfway.get_future().wait_for(60s) == std::future_status::ready);
    const IoShutdownResult shut = io->shutdown(IoShutdownMode::Fast, 60s);
    QVERIFY(!shut.deadlineMissed);
    // Nothing outstanding: every packet is in the port or being handled. Close it to stop
    // the workers once they have taken what is queued.
    const IoSnapshot s = io->snapshot();
    QCOMPARE(s.total.outstanding, 0u);
    for (const CompletionPacket &packet : port.close()) {
        auto *op = static_cast<CountedOp *>(IoOperation::claim(packet));
        QVERIFY(op != nullptr);
        op->packets.fetch_add(1);
        packets.fetch_add(1);
    }
    a.join();
    b.join();

    QVERIFY(!duplicate);
    int starts = 0;
    for (auto &op : records) {
        QCOMPARE(op->packets.load(), op->starts.load());
        QVERIFY(!op->isLent());
        starts += op->starts.load();
    }
    QCOMPARE(packets.load(), starts);
    QCOMPARE(s.total.started, std::uint64_t(starts));
    QCOMPARE(s.of(IoKind::Read).completed + s.of(IoKind::Read).cancelled + s.of(IoKind::Read).failed,
             std::uint64_t(starts));
    verifyIdentity(s);
    QCOMPARE(io->snapshot().total.started, s.total.started); // no start got in after the shutdown
    io.reset();
}

namespace {
// 1,000 recvs outstanding: 100 socket pairs, 10 one-byte reads on each.
struct ThousandReads {
    static constexpr int Pairs = 100;
    static constexpr int ReadsPerPair = 10;
    static constexpr int Count = Pairs * ReadsPerPair;
    struct OneByteOp : IoOperation {
        std::byte byte{};
    };
    std::vector<Fd> peers;
    std::vector<IoHandle> handles;
    std::vector<std::unique_ptr<OneByteOp>> ops;

    void start(IoService &io)
    {
        for (int p = 0; p < Pairs; ++p) {
            auto [mine, peer] = iotest::socketPair();
            handles.push_back(io.associate(mine.release(), static_cast<std::uintptr_t>(100 + p)));
            peers.push_back(std::move(peer));
            for (int r = 0; r < ReadsPerPair; ++r) {
                ops.push_back(std::make_unique<OneByteOp>());
                OneByteOp &op = *ops.back();
                QCOMPARE(io.startRecv(handles.back(), op, std::span<std::byte>(&op.byte, 1)), 0);
            }
        }
    }
};
} // namespace

void TestIoService::gracefulShutdownDrainsThousandOutstanding()
{
    CompletionPort port(1);
    IoServiceOptions options;
    options.maxOutstanding = 2048;
    IoService io(port, options);
    ThousandReads reads;
    reads.start(io);
    QCOMPARE(io.snapshot().total.outstanding, std::uint64_t{ThousandReads::Count});

    auto shutdown = std::async(std::launch::async, [&] { return io.shutdown(IoShutdownMode::Graceful, 120s); });
    // Wait for the shutdown to have stopped issuing (a state, not a pace), then prove it.
    QTRY_VERIFY_WITH_TIMEOUT(!io.snapshot().accepting, 30000);
    ThousandReads::OneByteOp refused;
    QCOMPARE(io.startRecv(reads.handles.front(), refused, std::span<std::byte>(&refused.byte, 1)), ESHUTDOWN);
    QVERIFY(shutdown.wait_for(0s) != std::future_status::ready); // it waits for the 1,000

    const char ten[ThousandReads::ReadsPerPair] = {};
    for (Fd &peer : reads.peers)
        QCOMPARE(::send(peer.get(), ten, sizeof ten, MSG_NOSIGNAL), ssize_t(sizeof ten));
    for (int i = 0; i < ThousandReads::Count; ++i) {
        const DequeueResult result = iotest::dequeueOne(port);
        QCOMPARE(result.outcome, DequeueOutcome::BytesTransferred);
        QVERIFY(IoOperation::claim(result.packet) != nullptr);
    }
    const IoShutdownResult result = shutdown.get();
    QCOMPARE(result.outstandingAtStart, std::uint64_t{ThousandReads::Count});
    QCOMPARE(result.completed, std::uint64_t{ThousandReads::Count});
    QCOMPARE(result.cancelled, 0u);
    QCOMPARE(result.failed, 0u);
    QCOMPARE(result.stillOutstanding, 0u);
    QVERIFY(!result.deadlineMissed);
    const IoSnapshot s = io.snapshot();
    QCOMPARE(s.bytesRead, std::uint64_t{ThousandReads::Count});
    verifyIdentity(s);
}

void TestIoService::fastShutdownCancelsThousandOutstanding()
{
    CompletionPort port(1);
    IoServiceOptions options;
    options.maxOutstanding = 2048;
    IoService io(port, options);
    ThousandReads reads;
    reads.start(io);

    const IoShutdownResult result = io.shutdown(IoShutdownMode::Fast, 120s);
    QCOMPARE(result.outstandingAtStart, std::uint64_t{ThousandReads::Count});
    QCOMPARE(result.cancelled, std::uint64_t{ThousandReads::Count});
    QCOMPARE(result.completed, 0u);
    QCOMPARE(result.stillOutstanding, 0u);
    QVERIFY(!result.deadlineMissed);

    std::map<IoOperation *, int> seen;
    for (int i = 0; i < ThousandReads::Count; ++i) {
        const DequeueResult packet = iotest::dequeueOne(port);
        QCOMPARE(packet.outcome, DequeueOutcome::IoFailed);
        QCOMPARE(packet.packet.status, quint32(ECANCELED));
        IoOperation *op = IoOperation::claim(packet.packet);
        QVERIFY(op != nullptr);
        ++seen[op];
    }
    QCOMPARE(int(seen.size()), ThousandReads::Count);
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Timeout);
    QCOMPARE(io.startRecv(reads.handles.front(), *reads.ops.front(),
                          std::span<std::byte>(&reads.ops.front()->byte, 1)),
             ESHUTDOWN);
    const IoSnapshot s = io.snapshot();
    QCOMPARE(s.of(IoKind::Recv).cancelled, std::uint64_t{ThousandReads::Count});
    verifyIdentity(s);
}

void TestIoService::gracefulShutdownReportsTheDeadline()
{
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp op;
    QCOMPARE(io.startRecv(handle, op, op.buffer), 0);
    // Nobody writes: the read cannot finish, so the (short) deadline is the behaviour.
    const IoShutdownResult graceful = io.shutdown(IoShutdownMode::Graceful, 20ms);
    QVERIFY(graceful.deadlineMissed);
    QCOMPARE(graceful.stillOutstanding, 1u);
    QVERIFY(graceful.elapsed >= 20ms);
    // A fast shutdown after it finishes the job.
    const IoShutdownResult fast = io.shutdown(IoShutdownMode::Fast, 60s);
    QCOMPARE(fast.cancelled, 1u);
    QVERIFY(!fast.deadlineMissed);
    QCOMPARE(IoOperation::claim(iotest::dequeueOne(port).packet), &op);
}

// A start that lands after the shutdown took its first count but before it stopped issuing
// is drained with the rest, and the result counts it: what the shutdown finished adds up to
// what it reports as outstanding (a session's drain summary showed 4 outstanding and 5
// completed before).
void TestIoService::aStartJustBeforeTheShutdownStopsIsCountedInItsResult()
{
    testpoints::Scope scope;
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp first;
    BufferOp late;
    QCOMPARE(io.startRecv(handle, first, first.buffer), 0);

    testpoints::pauseAt("ioservice.shutdown.snapshotTaken");
    auto shutdown = std::async(std::launch::async, [&] { return io.shutdown(IoShutdownMode::Fast, 60s); });
    QVERIFY(testpoints::waitUntilPaused("ioservice.shutdown.snapshotTaken", 30s));
    QCOMPARE(io.startRecv(handle, late, late.buffer), 0); // still issuing
    testpoints::release("ioservice.shutdown.snapshotTaken");
    const IoShutdownResult result = shutdown.get();

    QCOMPARE(result.outstandingAtStart, 2u);
    QCOMPARE(result.cancelled, 2u);
    QCOMPARE(result.completed + result.failed + result.cancelled + result.stillOutstanding, result.outstandingAtStart);
    QVERIFY(!result.deadlineMissed);
    for (int i = 0; i < 2; ++i)
        QVERIFY(IoOperation::claim(iotest::dequeueOne(port).packet) != nullptr);
    verifyIdentity(io.snapshot());
}

void TestIoService::closedPortCountsUndeliveredAndReturnsTheRecord()
{
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp op;
    QCOMPARE(io.startRecv(handle, op, op.buffer), 0);
    QVERIFY(port.close().empty());
    QCOMPARE(::send(peer.get(), "x", 1, MSG_NOSIGNAL), ssize_t(1));
    // The completion has nowhere to go: counted, and the record is its owner's again.
    QTRY_COMPARE_WITH_TIMEOUT(io.snapshot().undelivered, 1u, 30000);
    QVERIFY(!op.isLent());
    QCOMPARE(io.snapshot().of(IoKind::Recv).completed, 1u);
}

void TestIoService::latencyIsRecordedPerCompletion()
{
    OnePair rig;
    auto &[port, io, peer, handle] = rig;
    BufferOp op;
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(io.startSend(handle, op, bytesOf("abc")), 0);
        QCOMPARE(IoOperation::claim(iotest::dequeueOne(port).packet), &op);
    }
    LatencyHistogram latency;
    io.addLatencyHistogram(latency);
    QCOMPARE(latency.count(), 5u);
    QVERIFY(latency.max() > 0);
    QCOMPARE(io.snapshot().bytesWritten, 15u);
}

QTEST_GUILESS_MAIN(TestIoService)
#include "tst_ioservice.moc"
