// The headless mode end to end, through the real binary: a short scenario with exceptions
// writes the three exports, which read back with the counter identity; bad values exit 2
// with a message naming the option, before any load runs.

#include <QtTest>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <csignal>

#include <sys/stat.h>

class TestHeadless : public QObject {
    Q_OBJECT

private slots:
    void runsAScenarioAndExports();
    void scenarioFileWithCommandLineOverrides();
    void servesMetricsWhileItRuns();
    void badValuesExitWithTwo_data();
    void badValuesExitWithTwo();
    void exportsToDevicesLeaveThemDevices();
    void fullStandardOutputIsReported();
    void scenarioMustBeASmallRegularFile_data();
    void scenarioMustBeASmallRegularFile();
    void hugeBadValueIsNotEchoedInFull();
    void failedFastHasItsOwnExitStatus();
    void firstSignalAnywhereYieldsTheExports_data();
    void firstSignalAnywhereYieldsTheExports();
    void secondSignalKills();
    void exportIsSyncedBeforeAndAfterTheRename();
    void sweepWritesJsonAndCsv_data();
    void sweepWritesJsonAndCsv();
    void autoSizeAndAlertsGoToTheExport();
};

namespace {
struct Result {
    int exitCode = -1;
    QByteArray out, err;
};

Result run(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(POOLSCOPE_BINARY), arguments);
    Result result;
    if (!process.waitForFinished(60000)) {
        process.kill();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}
} // namespace

void TestHeadless::runsAScenarioAndExports()
{
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("run.json"));
    const QString csv = folder.filePath(QStringLiteral("run.csv"));
    const QString metrics = folder.filePath(QStringLiteral("run.txt"));
    QVERIFY(QDir(folder.path()).mkdir(QStringLiteral("scratch")));
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--workers"), QStringLiteral("3"),
                               QStringLiteral("--rate"), QStringLiteral("20000"), QStringLiteral("--cost"), QStringLiteral("5"),
                               QStringLiteral("--exception-probability"), QStringLiteral("0.1"),
                               QStringLiteral("--exception-type"), QStringLiteral("int"), QStringLiteral("--duration"),
                               QStringLiteral("1.5"), QStringLiteral("--sample-rate"), QStringLiteral("50"),
                               QStringLiteral("--export-json"), json, QStringLiteral("--export-csv"), csv,
                               QStringLiteral("--export-openmetrics"), metrics,
                               // I/O beside the units: an echo load and file reads in a folder of the test's
                               QStringLiteral("--io-connections"), QStringLiteral("2"), QStringLiteral("--io-rate"),
                               QStringLiteral("2000"), QStringLiteral("--io-reads"), QStringLiteral("2"),
                               QStringLiteral("--io-scratch-folder"), folder.filePath(QStringLiteral("scratch"))});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(result.err.contains("posted")); // the progress line

    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(root[QStringLiteral("format")].toInt(), 2);
    const QJsonObject c = root[QStringLiteral("counters")].toObject();
    QVERIFY(c[QStringLiteral("io_recv_completed")].toInteger() > 0);
    QVERIFY(c[QStringLiteral("io_read_completed")].toInteger() > 0);
    QCOMPARE(c[QStringLiteral("io_outstanding")].toInteger(), 0); // drained at the end
    QCOMPARE(c[QStringLiteral("io_started")].toInteger(),
             c[QStringLiteral("io_completed")].toInteger() + c[QStringLiteral("io_failed")].toInteger() +
                 c[QStringLiteral("io_cancelled")].toInteger());
    QVERIFY(QDir(folder.filePath(QStringLiteral("scratch"))).isEmpty()); // the scratch file is gone
    const qint64 posted = c[QStringLiteral("posted")].toInteger();
    QVERIFY(posted > 10'000);
    QCOMPARE(posted, c[QStringLiteral("queued")].toInteger() + c[QStringLiteral("in_flight")].toInteger() +
                         c[QStringLiteral("completed")].toInteger() + c[QStringLiteral("failed")].toInteger() +
                         c[QStringLiteral("cancelled")].toInteger());
    QVERIFY(c[QStringLiteral("failed")].toInteger() > 0);
    QCOMPARE(root[QStringLiteral("configuration")][QStringLiteral("pool")][QStringLiteral("workers")].toInt(), 3);
    const QJsonArray exceptions = root[QStringLiteral("exceptions")].toArray();
    QCOMPARE(exceptions.size(), 1); // every int thrown is "42": one coalesced row
    QCOMPARE(exceptions[0][QStringLiteral("type")].toString(), QStringLiteral("int"));
    // A history, not a count: 1.5 s at 50 Hz is 75 samples, but a sampler thread starved on a
    // busy machine takes fewer (once 49). The pace itself is tst_sampler's.
    QVERIFY(root[QStringLiteral("history")].toArray().size() >= 2);

    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(csvFile.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QCOMPARE(rows.size() - 1, root[QStringLiteral("history")].toArray().size());

    QFile metricsFile(metrics);
    QVERIFY(metricsFile.open(QIODevice::ReadOnly));
    const QByteArray text = metricsFile.readAll();
    QVERIFY(text.endsWith("# EOF\n"));
    QVERIFY(text.contains("poolscope_units_posted_total " + QByteArray::number(posted)));
    QVERIFY(text.contains("poolscope_io_kind_completed_total{kind=\"recv\"}"));
    QVERIFY(text.contains("poolscope_io_latency_seconds_count"));
}

void TestHeadless::scenarioFileWithCommandLineOverrides()
{
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("run.json"));
    QFile scenario(folder.filePath(QStringLiteral("scenario.json")));
    QVERIFY(scenario.open(QIODevice::WriteOnly));
    scenario.write(QStringLiteral(R"({"workers": 3, "pattern": "bursts", "burst-size": 250, "burst-interval": 100,
                                      "cost": 0, "duration": 0.6, "policy": "retire-worker", "quiet": true,
                                      "sample-rate": 50, "history": 0.2,
                                      "export-json": "%1"})").arg(json).toUtf8());
    scenario.close();
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--scenario"), scenario.fileName(),
                               QStringLiteral("--workers"), QStringLiteral("4")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(!result.err.contains("posted")); // "quiet": true came from the file
    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(root[QStringLiteral("history")].toArray().size(), 11); // 0.2 s at 50 Hz, and the sample before
    const QJsonObject configuration = root[QStringLiteral("configuration")].toObject();
    QCOMPARE(configuration[QStringLiteral("pool")][QStringLiteral("workers")].toInt(), 4); // the command line wins
    QCOMPARE(configuration[QStringLiteral("pool")][QStringLiteral("policy")].toString(), QStringLiteral("retire-worker"));
    QCOMPARE(configuration[QStringLiteral("load")][QStringLiteral("pattern")].toString(), QStringLiteral("bursts"));
    QCOMPARE(configuration[QStringLiteral("load")][QStringLiteral("burst_size")].toInt(), 250);
}

