// The command line: options that work, and bad input rejected with a message naming it.

#include "commandline.h"

#include <QtTest>

class TestCommandLine : public QObject {
    Q_OBJECT

private slots:
    void defaults();
    void options();
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
    QTest::newRow("no such folder") << QStringList{QStringLiteral("--screenshot"), QStringLiteral("/no/such/dir/x.png")}
                                    << "does not exist";
    QTest::newRow("stray argument") << QStringList{QStringLiteral("extra")} << "unexpected argument";
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
