// Settings round-trip through QSettings, under a test-only organisation so that a user's
// settings are never touched; bad values fall back to defaults one by one.

#include "settingsstore.h"

#include <QtTest>

class TestSettingsStore : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void controlsRoundTrip();
    void emptySettingsGiveDefaults();
    void badValuesFallBack();
    void geometryAndWindowRoundTrip();
    void clearForgetsEverything();
    void unreadablePoolNumbersFallBack_data();
    void unreadablePoolNumbersFallBack();
    void settingsThatCannotBeSavedSayWhy();

private:
    std::unique_ptr<QSettings> m_settings;
};

void TestSettingsStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // settings go to a test location
    QCoreApplication::setOrganizationName(QStringLiteral("PoolscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_settingsstore"));
}

void TestSettingsStore::init()
{
    m_settings = std::make_unique<QSettings>();
    m_settings->clear();
}

void TestSettingsStore::controlsRoundTrip()
{
    ControlState state;
    state.workers = 17;
    state.concurrency = 3;
    state.policy = poolscope::ExceptionPolicy::RetireWorker;
    state.load.producers = 4;
    state.load.pattern = poolscope::LoadPattern::Sine;
    state.load.ratePerSecond = 123456;
    state.load.burstSize = 77;
    state.load.burstInterval = std::chrono::milliseconds(20);
    state.load.period = std::chrono::milliseconds(5000);
    state.load.costDistribution = poolscope::CostDistribution::Uniform;
    state.load.meanCost = std::chrono::microseconds(900);
    state.load.blockingShare = 0.25;
    state.load.blockingTime = std::chrono::microseconds(3000);
    state.load.exceptionProbability = 0.125;
    state.load.exceptionType = poolscope::ThrownType::NonStdClass;
    state.load.queueCap = 4242;
    SettingsStore(*m_settings).saveControls(state);
    m_settings->sync();

    QSettings reopened;
    const ControlState loaded = SettingsStore(reopened).loadControls();
    QVERIFY(loaded == state);
}

void TestSettingsStore::emptySettingsGiveDefaults()
{
    QVERIFY(SettingsStore(*m_settings).loadControls() == ControlState{});
    QCOMPARE(SettingsStore(*m_settings).loadChartWindow(), 30.0);
}

void TestSettingsStore::badValuesFallBack()
{
    m_settings->setValue(QStringLiteral("pool/workers"), 5000);
    m_settings->setValue(QStringLiteral("pool/concurrency"), 6);
    m_settings->setValue(QStringLiteral("pool/policy"), QStringLiteral("explode"));
    m_settings->setValue(QStringLiteral("load/pattern"), QStringLiteral("zigzag"));
    m_settings->setValue(QStringLiteral("load/rate"), -5);
    m_settings->setValue(QStringLiteral("charts/windowSeconds"), QStringLiteral("forever"));
    const ControlState loaded = SettingsStore(*m_settings).loadControls();
    QCOMPARE(loaded.workers, ControlState{}.workers);
    QCOMPARE(loaded.concurrency, 6); // the good value is kept
    QCOMPARE(loaded.policy, ControlState{}.policy);
    QVERIFY(loaded.load == poolscope::LoadSettings{}); // a bad load value resets the load settings
    QCOMPARE(SettingsStore(*m_settings).loadChartWindow(), 30.0);
}

void TestSettingsStore::geometryAndWindowRoundTrip()
{
    SettingsStore store(*m_settings);
    store.saveGeometry(QByteArray("geometry-bytes"));
    store.saveChartWindow(300);
    QCOMPARE(store.loadGeometry(), QByteArray("geometry-bytes"));
    QCOMPARE(store.loadChartWindow(), 300.0);
}

void TestSettingsStore::clearForgetsEverything()
{
    SettingsStore store(*m_settings);
    ControlState state;
    state.workers = 9;
    store.saveControls(state);
    store.clear();
    QCOMPARE(store.loadControls().workers, ControlState{}.workers);
}

void TestSettingsStore::unreadablePoolNumbersFallBack_data()
{
    QTest::addColumn<QString>("stored");
    // Each of these started the app with 0 workers (toInt() without its ok flag) and saved the 0.
    QTest::newRow("garbage") << QStringLiteral("lots");
    QTest::newRow("NaN") << QStringLiteral("nan");
    QTest::newRow("overflowing") << QStringLiteral("99999999999999999999");
    QTest::newRow("fraction") << QStringLiteral("3.5");
    QTest::newRow("empty") << QString();
}

void TestSettingsStore::unreadablePoolNumbersFallBack()
{
    QFETCH(QString, stored);
    m_settings->setValue(QStringLiteral("pool/workers"), stored);
    m_settings->setValue(QStringLiteral("pool/concurrency"), stored);
    const ControlState loaded = SettingsStore(*m_settings).loadControls();
    QCOMPARE(loaded.workers, ControlState{}.workers);
    QCOMPARE(loaded.concurrency, ControlState{}.concurrency);
    QVERIFY(ControlState{}.workers > 0);
}

void TestSettingsStore::settingsThatCannotBeSavedSayWhy()
{
    QTemporaryDir folder;
    const QString path = folder.filePath(QStringLiteral("occupied.conf"));
    QVERIFY(QDir().mkdir(path)); // a folder where the file should go: unwritable even for root
    QSettings settings(path, QSettings::IniFormat);
    SettingsStore store(settings);
    store.saveControls(ControlState{});
    QString error;
    QVERIFY(!store.flush(error));
    QVERIFY2(error.contains(path) && error.contains(QStringLiteral("could not be saved")), qPrintable(error));

    QSettings fine(folder.filePath(QStringLiteral("fine.conf")), QSettings::IniFormat);
    SettingsStore good(fine);
    good.saveControls(ControlState{});
    QVERIFY2(good.flush(error), qPrintable(error));
}

QTEST_MAIN(TestSettingsStore)
#include "tst_settingsstore.moc"