void TestHeadless::servesMetricsWhileItRuns()
{
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("interrupted.json"));
    QProcess process;
    process.start(QStringLiteral(POOLSCOPE_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--serve-metrics"), QStringLiteral("0"), QStringLiteral("--rate"),
                   QStringLiteral("5000"), QStringLiteral("--cost"), QStringLiteral("0"), QStringLiteral("--duration"),
                   QStringLiteral("30"), QStringLiteral("--quiet"), QStringLiteral("--export-json"), json});
    QByteArray err;
    QString url;
    QElapsedTimer waited;
    waited.start();
    while (url.isEmpty() && waited.elapsed() < 30'000 && process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(500);
        err += process.readAllStandardError();
        const qsizetype at = err.indexOf("serving metrics at ");
        if (at >= 0 && err.indexOf('\n', at) > at)
            url = QString::fromUtf8(err.mid(at + 19, err.indexOf('\n', at) - at - 19));
    }
    QVERIFY2(url.startsWith(QStringLiteral("http://127.0.0.1:")), err.constData());

    QNetworkAccessManager network;
    const auto scrapePosted = [&]() -> double {
        QNetworkReply *reply = network.get(QNetworkRequest(QUrl(url)));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!finished.wait(10'000) || reply->error() != QNetworkReply::NoError)
            return -1;
        reply->deleteLater();
        for (const QByteArray &line : reply->readAll().split('\n'))
            if (line.startsWith("poolscope_units_posted_total "))
                return line.mid(29).toDouble();
        return -1;
    };
    const double first = scrapePosted();
    QVERIFY(first >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(scrapePosted() > first, 10'000); // live, not a snapshot at start
    // SIGTERM (or Ctrl+C) ends the run early; nothing is lost: the exports are written.
    process.terminate();
    QVERIFY(process.waitForFinished(30'000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QVERIFY(root[QStringLiteral("counters")][QStringLiteral("posted")].toInteger() > 0);
    QVERIFY(root[QStringLiteral("duration_s")].toDouble() < 25); // it did not wait for --duration
}

void TestHeadless::badValuesExitWithTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QByteArray>("scenario"); // a scenario file's text, when not empty
    QTest::newRow("rate") << QStringList{QStringLiteral("--rate"), QStringLiteral("0")} << "--rate must be 1..10000000" << QByteArray();
    QTest::newRow("workers") << QStringList{QStringLiteral("--workers"), QStringLiteral("2000")} << "--workers must be 0..1024" << QByteArray();
    QTest::newRow("pattern") << QStringList{QStringLiteral("--pattern"), QStringLiteral("zigzag")} << "--pattern must be one of" << QByteArray();
    QTest::newRow("probability") << QStringList{QStringLiteral("--exception-probability"), QStringLiteral("2")}
                                 << "--exception-probability must be 0..1" << QByteArray();
    QTest::newRow("unwritable") << QStringList{QStringLiteral("--export-json"), QStringLiteral("/proc/nope/run.json")}
                                << "--export-json: cannot write" << QByteArray();
    QTest::newRow("export to a folder") << QStringList{QStringLiteral("--export-csv"), QStringLiteral("FOLDER")}
                                        << "--export-csv: refusing to write" << QByteArray();
    QTest::newRow("export name too long") << QStringList{QStringLiteral("--export-json"), QStringLiteral("FOLDER/") + QString(300, QLatin1Char('x'))}
                                          << "the limit is 255" << QByteArray();
    QTest::newRow("export in /proc") << QStringList{QStringLiteral("--export-openmetrics"), QStringLiteral("/proc/x")}
                                     << "--export-openmetrics: cannot write /proc/x: cannot create a file in /proc" << QByteArray();
    QTest::newRow("two exports, one file") << QStringList{QStringLiteral("--export-json"), QStringLiteral("FOLDER/run"),
                                                           QStringLiteral("--export-csv"), QStringLiteral("FOLDER/./run")}
                                           << "--export-json and --export-csv would write the same file" << QByteArray();
    QTest::newRow("empty export path") << QStringList{QStringLiteral("--export-json="), QStringLiteral("--quiet")}
                                       << "--export-json needs a file name" << QByteArray();
    QTest::newRow("unknown") << QStringList{QStringLiteral("--frobnicate")} << "frobnicate" << QByteArray();
    QTest::newRow("I/O connections") << QStringList{QStringLiteral("--io-connections"), QStringLiteral("300")}
                                     << "--io-connections must be 0..256 (got '300')" << QByteArray();
    QTest::newRow("I/O block size") << QStringList{QStringLiteral("--io-block-size"), QStringLiteral("12")}
                                    << "--io-block-size must be 512..1048576 (got '12')" << QByteArray();
    QTest::newRow("scenario I/O rate") << QStringList{} << "--io-rate must be 0..1000000 (got '-5')"
                                       << QByteArray(R"({"io-rate": -5})");
    QTest::newRow("metrics address") << QStringList{QStringLiteral("--serve-metrics"), QStringLiteral("example.com:80")}
                                     << "--serve-metrics: 'example.com' is not an IP address" << QByteArray();
    QTest::newRow("metrics port taken") << QStringList{QStringLiteral("--serve-metrics"), QStringLiteral("TAKEN")}
                                        << "--serve-metrics: cannot listen on 127.0.0.1:" << QByteArray();
    QTest::newRow("scenario key") << QStringList{} << "unknown key 'wrkers'" << QByteArray(R"({"wrkers": 4})");
    QTest::newRow("scenario value") << QStringList{} << "--rate must be 1..10000000 (got '0')" << QByteArray(R"({"rate": 0})");
    QTest::newRow("scenario type") << QStringList{} << "'workers' must be a number or a string" << QByteArray(R"({"workers": [4]})");
    QTest::newRow("scenario not JSON") << QStringList{} << "not JSON" << QByteArray(R"({"workers": 4,)");
    QTest::newRow("sweep grid") << QStringList{QStringLiteral("--sweep"), QStringLiteral("workers=1..x")}
                                << "--sweep: 'workers=1..x': 'x' is not a whole number" << QByteArray();
    QTest::newRow("sweep and duration") << QStringList{QStringLiteral("--sweep=workers=1"), QStringLiteral("--duration=5")}
                                        << "--sweep and --duration exclude each other" << QByteArray();
    QTest::newRow("sweep option alone") << QStringList{QStringLiteral("--sweep-period=1")} << "--sweep-period needs --sweep" << QByteArray();
    QTest::newRow("sweep period") << QStringList{QStringLiteral("--sweep=workers=1"), QStringLiteral("--sweep-period=0")}
                                  << "--sweep-period must be 0.1..3600 (got '0')" << QByteArray();
    QTest::newRow("scenario sweep") << QStringList{} << "--sweep: unknown axis 'threads'" << QByteArray(R"({"sweep": "threads=4"})");
    QTest::newRow("alert rule") << QStringList{QStringLiteral("--alerts"), QStringLiteral("ok: queued > 1; slow: wait.p99 > 50")}
                                << "--alerts: rule 'slow': 'wait.p99' is a time: give '50' a unit" << QByteArray();
    QTest::newRow("scenario alert rule") << QStringList{} << "--alerts: rule 'bad': 'for' takes a duration with a unit"
                                         << QByteArray(R"({"alerts": ["ok: queued > 1", "bad: queued > 1 for 5"]})");
    QTest::newRow("auto-size target") << QStringList{QStringLiteral("--auto-size"), QStringLiteral("0")}
                                      << "--auto-size must be a whole number of milliseconds 1..60000 (got '0')" << QByteArray();
    QTest::newRow("auto-size range alone") << QStringList{QStringLiteral("--auto-size-range=1..8")}
                                           << "--auto-size-range needs --auto-size" << QByteArray();
    QTest::newRow("scenario missing") << QStringList{QStringLiteral("--scenario"), QStringLiteral("/no/such/scenario.json")}
                                      << "--scenario: cannot read '/no/such/scenario.json'" << QByteArray();
}

void TestHeadless::badValuesExitWithTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QFETCH(QByteArray, scenario);
    QTemporaryDir folder;
    if (!scenario.isEmpty()) {
        QFile file(folder.filePath(QStringLiteral("scenario.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(scenario);
        arguments << QStringLiteral("--scenario") << file.fileName();
        message = QStringLiteral("scenario '%1': ").arg(file.fileName()) + message; // the file is blamed
    }
    QTcpServer squatter; // for "TAKEN": a port this machine has in use
    QVERIFY(squatter.listen(QHostAddress::LocalHost));
    arguments.replaceInStrings(QStringLiteral("TAKEN"), QString::number(squatter.serverPort()));
    arguments.replaceInStrings(QStringLiteral("FOLDER"), folder.path());
    arguments.prepend(QStringLiteral("--headless"));
    const Result result = run(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(QString::fromUtf8(result.err).contains(message), result.err.constData());
    QVERIFY(!result.err.contains("posted")); // nothing ran
}

void TestHeadless::exportsToDevicesLeaveThemDevices()
{
    // Run as root, the old writer renamed a regular file over /dev/null.
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("0.2"),
                               QStringLiteral("--quiet"), QStringLiteral("--export-json"), QStringLiteral("/dev/null"),
                               QStringLiteral("--export-csv"), QStringLiteral("/dev/null"),
                               QStringLiteral("--export-openmetrics"), QStringLiteral("/dev/stdout")});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(result.out.endsWith("# EOF\n"));
    QVERIFY(!QFileInfo(QStringLiteral("/dev/null")).isFile());
    QVERIFY(QFile::exists(QStringLiteral("/dev/null")));
}

void TestHeadless::fullStandardOutputIsReported()
{
    if (!QFile::exists(QStringLiteral("/dev/full")))
        QSKIP("no /dev/full on this machine");
    QProcess process;
    process.setStandardOutputFile(QStringLiteral("/dev/full"));
    process.start(QStringLiteral(POOLSCOPE_BINARY), {QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("0.2"),
                                                     QStringLiteral("--quiet"), QStringLiteral("--export-json"), QStringLiteral("-")});
    QVERIFY(process.waitForFinished(60'000));
    QCOMPARE(process.exitCode(), 1);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(err.contains("writing /dev/stdout failed: ") && err.contains(std::strerror(ENOSPC)), err.constData());
}

void TestHeadless::scenarioMustBeASmallRegularFile_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty name") << QString() << "--scenario needs a file name";
    QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero") << "--scenario: cannot read '/dev/zero': it is a device, not a regular file";
    QTest::newRow("FIFO without a writer") << QStringLiteral("FIFO") << "it is a FIFO, not a regular file";
    QTest::newRow("over 1 MiB") << QStringLiteral("BIG") << "(the limit is 1 MiB)";
    QTest::newRow("a folder") << QStringLiteral("FOLDER") << "it is a folder, not a regular file";
}

void TestHeadless::scenarioMustBeASmallRegularFile()
{
    QFETCH(QString, scenario);
    QFETCH(QString, message);
    QTemporaryDir folder;
    const QString fifo = folder.filePath(QStringLiteral("fifo.json"));
    QVERIFY(::mkfifo(fifo.toLocal8Bit().constData(), 0600) == 0);
    QFile big(folder.filePath(QStringLiteral("big.json")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    QVERIFY(big.resize(2 * 1024 * 1024));
    big.close();
    scenario.replace(QStringLiteral("FIFO"), fifo).replace(QStringLiteral("BIG"), big.fileName()).replace(QStringLiteral("FOLDER"), folder.path());
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--scenario"), scenario});
    QCOMPARE(result.exitCode, 2); // -1 would be a hang (killed after 60 s) or a crash
    QVERIFY2(QString::fromUtf8(result.err).contains(message), result.err.constData());
}

void TestHeadless::hugeBadValueIsNotEchoedInFull()
{
    // 100 KB: near the kernel's limit for one argument (128 KiB).
    const QString value = QStringLiteral("9") + QString(100'000, QLatin1Char('x'));
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--rate"), value});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains("--rate must be 1..10000000 (got '9xxx") && result.err.contains("(100001 characters)"),
             result.err.left(300).constData());
    QVERIFY(result.err.size() < 1000);
}

void TestHeadless::failedFastHasItsOwnExitStatus()
{
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("failed.json"));
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--policy"), QStringLiteral("fail-fast"),
                               QStringLiteral("--exception-probability"), QStringLiteral("1"), QStringLiteral("--duration"),
                               QStringLiteral("20"), QStringLiteral("--quiet"), QStringLiteral("--export-json"), json});
    QCOMPARE(result.exitCode, 3);
    QVERIFY2(result.err.contains("poolscope: the pool failed fast: a unit threw std::runtime_error"), result.err.constData());
    QVERIFY(QFileInfo(json).size() > 0); // the exports are still written
}

namespace {
// Starts a headless run held at a test pause point; true once it says it is there.
bool startHeldAt(QProcess &process, const QString &point, const QStringList &arguments)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("POOLSCOPE_TEST_HOLD"), point);
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(POOLSCOPE_BINARY), QStringList{QStringLiteral("--headless")} + arguments);
    QByteArray err;
    const QByteArray wanted = "poolscope: test hold at " + point.section(QLatin1Char('-'), 0, 0).toUtf8();
    QElapsedTimer waited;
    waited.start();
    while (!err.contains(wanted) && waited.elapsed() < 60'000 && process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(1000);
        err += process.readAllStandardError();
    }
    return err.contains(wanted);
}
} // namespace

void TestHeadless::firstSignalAnywhereYieldsTheExports_data()
{
    QTest::addColumn<QString>("point");
    QTest::addColumn<int>("signal");
    // Before: a signal during start-up or after --duration killed the run with no exports (143).
    QTest::newRow("start-up, SIGTERM") << QStringLiteral("startup") << int(SIGTERM);
    QTest::newRow("start-up, SIGINT") << QStringLiteral("startup") << int(SIGINT);
    QTest::newRow("final drain") << QStringLiteral("drain") << int(SIGTERM);
    QTest::newRow("between exports") << QStringLiteral("export") << int(SIGINT);
}

void TestHeadless::firstSignalAnywhereYieldsTheExports()
{
    QFETCH(QString, point);
    QFETCH(int, signal);
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("run.json"));
    const QString csv = folder.filePath(QStringLiteral("run.csv"));
    QProcess process;
    QVERIFY(startHeldAt(process, point, {QStringLiteral("--duration"), QStringLiteral("0.3"), QStringLiteral("--quiet"),
                                         QStringLiteral("--export-json"), json, QStringLiteral("--export-csv"), csv}));
    QVERIFY(::kill(static_cast<pid_t>(process.processId()), signal) == 0);
    QVERIFY(process.waitForFinished(60'000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(jsonFile.readAll()).object()[QStringLiteral("counters")].isObject());
    QVERIFY(QFileInfo(csv).size() > 0);
}

void TestHeadless::secondSignalKills()
{
    QProcess process;
    QVERIFY(startHeldAt(process, QStringLiteral("drain-forever"), {QStringLiteral("--duration"), QStringLiteral("0.3"), QStringLiteral("--quiet")}));
    const auto pid = static_cast<pid_t>(process.processId());
    QVERIFY(::kill(pid, SIGTERM) == 0); // the first asks to stop; the hold ignores it
    // The second, of the other kind, must kill. The first has reset both dispositions by the
    // time kill() returns only if it was delivered: send the second until the process dies.
    QElapsedTimer waited;
    waited.start();
    while (!process.waitForFinished(200) && waited.elapsed() < 30'000)
        ::kill(pid, SIGINT);
    QCOMPARE(process.state(), QProcess::NotRunning);
    QCOMPARE(process.exitStatus(), QProcess::CrashExit); // killed by the signal, not a normal exit
}

void TestHeadless::exportIsSyncedBeforeAndAfterTheRename()
{
    // Before: no fsync at all, so a power cut could leave an empty file under the final name.
    const QString strace = QStandardPaths::findExecutable(QStringLiteral("strace"));
    if (strace.isEmpty())
        QSKIP("needs strace (scripts/install-deps.sh test installs it)");
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("synced.json"));
    const QString trace = folder.filePath(QStringLiteral("trace.txt"));
    QProcess process;
    process.start(strace, {QStringLiteral("-f"), QStringLiteral("-e"), QStringLiteral("trace=fsync,rename,renameat,renameat2"),
                           QStringLiteral("-o"), trace, QStringLiteral(POOLSCOPE_BINARY), QStringLiteral("--headless"),
                           QStringLiteral("--duration"), QStringLiteral("0.2"), QStringLiteral("--quiet"),
                           QStringLiteral("--export-json"), json});
    QVERIFY(process.waitForFinished(120'000));
    if (process.exitCode() != 0 && process.readAllStandardError().contains("ptrace"))
        QSKIP("strace may not trace here (no ptrace permission)");
    QCOMPARE(process.exitCode(), 0);
    QFile file(trace);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> calls = file.readAll().split('\n');
    qsizetype rename = -1;
    for (qsizetype i = 0; i < calls.size(); ++i)
        if (calls[i].contains("rename") && calls[i].contains("synced.json"))
            rename = i;
    QVERIFY2(rename > 0, "no rename onto the export");
    const auto isFsync = [](const QByteArray &line) { return line.contains(" fsync(") && line.contains("= 0"); };
    QVERIFY2(std::any_of(calls.begin(), calls.begin() + rename, isFsync), "no fsync of the file before the rename");
    QVERIFY2(std::any_of(calls.begin() + rename + 1, calls.end(), isFsync), "no fsync of the folder after the rename");
}

void TestHeadless::sweepWritesJsonAndCsv_data()
{
    QTest::addColumn<bool>("fromScenario");
    QTest::newRow("command line") << false;
    QTest::newRow("scenario file") << true;
}

void TestHeadless::sweepWritesJsonAndCsv()
{
    QFETCH(bool, fromScenario);
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("sweep.json"));
    const QString csv = folder.filePath(QStringLiteral("sweep.csv"));
    QStringList arguments{QStringLiteral("--headless"), QStringLiteral("--rate"), QStringLiteral("2000"), QStringLiteral("--cost"),
                          QStringLiteral("20"), QStringLiteral("--export-json"), json, QStringLiteral("--export-csv"), csv};
    const QStringList sweep{QStringLiteral("--sweep=workers=1,2,concurrency=0"), QStringLiteral("--sweep-warmup=0"),
                            QStringLiteral("--sweep-period=0.2"), QStringLiteral("--wait-target=20")};
    if (fromScenario) {
        QFile file(folder.filePath(QStringLiteral("scenario.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"sweep": "workers=1,2,concurrency=0", "sweep-warmup": 0, "sweep-period": 0.2, "wait-target": 20})");
        file.close();
        arguments << QStringLiteral("--scenario") << file.fileName();
    } else {
        arguments << sweep;
    }
    const Result result = run(arguments);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.err.contains("[point 2/2: 2 workers, limit 0"), result.err.constData()); // the progress line
    QVERIFY2(result.err.contains("1 worker, limit 0 (= "), result.err.constData());           // a line per point
    QVERIFY(result.err.contains("Knee at") || result.err.contains("No size"));

    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject document = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(document.value(QStringLiteral("kind")).toString(), QStringLiteral("poolscope-sweep"));
    QCOMPARE(document.value(QStringLiteral("grid")).toString(), QStringLiteral("workers=1,2,concurrency=0"));
    QCOMPARE(document.value(QStringLiteral("queue_wait_target_ns")).toDouble(), 20e6);
    QCOMPARE(document.value(QStringLiteral("period_s")).toDouble(), 0.2);
    const QJsonArray points = document.value(QStringLiteral("points")).toArray();
    QCOMPARE(points.size(), 2);
    for (int i = 0; i < 2; ++i) {
        const QJsonObject run = points.at(i).toObject().value(QStringLiteral("run")).toObject();
        QCOMPARE(run.value(QStringLiteral("configuration")).toObject().value(QStringLiteral("pool")).toObject()
                     .value(QStringLiteral("workers")).toInt(), i + 1);
        QCOMPARE(run.value(QStringLiteral("configuration")).toObject().value(QStringLiteral("load")).toObject()
                     .value(QStringLiteral("rate_per_s")).toDouble(), 2000.0);
    }

    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csvFile.readAll().split('\n');
    QCOMPARE(lines.size(), 4); // header, two points, and the empty rest after the last CRLF
    QVERIFY(lines[0].startsWith("workers,concurrency,measured_s"));
    QVERIFY(lines[1].startsWith("1,0,"));
    QVERIFY(lines[2].startsWith("2,0,"));
}

// The auto-sizer runs (its decisions are in the JSON) and the alert rules fire (on stderr and
// in the JSON), from a scenario file with the rules as an array.
void TestHeadless::autoSizeAndAlertsGoToTheExport()
{
    QTemporaryDir folder;
    const QString json = folder.filePath(QStringLiteral("run.json"));
    QFile scenario(folder.filePath(QStringLiteral("scenario.json")));
    QVERIFY(scenario.open(QIODevice::WriteOnly));
    scenario.write(R"({"workers": 1, "pattern": "as-fast-as-possible", "cost": 200, "distribution": "constant",
                       "blocking-share": 1, "blocking-time": 600, "queue-cap": 200, "duration": 4, "auto-size": 50,
                       "auto-size-range": "1..16", "alerts": ["busy: live > 0", "never: queued > 1000000"]})");
    scenario.close();
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--scenario"), scenario.fileName(),
                               QStringLiteral("--export-json"), json});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.err.contains("poolscope: alert busy fired: live 1 > 0"), result.err.constData());

    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(jsonFile.readAll()).object();
    const QJsonObject autoSize = root[QStringLiteral("auto_size")].toObject();
    QCOMPARE(autoSize[QStringLiteral("enabled")].toBool(), true);
    QCOMPARE(autoSize[QStringLiteral("ceiling")].toInt(), 16);
    const QJsonArray decisions = autoSize[QStringLiteral("decisions")].toArray();
    QVERIFY2(!decisions.isEmpty(), result.err.constData()); // a baseline takes 2.5 s of the 4
    QCOMPARE(decisions[0][QStringLiteral("from")].toInt(), 1);
    QVERIFY(result.err.contains("poolscope: auto-size: +1 worker (1 -> 2): probing up from"));
    const QJsonObject alerts = root[QStringLiteral("alerts")].toObject();
    QCOMPARE(alerts[QStringLiteral("rules")].toArray().size(), 2);
    QCOMPARE(alerts[QStringLiteral("rules")][0][QStringLiteral("firing")].toBool(), true);
    QCOMPARE(alerts[QStringLiteral("rules")][1][QStringLiteral("fires")].toInt(), 0);
    QCOMPARE(alerts[QStringLiteral("events")][0][QStringLiteral("rule")].toString(), QStringLiteral("busy"));
}

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
