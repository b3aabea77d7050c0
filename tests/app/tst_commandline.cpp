// The command line: options that work, and bad input rejected with a message naming it.

#include "commandline.h"

#include <QtTest>

class TestCommandLine : public QObject {
    Q_OBJECT

private slots:
    void defaults();
    void options();
    void ioLoadOverTheSavedOne();
    void serveMetricsAddress_data();
    void serveMetricsAddress();
    void badInput_data();
    void badInput();
};

void TestCommandLine::defaults()
{
    AppOptions options;
    QString error;
    QVERIFY(parseCommandLine({QStringLiteral("poolscope")}, options, error));
    QVERIFY(!options.resetSettings);
    QVERIFY(!options.startLoad);
    QVERIFY(options.screenshotFile.isEmpty());
}

void TestCommandLine::options()
{
    AppOptions options;
    QString error;
    const QString file = QDir::temp().filePath(QStringLiteral("shot.png"));
    QVERIFY(parseCommandLine({QStringLiteral("poolscope"), QStringLiteral("--reset-settings"), QStringLiteral("--screenshot"),
                              file, QStringLiteral("--screenshot-delay"), QStringLiteral("2.5")},
                             options, error));
    QVERIFY(options.resetSettings);
    QVERIFY(options.startLoad); // a screenshot shows the app under load
    QCOMPARE(options.screenshotFile, file);
    QCOMPARE(options.screenshotDelay, 2.5);
    QVERIFY(!options.screenshotIdle && !options.screenshotScreen);

    // The first-launch picture: no load; and the whole screen, frames included.
    AppOptions idle;
    QVERIFY(parseCommandLine({QStringLiteral("poolscope"), QStringLiteral("--screenshot"), file,
                              QStringLiteral("--screenshot-idle"), QStringLiteral("--screenshot-screen")},
                             idle, error));
    QVERIFY(idle.screenshotIdle && idle.screenshotScreen);
    QVERIFY(!idle.startLoad);
}

void TestCommandLine::ioLoadOverTheSavedOne()
{
    AppOptions options;
    QString error;
    QVERIFY2(parseCommandLine({QStringLiteral("poolscope"), QStringLiteral("--io-connections"), QStringLiteral("16"),
                               QStringLiteral("--io-rate"), QStringLiteral("2000"), QStringLiteral("--io-reads"),
                               QStringLiteral("0"), QStringLiteral("--io-scratch-folder"), QStringLiteral("/var/tmp")},
                              options, error),
             qPrintable(error));
    QCOMPARE(options.ioOptions.size(), std::size_t(3));

    poolscope::IoLoadSettings saved;
    saved.echo = false;
    saved.connections = 4;
    saved.messageBytes = 1024;
    saved.fileReads = true;
    saved.readsOutstanding = 8;
    const poolscope::IoLoadSettings io = options.ioLoadOver(saved);
    QVERIFY(io.echo); // connections >= 1 turns the echo load on
    QCOMPARE(io.connections, 16u);
    QCOMPARE(io.messagesPerSecond, 2000.0);
    QVERIFY(!io.fileReads);             // 0 reads turns the file load off...
    QCOMPARE(io.readsOutstanding, 8u);  // ...and keeps the count it had
    QCOMPARE(io.messageBytes, 1024u);   // not given: the saved value
    QCOMPARE(io.scratchFolder, std::string("/var/tmp"));
    QVERIFY(io.validate().empty());

    // Nothing given: the saved load as it was.
    AppOptions none;
    QVERIFY(parseCommandLine({QStringLiteral("poolscope")}, none, error));
    QVERIFY(none.ioOptions.empty());
    QVERIFY(none.ioLoadOver(saved) == saved);
}

void TestCommandLine::serveMetricsAddress_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::newRow("port alone: loopback") << "9464" << "127.0.0.1" << 9464;
    QTest::newRow("any port") << "0" << "127.0.0.1" << 0;
    QTest::newRow("explicit, all interfaces") << "0.0.0.0:9100" << "0.0.0.0" << 9100;
    QTest::newRow("localhost") << "localhost:80" << "127.0.0.1" << 80;
    QTest::newRow("IPv6") << "[::1]:9464" << "::1" << 9464;
}

