// The safe file writer: what it replaces, what it writes in place, what it refuses, and
// what it checks before a run. Cases that need root (device nodes, other users' links) skip
// with a message when not run as root; CI runs as root.

#include "safefilewriter.h"

#include <QtTest>

#include <QTemporaryDir>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using namespace poolscope;

namespace {

std::string contents(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool writeText(const std::string &path, const std::string &text, std::string &error)
{
    return writeFileSafely(path, [&text](std::ostream &out) { out << text; }, error);
}

mode_t modeOf(const std::string &path, bool follow = false)
{
    struct stat status {};
    const int result = follow ? ::stat(path.c_str(), &status) : ::lstat(path.c_str(), &status);
    return result == 0 ? status.st_mode : 0;
}

QStringList entries(const QTemporaryDir &folder)
{
    return QDir(folder.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

} // namespace

class TestSafeFileWriter : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { ::umask(022); }
    void replacesARegularFileAndKeepsItsMode();
    void newFileGetsTheUmaskMode();
    void writerExceptionLeavesTheTargetAlone();
    void plantedTemporaryNameIsNeverFollowed();
    void devNullStaysADevice();
    void deviceNodeIsNeverReplacedByRoot();
    void fullDeviceReportsTheError();
    void fifoWithAReaderIsWrittenInPlace();
    void fifoWithoutAReaderIsRefused();
    void symlinkToARegularFileReplacesTheTargetNotTheLink();
    void symlinkToSomethingElseIsRefused_data();
    void symlinkToSomethingElseIsRefused();
    void foreignSymlinkInAStickyFolderIsRefused();
    void folderIsRefused();
    void checkFindsWhatWouldFailLater_data();
    void checkFindsWhatWouldFailLater();
    void identityMatchesTheSameFile();
};

void TestSafeFileWriter::replacesARegularFileAndKeepsItsMode()
{
    QTemporaryDir folder;
    const std::string path = folder.filePath(QStringLiteral("run.json")).toStdString();
    std::string error;
    QVERIFY2(writeText(path, "first", error), error.c_str());
    QVERIFY(::chmod(path.c_str(), 0640) == 0);
    QVERIFY2(writeText(path, "second", error), error.c_str());
    QCOMPARE(contents(path), std::string("second"));
    QCOMPARE(modeOf(path) & 07777, mode_t(0640));
    QCOMPARE(entries(folder), QStringList{QStringLiteral("run.json")}); // no temporary left behind
}

void TestSafeFileWriter::newFileGetsTheUmaskMode()
{
    QTemporaryDir folder;
    const std::string path = folder.filePath(QStringLiteral("new.csv")).toStdString();
    std::string error;
    QVERIFY2(writeText(path, "x", error), error.c_str());
    QVERIFY(S_ISREG(modeOf(path)));
    QCOMPARE(modeOf(path) & 07777, mode_t(0644)); // 0666 minus the umask 022 set above
}

void TestSafeFileWriter::writerExceptionLeavesTheTargetAlone()
{
    QTemporaryDir folder;
    const std::string path = folder.filePath(QStringLiteral("run.json")).toStdString();
    std::string error;
    QVERIFY(writeText(path, "old", error));
    QVERIFY(!writeFileSafely(path, [](std::ostream &out) {
        out << "half";
        throw std::runtime_error("formatting failed");
    }, error));
    QVERIFY2(error.find("formatting failed") != std::string::npos, error.c_str());
    QCOMPARE(contents(path), std::string("old"));
    QCOMPARE(entries(folder), QStringList{QStringLiteral("run.json")});
}

void TestSafeFileWriter::plantedTemporaryNameIsNeverFollowed()
{
    // The old writer used "<path>.tmp-<pid>": plant that (and a few pids around it) as links
    // to a victim; the victim must not change, the export must land.
    QTemporaryDir folder;
    const std::string victim = folder.filePath(QStringLiteral("victim")).toStdString();
    const std::string path = folder.filePath(QStringLiteral("run.json")).toStdString();
    std::string error;
    QVERIFY(writeText(victim, "precious", error));
    for (int pid = ::getpid() - 5; pid <= ::getpid() + 5; ++pid)
        QVERIFY(::symlink(victim.c_str(), (path + ".tmp-" + std::to_string(pid)).c_str()) == 0);
    QVERIFY2(writeText(path, "export", error), error.c_str());
    QCOMPARE(contents(victim), std::string("precious"));
    QCOMPARE(contents(path), std::string("export"));
}

void TestSafeFileWriter::devNullStaysADevice()
{
    std::string error;
    QVERIFY2(checkExportTarget("/dev/null", error), error.c_str());
    QVERIFY2(writeText("/dev/null", "gone", error), error.c_str());
    QVERIFY(S_ISCHR(modeOf("/dev/null")));
}

void TestSafeFileWriter::deviceNodeIsNeverReplacedByRoot()
{
    if (::geteuid() != 0)
        QSKIP("needs root: only root can create a device node (and only root could rename over one in /dev)");
    QTemporaryDir folder;
    const std::string node = folder.filePath(QStringLiteral("null")).toStdString();
    QVERIFY(::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0); // the same device as /dev/null
    std::string error;
    QVERIFY2(writeText(node, "into the void", error), error.c_str());
    QVERIFY(S_ISCHR(modeOf(node)));
    QCOMPARE(entries(folder), QStringList{QStringLiteral("null")});
}

void TestSafeFileWriter::fullDeviceReportsTheError()
{
    if (!QFileInfo::exists(QStringLiteral("/dev/full")))
        QSKIP("no /dev/full on this machine");
    std::string error;
    QVERIFY(!writeFileSafely("/dev/full", [](std::ostream &out) { out << std::string(200'000, 'x'); }, error));
    QVERIFY2(error.find("/dev/full") != std::string::npos && error.find(std::strerror(ENOSPC)) != std::string::npos,
             error.c_str());
    QVERIFY(S_ISCHR(modeOf("/dev/full")));
}

void TestSafeFileWriter::fifoWithAReaderIsWrittenInPlace()
{
    QTemporaryDir folder;
    const std::string fifo = folder.filePath(QStringLiteral("pipe")).toStdString();
    QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    QVERIFY(reader >= 0);
    std::string error;
    QVERIFY2(writeText(fifo, "through the pipe", error), error.c_str());
    char buffer[64] = {};
    const ssize_t got = ::read(reader, buffer, sizeof buffer);
    ::close(reader);
    QCOMPARE(std::string(buffer, static_cast<std::size_t>(std::max<ssize_t>(got, 0))), std::string("through the pipe"));
    QVERIFY(S_ISFIFO(modeOf(fifo)));
}

void TestSafeFileWriter::fifoWithoutAReaderIsRefused()
{
    QTemporaryDir folder;
    const std::string fifo = folder.filePath(QStringLiteral("pipe")).toStdString();
    QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string error;
    QVERIFY(!writeText(fifo, "nobody listens", error)); // returns at once: no hang
    QVERIFY2(error.find("no process reads") != std::string::npos, error.c_str());
    QVERIFY(S_ISFIFO(modeOf(fifo)));
}

void TestSafeFileWriter::symlinkToARegularFileReplacesTheTargetNotTheLink()
{
    QTemporaryDir folder;
    const std::string target = folder.filePath(QStringLiteral("real.json")).toStdString();
    const std::string link = folder.filePath(QStringLiteral("link.json")).toStdString();
    std::string error;
    QVERIFY(writeText(target, "old", error));
    QVERIFY(::symlink("real.json", link.c_str()) == 0);
    QVERIFY2(writeText(link, "new", error), error.c_str());
    QVERIFY(S_ISLNK(modeOf(link)));
    QCOMPARE(contents(target), std::string("new"));
    QCOMPARE(entries(folder).size(), 2);
}

void TestSafeFileWriter::symlinkToSomethingElseIsRefused_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("expected");
    QTest::newRow("dangling") << QStringLiteral("missing/nothing") << QStringLiteral("link to nothing");
    QTest::newRow("a folder") << QStringLiteral("/") << QStringLiteral("a folder");
    QTest::newRow("a device") << QStringLiteral("/dev/null") << QStringLiteral("not a regular file");
}

void TestSafeFileWriter::symlinkToSomethingElseIsRefused()
{
    QFETCH(QString, target);
    QFETCH(QString, expected);
    QTemporaryDir folder;
    const std::string link = folder.filePath(QStringLiteral("link")).toStdString();
    QVERIFY(::symlink(target.toStdString().c_str(), link.c_str()) == 0);
    std::string error;
    QVERIFY(!checkExportTarget(link, error));
    QVERIFY2(QString::fromStdString(error).contains(expected), error.c_str());
    QVERIFY(!writeText(link, "x", error));
    QVERIFY(S_ISLNK(modeOf(link))); // the link itself is never replaced
}

void TestSafeFileWriter::foreignSymlinkInAStickyFolderIsRefused()
{
    if (::geteuid() != 0)
        QSKIP("needs root: the link must belong to another user (lchown)");
    QTemporaryDir folder;
    QVERIFY(::chmod(folder.path().toLocal8Bit().constData(), 01777) == 0); // like /tmp
    const std::string victim = folder.filePath(QStringLiteral("victim")).toStdString();
    const std::string link = folder.filePath(QStringLiteral("run.json")).toStdString();
    std::string error;
    QVERIFY(writeText(victim, "precious", error));
    QVERIFY(::symlink(victim.c_str(), link.c_str()) == 0);
    QVERIFY(::lchown(link.c_str(), 65534, 65534) == 0); // planted by "nobody"
    QVERIFY(!checkExportTarget(link, error));
    QVERIFY2(error.find("another user") != std::string::npos, error.c_str());
    QVERIFY(!writeText(link, "overwritten", error));
    QCOMPARE(contents(victim), std::string("precious"));
}

void TestSafeFileWriter::folderIsRefused()
{
    QTemporaryDir folder;
    std::string error;
    QVERIFY(!writeText(folder.path().toStdString(), "x", error));
    QVERIFY2(error.find("a folder") != std::string::npos, error.c_str());
    QVERIFY(QFileInfo(folder.path()).isDir());
}

void TestSafeFileWriter::checkFindsWhatWouldFailLater_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty") << QString() << QStringLiteral("must not be empty");
    QTest::newRow("folder") << QStringLiteral("/tmp") << QStringLiteral("a folder");
    QTest::newRow("trailing slash") << QStringLiteral("/tmp/") << QStringLiteral("names a folder");
    QTest::newRow("300-character name") << QStringLiteral("/tmp/") + QString(300, QLatin1Char('n'))
                                        << QStringLiteral("the limit is 255");
    QTest::newRow("missing folder") << QStringLiteral("/nonexistent-poolscope/run.json") << QStringLiteral("does not exist");
    QTest::newRow("/proc/x") << QStringLiteral("/proc/x") << QStringLiteral("cannot create a file in /proc");
    QTest::newRow("under a file") << QStringLiteral("/etc/hostname/run.json") << QString::fromLatin1(std::strerror(ENOTDIR));
}

void TestSafeFileWriter::checkFindsWhatWouldFailLater()
{
    QFETCH(QString, path);
    QFETCH(QString, expected);
    std::string error;
    QVERIFY(!checkExportTarget(path.toStdString(), error));
    QVERIFY2(QString::fromStdString(error).contains(expected), error.c_str());
}

void TestSafeFileWriter::identityMatchesTheSameFile()
{
    QTemporaryDir folder;
    QVERIFY(QDir::setCurrent(folder.path()));
    QCOMPARE(exportTargetIdentity("a.json"), exportTargetIdentity("./a.json")); // not yet there
    QVERIFY(exportTargetIdentity("a.json") != exportTargetIdentity("b.json"));
    std::string error;
    QVERIFY(writeText("a.json", "x", error));
    QVERIFY(::symlink("a.json", "link.json") == 0);
    QCOMPARE(exportTargetIdentity("link.json"), exportTargetIdentity("a.json"));
    QVERIFY(exportTargetIdentity("/dev/null").empty()); // devices may be shared
    QVERIFY(exportTargetIdentity("/dev/stdout").empty());
}

QTEST_GUILESS_MAIN(TestSafeFileWriter)
#include "tst_safefilewriter.moc"
