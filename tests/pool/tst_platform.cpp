// pool/internal/platform.h: the OS calls behind one door. A white-box suite (it includes an
// internal header; tests/pool/CMakeLists.txt lists it). Each test checks what the caller
// relies on, against the OS's own view (the thread's name read back, the signal mask, errno).

#include "platform.h"

#include <QtTest>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <future>
#include <string>
#include <thread>

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace poolscope;

namespace {

std::string nameOf(pthread_t thread)
{
    char name[32] = {};
    pthread_getname_np(thread, name, sizeof name);
    return name;
}

bool sigpipeBlockedHere()
{
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    return sigismember(&mask, SIGPIPE) == 1;
}

} // namespace

class TestPlatform : public QObject {
    Q_OBJECT

private slots:
    void threadNameKeepsItsNumber_data();
    void threadNameKeepsItsNumber();
    void namesAThreadTheCallerOwns();
    void umaskIsReadWithoutChangingIt();
    void randomBytesAreFilledAndDiffer();
    void sigpipeBecomesEpipeAndTheMaskComesBack();
};

void TestPlatform::threadNameKeepsItsNumber_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("kept");
    QTest::newRow("fits") << QStringLiteral("pool-worker-7") << QStringLiteral("pool-worker-7");
    QTest::newRow("exactly 15") << QStringLiteral("pool-worker-123") << QStringLiteral("pool-worker-123");
    QTest::newRow("long prefix: the number stays") << QStringLiteral("a-rather-long-prefix-42") << QStringLiteral("a-rather-lon-42");
    QTest::newRow("no dash: cut") << QStringLiteral("averyveryverylongname") << QStringLiteral("averyveryverylo");
    QTest::newRow("a tail too long to keep: cut") << QStringLiteral("x-averyveryverylongtail") << QStringLiteral("x-averyveryvery");
}

void TestPlatform::threadNameKeepsItsNumber()
{
    QFETCH(QString, name);
    QFETCH(QString, kept);
    std::string seen;
    std::thread thread([&] {
        platform::nameCurrentThread(name.toStdString());
        seen = nameOf(pthread_self());
    });
    thread.join();
    QCOMPARE(QString::fromStdString(seen), kept);
}

void TestPlatform::namesAThreadTheCallerOwns()
{
    std::promise<void> named;
    std::string seen;
    std::thread thread([&, done = named.get_future()]() mutable {
        done.wait(); // named by its owner before it reads its own name
        seen = nameOf(pthread_self());
    });
    platform::nameThread(thread, "pool-io-readers-3");
    named.set_value();
    thread.join();
    QCOMPARE(QString::fromStdString(seen), QStringLiteral("pool-io-reade-3"));
}

void TestPlatform::umaskIsReadWithoutChangingIt()
{
    const mode_t before = ::umask(027);
    QCOMPARE(platform::processUmask(), 027u);
    QCOMPARE(platform::processUmask(), 027u); // reading it did not change it
    ::umask(before);
    QCOMPARE(platform::processUmask(), unsigned(before));
}

void TestPlatform::randomBytesAreFilledAndDiffer()
{
    std::array<unsigned char, 32> first{}, second{};
    QVERIFY(platform::fillRandom(first));
    QVERIFY(platform::fillRandom(second));
    // 256 random bits each: equal, or all zero, only if the source is broken.
    QVERIFY(first != second);
    QVERIFY(std::any_of(first.begin(), first.end(), [](unsigned char b) { return b != 0; }));
}

void TestPlatform::sigpipeBecomesEpipeAndTheMaskComesBack()
{
    int ends[2];
    QCOMPARE(::pipe(ends), 0);
    ::close(ends[0]); // no reader: a write raises SIGPIPE, which would kill the test unblocked
    QVERIFY(!sigpipeBlockedHere());
    {
        const platform::SigpipeBlocked blocked;
        QVERIFY(sigpipeBlockedHere());
        const char byte = 'x';
        errno = 0;
        QCOMPARE(::write(ends[1], &byte, 1), ssize_t(-1));
        QCOMPARE(errno, EPIPE);
    }
    QVERIFY(!sigpipeBlockedHere()); // the old mask is back
    sigset_t pending;
    sigpending(&pending);
    QVERIFY(sigismember(&pending, SIGPIPE) != 1); // the raised SIGPIPE was consumed, not left pending
    ::close(ends[1]);
}

QTEST_GUILESS_MAIN(TestPlatform)
#include "tst_platform.moc"