void TestCommandLine::serveMetricsAddress()
{
    QFETCH(QString, text);
    QFETCH(QString, host);
    QFETCH(int, port);
    AppOptions options;
    QString error;
    QVERIFY2(parseCommandLine({QStringLiteral("poolscope"), QStringLiteral("--serve-metrics"), text}, options, error),
             qPrintable(error));
    QVERIFY(options.serveMetrics.has_value());
    QCOMPARE(options.serveMetrics->host.toString(), host);
    QCOMPARE(int(options.serveMetrics->port), port);
    AppOptions none;
    QVERIFY(parseCommandLine({QStringLiteral("poolscope")}, none, error));
    QVERIFY(!none.serveMetrics.has_value()); // off unless asked for
}

void TestCommandLine::badInput_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--frobnicate")} << "frobnicate";
    QTest::newRow("delay not a number") << QStringList{QStringLiteral("--screenshot-delay"), QStringLiteral("soon")}
                                        << "--screenshot-delay";
    QTest::newRow("delay out of range") << QStringList{QStringLiteral("--screenshot-delay"), QStringLiteral("9999")}
                                        << "0.5..600";
    QTest::newRow("delay NaN") << QStringList{QStringLiteral("--screenshot-delay"), QStringLiteral("nan")}
                               << "0.5..600 (got 'nan')"; // NaN passed "x < lo || x > hi" and never quit
    QTest::newRow("delay infinite") << QStringList{QStringLiteral("--screenshot-delay"), QStringLiteral("inf")} << "0.5..600";
    QTest::newRow("huge value, elided") << QStringList{QStringLiteral("--screenshot-delay"), QString(100'000, QLatin1Char('9'))}
                                        << "...' (100000 characters)";
    QTest::newRow("no such folder") << QStringList{QStringLiteral("--screenshot"), QStringLiteral("/no/such/dir/x.png")}
                                    << "does not exist";
    QTest::newRow("screenshot onto a folder") << QStringList{QStringLiteral("--screenshot"), QStringLiteral("/tmp")}
                                              << "--screenshot: refusing to write /tmp: it is a folder";
    QTest::newRow("port too large") << QStringList{QStringLiteral("--serve-metrics"), QStringLiteral("127.0.0.1:70000")}
                                    << "--serve-metrics: '127.0.0.1:70000' is not PORT, HOST:PORT";
    QTest::newRow("host name") << QStringList{QStringLiteral("--serve-metrics"), QStringLiteral("example.com:9464")}
                               << "'example.com' is not an IP address";
    QTest::newRow("no port") << QStringList{QStringLiteral("--serve-metrics"), QStringLiteral("10.0.0.1:")} << "--serve-metrics";
    QTest::newRow("idle without a screenshot") << QStringList{QStringLiteral("--screenshot-idle")} << "--screenshot-idle needs --screenshot";
    QTest::newRow("bad alert rule") << QStringList{QStringLiteral("--alerts"), QStringLiteral("ok: live > 0; slow: wait.p99 > 50")}
                                    << "--alerts: rule 'slow': 'wait.p99' is a time";
    QTest::newRow("I/O connections out of range") << QStringList{QStringLiteral("--io-connections"), QStringLiteral("5000")}
                                                  << "--io-connections must be 0..256 (got '5000')";
    QTest::newRow("I/O rate not a number") << QStringList{QStringLiteral("--io-rate"), QStringLiteral("fast")}
                                           << "--io-rate must be 0..1000000";
    QTest::newRow("I/O scratch folder empty") << QStringList{QStringLiteral("--io-scratch-folder"), QString()}
                                              << "--io-scratch-folder needs a folder";
    QTest::newRow("stray argument") << QStringList{QStringLiteral("extra")} << "'extra' is not a snapshot file";
}

void TestCommandLine::badInput()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    arguments.prepend(QStringLiteral("poolscope"));
    AppOptions options;
    QString error;
    QVERIFY(!parseCommandLine(arguments, options, error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
