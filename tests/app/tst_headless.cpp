// The headless mode end to end, through the real binary: a short scenario with exceptions
// writes the three exports, which read back with the counter identity; bad values exit 2
// with a message naming the option, before any load runs.

#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

class TestHeadless : public QObject {
    Q_OBJECT

private slots:
    void runsAScenarioAndExports();
    void badValuesExitWithTwo_data();
    void badValuesExitWithTwo();
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
    const Result result = run({QStringLiteral("--headless"), QStringLiteral("--workers"), QStringLiteral("3"),
                               QStringLiteral("--rate"), QStringLiteral("20000"), QStringLiteral("--cost"), QStringLiteral("5"),
                               QStringLiteral("--exception-probability"), QStringLiteral("0.1"),
                               QStringLiteral("--exception-type"), QStringLiteral("int"), QStringLiteral("--duration"),
                               QStringLiteral("1.5"), QStringLiteral("--sample-rate"), QStringLiteral("50"),
                               QStringLiteral("--export-json"), json, QStringLiteral("--export-csv"), csv,
                               QStringLiteral("--export-openmetrics"), metrics});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(result.err.contains("posted")); // the progress line

    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(root[QStringLiteral("format")].toInt(), 1);
    const QJsonObject c = root[QStringLiteral("counters")].toObject();
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
    QVERIFY(root[QStringLiteral("history")].toArray().size() >= 50);

    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(csvFile.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QCOMPARE(rows.size() - 1, root[QStringLiteral("history")].toArray().size());

    QFile metricsFile(metrics);
    QVERIFY(metricsFile.open(QIODevice::ReadOnly));
    const QByteArray text = metricsFile.readAll();
    QVERIFY(text.endsWith("# EOF\n"));
    QVERIFY(text.contains("poolscope_units_posted_total " + QByteArray::number(posted)));
}

void TestHeadless::badValuesExitWithTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("rate") << QStringList{QStringLiteral("--rate"), QStringLiteral("0")} << "--rate must be 1..10000000";
    QTest::newRow("workers") << QStringList{QStringLiteral("--workers"), QStringLiteral("2000")} << "--workers must be 0..1024";
    QTest::newRow("pattern") << QStringList{QStringLiteral("--pattern"), QStringLiteral("zigzag")} << "--pattern must be one of";
    QTest::newRow("probability") << QStringList{QStringLiteral("--exception-probability"), QStringLiteral("2")}
                                 << "--exception-probability must be 0..1";
    QTest::newRow("unwritable") << QStringList{QStringLiteral("--export-json"), QStringLiteral("/proc/nope/run.json")}
                                << "--export-json: cannot write";
    QTest::newRow("unknown") << QStringList{QStringLiteral("--frobnicate")} << "frobnicate";
}

void TestHeadless::badValuesExitWithTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    arguments.prepend(QStringLiteral("--headless"));
    const Result result = run(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(QString::fromUtf8(result.err).contains(message), result.err.constData());
    QVERIFY(!result.err.contains("posted")); // nothing ran
}

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
